"""The article's public shape, without rich: JSON fields, terminal-safe text, links.

Everything that shows an article (the rich table, exports, digests, verify, queries) takes
these from here: the JSON object of CONTRACT.md (``public_article``), PubMed text with
control characters removed (``clean``, ``one_line``) and the PubMed, DOI and PMC links.
Standard library only, so non-terminal paths never import rich.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypedDict, get_args, get_origin, get_type_hints

# Stored with every article (articles.parser_version). Bump it whenever a change in
# pubmed/records.py reads a record differently (a field parsed anew, text cleaned otherwise),
# so `update --refresh` fetches and parses again what an older parser stored. Rows without one
# were stored before versions were recorded. 1: MathML formulas without layout spaces (issue 12).
PARSER_VERSION = 1


class Article(TypedDict):
    """One PubMed record, whatever the source (XML or MEDLINE text). Lists are never None.

    It also defines the ``articles`` table (``store.schema``): one column per key, in this
    order (lists stored as JSON), then the flags and timestamps the store adds.
    """

    pmid: str
    title: str
    abstract: str
    abstract_sections: list[dict[str, Any]]
    journal: str | None
    journal_abbrev: str | None
    issn: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    year: int | None
    pub_date: str | None
    authors: list[str]
    authors_full: list[str]
    doi: str | None
    pmcid: str | None
    mesh: list[str]
    publication_types: list[str]
    keywords: list[str]
    status: str | None
    language: list[str]
    registry_numbers: list[str]
    comments_corrections: list[dict[str, Any]]
    entrez_date: str | None
    revised_date: str | None


_HINTS = get_type_hints(Article)
# Every article dict carries these keys, in this order; the list-valued ones are never None.
ARTICLE_FIELDS = tuple(_HINTS)
LIST_FIELDS = tuple(key for key, hint in _HINTS.items() if get_origin(hint) is list)
INT_FIELDS = tuple(key for key, hint in _HINTS.items() if int in (hint, *get_args(hint)))


def _json(where: str) -> dict[str, str]:
    """Field metadata: where the field goes in the JSON article object."""
    return {"json": where}


CONTRACT, EXTRA = _json("contract"), _json("extra")


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as the store holds it, decoded once per row (``store.decode``): the parsed
    record, what ``evidence.derive`` computed, and what the read added (its conditions, when
    first seen, whether new). Every view takes this type; nothing outside the store sees a row.

    Adding a field is a change here: declare it (with its default) and, if it belongs in the
    JSON article object, where (``CONTRACT``: CONTRACT.md's fields; ``EXTRA``: acutrack's). The
    store fills it from the column or the query's alias of the same name; the JSON object and
    its order follow the declaration order. A parsed field is also a key of ``Article`` above
    (the parser's output, which makes the column); tests/test_article.py checks the two agree.
    Sequences are tuples and the class is frozen, so a view cannot change what another shows.
    """

    # CONTRACT.md's fields, in the JSON object's order.
    pmid: str = field(metadata=CONTRACT)
    title: str = field(default="", metadata=CONTRACT)
    abstract: str = field(default="", metadata=CONTRACT)
    journal: str | None = field(default=None, metadata=CONTRACT)
    year: int | None = field(default=None, metadata=CONTRACT)
    authors: tuple[str, ...] = field(default=(), metadata=CONTRACT)
    doi: str | None = field(default=None, metadata=CONTRACT)
    publication_types: tuple[str, ...] = field(default=(), metadata=CONTRACT)
    flags: tuple[str, ...] = field(default=(), metadata=CONTRACT)
    flag_reasons: Mapping[str, str] = field(default_factory=dict, metadata=CONTRACT)
    sample_size: int | None = field(default=None, metadata=CONTRACT)
    conditions: tuple[str, ...] = field(default=(), metadata=CONTRACT)
    first_seen: str | None = field(default=None, metadata=CONTRACT)
    status: str | None = field(default=None, metadata=CONTRACT)
    url: str = field(default="", metadata=CONTRACT)
    # The abstract's conclusion (evidence.conclusion): string or null in every object.
    conclusion: str | None = field(default=None, metadata=CONTRACT)
    # What a trial was compared against (evidence.comparators): a list, empty when its
    # abstract does not say; null for an article that is not a trial (CONTRACT.md).
    comparators: tuple[str, ...] | None = field(default=None, metadata=CONTRACT)
    # acutrack's extra fields, in the JSON object's order.
    sample_size_source: str | None = field(default=None, metadata=EXTRA)
    journal_abbrev: str | None = field(default=None, metadata=EXTRA)
    volume: str | None = field(default=None, metadata=EXTRA)
    issue: str | None = field(default=None, metadata=EXTRA)
    pages: str | None = field(default=None, metadata=EXTRA)
    pub_date: str | None = field(default=None, metadata=EXTRA)
    pmcid: str | None = field(default=None, metadata=EXTRA)
    mesh: tuple[str, ...] = field(default=(), metadata=EXTRA)
    keywords: tuple[str, ...] = field(default=(), metadata=EXTRA)
    language: tuple[str, ...] = field(default=(), metadata=EXTRA)
    registry_numbers: tuple[str, ...] = field(default=(), metadata=EXTRA)
    comments_corrections: tuple[Mapping[str, Any], ...] = field(default=(), metadata=EXTRA)
    abstract_sections: tuple[Mapping[str, Any], ...] = field(default=(), metadata=EXTRA)
    entrez_date: str | None = field(default=None, metadata=EXTRA)
    revised_date: str | None = field(default=None, metadata=EXTRA)
    # Listings only (show, search): not yet shown under the condition; None elsewhere, and
    # then the JSON object has no "new" key.
    new: bool | None = field(default=None, metadata=EXTRA)
    # Not in the JSON object.
    issn: str | None = None
    authors_full: tuple[str, ...] = ()
    evidence_tier: str = "other"  # a key of flags.TIERS; "other" when the row has none
    evidence_rank: int | None = None
    parser_version: int | None = None
    stored_at: str | None = None
    updated_at: str | None = None
    snippet: str | None = None  # search: the abstract around the matches (store.snippets)
    also_in: tuple[str, ...] = ()  # digest: the other chosen conditions it is new for

    def record(self) -> dict[str, Any]:
        """The parsed record's fields (``ARTICLE_FIELDS``), for the evidence rules."""
        return {key: getattr(self, key) for key in ARTICLE_FIELDS}


