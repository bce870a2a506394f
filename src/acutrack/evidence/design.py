"""Study design from the text: randomized controlled trial, meta-analysis, systematic review."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .common import (
    _ANIMAL,
    _CALL_FOR,
    _CITED,
    _NEGATED,
    _PLANNED,
    _SELF,
    _Doc,
    _is_other,
    _occurrences,
)

# --- rct -------------------------------------------------------------------------------------

_STOP = (
    r"(?!(?:trials|studies|rcts|in|of|from|with|to|the|a|an|and|or|that|which|who|was|were|is|"
    r"are|for|on|by|at|as|this|these|those|patients|participants|subjects|data|evidence)\b)"
)
_HEAD = r"(?:trial|study|rct|experiment|comparison|investigation|evaluation|design|fashion|manner)"
# After "randomized": a design noun in the singular, possibly after a chain of modifiers
# ("randomised, double-blind, placebo-controlled, parallel-group trial").
_R_DESIGN = re.compile(
    r"(?:[\s,]+|-)(?:(?:and\s+)?" + _STOP + r"[a-z0-9/()-]+[\s,]+){0,6}?" + _HEAD + r"(?![a-z])"
)
# After "randomized": the allocation itself ("randomized to receive", "randomized 1:1 to").
_R_TO = re.compile(
    r"\s+(?:\(?\d:\d\)?\s+)?(?:to\s+(?:receive|either|one|two|three|four|the|an?|\d|treatment|"
    r"placebo|sham|acupuncture|usual|standard|control|intervention|active|immediate|delayed|"
    r"wait|[a-z-]+\s+(?:group|arm|condition))|into\b|in\s+a\s+\d|in\s+(?:a\s+)?(?:double|"
    r"single|triple|blind|\d:\d|blocks?|(?:a\s+)?(?:1:1|2:1))|at\s+a\s+(?:\d|ratio)|between\b|"
    r"1:1|2:1|equally|by\s+(?:a\s+|the\s+)?(?:computer|block|sealed|opaque|central|envelope|"
    r"minimi)|(?:using|with)\s+(?:a\s+)?(?:1:1|2:1|block|stratified|computer|permuted))"
    r"|\s+(?:patients?|participants?|subjects?|women|men|children|adults|infants|individuals|"
    r"eyes|population|arms?|groups)(?![a-z])"
)
# Before "randomized": who was randomized ("patients were randomized", "we randomized").
_R_VERB_LEFT = re.compile(
    r"(?<![a-z])(?:were|was|be|been|being|are|is|we|they|who|participants|patients|subjects|"
    r"women|men|children|adults|individuals|persons|volunteers|infants|eyes|teeth|pairs|"
    r"clusters|practices|schools|villages|wards|hospitals|sites|centres|centers|mothers|dyads|"
    r"families|households|communities)\s+(?:then\s+|subsequently\s+|further\s+|also\s+|"
    r"prospectively\s+|each\s+|individually\s+|centrally\s+|successfully\s+|initially\s+|"
    r"eventually\s+|equally\s+|all\s+)?(?:block-|cluster-|stratified-|centrally-)?$"
)
# After "random"/"randomly": assignment ("randomly assigned", "random allocation").
_R_ALLOC = re.compile(
    r"(?:ly)?[\s-]+(?:and\s+)?(?:equally\s+)?(?:re-?)?(?:assign|allocat|divid|distribut|"
    r"categori[sz]|placed\b)[a-z]*|(?<=ly)\s+receiv[a-z]*"
    r"|[\s-]+(?:number|numbers|digit|digits|digital)[\s-]+(?:table|generat)[a-z]*"
)
# Before "randomly"/"randomization": "assigned randomly", "by random number table".
_R_ALLOC_LEFT = re.compile(
    r"(?<![a-z])(?:assign|allocat|divid|distribut)[a-z]*\s+(?:[a-z0-9()-]+\s+){0,3}?"
    r"(?:(?:by|using|through|via|with|according\s+to)\s+(?:an?\s+|the\s+)?(?:[a-z-]+\s+){0,2})?$"
)
# Before "random": "allocated at random", "computer-generated random numbers".
_RANDOM_LEFT = re.compile(
    r"(?<![a-z])(?:(?:assign|allocat|divid|distribut)[a-z]*\s+(?:[a-z0-9()-]+\s+){0,4}?at\s+|"
    r"computer[- ]generated\s+)$"
)
_RZN_LEFT = re.compile(
    r"(?<![a-z])(?:after|at|before|following|prior\s+to|underwent|undergo|undergoing|until|since|"
    r"from|time\s+of|day\s+of|block(?:ed)?|stratified|computer[- ]generated|central(?:ized|ised)?|"
    r"web[- ]based|permuted[- ]block|1:1|2:1|simple|minimi[sz]ation)\s+$"
)
_RZN_RIGHT = re.compile(
    r"\s+(?:was|were|is)\s+(?:[a-z]+\s+)?(?:performed|done|stratified|carried|conducted|"
    r"generated|achieved|implemented|computer|by|using|based|concealed|centrali[sz]ed|undertaken)"
    r"|\s+(?:sequence|schedule|list|code|envelope|table|ratio|procedure|visit)s?(?![a-z])"
    r"|\s+\(?(?:1:1|2:1)"
)
_R_WORD = re.compile(r"random(?:ly|i[sz]ed|i[sz]ation|i[sz]ing|i[sz]e)?(?![a-z])")
_DATA_SPLIT = re.compile(
    r"(?<![a-z])(?:training|validation|test(?:ing)?|derivation|development|discovery|"
    r"replication|internal|external)\s+(?:and\s+(?:[a-z]+\s+)?)?(?:sets?|cohorts?|samples?|"
    r"datasets?|data\s+sets?|groups?)(?![a-z])|cross-validation|(?<![a-z])folds(?![a-z])"
)
_RCT_ABBR_LEFT = re.compile(
    r"(?<![a-z])(?:this|our|an?|the\s+present|the\s+current)\s+(?:[a-z0-9,()-]+\s+){0,3}?$"
)
_BLIND_PLACEBO = re.compile(
    r"(?:double|triple)[- ]blind(?:ed)?,?\s+(?:[a-z]+[- ][a-z]+,?\s+)?(?:placebo|sham)[- ]"
    r"controlled|(?:placebo|sham)[- ]controlled,?\s+(?:double|triple)[- ]blind(?:ed)?"
)
_ONE_ARM = re.compile(
    r"(?<![a-z])(?:control|placebo|usual[- ]care|intervention|treatment|active|comparison|one|"
    r"single)[- ](?:group|arm)s?\s+(?:data|participants|patients|subjects|samples?)\s+"
    r"(?:from|of|in|enrolled\s+in)(?![a-z])"
)
# "... a randomized trial was performed": the authors' own trial, even in a background section.
_OWN_CONDUCT = re.compile(
    r"\s*(?:was|is|has\s+been)\s+(?:therefore\s+|thus\s+)?(?:performed|conducted|carried\s+out|"
    r"undertaken|designed|done|initiated|set\s+up)"
)
_FROM_TRIAL = re.compile(
    r"(?<![a-z])(?:(?:secondary|post[- ]hoc|ancillary|exploratory|subgroup|pooled|follow-up|"
    r"long-term|cost-effectiveness|economic|process|qualitative)\s+(?:analys[ie]s|evaluation|"
    r"study|follow-up)\s+(?:of|from|in|using|alongside|nested\s+in)|(?:data|samples?|"
    r"participants|patients|subjects|women|men|children)\s+(?:[a-z]+\s+)?(?:from|of|in|"
    r"enrolled\s+in))\s+(?:an?\s+|the\s+)?(?:[a-z0-9,-]+\s+){0,3}?$"
)
_PLURAL_NEXT = re.compile(r"[\s,-]*(?:[a-z-]+[\s,]+){0,2}?(?:trials|studies|rcts)(?![a-z])")


def _rct_candidates(doc: _Doc) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_design_phrase) of every randomization phrase about this study."""
    low = doc.low
    for p in _occurrences(low, "random"):
        word = _R_WORD.match(low, p)
        if word is None:
            continue
        end = word.end()
        form = word.group(0)
        left = doc.left(p)
        if _NEGATED.search(left[-14:]):
            continue
        if form in ("random", "randomly"):
            m = _R_ALLOC.match(low, end)
            if m:
                aux = re.search(r"(?:were|was|be|been|being|are|is)\s+$", left)
                yield p - (len(left) - aux.start() if aux else 0), m.end(), False
            elif form == "randomly" and _R_ALLOC_LEFT.search(left):
                yield p, end, False
            elif form == "random" and _RANDOM_LEFT.search(left):
                yield p, end, False
        elif form.startswith("randomi") and form.endswith("ed"):
            verb = _R_VERB_LEFT.search(left)
            if verb:
                yield p - (len(left) - verb.start()), end, False
                continue
            m = _R_TO.match(low, end)
            if m:
                yield p, m.end(), False
                continue
            m = _R_DESIGN.match(low, end)
            if m:
                yield p, m.end(), True
        elif form.startswith("randomi") and form.endswith("ion"):
            m = _RZN_RIGHT.match(low, end)
            if m or _RZN_LEFT.search(left) or _R_ALLOC_LEFT.search(left):
                yield p, m.end() if m else end, False
    if "rct" in low:
        for p in _occurrences(low, "rct"):
            if low[p + 3 : p + 4].isalnum():
                continue
            left = doc.left(p)
            m = _RCT_ABBR_LEFT.search(left)
            if m:
                yield p - (len(left) - m.start()), p + 3, True
    if "blind" in low and "controlled" in low:
        for m in _BLIND_PLACEBO.finditer(low):
            if not _PLURAL_NEXT.match(low, m.end()):
                yield m.start(), m.end(), True


