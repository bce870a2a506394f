"""Trial size: the number of people randomized (or, failing that, enrolled) in the abstract.

``sample_size(article)`` returns an ``int`` or ``None``. It reads the abstract the way a
reviewer fills in a data-extraction form, and prefers saying nothing to guessing:

* a total of people, never a count of clusters ("60 practices"), eyes, samples or arms;
* the number randomized wins over the number enrolled, recruited or included, which wins
  over a population statement ("PATIENTS: 159 preschool children", "a trial in 114
  children"); a count of screened or eligible people is never the size;
* numbers in digits ("1,583", "(n = 247)") or words ("Two hundred sixty-eight", "Fifty");
* per-arm counts are not added up ("30 patients had radiotherapy and 30 were assigned sham"
  gives no size), and "x of N patients" / "N patients (12%)" are outcome counts, not sizes;
* except (v3) when no total is stated and every arm's count is explicitly randomized: "were
  randomized to receive either A (306 patients) or B (302 patients)" gives 608, as does a
  complete sex split of the randomized people ("235 male and 400 female outpatients were
  randomly assigned") or both named arms ("30 control and 26 study patients were enrolled");
  arms of different stages (randomized vs analysed) are never added;
* (v3) numbers that are not the total are skipped: age ranges, drop-outs, screened or source
  populations ("Of 400 patients who underwent surgery, ..."), interim counts ("after 100
  patients had been randomized"), a further non-randomized cohort ("an additional 40
  patients"), a single arm ("48 patients in the placebo group", "Seven children served as
  controls"), a number among the modifiers ("800 microg bid), 213 patients" is 213).

``sample_size_and_source(article)`` also returns the sentence fragment the number was read
from, in the abstract's own case and at most about 200 characters, so a reader can check it
at a glance.

Standard library only, regexes compiled at import (the module is imported with the rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .text import _ANIMAL

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
    r"recipients|employees|girls|boys|pairs|dyads|twins|cases|clinicians|physicians|nurses|"
    r"caregivers|parents)"
)
# "10 pairs of elderly cadavers": a collective noun counts people only if they are people.
_NOT_PEOPLE_OF = re.compile(
    r"\s+of\s+(?:[\w-]+\s+){0,2}?(?:cadavers?|eyes|teeth|knees|hands|feet|limbs|specimens|samples|"
    r"rats|mice|dogs|pigs|rabbits|sheep|animals|cells|images|scans|sites)\b"
)
# Up to five modifiers between the number and the people ("368 chronic adult asthmatic
# patients"); words that would make it another count are excluded.
_MOD = (
    r"(?:(?!(?:of|in|at|to|from|per|groups?|arms?|weeks?|days?|months?|years?|hours?|mg|"
    r"times|doses?|cycles?|visits?|periods?|sessions?|occasions?|courses?|nights?|"
    r"centres?|centers?|sites?|hospitals?|clinics?|practices?|were|was|and|or|"
    r"who|with)\b|\d[\d.,]*\b)[a-z0-9](?:[\w'()/+.-]*[\w'()/+-])?,?\s+)"
)
_GROUP = re.compile(
    rf"(?<![\w.,/-])(?:a\s+total\s+of\s+|some\s+)?({_NUM})\s+{_MOD}{{0,5}}?{_PEOPLE}\b"
)
# A bare number as the subject of "were randomized": "1267 reached the criteria and were
# randomized" (per-arm forms such as "126 were assigned to X and 122 to Y" are rejected).
_BARE_RANDOMIZED = re.compile(
    rf"(?:^|[;:,]\s+|\.\s+|\n|(?:screened|eligible|assessed\s+for\s+eligibility|approached),?\s+"
    rf"and\s+)({_NUM})\s+(?:[a-z()-]+\s+){{0,6}}?(?:and\s+)?(?:were|was)\s+"
    r"(?:then\s+|subsequently\s+)?(?:randomi[sz]ed|randomly)(?![a-z])"
)
_N_EQUALS = re.compile(r"\(\s*n\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\s*[);,]")
# "(n = 120) were randomly assigned" right after the count: the randomized total whatever the
# noun before it ("Consecutive cardiac surgery candidates (n = 120) were randomized").
_N_EQUALS_RANDOMIZED = re.compile(
    r"\s*(?:were|was)\s+(?:\w+ly\s+)?(?:randomi[sz]ed|randomly|allocated\s+at\s+random)"
)
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
_COUNT_OF = re.compile(
    rf"(?:\d|\b(?:{_WORD})|\bgroups?|\barms?)(?:\s*\(\s*\d+(?:\.\d+)?\s*%\s*\))?\s+of\s*$"
)
# Counts that are not the trial's total, said before the number: a source population opening
# the sentence ("Of 400 patients who underwent surgery, 120 were randomized"), an interim
# point ("after 100 patients had been randomized"), a further cohort ("an additional 40").
_SOURCE_BEFORE = re.compile(
    r"(?:^\W*|[:;]\s*)(?:of|among|from)\s+(?:the\s+|a\s+total\s+of\s+|all\s+)?$"
)
# ... described as a source: "who underwent surgery", "screened", "referred", "admitted".
_SOURCE_CLAUSE = re.compile(
    r"(?<![a-z])(?:who|that|screened|underwent|undergoing|assessed|eligible|referred|admitted|"
    r"presenting|presented|identified|approached|had|with)(?![a-z])"
)
_NOT_TOTAL_BEFORE = re.compile(
    r"(?<![a-z])(?:after|when|once|until|before|by\s+the\s+time)\s+(?:the\s+(?:first\s+)?)?$"
    r"|(?<![a-z])(?:additional|further|another|more|remaining|other)\s+$"
)
# ... and after it: drop-outs, a non-randomized follow-on cohort, a single named arm.
_NOT_TOTAL_AFTER = re.compile(
    r"(?<![a-z])(?:failed\s+to\s+complete|did\s+not\s+complete|discontinued|dropped\s+out|"
    r"non-?randomi[sz]ed|open[- ]label\s+extension|additional|further|"
    r"(?:served|acted)\s+as\s+(?:the\s+)?controls?)(?![a-z])"
)
_ONE_ARM = re.compile(
    r"^\s*(?:were\s+|was\s+)?(?:\w+ly\s+)?(?:randomi[sz]ed|assigned|allocated)?\s*(?:in|to|into)\s+"
    r"the\s+((?:[\w-]+\s+){0,3}?)(?:group|arm)(?![a-z])"
)
# Age ranges and durations are not a second arm ("aged between 18 and 65 years were").
_AGES = re.compile(
    r"(?:\d+|\b(?:aged|between|from))\s*(?:-|–|to|and)\s*\d+(?:\.\d+)?\s*"
    r"(?:years?|yrs?|months?|weeks?|days?|hours?|kg|mg|cm)\b"
)
# "we assigned 13 patients", "randomised prospectively 60 patients": the verb before.
_VERB_BEFORE = re.compile(
    r"(?:(?<![a-z])(?:we|they|investigators|authors)\s+(?:\w+ly\s+)?(?:assigned|allocated|"
    r"randomi[sz]ed|enrolled|recruited|studied|included)|randomi[sz]ed|randomly\s+(?:assigned|"
    r"allocated))\s+(?:\w+ly\s+)?(?:a\s+total\s+of\s+)?$"
)
# In a sentence about randomization, "were assigned to" is the allocation.
_ASSIGNED = re.compile(
    r"(?<![a-z])(?:were|was)\s+(?:\w+ly\s+)?(?:assigned|allocated)\s+to(?![a-z])"
)
_EACH_GROUP = re.compile(
    r"(?<![a-z])(?:in|to|per|into|at|from|for)\s+(?:each|every)\s+(?:of\s+the\s+\w+\s+)?"
    r"(?:group|arm|cent(?:er|re)|site|hospital|clinic|country|condition)"
)
_SEX_SPLIT = re.compile(
    rf"(?:{_NUM})\s+(?:men|women|males|females|boys|girls)(?:,?\s+and\s+|,\s+)(?:{_NUM})\s+"
    r"(?:men|women|males|females|boys|girls)"
)
_THEY_RANDOMIZED = re.compile(
    r"\s*(?:they|these\s+\w+|all(?:\s+of\s+them)?|each)\s+(?:were|was)\s+(?:then\s+|subsequently\s+|"
    r"individually\s+)?(?:randomi[sz]ed|randomly|allocated\s+at\s+random)"
)
_PARENS = re.compile(r"\([^()]*\)")
# A new clause with its own counted subject: ", 126 were randomly assigned".
_NEW_CLAUSE = re.compile(rf",\s+(?:{_NUM})\s+(?:were|was|had|received|underwent)\b")
# After the count's own verb, ", and 3836 were included in the analysis" is another stage.
_NEXT_STAGE = re.compile(
    rf",\s+(?:and\s+|but\s+|of\s+whom\s+|whereas\s+|while\s+)?(?:{_NUM})\s+"
    r"(?:[a-z]+\s+){0,2}?(?:were|was|had|received|underwent|completed)\b"
)
# "30 control and 26 study patients were enrolled": both arms, named, of the same stage.
_ARM_WORD = r"(?:control|intervention|study|treatment|treated|placebo|active|experimental|sham)"
_ARM_PAIR = re.compile(
    rf"(?<![\w.,/-])({_NUM})\s+{_ARM_WORD}\s+and\s+({_NUM})\s+{_ARM_WORD}\s+(?:{_PEOPLE}\s+)?"
    r"(?:were|was)\s+(?:\w+ly\s+)?(?:(randomi[sz]ed|randomly)|enrolled|included|recruited)"
)
# "Ten children received fish oil. Seven ... children served as controls": one arm's count.
_SERVED_AS_CONTROLS = re.compile(
    rf"(?:{_NUM})\s+(?:[\w-]+\s+){{0,5}}?(?:served|acted|were\s+used)\s+as\s+(?:the\s+)?controls?"
)
# "Sixty-eight of 70 women approached entered the study": the first number entered.
_OF_APPROACHED = re.compile(
    rf"(?:^|[.:;]\s+|\n)({_NUM})\s+of\s+(?:the\s+)?(?:{_NUM})\s+{_MOD}{{0,3}}?{_PEOPLE}\s+(?:who\s+"
    r"were\s+)?(?:approached|screened|eligible|invited|assessed|contacted|identified)\b[^.;]{0,40}?"
    r"(?<![a-z])(?:(entered|enrolled|agreed|consented|participated|were\s+(?:enrolled|included))|"
    r"(?:were\s+)?(?:randomi[sz]ed|randomly))(?![a-z])"
)
_DIGITS = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.%])")
# "235 male and 400 female outpatients were randomly assigned": the randomized people, split.
_SEX_TOTAL = re.compile(
    rf"(?<![\w.,/-])({_NUM})\s+(?:male|female|men|women|boys|girls)\s+and\s+({_NUM})\s+"
    rf"(?:male|female|men|women|boys|girls)(?:\s+{_MOD}{{0,4}}?{_PEOPLE})?\b"
)
# Per-arm counts of a randomization: "(n = 138)", "(306 patients)", "(CMF; 302 patients)",
# "15 to acupuncture".
_ARM_COUNT = re.compile(
    r"\((?:[^()]*?[;,]\s*)?(?:n\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)|"
    rf"(\d{{1,3}}(?:,\d{{3}})+|\d+)\s+{_PEOPLE})\s*\)"
    rf"|(?:^|,|\band\b|\bor\b|:)\s*(\d{{1,3}}(?:,\d{{3}})+|\d+)\s+(?:{_PEOPLE}\s+)?(?:were\s+)?"
    r"(?:to|into)\s+(?!\d)"
)
_ARM_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_N_ARMS = re.compile(
    r"(?:(?:one|each)\s+of\s+(?:the\s+)?)?(two|three|four|five|six)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:groups|arms|regimens|treatments|conditions|interventions)"
)
_STAGE = re.compile(
    r"(?<![a-z])(?:analy[sz]ed|analy[sz]is|completed|evaluable|followed|assessed|withdr[ae]w|"
    r"included\s+in\s+the|per\s+protocol|dropped|lost)(?![a-z])"
)
_RANDOM_SENTENCE = re.compile(
    r"randomi[sz]ed\s+to|randomly\s+(?:assigned|allocated)|randomi[sz]ed\s+(?:in|into)\s+"
    r"|(?:assigned|allocated)\s+(?:at\s+random|randomly)|randomi[sz]ation\s+to"
)


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


def _score(low: str, start: int, end: int, results_at: int, number: int) -> int:
    """How surely the people at low[start:end] are the trial's size (0: not at all)."""
    s_start, s_end = _sentence(low, start)
    before = low[s_start:start]
    after = low[end:s_end]
    clause = _PARENS.sub("", after)  # "(80 women and 31 men)" is a breakdown, not arms
    clause = clause[: m.start()] if (m := _NEW_CLAUSE.search(clause)) else clause
    clause = clause.split(";", 1)[0]
    stage = _NEXT_STAGE.search(clause)
    if stage and (_RANDOMIZED.search(clause, 0, stage.start()) or _ENROLLED.search(clause[:40])):
        clause = clause[: stage.start()]  # "underwent randomization, and 3836 were included"
    arms = _AGES.sub("", _SEX_SPLIT.sub("", clause[:160]))
    # "which included 56 men and 14 women": a breakdown of the same people, not two arms
    per_arm = bool(_OTHER_ARM.search(arms)) or bool(_EACH_GROUP.search(clause[:160]))
    if per_arm:
        # "1010 patients were randomized, 502 to the control group and 508 to the study group":
        # a total followed by its arms
        parts = [int(n.replace(",", "")) for n in _DIGITS.findall(_AGES.sub("", clause[:200]))]
        per_arm = not (len(parts) >= 2 and sum(parts) == number)
    label = _LABEL.match(before)
    if label:
        before = before[label.end() :]
        if not before.strip() and _PEOPLE_SECTIONS.search(label.group(1)):
            return 0 if per_arm else 4  # "PATIENTS: 186 consecutive patients"
    if _COUNT_OF.search(before) or re.match(r"\s*\(\s*\d+(?:\.\d+)?\s*%", after):
        return 0  # "18 of 23 subjects", "34 placebo patients (5.5%)": outcome counts
    if _NOT_TOTAL_BEFORE.search(before) or _NOT_TOTAL_AFTER.search(clause[:60]):
        return 0
    counted = low[start:end]  # "172 randomized patients": the people are the randomized ones
    if _SOURCE_BEFORE.search(before):
        head = clause.split(",", 1)[0]
        if not (_RANDOMIZED.search(counted + head) or _ENROLLED.search(counted + head)) and (
            _SOURCE_CLAUSE.search(head)
        ):
            return 0  # "Of 400 patients who underwent surgery, 120 were randomized"
    if _NOT_SIZE.search(clause[:80]) and not _RANDOMIZED.search(counted + clause[:120]):
        return 0
    if per_arm:
        return 0
    if _RANDOMIZED.search(counted):
        return 5
    one_arm = _ONE_ARM.match(clause)
    if one_arm and not re.search(
        r"\b(?:or|and|versus|vs|either|both|each|one)\b", one_arm.group(1)
    ):
        if not re.match(r"\s*(?:or|and|versus|vs\.?)\s", clause[one_arm.end() :]):
            return 0  # "48 patients in the placebo group": one arm
    random_sentence = "random" in low[s_start:s_end]
    if (
        _RANDOMIZED.search(clause[:220])
        or _VERB_BEFORE.search(before)
        and random_sentence
        or random_sentence
        and _ASSIGNED.search(clause[:160])
    ):
        return 5
    if not before.strip() and _THEY_RANDOMIZED.match(low, s_end + 1):
        return 5  # "Ninety women received ... . They were then randomly allocated"
    if (
        _ENROLLED.search(clause[:160])
        or _ENROLLED.search(before[-40:])
        or _VERB_BEFORE.search(before)
    ):
        return 4
    if re.search(r"a\s+total\s+of\s*$", before) or low.startswith("a total of", start):
        return 4
    if results_at and start > results_at:
        return 0
    if _IN_PEOPLE.search(before) or not before.strip():
        if _SERVED_AS_CONTROLS.search(low, end, s_end + 300):
            return 0  # one arm of a comparison told arm by arm
        if _TRIAL_WORD.search(low, s_start, s_end) or (results_at and start < results_at):
            return 3  # "a randomized trial in 302 consecutive patients"
    return 0


