"""What the study concluded: the abstract's conclusion, or None when it states none.

``conclusion(article)`` reads the stored ``abstract_sections`` (label, NLM category, text):

* A structured abstract: the sections NLM categorises as CONCLUSIONS (XML), else the sections
  whose label names a conclusion (CONCLUSION(S), INTERPRETATION, AUTHORS' CONCLUSIONS,
  IMPLICATIONS, LESSON, TAKE-HOME MESSAGE, ...: MEDLINE text carries labels only). Several are
  joined in order. Without one, its last content section is read as below.
* A conclusion heading left inside a section's text (one unlabelled AbstractText holding
  "... RESULTS ... CONCLUSIONS LD and HD screw constructs are ...", Thieme's "Conclusion"
  after an em space, MEDLINE's "... significantly CONCLUSIONS: CBPs should ...") starts the
  conclusion section: the text after the last such heading, without the heading (issue 25).
* Otherwise the closing sentences: from the first of the last three that states a finding
  ("In conclusion", "Taken together", "These results suggest", "We conclude", "Our data
  indicate", "This case highlights", "We think that"; in the last sentence also "...,
  suggesting that", "thereby suggesting", a recommendation "... should ...", "... is
  suggested", a hedged reading "... may ..." or a general claim "... is
  associated with ...") to the end. In an unstructured abstract (v4, issue 27) whose closing
  sentences carry no cue, a guarded fallback takes the last sentence when it states a claim in
  the present tense or with a modal ("Distress ... demonstrates the undesirability of ...",
  "X was a safe alternative to Y"), and not what the paper does or cites ("... are
  discussed", "We report a case of", "This review focuses on", "The following is a report
  of", "et al", "[3]"), the patient's course ("Persistent shunt was repaired during surgery",
  "... this patient did not have ..."), a method in the present ("... is also performed to
  validate ...") or a result seen ("Histology showed ..., which are diagnostic of ..."); none
  for an abstract describing a publication ("This publication contains ..."). A pick that opens
  with a back-reference ("This suggests", "Moreover, ...", "Such an approach") takes the
  finding before it too, unless that is an aim, a method or the case's course. None when no
  closing sentence qualifies: a case narrative ending with the patient's course, results with
  no concluding statement.

Never a registration, funding, disclosure, data-availability or copyright line: labelled
sections of that kind are skipped, and such sentences or a closing "(Funded by ...;
ClinicalTrials.gov number, NCT...)" are cut from the end of the text picked. The text comes
out on one line, without control or bidirectional characters (``article.clean``).

Standard library only, regexes compiled at import: it runs on every write (``derive``).
``benchmarks/evidence_accuracy.py`` measures it against hand-labelled records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, as the conclusion rules cut an abstract (abbreviations and
    numbers respected): what a view uses to show whole sentences, never a cut one."""
    return _sentences(" ".join(text.split()))


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
# "The sequencing data ... are available in the EBI repository under accession number ...".
_AVAILABILITY = re.compile(
    r"\b(?:data(?:sets?)?|code|software|sequences?|materials?)\b[^.]{0,120}?\b(?:is|are)\s+"
    r"(?:\w+ly\s+)?available\b[^.]{0,60}?\b(?:at|in|from|on|via|under|through|upon)\b"
    r"|\baccession\s+(?:numbers?|codes?|no\.?)\s"
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
    if _ADMIN_SENTENCE.match(low):
        return True
    if "available" in low or "accession" in low:
        if _AVAILABILITY.search(low):
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
    r"we\s+(?:therefore\s+)?(?:suggest|propose|argue|recommend|believe|think|feel|identify|"
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
    r"highlight|illustrat|underline|underscor|emphasi[sz]|point(?:s|ed|ing)?\s+(?:to|out)\b|"
    r"establish|document|argu|identif|"
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
    r"(?:thereby|thus)\s+(?:suggesting|indicating|implying|confirming|demonstrating)|"
    r"demonstrat(?:es|ing|ed)\s+that|conclud\w*|impl(?:y|ies|ying)\s+that|"
    r"should|must|(?:is|are)\s+(?:required|needed|warranted|recommended|essential|suggested|"
    r"advised|advisable)|"
    r"may|might|could|(?:appears?|seems?)\s+to|would\s+appear|likely|probably|"
    r"potentially|(?:is|are)\s+(?:\w+\s+)?associated\s+with)\b"
)
# A concluding opener after a missing full stop ("... required surgical decompression In
# conclusion, PVP is effective ..."): a sentence starts there all the same.
_RUN_ON_OPENERS = ("In conclusion", "In summary", "To conclude", "Taken together", "We conclude")
_RUN_ON = re.compile(r"(?<=[a-z0-9)]) (?=(?:" + "|".join(_RUN_ON_OPENERS) + r")\b)")
# How many closing sentences may hold the start of the conclusion.
_WINDOW = 3


