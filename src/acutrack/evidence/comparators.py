"""What each trial was compared against: ``comparators(article, flags)``.

For an article flagged as a trial (``rct`` or ``possible-rct``) a list drawn from
``flags.COMPARATOR_NAMES`` (placebo, sham, no-treatment, usual-care, active), several when the
trial has several control arms, empty when the abstract does not say; None for anything else
(protocols included: they report no arms yet, and their plans change). A wrong class is worse
than none, so every rule needs the control named in an arm of this trial, outside a
background section, and an unnamed "control group" gives nothing.

* ``sham`` is exactly the ``sham-controlled`` flag of a trial (``other._sham``: sham anything,
  placebo or minimal needling, non-acupoints), so the flag, the tier and the list never disagree.
* ``placebo``: a placebo arm ("or placebo", "placebo-controlled"), or saline, vehicle or an
  equal volume of saline given as the control. Not a placebo run-in or washout, a placebo
  *needle* or device (that is sham), a placebo in someone else's trial, placebos that only
  blind active arms (every arm names an active treatment, two or more beside a dummy), nor
  saline that irrigates.
* ``no-treatment``: no treatment or intervention, a waiting list, delayed treatment,
  expectant management, an inactive or untreated control, "to have or not", "the non-X
  group" beside "the X group"; and an add-on design ("A with or without X", "A alone versus A
  plus X", A named again in the other arm) when the "alone" arm got no placebo or sham (then
  the control is that). Not a "with or without" inside an outcome, nor a delayed-treatment
  group beside a placebo (the placebo arm's name).
* ``usual-care``: usual, standard, routine or conventional care, management or treatment,
  treatment as usual, clinical management, given as an arm (not "combined with standard care"
  given to every arm).
* ``active``: two different treatments (drugs, doses or regimens with different names,
  procedures, programmes, a named attention control) as arms of an allocation ("randomized
  to A or B", "either A (x, y and z) or B"), a comparison ("to compare A with B"), an
  INTERVENTIONS section ("A or B") or a title ("A versus B"). Doses of one drug beside a
  placebo are not an active control.

How usual care and an active standard treatment are told apart (a close call): a control
*named as care* ("usual care", "standard treatment", "conventional management") is
``usual-care``; a control *named as a treatment* ("conventional ritodrine therapy",
"standard thoracotomy", "aspirin") is ``active``. docs/evidence.md has the figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..flags import COMPARATOR_NAMES
from .text import _Doc, _is_other, _occurrences

# Flags whose articles report a trial with arms.
TRIAL_FLAGS = ("rct", "possible-rct")

_SENT_END = re.compile(r"(?<=[a-z0-9)\]%])\.\s+(?=[A-Za-z(])|[;?]\s|\n")
_LABEL = re.compile(r"([a-z][a-z ,&/()-]{2,50}):\s")
_BACKGROUND = ("background", "introduction", "context", "rationale", "importance", "summary of")
_RESULTS = ("results", "findings", "conclusion", "interpretation", "discussion", "measurements")


def _section(low: str, pos: int) -> str:
    """The label of the structured-abstract section holding ``pos`` ('' when none)."""
    line = low.rfind("\n", 0, pos) + 1
    if line == 0:
        return ""
    m = _LABEL.match(low, line)
    return m.group(1) if m else ""


def _cited(doc: _Doc, pos: int) -> bool:
    """``pos`` is in a background section or about someone else's trial."""
    if _section(doc.low, pos).startswith(_BACKGROUND):
        return True
    if _OTHER_SUBJECT.search(doc.left(pos, 160)):
        return True  # "Previous trials compared acupuncture with placebo"
    return _is_other(doc.left(pos, 60)) or bool(_OTHER_TRIALS.search(doc.right(pos, 120)))


_OTHER_SUBJECT = re.compile(
    r"(?<![a-z])(?:previous|prior|earlier|other|several|many|some|recent|published)\s+"
    r"(?:[a-z-]+\s+){0,2}?(?:trials|studies|rcts|reports|reviews|meta-analyses)(?![a-z])"
)


_OTHER_TRIALS = re.compile(
    r"(?<![a-z])(?:in\s+(?:previous|prior|earlier|other|several|many)|previous(?:ly)?\s+"
    r"(?:randomi|trials|studies|reported)|meta-analys[ie]s|have\s+(?:been\s+)?shown)"
)

