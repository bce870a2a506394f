"""Citations of real PubMed records written in the styles blog authors copy (issue 28.4).

Every record of ../shared/realdata's PubMed XML that carries what an exact citation needs
(authors with initials, title, year, volume, pages, NLM's ISO abbreviation, MedlineTA and
full journal title) is written in four styles, from the record's own fields:

- ``vancouver``: PubMed's own "Cite" (NLM) form, the journal as MedlineTA (no dots):
  ``Surname AB, Other C. Title. Orthop Clin North Am. 2004;35(2):223-30.``
- ``vancouver-dots``: the same with the ISO abbreviation as NLM writes it, dots included:
  ``... Title. Orthop. Clin. North Am. 2004;35(2):223-30.``
- ``apa``: APA 7, the full journal title in title case, pages in full:
  ``Surname, A. B., & Other, C. (2004). Title. Orthopedic Clinics of North America, 35(2),
  223-230.``
- ``ama``: AMA 11, at most six authors (else three and "et al"), the ISO abbreviation
  without dots, pages in full, the DOI: ``... Orthop Clin North Am. 2004;35(2):223-230.
  doi:10.1016/...``

Nothing is invented: every part is a field of a real record. Used by tests/test_verify.py
(each style's false mismatches) and benchmarks/verify_journals.py (the counts).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from eutils_server import REALDATA, split_records

from acutrack.article import Article
from acutrack.pubmed.records import article_from_element
from acutrack.pubmed.references import split_pages

STYLES = ("vancouver", "vancouver-dots", "apa", "ama")
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}
PERSON_RE = re.compile(r"^(?P<surname>.+?) (?P<initials>[A-Z]{1,4})$")


@dataclass
class Cited:
    """A real record and the journal names NLM gives it."""

    record: Article
    raw: bytes
    iso: str  # ISOAbbreviation, dots as NLM writes them
    ta: str  # MedlineJournalInfo/MedlineTA
    title: str  # the journal's full title (Journal/Title)


def _text(raw: bytes, tag: bytes) -> str | None:
    m = re.search(rb"<" + tag + rb">([^<]+)</" + tag + rb">", raw)
    return html.unescape(m.group(1).decode()).strip() if m else None


def exact_records(root: Path = REALDATA) -> Iterator[Cited]:
    """Every record in realdata's XML files that an exact citation can be written for,
    once each (by PMID), in file order."""
    seen: set[str] = set()
    for path in sorted(root.rglob("*.xml*")):
        try:
            found = split_records(path)
        except OSError:
            continue
        for pmid, raw in found.items():
            if pmid in seen:
                continue
            seen.add(pmid)
            record = article_from_element(ElementTree.fromstring(raw))
            iso, ta, title = _text(raw, b"ISOAbbreviation"), _text(raw, b"MedlineTA"), None
            journal = re.search(rb"<Journal>.*?</Journal>", raw, re.S)
            if journal:
                title = _text(journal.group(0), b"Title")
            if record is None or not (iso and ta and title):
                continue
            if not (record["title"] and record["year"] and record["volume"] and record["pages"]):
                continue
            if not record["authors"] or not all(PERSON_RE.match(a) for a in record["authors"]):
                continue
            yield Cited(record, raw, iso, ta, title)


def _title(record: Article) -> str:
    title = " ".join(record["title"].split())
    return title if title.endswith((".", "?", "!")) else title + "."


def _full_pages(pages: str) -> str:
    first, last = split_pages(pages)
    return f"{first}-{last}" if last else first or pages


def _volume_issue(record: Article) -> str:
    return record["volume"] + (f"({record['issue']})" if record["issue"] else "")


def _vancouver_authors(record: Article, most: int, shown: int) -> str:
    names = record["authors"]
    if len(names) > most:
        return ", ".join(names[:shown]) + ", et al"
    return ", ".join(names)


def _apa_author(short: str) -> str:
    m = PERSON_RE.match(short)
    assert m is not None
    return f"{m['surname']}, " + " ".join(f"{c}." for c in m["initials"])


def _apa_authors(record: Article) -> str:
    names = [_apa_author(a) for a in record["authors"]]
    if len(names) > 20:  # APA 7: the first 19, an ellipsis, the last
        return ", ".join(names[:19]) + ", ... " + names[-1]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _title_case(title: str) -> str:
    words = title.split()
    return " ".join(
        w if i and w.lower() in SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def citation(cited: Cited, style: str) -> str:
    """The record ``cited`` as a reference in ``style`` (one of STYLES)."""
    r = cited.record
    where = f"{r['year']};{_volume_issue(r)}"
    if style == "vancouver":
        return f"{_vancouver_authors(r, 6, 6)}. {_title(r)} {cited.ta}. {where}:{r['pages']}."
    if style == "vancouver-dots":
        journal = cited.iso if cited.iso.endswith(".") else cited.iso + "."
        return f"{_vancouver_authors(r, 6, 6)}. {_title(r)} {journal} {where}:{r['pages']}."
    if style == "apa":
        journal = _title_case(cited.title.rstrip("."))
        return (
            f"{_apa_authors(r)} ({r['year']}). {_title(r)} {journal}, {_volume_issue(r)}, "
            f"{_full_pages(r['pages'])}."
        )
    if style == "ama":
        journal = " ".join(cited.iso.replace(".", " ").split())
        doi = f" doi:{r['doi']}" if r["doi"] else ""
        return (
            f"{_vancouver_authors(r, 6, 3)}. {_title(r)} {journal}. "
            f"{where}:{_full_pages(r['pages'])}.{doi}"
        )
    raise ValueError(style)
