"""What the study concluded: the abstract's conclusion, or None when it states none.

``conclusion(article)`` reads the stored ``abstract_sections`` (label, NLM category, text):

* A structured abstract: the sections NLM categorises as CONCLUSIONS (XML), else the sections
  whose label names a conclusion (CONCLUSION(S), INTERPRETATION, AUTHORS' CONCLUSIONS,
  IMPLICATIONS, LESSON, TAKE-HOME MESSAGE, ...: MEDLINE text carries labels only). Several are
  joined in order. Without one, its last content section is read as below.
* Otherwise the closing sentences: from the first of the last three that states a finding
  ("In conclusion", "Taken together", "These results suggest", "We conclude", "Our data
  indicate", "This case highlights"; in the last sentence also "..., suggesting that", a
  recommendation "... should ...", a hedged reading "... may ..." or a general claim "... is
  associated with ...") to the end. None when no closing sentence qualifies: a case narrative
  ending with the patient's course, results with no concluding statement.

Never a registration, funding, disclosure or copyright line: labelled sections of that kind are
skipped, and such sentences or a closing "(Funded by ...; ClinicalTrials.gov number, NCT...)"
are cut from the end of the text picked. The text comes out on one line, without control or
bidirectional characters (``article.clean``).

Standard library only, regexes compiled at import: it runs on every write (``derive``).
``benchmarks/evidence_accuracy.py`` measures it against hand-labelled records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..article import clean

# --- structured abstracts ----------------------------------------------------------------------

# Labels of a conclusion section (upper-cased label). "SUMMARY OF BACKGROUND DATA" (Spine)
# and "CLINICAL TRIAL REGISTRATION" must not match, so the words are anchored.
_CONCLUSION_LABEL = re.compile(
    r"CONCLU|\bINTERPRETATIONS?\b|^(?:CLINICAL\s+|PRACTICAL\s+|POLICY\s+)?IMPLICATIONS?\b|"
    r"\bLESSONS?\b|TAKE[- ]?HOME|BOTTOM\s+LINE|\b(?:KEY|MAIN)\s+(?:MESSAGES?|POINTS?|FINDINGS?)\b|"
    r"^CLINICAL\s+(?:RELEVANCE|SIGNIFICANCE)\b|^SIGNIFICANCE\b|^COMMENTS?$|^DISCUSSION$"
)
# Sections that are not the study's text: registration, funding, disclosures, contact, ...
_ADMIN_LABEL = re.compile(
    r"REGIST|FUNDING|SPONSOR|CONFLICTS?\b|DISCLOS|FINANCIAL|COMPETING|COPYRIGHT|"
    r"LEVEL\s+OF\s+EVIDENCE|EVIDENCE\s+LEVEL|AVAILAB|SUPPLEMENTA|CONTACT|KEY\s*WORDS|"
    r"ACKNOWLEDG|\bGRANTS?\b|CLINICALTRIALS|TRIAL\s+(?:NUMBER|ID)|PROSPERO|ISRCTN|\bNCT\b|"
    r"ETHIC|DATA\s+SHARING|PROTOCOL\s+NUMBER"
)

# --- sentences ---------------------------------------------------------------------------------

# A sentence ends at . ? or ! (with a closing quote or bracket) before white space and a
# capital letter, an opening quote/bracket or a digit; the checks in _sentences reject the
# stops after abbreviations and inside numbers ("p <. 001", "0. 51" in old MEDLINE text).
_STOP = re.compile(r"[.?!][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    "al e.g i.e vs v cf ca approx fig figs no nos dr drs prof mr mrs ms st sr jr inc ltd co "
    "resp incl eq ref refs vol pp ed eds etc viz min max mo yr yrs wk wks hr hrs n.s ns sp spp "
    "var subsp gen univ dept".split()
)


def _sentences(text: str) -> list[str]:
    """``text`` (white space already folded to single spaces) cut into sentences, respecting
    abbreviations ("vs.", "e.g.", "et al.") and numbers ("p < 0.05", "P <. 001", "0. 51")."""
    out: list[str] = []
    start = 0
    for m in _STOP.finditer(text):
        stop = m.start()
        token = text[text.rfind(" ", start, stop) + 1 : stop + 1].lower()
        if token.strip("([\"'").rstrip(".") in _ABBREVIATIONS:
            continue
        before = text[stop - 1] if stop > 0 else ""
        # A stop before a digit ends a sentence only after a word ("... in 2010. 37 patients"),
        # not after "<" or a digit ("P <. 001", "0. 51").
        if text[m.end()].isdigit() and not (before.isalpha() or before in ")%]"):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


# --- what is not a finding: registration, funding, copyright ---------------------------------

_REGISTRY_ID = re.compile(
    r"\bnct\s?\d{8}\b|\bisrctn\s?\d|\bactrn\s?\d|\bchictr|\bcrd\s?4\d{6}|\bumin\s?\d|"
    r"\bdrks\s?\d|\beudract\b|\birct\s?\d|\bctri\s?/|\bntr\s?\d{3}|clinicaltrials\.gov|"
    r"\binplasy\s?\d|\bpactr\s?\d|\bjrct\s?\d|\bkct\s?\d"
)
_ADMIN_SENTENCE = re.compile(
    r"^\W*(?:copyright\b|\(c\)\s|©|crown\s+copyright|published\s+by\b|all\s+rights\s+reserved|"
    r"this\s+article\s+is\s+protected|(?:clinical\s+)?trials?\s+regist|regist(?:ration|ered|ry)\b|"
    r"this\s+(?:trial|study|review)\s+(?:is|was)\s+registered|protocol\s+regist|"
    r"funded\s+by|funding\b|financial\s+support|sponsored\s+by|supported\s+by|"
    r"this\s+(?:work|study|research|trial|project|review)\s+(?:was|is)\s+(?:\w+\s+)?"
    r"(?:supported|funded|financed|sponsored)|"
    r"level\s+of\s+evidence|supplementary\s+(?:data|information|material)|"
    r"(?:the\s+)?authors?\s+(?:declare|report|have\s+no)|conflicts?\s+of\s+interest|"
    r"(?:competing|declaration\s+of)\s+interests?|(?:contact|e-?mail)\s*:)"
)
_ALL_RIGHTS = re.compile(r"all\s+rights\s+reserved|©|\bcopyright\b|\(c\)\s+\d{4}")
# A closing parenthesis naming the funder or the registration: "(Funded by ...; ... NCT...)".
_ADMIN_PAREN = re.compile(
    r"\s*\((?:[^()]|\([^()]*\))*(?:funded\s+by|clinicaltrials\.gov|registration|registered|"
    r"\bnct\d{8}|isrctn|number,)(?:[^()]|\([^()]*\))*\)\s*\.?\s*$"
)


# The same pattern without its word boundaries: it matches wherever _REGISTRY_ID does (and
# more), but starts with literals, so the regex engine scans for it about ten times faster
# than for alternatives that each open with \b. Asked first, it rules most sentences out.
# (A pure speed change, issue 26.3: the result is _REGISTRY_ID's.)
_REGISTRY_GATE = re.compile(_REGISTRY_ID.pattern.replace(r"\b", ""))


def _is_admin(sentence: str) -> bool:
    low = sentence.lower()
    if _ADMIN_SENTENCE.search(low):
        return True
    if len(low) < 200 and _REGISTRY_GATE.search(low) and _REGISTRY_ID.search(low):
        return True  # "ClinicalTrials.gov Identifier: NCT01234567."
    return bool(_ALL_RIGHTS.search(low)) and len(low) < 300


def _trim(sentences: list[str]) -> list[str]:
    """``sentences`` without the registration, funding and copyright lines at the end."""
    end = len(sentences)
    while end and _is_admin(sentences[end - 1]):
        end -= 1
    kept = sentences[:end]
    if kept:
        last = _ADMIN_PAREN.sub("", kept[-1]).rstrip()
        if last and last[-1] not in ".?!":
            last += "."
        kept[-1] = last
        if kept[-1] in ("", "."):
            kept.pop()
    return kept


# --- unstructured abstracts: the closing sentences that state a finding ----------------------

# A sentence opening that concludes by itself.
_CONCLUDING_START = re.compile(
    r"^\W*(?:in\s+conclusions?|to\s+conclude|in\s+summary|to\s+summari[sz]e|in\s+sum\b|"
    r"in\s+short|in\s+brief|overall|taken\s+together|together,?|collectively|altogether|"
    r"in\s+the\s+light\s+of\s+(?:these|our)|in\s+light\s+of\s+(?:these|our)|"
    r"thus\b|therefore\b|hence\b|consequently|accordingly|conclusions?\b|"
    r"we\s+(?:\w+\s+)?conclude|it\s+(?:is|was|can\s+be|may\s+be)\s+(?:therefore\s+)?concluded|"
    r"we\s+(?:therefore\s+)?(?:suggest|propose|argue|recommend|believe|identify|"
    r"demonstrate|show|provide\s+evidence))"
)
# A subject that reports this study's finding, to be followed by a finding verb.
_FINDING_SUBJECT = re.compile(
    r"^\W*(?:(?:however|moreover|furthermore|finally|importantly|altogether),\s+)?"
    r"(?:(?:our|these|this|the|such|present|current)\s+(?:\w+[\s-]+){0,2}?)?"
    r"(?:results?|findings?|data|observations?|study|studies|analys[ie]s|experiments?|work|"
    r"research|report|case|cases|review|evidence|experience|investigation|trial|survey|"
    r"model|approach|method)\b"
)
_FINDING_VERB = re.compile(
    r"\b(?:suggest|indicat|show|demonstrat|support|impl(?:y|ies|icat)|confirm|provid|reveal|"
    r"highlight|illustrat|underline|underscor|emphasi[sz]|point|establish|document|argu|identif|"
    r"add|strengthen|extend|question|call|offer|represent|conclud|prov|lend|open|raise|stress)\w*"
)
# Within a study's stated aims and methods, not a finding: "This study aimed to ...".
_AIM = re.compile(
    r"\b(?:aim(?:s|ed)?\s+(?:to|at)|was\s+(?:designed|conducted|undertaken|performed)|"
    r"(?:were|was)\s+(?:enrolled|recruited|randomi[sz]ed)|purpose|objective)\b"
)
# In the last sentence only: a finding stated mid-sentence, a recommendation, a hedged
# interpretation ("may", "appears to") or a general claim in the present tense.
_LAST_SENTENCE = re.compile(
    r"\b(?:suggest(?:s|ing|ed)?\s+that|indicat(?:es|ing|ed)\s+(?:that|the)|"
    r"demonstrat(?:es|ing|ed)\s+that|conclud\w*|impl(?:y|ies|ying)\s+that|"
    r"should|must|(?:is|are)\s+(?:required|needed|warranted|recommended|essential)|"
    r"may|might|could|(?:appears?|seems?)\s+to|would\s+appear|likely|probably|"
    r"potentially|(?:is|are)\s+(?:\w+\s+)?associated\s+with)\b"
)
# A concluding opener after a missing full stop ("... required surgical decompression In
# conclusion, PVP is effective ..."): a sentence starts there all the same.
_RUN_ON = re.compile(
    r"(?<=[a-z0-9)]) (?=(?:In conclusion|In summary|To conclude|Taken together|We conclude)\b)"
)
# How many closing sentences may hold the start of the conclusion.
_WINDOW = 3


def _states_finding(sentence: str, last: bool) -> bool:
    low = sentence.lower()
    if _CONCLUDING_START.search(low):
        return True
    m = _FINDING_SUBJECT.search(low)
    if m and _FINDING_VERB.search(low, m.end()) and not _AIM.search(low):
        return True
    return last and bool(_LAST_SENTENCE.search(low))


# Only the end of a long abstract is cut into sentences: the closing ones are all that is read.
_TAIL = 2500


def _closing(text: str) -> str | None:
    text = " ".join(text.split())
    if len(text) > _TAIL:
        cut = text.find(". ", len(text) - _TAIL)  # from a sentence start (a rare abbreviation
        text = text[cut + 2 :] if cut >= 0 else text  # here only shortens the first one)
    sentences = _trim(_sentences(_RUN_ON.sub(". ", text)))
    if not sentences:
        return None
    first = max(0, len(sentences) - _WINDOW)
    for i in range(first, len(sentences)):
        if _states_finding(sentences[i], last=i == len(sentences) - 1):
            return " ".join(sentences[i:])
    return None


# A label left inline in the text picked ("Conclusions/Implications: The NSI has ..."): the
# field is the conclusion itself.
_LEAD_LABEL = re.compile(r"^(?:conclusions?|implications?)(?:\s*(?:/|and)\s*\w+)?\s*:\s+", re.I)


# --- entry point -------------------------------------------------------------------------------


_KINDS: dict[str, str] = {}


def _label_kind(label: str) -> str:
    """'admin', 'conclusion' or '' for a section label (labels repeat: remembered)."""
    kind = _KINDS.get(label)
    if kind is None:
        upper = " ".join(label.upper().split())
        kind = (
            "admin"
            if _ADMIN_LABEL.search(upper)
            else "conclusion"
            if _CONCLUSION_LABEL.search(upper)
            else ""
        )
        if len(_KINDS) < 4096:  # a bounded memo: labels are a few hundred distinct words
            _KINDS[label] = kind
    return kind


def conclusion(article: Mapping[str, Any]) -> str | None:
    """The conclusion of ``article``'s abstract (one line, cleaned), or None."""
    sections = [s for s in article.get("abstract_sections") or () if s.get("text")]
    if not sections:
        return None
    kinds = [_label_kind(str(s.get("label") or "")) for s in sections]
    content = [s for s, kind in zip(sections, kinds, strict=True) if kind != "admin"]
    picked = [s for s in content if (s.get("category") or "").upper() == "CONCLUSIONS"]
    if not picked:
        picked = [s for s, kind in zip(sections, kinds, strict=True) if kind == "conclusion"]
    if picked:
        joined = " ".join(" ".join(str(s["text"]).split()) for s in picked)
        text = " ".join(_trim(_sentences(joined)))
    elif content:
        text = _closing(str(content[-1]["text"])) or ""
    else:
        text = ""
    text = _LEAD_LABEL.sub("", " ".join(clean(text).split()))
    return text or None
