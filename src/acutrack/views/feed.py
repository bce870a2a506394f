"""An Atom feed (RFC 4287) of the newest stored articles, for people who read in a feed reader.

Written with the standard library's ElementTree, which escapes every text and attribute:
PubMed text stays text (a title holding ``<script>`` or ``]]>`` is characters, never markup).
feedgen would add lxml for what is some forty lines here. The entries are what arrived in a
window the subtitle states (``--since``, default the 7 days up to the newest arrival, so the
same database gives the same bytes), evidence first, then the rest by when they were stored.
Each entry: the PubMed title as it is (no bracketed prefix, which would read like PubMed's
translated titles), ``published`` when the record entered PubMed, ``updated`` when acutrack
first stored it, the first author as ``author`` (the next two as ``contributor``), the study
type as a ``category`` (scheme ``STUDY_TYPE``) and each condition as one (scheme
``CONDITION``), the PubMed address as ``id``. The feed's ``updated`` is when the last article
was stored.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from itertools import chain
from typing import Any

from .. import flags, newness
from ..article import StoredArticle, clean, one_line, pubmed_url
from ..article import doi_url as make_doi_url
from . import present
from .present import size_phrase

ATOM = "http://www.w3.org/2005/Atom"
# The schemes of an entry's categories: what kind of study (a tier of flags.TIERS, its key as
# the term and its label as the label), and which condition's query found it.
STUDY_TYPE = "urn:acutrack:study-type"
CONDITION = "urn:acutrack:condition"
# A fixed time for a feed with no entries yet (a feed needs an `updated`; the clock would
# make every run differ).
EPOCH = "1970-01-01T00:00:00Z"
# What XML 1.0 cannot hold at all, after ``article.clean`` removed the control characters:
# lone surrogates and the two non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _text(value: Any, *, fold: bool = True) -> str:
    """PubMed text as safe XML character data (one line unless ``fold`` is False)."""
    text = one_line(value) if fold else clean(value)
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def atom_time(stamp: str | None) -> str | None:
    """A stored ISO time as an RFC 3339 time in UTC (``2026-12-02T18:20:28Z``)."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the store writes UTC
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def badge(row: StoredArticle) -> str:
    """The study type and trial size shown before the title: "Sham RCT · n=120", "RETRACTED",
    or "" for an article of no evidence tier and no size."""
    tier = present.tier(row)
    names = set(row.flags)
    parts = []
    if "retracted" in names:
        parts.append(flags.LABELS["retracted"])
    elif tier is not None and tier.evidence:
        parts.append(tier.label)
    if "concern" in names:
        parts.append(flags.LABELS["concern"])
    size = row.sample_size
    if isinstance(size, int) and not isinstance(size, bool):
        parts.append(f"n={size:,}")
    return " · ".join(parts)


def _summary(row: StoredArticle, labels: dict[str, str]) -> str:
    """Plain text: study type and trial size, the citation, the conclusion, the conditions."""
    tier = present.tier(row)
    kind = [f"Study type: {tier.label if tier else 'Other'}"]
    if "concern" in row.flags:
        kind.append(flags.TITLES["concern"].lower())
    if size_phrase(row):
        kind.append("trial size: " + size_phrase(row))
    authors = [_text(a) for a in row.authors]
    byline = ", ".join(authors[:3]) + (", et al." if len(authors) > 3 else "")
    journal = _text(row.journal_abbrev or row.journal)
    # Each part without its own closing period ("et al.", "J Clin Oncol."), so none doubles.
    parts = (byline, journal, _text(row.year))
    citation = ". ".join(p.rstrip(".") for p in parts if p.rstrip("."))
    conditions = ", ".join(labels.get(c, c) for c in row.conditions)
    lines = ["; ".join(kind) + ".", citation + ("." if citation else "")]
    if row.conclusion:
        lines.append("Conclusion: " + _text(row.conclusion))
    lines.append(f"Found for: {conditions}" if conditions else "")
    return "\n".join(line for line in lines if line)


