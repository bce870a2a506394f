"""Article lists as text to take elsewhere: JSON, CSV, Markdown, RIS and BibTeX.

Every format treats PubMed text as data: control characters (ESC, BEL, C1 codes) never reach
the output raw, and each format escapes what its readers would otherwise interpret:

- JSON keeps every character; controls come out as ``\\u001b``-style escapes.
- CSV quotes as RFC 4180 says; a text field starting with ``=``, ``+``, ``-`` or ``@`` gets a
  leading apostrophe so spreadsheets show it instead of running it as a formula.
- Markdown backslash-escapes the characters that make links, emphasis, HTML, mentions or
  table cells (``[ ] < > * _ | ...``), so ``<script>`` or ``[x](y)`` show as text.
- RIS and BibTeX fold each value onto one line (a title cannot start a new tag or entry);
  BibTeX escapes ``{ } \\ % & $ # _ ^ ~`` for BibTeX and LaTeX.

The module is imported by quick commands: standard library only, nothing heavy at import.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from .. import flags
from ..article import (
    BIDI_CONTROLS,
    StoredArticle,
    clean,
    doi_url,
    md_escape,
    one_line,
    public_article,
    pubmed_url,
)
from ..errors import UsageError
from .present import badge_flags, first_author, notices, page_range, type_labels

JSON_CONTROL_RE = re.compile(f"[\\x7f-\\x9f\\u2028\\u2029{BIDI_CONTROLS}]")


class UnknownType(UsageError, ValueError):
    """A --type value that names no study type (the CLI exits 2 with this sentence)."""


def resolve_types(values: Iterable[str]) -> list[str]:
    """Selectors (``flags.type_words``) for --type values: flag names, badges or aliases,
    tier keys or labels, or ``evidence``; comma-separated or repeated."""
    words = flags.type_words()
    chosen: list[str] = []
    for value in values:
        for part in value.split(","):
            key = part.strip().lower()
            if not key:
                continue
            if key not in words:
                import difflib

                close = difflib.get_close_matches(key, list(words), n=2, cutoff=0.6)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                tiers = ", ".join(t.key for t in flags.TIERS)
                raise UnknownType(
                    f"Unknown --type '{part.strip()}'; {hint}use a flag ({', '.join(flags.LABELS)}"
                    f"; or RCT, MA, SR, sham, reg), a tier ({tiers}) or evidence"
                )
            chosen += [s for s in words[key] if s not in chosen]
    return chosen


def resolve_comparators(values: Iterable[str]) -> list[str]:
    """Comparator names for --comparator values (a name or its words: "usual care"),
    comma-separated or repeated; exit 2 naming the allowed values for any other."""
    words = {c.name: c.name for c in flags.COMPARATORS} | {c.tag: c.name for c in flags.COMPARATORS}
    chosen: list[str] = []
    for value in values:
        for part in value.split(","):
            key = " ".join(part.strip().lower().split())
            if not key:
                continue
            name = words.get(key) or words.get(key.replace(" ", "-"))
            if name is None:
                raise UsageError(
                    f"Unknown --comparator '{part.strip()}'; use one of "
                    f"{', '.join(flags.COMPARATOR_NAMES)}"
                )
            if name not in chosen:
                chosen.append(name)
    return chosen


# --- formats ---------------------------------------------------------------------------------


def to_json(value: Any) -> str:
    """JSON with every character kept; C1 controls and line separators escaped too."""
    out = json.dumps(value, indent=2, ensure_ascii=False)
    return _json_safe(out) + "\n"


def _json_safe(text: str) -> str:
    return JSON_CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def iter_json(rows: Iterable[StoredArticle]) -> Iterator[str]:
    """``to_json`` of the article objects of ``rows``, one article at a time."""
    yield from json_array(public_article(row) for row in rows)
    yield "\n"


def json_array(items: Iterable[Any], level: int = 0) -> Iterator[str]:
    """``json.dumps(list(items), indent=2)`` (characters kept, controls escaped as in
    ``to_json``) in pieces, one item at a time, for an array nested ``level`` deep: the
    same bytes, each item indented one level deeper than the array."""
    inner = "\n" + "  " * (level + 1)
    started = False
    for item in items:
        text = json.dumps(item, indent=2, ensure_ascii=False)
        yield "," + inner if started else "[" + inner
        yield _json_safe(text.replace("\n", inner))
        started = True
    yield "\n" + "  " * level + "]" if started else "[]"


CSV_FIELDS = (
    "pmid",
    "year",
    "title",
    "authors",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmcid",
    "types",
    "flags",
    "sample_size",
    "publication_types",
    "conditions",
    "new",
    "first_seen",
    "entrez_date",
    "status",
    "url",
    "abstract",
    "conclusion",
    "comparators",
)
FORMULA_START = ("=", "+", "-", "@")


def _csv_text(value: Any) -> str:
    value = clean(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(rows: Iterable[StoredArticle]) -> str:
    """One line per article (quoted where needed); list fields joined with '; '."""
    return "".join(iter_csv(rows))


def iter_csv(rows: Iterable[StoredArticle]) -> Iterator[str]:
    """``to_csv``, the header and then one article's line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                row.pmid,
                row.year or "",
                _csv_text(row.title),
                _csv_text("; ".join(one_line(a) for a in row.authors)),
                _csv_text(row.journal),
                _csv_text(row.journal_abbrev),
                _csv_text(row.volume),
                _csv_text(row.issue),
                _csv_text(row.pages),
                _csv_text(row.doi),
                _csv_text(row.pmcid),
                " ".join(type_labels(row.flags)),
                "; ".join(badge_flags(row.flags)),
                "" if row.sample_size is None else str(row.sample_size),
                _csv_text("; ".join(one_line(p) for p in row.publication_types)),
                "; ".join(row.conditions),
                "yes" if row.new else "",
                row.first_seen or "",
                row.entrez_date or "",
                _csv_text(row.status),
                row.url or "",
                _csv_text(row.abstract),
                _csv_text(one_line(row.conclusion)),
                "; ".join(row.comparators or ()),
            ]
        )
    yield buffer.getvalue()