def _arm_sum(low: str) -> tuple[int, int, int] | None:
    """(total, start, end) of per-arm counts that are all explicitly randomized, when every
    arm is counted: "randomly assigned to begin clozapine (n = 138) or to continue ... (n =
    89)", or one sentence per arm ("Patients randomized to A (n=77) ... . Patients randomized
    to B (n=88) ..."). Counts of another stage (analysed, completed) are never added."""
    found: list[tuple[int, int, int]] = []  # (count, start, end), consecutive sentences
    stated_arms = 0
    pos = 0
    while pos < len(low):
        s_start, s_end = _sentence(low, pos + 1)
        s_end = max(s_end, pos + 1)
        text = low[s_start:s_end]
        pos = s_end
        verb = _RANDOM_SENTENCE.search(text)
        if verb is None:
            if found:
                break  # the arms of one randomization are told together
            continue
        if n_arms := _N_ARMS.search(text):
            stated_arms = max(stated_arms, _ARM_WORDS[n_arms.group(1)])
        elif re.search(r"\beither\b", text):
            stated_arms = max(stated_arms, 2)
        if _STAGE.search(text) or _ANIMAL.search(text, 0, verb.start()):
            continue  # "pigs were randomized into (1) LVt (n = 3) ...": no people
        counts = [
            (
                int((m.group(1) or m.group(2) or m.group(3)).replace(",", "")),
                s_start + m.start(),
                s_end,
            )
            for m in _ARM_COUNT.finditer(text, verb.start())
        ]
        if not counts:
            continue
        if _ARM_COUNT.search(text, 0, verb.start()) and not re.search(
            r"(?:randomi[sz]ed|assigned|allocated)\s+to\s+[^.]*$", text[: counts[0][1] - s_start]
        ):
            continue
        found.extend(counts)
    if len(found) < 2 or (stated_arms and stated_arms != len(found)):
        return None
    return sum(c for c, _, _ in found), found[0][1], found[-1][2]


