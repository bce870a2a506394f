"""The command group, its commands, global options and the one place library errors become
exit codes.

Library errors (``acutrack.errors.AcutrackError``) are caught once, in ``AcutrackGroup``: exit
2 for a bad setting or usage, exit 1 for work that failed, one sentence on standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .lazy import LazyGroup

if TYPE_CHECKING:  # annotations only: commands import these inside, after --help
    import sqlite3
    from collections.abc import Callable, Iterable

    from ..config import Queries
    from ..environment import Environment
    from ..pubmed.entrez import EntrezClient


class WorkFailed(click.ClickException):
    """The work failed: network, NCBI, an unreadable file (exit 1)."""

    exit_code = 1


class BadSetting(click.ClickException):
    """Wrong usage or a bad setting (exit 2)."""

    exit_code = 2


class AcutrackGroup(LazyGroup):
    """Turns any library error that escaped a command into one sentence, never a traceback.

    ``ACUTRACK_DEBUG=1`` (or true/yes/on) lets unexpected errors through with their
    traceback, for bug reports; 0, false, no, off or empty do not.
    """

    def invoke(self, ctx: click.Context) -> Any:
        from ..config import redact
        from ..errors import AcutrackError

        try:
            return super().invoke(ctx)
        except AcutrackError as exc:
            err = WorkFailed if exc.exit_code == 1 else BadSetting
            raise err(redact(str(exc))) from None
        except click.ClickException as exc:
            # click declares `message` Final; redacting it in place keeps the exception's
            # class, context and parameter, which click needs to print the usage hint.
            exc.message = redact(exc.message)  # type: ignore[misc]
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
            if debug_on():
                raise
            # Disk full, a read-only or damaged database, a folder that cannot be written:
            # the environment, not a bug; say which file and what to do.
            state = ctx.find_object(State)
            if state is not None and isinstance(exc, OSError | _sqlite3_errors()):
                from ..store import explain

                known = explain(exc, state.db_path)
                if known is not None:
                    raise WorkFailed(redact(str(known))) from None
            raise WorkFailed(
                redact(
                    f"unexpected {exc.__class__.__name__}: {exc}; please report this with the "
                    "command you ran (ACUTRACK_DEBUG=1 shows the traceback)"
                )
            ) from None


# Options several commands share, declared once.
wait_option = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="If another acutrack command is writing to the database, wait this long for it "
    "before giving up.",
)


def output_option(what: str) -> Any:
    """``--output/-o FILE``: write ``what`` to a file, atomically, instead of standard output."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write the {what} to this file (atomically) instead of standard output.",
    )


