"""User search text as a safe FTS5 query, and the snippets around its matches."""

from __future__ import annotations

import re
import sqlite3

from ..errors import UsageError
from .spelling import spellings
from .transactions import chunks


class BadSearch(UsageError, ValueError):
    """Search text that holds nothing to search for (the CLI exits 2 with this sentence)."""


SEARCH_TOKEN_RE = re.compile(r'"([^"]*)"?|(\S+)')
SEARCH_COLUMN_RE = re.compile(r"^(title|abstract):(.+)$", re.I)


def _fts_term(raw: str, column: str | None = None) -> str | None:
    prefix = raw.endswith("*")
    raw = raw.rstrip("*").strip()
    if not re.search(r"\w", raw):
        return None
    term = '"' + raw.replace('"', '""') + '"' + ("*" if prefix else "")
    return f"{column} : {term}" if column else term


def fts_query(text: str) -> tuple[str, list[str]]:
    """User search text as an FTS5 query that cannot be a syntax error, and its words.

    Every word or "quoted phrase" must match (porter stemming: ``trial`` finds ``trials``);
    ``word*`` matches a prefix, ``A OR B`` either, ``-word`` excludes, ``title:word`` and
    ``abstract:word`` look in one field. Each term is quoted, so FTS5 operators and
    punctuation inside a term (``anti-GBM``, ``NEAR(``, ``^``) are plain text. A word is
    also searched in its other British or American spelling (``spelling.spellings``:
    ``randomized`` finds ``randomised``); the words returned include those spellings.
    """
    groups: list[list[str]] = []
    excluded: list[str] = []
    words: list[str] = []
    pending_or = False
    for m in SEARCH_TOKEN_RE.finditer(text):
        phrase, word = m.groups()
        if word in ("OR", "|"):
            pending_or = bool(groups)
            continue
        if word == "AND":
            continue
        negate = word is not None and word.startswith("-") and len(word) > 1
        raw = phrase if phrase is not None else word.removeprefix("-") if negate else word
        column = None
        if phrase is None and (col := SEARCH_COLUMN_RE.match(raw)):
            column, raw = col.group(1).lower(), col.group(2)
        prefix = raw.endswith("*")
        forms = spellings(raw.rstrip("*").strip(), prefix)
        terms = [t for f in forms if (t := _fts_term(f + "*" * prefix, column)) is not None]
        if not terms:
            continue
        if negate:
            excluded += terms
        else:
            words += forms
            if pending_or:
                groups[-1] += terms
            else:
                groups.append(terms)
        pending_or = False
    if not groups:
        raise BadSearch(
            f"Nothing to search for in '{text.strip()}'; give at least one word, "
            'e.g. acutrack search "sham acupuncture"'
        )
    query = " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
    if excluded:
        query = (f"({query})" if len(groups) > 1 else query) + "".join(
            f" NOT {t}" for t in excluded
        )
    return query, words


# The marks FTS5 puts around each matched word of a snippet: control characters, which
# stored PubMed text never shows (render removes every control from what it prints).
MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_WORDS = 16


def snippets(db: sqlite3.Connection, search: str, pmids: list[str]) -> dict[str, str]:
    """For each listed article whose abstract matches ``search`` (an ``fts_query``), a few
    words of the abstract around the match (FTS5 ``snippet()``), each matched word between
    ``MARK_START`` and ``MARK_END``. Articles matched by their title alone have none."""
    found: dict[str, str] = {}
    for chunk in chunks(pmids):
        rowids = dict(
            db.execute(
                f"SELECT rowid, pmid FROM articles WHERE pmid IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        )
        if not rowids:
            continue
        # The rowids bound: FTS5 reads only these documents' match positions (a search over
        # the whole index costs about twice as much on 100,000 articles).
        for rowid, text in db.execute(
            "SELECT rowid, snippet(articles_fts, 1, ?, ?, '…', ?) FROM articles_fts "
            f"WHERE articles_fts MATCH ? AND rowid IN ({','.join('?' * len(rowids))})",
            [MARK_START, MARK_END, SNIPPET_WORDS, search, *rowids],
        ):
            if text and MARK_START in text:
                found[rowids[rowid]] = text
    return found