def _entry(feed: ET.Element, row: StoredArticle, labels: dict[str, str]) -> None:
    entry = _sub(feed, "entry")
    url = pubmed_url(row.pmid)
    _sub(entry, "title", _text(row.title) or f"PMID {row.pmid}", type="text")
    _sub(entry, "id", url)
    stored = atom_time(row.first_seen) or EPOCH
    published = atom_time(row.entrez_date)
    if published:  # when the record entered PubMed (a date: midnight UTC)
        _sub(entry, "published", min(published, stored))
    _sub(entry, "updated", stored)
    _sub(entry, "link", rel="alternate", type="text/html", href=url)
    doi = make_doi_url(row.doi)
    if doi:
        _sub(entry, "link", rel="related", href=doi, title="DOI")
    # One author, the first (a feed reader shows the last of several as "the" author); the
    # next two as contributors.
    names = [_text(n) for n in row.authors[:3]]
    for tag, name in zip(("author", "contributor", "contributor"), names, strict=False):
        _sub(_sub(entry, tag), "name", name)
    tier = present.tier(row)
    if tier is not None:
        _sub(entry, "category", term=tier.key, scheme=STUDY_TYPE, label=badge(row) or tier.label)
    for condition in row.conditions:
        label = labels.get(condition, condition)
        _sub(entry, "category", term=_text(condition), scheme=CONDITION, label=_text(label))
    _sub(entry, "summary", _summary(row, labels), type="text")


def feed_id(conditions: Iterable[str] | None) -> str:
    """A stable id for the feed of these conditions (None: all), the same on every run."""
    key = ",".join(sorted(conditions)) if conditions is not None else "*"
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"acutrack:feed:{key}"))


def pieces(
    rows: Iterable[StoredArticle],
    conditions: list[tuple[str, str]] | None,
    *,
    labels: dict[str, str] | None = None,
    search_url: str | None = None,
    arrived: tuple[int, str, bool, int] | None = None,
    updated: str | None = None,
) -> Iterator[str]:
    """The Atom document for ``rows`` (in the order ``store.newest_stored`` gives them: what
    arrived, evidence first, then by when it was stored) of ``conditions`` as (name, label)
    pairs (None: every condition), one entry at a time: the rows are read as they are
    written. ``labels``: every condition's label by name (queries.toml), for the conditions
    each entry was found for; ``search_url``: PubMed's own results for the condition's
    query, the feed's web page; ``arrived``: (how many arrived, since when, whether that is
    the default window, how many are listed), said in the subtitle in ``acutrack.newness``'s
    words; ``updated``: when the last article was stored (``store.newest_arrival``)."""
    labels = {**(labels or {}), **dict(conditions or [])}
    rows = iter(rows)
    first = next(rows, None)
    # Plain tag names under an xmlns attribute: the serialized document is in the Atom
    # namespace, with no ns0: prefixes and no process-wide ET.register_namespace.
    root = ET.Element("feed", xmlns=ATOM)
    named = ", ".join(label for _, label in conditions) if conditions else "all conditions"
    _sub(root, "title", f"acutrack: newest articles for {_text(named)}", type="text")
    window = ""
    if arrived is not None:
        # (count, since, whether since is the default window): acutrack.newness's words
        count, since, default, listed = arrived
        noun = "article" if count == 1 else "articles"
        window = f"{count:,} {noun} {newness.ARRIVED} since {newness.shown(since)}"
        if default:
            window += f" (the {newness.DEFAULT_DAYS} days up to the newest arrival)"
        window += f"; the first {listed:,} of them here" if listed < count else ""
        window += ". "
    _sub(
        root,
        "subtitle",
        window + "The meta-analyses, systematic reviews and randomized trials first (strongest "
        "first), then the others, newest stored first; each with its study type as a category "
        "and its trial size. Study types come from text rules: open an article before relying "
        "on one.",
        type="text",
    )
    _sub(root, "id", feed_id([n for n, _ in conditions] if conditions is not None else None))
    _sub(root, "updated", atom_time(updated) or EPOCH)
    _sub(_sub(root, "author"), "name", "acutrack")
    _sub(root, "generator", "acutrack", version=version("acutrack"))
    if search_url:
        _sub(root, "link", rel="alternate", type="text/html", href=search_url)
    # The head as ET.indent lays it out, then each entry at the first level: the same bytes
    # as indenting the whole tree, without holding every entry.
    ET.indent(root)
    head = ET.tostring(root, encoding="unicode")
    end = "</feed>"
    yield '<?xml version="1.0" encoding="utf-8"?>\n' + head[: -len(end)]
    for row in chain([first], rows) if first is not None else ():
        holder = ET.Element("feed")
        _entry(holder, row, labels)
        entry = holder[0]
        ET.indent(entry, level=1)
        entry.tail = None
        yield "  " + ET.tostring(entry, encoding="unicode") + "\n"
    yield end + "\n"
