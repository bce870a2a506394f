"""The ``rct`` rules: randomization and blinded placebo-controlled designs in the text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .text import (
    _ANIMAL,
    _CALL_FOR,
    _CITED,
    _HOWTO,
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
_HEAD = (
    r"(?:trial|study|rct|experiment|comparison|investigation|evaluation|design|fashion|manner|"
    r"phase|crossover|cross-over|treatments?|allocation)"
)
# After "randomized": a design noun in the singular, possibly after a chain of modifiers
# ("randomised, double-blind, placebo-controlled, parallel-group trial").
_R_DESIGN = re.compile(
    r"(?:[\s,]+|-)(?:(?:and\s+)?" + _STOP + r"[a-z0-9/()-]+[\s,]+){0,6}?" + _HEAD + r"(?![a-z])"
)
_NUMBER_WORD = (
    r"(?:(?:one|two|three|four|five|six|seven|eight|nine)[ -]hundred(?:[ -]and)?[ -]?)?"
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[ -][a-z]+)?|ten|eleven|"
    r"twelve|[a-z]+teen|one|two|three|four|five|six|seven|eight|nine)"
)
# After "randomized": the allocation itself ("randomized to receive", "randomized 1:1 to").
_R_TO = re.compile(
    r"\s+(?:\(?\d:\d(?::\d)?\)?\s+)?(?:(?:in\s+a\s+)?(?:\d:\d\s+)?(?:ratio\s+)?to\s*(?::|\(|"
    r"(?!be\b|ensure|avoid|minimi|reduce|balance|allow|prevent|eliminate|control\s+for)[a-z0-9])|"
    r"into\b|in\s+a\s+\d|in\s+(?:a\s+)?(?:double|"
    r"single|triple|blind|\d:\d|blocks?|(?:a\s+)?(?:1:1|2:1))|at\s+a\s+(?:\d|ratio)|between\b|"
    r"1:1|2:1|equally|by\s+(?:a\s+|the\s+)?(?:computer|block|sealed|opaque|central|envelope|"
    r"minimi)|(?:using|with)\s+(?:a\s+)?(?:1:1|2:1|block|stratified|computer|permuted))"
    r"|[ ]+(?:(?:a[ ]total[ ]of[ ])?(?:\d[\d,]*|" + _NUMBER_WORD + r")[ ](?:[a-z-]+[ ])?)?"
    r"(?:patients?|participants?|subjects?|women|men|children|adults|infants|individuals|eyes|"
    r"population|arms?|groups|volunteers|persons|people)(?![a-z])"
)
# Before "randomized": who was randomized ("patients were randomized", "we randomized").
_R_VERB_LEFT = re.compile(
    r"(?<![a-z])(?:were|was|be|been|being|are|is|we|they|who|participants|patients|subjects|"
    r"women|men|children|adults|individuals|persons|volunteers|infants|eyes|teeth|pairs|"
    r"clusters|practices|schools|villages|wards|hospitals|sites|centres|centers|mothers|dyads|"
    r"families|households|communities)\s+(?:then\s+|subsequently\s+|further\s+|also\s+|"
    r"prospectively\s+|each\s+|individually\s+|centrally\s+|successfully\s+|initially\s+|"
    r"eventually\s+|equally\s+|all\s+)?(?:block-|cluster-|stratified-|centrally-|re-?)?$"
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
# "Randomly, 60 patients were divided ...", "randomly selected to receive": the allocation
# follows later in the sentence.
_R_LATER = re.compile(
    r"[^.;]{0,120}?(?:(?<![a-z])(?:assign|allocat|divid|distribut)[a-z]*|to\s+receive|"
    r"to\s+(?:one|either)\s+of|into\s+(?:\w+\s+){0,2}?(?:groups|arms))(?![a-z])"
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
# A title that opens with the number of trials it reports ("Two randomized trials of ...").
_COUNTED_TRIALS = re.compile(
    r"\s*(?:results\s+(?:of|from)\s+)?((?:two|three|four|2|3|4)\s+(?:[a-z0-9,-]+\s+){0,4}?"
    r"randomi[sz]ed,?\s+(?:[a-z0-9,-]+\s+){0,3}?(?:trials|studies))(?![a-z])"
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
            elif form == "randomly" and (
                not left.strip() or low.startswith("selected", end + 1)
            ):  # "Randomly, ..." opens the sentence, or "randomly selected ... to receive"
                m = _R_LATER.match(low, end)
                if m:
                    yield p, m.end(), False
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
    if doc.has("rct"):
        for p in _occurrences(low, "rct"):
            if low[p + 3 : p + 4].isalnum():
                continue
            left = doc.left(p)
            m = _RCT_ABBR_LEFT.search(left)
            if m:
                yield p - (len(left) - m.start()), p + 3, True
    title = low[: doc.title_end]
    if "random" in title:
        m = _COUNTED_TRIALS.match(title)
        if m:  # "Two double-blinded, randomized, comparative trials of ...": this report
            yield m.start(1), m.end(), True
    if doc.has("blind") and doc.has("controlled"):
        for m in _BLIND_PLACEBO.finditer(low):
            if not _PLURAL_NEXT.match(low, m.end()):
                yield m.start(), m.end(), True


def _own_design(doc: _Doc, start: int, end: int, design: bool) -> bool:
    """The phrase at start..end describes this report's own human study."""
    left = doc.left(start)
    right = doc.right(end)
    if design and (_is_other(left) or (start < doc.title_end and _HOWTO.search(left))):
        return False
    if _CALL_FOR.search(right):
        return False
    if design and not _SELF.search(left) and (_CITED.search(right) or _PLANNED.match(right)):
        return False
    if not design and _DATA_SPLIT.search(right):
        return False
    if doc.in_background(start) and not (
        _SELF.search(left) or _OWN_CONDUCT.match(right) or re.search(r"\bwe\b", left)
    ):
        return False  # a background section cites other trials ("In the X trial, ...")
    if _ONE_ARM.search(left):
        return False  # data from one arm of a trial: a cohort, not a randomized comparison
    return not (_ANIMAL.search(left) or doc.nonhuman)


