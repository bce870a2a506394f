"""Listing stored articles for `show` and `search`: filters, limits, the default format.

Rich-free: the table itself is drawn by ``terminal.print_listing``; the other formats by
``export.render``. A table lists at most ``TABLE_DEFAULT_LIMIT`` articles unless asked for
more, and what `show` listed in a table counts as shown (``mark_listed``); exports and
searches mark nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from ..article import StoredArticle
from ..errors import UsageError

if TYPE_CHECKING:
    import sqlite3

TABLE_DEFAULT_LIMIT = 50
# Longer tables are drawn this many rows at a time (views.long_listing), with flat memory.
TABLE_CHUNK = 200
LIST_FORMATS = ("table", "json", "csv", "markdown", "ris", "bibtex")


def default_format(fmt: str | None, terminal: bool, pipe: str = "json") -> str:
    """``fmt`` if given, else ``table`` on a terminal (``Environment.is_terminal``) and
    ``pipe`` (json or text) otherwise."""
    if fmt:
        return fmt
    return "table" if terminal else pipe


def check_moment(value: str | None, option: str) -> str | None:
    """A --stored-since/--stored-before value (a date or an ISO time; UTC unless it says
    otherwise) in the stored form (``newness.moment``); exit 2 with one sentence when it is
    neither."""
    if value is None:
        return None
    from ..newness import moment

    try:
        return moment(value)
    except ValueError:
        raise UsageError(
            f"Bad {option} '{value}'; write a date (2026-01-31) or a time in UTC "
            "(2026-01-31T06:17:03)"
        ) from None


def check_date(value: str | None) -> str | None:
    """A --since date as YYYY-MM-DD (exit 2 with one sentence when it is not a date)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise UsageError(f"Bad date '{value}'; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


# How a listing is sorted (store.iter_articles' ``order``), as its footer says it.
ORDERS = {
    "newest": "newest in PubMed first",
    "evidence": "strongest evidence first (tier, then larger trials, then newer)",
    "relevance": "best matches first",
}


def order_words(order: str, *, wide: bool) -> str | None:
    """How a listing is sorted, as its footer says it: newest first also says what the wide
    table's date column shows, or (two-line layout) why its years look shuffled."""
    words = ORDERS.get(order)
    if order == "newest":
        words = f"{words} ({'month entered' if wide else 'not by year published'})"
    return words


@dataclass
class Listing:
    """The articles to list, and whether (and how many) more match."""

    rows: list[StoredArticle]
    more: bool = False
    total: int | None = None  # counted only for a table, and not with --since (slow)
    condition: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    # New (never shown) articles of the condition that match the filters but fall outside
    # the listed rows: `show` says so, with the command that lists them (tables only).
    unlisted_new: int = 0
    order: str = "newest"  # a key of ORDERS
    # A long table is drawn as its rows are read (``long_listing``): rows stays empty and
    # the articles listed and the new ones among them are counted here.
    streamed: tuple[int, int] | None = None

    @property
    def shown(self) -> int:
        return self.streamed[0] if self.streamed else len(self.rows)

    @property
    def new(self) -> int:
        return self.streamed[1] if self.streamed else sum(1 for r in self.rows if r.new)


def fetch(
    db: sqlite3.Connection,
    condition: str | None,
    *,
    fmt: str,
    limit: int | None,
    show_all: bool,
    flags: list[str],
    new_only: bool,
    since: str | None,
    search: str | None = None,
    search_text: str = "",
    order: str = "newest",
    stored: tuple[str | None, str | None] = (None, None),
    comparators: list[str] | None = None,
) -> Listing:
    """Query the articles for a listing in ``fmt``: a table stops at 50 unless told."""
    limit = table_limit(fmt, limit, show_all)
    import sqlite3

    from .. import store

    filters: dict[str, Any] = {
        "flags": flags,
        "new_only": new_only,
        "since": since,
        "search": search,
        "stored": stored,
        "comparators": comparators,
    }
    try:
        # One row more than asked tells whether more match, without counting them.
        rows = store.query_articles(
            db, condition, limit=limit + 1 if limit else None, order=order, **filters
        )
        more = limit is not None and len(rows) > limit
        del rows[limit or len(rows) :]
    except sqlite3.OperationalError as exc:
        raise _bad_search(exc, search, search_text) from None
    found = Listing(rows, more, len(rows), condition, filters, order=order)
    if fmt == "table" and search is not None:
        found.rows = with_snippets(db, search, rows)
    if fmt == "table":
        count_rest(db, found)
    return found


def table_limit(fmt: str, limit: int | None, show_all: bool) -> int | None:
    """How many articles a listing in ``fmt`` shows: a table 50 unless told, None for all."""
    if show_all:
        return None
    if limit is None and fmt == "table":
        return TABLE_DEFAULT_LIMIT
    return limit


def with_snippets(db: sqlite3.Connection, search: str, rows: list[StoredArticle]) -> list[Any]:
    """``rows`` with a few words of the abstract around each match (for a table only)."""
    from .. import store

    marks = store.snippets(db, search, [r.pmid for r in rows])
    return [replace(row, snippet=marks[row.pmid]) if row.pmid in marks else row for row in rows]


def count_rest(db: sqlite3.Connection, found: Listing) -> None:
    """For a table that left articles out (``found.more``): the total matching, unless
    --since makes counting slow on a big database (it checks every link), and the new
    articles of the condition left out (not for a search)."""
    if not found.more:
        return
    from .. import store

    filters = found.filters
    since, new_only, search = filters["since"], filters["new_only"], filters["search"]
    flags, comparators = filters["flags"], filters.get("comparators")
    stored = filters.get("stored") or (None, None)
    found.total = None
    if found.shown and not since:
        found.total = store.count_articles(
            db,
            found.condition,
            flags=flags,
            new_only=new_only,
            since=since,
            search=search,
            comparators=comparators,
            stored=stored,
        )
    # The unseen left out: not within a --since or --stored window (the hint's command,
    # `show C --new`, has neither, so it would list others).
    if search is None and found.condition is not None and not (new_only or since or any(stored)):
        new = store.count_articles(
            db, found.condition, flags=flags, new_only=True, comparators=comparators
        )
        found.unlisted_new = max(new - found.new, 0)


def new_hint(listing: Listing) -> str | None:
    """'3 new not listed: acutrack show lupus --new', with the listing's --type, or None."""
    if not listing.unlisted_new or listing.condition is None:
        return None
    import shlex

    command = ["acutrack", "show", listing.condition, "--new"]
    if listing.filters.get("flags"):  # the shortest words --type takes: rct, ma, evidence
        from ..flags import type_words_text

        command += ["--type", type_words_text(listing.filters["flags"])]
    if listing.filters.get("comparators"):
        command += ["--comparator", ",".join(listing.filters["comparators"])]
    return f"{listing.unlisted_new:,} new not listed: {shlex.join(command)}"


def stream(
    db: sqlite3.Connection,
    condition: str | None,
    *,
    limit: int | None,
    flags: list[str],
    new_only: bool,
    since: str | None,
    search: str | None = None,
    search_text: str = "",
    order: str = "newest",
    stored: tuple[str | None, str | None] = (None, None),
    comparators: list[str] | None = None,
) -> Iterator[StoredArticle]:
    """The articles of an export (every match, or ``limit``), read from the cursor as they
    are written out: memory stays flat on a database of any size. Marks nothing."""
    import sqlite3

    from .. import store

    try:
        yield from store.iter_articles(
            db,
            condition,
            limit=limit,
            order=order,
            flags=flags,
            new_only=new_only,
            since=since,
            search=search,
            stored=stored,
            comparators=comparators,
        )
    except sqlite3.OperationalError as exc:
        raise _bad_search(exc, search, search_text) from None


def _bad_search(exc: Exception, search: str | None, search_text: str) -> Exception:
    """A search the full-text index cannot run, as one sentence; any other error as it is."""
    if search is None or ("fts5" not in str(exc) and "MATCH" not in str(exc)):
        return exc
    from .. import store

    return store.BadSearch(
        f'Cannot search for {search_text!r} ({exc}); use words, "phrases", word*, OR and -word'
    )


def mark_listed(db: sqlite3.Connection, listing: Listing, pmids: list[str] | None = None) -> bool:
    """Listed by `show` in a table counts as shown (NEW disappears next time); exports and
    searches mark nothing. False when the database is read-only (nothing could be marked).
    ``pmids``: what a long table listed (its rows are not kept)."""
    from .. import store

    if listing.filters.get("search") is not None:
        return True  # a search finds articles; reading the condition's list shows them
    if pmids is None:
        pmids = [r.pmid for r in listing.rows]
    return store.mark_shown(db, pmids, listing.condition)
