"""Evidence flags: which records are trials, reviews, protocols, sham-controlled or retracted.

``compute_flags(article)`` returns ``{flag: reason}`` for the flags that apply, in ``FLAGS``
order. A reason says where the flag came from, so a user can judge it at a glance:

* ``Publication Type: Randomized Controlled Trial`` -- NLM's indexing decided;
* ``text: "were randomly assigned"`` -- the phrase in the title or abstract that matched;
* ``MeSH: Pilot Projects``, ``RetractionIn: <notice>``, ``registry: ClinicalTrials.gov/NCT...``.

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
      validation sets, animal experiments ("rats were randomly divided": NLM does not index
      them as trials), reviews and meta-analyses, protocols, and letters and comments about a
      trial. Secondary, post hoc and follow-up analyses of a randomized trial ARE flagged: they
      report randomized data, Cochrane counts them as reports of the trial and NLM indexes
      many of them as "Randomized Controlled Trial" (Wieland et al., BMJ 2012;344:d7501); the
      reason quotes the phrase, e.g. ``text: "data from a randomized controlled trial"``.
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
      Streitberger or Park sham needles, non-acupoint controls. In animal experiments only a
      sham *needling or stimulation* counts, not a sham operation.
    - ``retracted``: Publication Type "Retracted Publication", a ``RetractionIn`` notice, or a
      title starting "RETRACTED". "Retraction of Publication" is the notice itself: not flagged.
    - ``registered``: a trial or review registry number in the record (DataBank / SI) or the
      abstract (NCT, ChiCTR, ISRCTN, ACTRN, PROSPERO CRD, INPLASY, ...).
    - ``pilot``: MeSH "Pilot Projects", or a pilot or feasibility study/trial in the text.

The module is imported by quick commands: standard library only, regexes compiled at import,
and cheap substring tests before any regex so most records cost a few microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FLAGS: tuple[str, ...] = (
    "rct",
    "meta-analysis",
    "systematic-review",
    "protocol",
    "sham-controlled",
    "retracted",
    "registered",
    "pilot",
)

LABELS: dict[str, str] = {
    "rct": "RCT",
    "meta-analysis": "MA",
    "systematic-review": "SR",
    "protocol": "protocol",
    "sham-controlled": "sham",
    "retracted": "RETRACTED",
    "registered": "reg",
    "pilot": "pilot",
}

# --- Publication Types ---------------------------------------------------------------------

RCT_PTS = (
    "Randomized Controlled Trial",
    "Randomized Controlled Trial, Veterinary",
    "Pragmatic Clinical Trial",
)
MA_PTS = ("Meta-Analysis", "Network Meta-Analysis")
SR_PTS = ("Systematic Review",)
PROTOCOL_PTS = ("Clinical Trial Protocol",)
RETRACTED_PT = "Retracted Publication"

# Publication Types present before NLM indexes a record (publisher-supplied, derived from
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
# Kinds of article that report no study of their own: when NLM has not indexed the record,
# a letter about a trial must not become a trial.
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


# --- shared text helpers ---------------------------------------------------------------------

_I = re.IGNORECASE
_WS = re.compile(r"\s+")
_BOUNDARY_LEFT = re.compile(r"(?:[.?!;:]\s|\n)(?!.*(?:[.?!;:]\s|\n))", re.DOTALL)


def _quote(match: re.Match[str], limit: int = 70) -> str:
    phrase = _WS.sub(" ", match.group(0)).strip(" ,;:")
    if len(phrase) > limit:
        phrase = phrase[: limit - 3].rstrip() + "..."
    return f'text: "{phrase}"'


def _left(text: str, pos: int, width: int = 70) -> str:
    """The text before ``pos`` in the same sentence (at most ``width`` characters)."""
    seg = text[max(0, pos - width) : pos]
    cut = max(seg.rfind(". "), seg.rfind("? "), seg.rfind("; "), seg.rfind(": "), seg.rfind("\n"))
    return seg[cut + 1 :] if cut >= 0 else seg


def _right(text: str, pos: int, width: int = 90) -> str:
    """The text after ``pos`` in the same sentence (at most ``width`` characters)."""
    seg = text[pos : pos + width]
    ends = [i for i in (seg.find(". "), seg.find("? "), seg.find("; "), seg.find("\n")) if i >= 0]
    return seg[: min(ends)] if ends else seg


# Words just before a design phrase that make it someone else's study, or a wish.
_OTHER_STUDY = re.compile(
    r"\b(?:previous(?:ly)?|prior|earlier|preceding|recent(?:ly)?|published|existing|landmark|"
    r"future|further|larger|large-scale|well[- ]designed|well[- ]conducted|high[- ]quality|"
    r"rigorous(?:ly)?|adequately|properly|definitive|need|needs|needed|lack|lacking|absence|"
    r"no|few|without|several|many|numerous|other|another|similar|unlike|than|"
    r"propose|proposed|planned|plan|design|designing|warrant|warrants|require|requires|"
    r"should|would|could|must|cited|reported by|according to|based on the results of)\b[^.]*$",
    _I,
)
# ... and words after it.
_CALL_FOR = re.compile(
    r"^[^.]*?\b(?:(?:is|are|be|remain|remains|seem|seems)\s+(?:still\s+|now\s+|urgently\s+|"
    r"therefore\s+|thus\s+|clearly\s+|also\s+)?(?:needed|warranted|required|necessary|"
    r"recommended|justified|called for|lacking|needed)|should\s+be\s+(?:conducted|performed|"
    r"undertaken|carried out|done|designed)|(?:have|has)\s+(?:shown|demonstrated|suggested|"
    r"reported|found|confirmed|failed)|showed\s+that|in\s+the\s+future)\b",
    _I,
)
_PLURAL_AFTER = re.compile(r"^[\s,-]*(?:[\w-]+[\s,]+){0,3}?(?:trials|studies|RCTs)\b", _I)
_NEGATED_PREFIX = re.compile(
    r"(?:\bnon|\bquasi|\bpseudo|\bun|\bmendelian|\bnot|\bwithout)[\s-]*$", _I
)

_ANIMAL = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rabbits?|dogs?|canines?|cats|felines?|pigs?|piglets?|swine|"
    r"porcine|sheep|ovine|goats?|cattle|cows?|bovine|calves|heifers?|horses?|equine|ponies|"
    r"beagles?|monkeys?|macaques?|primates?|guinea[- ]pigs?|hamsters?|zebrafish|rodents?|"
    r"chickens?|broilers?|hens|ewes?|lambs?|animals?|Sprague[- ]Dawley|Wistar|C57BL\S*)\b",
    _I,
)
_HUMAN = re.compile(
    r"\b(?:patients?|participants?|volunteers?|women|men|children|adults?|adolescents?|"
    r"infants?|neonates?|newborns?|persons?|people|individuals?|outpatients?|inpatients?|"
    r"girls|boys|students|nurses|physicians|pregnan\w+|elderly|humans?|cases)\b",
    _I,
)


def _is_animal_study(text: str) -> bool:
    """Animals are the subjects and no human participants are mentioned."""
    animals = len(_ANIMAL.findall(text))
    return animals >= 2 and not _HUMAN.search(text)


# Titles of letters, comments and notices (they discuss someone else's study).
_COMMENT_TITLE = re.compile(
    r"^\s*(?:re\s*:|regarding\b|comment(?:ary)?s?\b|reply\b|response\b|in\s+reply|"
    r"in\s+response|letter\b|erratum|correction|corrigendum|retraction\b|retraction\s+note|"
    r"author'?s?'?\s+(?:reply|response)|expression\s+of\s+concern|notice\s+of)"
    r"|\b(?:comment(?:ary)?\s+on|reply\s+to|response\s+to|letter\s+to\s+the\s+editor)\b",
    _I,
)

# --- rct -------------------------------------------------------------------------------------

_HEAD = r"(?:trial|study|RCT|experiment|comparison|investigation|evaluation|design|fashion|manner)"
_STOP = (
    r"(?!(?:trials|studies|RCTs|in|of|from|with|to|the|a|an|and|or|that|which|who|was|were|is|"
    r"are|for|on|by|at|as|this|these|those|patients|participants|subjects|data|evidence)\b)"
)
# "randomised, double-blind, placebo-controlled, parallel-group trial", "randomized-controlled
# study", "randomised phase III trial" -- the head noun is singular.
_RCT_DESIGN = re.compile(
    r"\brandomi[sz]ed(?:[\s,]+|-)(?:(?:and\s+)?" + _STOP + r"[\w/-]+[\s,]+){0,6}?" + _HEAD + r"\b",
    _I,
)
_RCT_ABBR = re.compile(
    r"\b(?:this|our|an|the\s+present|the\s+current)\s+(?:[\w-]+\s+){0,3}?RCT\b(?!s)", _I
)
_RCT_ALLOC = re.compile(
    r"\brandom(?:ly)?[\s-]+(?:assign|allocat|divid|distribut|categori[sz]|placed\b)\w*"
    r"|\b(?:were|was|be|been|being|are|is|we|they|who|participants|patients|subjects|women|men|"
    r"children|adults|individuals|persons|volunteers|infants|eyes|teeth|pairs|clusters|"
    r"practices|schools|villages|wards|hospitals|sites)\s+(?:then\s+|subsequently\s+|further\s+|"
    r"also\s+|prospectively\s+|each\s+|individually\s+|centrally\s+|successfully\s+|"
    r"initially\s+|eventually\s+|equally\s+)?randomi[sz]ed\b"
    r"|\brandomi[sz]ed\s+(?:\(?\d:\d\)?\s+)?(?:to\s+(?:receive|either|one|two|three|four|the|an?|"
    r"\w+\s+(?:group|arm)|\d)|into\b|in\s+a\s+\d|in\s+(?:a\s+)?(?:double|single|triple|blind|"
    r"\d:\d)|at\s+a\s+(?:\d|ratio)|between\b|1:1|2:1|equally|in\s+blocks|by\s+(?:a\s+)?"
    r"(?:computer|block|sealed|opaque|central|envelope|minimi))"
    r"|\b(?:after|at|before|following|prior\s+to|underwent|undergo|undergoing|until|since|from)\s+"
    r"randomi[sz]ation\b"
    r"|\brandomi[sz]ation\s+(?:was|were|is)\s+(?:\w+\s+)?(?:performed|done|stratified|carried|"
    r"conducted|generated|achieved|implemented|computer|by|using|based|concealed|centrali[sz]ed)"
    r"|\b(?:block(?:ed)?|stratified|computer[- ]generated|central(?:ized|ised)?|web[- ]based|"
    r"permuted[- ]block|1:1|2:1|minimization|minimisation)\s+randomi[sz]ation\b"
    r"|\brandomi[sz]ation\s+(?:sequence|schedule|list|code|envelope|table|ratio)\b"
    r"|\brandom\s+(?:number|numbers|digit|digits|digital)\s+table"
    r"|\b(?:double|triple)[- ]blind(?:ed)?,?\s+(?:\w+[- ]\w+,?\s+)?(?:placebo|sham)[- ]controlled\b"
    r"|\b(?:placebo|sham)[- ]controlled,?\s+(?:double|triple)[- ]blind(?:ed)?\b",
    _I,
)
# A random split of a data set, not of patients between treatments.
_DATA_SPLIT = re.compile(
    r"\b(?:training|validation|test(?:ing)?\s+(?:set|cohort|group)|derivation|development\s+"
    r"(?:set|cohort)|cross-validation|folds?)\b",
    _I,
)
_SECONDARY = re.compile(
    r"\b(?:secondary|post[- ]hoc|ancillary|exploratory|subgroup|pooled)\s+analys[ie]s\b"
    r"|\bsub-?study\b|\bdata\s+from\b|\bparticipants\s+(?:in|of|from)\b|\bfollow-up\s+of\b",
    _I,
)


def _rct_from_text(text: str, title: str, low: str, animal: bool) -> str | None:
    if "random" not in low and "rct" not in low and "blind" not in low:
        return None
    for regex, check_left in ((_RCT_DESIGN, True), (_RCT_ABBR, True), (_RCT_ALLOC, False)):
        for m in regex.finditer(text):
            start, end = m.span()
            if _NEGATED_PREFIX.search(text[max(0, start - 12) : start]):
                continue
            left = _left(text, start)
            right = _right(text, end)
            if check_left and _OTHER_STUDY.search(left):
                continue
            if _CALL_FOR.search(right) and not _SECONDARY.search(left):
                continue
            if regex is _RCT_DESIGN and _PLURAL_AFTER.match(text, end):
                continue
            if regex is _RCT_ALLOC and _DATA_SPLIT.search(right):
                continue
            if animal or _ANIMAL.search(left):
                continue
            return _quote(m)
    return None


# --- meta-analysis and systematic review ---------------------------------------------------

_MA_WORD = r"meta-?analy(?:sis|tic|sed|zed)"
_MA_TITLE = re.compile(
    r"\b(?:network\s+|bayesian\s+|cumulative\s+|dose[- ]response\s+|individual\s+(?:patient|"
    r"participant)\s+(?:data\s+)?)?meta-?analy(?:sis|tic\s+review|sis\s+and\s+\w+)\b",
    _I,
)
_MA_SELF = re.compile(
    r"\b(?:we|this|the\s+present|the\s+current|our|present|current)\s+(?:[\w-]+,?\s+){0,5}?"
    + _MA_WORD
    + r"(?!\s+(?:of\s+)?(?:by|from|published))"
    r"|\b" + _MA_WORD + r"\s+(?:was|were)\s+(?:then\s+|also\s+|subsequently\s+)?(?:performed|"
    r"conducted|carried\s+out|undertaken|done|used|applied|employed)"
    r"|\b" + _MA_WORD + r"\s+(?:of|on|including|pooling)\s+(?:the\s+)?(?:\d+|two|three|four|five|"
    r"six|seven|eight|nine|ten|eleven|twelve|all|eligible|included)\b"
    r"|(?:^|\n)(?:DESIGN|STUDY\s+DESIGN|METHODS?|DATA\s+SYNTHESIS|SYNTHESIS|"
    r"MATERIALS?\s+AND\s+METHODS?)[^:\n]{0,20}:\s*(?:an?\s+)?(?:[\w-]+\s+){0,4}?" + _MA_WORD,
    _I,
)
_POOLING = re.compile(
    r"\brandom[- ]effects?\s+(?:meta|model|analys)"
    r"|\bfixed[- ]effects?\s+(?:meta|model)"
    r"|\bpooled\s+(?:\w+\s+){0,2}?(?:odds\s+ratios?|ORs?|relative\s+risks?|RRs?|risk\s+ratios?|"
    r"hazard\s+ratios?|HRs?|mean\s+differences?|MDs?|SMDs?|effects?|estimates?|prevalence|"
    r"incidence|sensitivity|specificity|results?|analys[ie]s|data|rates?)\b"
    r"|\b(?:standardi[sz]ed|weighted)\s+mean\s+differences?\b"
    r"|\bforest\s+plots?\b|\bfunnel\s+plots?\b|\bEgger'?s?\s+(?:test|regression)"
    r"|\bI\s?(?:2|²|\^2|\(2\))\s*(?:=|<|>|statistic|value)"
    r"|\bnetwork\s+meta-?analy",
    _I,
)
_SR_TITLE = re.compile(
    r"\bsystematic(?:al)?\s+(?:literature\s+|critical\s+|mapping\s+|integrative\s+)?review\b"
    r"|\bsystematic\s+overview\b|\bumbrella\s+review\b|\boverview\s+of\s+(?:systematic\s+)?"
    r"reviews\b|\bsystematic\s+(?:literature\s+)?search\b",
    _I,
)
_SR_SELF = re.compile(
    r"\b(?:we|this|the\s+present|the\s+current|our|present|current)\s+(?:[\w-]+,?\s+){0,5}?"
    r"systematic(?:al)?\s+(?:literature\s+)?review\b(?!s)"
    r"|\bsystematic\s+(?:literature\s+)?review\s+(?:was|were)\s+(?:then\s+)?(?:performed|conducted|"
    r"carried\s+out|undertaken|done)"
    r"|\b(?:systematic(?:ally)?|comprehensive(?:ly)?)\s+(?:literature\s+)?search(?:ed|es)?\b"
    r"|(?:^|\n)(?:DESIGN|STUDY\s+DESIGN|METHODS?|MATERIALS?\s+AND\s+METHODS?)[^:\n]{0,20}:\s*"
    r"(?:an?\s+)?(?:[\w-]+\s+){0,4}?systematic\s+(?:literature\s+)?review"
    r"|\bPRISMA\b|\bPROSPERO\b",
    _I,
)
_SEARCH = re.compile(
    r"\b(?:searched|searching|search(?:es)?\s+(?:of|in|on|was|were|using|included|strategy)|"
    r"retrieved\s+from|literature\s+search|databases?\s+(?:were|was|including|included))\b",
    _I,
)
_DATABASES = re.compile(
    r"\b(?:PubMed|MEDLINE|Embase|Cochrane|CENTRAL|Web\s+of\s+Science|Scopus|CINAHL|PsycINFO|"
    r"CNKI|Wanfang|VIP|CBM|SinoMed|AMED|LILACS|KoreaMed|KISS|J-STAGE|Google\s+Scholar|"
    r"ClinicalTrials\.gov|Ovid|EBSCO|ProQuest|OpenGrey|PEDro|SPORTDiscus|ERIC)\b",
    _I,
)
_INCLUDED = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|\w+ty"
    r"(?:[- ]\w+)?)\s+(?:[\w-]+\s+){0,3}?(?:studies|trials|RCTs|articles|papers|publications|"
    r"reports|reviews|cohorts)\s+(?:\([^)]{0,60}\)\s+)?(?:were|was|met|fulfilled|involving|"
    r"with|including|comprising|totall?ing)\b"
    r"|\b(?:included|identified|selected|eligible)\s+(?:\d+|two|three|four|five|six|seven|eight|"
    r"nine|ten)\s+(?:[\w-]+\s+){0,3}?(?:studies|trials|RCTs|articles|papers)\b"
    r"|\brisk\s+of\s+bias\b|\bGRADE\b|\bNewcastle[- ]Ottawa\b|\bJadad\b|\bAMSTAR\b"
    r"|\bmethodological\s+quality\b|\binclusion\s+criteria\b|\beligibility\s+criteria\b",
    _I,
)


def _first_own(regex: re.Pattern[str], text: str, check_plural: bool = False) -> str | None:
    """The first match that is about this paper (not a cited or wished-for one)."""
    for m in regex.finditer(text):
        start, end = m.span()
        if _OTHER_STUDY.search(_left(text, start, 50)):
            continue
        inner = m.group(0)
        if re.search(r"\b(?:previous|prior|recent|published|earlier|other|future)\b", inner, _I):
            continue
        if _CALL_FOR.search(_right(text, end)):
            continue
        if check_plural and re.match(r"\s*s\b", text[end : end + 3]):
            continue
        return _quote(m)
    return None


def _reviews_from_text(text: str, title: str, low: str) -> tuple[str | None, str | None]:
    """(meta-analysis reason, systematic-review reason) from the title and abstract."""
    has_meta = "meta" in low
    ma = sr = None
    search = None
    if "search" in low or "database" in low or "retrieved" in low:
        dbs = {d.lower() for d in _DATABASES.findall(text)}
        if len(dbs) >= 2:
            search = _SEARCH.search(text)
    if has_meta:
        m = _MA_TITLE.search(title)
        if m and not _OTHER_STUDY.search(_left(title, m.start(), 40)):
            ma = _quote(m)
        if ma is None:
            ma = _first_own(_MA_SELF, text)
    if ma is None and search is not None:
        m = _POOLING.search(text)
        if m:
            ma = _quote(m)
    if "systematic" in low or "umbrella" in low or "overview" in low:
        m = _SR_TITLE.search(title)
        if m and not _OTHER_STUDY.search(_left(title, m.start(), 40)):
            sr = _quote(m)
    if sr is None and (
        "systematic" in low or "prisma" in low or "prospero" in low or "comprehensive" in low
    ):
        sr = _first_own(_SR_SELF, text)
    if sr is None and search is not None and (ma is not None or _INCLUDED.search(text)):
        sr = _quote(search)
    return ma, sr


# --- protocol ------------------------------------------------------------------------------

_PROTOCOL_STRONG = re.compile(
    r"\b(?:study|trial|review|research|clinical|evaluation)\s+protocol\b(?!\s+(?:was|were|"
    r"deviation|violation|amendment))"
    r"|\bprotocol\s+(?:for|of)\s+(?:an?|the)\s+(?:[\w-]+,?\s+){0,6}?(?:trial|study|review|"
    r"meta-?analysis|RCT|overview|evaluation)\b"
    r"|\brationale,?\s+(?:and|&)\s+(?:study\s+)?design\b|\bdesign,?\s+(?:and|&)\s+rationale\b"
    r"|\b(?:this|the\s+present|the\s+current|our)\s+protocol\s+(?:describes|outlines|presents|"
    r"details|reports|will|is\s+designed|aims)"
    r"|\bwe\s+(?:describe|present|report|outline)\s+(?:the|a|our)\s+(?:[\w-]+\s+){0,4}?protocol\b"
    r"|(?:^|\n)(?:ETHICS\s+AND\s+DISSEMINATION|TRIAL\s+STATUS)\s*:"
    r"|\(protocol\)|:\s*(?:an?\s+)?(?:[\w-]+\s+){0,3}?protocol\s*\.?\s*$",
    _I | re.MULTILINE,
)
_PROTOCOL_FUTURE = re.compile(
    r"\b(?:will|shall)\s+be\s+(?:\w+\s+)?(?:randomi[sz]ed|randomly|recruited|enrolled|searched|"
    r"allocated|assigned|included|screened|selected|extracted)\b"
    r"|\bwe\s+will\s+(?:\w+\s+)?(?:search|conduct|recruit|enrol|enroll|randomi[sz]e|include|"
    r"perform|undertake|carry\s+out|systematically|screen|extract|pool)\b"
    r"|\b(?:this|the)\s+(?:[\w-]+\s+){0,4}?(?:trial|study|review)\s+will\s+(?:be\s+)?"
    r"(?:recruit|enrol|enroll|randomi[sz]e|include|evaluate|assess|investigate|compare|"
    r"examine|determine|provide|conducted|performed|carried)",
    _I,
)


def _protocol(text: str, title: str, low: str) -> tuple[str | None, bool]:
    """(reason, strong) for a protocol; strong means the paper says so in so many words."""
    if (
        "protocol" in low
        or "rationale" in low
        or "ethics and dissemination" in low
        or ("trial status" in low)
    ):
        m = _PROTOCOL_STRONG.search(title) or _PROTOCOL_STRONG.search(text)
        if m:
            return _quote(m), True
    if "will" in low:
        m = _PROTOCOL_FUTURE.search(text)
        if m:
            return _quote(m), False
    return None, False


# --- sham, registration, pilot ---------------------------------------------------------------

_SHAM_NEEDLING = (
    r"acupuncture|electro-?acupuncture|needl\w*|needles?|EA|TEAS|TENS|laser|moxibustion|"
    r"acupressure|acupoints?|points?|stimulation|cupping|electrical\s+stimulation|tDCS|r?TMS|"
    r"t?a?VNS|intervention|treatment|device|procedure"
)
_SHAM = re.compile(
    r"\bsham(?:[- ](?:controlled|acupuncture|electro-?acupuncture|needl\w*|[\w-]+))?\b"
    r"(?!\s+(?:Shui|Tseng|Chun|Wan)\b)"
    r"|\bplacebo[- ](?:acupuncture|electro-?acupuncture|needl\w*|needles?|laser|TENS|acupressure|"
    r"moxibustion|points?|stimulation|device)\b"
    r"|\b(?:minimal|superficial|shallow|non-?penetrat\w*|non-?insertive|retractable|"
    r"blunt(?:ed)?)[- ](?:acupuncture|needl\w*|needles?|insertion|electro-?acupuncture)\b"
    r"|\bStreitberger\b|\bPark\s+sham\b|\bnon-?acupoints?\b|\bnon-?acupuncture\s+points?\b",
    _I,
)
_SHAM_ANIMAL_OK = re.compile(
    r"\bsham[- ](?:" + _SHAM_NEEDLING + r")\b|\bplacebo[- ]|\bnon-?acup|\bminimal|\bsuperficial|"
    r"\bStreitberger|\bPark",
    _I,
)
_SHAM_NEG_LEFT = re.compile(
    r"\b(?:no|without|lack\s+of|lacking|absence\s+of|future|further|other|previous|few)\s+"
    r"(?:[\w-]+\s+){0,2}$",
    _I,
)


def _sham(text: str, low: str, animal: bool) -> str | None:
    if not any(w in low for w in ("sham", "placebo", "needl", "acupoint", "streitberger", "park")):
        return None
    for m in _SHAM.finditer(text):
        if _SHAM_NEG_LEFT.search(_left(text, m.start(), 40)):
            continue
        if _CALL_FOR.search(_right(text, m.end(), 60)):
            continue
        if animal and not _SHAM_ANIMAL_OK.match(m.group(0)):
            continue
        return _quote(m)
    return None


_REGISTRY_ID = re.compile(
    r"\b(?:NCT\d{8}|ChiCTR[-A-Z]*\d{6,}|ChiMCTR\d+|ITMCTR\d+|ISRCTN\s?\d{8}|ACTRN\d{14}|"
    r"DRKS\d{8}|KCT\d{7}|CRD\s?\d{11}|UMIN\d{9}|JPRN-[A-Za-z]+\d+|jRCT\w*\d{6,}|IRCT\d+N?\d*|"
    r"CTRI/\d{4}/\d+/\d+|TCTR\d{11}|PACTR\d{15}|EudraCT\s*(?:No\.?|number:?)?\s*\d{4}-\d{6}-\d{2}|"
    r"INPLASY\s?\d{9}|NTR\s?\d{3,}|RBR-\w+|RPCEC\d+|SLCTR/\d{4}/\d+|LBCTR\d+|CRiS\s?KCT\d+)",
)


def _registered(article: Mapping[str, Any], text: str) -> str | None:
    numbers = article.get("registry_numbers") or []
    if numbers:
        shown = ", ".join(numbers[:2]) + (", ..." if len(numbers) > 2 else "")
        return f"registry: {shown}"
    m = _REGISTRY_ID.search(text)
    return _quote(m) if m else None


_PILOT = re.compile(
    r"\bpilot(?:[- ](?:and\s+)?feasibility)?[\s,-]+(?:(?!trials|studies)[\w-]+,?\s+){0,4}?"
    r"(?:study|trial|RCT|investigation|project|experiment|evaluation)\b"
    r"|\bfeasibility(?:\s+and\s+(?:pilot|acceptability|safety))?\s+(?:(?!trials|studies)"
    r"[\w-]+,?\s+){0,3}?(?:study|trial|RCT)\b"
    r"|\b(?:pilot|feasibility)\s+randomi[sz]ed\b",
    _I,
)


def _pilot(article: Mapping[str, Any], text: str, low: str) -> str | None:
    if "Pilot Projects" in (article.get("mesh") or ()):
        return "MeSH: Pilot Projects"
    if "pilot" not in low and "feasib" not in low:
        return None
    for m in _PILOT.finditer(text):
        if _OTHER_STUDY.search(_left(text, m.start(), 40)):
            continue
        if _CALL_FOR.search(_right(text, m.end(), 60)):
            continue
        return _quote(m)
    return None


# --- retraction ------------------------------------------------------------------------------

_RETRACTED_TITLE = re.compile(r"^\s*\[?\s*retracted\b(?!\s+(?:publication|article)s?\b)", _I)


def _retracted(article: Mapping[str, Any], title: str) -> str | None:
    if RETRACTED_PT in (article.get("publication_types") or ()):
        return f"Publication Type: {RETRACTED_PT}"
    for cc in article.get("comments_corrections") or ():
        if cc.get("type") == "RetractionIn":
            source = " ".join((cc.get("source") or "").split())
            if cc.get("pmid") and cc["pmid"] not in source:
                source = f"{source} PMID: {cc['pmid']}".strip()
            return f"RetractionIn: {source}" if source else "RetractionIn"
    m = _RETRACTED_TITLE.search(title)
    if m:
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
    title = " ".join((article.get("title") or "").split())
    abstract = article.get("abstract") or ""
    text = f"{title}\n{abstract}" if abstract else title
    low = text.lower()
    pts = list(article.get("publication_types") or ())
    animal = (
        "rat" in low
        or "mice" in low
        or "mouse" in low
        or "animal" in low
        or "dog" in low
        or "pig" in low
        or "rabbit" in low
    ) and _is_animal_study(text)

    found: dict[str, str | None] = dict.fromkeys(FLAGS)

    protocol, protocol_strong = _protocol(text, title, low)
    pt_protocol = _first_pt(pts, PROTOCOL_PTS)

    if nlm_indexed(article):
        found["rct"] = _first_pt(pts, RCT_PTS)
        found["meta-analysis"] = _first_pt(pts, MA_PTS)
        found["systematic-review"] = _first_pt(pts, SR_PTS)
        design_from_pt = any(found[f] for f in ("rct", "meta-analysis", "systematic-review"))
        if pt_protocol:
            protocol = pt_protocol
        elif protocol and not protocol_strong and design_from_pt:
            protocol = None  # "will be" in a results paper NLM indexed as a trial or review
    else:
        if pt_protocol:
            protocol = pt_protocol
        not_research = any(pt in NON_RESEARCH_PTS for pt in pts) or bool(
            _COMMENT_TITLE.search(title)
        )
        if not not_research:
            ma, sr = _reviews_from_text(text, title, low)
            found["meta-analysis"], found["systematic-review"] = ma, sr
            review = (
                bool(ma or sr)
                or "Review" in pts
                or bool(re.search(r"\b(?:review|overview|meta-?analy)", title, _I))
            )
            if not review:
                found["rct"] = _rct_from_text(text, title, low, animal)

    if protocol:
        found["protocol"] = protocol
        found["rct"] = found["meta-analysis"] = found["systematic-review"] = None
    found["sham-controlled"] = _sham(text, low, animal)
    found["retracted"] = _retracted(article, title)
    found["registered"] = _registered(article, text)
    found["pilot"] = _pilot(article, text, low)
    return {flag: reason for flag, reason in found.items() if reason}
