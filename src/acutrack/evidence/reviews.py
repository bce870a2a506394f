"""The ``meta-analysis`` and ``systematic-review`` rules."""

from __future__ import annotations

import re

from .text import _CALL_FOR, _HOWTO, _Doc, _is_other, _occurrences

# --- meta-analysis and systematic review -----------------------------------------------------

_SECTION_LEFT = re.compile(
    r"(?:^|\n)(?:design|study\s+design|research\s+design|methods?|methodology|data\s+synthesis|"
    r"synthesis|materials?\s+and\s+methods?|design\s+and\s+methods?|data\s+sources?|"
    r"study\s+type)[^:\n]{0,20}:\s*(?:an?\s+)?(?:[a-z-]+,?\s+){0,4}$"
)
_SELF_NEAR = re.compile(
    r"(?<![a-z])(?:we|this|the\s+present|the\s+current|our|present|current)"
    r"(?:[\s,/-]+[\w()'-]+){0,5}[\s,/-]*$"
)
_MA_WORD = re.compile(r"meta[- ]?analy(?:sis|ses|tic|zed|sed|zing|sing)")
_MA_PASSIVE = re.compile(
    r"\s+(?:was|were)\s+(?:then\s+|also\s+|subsequently\s+|additionally\s+|finally\s+)?"
    r"(?:performed|conducted|carried\s+out|undertaken|done|used|applied|employed)"
)
_POOLING = re.compile(
    r"random[- ]effects?\s+(?:meta|model|analys)"
    r"|fixed[- ]effects?\s+(?:meta|model)"
    r"|pooled\s+(?:[a-z]+\s+){0,2}?(?:odds\s+ratios?|ors?|relative\s+risks?|rrs?|risk\s+ratios?|"
    r"hazard\s+ratios?|hrs?|mean\s+differences?|mds?|smds?|effects?|estimates?|prevalence|"
    r"incidence|sensitivity|specificity|results?|analys[ie]s|rates?)(?![a-z])"
    r"|(?:standardi[sz]ed|weighted)\s+mean\s+differences?"
    r"|forest\s+plots?|funnel\s+plots?|egger'?s?\s+(?:test|regression)"
    r"|network\s+meta-?analy"
)
_SR_PHRASE = re.compile(
    r"systematic(?:al)?\s+(?:literature\s+|critical\s+|mapping\s+|integrative\s+)?review(?![a-z])"
    r"|systematically\s+(?:searched|reviewed|identified)"
    r"|systematic\s+(?:literature\s+|electronic\s+|database\s+)?search(?:es)?\s+(?:was|were)\s+"
    r"(?:[a-z]+\s+)?(?:conducted|performed|undertaken|carried|made|done|run)"
)
# "reviewed the medical records of 120 patients", "review of 85 consecutive cases": the
# material of a chart review, not a literature review.
_CHART_REVIEW = re.compile(
    r"(?:\s+of)?\s+(?:(?:the|all|our|their|a\s+total\s+of)\s+)?(?:\d[\d,]*\s+)?"
    r"(?:[a-z-]+\s+){0,3}?(?:records?|charts?|notes|files|cases|images|radiographs|scans|"
    r"videos|registr(?:y|ies)|logs|patients|admissions|consecutive)(?![a-z])"
)
_MA_NOUN = re.compile(
    r"\s+(?:review|study|synthesis|integration|investigation|analysis|evaluation|examination)"
    r"(?![a-z])"
)
_SR_SEARCH_NOUN = re.compile(r"systematic\s+(?:literature\s+|electronic\s+|database\s+)?search")
_SR_SEARCH_LEFT = re.compile(
    r"(?<![a-z])(?:we|authors?)\s+(?:[a-z]+\s+){0,2}?(?:conducted|performed|undertook|carried\s+out|"
    r"did|ran)\s+(?:an?\s+)?(?:comprehensive\s+|extensive\s+)?$"
)
# "the systematic review process", "meta-analysis methods": the phrase modifies a noun.
_ADJECTIVAL = re.compile(
    r"[\s-]+(?!(?:and|of|with|on|in|for|to|from|update|updated|including|comparing|evaluating|"
    r"examining|investigating|assessing|using|across|among|into|versus|vs|or|was|were|is|are|"
    r"has|had|found|showed|shows|suggests|suggested|revealed|indicated|demonstrated|identified|"
    r"included|conducted|performed|aimed|aims|sought|will|that|which|we|the|a|an)\b)[a-z]"
)
# The same in an abstract, where a verb may follow: only nouns of the review trade count.
_NOUN_AFTER = re.compile(
    r"[\s-]+(?:process|tasks?|methods?|methodology|teams?|authors?|production|software|tools?|"
    r"guidelines?|registration|workflow|training|course|education|reporting|quality|searches|"
    r"search|protocols?|standards?|techniques?|experience|projects?)(?![a-z])"
)
_SR_TITLE = re.compile(
    r"systematic(?:al)?\s+(?:literature\s+|critical\s+|mapping\s+|integrative\s+)?review(?![a-z])"
    r"|systematic\s+overview|umbrella\s+review|overview\s+of\s+(?:systematic\s+)?reviews"
    r"|systematic\s+(?:literature\s+)?search"
)
_DATABASES = (
    "pubmed",
    "medline",
    "embase",
    "cochrane",
    "web of science",
    "scopus",
    "cinahl",
    "psycinfo",
    "psychinfo",
    "cnki",
    "china national knowledge",
    "wanfang",
    "sinomed",
    "chinese biomedical",
    "vip database",
    "lilacs",
    "koreamed",
    "google scholar",
    "clinicaltrials.gov",
    "ovid",
    "ebsco",
    "proquest",
    "pedro",
    "sportdiscus",
)
_SEARCH = re.compile(
    r"(?<![a-z])(?:searched|searching|search(?:es)?\s+(?:of|in|on|was|were|using|included|"
    r"strategy)|retrieved\s+from|literature\s+search|databases?\s+(?:were|was|including|"
    r"included))(?![a-z])"
)
_NUMBER = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|"
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ][a-z]+)?)"
)
_INCLUDED = re.compile(
    r"(?<![a-z0-9])" + _NUMBER + r"\s+(?:[a-z-]+\s+){0,3}?(?:studies|trials|rcts|articles|papers|"
    r"publications|reports|reviews|cohorts)\s+(?:\([^)]{0,60}\)\s+)?(?:were|was|met|fulfilled|"
    r"involving|with|including|comprising|totall?ing)(?![a-z])"
    r"|(?:included|identified|selected|eligible)\s+" + _NUMBER + r"\s+(?:[a-z-]+\s+){0,3}?"
    r"(?:studies|trials|rcts|articles|papers)(?![a-z])"
    r"|risk\s+of\s+bias|(?<![a-z])grade(?![a-z])|newcastle[- ]ottawa|jadad|amstar|"
    r"methodological\s+quality|inclusion\s+criteria|eligibility\s+criteria"
)