# --- placebo -----------------------------------------------------------------------------------

_PLACEBO_NOT = re.compile(
    r"placebos?[- ]?(?:wash[- ]?out|run[- ]?in|lead[- ]?in|response|effects?\b|responders?|"
    r"acupuncture|electro-?acupuncture|needl[a-z]*|needles?|laser|tens|acupressure|"
    r"moxibustion|points?|acupoints?|stimulation|device)"
)
# Placebos that only keep two active treatments blinded (double-dummy): not a placebo arm.
_DUMMY = re.compile(
    r"double[- ]dummy|placebos?\s+for\s+(?!the\s+(?:treatment|prevention|management))|"
    r"one\s+active,?\s+(?:and\s+)?one\s+placebo|placebo\s+(?:and\s+[a-z]+\s+)?"
    r"(?:baseline|run[- ]?in|wash[- ]?out|lead[- ]?in)\s+(?:period|phase)"
)
_PLACEBO_ARM = re.compile(
    r"placebo[- ]controlled|placebo\s+controlled|(?:or|versus|vs\.?|with|than|compared\s+"
    r"(?:with|to))\s+(?:an?\s+|the\s+)?(?:matching\s+|identical\s+)?placebo(?!\s+(?:plus|for))"
)
_PLACEBO_PLURAL = re.compile(r"placebo[- ]controlled,?\s+(?:[a-z-]+\s+){0,2}?(?:trials|studies)")
_INERT = re.compile(
    r"(?<![a-z])(?:(?:or|versus|vs\.?|with|compared\s+(?:with|to)|received|receive|receiving|"
    r"given|administered|used|either|and|to|plus)\s+(?:an?\s+|the\s+)?(?:intra-?articular\s+|"
    r"intravenous\s+|epidural\s+|intrathecal\s+|subcutaneous\s+|intranasal\s+)?"
    r"(?:[\d.]+\s*(?:ml|mg|cc)\s+(?:of\s+)?)?|(?:same|equal|equivalent|identical|matched|matching)\s+(?:volumes?|"
    r"amounts?|doses?|quantity)\s+of\s+)(?:normal\s+|isotonic\s+|physiologic(?:al)?\s+|"
    r"0\.9%\s+|sterile\s+)?(?:saline|vehicle)(?![a-z])"
    r"|(?<![a-z])(?:or|versus|vs\.?)\s+(?:room\s+|medical\s+)?air(?![a-z])"
)


_INERT_WORD = re.compile(r"(?<![a-z])(?:placebos?|saline|vehicle|dummy)(?![a-z])")
_EITHER = re.compile(r"(?<![a-z])(?:received|receive|receiving|given)\s+either\s+")


def _dummy_arms(doc: _Doc) -> bool:
    """Placebos that keep active treatments blinded: an allocation whose arms all name an
    active treatment, two or more of them beside a placebo or saline ("placebo MDI and
    salbutamol by nebuliser, or salbutamol MDI and nebulised saline")."""
    statements = _anchored(doc, _ALLOCATION, ("random", "assign", "allocat", "allott"))
    if doc.has("either"):
        statements += _anchored(doc, _EITHER, ("receiv", "given"))
    for m in statements:
        if _cited(doc, m.start()):
            continue
        arms = [a for a in _SPLIT.split(_clause(doc.low, m.end())) if a.strip()]
        inert = [a for a in arms if _INERT_WORD.search(a)]
        active = [a for a in arms if _content(_INERT_WORD.sub(" ", a))]
        if len(inert) >= 2 and len(active) == len(arms):
            return True
    return False


# Saline that rinses or irrigates: a procedure every arm gets, not a control.
_DILUENT = re.compile(r"(?<![a-z])(?:irrigat|flush|rins|wash)")


