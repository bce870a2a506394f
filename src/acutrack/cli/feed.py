"""`feed`: an Atom feed of the newest stored articles, for feed readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..article import StoredArticle

from .base import State, _condition, emit, output_option, pass_state


@click.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@output_option("feed")
@click.option(
    "--limit",
    type=click.IntRange(1, 10000),
    default=50,
    show_default=True,
    metavar="N",
    help="How many of the newest articles the feed holds.",
)
@pass_state
def feed(state: State, conditions: tuple[str, ...], output: Path | None, limit: int) -> None:
    """An Atom feed of the articles stored most recently, for a feed reader.

    One entry per article, newest first (when acutrack first stored it for the CONDITIONs,
    default: any condition): the title with its study type and trial size ("[Sham RCT ·
    n=120] ..."), a link to PubMed, authors, journal and year, and the conclusion when the
    abstract states one. The feed only reads the database: it never marks anything as shown
    or moves a digest, and the same database gives the same file, so cron can rewrite a
    published feed after each update:
    `acutrack update && acutrack feed lupus -o /var/www/lupus.atom`.
    """
    from ..store import newest_stored, open_reading
    from ..views import feed as atom

    db = open_reading(state.db_path)
    try:
        chosen = list(dict.fromkeys(_condition(state, db, n) for n in conditions)) or None
        labels = {c.name: c.label for c in state.queries().conditions.values()}
        names = [name for name, _ in chosen] if chosen is not None else None
        search_url = None
        if chosen is not None and len(chosen) == 1:
            from ..store import provenance

            cond = state.queries().conditions.get(chosen[0][0])
            search_url = provenance(db, chosen[0][0], cond.full_query if cond else None)[
                "pubmed_url"
            ]
        # Written as the rows are read (a feed of 10,000 entries never holds them all).
        entries = _Counted(newest_stored(db, names, limit))
        text = atom.pieces(entries, chosen, labels=labels, search_url=search_url)
        emit(text, output, "feed", lambda: f"{entries.count} articles")
    finally:
        db.close()


class _Counted(Iterator["StoredArticle"]):
    """Rows passed through, counted (for the line saying how many were written)."""

    def __init__(self, rows: Iterator[StoredArticle]) -> None:
        self.rows = rows
        self.count = 0

    def __next__(self) -> StoredArticle:
        row = next(self.rows)
        self.count += 1
        return row