# A systematic review's structured abstract: a search heading together with a selection
# heading (Cochrane's "SEARCH STRATEGY" + "SELECTION CRITERIA", JAMA's "DATA SOURCES" +
# "STUDY SELECTION"), whether or not the words "systematic review" appear.
_SEARCH_HEADING = re.compile(
    r"\n(?:search\s+(?:strategy|strategies|methods?)(?:\s+for\s+identification\s+of\s+studies)?|"
    r"data\s+sources?(?:\s+and\s+(?:searches|search\s+strateg(?:y|ies)|study\s+selection))?|"
    r"literature\s+(?:search|sources?)|information\s+sources?|searches)\s*:"
)
_SELECTION_HEADING = re.compile(
    r"\n(?:(?:study|studies|trial)\s+selection|selection\s+(?:criteria|of\s+studies)|"
    r"(?:study\s+)?eligibility\s+criteria(?:\s+for\s+selecting\s+studies)?|"
    r"criteria\s+for\s+(?:selecting|considering)\s+studies(?:\s+for\s+this\s+review)?|"
    r"data\s+sources?\s+and\s+study\s+selection)\s*:"
)
# "Meta-analysis indicates that ...": a finding whose subject is this paper's meta-analysis.
_MA_FINDS = re.compile(
    r"(?:\s+of\s+[^.;:]{0,80}?)?\s+(?:indicates|indicated|shows|showed|suggests|suggested|"
    r"reveals|revealed|demonstrates|demonstrated|confirms|confirmed|finds|found)(?![a-z])"
)
_SUBJECT_START = re.compile(
    r"(?:^|[.:;]\s+|\n)(?:(?:the|this|our|present|pooled|overall|a|the\s+present|"
    r"the\s+pooled)\s+)?(?:[a-z-]+\s+){0,1}$"
)


def review_structure(doc: _Doc) -> str | None:
    """A reason when the abstract has a systematic review's search and selection headings."""
    low = doc.low
    search = _SEARCH_HEADING.search(low)
    if search is None:
        return None
    selection = _SELECTION_HEADING.search(low)
    if selection is None:
        if "and study selection" not in search.group(0):
            return None
        selection = search
    first = " ".join(doc.text[search.start() + 1 : search.end() - 1].split())
    second = " ".join(doc.text[selection.start() + 1 : selection.end() - 1].split())
    if first == second:
        return f'headings: "{first}"'
    return f'headings: "{first}" and "{second}"'


def _title_phrase_ok(doc: _Doc, start: int, end: int) -> bool:
    """A design phrase in the title describes the paper itself."""
    left = doc.left(start)
    if _is_other(left) or _HOWTO.search(left):
        return False
    return not _ADJECTIVAL.match(doc.low, end, doc.title_end)


def _search_signal(doc: _Doc) -> tuple[int, int] | None:
    """Span of a literature-search statement naming two or more bibliographic databases."""
    low = doc.low
    if "search" not in low and "database" not in low and "retrieved" not in low:
        return None
    named = 0
    for db in _DATABASES:
        if db in low:
            named += 1
            if named == 2:
                break
    else:
        return None
    m = _SEARCH.search(low)
    return m.span() if m else None