def emit(
    text: str | Iterable[str],
    output: Path | None,
    what: str,
    detail: str | Callable[[], str] = "",
) -> None:
    """Print ``text`` (a string, or pieces written as they come), or write it to ``output``
    atomically and say so on standard error ("Wrote FILE (detail)"; ``detail`` may be
    worked out once the text is written); a file that cannot be written is one sentence,
    exit 1."""
    from ..fileio import blocks, write_atomic

    if output is None:
        for block in blocks([text] if isinstance(text, str) else text):
            click.echo(block, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise WorkFailed(f"Cannot write the {what} to {output}: {exc.strerror}") from None
    said = detail() if callable(detail) else detail
    click.echo(f"Wrote {output}" + (f" ({said})" if said else ""), err=True)


def debug_on() -> bool:
    """Whether ACUTRACK_DEBUG holds a true value (1, true, yes, on; any case)."""
    import os

    return os.environ.get("ACUTRACK_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def _sqlite3_errors() -> type[Exception]:
    import sqlite3

    return sqlite3.DatabaseError


class State:
    """Global options, resolved lazily so --help never touches files, and the Environment
    (streams, terminals, encodings, clock) every command prints and dates through."""

    def __init__(self, db: str | None, queries: str | None, env: Environment) -> None:
        self._db = db
        self._queries = queries
        self.env = env

    @property
    def db_path(self) -> Path:
        from ..config import db_path

        return db_path(self._db)

    def queries(self) -> Queries:
        from ..config import load_queries

        return load_queries(self._queries)

    def open_db(self, create: bool = True) -> sqlite3.Connection:
        """The database for a writing command (which holds the writers' lock): created or
        upgraded, its derived data recomputed when another version made it, with a progress
        bar on a terminal."""
        from ..store import open_db
        from ..views.terminal import recompute_progress

        progress = recompute_progress(self.env.err_console)
        return open_db(self.db_path, create=create, progress=progress)


pass_state = click.make_pass_decorator(State)

# Every command, registered here and nowhere else: its name and where it is defined
# ("module:function" in this package, declared there with @click.command). A command's
# module is imported only when that command runs or shows its own --help (lazy.py).
COMMANDS = {
    "update": "update:update",
    "import": "update:import_",
    "verify": "update:verify",
    "show": "articles:show",
    "search": "articles:search",
    "article": "articles:article",
    "status": "articles:status",
    "stats": "articles:stats",
    "queries": "queries:queries_group",
    "digest": "digests:digest",
    "cron": "digests:cron",
    "report": "report:report",
    "datasette-metadata": "report:datasette_metadata",
    "feed": "feed:feed",
    "check": "check:check",
}


@click.group(
    cls=AcutrackGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
    from ..environment import Environment

    # The one Environment of this command: the process's own, or a test's (passed as obj).
    env = ctx.obj if isinstance(ctx.obj, Environment) else Environment()
    env.tolerate_any_encoding()
    ctx.obj = State(db, queries, env)


def entrez_client() -> EntrezClient:
    """The one client a command asks NCBI with, built here from the validated settings
    (a bad setting exits 2 before anything is asked) and passed to the code that needs it."""
    import warnings

    from ..config import NCBISettings
    from ..pubmed.entrez import EntrezClient

    settings = NCBISettings.from_env()
    if not settings.email:
        click.echo(
            "warning: NCBI_EMAIL is not set; NCBI asks every client for a contact address "
            "(export NCBI_EMAIL=you@example.org)",
            err=True,
        )
    # Bio.Entrez repeats that warning at length on every request.
    warnings.filterwarnings("ignore", message="\\s*Email address is not specified")
    return EntrezClient(settings)


def _condition(state: State, db: sqlite3.Connection | None, name: str) -> tuple[str, str]:
    """(name, label) of a condition: a name or alias from queries.toml, or a name that only
    `import` used. queries.toml is always read, so a broken file is reported (exit 2) by
    every command that names a condition."""
    from .. import store

    return state.queries().resolve_stored(name, store.condition_names(db) if db is not None else [])


def open_read(state: State) -> sqlite3.Connection | None:
    """The database for a read command, or None when there is none yet (the caller checks
    its arguments first, then ``need`` says so; nothing is created). A database that cannot
    be written opens read-only."""
    from .. import store

    return store.open_quick(state.db_path) if state.db_path.exists() else None


def need(db: sqlite3.Connection | None, state: State) -> sqlite3.Connection:
    """``db``, or the one sentence saying there is no database yet and how to make one."""
    if db is None:
        from .. import store

        raise store.missing_database(state.db_path)
    return db


def read_only_note(path: Path | None = None) -> None:
    """One line: a table was listed, but the database could not mark it shown: it is
    read-only, or (when it can be written) another command kept it busy past the timeout."""
    import os

    if path is None:
        state = click.get_current_context().find_object(State)
        path = state.db_path if state is not None else None
    why = "is read-only"
    if path is not None and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        from ..store import stale_side_files

        stale = stale_side_files(path)
        if stale is not None:  # what makes it read-only: the sentence says which and why
            click.echo(f"note: what was listed stays marked NEW. {stale}", err=True)
            return
        why = "is busy (another acutrack command is writing to it)"
    click.echo(f"note: the database {path} {why}, so what was listed stays marked NEW", err=True)
