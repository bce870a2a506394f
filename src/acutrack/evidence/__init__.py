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
      language ("were randomly assigned", "patients were randomized to", "we randomized 120
      patients", "randomized to: A, B or C", a sentence opening "Randomly, ...", "randomly
      selected ... to receive", "after randomization", "random number table"), a title
      opening with the number of randomized trials it reports, or a blinded design of this
      study ("double-blind crossover trial", "single-blind, double-dummy study") together
      with a placebo, sham, saline or vehicle arm.
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
      databases together with pooling, or with counted included studies or risk-of-bias
      appraisal when the title does not name the paper another kind of review ("Results of
      a Literature Review", "a narrative review": PRISMA asks a systematic review to say so in
      its title). The reason names the search, its databases and what went with it
      (``text: "search of" (MEDLINE, Scopus) with "identified 38 ... trials"``).

    - ``possible-rct`` (lower confidence, never counted as ``rct``): Publication Type
      "Controlled Clinical Trial" when indexed; otherwise, when ``rct`` did not fire, a
      blinded design without a placebo arm, a placebo or sham comparison in people, or a
      quasi-/pseudo-randomised or "controlled trial" design.
    Letters, comments and notices (their Publication Types, a title in a notice form --
    "Correction:", "Erratum", "Reply to", "Comment on" -- or a CommentOn, ErratumFor,
    RetractionOf link) and titles naming a review design get no design flag from the text.

Trial size: ``trial_size(article, flags)`` / ``sample_size(article)`` (module ``size``), the
number randomized or enrolled as the abstract states it, for ``rct`` and ``possible-rct``;
``trial_size_and_source`` adds the abstract's fragment it was read from.

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
    - ``concern``: an expression of concern was published about the article (a link to the
      notice, ``ExpressionOfConcernIn`` or, as some MEDLINE exports have it,
      ``ExpressionOfConcernFor``). The article keeps its design flags and stays evidence. The
      notice itself (Publication Type or title "Expression of Concern", no abstract of its own
      results) is decided by the record, not by the link's direction, and gets no flag.
    - ``registered``: a trial or review registry number in the record (DataBank / SI) or the
      abstract (NCT, ChiCTR, ISRCTN, ACTRN, PROSPERO CRD, INPLASY, ...).
    - ``pilot``: MeSH "Pilot Projects", or a pilot or feasibility study/trial in the text.

Conclusion: ``conclusion(article)`` (module ``conclusions``), the abstract's conclusion
section or closing finding sentences, or None; stored as the ``conclusion`` column.

Comparators: ``comparators(article, flags)`` (module ``comparators``), what a trial was
compared against (placebo, sham, no-treatment, usual-care, active), None for non-trials;
stored as the JSON ``comparators`` column, its names also rows of ``article_comparators``.

Modules: ``text`` (the document and context tests), ``rct`` (rct and possible-rct),
``reviews`` (meta-analysis, systematic review), ``other`` (protocol, sham, registered, pilot,
retracted), ``size`` (trial size); this module combines them. Flag names, badges and the rest
live in ``acutrack.flags``.

The package is imported by quick commands: standard library only, regexes compiled at import.
Regexes run on the lower-cased text (re.IGNORECASE is slow) and are anchored at keywords found
with ``str.find``, so a record costs about 50 microseconds (about 20,000 records a second).
``benchmarks/evidence_accuracy.py`` measures the text rules against NLM's indexing.

May import only the core (``flags``, ``article``, ``errors``): pure functions of a record,
never the store, the views, ``pubmed``, ``digest`` or ``cli``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import flags as _registry
from ..flags import FLAGS, LABELS  # noqa: F401 - re-exported
from . import conclusions as conclusions
from .comparators import comparators as comparators
from .conclusions import conclusion as conclusion
from .conclusions import sentences as sentences
from .other import (
    _IN_TITLE,
    _concern,
    _pilot,
    _protocol,
    _registered,
    _retracted,
    _sham,
    concern_notice,
)
from .other import RETRACTED_PT as RETRACTED_PT
from .rct import _rct_from_text, possible_rct
from .reviews import _meta_analysis, _search_signal, _systematic_review
from .size import sample_size as sample_size
from .size import sample_size_and_source
from .text import _COMMENT_TITLE, _REVIEW_TITLE, NOTICE_LINKS, _Doc

# --- Publication Types -----------------------------------------------------------------------

RCT_PTS = (
    "Randomized Controlled Trial",
    "Randomized Controlled Trial, Veterinary",
    "Pragmatic Clinical Trial",
)
# NLM's type for a controlled trial whose allocation is not (stated to be) random.
CCT_PTS = ("Controlled Clinical Trial",)
MA_PTS = ("Meta-Analysis", "Network Meta-Analysis")
SR_PTS = ("Systematic Review",)
PROTOCOL_PTS = ("Clinical Trial Protocol",)

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


# --- entry point -----------------------------------------------------------------------------


def _first_pt(pts: list[str], wanted: tuple[str, ...]) -> str | None:
    for pt in wanted:
        if pt in pts:
            return f"Publication Type: {pt}"
    return None


# Flags whose articles report a trial, so their size is looked for.
SIZED_FLAGS = ("rct", "possible-rct")


def trial_size(article: Mapping[str, Any], flags: Mapping[str, str] | list[str]) -> int | None:
    """``sample_size`` of a record flagged as a trial (``rct`` or ``possible-rct``), else None."""
    if not any(f in flags for f in SIZED_FLAGS):
        return None
    return sample_size(article)


def trial_size_and_source(
    article: Mapping[str, Any], flags: Mapping[str, str] | list[str]
) -> tuple[int | None, str | None]:
    """``trial_size`` and the abstract's fragment it was read from ((None, None) if unknown)."""
    if not any(f in flags for f in SIZED_FLAGS):
        return None, None
    return sample_size_and_source(article)


def _is_notice(article: Mapping[str, Any], pts: list[str], title_low: str) -> bool:
    """A letter, comment, erratum or retraction notice: it reports no study of its own."""
    if any(pt in NON_RESEARCH_PTS for pt in pts) or _COMMENT_TITLE.search(title_low):
        return True
    if concern_notice(article, title_low):
        return True
    return any(cc.get("type") in NOTICE_LINKS for cc in article.get("comments_corrections") or ())


def is_notice(article: Mapping[str, Any]) -> bool:
    """True for a letter, comment, editorial, erratum, retraction or concern notice (by its
    Publication Types, a title in a notice form or a notice link): the one notice test, for
    lists that set notices apart (the report's newest arrivals)."""
    title_low = " ".join((article.get("title") or "").split()).lower()
    return _is_notice(article, list(article.get("publication_types") or ()), title_low)


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
        if found["rct"] is None:
            found["possible-rct"] = _first_pt(pts, CCT_PTS)
        if pt_protocol:
            protocol = pt_protocol
        elif protocol and protocol_level < _IN_TITLE and any(found.values()):
            protocol = None  # NLM indexed results; only a title saying "protocol" overrides it
    else:
        if pt_protocol:
            protocol = pt_protocol
        title_low = doc.low[: doc.title_end]
        if not _is_notice(article, pts, title_low):
            search = _search_signal(doc)
            ma = _meta_analysis(doc, search)
            sr = _systematic_review(doc, search, ma)
            found["meta-analysis"], found["systematic-review"] = ma, sr
            review_title = ("review" in title_low or "meta" in title_low) and bool(
                _REVIEW_TITLE.search(title_low)
            )
            if not (ma or sr or "Review" in pts or review_title):
                found["rct"] = _rct_from_text(doc)
                if found["rct"] is None and search is None:  # a review's search names placebo
                    found["possible-rct"] = possible_rct(doc)

    if protocol:
        found["protocol"] = protocol
        found["rct"] = found["possible-rct"] = None
        found["meta-analysis"] = found["systematic-review"] = None
    found["sham-controlled"] = _sham(doc)
    found["retracted"] = _retracted(article, doc)
    found["concern"] = _concern(article, doc.low[: doc.title_end])
    found["registered"] = _registered(article, doc)
    found["pilot"] = _pilot(article, doc)
    return {flag: reason for flag, reason in found.items() if reason}


# --- derived columns ---------------------------------------------------------------------------

# What the store keeps beside an article's own fields, computed from them by ``derive``: one
# column each in the articles table. A value that is a list or a dict is stored as JSON. Adding
# a derived value means adding its key here and to ``derive``, a migration that only adds the
# column, and a bump of ``derivation.RULES`` (as for any change of what ``derive`` returns):
# every writing command then recomputes the stored rows once (``store.derived``).
# ``evidence_tier`` is the article's tier key (``flags.tier_of``) and ``evidence_rank`` its
# position in ``flags.TIERS``: what every listing sorts by, so SQL never tests a flag name.
DERIVED: tuple[str, ...] = (
    "flags",
    "flag_reasons",
    "sample_size",
    "evidence_tier",
    "evidence_rank",
    "sample_size_source",
    "conclusion",
    "comparators",
)
# The article fields ``derive`` reads: what ``store.derived`` loads from the stored rows.
DERIVED_FROM: tuple[str, ...] = (
    "title",
    "abstract",
    "abstract_sections",
    "publication_types",
    "mesh",
    "comments_corrections",
    "registry_numbers",
)


def derive(article: Mapping[str, Any]) -> dict[str, Any]:
    """Every ``DERIVED`` value of ``article``, computed once (on write and by
    ``store.derived.recompute``)."""
    reasons = compute_flags(article)
    size, source = trial_size_and_source(article, reasons)
    # Through the module, not imported names: a test reordering flags.TIERS is followed.
    tier = _registry.tier_of(reasons)
    return {
        "flags": list(reasons),
        "flag_reasons": reasons,
        "sample_size": size,
        "evidence_tier": tier,
        "evidence_rank": _registry.tier_rank(tier),
        # the fragment of the abstract the size was read from, so a reader can check it
        "sample_size_source": source,
        "conclusion": conclusion(article),
        "comparators": comparators(article, reasons),  # trials only; None for the rest
    }
