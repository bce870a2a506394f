"""`report` and `datasette-metadata`: the evidence page and sharing the database."""

from __future__ import annotations

from pathlib import Path

import click

from .base import State, _condition, emit, output_option, pass_state


@click.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@output_option("page")
@click.option(
    "--strongest",
    type=click.IntRange(1, 1000),
    default=3,
    show_default=True,
    help="How many of the strongest articles to list per evidence tier of each condition "
    "(the page prints the command listing the rest).",
)
@click.option(
    "--newest",
    type=click.IntRange(1, 1000),
    default=5,
    show_default=True,
    help="How many of the MA/SRs and RCTs that arrived to list per condition (the page "
    "prints the commands listing the rest and the other arrivals).",
)
@click.option(
    "--since",
    metavar="TIME",
    help="Count as arrived what was first stored at or after TIME (a date, or a time in "
    "UTC) [default: the last 7 days, from midnight UTC].",
)
@click.option(
    "--title",
    default="Acupuncture evidence",
    show_default=True,
    help="The page's heading (and, with the conditions, its <title>).",
)
@pass_state
def report(
    state: State,
    conditions: tuple[str, ...],
    output: Path | None,
    strongest: int,
    newest: int,
    since: str | None,
    title: str,
) -> None:
    """An evidence page: one self-contained HTML file, the evidence matrix first.

    The matrix: a row per CONDITION (default: every condition stored or in queries.toml), its
    MA/SR, sham-controlled RCT, other RCT, possible RCT and retracted articles, those that
    arrived (first stored in the last 7 days, or since --since) and the total, each linking
    to its list. Then per
    condition: the saved query and when PubMed was last searched (with a link running the
    same search on PubMed), a timeline of the evidence per year up to this year, the
    strongest evidence per tier with each study's conclusion, the newest arrivals and the
    retracted articles, each linked to PubMed and its DOI. The page loads nothing from the
    network, has light and dark colours and prints well: publish it as it is.
    """

    from .. import store
    from ..views.listing import check_moment
    from ..views.report import build

    moment = check_moment(since, "--since")

    db = store.open_quick(state.db_path, create=False)
    configured = state.queries().conditions.values()
    # By default every stored condition and every condition of queries.toml: the matrix
    # shows the empty ones too (last), so a condition with nothing yet is seen to be empty.
    names = list(conditions) or list(
        dict.fromkeys([*store.condition_names(db), *(c.name for c in configured)])
    )
    chosen = list(dict.fromkeys(_condition(state, db, n) for n in names))
    if not conditions:
        labels = {c.name: c.label for c in configured}
        chosen = [(name, labels.get(name, name)) for name, _ in chosen]
    page = build(
        db,
        chosen,
        strongest=strongest,
        newest=newest,
        title=title,
        now=state.env.now(),  # the page's "today": read here, once
        queries={c.name: c.full_query for c in configured},
        since=moment,
    )
    emit(page, output, "report")


@click.command(name="datasette-metadata")
@output_option("metadata")
@pass_state
def datasette_metadata(state: State, output: Path | None) -> None:
    """Metadata for sharing the database with Datasette, as JSON.

    Titles, descriptions and column descriptions, full-text search and facets for the
    articles and the article_overview view. Share the database read-only with:
    `acutrack datasette-metadata -o metadata.json && datasette acutrack.db -m metadata.json`
    (the database name in the metadata is the stem of the --db file name).
    """
    from ..views.datasette import metadata_json

    text = metadata_json(state.db_path)
    emit(text, output, "metadata")
