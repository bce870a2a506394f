"""The ``protocol``, ``sham-controlled``, ``registered``, ``pilot`` and ``retracted`` rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .text import _CALL_FOR, _Doc, _is_other, _occurrences

RETRACTED_PT = "Retracted Publication"

# --- protocol --------------------------------------------------------------------------------

_PROTOCOL_LEFT = re.compile(
    r"(?<![a-z])(?:study|trial|review|research|clinical|evaluation|rct)\s+$"
)
# "according to the trial protocol", "as specified in a study protocol": a results paper.
_PROTOCOL_LEFT_NOT = re.compile(
    r"(?<![a-z])(?:according\s+to|per|accordance\s+with|specified\s+in|defined\s+in|"
    r"described\s+in|in|by|from|of|under|to|following|with|using)\s+(?:the|its|their|a|an|our)"
    r"\s+(?:[a-z-]+\s+)?$"
)
_PROTOCOL_ARTICLE = re.compile(
    r"(?<![a-z])(?:this|a|our|the\s+present|the\s+following)\s+(?:[a-z-]+\s+)?$"
)
_PROTOCOL_RIGHT_NOT = re.compile(
    r"\s+(?:was|were|has|had|is|deviations?|violations?|amendments?|adherence|compliance|"
    r"analysis|population|set|approval|number|no\.?)(?![a-z])"
)
_PROTOCOL_FOR = re.compile(
    r"protocol\s+(?:for|of)\s+(?:an?|the)\s+(?:[a-z0-9,-]+\s+){0,6}?(?:trial|study|review|"
    r"meta-?analysis|rct|overview|evaluation)(?![a-z])"
)
_PROTOCOL_SELF = re.compile(
    r"protocol\s+(?:describes|outlines|presents|details|reports|will|is\s+designed|aims)"
)
_PROTOCOL_WE = re.compile(
    r"(?<![a-z])we\s+(?:describe|present|report|outline)\s+(?:the|a|our|this)\s+(?:[a-z-]+\s+){0,4}?$"
)
_PROTOCOL_FUTURE = re.compile(
    r"will\s+be\s+(?:[a-z]+\s+)?(?:randomi[sz]ed|randomly|recruited|enrolled|searched|allocated|"
    r"assigned|included|screened|selected|extracted)(?![a-z])"
    r"|we\s+will\s+(?:[a-z]+\s+)?(?:search|conduct|recruit|enrol|enroll|randomi[sz]e|include|"
    r"perform|undertake|carry\s+out|systematically|screen|extract|pool)(?![a-z])"
    r"|(?:this|the)\s+(?:[a-z-]+\s+){0,4}?(?:trial|study|review)\s+will\s+(?:be\s+)?"
    r"(?:recruit|enrol|enroll|randomi[sz]e|include|evaluate|assess|investigate|compare|examine|"
    r"determine|conducted|performed|carried)"
)
_RESULTS_LABEL = re.compile(r"\n(?:results?|result\(s\)|findings|main\s+results)\s*:")
_FUTURE_METHOD = re.compile(
    r"will\s+(?:be\s+)?(?:[a-z]+\s+)?(?:compared|measured|assessed|evaluated|analy[sz]ed|used|"
    r"collected|followed|recorded|calculated|performed|conducted|obtained|administered|"
    r"treated|given|invited|asked|examined|tested|estimated|investigated|receive|undergo|"
    r"complete|assess|evaluate|compare|measure|analy[sz]e|examine|investigate|determine)(?![a-z])"
)
_PROTOCOL_PHRASES = (
    "rationale and design",
    "rationale and study design",
    "design and rationale",
    "\nethics and dissemination:",
    "\ntrial status:",
)


_IN_TITLE, _STATED, _FUTURE_ONLY = 2, 1, 0


def _protocol(doc: _Doc) -> tuple[str | None, int]:
    """(reason, level): level 2 = the title says protocol, 1 = the abstract says so in so many
    words, 0 = only future-tense methods."""
    low = doc.low
    if "protocol" in low:
        for p in _occurrences(low, "protocol"):
            end = p + 8
            if low[end : end + 1].isalpha():
                continue
            left = doc.left(p)
            level = _IN_TITLE if p < doc.title_end else _STATED
            if level == _IN_TITLE and (
                re.search(r"\(\s*$", left)
                or re.search(r":\s*(?:an?\s+|the\s+)?(?:[a-z-]+\s+){0,3}$", left)
            ):
                return doc.quote(max(0, p - len(left)), end), level  # ": study protocol"
            m = _PROTOCOL_FOR.match(low, p)
            if m and not _PROTOCOL_RIGHT_NOT.match(low, m.end()):
                if level == _IN_TITLE or not _PROTOCOL_LEFT_NOT.search(left):
                    return doc.quote(p, m.end()), level  # "protocol for a randomized trial"
            lm = _PROTOCOL_LEFT.search(left)
            if lm and not _PROTOCOL_RIGHT_NOT.match(low, end):
                before = left[: lm.start()]
                if level == _IN_TITLE or (
                    _PROTOCOL_ARTICLE.search(before) and not _PROTOCOL_LEFT_NOT.search(before)
                ):
                    return doc.quote(p - (len(left) - lm.start()), end), level  # "study protocol"
            m = _PROTOCOL_SELF.match(low, p)
            if m and re.search(r"(?<![a-z])(?:this|the\s+present|the\s+current|our)\s+$", left):
                return doc.quote(p, m.end()), level  # "this protocol describes"
            if _PROTOCOL_WE.search(left):
                return doc.quote(p, end), level  # "we describe the protocol"
    for phrase in _PROTOCOL_PHRASES:
        i = low.find(phrase)
        if i >= 0:
            i += phrase.startswith("\n")
            level = _IN_TITLE if i < doc.title_end else _STATED
            return doc.quote(i, i + len(phrase.strip())), level
    # Future tense alone: a design statement ("will be randomly assigned") and at least one
    # more future-tense method, in an abstract without a RESULTS section. One stray "will be
    # included in a later report" in a results paper is not enough.
    if "will " in low and not _RESULTS_LABEL.search(low):
        first = None
        count = 0
        for p in _occurrences(low, "will "):
            m = _PROTOCOL_FUTURE.search(low, max(0, p - 50), p + 70)
            if m and first is None:
                first = m
            if m or _FUTURE_METHOD.match(low, p):
                count += 1
        if first is not None and count >= 2:
            return doc.quote(*first.span()), _FUTURE_ONLY
    return None, _FUTURE_ONLY


# --- sham, registration, pilot -----------------------------------------------------------------

_SHAM_WORD = re.compile(
    r"sham(?![a-z])(?!\s+(?:shui|tseng|chun|wan)\b)(?:[- ](?:controlled|acupuncture|"
    r"electro-?acupuncture|ea|needl[a-z]*|needles?|acupoints?|points?|laser|tens|teas|"
    r"stimulation|moxibustion|acupressure|cupping|intervention|treatment|therapy|procedure|"
    r"device|group|arm|control|comparator|condition|surgery|operation|operated|injection|"
    r"block|tdcs|tms|rtms|vns|tavns)(?![a-z]))?"
)
_SHAM_ANIMAL_OK = re.compile(
    r"sham[- ](?:acupuncture|electro-?acupuncture|ea|needl[a-z]*|needles?|teas|tens|laser|"
    r"moxibustion|acupressure|acupoints?|points?|stimulation|cupping|electroacupuncture|"
    r"taves|vns|tdcs|tms|rtms)"
)
_PLACEBO_NEEDLE = re.compile(
    r"placebo[- ](?:acupuncture|electro-?acupuncture|needl[a-z]*|needles?|laser|tens|acupressure|"
    r"moxibustion|points?|acupoints?|stimulation|device)(?![a-z])"
)
_MINIMAL_NEEDLE = re.compile(
    r"(?<![a-z])(?:minimal|superficial|shallow|non-?penetrat[a-z]*|non-?insertive|retractable|"
    r"blunt(?:ed)?)[- ](?:acupuncture|needl[a-z]*|needles?|insertion|electro-?acupuncture)"
    r"|streitberger|park\s+sham|(?<![a-z])non-?acupoints?|non-?acupuncture\s+points?"
)
_SHAM_NEG_LEFT = re.compile(
    r"(?<![a-z])(?:no|without|lack\s+of|lacking|absence\s+of|future|further|other|previous|few)"
    r"\s+(?:[a-z-]+\s+){0,2}$"
)


def _sham(doc: _Doc) -> str | None:
    low = doc.low
    candidates: list[tuple[int, int]] = []
    if doc.has("sham"):
        for p in _occurrences(low, "sham"):
            m = _SHAM_WORD.match(low, p)
            if m is None:
                continue
            if doc.any_animal and not _SHAM_ANIMAL_OK.match(low, p):
                continue
            candidates.append(m.span())
    if doc.has("placebo"):
        for p in _occurrences(low, "placebo"):
            m = _PLACEBO_NEEDLE.match(low, p)
            if m:
                candidates.append(m.span())
    if "needl" in low or "acup" in low:
        candidates.extend(m.span() for m in _MINIMAL_NEEDLE.finditer(low))
    for start, end in sorted(candidates):
        if _SHAM_NEG_LEFT.search(doc.left(start, 40)):
            continue
        if _CALL_FOR.search(doc.right(end, 60)):
            continue
        return doc.quote(start, end)
    return None


# No look-behind: a pattern that starts with literals is scanned for much faster.
_REGISTRY_ID = re.compile(
    r"(?:NCT\d{8}|ChiCTR[-A-Z]*\d{6,}|ChiMCTR\d+|ITMCTR\d+|ISRCTN\s?\d{8}|"
    r"ACTRN\d{14}|DRKS\d{8}|KCT\d{7}|CRD\s?\d{11}|UMIN\d{9}|JPRN-[A-Za-z]+\d+|jRCT\w*\d{6,}|"
    r"IRCT\d+N?\d*|CTRI/\d{4}/\d+/\d+|TCTR\d{11}|PACTR\d{15}|"
    r"EudraCT\s*(?:No\.?|number:?)?\s*\d{4}-\d{6}-\d{2}|INPLASY\s?\d{9}|NTR\s?\d{3,}|RBR-\w+|"
    r"RPCEC\d+|SLCTR/\d{4}/\d+|LBCTR\d+)"
)


def _registered(article: Mapping[str, Any], doc: _Doc) -> str | None:
    numbers = article.get("registry_numbers") or []
    if numbers:
        shown = ", ".join(numbers[:2]) + (", ..." if len(numbers) > 2 else "")
        return f"registry: {shown}"
    source = doc.text if doc.text is not doc.low else doc.title
    for m in _REGISTRY_ID.finditer(source):
        if m.start() == 0 or not source[m.start() - 1].isalnum():
            return f'text: "{m.group(0)}"'
    return None


_TOKEN = r"(?!(?:trials|studies|of|for|in|to|with|and|data|results|work)\b)[a-z0-9-]+,?\s+"
_PILOT = re.compile(
    r"pilot(?:[- ](?:and\s+)?feasibility)?[\s,-]+(?:" + _TOKEN + r"){0,4}?"
    r"(?:study|trial|rct|investigation|project|experiment|evaluation)(?![a-z])"
    r"|pilot[\s,-]+randomi[sz]ed"
    r"|feasibility(?:\s+and\s+(?:pilot|acceptability|safety))?\s+(?:" + _TOKEN + r"){0,3}?"
    r"(?:study|trial|rct)(?![a-z])"
    r"|feasibility[\s,-]+randomi[sz]ed"
)


def _pilot(article: Mapping[str, Any], doc: _Doc) -> str | None:
    if "Pilot Projects" in (article.get("mesh") or ()):
        return "MeSH: Pilot Projects"
    low = doc.low
    for key in ("pilot", "feasibility"):
        if not doc.has(key):
            continue
        for p in _occurrences(low, key):
            m = _PILOT.match(low, p)
            if m is None:
                continue
            if _is_other(doc.left(p, 50)) or _CALL_FOR.search(doc.right(m.end(), 60)):
                continue
            return doc.quote(p, m.end())
    return None


# --- retraction ------------------------------------------------------------------------------


def _retracted(article: Mapping[str, Any], doc: _Doc) -> str | None:
    if RETRACTED_PT in (article.get("publication_types") or ()):
        return f"Publication Type: {RETRACTED_PT}"
    for cc in article.get("comments_corrections") or ():
        if cc.get("type") == "RetractionIn":
            source = " ".join((cc.get("source") or "").split())
            pmid = cc.get("pmid")
            if pmid and pmid not in source:
                source = f"{source} PMID: {pmid}".strip()
            return f"RetractionIn: {source}" if source else "RetractionIn"
    if re.match(r"\s*\[?\s*retracted\s*(?::|\]|article\b)", doc.low[: doc.title_end]):
        return 'title: "RETRACTED"'
    return None


# --- expression of concern ---------------------------------------------------------------------

CONCERN_PT = "Expression of Concern"
CONCERN_LINKS = ("ExpressionOfConcernIn", "ExpressionOfConcernFor")
_CONCERN_TITLE = re.compile(r"expression\s+of\s+concern|notice\s+of\s+concern")
# An abstract reporting results of its own: a results section or a long abstract.
_OWN_RESULTS = re.compile(r"(?:^|\n)\s*(?:results?|findings|main\s+results)\s*:")


def concern_notice(article: Mapping[str, Any], title_low: str) -> bool:
    """The record is an expression-of-concern notice: its Publication Type or title says so,
    and it has no abstract of its own results. Decided by the record, not by the direction
    of its links, which MEDLINE exports do not keep consistently."""
    if CONCERN_PT not in (article.get("publication_types") or ()) and not _CONCERN_TITLE.search(
        title_low
    ):
        return False
    abstract = article.get("abstract") or ""
    return not (_OWN_RESULTS.search(abstract.lower()) or len(abstract) > 1500)


def _concern(article: Mapping[str, Any], title_low: str) -> str | None:
    """``concern``: the article about which concern was expressed (a link to the notice, in
    either direction, on a record that is not itself the notice)."""
    if concern_notice(article, title_low):
        return None
    for cc in article.get("comments_corrections") or ():
        if cc.get("type") in CONCERN_LINKS:
            source = " ".join((cc.get("source") or "").split())
            pmid = cc.get("pmid")
            if pmid and pmid not in source:
                source = f"{source} PMID: {pmid}".strip()
            return f"ExpressionOfConcern: {source}" if source else "ExpressionOfConcern"
    return None
