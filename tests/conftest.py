"""Shared fixtures: every test gets its own database, config folders and E-utilities server.

No test reaches the internet: ACUTRACK_EUTILS_URL points Bio.Entrez at a server on
127.0.0.1 that serves real NCBI data (see eutils_server.py).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result
from eutils_server import REALDATA, FakeEutils, Server

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries.toml"
# A key that must never show up anywhere: output, logs, the database, exceptions.
SECRET_KEY = "TESTKEY-do-not-leak-0123456789abcdef"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the database, config and data folders at a temporary directory."""
    monkeypatch.setenv("ACUTRACK_DB", str(tmp_path / "acutrack.db"))
    monkeypatch.setenv("ACUTRACK_QUERIES", str(QUERIES))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    monkeypatch.setenv("NCBI_API_KEY", SECRET_KEY)
    monkeypatch.setenv("ACUTRACK_EUTILS_URL", "http://127.0.0.1:9/unreachable/")
    monkeypatch.delenv("ACUTRACK_SMTP_URL", raising=False)
    # Fast retries and timeouts; the retry logic itself is unchanged.
    monkeypatch.setenv("ACUTRACK_RETRY_DELAY", "0.01")
    monkeypatch.setenv("ACUTRACK_TIMEOUT", "3")
    from acutrack import render

    render.out_console.cache_clear()
    render.err_console.cache_clear()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def eutils(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    """A running local E-utilities server; ACUTRACK_EUTILS_URL points at it."""
    with Server() as fake:
        monkeypatch.setenv("ACUTRACK_EUTILS_URL", fake.url)
        yield fake


def run(*args: str, input: str | None = None) -> Result:
    """Invoke the CLI in-process, stdout and stderr kept apart."""
    from acutrack import render
    from acutrack.cli import cli

    render.out_console.cache_clear()
    render.err_console.cache_clear()
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def update_on(day: date, *conditions: str) -> SimpleNamespace:
    """`acutrack update [CONDITION...]` as if run on ``day``: the command always asks up to
    today, so tests that move the clock call the library with the date instead. Returns
    ``exit_code`` and ``stdout``/``output`` (the summary lines update prints in a pipe)."""
    from acutrack import entrez, store, sync
    from acutrack.config import NCBISettings, db_path, load_queries

    entrez.configure(NCBISettings.from_env())
    chosen = load_queries(os.environ["ACUTRACK_QUERIES"]).select(conditions)
    db = store.open_db(db_path(os.environ["ACUTRACK_DB"]))
    try:
        outcome = sync.update(db, chosen, today=day)
    finally:
        db.close()
    text = "\n".join(sync.summary_lines(outcome)) + "\n"
    return SimpleNamespace(exit_code=1 if outcome.failed else 0, stdout=text, output=text)


def run_process(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    """Run acutrack as a real process (no terminal), as cron would."""
    return subprocess.run(
        [sys.executable, "-m", "acutrack", *args],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def db_rows(tmp_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows from the test's database, read with plain sqlite3."""
    conn = sqlite3.connect(tmp_path / "acutrack.db")
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def realdata(*parts: str) -> Path:
    return REALDATA.joinpath(*parts)
