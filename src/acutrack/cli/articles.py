"""`show`, `search`, `article`, `status` and `stats`: reading what is stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from ..flags import COMPARATOR_NAMES, EVIDENCE_WORD, REGISTRY, TIERS
from ..views.listing import LIST_FORMATS, TABLE_CHUNK, TABLE_DEFAULT_LIMIT
from .base import State, WorkFailed, _condition, need, open_read, pass_state, read_only_note

if TYPE_CHECKING:
    import sqlite3

    from ..environment import Environment
    from ..store import Selection

# The study types from the flag registry: "rct, ..., meta-analysis (ma), ...", and its tiers.
_TYPES = ", ".join(
    f.name + (f" ({f.badge.lower()})" if f.badge.lower() != f.name else "") for f in REGISTRY
)
_TIERS = ", ".join(t.key for t in TIERS)


def _list_options(fn: Any) -> Any:
    """The filters and formats `show` and `search` share."""
    options = [
        click.option(
            "--type",
            "-t",
            "types",
            multiple=True,
            metavar="TYPE",
            help=f"Only articles of this study type: a flag ({_TYPES}), an evidence tier "
            f"as `status` counts them ({_TIERS}; a word that is also a flag means the flag, "
            "tier:KEY the tier), "
            f"or {EVIDENCE_WORD} (every evidence tier). "
            f"Repeat it or use commas for any of several (--type ma-sr,sham-rct).",
        ),
        click.option(
            "--comparator",
            "comparator_values",
            multiple=True,
            metavar="C",
            help=f"Only trials compared against C: {', '.join(COMPARATOR_NAMES)}. Repeat it or "
            "use commas for any of several (--comparator sham,placebo).",
        ),
        click.option("--new", "new_only", is_flag=True, help="Only articles not shown before."),
        click.option(
            "--since",
            metavar="DATE",
            help="Only articles that entered PubMed, or were first stored here, on or after "
            "DATE (YYYY-MM-DD).",
        ),
        click.option(
            "--limit",
            type=click.IntRange(min=1),
            metavar="N",
            help=f"At most N articles [default: {TABLE_DEFAULT_LIMIT} in a table, all otherwise].",
        ),
        click.option(
            "--all", "show_all", is_flag=True, help="Every matching article, even in a table."
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(LIST_FORMATS),
            help="table (default on a terminal), json (default in a pipe), csv, markdown, ris "
            "(Zotero, EndNote), bibtex (JabRef, LaTeX).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _selection(
    types: tuple[str, ...],
    comparator_values: tuple[str, ...],
    new_only: bool,
    since: str | None,
    stored_since: str | None = None,
    stored_before: str | None = None,
) -> Selection:
    """Which articles the filters of `show` and `search` ask for, each value checked (exit 2
    with one sentence for a bad one, in this order)."""
    from .. import store
    from ..views.export import resolve_comparators, resolve_types
    from ..views.listing import check_date, check_moment

    return store.Selection(
        flags=tuple(resolve_types(types)),
        comparators=tuple(resolve_comparators(comparator_values)),
        new_only=new_only,
        since=check_date(since),
        stored=(
            check_moment(stored_since, "--stored-since"),
            check_moment(stored_before, "--stored-before"),
        ),
    )


def _list_articles(
    db: sqlite3.Connection,
    condition: str | None,
    selection: Selection,
    *,
    env: Environment,
    fmt: str | None,
    limit: int | None,
    show_all: bool,
    order: str,
    search_text: str = "",
    highlight: list[str] | None = None,
    empty: str = "No articles match.",
) -> None:
    """Query, print in the chosen format, and mark what a table listed as shown."""
    from ..views import listing

    fmt = listing.default_format(fmt, env.is_terminal())
    if fmt != "table":
        # Streamed: each article is read, formatted and written before the next is read.
        from ..views import export

        rows = listing.stream(
            db,
            condition,
            selection,
            limit=None if show_all else limit,
            search_text=search_text,
            order=order,
        )
        _write_pieces(export.render_stream(rows, fmt))
        return
    if show_all or (limit or 0) > TABLE_CHUNK:
        # More rows than one chunk: drawn as they are read, with the memory of one chunk.
        from ..views.long_listing import print_long_listing

        console = env.out_console
        if not print_long_listing(
            console,
            db,
            condition,
            selection,
            limit=limit,
            show_all=show_all,
            highlight=highlight,
            empty=empty,
            search_text=search_text,
            order=order,
        ):
            read_only_note()
        return
    found = listing.fetch(
        db,
        condition,
        selection,
        fmt=fmt,
        limit=limit,
        show_all=show_all,
        search_text=search_text,
        order=order,
    )
    from ..views.terminal import print_listing

    print_listing(env.out_console, found, show_all=show_all, highlight=highlight, empty=empty)
    if not listing.mark_listed(db, found):
        read_only_note()


def _write_pieces(pieces: Iterable[str]) -> None:
    """Write text pieces to standard output as they come, in blocks of about 64 kB."""
    from ..fileio import blocks

    for block in blocks(pieces):
        click.echo(block, nl=False)


@click.command()
@click.argument("condition")
@_list_options
@click.option(
    "--stored-since",
    metavar="TIME",
    help="Only articles first stored for CONDITION at or after TIME (a date, or a time in "
    "UTC such as 2026-11-30T06:17:03.512000): what arrived since then, as the digest, "
    "status and the report count it.",
)
@click.option(
    "--stored-before",
    metavar="TIME",
    help="Only articles first stored for CONDITION before TIME (with --stored-since: one "
    "window of arrivals, e.g. one digest's).",
)
@pass_state
def show(
    state: State,
    condition: str,
    types: tuple[str, ...],
    comparator_values: tuple[str, ...],
    new_only: bool,
    since: str | None,
    limit: int | None,
    show_all: bool,
    fmt: str | None,
    stored_since: str | None,
    stored_before: str | None,
) -> None:
    """The articles stored for CONDITION, newest first (when they entered PubMed); with
    --type, strongest evidence first (tier, then larger trials, then newer).

    CONDITION is a name or alias from queries.toml (lupus, sle, ra, ms, ...) or a name
    given to `acutrack import`. The table marks articles never shown before as NEW, shows
    study-type badges (RETRACTED in red), the month each entered PubMed (what newest first
    sorts by; the year of publication with --type), title, first author, journal and the
    PMID as a link to PubMed; it lists the newest 50 unless --limit or --all says
    otherwise, says its order in the footer, and opens in $PAGER (default: less -FRX) when
    taller than the terminal.

    Articles listed in a table count as shown: they lose NEW, and `--new` and `status`
    stop counting them. When new articles match but fall outside the list, the last line
    says how many and gives the command that lists them (acutrack show CONDITION --new;
    not with --since).
    Below 100 columns each article takes two lines or more: its title, then badges, trial
    size, first author, journal, year and PMID. json, csv, markdown, ris and bibtex list
    every match, mark nothing and never wrap or colour; in a pipe the default is json (the
    article objects of CONTRACT.md), so scripts and cron get stable output.
    """
    selection = _selection(types, comparator_values, new_only, since, stored_since, stored_before)
    db = open_read(state)
    name, label = _condition(state, db, condition)
    db = need(db, state)
    # With --type or --comparator: the evidence order (strongest tier, larger trials,
    # newer), as the digest and the report list them; without them, newest first.
    typed = selection.flags or selection.comparators
    _list_articles(
        db,
        name,
        selection,
        env=state.env,
        fmt=fmt,
        limit=limit,
        show_all=show_all,
        order="evidence" if typed else "newest",
        empty=_nothing_listed(state, db, name, label),
    )


def _nothing_listed(state: State, db: sqlite3.Connection, name: str, label: str) -> str:
    """What an empty table says: how to get articles when none is stored for the condition
    (whatever the filters), else that the filters matched none."""
    from .. import store

    if store.count_articles(db, name):
        return f"No stored article for {label} matches these filters."
    how = (
        f"acutrack update {name}"
        if name in state.queries().conditions
        else f"acutrack import FILE --condition {name}"
    )
    return f"No articles stored for {label} yet; run '{how}'."


@click.command()
@click.argument("pmid")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    help="table (default on a terminal) or json (default in a pipe: the article object of "
    "CONTRACT.md).",
)
@pass_state
def article(state: State, pmid: str, fmt: str | None) -> None:
    """One stored article in full.

    PMID is a number such as 34646018 (PMID:34646018 and PubMed links work too). The table
    shows the title with its study-type badges, every author, the citation, PubMed, DOI
    and PMC links, status and Publication Types, trial registry numbers, retraction,
    erratum and other notices, the abstract with its section labels, each study type with
    the reason it was given, MeSH terms and keywords, and the conditions it is stored under
    with the date it was first seen. Reading it in a table marks it as shown.
    """
    from .. import store
    from ..article import parse_pmid, public_article
    from ..views.listing import default_format

    pmid = parse_pmid(pmid)
    db = store.open_quick(state.db_path)  # none yet: says so and how to make one
    row = store.get_article(db, pmid)
    if row is None:
        raise WorkFailed(f"PMID {pmid} is not in the database; run 'acutrack update' or import it")
    if default_format(fmt, state.env.is_terminal()) == "json":
        from ..views.export import to_json

        click.echo(to_json(public_article(row)), nl=False)
        return
    from ..views.paging import print_paged
    from ..views.terminal import article_view

    print_paged(state.env.out_console, article_view(row, store.article_links(db, pmid)))
    if not store.mark_shown(db, [pmid]):
        read_only_note(state.db_path)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), help="Output format.")
@click.option(
    "--since",
    metavar="TIME",
    help="Count as arrived what was first stored at or after TIME (a date, or a time in "
    "UTC) [default: the last 7 days, from midnight UTC].",
)
@pass_state
def status(state: State, fmt: str | None, since: str | None) -> None:
    """Per condition: stored, unseen and arrived counts, the evidence found and the last
    update.

    Unseen: not yet listed in a terminal table (NEW in `show`; `show --new` lists them).
    Arrived: first stored for the condition since a moment, the last 7 days unless --since
    says otherwise: the same count as the report, the feed and Datasette's matrix for that
    moment, and as a digest's headline for the moment of its last delivery. The evidence
    counts are distinct articles in each tier (MA/SR, sham-controlled RCT, other RCT,
    possible RCT), retracted ones apart and never counted as evidence; the JSON gives them
    as ``tiers`` (every tier, adding up to ``stored``), with ``unseen`` (also as ``new``, its
    older name), ``arrived``, ``arrived_since`` and ``arrived_tiers``."""
    from .. import store
    from ..newness import default_since
    from ..views.listing import check_moment, default_format

    moment = check_moment(since, "--since") or default_since(state.env.today())
    queries = state.queries()
    arrived: dict[str, dict[str, int]] = {}
    if state.db_path.exists():
        db = store.open_quick(state.db_path)
        stats = store.condition_stats(db)
        arrived = store.arrived_counts(db, list(stats), moment)
    else:
        # Nothing stored yet: the conditions with zero counts, and how to start; no file made.
        stats = {}
        click.echo(f"note: {store.missing_database(state.db_path)}", err=True)
    rows = store.status_rows(queries, stats, arrived, moment)
    if default_format(fmt, state.env.is_terminal()) == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
    else:
        from ..views.counts import status_view

        console = state.env.out_console
        console.print(status_view(rows, width=console.width, since=moment, default=not since))


# --- acutrack queries --------------------------------------------------------------------


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option(
    "--condition",
    "-c",
    metavar="NAME",
    help="Only articles stored for this condition (name or alias).",
)
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest"]),
    default="relevance",
    show_default=True,
    help="Best matches first (FTS5 bm25 rank), or newest first like `show`.",
)
@_list_options
@pass_state
def search(
    state: State,
    text: tuple[str, ...],
    condition: str | None,
    sort: str,
    types: tuple[str, ...],
    comparator_values: tuple[str, ...],
    new_only: bool,
    since: str | None,
    limit: int | None,
    show_all: bool,
    fmt: str | None,
) -> None:
    """Full-text search over the titles and abstracts of all stored articles.

    \b
      sham acupuncture          both words (stemmed: trial also finds trials)
      '"sham acupuncture"'      the phrase
      'acupunct*'               a prefix: acupuncture, acupuncturist, ...
      moxibustion OR cupping    either word
      'acupuncture -mice'       without a word (quoted: -mice is no option)
      title:lupus               in the title only (or abstract:...)
      randomized                also randomised: British and American spellings

    Other punctuation is searched as text, never as query syntax. The same filters and formats
    as `show`; the table marks the search words in titles, shows a few words of the abstract
    around each match and the conditions of each article, and lists the 50 best matches
    unless --limit or --all says otherwise. A search marks nothing as shown: NEW marks stay
    for `show`.
    """
    from dataclasses import replace

    from .. import store

    filters = _selection(types, comparator_values, new_only, since)
    # The search text is checked after the other filters (their errors come first).
    query, words = store.fts_query(" ".join(text))
    db = open_read(state)
    name = _condition(state, db, condition)[0] if condition else None
    db = need(db, state)
    _list_articles(
        db,
        name,
        replace(filters, search=query),
        env=state.env,
        fmt=fmt,
        limit=limit,
        show_all=show_all,
        order=sort,
        search_text=" ".join(text),
        highlight=words,
        empty=f"No stored article matches {' '.join(text)!r}.",
    )


@click.command()
@click.argument("condition", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    help="table: a bar chart (default on a terminal); json (default in a pipe) or csv: the "
    "numbers per year.",
)
@click.option(
    "--all-years",
    is_flag=True,
    help="Chart every year from the first article, not from the first with evidence.",
)
@pass_state
def stats(state: State, condition: str | None, fmt: str | None, all_years: bool) -> None:
    """How the evidence grows: stored articles per year of publication.

    The chart opens with the totals per evidence tier (MA/SR, sham-controlled RCT, other
    RCT, possible RCT: each article once, in its tier, as `status` counts them), then per
    year from the first with evidence: all articles, each tier, the running total, the
    evidence as bars stacked by tier and all articles as a bar on its own scale. A year
    far above the rest is clipped, its count at the end of its bar. It opens in $PAGER only
    when taller than the terminal. Without CONDITION every stored article counts once,
    whatever its conditions. Missing years count as zero. json and csv give every year:
    the CONTRACT's fields (``rct`` counts the rct flag, sham-controlled trials too), then
    the count per tier (``tier_ma_sr``, ``tier_sham_rct``, ``tier_rct``, ...).
    """
    from .. import store
    from ..views.export import to_csv_rows, to_json, year_rows
    from ..views.listing import default_format

    db = open_read(state)
    name, label = _condition(state, db, condition) if condition else (None, "all conditions")
    db = need(db, state)
    rows = year_rows(store.year_counts(db, name))
    fmt = default_format(fmt, state.env.is_terminal())
    if fmt == "json":
        click.echo(to_json({"condition": name, "years": rows}), nl=False)
    elif fmt == "csv":
        click.echo(to_csv_rows(rows), nl=False)
    else:
        from ..views.counts import stats_chart
        from ..views.paging import print_paged

        console = state.env.out_console
        if not rows:
            console.print(f"No articles stored for {label} yet.", markup=False, highlight=False)
            return
        chart = stats_chart(
            rows, title=f"Articles per year: {label}", width=console.width, all_years=all_years
        )
        print_paged(console, chart)
