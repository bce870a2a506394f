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

v4 (issue 27) reads it by candidates: every count of people in the abstract becomes a
``Candidate`` (``candidates(abstract)``) with what it counts -- randomized, enrolled, a total
whose arms follow and add up to it ("145 patients (67 received A and 78 received B)"), arms
added up (every arm's count given, no total; "30 to each of the three groups" is 90), a
population ("a trial in 302 patients") -- or why it is not the size (outcome, event, eligible,
one arm, a later or further cohort, drop-outs). The size is the surest candidate, the first
stated among equals; when the surest is only a population mention and another count of people
competes with it, none: a wrong number is worse than none.

``sample_size_and_source(article)`` also returns the sentence fragment the number was read
from, in the abstract's own case and at most about 200 characters, so a reader can check it
at a glance.

Standard library only, regexes compiled at import (the module is imported with the rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from .counts import _MOD, _NOT_PEOPLE_OF, _NUM, _PEOPLE, _WORD, _number, _sentence
from .text import _ANIMAL

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
    # "The first sample consisted of 180 patients": one of several samples
    r"|(?<![a-z])(?:first|second|third)\s+(?:sample|cohort|group|phase|part|stage)\b[^,.;]{0,30}$"
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
    r"randomi[sz]ed|enrolled|recruited|studied|included|treated)|randomi[sz]ed|randomly\s+"
    r"(?:assigned|allocated)|(?<![a-z])to\s+(?:recruit|enrol|enroll|include|randomi[sz]e))\s+"
    r"(?:\w+ly\s+)?(?:a\s+total\s+of\s+)?$"
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
    r"\((?:[^()]*?[;,]\s*)?(?:n\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\s*[;,](?:[^()]|\([^()]*\))*)?|"
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
    r"randomi[sz]ed\s+to|randomly\s+(?:assigned|allocated|divided|distributed|placed)|randomi[sz]ed\s+(?:in|into)\s+"
    r"|(?:assigned|allocated)\s+(?:at\s+random|randomly)|randomi[sz]ation\s+to"
)


# "53 of the 10,040 men in the study": x of N, where N are the study's people.
_OF_THE_STUDY = re.compile(
    r"\s*(?:who\s+were\s+)?(?:in|enrolled\s+in|participating\s+in|included\s+in)\s+"
    r"(?:the|this|our)\s+(?:study|trial)\b"
)
# A count followed by what happened to it, not who it is: the people of an event.
_EVENT = re.compile(
    r"(?<![a-z])(?:adverse|side[- ]effects?|complications?|died|deaths?|infections?|relapse[sd]?|"
    r"recurren\w*|toxicit\w*|events?|occurred|developed|experienced|responders?|improved|"
    r"success\w*|failure)(?![a-z])"
)
# "Thirty patients randomized to rehabilitation received ...": a count with a reduced relative
# clause naming where it went is one arm, unless it names alternatives.
_REDUCED_ARM = re.compile(
    r"\s*(?:randomi[sz]ed|(?:randomly\s+)?(?:assigned|allocated))\s+(?:in)?to\s+(?!receive\b)"
)
_ALTERNATIVES = re.compile(
    r"(?<![a-z])(?:or|versus|vs|either|and|both|groups?|arms?|one\s+of|each|two|three|four|"
    r"five|six|\d|conditions|sequences?|orders?|treatments|regimens|interventions)(?![a-z])"
)
# ("randomized to placebo", "to usual care", "to sham" name one control arm, not alternatives)


def _single_destination(clause: str) -> bool:
    """True when the randomization in ``clause`` sends the people to one named arm only
    ("randomized to rehabilitation received ...", "were randomly assigned to PR")."""
    m = re.search(r"(?:randomi[sz]ed|assigned|allocated)\s+(?:in)?to\s+", clause)
    if m is None:
        return False
    rest = clause[m.end() :]
    # the destination ends at the clause's next verb or comma
    stop = re.search(r",|\b(?:received|receiving|were|was|had|underwent|who|with|for)\b", rest)
    return not _ALTERNATIVES.search(rest[: stop.start()] if stop else rest)


def _score(low: str, start: int, end: int, results_at: int, number: int) -> tuple[int, str]:
    """How surely the people at low[start:end] are the trial's size, and what they count.

    Scores: 5 randomized, 4 enrolled / studied (or a total its arms add up to), 3 a population
    ("a trial in 302 patients"), 0 not the size; the kind names what the number counts."""
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
            return (0, "per-arm") if per_arm else (4, "enrolled")  # "PATIENTS: 186 patients"
    if _COUNT_OF.search(before) or re.match(r"\s*\(\s*\d+(?:\.\d+)?\s*%", after):
        if _OF_THE_STUDY.match(after):
            return 4, "enrolled"  # "53 of the 10,040 men in the study": the study's men
        return 0, "outcome"  # "18 of 23 subjects", "34 placebo patients (5.5%)": outcome counts
    if _NOT_TOTAL_BEFORE.search(before) or _NOT_TOTAL_AFTER.search(clause[:60]):
        return 0, "not-total"
    counted = low[start:end]  # "172 randomized patients": the people are the randomized ones
    if _SOURCE_BEFORE.search(before):
        head = clause.split(",", 1)[0]
        if not (_RANDOMIZED.search(counted + head) or _ENROLLED.search(counted + head)) and (
            _SOURCE_CLAUSE.search(head)
        ):
            return 0, "source"  # "Of 400 patients who underwent surgery, 120 were randomized"
    not_size = _NOT_SIZE.search(clause[:80])
    if not_size and not _RANDOMIZED.search(counted + clause[:120]):
        if not_size.group(0) == "eligible" and _THEY_RANDOMIZED.match(low, s_end + 1):
            return 5, "randomized"  # "80 patients were eligible. They were randomly assigned"
        return 0, "eligible"
    if per_arm:
        return 0, "per-arm"
    if _RANDOMIZED.search(counted):
        return 5, "randomized"
    one_arm = _ONE_ARM.match(clause)
    if one_arm and not re.search(
        r"\b(?:or|and|versus|vs|either|both|each|one)\b", one_arm.group(1)
    ):
        if not re.match(r"\s*(?:or|and|versus|vs\.?)\s", clause[one_arm.end() :]):
            return 0, "one-arm"  # "48 patients in the placebo group": one arm
    if _REDUCED_ARM.match(clause) and _single_destination(clause):
        return 0, "one-arm"  # "Thirty patients randomized to rehabilitation received ..."
    random_sentence = "random" in low[s_start:s_end]
    if (
        _RANDOMIZED.search(clause[:220])
        or _VERB_BEFORE.search(before)
        and random_sentence
        or random_sentence
        and _ASSIGNED.search(clause[:160])
    ):
        return 5, "randomized"
    if not before.strip() and _THEY_RANDOMIZED.match(low, s_end + 1):
        return 5, "randomized"  # "Ninety women received ... . They were then randomly allocated"
    if (
        _ENROLLED.search(clause[:160])
        or _ENROLLED.search(before[-40:])
        or _ENROLLED.search(counted)
        or _VERB_BEFORE.search(before)
    ):
        return 4, "enrolled"
    if re.search(r"a\s+total\s+of\s*$", before) or low.startswith("a total of", start):
        return 4, "enrolled"
    if _OF_THE_STUDY.match(after):
        return 4, "enrolled"  # "53 of the 10,040 men in the study"
    if results_at and start > results_at:
        return 0, "results"
    if _IN_PEOPLE.search(before) or not before.strip():
        if _SERVED_AS_CONTROLS.search(low, end, s_end + 300):
            return 0, "one-arm"  # one arm of a comparison told arm by arm
        if _EVENT.search(before):
            return 0, "event"  # "adverse events occurred in 5 patients"
        if _TRIAL_WORD.search(low, s_start, s_end) or (results_at and start < results_at):
            return 3, "population"  # "a randomized trial in 302 consecutive patients"
    return 0, "unclear"


# Kinds of 0 that a breakdown adding up to the number overrides: "in the 27 patients (MT [14],
# MS [13])", "Data from 145 patients (67 received A and 78 received B) were evaluable".
_WEAK = frozenset({"results", "unclear", "population"})
# An arm's count in a breakdown: "(n = 9)", "MT [14]", "67 received ...", "99 were assigned to
# ICDs, 92 to amiodarone".
_PART = re.compile(
    r"\(\s*n\s*=\s*(\d+)|\[(\d+)\]|(?<![\w.,/-])(\d+)\s+(?:[a-z]+\s+)?(?:received|were|was|to|"
    r"into|in\s+the|had|underwent|assigned|allocated|randomi[sz]ed)\b"
)


_SEX_WORD = re.compile(r"\d+\s+(?:men|women|males?|females?|boys|girls)\b")


def _breakdown(low: str, end: int, number: int) -> bool:
    """True when the arms' counts that follow low[:end] in its sentence add up to ``number``:
    the total followed by its arms ("288 patients ...; of these, 99 were assigned to ICDs, 92
    to amiodarone, and 97 to metoprolol", "145 patients (67 received A and 78 received B)")."""
    _, s_end = _sentence(low, end)
    text = low[end : min(s_end, end + 300)]
    if _EVENT.search(text[:80]) or _SEX_WORD.search(text[:60]):
        return False  # "53 women had local recurrences (29 ... and 24 ...)", "(9 men and 2 women"
    parts = [int(next(g for g in m.groups() if g)) for m in _PART.finditer(text)]
    return len(parts) >= 2 and sum(parts) == number


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


class Candidate(NamedTuple):
    """A number of people in the abstract and what it counts."""

    score: int  # 5 randomized, 4 enrolled / studied / arms added up, 3 population, 0 not the size
    start: int  # where it is (in the lower-cased text, "\n" first)
    value: int
    end: int
    kind: str  # randomized, enrolled, arms, population; or why not: outcome, eligible, ...


def candidates(abstract: str) -> list[Candidate]:
    """Every count of people in ``abstract`` with what it counts, in order of position."""
    # lengths kept (the ASA class becomes "asa" and spaces) so positions map to the abstract
    low = _ASA.sub(lambda m: "asa".ljust(len(m.group(0))), "\n" + abstract.lower())
    return _candidates(low)


def _candidates(low: str) -> list[Candidate]:
    results = _RESULTS.search(low)
    results_at = results.start() if results else 0
    found: list[Candidate] = []
    for m in _GROUP.finditer(low):
        number = _number(m.group(1))
        if number is None or number < 2 or _NOT_PEOPLE_OF.match(low, m.end()):
            continue
        score, kind = _score(low, m.start(), m.end(), results_at, number)
        in_n = re.search(r"(?<![a-z])in\s+$", low[max(0, m.start() - 4) : m.start()])
        if score < 4 and kind in _WEAK and not in_n and _breakdown(low, m.end(), number):
            score, kind = 4, "arms-total"
        found.append(Candidate(score, m.start(), number, m.end(), kind))
    for m in _SEX_TOTAL.finditer(low):
        first, second = _number(m.group(1)), _number(m.group(2))
        if first is None or second is None:
            continue
        score, kind = _score(low, m.start(), m.end(), results_at, first + second)
        if score >= 4:
            found.append(Candidate(score, m.start(), first + second, m.end(), "sex-split"))
    for m in _ARM_PAIR.finditer(low):
        first, second = _number(m.group(1)), _number(m.group(2))
        if first and second:
            score = 5 if m.group(3) else 4
            found.append(Candidate(score, m.start(), first + second, m.end(), "arms"))
    for m in _OF_APPROACHED.finditer(low):
        number = _number(m.group(1))
        if number and number >= 2:  # explicit: beats a section label
            score = 5 if m.group(2) else 6
            found.append(Candidate(score, m.start(1), number, m.end(), "enrolled"))
    for m in _BARE_RANDOMIZED.finditer(low):
        number = _number(m.group(1))
        s_start, s_end = _sentence(low, m.end())
        if number is None or number < 2 or _OTHER_ARM.search(low, m.end(), s_end):
            continue
        if _EACH_GROUP.search(low, m.end(), s_end):
            continue  # "30 patients were randomized to each of the three groups": N x K below
        if _NOT_TOTAL_BEFORE.search(low[s_start : m.start(1)]):
            continue
        kind = "one-arm" if _single_destination(low[m.end() - 12 : s_end]) else "randomized"
        found.append(Candidate(0 if kind == "one-arm" else 5, m.start(1), number, m.end(), kind))
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
        if number >= 2:
            found.append(Candidate(score, m.start(), number, m.end(), _KINDS[score]))
    found.extend(_each_group(low))
    found.extend(_reduced_arms(low))
    # every pattern of _arm_sum's randomization sentence says "random"
    if "random" in low and (arms := _arm_sum(low)) is not None:
        total, start, end = arms
        found.append(Candidate(4, start, total, end, "arms"))
    return sorted(found, key=lambda c: c.start)


_KINDS = {6: "enrolled", 5: "randomized", 4: "enrolled", 3: "population"}


def _choose(found: list[Candidate]) -> Candidate | None:
    """The size among the candidates: the surest, the first stated among equals; none when
    the surest is only a population mention and another count of people competes with it."""
    scored = [c for c in found if c.score]
    if not scored:
        return None
    best = max(scored, key=lambda c: (c.score, -c.start))
    if best.score == 3 and any(
        c.value != best.value and (c.score or c.kind == "unclear" and c.start - best.end < 80)
        for c in found
        if c is not best
    ):
        return None  # "MRI was obtained on 811 subjects at pre-enrollment, 718 cases at ..."
    return best


# "20 patients were randomized to each of the three groups", "30 patients per group" with the
# groups counted in the sentence: N x K.
_EACH = re.compile(
    rf"(?<![\w.,/-])({_NUM})\s+{_MOD}{{0,3}}?(?:{_PEOPLE}\s+)?(?:were\s+)?(?:(?:randomly\s+)?"
    r"(?:randomi[sz]ed|assigned|allocated|included|enrolled)\s+)?(?:to|in|into|per)\s+(?:each|every)?"
    r"\s*(?:of\s+(?:the\s+)?(two|three|four|five|six)\s+)?(?:groups?|arms?)\b"
)


def _each_group(low: str) -> list[Candidate]:
    out: list[Candidate] = []
    if "each" not in low and "every" not in low and "per " not in low:
        return out  # the regex is costly; most abstracts lack the keyword
    for m in _EACH.finditer(low):
        if not re.search(r"\beach\b|\bevery\b|\bper\b", m.group(0)):
            continue
        number = _number(m.group(1))
        s_start, s_end = _sentence(low, m.start())
        k_word = m.group(2)
        if k_word is None:
            stated = _N_ARMS.search(low, s_start, s_end)
            k_word = stated.group(1) if stated else None
        if number is None or k_word is None or "random" not in low[s_start:s_end]:
            continue
        total = number * _ARM_WORDS[k_word]
        score = 5 if "random" in m.group(0) else 4
        out.append(Candidate(score, m.start(), total, m.end(), "per-arm-times-arms"))
    return out


_REDUCED = re.compile(
    rf"(?<![\w.,/-])({_NUM})\s+{_MOD}{{0,3}}?{_PEOPLE}(?=\s+(?:randomi[sz]ed|(?:randomly\s+)?"
    r"(?:assigned|allocated))\s+(?:in)?to\s)"
)


def _reduced_arms(low: str) -> list[Candidate]:
    """The arms of "Thirty patients randomized to rehabilitation ... Thirty patients
    randomized to the control group ...", added up when there are two or more and the abstract
    does not state a different number of groups."""
    if "random" not in low and "assigned" not in low and "allocated" not in low:
        return []
    arms = [
        (number, m)
        for m in _REDUCED.finditer(low)
        if (number := _number(m.group(1)))
        and _single_destination(low[m.end() : _sentence(low, m.end())[1]])
    ]
    if len(arms) < 2:
        return []
    stated = _N_ARMS.search(low)
    if stated and _ARM_WORDS[stated.group(1)] != len(arms):
        return []
    first, last = arms[0][1], arms[-1][1]
    return [Candidate(4, first.start(), sum(n for n, _ in arms), last.end(), "arms")]


def sample_size_and_source(article: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """(the number of people randomized or enrolled, the fragment it was read from), or
    (None, None) when the abstract states no such number."""
    abstract = article.get("abstract") or ""
    if not abstract:
        return None, None
    low = _ASA.sub(lambda m: "asa".ljust(len(m.group(0))), "\n" + abstract.lower())
    best = _choose(_candidates(low))
    if best is None:
        return None, None
    return best.value, _fragment(abstract, low, best.start, best.end)


def sample_size(article: Mapping[str, Any]) -> int | None:
    """The number of people randomized or enrolled, as the abstract states it, or None."""
    return sample_size_and_source(article)[0]