def _placebo(doc: _Doc, sham: bool) -> bool:
    """A placebo arm; with a sham arm, "placebo-controlled" names the sham, not a pill."""
    low = doc.low
    if (doc.has("placebo") or doc.has("saline")) and _dummy_arms(doc):
        return False
    dummy = doc.has("placebo") and _DUMMY.search(low) is not None
    if dummy and not any(not _cited(doc, m.start()) for m in _PLACEBO_ARM.finditer(low)):
        pass  # every placebo keeps another treatment blinded
    elif doc.has("placebo"):
        for p in _occurrences(low, "placebo"):
            if _PLACEBO_NOT.match(low, p) or _PLACEBO_PLURAL.match(low, p):
                continue
            if sham and low.startswith(("placebo-controlled", "placebo controlled"), p):
                continue
            if low.startswith("double-dummy", max(0, p - 13)) or _cited(doc, p):
                continue
            return True
    if doc.has("saline") or doc.has("vehicle") or doc.has(" air"):
        for m in _INERT.finditer(low):
            if "hypertonic" in low[max(0, m.start() - 20) : m.end()]:
                continue
            if _DILUENT.search(doc.left(m.start(), 50)):
                continue  # "the ear canal was irrigated with 50 or 100 mL of normal saline"
            if not _cited(doc, m.start()):
                return True
    return False


# --- no treatment, usual care --------------------------------------------------------------------

_NO_TREATMENT = re.compile(
    r"(?<![a-z])(?:no[- ](?:treatment|intervention|therapy|prophylaxis|further\s+treatment|"
    r"additional\s+treatment|drug\s+treatment)(?![- ]?(?:related|effects?|differences?|"
    r"interactions?|benefit|by|was|were|is|are)\b)"
    r"|(?:untreated|unsupplemented)\s+(?:[a-z]+\s+)?(?:controls?|group|arm|children|"
    r"patients|participants|subjects|women|men|infants)(?![a-z])"
    r"|(?:or|versus|vs\.?|either|but|receive|received|receiving)\s+no\s+(?!significant|"
    r"previous|prior|history|known|current|recent|apparent|clinical|signs?\b|symptoms?\b|"
    r"difference|differences|effect|change|changes|evidence|statistical|other|more|longer)"
    r"[a-z]{3,}|wait(?:ing)?[- ]?list|wait-listed|delayed[- ]"
    r"(?:treatment|intervention|start|therapy)|expectant(?:ly)?\s+manage|inactive\s+control"
    r"|(?:randomi[sz]ed|assigned|allocated)\s+to:?\s+no\s+[a-z]{3,}"
    r"|observation\s+(?:alone|only|group|arm)|(?:or|and)\s+not\s+(?:preceded|given|treated|"
    r"receiv)|(?<=have )or\s+not(?![a-z])|or\s+not\s+\((?:no|n)\b)"
)
_ADD_ON = re.compile(
    r"(?<![a-z])(?:with\s+(?:\([^)]{0,30}\)\s+)?(?:and|or)\s+without|alone\s+(?:or|and|vs|versus))"
)
_ALONE = re.compile(r"(?<![a-z])(?:alone|monotherapy)(?![a-z])")
_CARE = re.compile(
    r"(?<![a-z])(?:(?:usual|standard|routine|conventional|customary)\s+(?:medical\s+|clinical\s+|"
    r"hospital\s+|inpatient\s+|outpatient\s+|primary\s+|nursing\s+|obstetric\s+|ward\s+)?"
    r"(?:care|management|practice|treatment|therapy)|(?:treatment|care)\s+as\s+usual(?:ly)?|"
    r"(?:established\s+)?standards?\s+of\s+care|clinical\s+management|(?:best\s+)?supportive\s+care)"
    r"(?![a-z])"
)
_ARM_CUE = re.compile(
    r"(?<![a-z])(?:or|versus|vs\.?|compared\s+(?:with|to)|than|control|controls|received|"
    r"receive|receiving|assigned|allocated|randomi[sz]ed|either|representing)(?![a-z])"
)
_SHARED = re.compile(
    r"(?:combined\s+with|plus|in\s+addition\s+to|added\s+to|along\s+with|together\s+with|"
    r"as\s+well\s+as|on\s+top\s+of|and|all\s+patients\s+received)\s+(?:the\s+|their\s+)?$"
)


def _arm_phrase(doc: _Doc, start: int, end: int) -> bool:
    """The phrase at start..end names an arm of this trial, not something every arm got."""
    if _cited(doc, start):
        return False
    left = doc.left(start, 80)
    if _SHARED.search(left):
        return False
    right = doc.right(end, 30)
    return bool(_ARM_CUE.search(left)) or bool(
        re.match(r"\s*(?:\([^)]*\)\s*)?(?:alone|only|group|arm|condition|\(n)", right)
    )