def to_markdown(rows: Iterable[StoredArticle]) -> str:
    """A Markdown (GitHub-flavoured) table linking each PMID to PubMed, with each study's
    conclusion (empty when its abstract states none)."""
    return "".join(iter_markdown(rows))


def iter_markdown(rows: Iterable[StoredArticle]) -> Iterator[str]:
    """``to_markdown``, one line at a time."""
    yield "| Year | Type | Title | Authors | Journal | PMID | Conclusion |\n"
    yield "| ---: | --- | --- | --- | --- | --- | --- |\n"
    for row in rows:
        title = md_escape(row.title)
        if row.doi:
            title += f" ([doi]({doi_url(row.doi)}))"
        yield (
            "| "
            + " | ".join(
                [
                    str(row.year or ""),
                    " ".join(f"**{label}**" for label in type_labels(row.flags)),
                    title,
                    md_escape(first_author(row)),
                    md_escape(row.journal_abbrev or row.journal),
                    f"[{row.pmid}]({pubmed_url(row.pmid)})",
                    md_escape(row.conclusion),
                ]
            )
            + " |\n"
        )


def _ris_line(tag: str, value: Any) -> str | None:
    value = one_line(value)
    return f"{tag}  - {value}" if value else None


def _notice_text(notice: dict[str, Any]) -> str:
    pmid = f" (PMID {notice['pmid']})" if notice["pmid"] else ""
    return f"{notice['label']}: {notice['source']}{pmid}"


def _flag_note(row: StoredArticle) -> str:
    reasons = row.flag_reasons
    parts = [
        f"{label} ({one_line(reasons[f])})" if reasons.get(f) else label
        for f, label in zip(badge_flags(row.flags), type_labels(row.flags), strict=True)
    ]
    return "Study type (acutrack): " + "; ".join(parts) if parts else ""


MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
PUB_DATE_RE = re.compile(r"^(\d{4})(?:\s+(?:([A-Za-z]{3})[A-Za-z]*|(\d{1,2}))(?:\s+(\d{1,2})\b)?)?")