def _states_finding(sentence: str, last: bool) -> bool:
    low = sentence.lower()
    if _CONCLUDING_START.search(low):
        # "Therefore, this study aimed to ...", "Therefore, antibiotics treatment was continued
        # for about 3 months": a connective opening an aim or the case's course
        if _CONNECTIVE.match(low):
            return not (_AIM.search(low) or _THE_PATIENT.search(low) or _COURSE.search(low))
        return True
    m = _FINDING_SUBJECT.search(low)
    if m and _FINDING_VERB.search(low, m.end()) and not _AIM.search(low):
        # "Experiments showing that ... will be described": what the paper will do
        return not _not_finding(low)
    return last and bool(_LAST_SENTENCE.search(low)) and not _not_finding(low)


# Only the end of a long abstract is cut into sentences: the closing ones are all that is read.
_TAIL = 2500


# --- the guarded fallback: a closing sentence that states a finding without a cue word ---------

# A present-tense or modal statement (a claim), or an evaluative past copula ("X was a safe
# alternative to Y"), not a narrative of what was done.
_CLAIM = re.compile(
    # not an infinitive: "... applied different methods to determine their activity"
    r"(?<!to )\b(?:is|are|has|have|does|do|can|cannot|may|might|could|should|must|will|would|"
    r"remains?|"
    r"seems?|"
    r"appears?|makes?|provides?|offers?|represents?|highlights?|demonstrates?|indicates?|"
    r"suggests?|shows?|supports?|requires?|needs?|depends?|allows?|leads?|plays?|"
    r"contributes?|helps?|improves?|reduces?|increases?|affects?|constitutes?|serves?|"
    r"functions?|emphasi[sz]es?|underlines?|underscores?|points?|confirms?|reflects?|"
    r"determines?|predicts?|enables?|warrants?|deserves?|paves?|holds?|opens?|yields?)\b"
    # "X was a safe alternative to Y", "A was as effective as B"; not a result ("the rate was
    # significantly higher")
    r"|\b(?:was|were)\s+(?:not\s+)?(?:a|an|as|safe|effective|feasible|superior|inferior|"
    r"similar|comparable|useful|equivalent|well\s+tolerated)\b"
)
# ... but not what the paper does, plans or cites, nor a novelty claim. Four patterns, each
# tried only when its keyword is in the sentence (one combined pattern cost ~30 us a sentence).
_WE_DO = re.compile(
    r"\b(?:we|i)\s+(?:\w+\s+)?(?:report|present|describe|review|discuss|will|propose\s+to|"
    r"aim|aimed|intend|plan|hope|wish|would\s+like)\b|\bhere,?\s+we\b|"
    r"\bwe\s+provide\s+(?:the|a|an|our)\b"
)
_PAPER_DOES = re.compile(
    r"\b(?:this|the\s+present|our)\s+(?:article|review|paper|chapter|report|manuscript|"
    r"editorial|overview|study|work)\s+(?:\w+\s+)?(?:reviews|describes|presents|discusses|"
    r"summari[sz]es|outlines|examines|focuses|aims|addresses|explores|introduces|is\s+to)\b"
    r"|\bthis\s+(?:report|paper|article|case\s+report)\s+(?:documents|reports)\b"
    r"|\b(?:the\s+following|this|it)\s+is\s+an?\s+(?:\w+\s+)?(?:report|description|account|"
    r"summary|overview|review)\s+of\b"
    # "This review includes 1) ...", "A brief description of ... is also provided"
    r"|\b(?:this|the\s+present|our)\s+(?:article|review|paper|chapter|report|manuscript|overview)\s+"
    r"(?:\w+\s+)?(?:includes|contains|covers|comprises)\b"
    r"|\b(?:description|overview|summary|discussion)\s+of\b.*\b(?:is|are)\s+(?:also\s+|briefly\s+)?"
    r"(?:provided|given|included|offered)\b"
    # "It explains ... and concludes with ideas for ...", "This commentary discusses ..."
    r"|\b(?:it|this\s+(?:commentary|article|review|paper|chapter|editorial|report))\s+"
    r"(?:also\s+|then\s+|further\s+|briefly\s+)?(?:explains|concludes\s+with|discusses|describes|"
    r"reviews|summari[sz]es|outlines|presents|highlights\s+the\s+role|provides\s+an?\s+(?:overview|"
    r"update|summary))\b"
    # "This review will discuss ...", "It will further elaborate on ...": what it will do
    r"|\b(?:this|the|our|it)\s+(?:\w+\s+)?will\s+(?:also\s+|further\s+|then\s+|first\s+)?"
    r"(?:discuss|describe|review|present|summari[sz]e|outline|examine|focus|address|explore|"
    r"introduce|elaborate|highlight|consider|provide\s+an?\s+(?:overview|update|summary))\b"
)
_IS_DISCUSSED = re.compile(
    r"\b(?:is|are|was|were|will\s+be|have\s+been|has\s+been)\s+(?:also\s+|briefly\s+|then\s+)?"
    r"(?:discussed|described|presented|reviewed|summari[sz]ed|outlined|illustrated|reported)\b"
)
# Work under way is a status, not a finding: "... are currently being investigated".
_UNDER_WAY = re.compile(
    r"\b(?:is|are)\s+(?:currently\s+|now\s+|still\s+)?being\s+(?:investigated|studied|"
    r"evaluated|developed|tested|explored|examined|assessed)\b"
)
_CITES = re.compile(
    r"\bnot\s+been\s+(?:reported|described)|\bto\s+(?:the\s+best\s+of\s+)?our\s+knowledge"
    r"|\b(?:have|has)\s+been\s+(?:\w+ly\s+)?(?:reported|described|published)"
    r"|\bfirst\s+(?:\w+\s+){0,2}?(?:case|report|description)\b"
    r"|\bet\s+al\b|\[\d+(?:[,\u2013-]\d+)*\]"
)
_DISCUSSED_STEMS = (
    "discuss",
    "describ",
    "present",
    "review",
    "summar",
    "outlin",
    "illustr",
    "report",
)