def _own_phrase(doc: _Doc, start: int, end: int) -> bool:
    """The review phrase at start..end is this paper's, not one cited or called for."""
    left = doc.left(start, 80)
    if _is_other(left):
        return False
    if _CALL_FOR.search(doc.right(end)):
        return False
    if start < doc.title_end:
        return True
    if _SELF_NEAR.search(left) or _SECTION_LEFT.search(doc.raw_left(start)):
        return True
    return False


def _meta_analysis(doc: _Doc, search: tuple[int, int] | None) -> str | None:
    low = doc.low
    if "meta" in low:
        for p in _occurrences(low, "meta"):
            m = _MA_WORD.match(low, p)
            if m is None:
                continue
            start, end = m.span()
            if start < doc.title_end:
                plural = m.group(0).endswith("ses")
                if plural and not re.search(r"review\s+and\s+$", doc.left(start)):
                    continue
                noun = _MA_NOUN.match(low, end) if m.group(0).endswith("tic") else None
                if noun and not _is_other(doc.left(start)):  # "a meta-analytic review"
                    return doc.quote(start, noun.end())
                if _title_phrase_ok(doc, start, end):
                    return doc.quote(start, end)
                continue
            if m.group(0).endswith("ses") or _NOUN_AFTER.match(low, end):
                continue
            if _own_phrase(doc, start, end):
                return doc.quote(start, end)
            passive = _MA_PASSIVE.match(low, end)
            if passive and not _is_other(doc.left(start)):
                return doc.quote(start, passive.end())
            finds = _MA_FINDS.match(low, end)
            left = low[max(0, start - 40) : start]
            if finds and _SUBJECT_START.search(left) and not _is_other(doc.left(start)):
                if not doc.in_background(start):  # "Meta-analysis suggests that ..."
                    return doc.quote(start, finds.end())
    if search is not None:
        m = _POOLING.search(low)
        if m:
            return doc.quote(*m.span())
    return None


def _systematic_review(doc: _Doc, search: tuple[int, int] | None, ma: str | None) -> str | None:
    low = doc.low
    if structure := review_structure(doc):
        return structure
    title_low = low[: doc.title_end]
    for t in _SR_TITLE.finditer(title_low):
        if _title_phrase_ok(doc, *t.span()):
            return doc.quote(*t.span())
    if "systematic" in low:
        for p in _occurrences(low, "systematic"):
            if low.startswith(" lupus", p + 10):
                continue  # "systematic lupus erythematosus": a misspelt disease, no design
            if p >= doc.title_end and _SR_SEARCH_LEFT.search(doc.left(p)):
                m = _SR_SEARCH_NOUN.match(low, p)
                if m:  # "we conducted a systematic literature search"
                    return doc.quote(p, m.end())
            m = _SR_PHRASE.match(low, p)
            if m is None or p < doc.title_end or _NOUN_AFTER.match(low, m.end()):
                continue
            start, end = m.span()
            if _CHART_REVIEW.match(low, end):
                continue  # "we systematically reviewed the medical records": a chart review
            if "search" in m.group(0) and not _is_other(doc.left(start)):
                return doc.quote(start, end)  # "databases were systematically searched"
            if _own_phrase(doc, start, end):
                return doc.quote(start, end)
            if _MA_PASSIVE.match(low, end) and not _is_other(doc.left(start)):
                return doc.quote(start, end)
    if search is not None:
        for word in ("prisma", "prospero"):
            i = low.find(word)
            if i >= 0:
                return doc.quote(i, i + len(word))
        if ma is not None:
            return _search_reason(doc, search, ma.removeprefix("text: "))
        # A search and a count of what it found is what any literature review reports; a
        # title that names the paper a review and does not say systematic ("Results of a
        # Literature Review", "a narrative review") is the authors' word that it is not one
        # (PRISMA 2020 item 1: a systematic review says so in its title).
        if not _OTHER_REVIEW_TITLE.search(low, 0, doc.title_end):
            included = _INCLUDED.search(low)
            if included:
                return _search_reason(
                    doc, search, doc.quote(*included.span()).removeprefix("text: ")
                )
    return None


# A title naming the paper a review without calling it systematic.
_OTHER_REVIEW_TITLE = re.compile(r"^(?!.*systematic).*(?<![a-z])(?:review|overview)(?![a-z'])")


def _search_reason(doc: _Doc, search: tuple[int, int], evidence: str) -> str:
    """The reason for a systematic review read from a literature search: the search phrase,
    the databases it names and what went with it, so a reader sees all the evidence
    ('text: "search of" (MEDLINE, Scopus) with "identified 38 ... trials"'), not only the
    search phrase."""
    low = doc.low
    found = sorted((low.find(db), db) for db in _DATABASES if db in low)
    names = ", ".join(doc.text[i : i + len(db)] for i, db in found[:4])
    more = f" +{len(found) - 4}" if len(found) > 4 else ""
    return f"{doc.quote(*search)} ({names}{more}) with {evidence}"
