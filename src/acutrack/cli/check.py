"""`check`: the full check of the database, which writing commands no longer run each time."""

from __future__ import annotations

import click

from .base import State, pass_state


@click.command()
@pass_state
def check(state: State) -> None:
    """Check that the database is sound: every page, index and table (SQLite's
    integrity_check), read-only.

    Exit 0 when it is sound, 1 with one sentence when it is damaged, missing or not an
    acutrack database. Writing commands check the file's header and schema and every page
    they touch, a cost that does not grow with the file; this reads all of it (seconds on a
    large database), so run it after a disk problem, a copy or a restore, or from cron.
    A writer runs the same full check on its own after a command stopped uncleanly.
    """
    from ..store import check_whole

    articles = check_whole(state.db_path)
    click.echo(f"The database {state.db_path} is sound ({articles:,} articles; every page read).")