def _fragment(abstract: str, low: str, start: int, end: int) -> str:
    """The sentence around low[start:end] in the abstract's own case, clipped to ~200 chars."""
    s_start, _ = _sentence(low, start)
    _, s_end = _sentence(low, max(start, end - 1))
    text = abstract if len(abstract) + 1 == len(low) else low[1:]
    s_start, s_end = max(0, s_start - 1), max(0, s_end - 1)
    label = _LABEL.match(low, s_start + 1)
    if label and label.start() == s_start + 1:
        s_start += label.end() - label.start()
    fragment = " ".join(text[s_start:s_end].split())
    if len(fragment) > 200:
        at = max(0, start - 1 - s_start - 60)
        fragment = ("…" if at else "") + fragment[at : at + 200].strip() + "…"
    return fragment


def sample_size_and_source(article: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """(the number of people randomized or enrolled, the fragment it was read from), or
    (None, None) when the abstract states no such number."""
    abstract = article.get("abstract") or ""
    if not abstract:
        return None, None
    # lengths kept (the ASA class becomes "asa" and spaces) so positions map to the abstract
    low = _ASA.sub(lambda m: "asa".ljust(len(m.group(0))), "\n" + abstract.lower())
    results = _RESULTS.search(low)
    results_at = results.start() if results else 0
    best: tuple[int, int, int, int] | None = None  # (score, -position, number, end)
    for m in _GROUP.finditer(low):
        number = _number(m.group(1))
        if number is None or number < 2 or _NOT_PEOPLE_OF.match(low, m.end()):
            continue
        score = _score(low, m.start(), m.end(), results_at, number)
        if score and (best is None or (score, -m.start()) > best[:2]):
            best = (score, -m.start(), number, m.end())
    for m in _SEX_TOTAL.finditer(low):
        first, second = _number(m.group(1)), _number(m.group(2))
        if first is None or second is None:
            continue
        number = first + second
        score = _score(low, m.start(), m.end(), results_at, number)
        if score >= 4 and (best is None or (score, -m.start()) >= best[:2]):
            best = (score, -m.start(), number, m.end())
    for m in _ARM_PAIR.finditer(low):
        first, second = _number(m.group(1)), _number(m.group(2))
        if first and second:
            score = 5 if m.group(3) else 4
            if best is None or (score, -m.start()) > best[:2]:
                best = (score, -m.start(), first + second, m.end())
    for m in _OF_APPROACHED.finditer(low):
        number = _number(m.group(1))
        score = 4 if m.group(2) else 5
        if number and number >= 2 and (best is None or (score + 1, -m.start(1)) > best[:2]):
            best = (score + 1, -m.start(1), number, m.end())  # explicit: beats a section label
    for m in _BARE_RANDOMIZED.finditer(low):
        number = _number(m.group(1))
        s_start, s_end = _sentence(low, m.end())
        if number is None or number < 2 or _OTHER_ARM.search(low, m.end(), s_end):
            continue
        if _NOT_TOTAL_BEFORE.search(low[s_start : m.start(1)]):
            continue
        if best is None or (5, -m.start(1)) > best[:2]:
            best = (5, -m.start(1), number, m.end())
    for m in _N_EQUALS.finditer(low):
        s_start, s_end = _sentence(low, m.start())
        if len(_N_EQUALS.findall(low, s_start, s_end)) > 1:
            continue  # "... (n = 9), or air placebo (n = 10)": arms
        before = low[s_start : m.start()]
        label = _LABEL.match(before)
        if label:
            before = before[label.end() :]
        if re.search(r"(?<![a-z])(?:groups?|arms?|placebo|versus|vs)(?![a-z])", before):
            continue
        if re.search(r"(?:randomi[sz]ed|assigned|allocated|allotted)\s+to\s", before):
            continue  # "Patients randomized to the monophasic protocol (n=77)": one arm
        randomized_now = _N_EQUALS_RANDOMIZED.match(low, m.end())
        # the sentence's subject are people: "Women with preterm labor ... (n = 247) were"
        people = re.match(rf"\s*(?:all\s+|the\s+)?(?:[\w'-]+\s+){{0,4}}?{_PEOPLE}\b", before)
        if not people and not (randomized_now and not re.search(r"\d", before)):
            continue
        number = int(m.group(1).replace(",", ""))
        after = low[m.end() : m.end() + 220]
        score = 5 if _RANDOMIZED.search(after) else 4 if _ENROLLED.search(after) else 3
        if number >= 2 and (best is None or (score, -m.start()) > best[:2]):
            best = (score, -m.start(), number, m.end())
    if best is None:
        arms = _arm_sum(low)
        if arms is None:
            return None, None
        total, start, end = arms
        return total, _fragment(abstract, low, start, end)
    return best[2], _fragment(abstract, low, -best[1], best[3])


def sample_size(article: Mapping[str, Any]) -> int | None:
    """The number of people randomized or enrolled, as the abstract states it, or None."""
    return sample_size_and_source(article)[0]
