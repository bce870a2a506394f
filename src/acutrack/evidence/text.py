"""Text helpers shared by the evidence rules: the lower-cased document and context tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# --- text helpers ----------------------------------------------------------------------------
# All text regexes run on the lower-cased text, without re.IGNORECASE (much faster), and most
# are anchored at a keyword found with str.find, so a record without the keyword costs one
# substring test.

_WS = re.compile(r"\s+")


class _Doc:
    __slots__ = ("title", "text", "low", "title_end", "_nonhuman", "_any_animal", "memo")

    def __init__(self, title: str, abstract: str) -> None:
        self.title = title
        self.text = f"{title}\n{abstract}" if abstract else title
        self.low = self.text.lower()
        if len(self.low) != len(self.text):  # a few characters change length when lowered
            self.text = self.low
        self.title_end = len(title)
        self._nonhuman: bool | None = None
        self._any_animal: bool | None = None
        self.memo: dict[str, Any] = {}  # results shared between rules

    def has(self, word: str) -> bool:
        """``word in self.low``, remembered: several rules test the same words."""
        found = self.memo.get(word)
        if found is None:
            found = self.memo[word] = word in self.low
        return found

    def quote(self, start: int, end: int, limit: int = 70) -> str:
        phrase = _WS.sub(" ", self.text[start:end]).strip(" ,;:.-")
        if len(phrase) > limit:
            phrase = phrase[: limit - 3].rstrip() + "..."
        return f'text: "{phrase}"'

    def left(self, pos: int, width: int = 70) -> str:
        """Lower-cased text before ``pos`` in the same sentence (at most ``width`` chars)."""
        seg = self.low[max(0, pos - width) : pos]
        cut = max(
            seg.rfind(". "), seg.rfind("? "), seg.rfind("; "), seg.rfind(": "), seg.rfind("\n")
        )
        return seg[cut + 1 :] if cut >= 0 else seg

    def right(self, pos: int, width: int = 90) -> str:
        """Lower-cased text after ``pos`` in the same sentence (at most ``width`` chars)."""
        seg = self.low[pos : pos + width]
        ends = [
            i for i in (seg.find(". "), seg.find("? "), seg.find("; "), seg.find("\n")) if i >= 0
        ]
        return seg[: min(ends)] if ends else seg

    def in_background(self, pos: int) -> bool:
        """``pos`` lies in a BACKGROUND / INTRODUCTION section of a structured abstract."""
        line = self.low.rfind("\n", 0, pos) + 1
        if line == 0:
            return False
        m = _SECTION_LABEL.match(self.low, line)
        return m is not None and m.group(1).startswith(_BACKGROUND_LABELS)

    def raw_left(self, pos: int, width: int = 60) -> str:
        return self.low[max(0, pos - width) : pos]

    @property
    def nonhuman(self) -> bool:
        """Animals, specimens or cells are the subjects, not people."""
        if self._nonhuman is None:
            animals = len(_ANIMAL.findall(self.low))
            subjects = animals + len(_SPECIMEN.findall(self.low))
            humans = len(_HUMAN.findall(self.low)) if subjects >= 2 else 0
            # An animal study may mention patients in its background, so compare the counts.
            self._nonhuman = (subjects >= 2 and humans == 0) or (
                animals >= 3 and animals >= 2 * humans
            )
        return self._nonhuman

    @property
    def any_animal(self) -> bool:
        if self._any_animal is None:
            self._any_animal = bool(_ANIMAL.search(self.low))
        return self._any_animal


_SECTION_LABEL = re.compile(r"([a-z][a-z ,&/()-]{2,50}):\s")
_BACKGROUND_LABELS = ("background", "introduction", "context", "rationale", "importance")


def _occurrences(low: str, key: str) -> Iterator[int]:
    """Start of every ``key`` in ``low`` that begins a word."""
    i = low.find(key)
    while i >= 0:
        if i == 0 or not low[i - 1].isalnum():
            yield i
        i = low.find(key, i + len(key))


# Someone else's study, or one wished for: these words in the three words before the phrase.
_OTHER = re.compile(
    r"(?<![a-z-])(?:previous(?:ly)?|prior|earlier|preceding|recent(?:ly)?|published|existing|"
    r"landmark|future|further|larger|large-scale|well[- ]designed|well[- ]conducted|"
    r"high[- ]quality|rigorous(?:ly)?|adequately|confirm(?:ed)?|verif(?:y|ied)|validat(?:e|ed)|"
    r"replicat(?:e|ed)|properly|definitive|need|needs|needed|lack|lacking|"
    r"absence|no|few|without|several|many|numerous|other|another|similar|unlike|proposed|"
    r"planned|warrants?|warranted|requires?|required|should|would|could|must|cited|subsequent|"
    r"additional|more|each|every|any|eligible|included|identified)(?:[\s,/-]+[\w()'-]+){0,3}[\s,/-]*$"
)
# The authors' own study: these words in the three words before the phrase.
_SELF = re.compile(
    r"(?<![a-z])(?:this|our|the present|the current|present|current|we)"
    r"(?:[\s,/-]+[\w()'-]+){0,3}[\s,/-]*$"
)
# A call for more research after the phrase ("... is needed").
_CALL_FOR = re.compile(
    r"\b(?:(?:is|are|be|remain|remains|seem|seems)\s+(?:still\s+|now\s+|urgently\s+|"
    r"therefore\s+|thus\s+|clearly\s+|also\s+|badly\s+)?(?:needed|warranted|required|necessary|"
    r"recommended|justified|called for|lacking)|"
    r"should\s+be\s+(?:conducted|performed|"
    r"undertaken|carried out|done|designed)|in\s+the\s+future)\b"
)
# A study under way or planned, right after the phrase ("... is ongoing").
_PLANNED = re.compile(
    r"\s*(?:is|are)\s+(?:currently\s+|now\s+)?(?:planned|underway|ongoing|in\s+progress|"
    r"being\s+(?:planned|conducted|designed))"
)
# A cited result after the phrase ("... has shown").
_CITED = re.compile(
    r"^[^.]{0,30}?\b(?:(?:have|has|had)\s+(?:\w+\s+)?(?:shown|demonstrated|suggested|reported|"
    r"found|confirmed|failed|indicated)|showed|demonstrated|found|reported|suggested|concluded|"
    r"indicated|by\s+[a-z]+\s+et\s+al)\b"
)
_NEGATED = re.compile(r"(?:non|quasi|pseudo|mendelian|not|without|un|semi)[\s-]*$")

_ANIMAL = re.compile(
    r"(?<![a-z])(?:rats?|mice|mouse|murine|rabbits?|dogs?|canines?|cats|felines?|pigs?|piglets?|"
    r"swine|porcine|sheep|ovine|goats?|cattle|cows?|bovine|calves|heifers?|horses?|equine|"
    r"ponies|beagles?|monkeys?|macaques?|primates?|guinea[- ]pigs?|hamsters?|zebrafish|"
    r"rodents?|chickens?|broilers?|hens|ewes?|lambs?|animals?|sprague[- ]dawley|wistar|"
    r"c57bl\S*)(?![a-z])"
)
_SPECIMEN = re.compile(
    r"(?<![a-z])(?:specimens?|samples?(?![\s-]+sizes?)|chips|discs?|disks?|blocks|cells|"
    r"cultures?|wells|plates|sections|implants|cadavers?|cadaveric|in\s+vitro|"
    r"extracted\s+teeth)(?![a-z])"
)
_HUMAN = re.compile(
    r"(?<![a-z])(?:patients?|participants?|volunteers?|subjects|women|men|children|adults?|"
    r"adolescents?|infants?|neonates?|newborns?|persons?|people|individuals?|outpatients?|"
    r"inpatients?|girls|boys|students|nurses|physicians|pregnan\w+|elderly|humans?|cases|"
    r"mothers|smokers|recipients|respondents|athletes|residents|veterans|survivors|"
    r"asthmatics|diabetics)(?![a-z])"
)
# Titles of letters, comments and notices (about someone else's study).
_COMMENT_TITLE = re.compile(
    r"^\s*(?:(?:corrections?|errat(?:um|a)|retraction|corrigendum)\s*\.?\s*$|re\s*:|"
    r"regarding\s*:|comments?\s*(?::|on\b)|commentary\s*(?::|on\b)|"
    r"reply\b|in\s+reply\b|response(?:\s+to)?\s*:|in\s+response\s+to\b|letter\s*:|"
    r"erratum\b|errata\b|corrigendum\b|correction\s*(?::|to\b|of\s+(?:the\s+)?"
    r"(?:article|paper|abstract|error)\b|notice\b)|retraction\s*(?::|of\b|notice\b|note\b)|"
    r"authors?'?\s+(?:reply|response)|expression\s+of\s+concern|notice\s+of\s+"
    r"(?:retraction|correction|concern))"
    r"|\b(?:comments?\s+on|commentary\s+on|reply\s+to|letter\s+to\s+the\s+editor|"
    r"response\s+to\s+(?:the\s+)?(?:letter|comments?|commentary|editorial|correspondence|"
    r"critique|criticism|reviewers?|authors?|dr\.?\s|professor|\"))\b"
)
# Comment / correction / retraction links: this record is a notice about another record.
# Expression-of-concern links are not among them: MEDLINE exports are not consistent about their
# direction (a trial may carry ECF pointing at its notice), so the record itself decides
# (``other._concern_notice``).
NOTICE_LINKS = frozenset({"CommentOn", "ErratumFor", "RetractionOf"})
# A review in the title: review designs, not any "review" ("medication review", "peer review").
_REVIEW_TITLE = re.compile(
    r"meta-?analy|overview\s+of|umbrella\s+review|(?<![a-z])(?:systematic|systematical|"
    r"narrative|literature|integrative|scoping|critical|rapid|clinical|comprehensive|"
    r"updated?|brief|short|mini|historical|evidence-based|selective|state[- ]of[- ]the[- ]art|"
    r"structured|qualitative|realist)[- ]review(?![a-z])"
    r"|(?:^|[:.?]\s*)(?:an?\s+|the\s+)?review\b"
    r"|(?<![a-z])review\s+of\s+(?:the\s+)?(?:literature|evidence|studies|trials|randomi|"
    r"published|current|recent|clinical\s+trials|\d+\s+)"
    r"|(?<![a-z])(?:an?|the)\s+review\s*(?:$|[.:]\s*$)"
)


def _is_other(left: str) -> bool:
    return bool(_OTHER.search(left)) and not _SELF.search(left)


# Titles about doing research, not reporting it ("How to conduct a systematic review").
_HOWTO = re.compile(
    r"(?<![a-z])(?:how\s+to|guide\s+to|introduction\s+to|primer\s+on|conduct|conducting|"
    r"perform|performing|write|writing|reporting|appraise|appraising|appraisal\s+of|read|"
    r"reading|interpret|interpreting|understanding|quality\s+of|designing|design\s+of|"
    r"planning|registering|publishing)\s+(?:an?\s+|the\s+)?(?:[a-z-]+\s+)?$"
)
