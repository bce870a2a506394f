"""Trial size: the number of people randomized (or, failing that, enrolled) in the abstract.

``sample_size(article)`` returns an ``int`` or ``None``. It reads the abstract the way a
reviewer fills in a data-extraction form, and prefers saying nothing to guessing:

* a total of people, never a count of clusters ("60 practices"), eyes, samples or arms;
* the number randomized wins over the number enrolled, recruited or included, which wins
  over a population statement ("PATIENTS: 159 preschool children", "a trial in 114
  children"); a count of screened or eligible people is never the size;
* numbers in digits ("1,583", "(n = 247)") or words ("Two hundred sixty-eight", "Fifty");
* per-arm counts are not added up ("30 patients had radiotherapy and 30 were assigned sham"
  gives no size), and "x of N patients" / "N patients (12%)" are outcome counts, not sizes.

Standard library only, regexes compiled at import (the module is imported with the rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_WORDS = (
    rf"(?:(?:{_WORD})[ -]+(?:thousand|hundred)(?:[ -]+and)?[ -]+)*(?:(?:{_WORD})"
    rf"(?:[ -](?:{_WORD}))?)(?:[ -]+(?:thousand|hundred))?"
)
_NUM = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{_WORDS})"
# People, not clusters or specimens.
_PEOPLE = (
    r"(?:patients|participants|subjects|women|men|children|adults|adolescents|infants|"
    r"neonates|newborns|babies|individuals|persons|people|volunteers|outpatients|inpatients|"
    r"gravidas|mothers|pregnant\s+women|families|couples|preschoolers|students|smokers|"
    r"asthmatics|diabetics|athletes|workers|residents|veterans|elderly|survivors|"
    r"recipients|employees|girls|boys|pairs|dyads|twins|cases)"
)
# Up to five modifiers between the number and the people ("368 chronic adult asthmatic
# patients"); words that would make it another count are excluded.
_MOD = (
    r"(?:(?!(?:of|in|at|to|from|per|groups?|arms?|weeks?|days?|months?|years?|hours?|mg|"
    r"times|doses?|cycles?|visits?|periods?|sessions?|occasions?|courses?|nights?|"
    r"centres?|centers?|sites?|hospitals?|clinics?|practices?|were|was|and|or|"
    r"who|with)\b)[a-z0-9][\w'()/+.-]*,?\s+)"
)
_GROUP = re.compile(
    rf"(?<![\w.,/-])(?:a\s+total\s+of\s+|some\s+)?({_NUM})\s+{_MOD}{{0,5}}?{_PEOPLE}\b"
)
# A bare number as the subject of "were randomized": "1267 reached the criteria and were
# randomized" (per-arm forms such as "126 were assigned to X and 122 to Y" are rejected).
_BARE_RANDOMIZED = re.compile(
    rf"(?:^|[;:]\s+|\.\s+|\n)({_NUM})\s+(?:[a-z()-]+\s+){{0,6}}?(?:and\s+)?(?:were|was)\s+"
    r"(?:then\s+|subsequently\s+)?(?:randomi[sz]ed|randomly)(?![a-z])"
)
_N_EQUALS = re.compile(r"\(\s*n\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\s*[);,]")
_LABEL = re.compile(r"\s*([a-z][a-z ()/&,-]{2,60}):\s*")
_PEOPLE_SECTIONS = re.compile(
    r"(?:participants?|patients?|subjects?|population|study\s+population|sample|"
    r"setting\s+and\s+participants|participants\s+and\s+setting|patients?\s+and\s+setting|"
    r"patient\(s\)|participant\(s\)|subjects?\s+and\s+setting)$"
)
# "85 American Society of Anesthesiologists I and II patients": one modifier, not a clause.
_ASA = re.compile(
    r"american\s+society\s+of\s+anesth?esiologists?'?s?(?:\s+\(asa\))?(?:\s+physical\s+status)?"
    r"(?:\s+(?:class|grade)s?)?\s+[iv]+(?:\s*(?:-|–|and|or|to|,)\s*[iv]+)*(?![a-z])"
)
_RANDOMIZED = re.compile(
    r"(?<![a-z])(?:re-?)?randomi[sz]ed(?!\s+(?:controlled|clinical|trial|study|design))"
    r"|randomly\s+(?:re-?)?(?:assigned|allocated|divided|distributed|selected|placed)"
    r"|(?<![a-z])(?:assigned|allocated)\s+(?:at\s+random|randomly|to\s+(?:one|either|receive))"
    r"|underwent\s+randomi[sz]ation"
)
_ENROLLED = re.compile(
    r"(?<![a-z])(?:enrolled|enroled|recruited|included|entered|participated|studied|"
    r"investigated|evaluated|examined|comprised|comprising|involving|involved|enrolling|"
    r"recruiting|including|consisted\s+of|consisting\s+of|completed\s+the\s+study)(?![a-z])"
)
_NOT_SIZE = re.compile(
    r"(?<![a-z])(?:screened|assessed\s+for\s+eligibility|eligible|approached|invited|"
    r"contacted|identified|excluded|withdrew|withdrawn|dropped|lost|died|declined|refused)(?![a-z])"
)
_IN_PEOPLE = re.compile(
    r"(?:in|involving|including|enrolling|among|on|using|from|with|of)\s+$"
    r"|(?:trial|study|design)[^,]{0,60},\s*$"
)
_TRIAL_WORD = re.compile(
    r"(?<![a-z])(?:trial|study|design|investigation|experiment|compared|comparing|evaluated|"
    r"assessed|investigated|tested)(?![a-z])"
)
# Another count in the same clause: per-arm numbers ("272 children from the intervention
# clinics and 212 from the control clinics").
_OTHER_ARM = re.compile(
    rf"(?:\band\b|\bor\b|\bversus\b|\bvs\.?)\s+(?:the\s+other\s+)?(?:{_NUM})\s+"
    r"(?:[a-z]+\s+){0,2}?(?:were|was|to|from|in|into|with|as|received|had|underwent|"
    r"patients|participants|subjects|women|men|children)\b"
)
_RESULTS = re.compile(
    r"\n(?:results?|findings|main\s+results|measurements\s+and\s+main\s+results)\s*:"
)
_SENTENCE_END = re.compile(r"(?<!\d)[.?!](?=\s|$)|\n")
# "18 of 23 subjects", "two groups of 19 patients": not the trial's total.
_COUNT_OF = re.compile(rf"(?:\d|\b(?:{_WORD})|\bgroups?|\barms?)\s+of\s*$")
_EACH_GROUP = re.compile(
    r"(?<![a-z])(?:in|to|per|into|at|from|for)\s+(?:each|every)\s+(?:of\s+the\s+\w+\s+)?"
    r"(?:group|arm|cent(?:er|re)|site|hospital|clinic|country|condition)"
)
_SEX_SPLIT = re.compile(
    rf"(?:{_NUM})\s+(?:men|women|males|females|boys|girls)(?:,?\s+and\s+|,\s+)(?:{_NUM})\s+"
    r"(?:men|women|males|females|boys|girls)"
)
_THEY_RANDOMIZED = re.compile(
    r"\s*(?:they|these\s+\w+|all|each)\s+(?:were|was)\s+(?:then\s+|subsequently\s+|"
    r"individually\s+)?(?:randomi[sz]ed|randomly|allocated\s+at\s+random)"
)
_PARENS = re.compile(r"\([^()]*\)")
# A new clause with its own counted subject: ", 126 were randomly assigned".
_NEW_CLAUSE = re.compile(rf",\s+(?:{_NUM})\s+(?:were|was|had|received|underwent)\b")


def _number(text: str) -> int | None:
    text = text.replace(",", "")
    if text.isdigit():
        return int(text)
    total = current = 0
    for word in re.split(r"[\s-]+", text.strip()):
        if word == "and" or not word:
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    return total + current or None


def _sentence(low: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _SENTENCE_END.finditer(low, max(0, pos - 400), pos):
        start = m.end()
    end = _SENTENCE_END.search(low, pos)
    return start, end.start() if end else len(low)


def _score(low: str, start: int, end: int, results_at: int) -> int:
    """How surely the people at low[start:end] are the trial's size (0: not at all)."""
    s_start, s_end = _sentence(low, start)
    before = low[s_start:start]
    after = low[end:s_end]
    clause = _PARENS.sub("", after)  # "(80 women and 31 men)" is a breakdown, not arms
    clause = clause[: m.start()] if (m := _NEW_CLAUSE.search(clause)) else clause
    clause = clause.split(";", 1)[0]
    # "which included 56 men and 14 women": a breakdown of the same people, not two arms
    per_arm = bool(_OTHER_ARM.search(_SEX_SPLIT.sub("", clause[:160]))) or bool(
        _EACH_GROUP.search(clause[:160])
    )
    label = _LABEL.match(before)
    if label:
        before = before[label.end() :]
        if not before.strip() and _PEOPLE_SECTIONS.search(label.group(1)):
            return 0 if per_arm else 4  # "PATIENTS: 186 consecutive patients"
    if _COUNT_OF.search(before) or re.match(r"\s*\(\s*\d+(?:\.\d+)?\s*%", after):
        return 0  # "18 of 23 subjects", "34 placebo patients (5.5%)": outcome counts
    if _NOT_SIZE.search(clause[:80]) and not _RANDOMIZED.search(clause[:120]):
        return 0
    if per_arm:
        return 0
    if _RANDOMIZED.search(clause[:220]) or re.search(
        r"(?:randomi[sz]ed|randomly\s+(?:assigned|allocated))\s+(?:a\s+total\s+of\s+)?$", before
    ):
        return 5
    if _ENROLLED.search(clause[:160]) or _ENROLLED.search(before[-40:]):
        return 4
    if re.search(r"a\s+total\s+of\s*$", before) or low.startswith("a total of", start):
        return 4
    if results_at and start > results_at:
        return 0
    if _IN_PEOPLE.search(before) or not before.strip():
        if _TRIAL_WORD.search(low, s_start, s_end) or (results_at and start < results_at):
            return 3  # "a randomized trial in 302 consecutive patients"
        if not before.strip() and _THEY_RANDOMIZED.match(low, s_end + 1):
            return 4  # "Ninety women received ... . They were then randomly allocated"
    return 0


