"""Command-line interface: parses arguments, calls the library, prints results.

Library errors become click exceptions here and nowhere else: exit 2 for a bad setting or
usage, exit 1 for work that failed. Heavy modules (Bio, rich, sqlite_utils) are imported
inside the commands that need them, so quick commands start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


class WorkFailed(click.ClickException):
    """The work failed: network, NCBI, an unreadable file (exit 1)."""

    exit_code = 1


class BadSetting(click.ClickException):
    """Wrong usage or a bad setting (exit 2)."""

    exit_code = 2


class AcutrackGroup(click.Group):
    """Turns any library error that escaped a command into one sentence, never a traceback.

    ``ACUTRACK_DEBUG=1`` lets unexpected errors through with their traceback, for bug reports.
    """

    def invoke(self, ctx: click.Context) -> Any:
        import os

        from .config import redact
        from .errors import AcutrackError

        try:
            return super().invoke(ctx)
        except AcutrackError as exc:
            err = WorkFailed if exc.exit_code == 1 else BadSetting
            raise err(redact(str(exc))) from None
        except click.ClickException as exc:
            exc.message = redact(exc.message)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-done was kept.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head); not an error
            ctx.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("ACUTRACK_DEBUG"):
                raise
            # Disk full, a read-only or damaged database, a folder that cannot be written:
            # the environment, not a bug; say which file and what to do.
            state = ctx.find_object(State)
            if state is not None and isinstance(exc, OSError | sqlite3_errors()):
                from .store import explain

                known = explain(exc, state.db_path)
                if known is not None:
                    raise WorkFailed(redact(str(known))) from None
            raise WorkFailed(
                redact(
                    f"unexpected {exc.__class__.__name__}: {exc}; please report this with the "
                    "command you ran (ACUTRACK_DEBUG=1 shows the traceback)"
                )
            ) from None


def sqlite3_errors() -> type[Exception]:
    import sqlite3

    return sqlite3.DatabaseError


class State:
    """Global options, resolved lazily so --help never touches files."""

    def __init__(self, db: str | None, queries: str | None) -> None:
        self._db = db
        self._queries = queries

    @property
    def db_path(self) -> Path:
        from .config import db_path

        return db_path(self._db)

    def queries(self):  # -> Queries
        from .config import load_queries

        return load_queries(self._queries)

    def open_db(self, create: bool = True):  # -> Database
        from .store import open_db

        return open_db(self.db_path, create=create)


pass_state = click.make_pass_decorator(State)


@click.group(cls=AcutrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="acutrack")
@click.option(
    "--db",
    envvar="ACUTRACK_DB",
    metavar="PATH",
    help="SQLite database file [env ACUTRACK_DB; default: per-user data folder].",
)
@click.option(
    "--queries",
    envvar="ACUTRACK_QUERIES",
    metavar="PATH",
    help="Saved queries file [env ACUTRACK_QUERIES; default: ./queries.toml, "
    "then the per-user config folder, then the packaged copy].",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, queries: str | None) -> None:
    """Track what PubMed holds on acupuncture for autoimmune disease.

    Typical use: `acutrack update`, then `acutrack show lupus`.
    """
    ctx.obj = State(db, queries)


def _ncbi_settings():
    import warnings

    from . import entrez
    from .config import NCBISettings

    settings = NCBISettings.from_env()
    if not settings.email:
        click.echo(
            "warning: NCBI_EMAIL is not set; NCBI asks every client for a contact address "
            "(export NCBI_EMAIL=you@example.org)",
            err=True,
        )
    # Bio.Entrez repeats that warning at length on every request.
    warnings.filterwarnings("ignore", message="\\s*Email address is not specified")
    entrez.configure(settings)
    return settings


@cli.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.option(
    "--full", is_flag=True, help="Ignore the stored position and re-run each query's whole history."
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="If another update is running, wait this long for it before giving up.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary format.",
)
@pass_state
def update(state: State, conditions: tuple[str, ...], full: bool, wait: float, fmt: str) -> None:
    """Run the saved queries (all, or those named) and store what is new.

    Only what entered PubMed since the last successful run is asked for (with a few days'
    overlap), and records NLM has not finished indexing are fetched again so their
    publication types catch up. Exit 1 if any query failed; what was stored is kept and
    the next run asks again for what was missed.
    """
    from . import sync
    from .render import UpdateProgress, err_console, out_console, update_summary

    chosen = state.queries().select(conditions)
    _ncbi_settings()
    with sync.update_lock(state.db_path, wait):
        db = state.open_db()
        progress = UpdateProgress(err_console()) if err_console().is_terminal else None
        try:
            outcome = sync.update(db, chosen, full=full, progress=progress)
        finally:
            if progress:
                progress.close()
    if fmt == "json":
        import json

        click.echo(json.dumps(sync.as_dict(outcome), indent=2))
    elif out_console().is_terminal:
        out_console().print(update_summary(outcome))
    else:
        # Pipes and cron: one plain line per condition, never wrapped or coloured.
        click.echo("\n".join(sync.summary_lines(outcome)))
    if outcome.failed:
        raise WorkFailed(
            "update failed for "
            + ", ".join(
                [c.name for c in outcome.conditions if c.error]
                or ["the catch-up of not yet indexed records"]
            )
            + "; what was stored is kept and the next run fetches what was missed"
        )


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--condition",
    "-c",
    required=True,
    metavar="NAME",
    help="Store the records under this condition.",
)
@pass_state
def import_(state: State, files: tuple[Path, ...], condition: str) -> None:
    """Load PubMed XML (.xml, .xml.gz) or MEDLINE text (.txt, .nbib) into the database.

    Efetch output, the PubMed website's XML export, old MedlineCitationSet baseline files
    and MEDLINE / .nbib files all work. Each file is stored whole or not at all.
    """
    from . import sync
    from .article import plural
    from .config import NAME_RE, ConfigError

    name = condition.strip().lower()
    try:
        name = state.queries().resolve(name).name
    except ConfigError:
        if not NAME_RE.match(name):
            raise BadSetting(
                f"Condition name '{condition}' must be lower-case letters, digits, '-' or '_'"
            ) from None
    for path in files:
        if not path.exists():
            raise WorkFailed(f"{path} does not exist")
    db = state.open_db()
    result = sync.import_files(db, list(files), name)
    click.echo(
        f"{name}: {plural(result.records, 'record')} from {plural(result.files, 'file')}, "
        f"{result.new} new"
    )


TABLE_DEFAULT_LIMIT = 50
LIST_FORMATS = ("table", "json", "csv", "markdown", "ris", "bibtex")


def _list_options(fn: Any) -> Any:
    """The filters and formats `show` and `search` share."""
    options = [
        click.option(
            "--type",
            "-t",
            "types",
            multiple=True,
            metavar="TYPE",
            help="Only articles of this study type: rct, meta-analysis (ma), systematic-review "
            "(sr), protocol, sham-controlled (sham), retracted, registered (reg), pilot. "
            "Repeat it or use commas for any of several (--type ma,sr).",
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


def _study_types(values: tuple[str, ...]) -> list[str]:
    from .export import resolve_types

    return resolve_types(values)


def _condition(state: State, db: Any, name: str) -> tuple[str, str]:
    """(name, label) of a condition: a name or alias from queries.toml, or a name that only
    `import` used. queries.toml is always read, so a broken file is reported (exit 2) by
    every command that names a condition."""
    from . import store

    return state.queries().resolve_stored(name, store.condition_names(db) if db is not None else [])


def _list_articles(
    db: Any,
    *,
    fmt: str | None,
    limit: int | None,
    show_all: bool,
    condition: str | None,
    flags: list[str],
    new_only: bool,
    since: str | None,
    search: str | None = None,
    order: str = "newest",
    highlight: list[str] | None = None,
    empty: str = "No articles match.",
) -> None:
    """Query, print in the chosen format, and mark what a table listed as shown."""
    from . import store

    if fmt is None:
        from .render import out_console

        fmt = "table" if out_console().is_terminal else "json"
    if show_all:
        limit = None
    elif limit is None and fmt == "table":
        limit = TABLE_DEFAULT_LIMIT
    filters = {"flags": flags, "new_only": new_only, "since": since, "search": search}
    # One row more than asked tells whether more match, without counting them.
    rows = store.query_articles(
        db, condition, limit=limit + 1 if limit else None, order=order, **filters
    )
    more = limit is not None and len(rows) > limit
    del rows[limit or len(rows) :]
    if fmt != "table":
        from . import export

        click.echo(export.render(rows, fmt), nl=False)
        return
    from rich.console import Group

    from .render import articles_table, list_footer, out_console, print_paged

    console = out_console()
    if not rows:
        console.print(empty, markup=False, highlight=False)
        return
    # The total, unless --since makes counting slow on a big database (it checks every link).
    total = store.count_articles(db, condition, **filters) if more and not since else None
    footer = list_footer(
        len(rows),
        total if more else len(rows),
        sum(1 for r in rows if r["new"]),
        "--limit N or --all shows more" if more and not show_all else None,
    )
    table = articles_table(
        rows, width=console.width, show_conditions=condition is None, highlight=highlight
    )
    print_paged(console, Group(table, footer))
    # Listed in a table counts as shown (NEW disappears next time); exports mark nothing.
    if not store.mark_shown(db, [r["pmid"] for r in rows], condition):
        _read_only_note(state_db_path())


def _open_read(state: State) -> Any:
    """The database for a read command, or None when there is none yet (then the caller
    checks its arguments first and raises ``store.missing_database``; nothing is created)."""
    from . import store

    return store.open_quick(state.db_path) if state.db_path.exists() else None


def _need(db: Any, state: State) -> Any:
    if db is None:
        from . import store

        raise store.missing_database(state.db_path)
    return db


def state_db_path() -> Path:
    return click.get_current_context().find_object(State).db_path


def _read_only_note(path: Path) -> None:
    click.echo(
        f"note: the database {path} is read-only, so what was listed stays marked NEW",
        err=True,
    )


@cli.command()
@click.argument("condition")
@_list_options
@pass_state
def show(
    state: State,
    condition: str,
    types: tuple[str, ...],
    new_only: bool,
    since: str | None,
    limit: int | None,
    show_all: bool,
    fmt: str | None,
) -> None:
    """The articles stored for CONDITION, newest first (when they entered PubMed).

    CONDITION is a name or alias from queries.toml (lupus, sle, ra, ms, ...) or a name
    given to `acutrack import`. The table marks articles never shown before as NEW, shows
    study-type badges (RETRACTED in red), year, title, first author, journal and the PMID
    as a link to PubMed; it lists the newest 50 unless --limit or --all says otherwise, and
    opens in $PAGER (default: less -FRX) when taller than the terminal.

    Articles listed in a table count as shown: they lose NEW, and `--new` and `status`
    stop counting them. json, csv, markdown, ris and bibtex list every match, mark nothing
    and never wrap or colour; in a pipe the default is json (the article objects of
    CONTRACT.md), so scripts and cron get stable output.
    """

    flags = _study_types(types)
    since = _check_date(since)
    db = _open_read(state)
    name, label = _condition(state, db, condition)
    db = _need(db, state)
    _list_articles(
        db,
        fmt=fmt,
        limit=limit,
        show_all=show_all,
        condition=name,
        flags=flags,
        new_only=new_only,
        since=since,
        empty=f"No articles stored for {label} match"
        + ("." if flags or new_only or since else f"; run 'acutrack update {name}'."),
    )


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BadSetting(f"Bad date '{value}'; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


@cli.command()
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
    import re

    from . import store

    m = re.match(
        r"^(?:pmid:?\s*|https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|"
        r"ncbi\.nlm\.nih\.gov/pubmed)/)?(\d{1,9})/?$",
        pmid.strip(),
        re.I,
    )
    if not m:
        raise BadSetting(f"'{pmid}' is not a PMID; a PMID is a number such as 34646018")
    pmid = m.group(1)
    db = store.open_quick(state.db_path)  # none yet: says so and how to make one
    row = store.get_article(db, pmid)
    if row is None:
        raise WorkFailed(f"PMID {pmid} is not in the database; run 'acutrack update' or import it")
    from .article import public_article
    from .render import article_view, out_console, print_paged

    console = out_console()
    if (fmt or ("table" if console.is_terminal else "json")) == "json":
        from .export import to_json

        click.echo(to_json(public_article(row)), nl=False)
        return
    print_paged(console, article_view(row, store.article_links(db, pmid)))
    if not store.mark_shown(db, [pmid]):
        _read_only_note(state.db_path)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), help="Output format.")
@pass_state
def status(state: State, fmt: str | None) -> None:
    """Per condition: stored and new counts and the last successful update."""
    from . import store
    from .render import out_console, status_rows, status_table

    queries = state.queries()
    if state.db_path.exists():
        stats = store.condition_stats(store.open_quick(state.db_path))
    else:
        # Nothing stored yet: the conditions with zero counts, and how to start; no file made.
        stats = {}
        click.echo(f"note: {store.missing_database(state.db_path)}", err=True)
    rows = status_rows(queries, stats)
    console = out_console()
    if (fmt or ("table" if console.is_terminal else "json")) == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
    else:
        console.print(status_table(rows))


# --- acutrack queries --------------------------------------------------------------------


@cli.group(name="queries", invoke_without_command=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "text", "json"]),
    help="Output format [default: table on a terminal, text in a pipe].",
)
@click.option("--offline", is_flag=True, help="List the queries without asking PubMed (no counts).")
@click.option(
    "--condition",
    "-c",
    "only",
    multiple=True,
    metavar="NAME",
    help="Only this condition (name or alias; repeatable).",
)
@click.pass_context
def queries_group(
    ctx: click.Context, fmt: str | None, offline: bool, only: tuple[str, ...]
) -> None:
    """See what PubMed makes of each saved query; add, change or remove queries.

    Without a subcommand: each condition's label, aliases and full query (the shared
    intervention part filled in), with PubMed's count, its translation, how it mapped each
    phrase, and every error and warning it returned (one search per query). Exit 1 if any
    query has an error or a warning, so a cron job can alert on a broken query.
    """
    if ctx.invoked_subcommand is not None:
        return
    from . import queryedit
    from .render import out_console

    state = ctx.find_object(State)
    queries = state.queries()
    chosen = queries.select(only)
    changed = _changed_queries(state, queries)
    search = None
    if not offline:
        from . import entrez

        _ncbi_settings()

        def search(term: str):
            return entrez.esearch(term, retmax=0)

    checks = queryedit.check_queries(chosen, changed=changed, search=search)
    console = out_console()
    fmt = fmt or ("table" if console.is_terminal else "text")
    if fmt == "json":
        import json

        click.echo(json.dumps([c.as_dict() for c in checks], indent=2, ensure_ascii=False))
    elif fmt == "table":
        console.print(queryedit.panels(checks))
    else:
        click.echo("\n".join(queryedit.text_lines(checks)))
    if any(not c.ok for c in checks):
        raise WorkFailed(queryedit.failure_sentence(checks, queries.path))


def _changed_queries(state: State, queries: Any) -> set[str]:
    """Conditions whose query differs from the one their stored position belongs to."""
    if not state.db_path.exists():
        return set()
    from . import store
    from .render import err_console, status_rows

    try:
        stats = store.condition_stats(state.open_db(create=False))
    except store.StoreError as exc:
        err_console().print(f"warning: {exc}; changed queries are not marked", markup=False)
        return set()
    return {r["condition"] for r in status_rows(queries, stats) if r["query_changed"]}


def _edit_notes(edit: Any) -> None:
    if edit.copied_from:
        click.echo(
            f"Copied the packaged queries to {edit.path}; acutrack reads and edits that file "
            "from now on."
        )


@queries_group.command(name="add")
@click.argument("name")
@click.argument("query")
@click.option("--label", help="What the condition is called in output (default: NAME).")
@click.option(
    "--alias",
    "aliases",
    multiple=True,
    metavar="ALIAS",
    help="Another name for the condition (repeatable; replaces the aliases with --replace).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Change an existing condition: its query, and its label and aliases if given.",
)
@pass_state
def queries_add(
    state: State,
    name: str,
    query: str,
    label: str | None,
    aliases: tuple[str, ...],
    replace: bool,
) -> None:
    """Add a condition NAME searching QUERY (or change one with --replace).

    QUERY is the condition half of the PubMed search, e.g. '"Vasculitis"[Mesh] OR
    vasculit*[tiab]'; the shared intervention part is added to it. Use - to read it from
    standard input. queries.toml keeps its comments and layout. A changed query starts the
    condition's history afresh on the next update; its stored articles are kept.
    """
    from . import queryedit

    if query == "-":
        query = sys.stdin.read()
    edit = queryedit.add_condition(
        state._queries, name, query, label=label, aliases=aliases, replace=replace
    )
    _edit_notes(edit)
    if edit.action == "added":
        click.echo(f"Added [{edit.name}] to {edit.path}.")
        click.echo(f"Check what PubMed makes of it: acutrack queries -c {edit.name}")
    elif edit.action == "unchanged":
        click.echo(f"[{edit.name}] in {edit.path} already reads so; nothing changed.")
    elif edit.query_changed:
        click.echo(
            f"Changed [{edit.name}] in {edit.path}: its query changed, so the next update "
            "starts its history afresh (stored articles are kept)."
        )
        click.echo(f"Check what PubMed makes of it: acutrack queries -c {edit.name}")
    else:
        click.echo(
            f"Changed [{edit.name}] in {edit.path}; the query is the same, so its history "
            "continues."
        )


@queries_group.command(name="remove")
@click.argument("name")
@pass_state
def queries_remove(state: State, name: str) -> None:
    """Remove the condition NAME from queries.toml; its stored articles stay in the database.

    The rest of the file (comments included) is kept as it is.
    """
    from . import queryedit

    edit = queryedit.remove_condition(state._queries, name)
    _edit_notes(edit)
    stored = 0
    if state.db_path.exists():
        from . import store

        try:
            stored = (
                store.condition_stats(state.open_db(create=False))
                .get(edit.name, {})
                .get("stored", 0)
            )
        except store.StoreError:
            stored = 0
    kept = (
        f"its {stored} stored article{'s' if stored != 1 else ''} stay in the database"
        if stored
        else "anything stored for it stays in the database"
    )
    click.echo(f"Removed [{edit.name}] from {edit.path}; {kept} ('acutrack status' lists them).")


@cli.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.option(
    "--name",
    metavar="NAME",
    help="Which digest; each name keeps its own position [default: default].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    help="Format printed or written [default: from the --output suffix (.md, .html, .json), "
    "else text]. Mail is always plain text with an HTML alternative.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the digest to FILE (replaced atomically) instead of printing it.",
)
@click.option(
    "--to",
    "recipients",
    multiple=True,
    metavar="ADDRESS",
    help="Mail the digest to ADDRESS through ACUTRACK_SMTP_URL (repeatable).",
)
@click.option(
    "--from",
    "sender",
    envvar="ACUTRACK_MAIL_FROM",
    metavar="ADDRESS",
    help="Sender [env ACUTRACK_MAIL_FROM; default: ?from= in ACUTRACK_SMTP_URL, the login if "
    "it is an address, else acutrack@HOST].",
)
@click.option("--skip-empty", is_flag=True, help="Print, write and send nothing if nothing is new.")
@click.option(
    "--peek",
    "--dry-run",
    "peek",
    is_flag=True,
    help="Print the next digest without delivering it or moving the position.",
)
@click.option(
    "--again",
    is_flag=True,
    help="Deliver the last digest of NAME again, to where it went unless --output or --to "
    "is given; the position does not move.",
)
@click.option(
    "--mark-delivered",
    is_flag=True,
    help="Move NAME's position past everything stored now, producing no digest.",
)
@click.option(
    "--history", is_flag=True, help="List the digests delivered so far (of NAME if given)."
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="If an update or another digest is running, wait this long for it.",
)
@pass_state
def digest(
    state: State,
    conditions: tuple[str, ...],
    name: str | None,
    fmt: str | None,
    output: Path | None,
    recipients: tuple[str, ...],
    sender: str | None,
    skip_empty: bool,
    peek: bool,
    again: bool,
    mark_delivered: bool,
    history: bool,
    wait: float,
) -> None:
    """The articles first stored since the last digest of NAME, exactly once.

    Grouped by condition (all, or those named), strongest evidence first: RCTs,
    meta-analyses, systematic reviews, then the rest (retracted ones last). Each entry has
    title, authors, journal, year, flags with their reasons, two lines of the abstract and
    the PubMed link; an article is listed once per NAME.

    The position of NAME moves only after the digest was printed, written to --output or
    accepted by the mail server for every --to address; if that fails the command exits 1
    and the next digest lists the same articles again. Printing to standard output counts
    as delivered (cron mails what a job prints): use --peek to look without delivering.
    The first digest of a NAME lists everything stored so far; --mark-delivered skips that
    backlog. --again re-sends the last digest. Waits for a running update (--wait), so a
    digest never sends half an update.
    """
    from . import digest as dg
    from . import mail, store
    from .config import NAME_RE
    from .sync import update_lock

    key = (name or dg.DEFAULT_NAME).strip().lower()
    if not NAME_RE.match(key):
        raise BadSetting(
            f"Digest name '{name}' must be lower-case letters, digits, '-' or '_', e.g. weekly"
        )
    modes = [
        flag
        for flag, on in (
            ("--peek", peek),
            ("--again", again),
            ("--mark-delivered", mark_delivered),
            ("--history", history),
        )
        if on
    ]
    if len(modes) > 1:
        raise BadSetting(f"{modes[0]} and {modes[1]} cannot be used together; choose one")
    if modes and modes[0] != "--again" and (output or recipients):
        raise BadSetting(f"{modes[0]} delivers nothing; drop --output and --to")
    if (again or history) and conditions:
        raise BadSetting(f"{modes[0]} takes no conditions; drop {' '.join(conditions)}")
    addresses = [
        mail.check_address(part, "the --to address")
        for value in recipients
        for part in value.split(",")
        if part.strip()
    ]
    if sender:
        sender = mail.check_address(sender, "the --from address")
    smtp = mail.settings_from_env() if addresses else None

    db = state.open_db()
    if history:
        rows = dg.history(db, key if name else None)
        if fmt == "json":
            import json

            click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            click.echo("\n".join(map(dg.history_line, rows)) or "No digest delivered yet.")
        return
    queries = state.queries()
    labels = {n: c.label for n, c in queries.conditions.items()}
    chosen = [] if again else queries.select_stored(conditions, store.condition_names(db))
    if peek:
        click.echo(dg.render(dg.collect(db, key, chosen, labels), fmt or "text"), nl=False)
        return
    with update_lock(state.db_path, wait):
        dg.deliver(
            db,
            key,
            chosen,
            labels,
            fmt=fmt,
            output=output,
            addresses=addresses,
            sender=sender,
            smtp=smtp,
            skip_empty=skip_empty,
            again=again,
            mark_delivered=mark_delivered,
            echo=click.echo,
        )


@cli.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.option(
    "--schedule",
    metavar='"MIN HOUR DAY MONTH WEEKDAY"',
    help='A cron schedule, e.g. "0 7 * * 1" or @daily.',
)
@click.option("--weekly", is_flag=True, help="Mondays at 06:17 (the default).")
@click.option("--daily", is_flag=True, help="Every day at 06:17.")
@click.option(
    "--name", default="default", show_default=True, metavar="NAME", help="The digest name."
)
@click.option(
    "--to",
    "recipients",
    multiple=True,
    metavar="ADDRESS",
    help="Mail the digest to ADDRESS (repeatable); without it cron mails what digest prints.",
)
@click.option(
    "--log",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Log file [default: cron.log in the per-user data folder].",
)
@click.option(
    "--wait",
    type=click.IntRange(min=0),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="How long each command waits for an earlier run that is still going.",
)
@pass_state
def cron(
    state: State,
    conditions: tuple[str, ...],
    schedule: str | None,
    weekly: bool,
    daily: bool,
    name: str,
    recipients: tuple[str, ...],
    log: Path | None,
    wait: int,
) -> None:
    """Print a crontab line that runs update, then digest, on a schedule.

    Paths are absolute (this installation's acutrack, the database and queries file in use
    now), so the line works from cron's bare environment. The digest runs even when the
    update failed: what was stored is still new exactly once, the digest says the update
    failed, and the next update fetches what was missed. Both commands wait for an earlier
    run still going, so runs never overlap. Secrets are never printed: set NCBI_EMAIL,
    NCBI_API_KEY and ACUTRACK_SMTP_URL in the crontab yourself.
    """
    import os

    from . import cron as cr
    from . import mail
    from .config import APP_NAME, NAME_RE, find_queries_path, packaged_queries_path

    chosen_when = [
        flag
        for flag, on in (
            ("--schedule", schedule is not None),
            ("--weekly", weekly),
            ("--daily", daily),
        )
        if on
    ]
    if len(chosen_when) > 1:
        raise BadSetting(
            f"{chosen_when[0]} and {chosen_when[1]} cannot be used together; choose one"
        )
    when = schedule if schedule is not None else (cr.DAILY if daily else cr.WEEKLY)
    checked = cr.check_schedule(when)  # exit 2 saying which field is wrong
    key = name.strip().lower()
    if not NAME_RE.match(key):
        raise BadSetting(
            f"Digest name '{name}' must be lower-case letters, digits, '-' or '_', e.g. weekly"
        )
    addresses = [
        mail.check_address(part, "the --to address")
        for value in recipients
        for part in value.split(",")
        if part.strip()
    ]
    chosen = [c.name for c in state.queries().select(conditions)] if conditions else []
    exe = Path(sys.executable).absolute()  # not resolved: a venv's python is a symlink
    script = exe.parent / ("acutrack.exe" if os.name == "nt" else "acutrack")
    program = [str(script)] if script.is_file() else [str(exe), "-m", "acutrack"]
    queries_path = find_queries_path(state._queries)
    queries = None if queries_path == packaged_queries_path() else queries_path.resolve()
    if log is None:
        from platformdirs import user_data_path

        log = user_data_path(APP_NAME) / "cron.log"
    log = log.expanduser().absolute()
    log.parent.mkdir(parents=True, exist_ok=True)
    lines = cr.cron_lines(
        schedule=checked,
        program=program,
        db=state.db_path.expanduser().absolute(),
        queries=queries,
        name=key,
        conditions=chosen,
        recipients=addresses,
        log=log,
        wait=wait,
    )
    click.echo("\n".join(lines))


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE... | -")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    help="Output format [default: table on a terminal, json in a pipe].",
)
@pass_state
def verify(state: State, files: tuple[str, ...], fmt: str | None) -> None:
    """Check the references in health articles against PubMed.

    FILE is plain text, Markdown or an HTML page saved from a browser; - reads standard
    input. References in APA, Harvard, Vancouver/NLM and Nature style are found, and any
    line with a PMID or DOI. Each is looked up (PMID, DOI, ECitMatch, then searches on title, first
    author and year) and compared with the record: found, mismatch (what differs: title or
    the disease it names, author, year, journal, volume, pages), not found, or unchecked
    (the lookup failed, or a study is only mentioned, without a citation). References that
    share journal, volume and pages under another title are marked as duplicates.

    JSON: one object per reference; `source` is the FILE as given, `<stdin>` for -, and
    `duplicate_of` the 0-based index of the earlier reference. Exit 0 when every
    reference could be looked up, whatever the verdicts; 1 when a lookup failed.
    """

    from . import verify as checking
    from .article import plural
    from .references import extract
    from .render import UpdateProgress, err_console, out_console

    texts = []
    for name in files:
        texts.append(checking.read_input(name))
    refs = []
    for source, text in texts:
        found = extract(text, source)
        if not found:
            click.echo(
                f"note: no references found in {source} (looked for APA, Harvard, Vancouver "
                "and Nature-style citations, PMIDs, DOIs and studies mentioned in the text)",
                err=True,
            )
        refs += found
    console = out_console()
    fmt = fmt or ("table" if console.is_terminal else "json")
    rows: list[dict[str, Any]] = []
    if refs:
        if any(r.kind != "mention" for r in refs):
            _ncbi_settings()
        db = state.open_db(create=False) if state.db_path.exists() else None
        progress = UpdateProgress(err_console()) if err_console().is_terminal else None
        try:
            checks = checking.check(refs, progress=progress)
        finally:
            if progress:
                progress.close()
        rows = [checking.outcome(c, db) for c in checks]
    if fmt == "json":
        from .export import to_json

        click.echo(to_json(rows), nl=False)
    elif rows:
        console.print(checking.table(rows))
        console.print(checking.summary(rows), markup=False, highlight=False)
    failed = [r for r in rows if r["lookup_failed"]]
    if failed:
        raise WorkFailed(
            (
                f"{len(failed)} of {plural(len(rows), 'reference')} could not be looked up, so "
                f"{'it is' if len(failed) == 1 else 'they are'} reported as unchecked: "
                if len(rows) > 1
                else "The reference could not be looked up, so it is reported as unchecked: "
            )
            + failed[0]["reason"]
        )


@cli.command()
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

    Other punctuation is searched as text, never as query syntax. The same filters and formats
    as `show`; the table adds each article's conditions, marks the search words, and lists
    the 50 best matches unless --limit or --all says otherwise. Articles listed in a table
    count as shown under every condition; exports mark nothing.
    """
    import sqlite3

    from . import store

    flags = _study_types(types)
    since = _check_date(since)
    query, words = store.fts_query(" ".join(text))
    db = _open_read(state)
    name = _condition(state, db, condition)[0] if condition else None
    db = _need(db, state)
    try:
        _list_articles(
            db,
            fmt=fmt,
            limit=limit,
            show_all=show_all,
            condition=name,
            flags=flags,
            new_only=new_only,
            since=since,
            search=query,
            order=sort,
            highlight=words,
            empty=f"No stored article matches {' '.join(text)!r}.",
        )
    except sqlite3.OperationalError as exc:
        if "fts5" not in str(exc) and "MATCH" not in str(exc):
            raise
        raise BadSetting(
            f'Cannot search for {" ".join(text)!r} ({exc}); use words, "phrases", word*, '
            "OR and -word"
        ) from None


