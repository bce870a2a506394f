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

from collections.abc import Mapping
from typing import Any

from ..flags import FLAGS, LABELS  # noqa: F401 - re-exported
from .common import (
    _COMMENT_TITLE,
    _REVIEW_TITLE,
    MA_PTS,
    NON_RESEARCH_PTS,
    PROTOCOL_PTS,
    RCT_PTS,
    SR_PTS,
    _Doc,
    nlm_indexed,
)
from .design import _meta_analysis, _rct_from_text, _search_signal, _systematic_review
from .other import _IN_TITLE, _pilot, _protocol, _registered, _retracted, _sham

__all__ = ["FLAGS", "LABELS", "compute_flags", "nlm_indexed"]


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
