"""Evidence flags: which records are trials, reviews, protocols, sham-controlled or retracted.

``compute_flags(article)`` returns ``{flag: reason}`` for the flags that apply, in ``FLAGS``
order. A reason says where the flag came from, so a user can judge it at a glance:

* ``Publication Type: Randomized Controlled Trial`` -- NLM's indexing decided;
* ``text: "were randomly assigned"`` -- the phrase in the title or abstract that matched;
* ``MeSH: Pilot Projects``, ``RetractionIn: <notice>``, ``registry: ClinicalTrials.gov/NCT...``,
  ``title: "RETRACTED"``.

Study design (``rct``, ``meta-analysis``, ``systematic-review``)
    When NLM has indexed the record, its Publication Types decide. "Indexed" means the record
    has MeSH headings or a Publication Type that only indexers assign. "Journal Article",
    "English Abstract", "Review", "Letter", "Comment" and friends and the funding types
    ("Research Support, ...") do not count: publishers and the grant data supply them before
    indexing, and In-Process records carry them. Otherwise title and abstract decide, with the
    rules below; they describe *this* report, so a paper that cites or calls for a trial or a
    meta-analysis is not one.

    - ``rct``: Publication Types "Randomized Controlled Trial", "... , Veterinary" and
      "Pragmatic Clinical Trial" (its scope note defines it as randomized). "Equivalence
      Trial", "Adaptive Clinical Trial", "Controlled Clinical Trial" and the phase types do not
      imply randomization (NLM adds "Randomized Controlled Trial" when a trial is randomized).
      Text: a randomized design noun in the singular ("a randomised, double-blind,
      placebo-controlled trial", "prospective randomized study", "this RCT"), allocation
      language ("were randomly assigned", "patients were randomized to", "after
      randomization", "random number table") or "double-blind, placebo-controlled".
      Not counted: non-/quasi-/pseudo-randomized designs (quasi-random allocation is not a
      random process, and NLM indexes it as "Controlled Clinical Trial"), plural mentions
      ("a systematic review of randomized trials", "evidence from RCTs"), calls for and
      citations of other trials ("a larger randomized trial is needed", "a previous
      randomized trial"), Mendelian randomization, random splits into training and
      validation sets, animal and laboratory experiments ("rats were randomly divided": NLM
      does not index them as trials), reviews and meta-analyses, protocols, letters and
      comments about a trial, and analyses of one arm of a trial ("control group data from a
      randomized trial" is a cohort). Secondary, post hoc and follow-up analyses of a
      randomized trial ARE flagged: they report randomized data, Cochrane counts them as
      reports of the trial and NLM indexes many of them as "Randomized Controlled Trial"
      (Wieland et al., BMJ 2012;344:d7501); the reason quotes the phrase, e.g.
      ``text: "samples from a randomized controlled trial"``.
    - ``meta-analysis``: Publication Types "Meta-Analysis", "Network Meta-Analysis". Text: a
      meta-analysis in the title (not in a comment or a protocol), the authors' own
      ("we performed a meta-analysis", "this meta-analysis", "a meta-analysis was
      conducted"), or a literature search together with pooling ("random-effects model",
      "pooled odds ratio", "standardized mean difference").
    - ``systematic-review``: Publication Type "Systematic Review". Text: "systematic review",
      "umbrella review" or "overview of reviews" in the title, the authors' own ("this
      systematic review"), PRISMA or PROSPERO, or a search of two or more bibliographic
      databases together with counted included studies, risk-of-bias appraisal or pooling.

Always from the text (NLM has no Publication Type for them, except "Clinical Trial Protocol")
    - ``protocol``: a trial or review protocol rather than results: "study protocol",
      "protocol for a systematic review", "rationale and design", "this protocol describes",
      or future-tense methods ("patients will be randomly assigned", "we will search").
      A protocol is never flagged ``rct``, ``meta-analysis`` or ``systematic-review``.
    - ``sham-controlled``: sham anything (acupuncture, electroacupuncture, TENS, laser,
      surgery), placebo needling, minimal/superficial needling, non-penetrating,
      Streitberger or Park sham needles, non-acupoint controls. When the record mentions
      animals, only a sham *needling or stimulation* counts, not a sham operation or injury.
      "No sham control" and "future sham-controlled trials" do not count.
    - ``retracted``: Publication Type "Retracted Publication", a ``RetractionIn`` notice, or a
      title starting "RETRACTED". "Retraction of Publication" is the notice itself: not flagged.
    - ``registered``: a trial or review registry number in the record (DataBank / SI) or the
      abstract (NCT, ChiCTR, ISRCTN, ACTRN, PROSPERO CRD, INPLASY, ...).
    - ``pilot``: MeSH "Pilot Projects", or a pilot or feasibility study/trial in the text.

The module is imported by quick commands: standard library only, regexes compiled at import.
Regexes run on the lower-cased text (re.IGNORECASE is slow) and are anchored at keywords found
with ``str.find``, so a record costs about 50 microseconds (20,000+ records a second).
``benchmarks/evidence_accuracy.py`` measures the text rules against NLM's indexing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .flags import FLAGS, LABELS  # noqa: F401 - re-exported

# --- Publication Types -----------------------------------------------------------------------

RCT_PTS = (
    "Randomized Controlled Trial",
    "Randomized Controlled Trial, Veterinary",
    "Pragmatic Clinical Trial",
)
MA_PTS = ("Meta-Analysis", "Network Meta-Analysis")
SR_PTS = ("Systematic Review",)
PROTOCOL_PTS = ("Clinical Trial Protocol",)
RETRACTED_PT = "Retracted Publication"

# Publication Types a record carries before NLM indexes it (publisher-supplied, derived from
# grant data or from the language): they say nothing about whether NLM judged the design.
PRE_INDEXING_PTS = frozenset(
    {
        "Journal Article",
        "English Abstract",
        "Review",
        "Letter",
        "Comment",
        "Editorial",
        "News",
        "Published Erratum",
        "Preprint",
        "Case Reports",
        "Introductory Journal Article",
        "Retraction of Publication",
        "Retracted Publication",
        "Expression of Concern",
    }
)
# Kinds of article that report no study of their own: a letter about a trial is not a trial.
NON_RESEARCH_PTS = frozenset(
    {
        "Letter",
        "Comment",
        "Editorial",
        "News",
        "Newspaper Article",
        "Published Erratum",
        "Retraction of Publication",
        "Expression of Concern",
        "Biography",
        "Portrait",
        "Interview",
        "Lecture",
        "Address",
        "Patient Education Handout",
    }
)


def nlm_indexed(article: Mapping[str, Any]) -> bool:
    """True when NLM has indexed the record, so its Publication Types decide the design."""
    if article.get("mesh"):
        return True
    for pt in article.get("publication_types") or ():
        if pt not in PRE_INDEXING_PTS and not pt.startswith("Research Support"):
            return True
    return False


# --- text helpers ----------------------------------------------------------------------------
# All text regexes run on the lower-cased text, without re.IGNORECASE (much faster), and most
# are anchored at a keyword found with str.find, so a record without the keyword costs one
# substring test.

_WS = re.compile(r"\s+")


class _Doc:
    __slots__ = ("title", "text", "low", "title_end", "_nonhuman", "_any_animal")

    def __init__(self, title: str, abstract: str) -> None:
        self.title = title
        self.text = f"{title}\n{abstract}" if abstract else title
        self.low = self.text.lower()
        if len(self.low) != len(self.text):  # a few characters change length when lowered
            self.text = self.low
        self.title_end = len(title)
        self._nonhuman: bool | None = None
        self._any_animal: bool | None = None

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
        return bool(m) and m.group(1).startswith(_BACKGROUND_LABELS)

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
    r"(?<![a-z])(?:specimens?|samples?|chips|discs?|disks?|blocks|cells|cultures?|wells|plates|"
    r"sections|implants|cadavers?|cadaveric|in\s+vitro|extracted\s+teeth)(?![a-z])"
)
_HUMAN = re.compile(
    r"(?<![a-z])(?:patients?|participants?|volunteers?|women|men|children|adults?|adolescents?|"
    r"infants?|neonates?|newborns?|persons?|people|individuals?|outpatients?|inpatients?|"
    r"girls|boys|students|nurses|physicians|pregnan\w+|elderly|humans?|cases)(?![a-z])"
)
# Titles of letters, comments and notices (about someone else's study).
_COMMENT_TITLE = re.compile(
    r"^\s*(?:re\s*:|regarding\b|comments?\b|commentary\b|reply\b|response\b|in\s+reply|"
    r"in\s+response|letter\b|erratum|correction|corrigendum|retraction\b|"
    r"authors?'?\s+(?:reply|response)|expression\s+of\s+concern|notice\s+of)"
    r"|\b(?:comment(?:ary)?\s+on|reply\s+to|response\s+to|letter\s+to\s+the\s+editor)\b"
)
_REVIEW_TITLE = re.compile(r"(?<![a-z])(?:review|overview|meta-?analy)")


def _is_other(left: str) -> bool:
    return bool(_OTHER.search(left)) and not _SELF.search(left)


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
    if "sham" in low:
        for p in _occurrences(low, "sham"):
            m = _SHAM_WORD.match(low, p)
            if m is None:
                continue
            if doc.any_animal and not _SHAM_ANIMAL_OK.match(low, p):
                continue
            candidates.append(m.span())
    if "placebo" in low:
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
        if key not in low:
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


# --- entry point -----------------------------------------------------------------------------


def _first_pt(pts: list[str], wanted: tuple[str, ...]) -> str | None:
    for pt in wanted:
        if pt in pts:
            return f"Publication Type: {pt}"
    return None


def compute_flags(article: Mapping[str, Any]) -> dict[str, str]:
    """``{flag: reason}`` for every flag in ``FLAGS`` that applies to ``article``, in order."""
    doc = _Doc(" ".join((article.get("title") or "").split()), article.get("abstract") or "")
    pts = list(article.get("publication_types") or ())
    found: dict[str, str | None] = dict.fromkeys(FLAGS)

    protocol, protocol_level = _protocol(doc)
    pt_protocol = _first_pt(pts, PROTOCOL_PTS)
    if nlm_indexed(article):
        found["rct"] = _first_pt(pts, RCT_PTS)
        found["meta-analysis"] = _first_pt(pts, MA_PTS)
        found["systematic-review"] = _first_pt(pts, SR_PTS)
        if pt_protocol:
            protocol = pt_protocol
        elif protocol and protocol_level < _IN_TITLE and any(found.values()):
            protocol = None  # NLM indexed results; only a title saying "protocol" overrides it
    else:
        if pt_protocol:
            protocol = pt_protocol
        title_low = doc.low[: doc.title_end]
        if not any(pt in NON_RESEARCH_PTS for pt in pts) and not _COMMENT_TITLE.search(title_low):
            search = _search_signal(doc)
            ma = _meta_analysis(doc, search)
            sr = _systematic_review(doc, search, ma)
            found["meta-analysis"], found["systematic-review"] = ma, sr
            if not (ma or sr or "Review" in pts or _REVIEW_TITLE.search(title_low)):
                found["rct"] = _rct_from_text(doc)

    if protocol:
        found["protocol"] = protocol
        found["rct"] = found["meta-analysis"] = found["systematic-review"] = None
    found["sham-controlled"] = _sham(doc)
    found["retracted"] = _retracted(article, doc)
    found["registered"] = _registered(article, doc)
    found["pilot"] = _pilot(article, doc)
    return {flag: reason for flag, reason in found.items() if reason}