def _rct_from_text(doc: _Doc) -> str | None:
    if not doc.has("random") and not doc.has("rct") and not doc.has("blind"):
        return None
    for start, end, design in _rct_candidates(doc):
        if not _own_design(doc, start, end, design):
            continue
        left = doc.left(start)
        source = _FROM_TRIAL.search(left) if design else None  # a trial's data re-analysed
        return doc.quote(start - (len(left) - source.start()) if source else start, end)
    blinded = _blinded_design(doc)
    if blinded is not None:
        control = _placebo_comparator(doc)
        if control is not None:  # "a double-blind crossover trial" + "... or placebo"
            return doc.quote(*blinded) + " with " + control
    return None


# --- the lower tier: a blinded or placebo-controlled comparison, randomization not stated ----

# Blinding of this study's design: "double-blind", "single-blinded", "double-masked",
# "observer-blind", "double-dummy", or "blinded"/"masked" right before a design noun.
_BLIND_WORD = re.compile(
    r"(?:(?:single|double|triple|observer|assessor|evaluator|investigator|patient|participant|"
    r"rater)[- ]?(?:blind(?:ed)?|mask(?:ed)?)|double[- ]dummy|blinded|masked)(?![a-z])"
)
_BLIND_KEYS = ("blind", "mask")  # "double-dummy" comes with "double-blind"
_PLACEBO_CMP = re.compile(
    r"(?<![a-z])(?:or|versus|vs\.?|and|with|to|against|compared\s+(?:with|to)|receiv(?:ed|e|ing))"
    r"\s+(?:an?\s+|the\s+)?(?:matching\s+|matched\s+|identical\s+|inert\s+|saline\s+|"
    r"oral\s+|inhaled\s+|intravenous\s+|transdermal\s+)?placebos?(?![a-z])"
    r"|placebo[- ](?:group|arm|treatment|condition|capsules?|tablets?|pills?|injections?|"
    r"infusions?|controlled|recipients|patients|period|phase|session|day|washout|run-in)s?(?![a-z])"
    r"|sham[- ](?:group|arm|treatment|condition|procedure|stimulation|acupuncture|controlled|"
    r"surgery|intervention|device|session)s?(?![a-z])"
)


_INERT_CMP = re.compile(
    r"(?<![a-z])(?:or|versus|vs\.?|with|compared\s+(?:with|to)|against)\s+(?:normal\s+|"
    r"isotonic\s+|physiological\s+)?(saline|vehicle)(?![a-z])"
    r"|(?<![a-z])(saline|vehicle)[- ](?:group|control|arm|infusion|perfusion|injection)"
)