def _rct_from_text(doc: _Doc) -> str | None:
    low = doc.low
    if "random" not in low and "rct" not in low and "blind" not in low:
        return None
    for start, end, design in _rct_candidates(doc):
        left = doc.left(start)
        right = doc.right(end)
        if design and (_is_other(left) or (start < doc.title_end and _HOWTO.search(left))):
            continue
        if _CALL_FOR.search(right):
            continue
        if design and not _SELF.search(left) and (_CITED.search(right) or _PLANNED.match(right)):
            continue
        if not design and _DATA_SPLIT.search(right):
            continue
        if doc.in_background(start) and not (
            _SELF.search(left) or _OWN_CONDUCT.match(right) or re.search(r"\bwe\b", left)
        ):
            continue  # a background section cites other trials ("In the X trial, ...")
        if _ONE_ARM.search(left):
            continue  # data from one arm of a trial: a cohort, not a randomized comparison
        if _ANIMAL.search(left) or doc.nonhuman:
            continue
        source = _FROM_TRIAL.search(left) if design else None  # a trial's data re-analysed
        return doc.quote(start - (len(left) - source.start()) if source else start, end)
    return None


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


# Titles about doing research, not reporting it ("How to conduct a systematic review").
_HOWTO = re.compile(
    r"(?<![a-z])(?:how\s+to|guide\s+to|introduction\s+to|primer\s+on|conduct|conducting|"
    r"perform|performing|write|writing|reporting|appraise|appraising|appraisal\s+of|read|"
    r"reading|interpret|interpreting|understanding|quality\s+of|designing|design\s+of|"
    r"planning|registering|publishing)\s+(?:an?\s+|the\s+)?(?:[a-z-]+\s+)?$"
)


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
    if search is not None:
        m = _POOLING.search(low)
        if m:
            return doc.quote(*m.span())
    return None


def _systematic_review(doc: _Doc, search: tuple[int, int] | None, ma: str | None) -> str | None:
    low = doc.low
    title_low = low[: doc.title_end]
    for m in _SR_TITLE.finditer(title_low):
        if _title_phrase_ok(doc, *m.span()):
            return doc.quote(*m.span())
    if "systematic" in low:
        for p in _occurrences(low, "systematic"):
            if p >= doc.title_end and _SR_SEARCH_LEFT.search(doc.left(p)):
                m = _SR_SEARCH_NOUN.match(low, p)
                if m:  # "we conducted a systematic literature search"
                    return doc.quote(p, m.end())
            m = _SR_PHRASE.match(low, p)
            if m is None or p < doc.title_end or _NOUN_AFTER.match(low, m.end()):
                continue
            start, end = m.span()
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
        if ma is not None or _INCLUDED.search(low):
            return doc.quote(*search)
    return None
