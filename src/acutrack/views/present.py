"""How an article is presented, the same in every view: its badges, tier, flag titles,
citation lines, notices and trial size (links: ``acutrack.article``, which the store shares).

Plain strings: the terminal styles them with rich, the HTML templates escape them, the exports
quote them. Each fact is read from the flag registry (``acutrack.flags``) when it is asked
for, never copied into a table here, so a flag or tier added to the registry reaches every
view. Standard library only: quick commands import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .. import flags
from ..article import StoredArticle, clean, end_sentence, one_line

# --- badges and tiers -----------------------------------------------------------------------


def badge_flags(names: Iterable[str] | None) -> list[str]:
    """An article's flags in badge order (a retraction first, then the strength of the
    design; unknown names last, as they are)."""
    names = list(names or [])
    order = flags.BADGE_ORDER
    return [f for f in order if f in names] + [f for f in names if f not in order]


def badge_label(flag: str) -> str:
    """The badge of a flag ("RCT", "sham", "RETRACTED"); an unknown name as it is, cleaned."""
    return flags.LABELS.get(flag, clean(flag))


def type_labels(names: Iterable[str] | None) -> list[str]:
    """The badges of an article's flags, in badge order."""
    return [flags.LABELS.get(f, f) for f in badge_flags(names)]


def badge_style(flag: str) -> str:
    """The terminal style of a flag's badge ("" for an unknown flag)."""
    return flags.STYLES.get(flag, "")


def badge_colour(flag: str) -> str:
    """The HTML colour of a flag's badge (grey for an unknown flag)."""
    return flags.COLOURS.get(flag, "#666666")


def flag_title(flag: str) -> str:
    """A flag's name in words ("Sham-controlled"), else its badge, else the name."""
    return flags.TITLES.get(flag, flags.LABELS.get(flag, flag))


def flag_items(article: StoredArticle) -> list[tuple[str, str, str]]:
    """(flag, title, reason) of each of the article's flags, in the registry's order."""
    reasons = article.flag_reasons
    return [
        (f, flag_title(f), one_line(reasons.get(f, ""))) for f in flags.FLAGS if f in article.flags
    ]


def tier(article: StoredArticle) -> flags.Tier | None:
    """The article's evidence tier (None only for a key the registry no longer has)."""
    return flags.TIER_BY_KEY.get(article.evidence_tier)


# --- citation lines -------------------------------------------------------------------------


def first_author(article: StoredArticle) -> str:
    """ "Smith J et al." from the short author names."""
    authors = article.authors
    if not authors:
        return ""
    return one_line(authors[0]) + (" et al." if len(authors) > 1 else "")


def authors_line(authors: Sequence[str], most: int = 3) -> str:
    """ "Li X, Wu Y, Chen Z, et al.": at most ``most`` names."""
    names = [one_line(a) for a in authors if one_line(a)]
    if not names:
        return "(no authors listed)"
    shown = ", ".join(names[:most])
    return shown + (", et al." if len(names) > most else "")


def source_line(article: StoredArticle) -> str:
    """ "Arthritis research & therapy, 2021": the journal's full name and the year."""
    journal = one_line(article.journal or article.journal_abbrev)
    year = str(article.year or "")
    return ", ".join(p for p in (journal, year) if p)


def citation(article: StoredArticle) -> str:
    """'Arthritis Res Ther. 2021 May 3;23(1):130-41.'"""
    journal = clean(article.journal_abbrev or article.journal)
    when = clean(article.pub_date or article.year or "")
    where = clean(article.volume or "")
    if article.issue:
        where += f"({clean(article.issue)})"
    if article.pages:
        where += f":{clean(article.pages)}"
    # Every part ends in one stop: an abbreviated journal ('J. Clin. Oncol.') brings its own.
    out = f"{end_sentence(journal)} {when}".strip() if journal else when
    return end_sentence(out + (f";{where}" if where else ""))


def page_range(pages: str | None) -> tuple[str, str]:
    """MEDLINE pagination as (first, last) page: '123-30' -> ('123', '130')."""
    pages = one_line(pages)
    if not pages:
        return "", ""
    first, _, last = pages.partition(",")[0].partition("-")
    first, last = first.strip(), last.strip()
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


# --- trial size -----------------------------------------------------------------------------


def size_phrase(article: StoredArticle) -> str:
    """'120 randomized or enrolled (from the abstract)', or '' when the size is unknown."""
    size = article.sample_size
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    return f"{size:,} randomized or enrolled (from the abstract)"


def size_source(article: StoredArticle) -> str:
    """The abstract's fragment the trial size was read from, quoted, or '' when unknown."""
    source = article.sample_size_source
    if not source or not size_phrase(article):
        return ""
    return f"\N{LEFT DOUBLE QUOTATION MARK}{one_line(source)}\N{RIGHT DOUBLE QUOTATION MARK}"


# --- notices --------------------------------------------------------------------------------

# Kinds of CommentsCorrections that change how far an article can be trusted.
NOTICE_TYPES: dict[str, str] = {
    "RetractionIn": "Retraction in",
    "PartialRetractionIn": "Partial retraction in",
    "ExpressionOfConcernIn": "Expression of concern in",
    "ErratumIn": "Erratum in",
    "CorrectedandRepublishedIn": "Corrected and republished in",
    "RepublishedIn": "Republished in",
    "UpdateIn": "Updated in",
    "RetractionOf": "Retraction of",
    "PartialRetractionOf": "Partial retraction of",
    "ExpressionOfConcernFor": "Expression of concern for",
    "ErratumFor": "Erratum for",
    "CorrectedandRepublishedFrom": "Corrected and republished from",
    "RepublishedFrom": "Republished from",
    "UpdateOf": "Update of",
}
WARNING_NOTICES = frozenset(
    {"RetractionIn", "PartialRetractionIn", "ExpressionOfConcernIn", "RetractionOf"}
)


def comparators_phrase(article: StoredArticle) -> str:
    """'sham, usual care': what a trial was compared against, in words ('' when unknown)."""
    names = article.comparators or ()
    return ", ".join(c.tag for c in flags.COMPARATORS if c.name in names)


def comparator_tag(article: StoredArticle) -> str:
    """'vs sham, usual care': the short tag of tables and lists ('' when unknown)."""
    phrase = comparators_phrase(article)
    return "vs " + phrase if phrase else ""


def notices(article: StoredArticle) -> list[dict[str, Any]]:
    """Retraction, erratum, concern, update and republication notices of an article."""
    found = []
    for item in article.comments_corrections:
        kind = item.get("type") or ""
        if kind in NOTICE_TYPES:
            found.append(
                {
                    "type": kind,
                    "label": NOTICE_TYPES[kind],
                    "source": one_line(item.get("source")),
                    "pmid": one_line(item.get("pmid")) or None,
                    "warning": kind in WARNING_NOTICES,
                }
            )
    return found


def whole_sentences(text: Any, room: int) -> str:
    """``text`` as whole sentences in about ``room`` characters: as many leading sentences as
    fit, and always the first, whole, however long (a conclusion is never cut mid-sentence:
    the digests show it so)."""
    words = one_line(text)
    if len(words) <= room:
        return words
    from ..evidence import sentences  # (the rules' splitter: abbreviations, numbers)

    parts = sentences(words)
    kept = parts[:1]
    for part in parts[1:]:
        if len(" ".join([*kept, part])) > room:
            break
        kept.append(part)
    return " ".join(kept)