_EVERYONE = re.compile(r"(?:undergoing|under|managed|during|after|all\s+patients|with)\s+$")
# "patients with and without diabetes": subgroups, not arms.
_SUBGROUP = re.compile(
    r"(?:patients|subjects|participants|women|men|children|infants|those|people|individuals|"
    r"persons|eyes|cases)\s+$"
)


# "scheduled for fusion with or without anterior release": who was eligible, not an arm.
_ELIGIBLE = re.compile(
    r"(?<![a-z])(?:scheduled|undergoing|underwent|eligible|included|screened|requiring)(?![a-z])"
)
# "The main outcome was the proportion of ears ... after instillation with or without
# irrigation": what was measured, not an arm.
_MEASURED = re.compile(
    r"(?<![a-z])(?:outcomes?|end[- ]?points?|proportion|measured|assessed)(?![a-z])"
)
_NT_KEYS = (
    "no treatment",
    "no-treatment",
    "no intervention",
    "no-intervention",
    "no therapy",
    "no prophylaxis",
    "no further",
    "no additional",
    "no drug",
    "untreated",
    "wait",
    "delayed",
    "expectant",
    "inactive control",
    "observation",
    "or not",
    "and not",
    "unsupplemented",
    " no ",
)
_CARE_KEYS = (
    "usual",
    "standard",
    "routine",
    "conventional",
    "customary",
    "management",
    "supportive",
)


# "the G-CSF group compared with the non-G-CSF group": the arm that went without.
_NON_GROUP = re.compile(r"(?<![a-z])non-?([a-z0-9][a-z0-9-]{1,20})\s+(?:group|arm)s?(?![a-z])")


def _no_treatment(doc: _Doc) -> bool:
    if doc.has("non") and _without_arm(doc):
        return True
    if not any(doc.has(k) for k in _NT_KEYS):
        return False
    for m in _NO_TREATMENT.finditer(doc.low):
        if not _cited(doc, m.start()) and not _EVERYONE.search(doc.left(m.start(), 30)):
            if m.group(0).startswith("delayed") and doc.has("placebo"):
                continue  # "those randomized to placebo as the delayed treatment group"
            return True
    return False


def _without_arm(doc: _Doc) -> bool:
    """A "non-X group" beside an "X group": X's arm and the arm that did without it."""
    low = doc.low
    for m in _NON_GROUP.finditer(low):
        with_x = re.search(rf"(?<![a-z-]){re.escape(m.group(1))}\s+(?:group|arm)s?(?![a-z])", low)
        if with_x and not _cited(doc, m.start()):
            return True
    return False


def _usual_care(doc: _Doc) -> bool:
    if not any(doc.has(k) for k in _CARE_KEYS):
        return False
    for m in _CARE.finditer(doc.low):
        if _arm_phrase(doc, m.start(), m.end()):
            return True
    return False


def _add_on(doc: _Doc) -> bool:
    """'A with or without X', 'A alone versus A plus X': the control got nothing in X's place."""
    low = doc.low
    if not (doc.has("without") or doc.has("alone") or doc.has("monotherapy")):
        return False
    for m in _ADD_ON.finditer(low):
        left = doc.left(m.start(), 90)
        if not _cited(doc, m.start()) and not (
            _SUBGROUP.search(left[-30:])
            or _ELIGIBLE.search(left)
            or _MEASURED.search(doc.left(m.start(), 250))
        ):
            return True
    for m in _ALONE.finditer(low):
        sentence = _sentence(low, m.start())
        if _COMPARE_CUE.search(sentence) and not _cited(doc, m.start()):
            if not _CARE.search(doc.left(m.start(), 40)) and _shared(
                doc.left(m.start(), 40), sentence
            ):
                return True
    return False


def _shared(before: str, sentence: str) -> bool:
    """The treatment named just before "alone" / "monotherapy" is named again in the sentence
    (the other arm adds to it: "tamoxifen alone or tamoxifen plus CMF"), not a different one
    ("azithromycin monotherapy with cefuroxime plus erythromycin": head to head)."""
    words = [w for w in re.findall(r"[a-z][a-z0-9-]*", before) if w not in _STOP]
    return (
        bool(words)
        and len(re.findall(rf"(?<![a-z0-9-]){re.escape(words[-1])}(?![a-z0-9-])", sentence)) >= 2
    )