_FIELDS = {f.name: f for f in fields(StoredArticle)}
# The JSON article object's keys, in order (see StoredArticle).
PUBLIC_FIELDS = tuple(n for n, f in _FIELDS.items() if f.metadata.get("json") == "contract")
EXTRA_FIELDS = tuple(n for n, f in _FIELDS.items() if f.metadata.get("json") == "extra")
_TUPLES = frozenset(n for n, f in _FIELDS.items() if str(f.type).startswith("tuple["))
# Tuples that may be None (comparators: null for a non-trial) keep their None.
_NEVER_NONE = frozenset(n for n in _TUPLES if not str(_FIELDS[n].type).endswith("| None"))


def article_from(values: Mapping[str, Any]) -> StoredArticle:
    """The article of decoded values (JSON already parsed): keys that name no field are left
    out, lists become tuples, a missing tier is "other"."""
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key in _FIELDS:
            kwargs[key] = tuple(value) if key in _TUPLES and value is not None else value
    for key in _NEVER_NONE & kwargs.keys():
        if kwargs[key] is None:
            kwargs[key] = ()
    if not kwargs.get("evidence_tier"):
        kwargs["evidence_tier"] = "other"
    if kwargs.get("flag_reasons") is None:
        kwargs["flag_reasons"] = {}
    return StoredArticle(**kwargs)


# C0 and C1 controls (tab and newline kept), and the bidirectional controls: embeddings and
# overrides U+202A-U+202E, isolates U+2066-U+2069, marks U+200E/U+200F and U+061C. A title
# holding U+202E would otherwise show the rest of a line, or an email, reversed.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROL_RE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
PMID_RE = re.compile(
    r"^(?:pmid:?\s*|https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|"
    r"ncbi\.nlm\.nih\.gov/pubmed)/)?(\d{1,9})/?$",
    re.I,
)


