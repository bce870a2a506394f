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
@click.option(
    "--since",
    metavar="TIME",
    help="The articles that arrived (were first stored) at or after TIME, a date or a time "
    "in UTC [default: the 7 days up to the newest arrival, from midnight UTC].",
)
@pass_state
def feed(
    state: State, conditions: tuple[str, ...], output: Path | None, limit: int, since: str | None
) -> None:
    """An Atom feed of the articles that arrived most recently, for a feed reader.

    One entry per article that arrived since --since (default: in the 7 days up to the
    newest arrival; the subtitle says since when and how many), at most --limit:
    meta-analyses, systematic reviews and randomized trials first, strongest first, then
    the rest, newest stored first (when acutrack first stored it for the CONDITIONs,
    default: any condition). Each entry: the PubMed title, a link to PubMed (and the DOI),
    when the record entered PubMed (published) and when acutrack stored it (updated), the
    first author as author, the study type as a category, the trial size, journal and year,
    and the conclusion when the abstract states one. The feed only reads the database: it
    never marks anything as shown or moves a digest, and the same database gives the same
    file, so cron can rewrite a published feed after each update:
    `acutrack update && acutrack feed lupus -o /var/www/lupus.atom`.
    """
    from datetime import datetime

    from ..newness import default_since
    from ..store import count_arrived, newest_arrival, newest_stored, open_reading
    from ..views import feed as atom
    from ..views.listing import check_moment

    moment = check_moment(since, "--since")
    db = open_reading(state.db_path)
    try:
        chosen = list(dict.fromkeys(_condition(state, db, n) for n in conditions)) or None
        labels = {c.name: c.label for c in state.queries().conditions.values()}
        names = [name for name, _ in chosen] if chosen is not None else None
        # The default window ends at the newest arrival, not the clock: the same database
        # gives the same bytes.
        newest = newest_arrival(db, names)
        window = moment or (
            default_since(datetime.fromisoformat(newest).date()) if newest else "1970-01-01"
        )
        arrived = count_arrived(db, names, window)
        search_url = None
        if chosen is not None and len(chosen) == 1:
            from ..store import provenance

            cond = state.queries().conditions.get(chosen[0][0])
            search_url = provenance(db, chosen[0][0], cond.full_query if cond else None)[
                "pubmed_url"
            ]
        # Written as the rows are read (a feed of 10,000 entries never holds them all).
        entries = _Counted(newest_stored(db, names, limit, window))
        text = atom.pieces(
            entries,
            chosen,
            labels=labels,
            search_url=search_url,
            updated=newest,
            arrived=(arrived, window, moment is None, min(arrived, limit)),
        )
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