# --- active: two different treatments as arms ----------------------------------------------

_COMPARE_CUE = re.compile(
    r"(?<![a-z])(?:randomi[sz]ed|randomly|assigned|allocated|allotted|compar[a-z]*|versus|vs\.?)"
    r"(?![a-z])"
)
_ALLOCATION = re.compile(
    r"(?<![a-z])(?:(?:randomi[sz]ed|randomly\s+(?:assigned|allocated|divided|distributed)|"
    r"assigned|allocated|allotted|randomi[sz]ation)(?:\s+(?:[a-z0-9,]+\s+){0,5}?(?:to|into)|"
    r"\s+between)|random\s+(?:assignment|allocation)\s+(?:to|by))\s+"
    r"(?:(?:receive|undergo|have|be|one\s+of\s+(?:the\s+)?(?:two|three|four|five|\d)\s+"
    r"(?:groups|arms|treatments|regimens)(?:\s*:)?|either|the|a|an)\s+){0,3}"
)
_COMPARISON = re.compile(
    r"(?<![a-z])(?:compare[ds]?|comparing|comparison)\s+(?:the\s+)?(?:[a-z-]+\s+){0,5}?"
    r"(?:of|between)\s+(?:the\s+)?"
)
# "comparing flutamide and finasteride": the two sides follow at once.
_COMPARING = re.compile(r"(?<![a-z])(?:to\s+compare|comparing)\s+(?!the\s|a\s|an\s)")
_VERSUS = re.compile(r"(?<![a-z])(?:versus|vs\.?)(?![a-z])")
# Arms of an allocation or a list: "A or B", "A versus B", "A, B, or C".
_SPLIT = re.compile(r"\s*(?:[,;:]|\bor\b|\bversus\b|\bvs\b\.?|\bcompared\s+(?:with|to)\b)\s*")
# The two sides of "to compare A with B", "comparison of A and B".
_PAIR = re.compile(r"\s(?:versus|vs\.?|compared\s+(?:with|to)|with|and|to)\s")
# Where an arm's name ends: its population, timing or purpose follows.
_ITEM_END = re.compile(
    r"\s(?:in|among|for|during|after|before|within|at|on|from|which|who|that|were|was|"
    r"until|over|using|as|received|underwent|got)\s"
)
# "for seven days", "for 6 weeks": how long an arm lasted, not the end of the list of arms.
_DURATION = re.compile(
    r"\s*for\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
    r"(?:consecutive\s+)?(?:days?|weeks?|months?|years?|hours?|cycles?|courses?)\s*$"
)
_STOP = frozenset(
    "a an the of in on at to for by with and or either each one two three four group groups "
    "arm arms patients subjects participants women men children receive received receiving "
    "treatment treatments therapy treated mg g kg ml microg mcg ug iu bid tid qid qd daily once "
    "twice dose doses day days week weeks month months year years hour hours min minutes "
    "intravenous intravenously oral orally iv im sc per every n who were was be same study "
    "efficacy effects effect effectiveness safety tolerability usefulness outcome outcomes "
    "results regimen regimens new modified standard conventional traditional low high dose "
    "undergo have then their its this that these those first second respectively "
    "design crossover blind blinded double-blind single-blind randomized randomised trial "
    "double single open-label fashion manner order sequence sequentially randomly controlled "
    "prospective multicenter multicentre single-center pilot phase comparative clinical "
    "about between slow release extended sustained immediate controlled-release".split()
)
_CONTROL_WORDS = re.compile(
    r"(?<![a-z])(?:controls?|placebo|sham|saline|vehicle|no|not|without|alone|usual|routine|"
    r"wait|waiting|untreated|expectant|baseline|before|after|pre|post|inactive|air)(?![a-z])"
)
_RESULT_LIKE = re.compile(r"(?<![a-z])(?:p\s*[<=>]|ci\b|\d+\s*(?:of|/)\s*\d+)")
_ADD_ON_CUE = re.compile(
    r"(?<![a-z])(?:plus|combined|combination|associated\s+with|added|adjunct|adjuvant|alone)"
    r"(?![a-z])"
)