def _not_finding(low: str) -> bool:
    """True when the lower-cased sentence says what the paper does, plans or cites."""
    words = f" {low} "
    if (" we " in words or " i " in words or low.startswith(("we ", "i ", "here"))) and (
        _WE_DO.search(low)
    ):
        return True
    if (
        "this " in words
        or "our " in words
        or "present " in words
        or " will " in words
        or " it " in words
        or "following " in words
        or any(w in low for w in ("description", "overview", "summary", "discussion"))
        or low.startswith("it ")
    ) and _PAPER_DOES.search(low):
        return True
    if any(stem in low for stem in _DISCUSSED_STEMS) and _IS_DISCUSSED.search(low):
        return True
    if "being " in low and _UNDER_WAY.search(low):
        return True
    return (
        "knowledge" in low or "et al" in low or "[" in low or "been " in low or "first " in low
    ) and bool(_CITES.search(low))


# A sentence about the patient or the case is its course, not a finding.
_NARRATIVE_SUBJECT = re.compile(
    r"^\W*(?:(?:the|our|this|both|all)\s+(?:\w+\s+)?(?:patients?|wom[ae]n|m[ae]n|girl|boy|"
    r"child(?:ren)?|infant|neonate|case)|he|she|his|her|they|their)\b"
)


# "..., this patient did not have sickle cell disease": the patient's story.
_CONNECTIVE = re.compile(r"^\W*(?:thus|therefore|hence|consequently|accordingly)\b")
# A treatment's course told in the past ("treatment was continued for about 3 months").
_COURSE = re.compile(
    r"\b(?:was|were)\s+(?:then\s+|subsequently\s+)?(?:continued|discontinued|started|stopped|"
    r"given|administered|performed|removed|drained|treated|admitted|discharged|transferred)\b"
)
_THE_PATIENT = re.compile(
    r"\b(?:this|the|our)\s+(?:\w+\s+)?patient\s+(?:\w+ly\s+)?(?:had|did|was|has|is|underwent|"
    r"received|developed|presented|recovered|remains|remained|died|required)\b"
)
_RELATIVE = re.compile(r",\s+(?:which|who|whose|where|when)\b")