def _ris_date(pub_date: str | None) -> str | None:
    """PubMed's '2021 Mar 15', '2018 05 17', '2020 Jan-Feb' or '2019' as RIS 'YYYY/MM/DD/'."""
    m = PUB_DATE_RE.match(one_line(pub_date))
    if not m:
        return None
    year, name, digits, day = m.groups()
    number = MONTHS.get((name or "").lower()) or (int(digits) if digits else 0)
    if not 1 <= number <= 12:
        return f"{year}///"
    return f"{year}/{number:02d}/" + (f"{int(day):02d}/" if day else "/")


def to_ris(rows: Iterable[StoredArticle]) -> str:
    """RIS as Zotero, EndNote and Mendeley import it: one tagged line per field."""
    return "".join(iter_ris(rows))


def iter_ris(rows: Iterable[StoredArticle]) -> Iterator[str]:
    """``to_ris``, one record at a time (records apart by a blank line)."""
    return _separated(_ris_records(rows))


def _separated(records: Iterable[str]) -> Iterator[str]:
    """Records joined by a blank line, with a final newline when there is any."""
    any_ = False
    for record in records:
        yield ("\n\n" if any_ else "") + record
        any_ = True
    if any_:
        yield "\n"


def _ris_records(rows: Iterable[StoredArticle]) -> Iterator[str]:
    for row in rows:
        first, last = page_range(row.pages)
        languages = row.language
        fields: list[tuple[str, Any]] = [
            ("TY", "JOUR"),
            ("TI", row.title),
            *[("AU", a) for a in (row.authors_full or row.authors)],
            ("PY", row.year),
            ("DA", _ris_date(row.pub_date)),
            ("T2", row.journal),
            ("J2", row.journal_abbrev),
            ("VL", row.volume),
            ("IS", row.issue),
            ("SP", first),
            ("EP", last),
            ("SN", row.issn),
            ("DO", row.doi),
            ("AN", row.pmid),
            ("C2", row.pmcid),
            ("UR", row.url or pubmed_url(row.pmid)),
            ("DB", "PubMed"),
            ("DP", "NLM"),
            ("LA", languages[0] if languages else None),
            *[("KW", k) for k in [*row.mesh, *row.keywords]],
            ("AB", row.abstract),
            ("N1", _flag_note(row)),
            *[("N1", _notice_text(n)) for n in notices(row)],
        ]
        lines = [line for tag, value in fields if (line := _ris_line(tag, value))]
        yield "\n".join([*lines, "ER  - "])


BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
BIB_SPECIAL_RE = re.compile(r"[\\{}%&$#_^~]")


def bib_escape(value: Any) -> str:
    """Text for a BibTeX field value, every LaTeX special escaped.

    BibTeX counts braces even behind a backslash: an unmatched ``\\{`` opens a group that
    swallows the rest of the file. A brace with a partner in the text stays ``\\{``/``\\}``
    (the pair balances); one without is written as ``\\ensuremath{\\lbrace}`` or
    ``\\ensuremath{\\rbrace}``: LaTeX prints the brace, BibTeX sees balanced braces, and
    LaTeX decoders (bibtexparser's pylatexenc) read the brace back, which they do not for
    ``\\textbraceleft``."""
    text = one_line(value)
    unmatched = _unmatched_braces(text)

    def escape(m: re.Match[str]) -> str:
        if m.start() in unmatched:
            return r"\ensuremath{\lbrace}" if m.group() == "{" else r"\ensuremath{\rbrace}"
        return BIB_SPECIAL[m.group()]

    return BIB_SPECIAL_RE.sub(escape, text)


def _unmatched_braces(text: str) -> set[int]:
    """Positions of the braces of ``text`` that have no partner, as BibTeX pairs them."""
    opened: list[int] = []
    alone: set[int] = set()
    for i, char in enumerate(text):
        if char == "{":
            opened.append(i)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                alone.add(i)
    return alone | set(opened)


def _bib_author(name: str) -> str:
    name = bib_escape(name)
    # "Last, Fore" is a person; anything else (a group, a consortium) is one literal name.
    return name if "," in name and " and " not in name else "{" + name + "}"