def _sentence(low: str, pos: int) -> str:
    starts = [m.end() for m in _SENT_END.finditer(low, max(0, pos - 400), pos)]
    start = starts[-1] if starts else max(0, pos - 400)
    m = _SENT_END.search(low, pos)
    return low[start : m.start() if m else len(low)]


def _content(item: str) -> frozenset[str]:
    words = re.findall(r"[a-z][a-z0-9]+", item)
    return frozenset(w for w in words if w not in _STOP and len(w) > 2)


_DOSE_UNIT = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|gy|mg|g|mcg|microg|ug|iu|ml|units?|months?|weeks?|days?|hours?|"
    r"h|min|sessions?|times?)?(?![a-z])"
)


# "control condition" after a named activity ("a computer game control condition"): the name
# is the arm (an attention control); alone ("a control group") it names nothing.
_ATTENTION_CONTROL = re.compile(
    r"(?<=[a-z]{4})\s+control\s+(?:condition|intervention|programme|program|session|activity)"
    r"(?![a-z])"
)


def _treatments(parts: list[str]) -> tuple[list[frozenset[str]], set[str]]:
    """The treatments named as arms in ``parts`` (controls and blanks left out), and the
    doses, strengths or durations they are given at ("70 gy or 78 gy"). A list of arms ends
    at the first arm followed by its population, timing or purpose ("... for 9 months")."""
    items = []
    doses = set()
    for item in parts:
        padded = f" {item} "
        end = _ITEM_END.search(padded)
        item = padded[: end.start()] if end else padded
        # "a computer game control condition": an attention control, named, is an active arm
        item = _ATTENTION_CONTROL.sub(" ", item)
        if not (_CONTROL_WORDS.search(item) or _RESULT_LIKE.search(item) or "trial" in item):
            if not (_CARE.search(item) or _NO_TREATMENT.search(item)):
                words = _content(item)
                if words:
                    items.append(words)
                dose = " ".join(_DOSE_UNIT.findall(item))
                if dose:
                    doses.add(dose)
        if end and not _DURATION.fullmatch(padded, end.start()):
            break
    return items, doses


def _split(segment: str, pair: bool) -> list[str]:
    """A statement's arms: "A or B", "A, B, or C"; ``pair``: its two sides ("A with B")."""
    if pair:
        m = _PAIR.search(segment)
        if m:
            return [segment[: m.start()], segment[m.end() :]]
    return _SPLIT.split(segment)


def _distinct(items: list[frozenset[str]], segment: str) -> bool:
    """Two of ``items`` name different treatments: neither is contained in the other, and
    they are not "A" and "A plus X" (an add-on design)."""
    add_on = bool(_ADD_ON_CUE.search(segment))
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a <= b or b <= a or (add_on and a & b):
                continue
            return True
    return False


_BRACKETS = re.compile(r"\s*(?:\([^()]*\)|\[[^\]]*\])")
_CLAUSE_END = re.compile(r"\.\s|\?\s|\n|\.$")
_VERSUS_ANY = re.compile(
    r"(?<![a-z])(?:versus|vs\.?|compared\s+(?:with|to)|in\s+comparison\s+(?:with|to))\s"
)


def _clause(low: str, start: int) -> str:
    """``low`` from ``start`` to the end of its sentence, brackets left out."""
    text = _BRACKETS.sub("", low[start : start + 400])
    end = _CLAUSE_END.search(text)
    return text[: end.start() if end else len(text)]


def _anchored(doc: _Doc, rx: re.Pattern[str], keys: tuple[str, ...]) -> list[re.Match[str]]:
    """Matches of ``rx`` in the abstract that start at one of ``keys`` (found with str.find:
    much faster than letting the regex scan), in text order."""
    found = []
    for key in keys:
        if doc.has(key):
            for p in _occurrences(doc.low, key):
                if p >= doc.title_end:
                    m = rx.match(doc.low, p)
                    if m:
                        found.append(m)
    return sorted(found, key=lambda m: m.start())