_CASE_NARRATIVE = re.compile(
    r"\bcase\s+(?:report|study|series|presentation)\b|\b(?:we|i)\s+(?:\w+\s+)?(?:report|present|"
    r"describe)\s+(?:here\s+)?(?:a|an|the|two|three|four|\d+)\s+(?:\w+[\s-]+){0,4}?(?:cases?|"
    r"patients?)\b|\b(?:a|an)\s+\d+[- ](?:year|month|week|day)[- ]old\s+(?:\w+\s+)?(?:man|woman|"
    r"male|female|boy|girl|patient|child|infant|neonate)\b|\babstract\s+truncated\b"
    # "This publication contains comprehensive information on ...": a publication described
    r"|\bthis\s+(?:publication|book|volume|issue|supplement|handbook|manual|guideline|guide)\s+"
    r"(?:\w+\s+)?(?:contains|offers|provides|presents|includes|covers|describes)\b"
)


def _no_fallback(title: str, text: str) -> bool:
    """True for a case narrative or a truncated abstract: no closing-sentence fallback."""
    low = f"{title}\n{text}".lower()
    return bool(_CASE_NARRATIVE.search(low))


# A method told in the present: "The robustness is also performed to validate the results".
_METHOD_LINE = re.compile(
    r"\b(?:is|are)\s+(?:also\s+|then\s+|further\s+)?(?:performed|conducted|carried\s+out|"
    r"undertaken|employed|applied|calculated|measured|assessed)\b"
)


def _closing_finding(sentence: str) -> bool:
    """True when ``sentence``, the abstract's last, states a finding without a cue word."""
    low = sentence.lower()
    if low.rstrip().endswith("?") or len(low.split()) < 5:
        return False
    # the claim is in the main clause: "Histology showed M-G bodies, which are diagnostic of
    # malakoplakia" reports what was seen
    if not _CLAIM.search(_RELATIVE.split(low, 1)[0]):
        return False
    return not (
        _not_finding(low)
        or _NARRATIVE_SUBJECT.search(low)
        or _THE_PATIENT.search(low)
        or _METHOD_LINE.search(low)
    )


# A pick opening with a back-reference ("This suggests ...", "Moreover, ...") leans on the
# sentence before it: that finding is taken too. "This study" and "These results" name their
# referent and stand alone.
_BACK_REFERENCE = re.compile(
    r"^\W*(?:(?:moreover|furthermore|in\s+addition|additionally|also|likewise|similarly)\b"
    r"|(?:this|these|such|that|those)\b(?!\s+(?:\w+[\s-]+){0,2}?(?:study|studies|trial|"
    r"review|analys[ie]s|report|work|research|paper|article|investigation|survey|"
    r"meta-analysis|results?|findings?|data|observations?|experiments?|case|cases|series|"
    r"patients?)\b))"
)