def sample_size(article: Mapping[str, Any]) -> int | None:
    """The number of people randomized or enrolled, as the abstract states it, or None."""
    abstract = article.get("abstract") or ""
    if not abstract:
        return None
    low = _ASA.sub("asa", "\n" + abstract.lower())
    results = _RESULTS.search(low)
    results_at = results.start() if results else 0
    best: tuple[int, int, int] | None = None  # (score, -position, number)
    for m in _GROUP.finditer(low):
        number = _number(m.group(1))
        if number is None or number < 2:
            continue
        score = _score(low, m.start(), m.end(), results_at)
        if score and (best is None or (score, -m.start()) > best[:2]):
            best = (score, -m.start(), number)
    for m in _BARE_RANDOMIZED.finditer(low):
        number = _number(m.group(1))
        s_start, s_end = _sentence(low, m.end())
        if number is None or number < 2 or _OTHER_ARM.search(low, m.end(), s_end):
            continue
        if best is None or (5, -m.start(1)) > best[:2]:
            best = (5, -m.start(1), number)
    for m in _N_EQUALS.finditer(low):
        s_start, s_end = _sentence(low, m.start())
        if len(_N_EQUALS.findall(low, s_start, s_end)) > 1:
            continue  # "... (n = 9), or air placebo (n = 10)": arms
        before = low[s_start : m.start()]
        label = _LABEL.match(before)
        if label:
            before = before[label.end() :]
        # the sentence's subject are people: "Women with preterm labor ... (n = 247) were"
        if not re.match(rf"\s*(?:all\s+|the\s+)?(?:[\w'-]+\s+){{0,4}}?{_PEOPLE}\b", before):
            continue
        if re.search(r"(?<![a-z])(?:groups?|arms?|placebo|versus|vs)(?![a-z])", before):
            continue
        number = int(m.group(1).replace(",", ""))
        after = low[m.end() : m.end() + 220]
        score = 5 if _RANDOMIZED.search(after) else 4 if _ENROLLED.search(after) else 3
        if number >= 2 and (best is None or (score, -m.start()) > best[:2]):
            best = (score, -m.start(), number)
    return best[2] if best else None