def _segments(doc: _Doc) -> list[list[str]]:
    """The arms named by the allocation and comparison statements of this trial and by a
    comparing title, one list per statement."""
    low = doc.low
    out = []
    title = _BRACKETS.sub("", low[: doc.title_end])
    if _VERSUS.search(title):
        out.append(_split(title, False))
    elif "compar" in title:
        m = _COMPARISON.search(title)
        if m:
            out.append(_split(title[m.end() :], True))
    if doc.has("\nintervention"):
        for m in _INTERVENTIONS.finditer(low):
            clause = _clause(low, m.end())
            if _OR_ARMS.search(clause):
                out.append(_OR_ARMS.split(clause))
    for rx, pair, keys in (
        (_ALLOCATION, False, ("random", "assign", "allocat", "allott")),
        (_COMPARISON, True, ("compar",)),
        (_COMPARING, True, ("to compare", "comparing")),
    ):
        for m in _anchored(doc, rx, keys):
            section = _section(low, m.start())
            if section.startswith(_RESULTS) or _cited(doc, m.start()):
                continue
            clause = _clause(low, m.end())
            if m.group(0).endswith("either ") and _OR_ARMS.search(clause):
                out.append(_OR_ARMS.split(clause))  # "either A (x, y and z) or B"
            else:
                out.append(_split(clause, pair))
    for m in _anchored(doc, _VERSUS_ANY, ("versus", "vs", "compared", "in comparison")):
        section = _section(low, m.start())
        if section.startswith(_RESULTS) or _cited(doc, m.start()):
            continue
        left = doc.left(m.start(), 80)
        right = _clause(low, m.end())
        if _NUMBER_NEAR.search(left[-12:]) or _NUMBER_NEAR.match(right):
            continue  # "11.6% versus 16.7%": a result, not arms
        left = _BRACKETS.sub("", left)
        left = re.split(r"(?<![a-z])(?:of|the|that|with|whether|to|[(,;])\s*", left)[-1]
        out.append([left, right])
    return out


# A structured abstract's INTERVENTIONS section whose first sentence names the arms, "A or B".
_INTERVENTIONS = re.compile(r"\ninterventions?:\s+")
_OR_ARMS = re.compile(r"\s(?:or|versus|vs\.?)\s")
_NUMBER_NEAR = re.compile(r"[\d%]\)?\s*$|\s*\(?\d")
# "Control patients received 1 ITA plus SVG", "the control group was given a booklet".
_CONTROL_GOT = re.compile(
    r"control\s+(?:group|arm|patients|subjects|participants|children|women|men)s?\s+"
    r"(?:\([^)]{0,40}\)\s+)?(?:received|receive|was\s+given|were\s+given|underwent|"
    r"were\s+treated\s+with|was\s+treated\s+with|got|had)\s+"
)


def _control_got(doc: _Doc) -> bool:
    """The control arm is said to have received a named treatment (not placebo or nothing)."""
    for m in _anchored(doc, _CONTROL_GOT, ("control",)):
        if _cited(doc, m.start()) or _section(doc.low, m.start()).startswith(_RESULTS):
            continue
        items, _ = _treatments([_clause(doc.low, m.end())])
        if items:
            return True
    return False


def _active(doc: _Doc) -> str | None:
    """'drugs' when two different treatments are arms, 'doses' when only doses, strengths or
    durations differ, None when neither."""
    kind = None
    for parts in _segments(doc):
        items, doses = _treatments(parts)
        if _distinct(items, " ".join(parts)):
            return "drugs"
        if len(doses) >= 2:
            kind = "doses"
    return kind


# --- entry point --------------------------------------------------------------------------------


def comparators(
    article: Mapping[str, Any], flags: Mapping[str, str] | list[str]
) -> list[str] | None:
    """The classes of control arms of a trial, in ``COMPARATOR_NAMES`` order; None when the
    article is not flagged as a trial."""
    if not any(f in flags for f in TRIAL_FLAGS):
        return None
    doc = _Doc(" ".join((article.get("title") or "").split()), article.get("abstract") or "")
    found = set()
    if "sham-controlled" in flags:
        found.add("sham")
    if _placebo(doc, "sham" in found):
        found.add("placebo")
    if _no_treatment(doc) or (not found and _add_on(doc)):
        found.add("no-treatment")
    if _usual_care(doc):
        found.add("usual-care")
    active = _active(doc)
    # Doses of one drug beside a placebo or no treatment are that drug's arms, not controls.
    if active == "drugs" or (active == "doses" and not found) or _control_got(doc):
        found.add("active")
    return [name for name in COMPARATOR_NAMES if name in found]
