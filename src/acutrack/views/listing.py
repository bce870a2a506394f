"""Listing stored articles for `show` and `search`: filters, limits, the default format.

Rich-free: the table itself is drawn by ``terminal.print_listing``; the other formats by
``export.render``. A table lists at most ``TABLE_DEFAULT_LIMIT`` articles unless asked for
more, and what `show` listed in a table counts as shown (``mark_listed``); exports and
searches mark nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from ..article import StoredArticle
from ..errors import UsageError

if TYPE_CHECKING:
    import sqlite3

    from ..store import Selection

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
    selection: Selection  # which articles: the footer's count and the hint use it again
    more: bool = False
    total: int | None = None  # counted only for a table, and not with --since (slow)
    condition: str | None = None
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
    selection: Selection,
    *,
    fmt: str,
    limit: int | None,
    show_all: bool,
    search_text: str = "",
    order: str = "newest",
) -> Listing:
    """Query the articles for a listing in ``fmt``: a table stops at 50 unless told."""
    limit = table_limit(fmt, limit, show_all)
    import sqlite3

    from .. import store

    try:
        # One row more than asked tells whether more match, without counting them.
        rows = store.query_articles(
            db, condition, selection, order=order, limit=limit + 1 if limit else None
        )
        more = limit is not None and len(rows) > limit
        del rows[limit or len(rows) :]
    except sqlite3.OperationalError as exc:
        raise _bad_search(exc, selection.search, search_text) from None
    found = Listing(rows, selection, more, len(rows), condition, order=order)
    if fmt == "table" and selection.search is not None:
        found.rows = with_snippets(db, selection.search, rows)
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

    chosen = found.selection
    found.total = None
    if found.shown and not chosen.since:
        found.total = store.count_articles(db, found.condition, chosen)
    # The unseen left out: not within a --since or --stored window (the hint's command,
    # `show C --new`, has neither, so it would list others).
    if (
        chosen.search is None
        and found.condition is not None
        and not (chosen.new_only or chosen.since or any(chosen.stored))
    ):
        new = store.count_articles(db, found.condition, chosen.unseen())
        found.unlisted_new = max(new - found.new, 0)


def new_hint(listing: Listing) -> str | None:
    """'3 new not listed: acutrack show lupus --new', with the listing's --type and
    --comparator (the command lists ``selection.unseen()``), or None."""
    if not listing.unlisted_new or listing.condition is None:
        return None
    import shlex

    chosen = listing.selection
    command = ["acutrack", "show", listing.condition, "--new"]
    if chosen.flags:  # the shortest words --type takes: rct, ma, evidence
        from ..flags import type_words_text

        command += ["--type", type_words_text(list(chosen.flags))]
    if chosen.comparators:
        command += ["--comparator", ",".join(chosen.comparators)]
    return f"{listing.unlisted_new:,} new not listed: {shlex.join(command)}"


def stream(
    db: sqlite3.Connection,
    condition: str | None,
    selection: Selection,
    *,
    limit: int | None,
    search_text: str = "",
    order: str = "newest",
) -> Iterator[StoredArticle]:
    """The articles of an export (every match, or ``limit``), read from the cursor as they
    are written out: memory stays flat on a database of any size. Marks nothing."""
    import sqlite3

    from .. import store

    try:
        yield from store.iter_articles(db, condition, selection, order=order, limit=limit)
    except sqlite3.OperationalError as exc:
        raise _bad_search(exc, selection.search, search_text) from None


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

    if listing.selection.search is not None:
        return True  # a search finds articles; reading the condition's list shows them
    if pmids is None:
        pmids = [r.pmid for r in listing.rows]
    return store.mark_shown(db, pmids, listing.condition)
