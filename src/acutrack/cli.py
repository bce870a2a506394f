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
    """Turns any library error that escaped a command into one sentence, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from .config import ConfigError, redact

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise BadSetting(redact(str(exc))) from None
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
            raise WorkFailed(redact(_unexpected(exc))) from None


def _unexpected(exc: Exception) -> str:
    from .entrez import EntrezError
    from .records import NotPubMedData
    from .store import StoreError
    from .sync import LockedError

    if isinstance(exc, EntrezError | NotPubMedData | StoreError | LockedError):
        return str(exc)
    return (
        f"unexpected {exc.__class__.__name__}: {exc}; please report this with the command you ran"
    )


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
        from .render import err_console

        err_console().print(
            "warning: NCBI_EMAIL is not set; NCBI asks every client for a contact address "
            "(export NCBI_EMAIL=you@example.org)",
            markup=False,
            highlight=False,
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
        f"{name}: {result.records} records from {result.files} file"
        f"{'s' if result.files != 1 else ''}, {result.new} new"
    )


@cli.command()
@click.argument("condition")
@click.option(
    "--type", "flag", metavar="TYPE", help="Only articles with this flag (rct, meta-analysis, ...)."
)
@click.option("--new", "new_only", is_flag=True, help="Only articles not shown before.")
@click.option(
    "--since",
    metavar="DATE",
    help="Only articles that entered PubMed on or after DATE (YYYY-MM-DD).",
)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N articles.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown", "ris", "bibtex"]),
    help="Output format [default: table on a terminal, json in a pipe].",
)
@pass_state
def show(
    state: State,
    condition: str,
    flag: str | None,
    new_only: bool,
    since: str | None,
    limit: int | None,
    fmt: str | None,
) -> None:
    """The articles stored for a condition, newest first."""
    from . import store
    from .evidence import FLAGS

    cond = state.queries().resolve(condition)
    if flag and flag not in FLAGS:
        raise BadSetting(f"Unknown --type '{flag}'; use one of {', '.join(FLAGS)}")
    since = _check_date(since)
    db = state.open_db()
    rows = store.query_articles(
        db, cond.name, flag=flag, new_only=new_only, since=since, limit=limit
    )
    _print_articles(rows, fmt)
    store.mark_shown(db, cond.name, [r["pmid"] for r in rows])


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BadSetting(f"Bad date '{value}'; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


def _print_articles(rows: list[dict[str, Any]], fmt: str | None) -> None:
    from .render import articles_table, out_console, public_article

    console = out_console()
    fmt = fmt or ("table" if console.is_terminal else "json")
    if fmt == "table":
        console.print(articles_table(rows))
        return
    if fmt == "json":
        import json

        click.echo(json.dumps([public_article(r) for r in rows], indent=2, ensure_ascii=False))
        return
    from . import export

    click.echo(export.render(rows, fmt), nl=False)


@cli.command()
@click.argument("pmid")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), help="Output format.")
@pass_state
def article(state: State, pmid: str, fmt: str | None) -> None:
    """One stored article in full."""
    from . import store
    from .render import article_view, out_console, public_article

    pmid = pmid.strip()
    if not pmid.isdigit():
        raise BadSetting(f"'{pmid}' is not a PMID; a PMID is a number such as 34646018")
    db = state.open_db()
    row = store.get_article(db, pmid)
    if row is None:
        raise WorkFailed(f"PMID {pmid} is not in the database; run 'acutrack update' or import it")
    console = out_console()
    if (fmt or ("table" if console.is_terminal else "json")) == "json":
        import json

        click.echo(json.dumps(public_article(row), indent=2, ensure_ascii=False))
    else:
        console.print(article_view(row))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), help="Output format.")
@pass_state
def status(state: State, fmt: str | None) -> None:
    """Per condition: stored and new counts and the last successful update."""
    from . import store
    from .render import out_console, status_rows, status_table

    queries = state.queries()
    db = state.open_db()
    rows = status_rows(queries, store.condition_stats(db))
    console = out_console()
    if (fmt or ("table" if console.is_terminal else "json")) == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
    else:
        console.print(status_table(rows))


def main() -> None:  # pragma: no cover - the console script calls cli() directly
    cli()
