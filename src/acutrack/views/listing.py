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

    @property
    def new(self) -> int:
        return sum(1 for r in self.rows if r.new)


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
    if show_all:
        limit = None
    elif limit is None and fmt == "table":
        limit = TABLE_DEFAULT_LIMIT
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
            db,
            condition,
            limit=limit + 1 if limit else None,
            order=order,
            flags=flags,
            new_only=new_only,
            since=since,
            search=search,
            stored=stored,
            comparators=comparators,
        )
        more = limit is not None and len(rows) > limit
        del rows[limit or len(rows) :]
        # The total, unless --since makes counting slow on a big database (it checks every link).
        total: int | None = len(rows)
        if more:
            counted = fmt == "table" and rows and not since
            total = (
                store.count_articles(
                    db,
                    condition,
                    flags=flags,
                    new_only=new_only,
                    since=since,
                    search=search,
                    stored=stored,
                    comparators=comparators,
                )
                if counted
                else None
            )
    except sqlite3.OperationalError as exc:
        raise _bad_search(exc, search, search_text) from None
    found = Listing(rows, more, total, condition, filters)
    if fmt == "table" and search is not None:
        # a few words of the abstract around each match, for the table only
        marks = store.snippets(db, search, [r.pmid for r in rows])
        found.rows = [
            replace(row, snippet=marks[row.pmid]) if row.pmid in marks else row for row in rows
        ]
    elif (
        fmt == "table" and condition is not None and more and not (new_only or since or any(stored))
    ):
        # (not with --since, which makes counting slow, as for the total)
        new = store.count_articles(
            db, condition, flags=flags, new_only=True, comparators=comparators
        )
        found.unlisted_new = max(new - found.new, 0)
    return found


def new_hint(listing: Listing) -> str | None:
    """'3 new not listed: acutrack show lupus --new', with the listing's --type, or None."""
    if not listing.unlisted_new or listing.condition is None:
        return None
    import shlex

    command = ["acutrack", "show", listing.condition, "--new"]
    if listing.filters.get("flags"):  # the shortest word --type takes: rct, ma, sr
        from ..flags import BY_NAME

        words = [BY_NAME[f].badge.lower() if f in BY_NAME else f for f in listing.filters["flags"]]
        command += ["--type", ",".join(words)]
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


def mark_listed(db: sqlite3.Connection, listing: Listing) -> bool:
    """Listed by `show` in a table counts as shown (NEW disappears next time); exports and
    searches mark nothing. False when the database is read-only (nothing could be marked)."""
    from .. import store

    if listing.filters.get("search") is not None:
        return True  # a search finds articles; reading the condition's list shows them

    return store.mark_shown(db, [r.pmid for r in listing.rows], listing.condition)