def bib_key(row: StoredArticle) -> str:
    """Citation key like 'Smith2021_34646018': first author, year, PMID (so it is unique)."""
    names = row.authors_full or row.authors
    last = names[0].split(",")[0] if names else ""
    ascii_last = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
    word = re.sub(r"[^A-Za-z]", "", ascii_last)[:20] or "PMID"
    return f"{word}{row.year or 'nd'}_{row.pmid}"


def to_bibtex(rows: Iterable[StoredArticle]) -> str:
    """BibTeX @article entries as JabRef, Zotero, BibLaTeX and bibtex read them."""
    return "".join(iter_bibtex(rows))


def iter_bibtex(rows: Iterable[StoredArticle]) -> Iterator[str]:
    """``to_bibtex``, one entry at a time."""
    return _separated(_bib_entries(rows))


def _bib_entries(rows: Iterable[StoredArticle]) -> Iterator[str]:
    for row in rows:
        first, last = page_range(row.pages)
        keywords = [*row.mesh, *row.keywords]
        fields: list[tuple[str, str]] = [
            ("title", bib_escape(row.title)),
            (
                "author",
                " and ".join(_bib_author(a) for a in (row.authors_full or row.authors)),
            ),
            ("journal", bib_escape(row.journal)),
            ("year", str(row.year or "")),
            ("volume", bib_escape(row.volume)),
            ("number", bib_escape(row.issue)),
            ("pages", bib_escape(f"{first}--{last}" if first and last else first)),
            ("issn", bib_escape(row.issn)),
            ("doi", bib_escape(row.doi)),
            ("pmid", row.pmid),
            ("pmcid", bib_escape(row.pmcid)),
            ("url", pubmed_url(row.pmid)),
            ("keywords", bib_escape(", ".join(one_line(k) for k in keywords))),
            ("abstract", bib_escape(row.abstract)),
            ("note", bib_escape(_flag_note(row))),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        yield f"@article{{{bib_key(row)},\n{body}\n}}"


YEAR_KEYS = ("articles", *flags.YEAR_COLUMNS.values(), "ma_sr")


# Added after ``total`` (CONTRACT's fields keep their places): each article once, in its tier
# of flags.TIERS, as `status` and the report count them.
TIER_KEYS = tuple(flags.tier_field(t.key) for t in flags.TIERS)


def year_rows(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-year counts (``store.year_counts``) with the years between the first and the last
    filled in as zero, a running ``total``, then the count per tier, and the undated articles
    (year None) last."""
    dated = {c["year"]: c for c in counts if c.get("year") is not None}
    rows: list[dict[str, Any]] = []
    running = 0

    def entry_for(year: int | None, counted: dict[str, Any]) -> dict[str, Any]:
        nonlocal running
        entry: dict[str, Any] = {"year": year}
        entry.update({k: counted.get(k) or 0 for k in YEAR_KEYS})
        running += entry["articles"]
        entry["total"] = running
        entry.update({k: counted.get(k) or 0 for k in TIER_KEYS})
        return entry

    if dated:
        for year in range(min(dated), max(dated) + 1):
            rows.append(entry_for(year, dated.get(year) or {}))
    for c in counts:
        if c.get("year") is None:
            rows.append(entry_for(None, c))
    return rows


def to_csv_rows(rows: list[dict[str, Any]]) -> str:
    """Plain dicts (all with the same keys) as CSV with a header line."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def render(rows: Iterable[StoredArticle], fmt: str) -> str:
    """The rows in one of the text formats (everything but the rich table)."""
    return "".join(render_stream(rows, fmt))


def render_stream(rows: Iterable[StoredArticle], fmt: str) -> Iterator[str]:
    """``render`` in pieces, reading ``rows`` as it goes: memory stays flat however many
    articles are listed. Nothing is produced before the first row is read, so a query that
    fails at its start fails before any output."""
    writers = {
        "json": iter_json,
        "csv": iter_csv,
        "markdown": iter_markdown,
        "ris": iter_ris,
        "bibtex": iter_bibtex,
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}")
    rows = iter(rows)
    first = next(rows, None)
    return writers[fmt](rows if first is None else chain([first], rows))
