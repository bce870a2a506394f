"""Counts of people in text: number words, people nouns, sentences (for ``size``).

``_NUM`` matches a count in digits ("1,583") or words ("Two hundred sixty-eight");
``_number`` reads it. ``_PEOPLE`` are nouns that count people, not clusters or specimens;
``_MOD`` the modifiers allowed between a count and its people. ``_sentence`` finds the sentence
around a position of the lower-cased abstract.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

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
    r"caregivers|parents|users|injectors|drinkers|travell?ers|donors|[a-z0-9]+-year-olds)"
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
    r"centres?|centers?|sites?|hospitals?|clinics?|practices?|were|was|who|with)\b|"
    rf"(?:and|or)\s+(?:\d|(?:{_WORD})\b)|\d[\d.,]*\b|(?:{_WORD})\b)"
    r"[a-z0-9](?:[\w'()/+.-]*[\w'()/+-])?,?\s+)"
)
_SENTENCE_END = re.compile(r"(?<!\d)[.?!](?=\s|$)|\n")


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
    """(start, end) of the sentence around ``pos``: it starts after the last sentence end of
    the 400 characters before ``pos`` (0 when there is none) and ends at the next one."""
    ends = _ends(low)
    i = bisect_left(ends, pos)
    start = 0
    if pos and low[pos - 1] in ".?!" and not (pos > 1 and low[pos - 2].isdigit()):
        start = pos  # a stop just before pos ends a sentence there, whatever follows it
    elif i and ends[i - 1] >= pos - 400:
        start = ends[i - 1] + 1
    return start, ends[i] if i < len(ends) else len(low)


@lru_cache(maxsize=4)
def _ends(low: str) -> list[int]:
    """Where every sentence of ``low`` ends (each a one-character match), found once per
    abstract: the size rules ask for the sentence around dozens of positions."""
    return [m.start() for m in _SENTENCE_END.finditer(low)]