def _blinded_design(doc: _Doc) -> tuple[int, int] | None:
    """Span of a blinded design statement about this study ("a double-blind crossover trial",
    "single blind study", "in a double-masked fashion")."""
    if "blinded" not in doc.memo:
        doc.memo["blinded"] = _find_blinded(doc)
    return doc.memo["blinded"]


def _find_blinded(doc: _Doc) -> tuple[int, int] | None:
    low = doc.low
    for key in _BLIND_KEYS:
        if not doc.has(key):
            continue
        i = low.find(key)
        while i >= 0:
            # back up to the start of the compound word ("double-" / "single ")
            start = max(0, i - 12)
            m = None
            for m in _BLIND_WORD.finditer(low, start, i + len(key) + 3):
                if m.start() <= i < m.end():
                    break
            else:
                m = None
            if m is not None:
                design = _R_DESIGN.match(low, m.end())
                if (
                    design
                    and not _PLURAL_NEXT.match(low, m.end())
                    and _own_design(doc, m.start(), design.end(), True)
                ):
                    return m.start(), design.end()
            i = low.find(key, i + len(key))
    return None


def _placebo_comparator(doc: _Doc) -> str | None:
    """A placebo, sham or inert (saline, vehicle) arm in this study, outside a background
    section: with a blinded design, the marks of a placebo-controlled trial."""
    low = doc.low
    if doc.has("placebo") or doc.has("sham"):
        for m in _PLACEBO_CMP.finditer(low):
            if doc.in_background(m.start()) or _is_other(doc.left(m.start())):
                continue
            return "placebo" if "placebo" in m.group(0) else "sham"
    if doc.has("saline") or doc.has("vehicle"):
        for m in _INERT_CMP.finditer(low):
            if not doc.in_background(m.start()):
                return m.group(1) or m.group(2)
    return None


# A controlled trial whose allocation is not (truly) random: NLM's "Controlled Clinical Trial".
_CCT_QUASI = re.compile(
    r"[- ]?randomi[sz]ed,?\s+(?:[a-z-]+,?\s+){0,3}?(?:trial|study|design)(?![a-z])"
)
_CCT_CONTROLLED = re.compile(r"controlled\s+(?:clinical\s+)?(?:trial|study)(?![a-z])")
_CCT_NOT_LEFT = re.compile(r"(?:randomi[sz]ed,?|case|non|un|well|adequately|poorly)[\s-]*$")


def _cct_design(doc: _Doc) -> tuple[int, int] | None:
    """A controlled trial whose allocation is not (truly) random ("a prospective,
    pseudorandomised, controlled trial"): NLM's "Controlled Clinical Trial"."""
    low = doc.low
    spans = []
    for key in ("quasi", "pseudo") if doc.has("random") else ():
        if doc.has(key):
            for p in _occurrences(low, key):
                m = _CCT_QUASI.match(low, p + len(key))
                if m:
                    spans.append((p, m.end()))
    if doc.has("controlled"):
        for p in _occurrences(low, "controlled"):
            m = _CCT_CONTROLLED.match(low, p)
            if m and not _CCT_NOT_LEFT.search(low, max(0, p - 14), p):
                spans.append((p, m.end()))
    for start, end in sorted(spans):
        if _own_design(doc, start, end, True) and not _PLURAL_NEXT.match(low, end):
            return start, end
    return None


def possible_rct(doc: _Doc) -> str | None:
    """``possible-rct``: a blinded or placebo/sham-controlled comparison in people whose
    abstract does not say it was randomized. Called only when ``rct`` did not fire."""
    blinded = _blinded_design(doc)
    if blinded is not None:
        return doc.quote(*blinded)
    low = doc.low
    cct = _cct_design(doc)
    if cct is not None:
        return doc.quote(*cct)
    if (not doc.has("placebo") and not doc.has("sham")) or doc.nonhuman:
        return None
    for m in _PLACEBO_CMP.finditer(low):
        start, end = m.span()
        if doc.in_background(start) or _is_other(doc.left(start)):
            continue
        if _CALL_FOR.search(doc.right(end)) or _ANIMAL.search(doc.left(start)):
            continue
        return doc.quote(start, end)
    return None