@cli.command()
@click.argument("condition", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    help="table: a bar chart (default on a terminal); json (default in a pipe) or csv: the "
    "numbers per year.",
)
@pass_state
def stats(state: State, condition: str | None, fmt: str | None) -> None:
    """How the evidence grows: stored articles per year of publication.

    Per year: all articles, randomized controlled trials (RCT) and meta-analyses or
    systematic reviews (MA/SR, each article once), and the running total, drawn as stacked
    bars (RCT, MA/SR, other) so the trend shows at a glance. Without CONDITION every stored
    article counts once, whatever its conditions. Missing years count as zero.
    """
    from . import store
    from .export import to_csv_rows, to_json, year_rows

    db = _open_read(state)
    name, label = _condition(state, db, condition) if condition else (None, "all conditions")
    db = _need(db, state)
    rows = year_rows(store.year_counts(db, name))
    if fmt is None:
        from .render import out_console

        fmt = "table" if out_console().is_terminal else "json"
    if fmt == "json":
        click.echo(to_json({"condition": name, "years": rows}), nl=False)
    elif fmt == "csv":
        click.echo(to_csv_rows(rows), nl=False)
    else:
        from .render import out_console, print_paged, stats_chart

        console = out_console()
        if not rows:
            console.print(f"No articles stored for {label} yet.", markup=False, highlight=False)
            return
        print_paged(
            console, stats_chart(rows, title=f"Articles per year: {label}", width=console.width)
        )