def _referent(sentence: str) -> bool:
    """True when ``sentence`` may be the finding a back-reference leans on: not an aim, a
    method, what the paper does, or an administrative line."""
    low = sentence.lower()
    return not (
        _AIM.search(low)
        or _not_finding(low)
        or _NARRATIVE_SUBJECT.search(low)
        or _is_admin(sentence)
    )


def _closing(text: str, fallback: Callable[[], bool]) -> str | None:
    """The closing sentences that state a finding; ``fallback()`` says whether a last sentence
    without a cue word may be taken (asked only then: most abstracts have a cue)."""
    text = " ".join(text.split())
    if len(text) > _TAIL:
        cut = text.find(". ", len(text) - _TAIL)  # from a sentence start (a rare abbreviation
        text = text[cut + 2 :] if cut >= 0 else text  # here only shortens the first one)
    if any(opener in text for opener in _RUN_ON_OPENERS):  # the regex scans every space
        text = _RUN_ON.sub(". ", text)
    sentences = _trim(_sentences(text))
    if not sentences:
        return None
    first = max(0, len(sentences) - _WINDOW)
    for i in range(first, len(sentences)):
        if _states_finding(sentences[i], last=i == len(sentences) - 1):
            break
    else:
        i = len(sentences) - 1  # no cue word: the last sentence, if it states a finding
        if not (_closing_finding(sentences[i]) and fallback()):
            return None
    if i and _BACK_REFERENCE.search(sentences[i].lower()) and _referent(sentences[i - 1]):
        i -= 1  # "X was associated with Y. This suggests ...": the finding it refers to
    return " ".join(sentences[i:])


# A structured abstract whose headings stayed in the text of one section: "... with the HD
# group. CONCLUSIONS LD and HD screw constructs are ..." (J Neurosurg Spine, no colon),
# "... follow-up. Conclusion Spondylectomy ..." (Thieme: an em space the parser folds),
# "... did not change significantly CONCLUSIONS: CBPs should ..." (MEDLINE text without the
# full stop). The heading is upper case or capitalised, never mid-sentence prose ("the
# conclusions of"): at the start, after a sentence's end and before a capital or a digit,
# or anywhere with its colon. What follows the last one is the conclusion section.
_HEADING_WORDS = (
    r"(?:CONCLUSIONS?(?:\s+AND\s+(?:RELEVANCE|IMPLICATIONS?))?"
    r"|Conclusions?(?:\s+and\s+(?:[Rr]elevance|[Ii]mplications?))?)"
)
_INLINE_HEADING = re.compile(
    r"(?:^|(?<=[.?!]\s)|(?<=[.?!][\"')\]]\s))" + _HEADING_WORDS + r"\s+(?=[\"'(\[]?[A-Z0-9])"
    r"|(?:^|(?<=\s))" + _HEADING_WORDS + r"\s*:\s+"
)


def _inline_conclusion(text: str) -> str | None:
    """The text after the last inline conclusion heading of ``text``, or None without one."""
    if "CONCLUSION" not in text and "Conclusion" not in text:  # the heading capitalised
        return None
    headings = list(_INLINE_HEADING.finditer(text))
    if not headings:
        return None
    after = " ".join(text[headings[-1].end() :].split())
    return " ".join(_trim(_sentences(after))) or None


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
        # the fallback reads unstructured abstracts only: a structured one without a conclusion
        # section (a resource's SUMMARY, a case's CASE REPORT) ends where its authors chose
        # nor a case narrative, whose closing lines are the course, a novelty or a lesson
        # told by a cue word, nor a truncated abstract, which ends wherever it was cut
        last_text = str(content[-1]["text"])
        unstructured = not any(s.get("label") for s in sections)
        title = str(article.get("title") or "")

        def fallback() -> bool:
            return unstructured and not _no_fallback(title, last_text)

        text = _inline_conclusion(last_text) or _closing(last_text, fallback) or ""
    else:
        text = ""
    text = _LEAD_LABEL.sub("", " ".join(clean(text).split()))
    return text or None