def parse_pmid(text: str) -> str:
    """The PMID in ``34646018``, ``PMID:34646018`` or a PubMed link (exit 2 otherwise)."""
    m = PMID_RE.match(text.strip())
    if not m:
        from .errors import UsageError

        raise UsageError(f"'{text}' is not a PMID; a PMID is a number such as 34646018")
    return m.group(1)


def public_article(article: StoredArticle) -> dict[str, Any]:
    """The article object of the JSON contract (contract fields first, then the rest)."""
    out: dict[str, Any] = {key: getattr(article, key) for key in PUBLIC_FIELDS}
    out["title"] = out["title"] or ""
    out["abstract"] = out["abstract"] or ""
    out["conclusion"] = out["conclusion"] or None
    for key in EXTRA_FIELDS:
        out[key] = getattr(article, key)
    if article.new is None:
        del out["new"]
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


def end_sentence(text: str) -> str:
    """``text`` ending in one full stop: 'Lancet' -> 'Lancet.', while an abbreviated journal
    such as 'J. Clin. Oncol.' keeps its own stop (never 'J. Clin. Oncol..')."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "?", "!")) else text + "."


def one_line(value: Any) -> str:
    """Text folded onto one line: controls removed, every run of whitespace one space."""
    return " ".join(clean(value).split())


def one_line_cut(value: Any, width: int) -> str:
    """``one_line(value)`` in at most ``width`` characters: cut at the last word boundary
    that fits, with "…" (a single word longer than the width is cut inside it; a cut never
    ends on a comma or colon before the "…"). Digests and the report share it."""
    text = one_line(value)
    if len(text) <= width:
        return text
    room = max(width - 1, 0)  # the "…" takes one character
    head = text[: room + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else ""
    if not cut.strip():
        cut = text[:room]  # one long word: cut inside it
    return cut[:room].rstrip(" ,;:") + "…"


# Markdown (CommonMark and GitHub's): ASCII punctuation that starts links and images (with
# [ escaped, ( ) and ! are inert), emphasis, code, HTML, entities, maths, strikethrough,
# mentions, issue references, headings or a table cell. CommonMark allows a backslash before
# any ASCII punctuation, so escaping these never shows a stray backslash.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$@#])")
# At the start of a line, "- ", "+ ", "= " and "1. " or "1) " make lists and headings: the
# mark is escaped (after the digits: a backslash before a digit would show).
_MD_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def md_escape(value: Any) -> str:
    """PubMed text as literal Markdown on one line: nothing in it becomes a link, emphasis,
    HTML, a heading or a list (every Markdown output: exports and digests)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line(value))
    return _MD_LINE_START.sub(
        lambda m: "\\" + m.group(1) if not m.group(1)[0].isdigit() else m.group(1) + "\\",
        escaped,
    )


def pubmed_url(pmid: Any) -> str:
    """The article's PubMed page."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def pubmed_search_url(term: str) -> str:
    """PubMed's own results page for a query: the same search, run by PubMed. Spaces as "+"
    and ":,*" left as they are (PubMed's own links do so): a fifth shorter than encoding
    every character, and still a link mail clients and terminals find whole."""
    from urllib.parse import quote_plus

    return "https://pubmed.ncbi.nlm.nih.gov/?term=" + quote_plus(" ".join(term.split()), safe=":,*")


# A PubMed Central identifier: PMC and digits (PMC10769841), nothing else.
PMCID_RE = re.compile(r"PMC[0-9]{1,12}", re.IGNORECASE)


def pmc_url(pmcid: str | None) -> str | None:
    """The article's PubMed Central page, or None when ``pmcid`` is not a PMC identifier:
    a stored value is data, and only a valid one may become a link target (a terminal's
    OSC 8 link, an HTML href), where "PMC1/../../elsewhere" would lead off PMC."""
    pmcid = one_line(pmcid)
    if not PMCID_RE.fullmatch(pmcid):
        return None
    return f"https://pmc.ncbi.nlm.nih.gov/articles/PMC{pmcid[3:]}/"


def doi_url(doi: str | None) -> str | None:
    from urllib.parse import quote

    doi = one_line(doi)
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}" if doi else None
