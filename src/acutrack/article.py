"""The article's public shape, without rich: JSON fields, terminal-safe text, links.

Everything that shows an article (the rich table, exports, digests, verify, queries) takes
these from here: the JSON object of CONTRACT.md (``public_article``), PubMed text with
control characters removed (``clean``, ``one_line``) and the PubMed, DOI and PMC links.
Standard library only, so non-terminal paths never import rich.
"""

from __future__ import annotations

import re
from typing import Any

# The contract's fields, in order; then the extra fields an article object may carry.
PUBLIC_FIELDS = (
    "pmid",
    "title",
    "abstract",
    "journal",
    "year",
    "authors",
    "doi",
    "publication_types",
    "flags",
    "flag_reasons",
    "conditions",
    "first_seen",
    "status",
    "url",
)
EXTRA_FIELDS = (
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "pub_date",
    "pmcid",
    "mesh",
    "keywords",
    "language",
    "registry_numbers",
    "comments_corrections",
    "abstract_sections",
    "entrez_date",
    "revised_date",
    "new",
)

# C0 and C1 controls (tab and newline kept), and the bidirectional controls: embeddings and
# overrides U+202A-U+202E, isolates U+2066-U+2069, marks U+200E/U+200F and U+061C. A title
# holding U+202E would otherwise show the rest of a line, or an email, reversed.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROL_RE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


def public_article(row: dict[str, Any]) -> dict[str, Any]:
    """The article object of the JSON contract (contract fields first, then the rest)."""
    out = {key: row.get(key) for key in PUBLIC_FIELDS}
    for key in ("authors", "publication_types", "flags", "conditions"):
        out[key] = out[key] or []
    out["flag_reasons"] = out["flag_reasons"] or {}
    out["title"] = out["title"] or ""
    out["abstract"] = out["abstract"] or ""
    for key in EXTRA_FIELDS:
        if key in row:
            out[key] = row[key]
    return out


def clean(value: Any) -> str:
    """PubMed text without control characters (tab and newline kept) or bidirectional
    controls: safe for a terminal, a mail client, a spreadsheet."""
    if value is None:
        return ""
    return CONTROL_RE.sub("", str(value))


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 RCT``, ``2 RCTs``, ``1,204 meta-analyses``: the count with the right word form."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def one_line(value: Any) -> str:
    """Text folded onto one line: controls removed, every run of whitespace one space."""
    return " ".join(clean(value).split())


def pubmed_url(pmid: Any) -> str:
    """The article's PubMed page."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def pmc_url(pmcid: str | None) -> str | None:
    pmcid = one_line(pmcid)
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if pmcid else None


def doi_url(doi: str | None) -> str | None:
    from urllib.parse import quote

    doi = one_line(doi)
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}" if doi else None
