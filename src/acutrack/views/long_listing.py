"""A table of any length, drawn a chunk of rows at a time so that it looks like one table.

`show --all` and `search --all` as a table held every article, every cell and every drawn
line of 100,000 articles at once (51 s, 1.28 GB) because a table's columns are as wide as
their longest cell. Here the articles are read from the database twice, one at a time: first
to decide the columns and their widths exactly as ``terminal.articles_table`` decides them
for the whole list (the widths of each chunk, folded), then to draw ``CHUNK`` rows at a time
with those widths, the header once, through ``paging.Pages``. The text is the same as one
table's (tests/test_long_listing.py compares them); memory is that of one chunk. rich still
draws every line: only the rows handed to it at once change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from ..article import StoredArticle
from . import listing as listings
from .paging import Pager, Pages
from .terminal import WIDE_LAYOUT, articles_table, listing_tail, view_options

if TYPE_CHECKING:
    import sqlite3

    from ..store import Selection

# Rows handed to rich at once: large enough that the per-chunk cost vanishes, small enough
# that a chunk is a few MB.
CHUNK = listings.TABLE_CHUNK

# Widths are decided on a table this wide, so no column is left out for room; the table of
# the terminal's width leaves out the same columns one table would.
_UNBOUNDED = 10**6


def chunked(rows: Iterable[StoredArticle], size: int) -> Iterator[list[StoredArticle]]:
    it = iter(rows)
    while part := list(islice(it, size)):
        yield part


def column_widths(
    rows: Iterable[StoredArticle], *, chunk: int = CHUNK, **options: Any
) -> dict[str, int]:
    """The columns (by header) a table of all ``rows`` has, each with its width: those of
    every chunk's table, widest kept. ``options`` as for ``articles_table``."""
    widths: dict[str, int] = {}
    for part in chunked(rows, chunk):
        table = articles_table(part, width=max(_UNBOUNDED, WIDE_LAYOUT), **options)
        for header, _, column in getattr(table, "columns", []):
            if not column.get("flex"):
                widths[header] = max(widths.get(header, 0), column["width"])
    return widths


def print_long_listing(
    console: Console,
    db: sqlite3.Connection,
    condition: str | None,
    selection: Selection,
    *,
    limit: int | None,
    show_all: bool,
    highlight: list[str] | None = None,
    empty: str,
    chunk: int = CHUNK,
    pager: Pager | None = None,
    search_text: str = "",
    order: str = "newest",
) -> bool:
    """Every article of a listing (or ``limit``) as one table with its footer, paged as
    ``print_listing`` pages, with the memory of ``chunk`` rows. ``search_text`` and
    ``order`` as for ``listing.stream``. Marks what it listed as shown; False when that
    could not be done (a read-only database)."""
    limit = listings.table_limit("table", limit, show_all)
    found = listings.Listing([], selection, condition=condition, order=order)
    options = view_options(found)

    def walk() -> Iterator[StoredArticle]:
        # one row more than asked tells whether more match, without counting them
        return listings.stream(
            db,
            condition,
            selection,
            limit=None if limit is None else limit + 1,
            search_text=search_text,
            order=order,
        )

    widths = column_widths(islice(walk(), limit), chunk=chunk, **options)
    if not widths:
        console.print(Text(empty))
        return True
    shown = new = 0
    pmids: list[str] = []
    search = selection.search
    with Pages(console, pager) as pages:
        for part in chunked(walk(), chunk):
            if limit is not None and shown + len(part) > limit:
                found.more = True
                del part[limit - shown :]
                if not part:
                    continue  # only the row that told more match
            if search is not None:
                part = listings.with_snippets(db, search, part)
            view = articles_table(
                part,
                width=console.width,
                highlight=highlight,
                widths=widths,
                first=not shown,
                **options,
            )
            pages.print(view)
            shown += len(part)
            new += sum(1 for r in part if r.new)
            pmids.extend(r.pmid for r in part)
        found.streamed = (shown, new)
        found.total = shown
        listings.count_rest(db, found)
        for piece in listing_tail(found, width=console.width, show_all=show_all):
            pages.print(piece)
    return listings.mark_listed(db, found, pmids)
