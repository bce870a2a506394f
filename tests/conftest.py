"""Shared fixtures: every test gets its own database, config folders and E-utilities server.

No test reaches the internet: ACUTRACK_EUTILS_URL points Bio.Entrez at a server on
127.0.0.1 that serves real NCBI data (see eutils_server.py).
"""

from __future__ import annotations

import copy
import inspect
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from types import CodeType, ModuleType

import pytest
from click.testing import CliRunner, Result
from eutils_server import REALDATA, SHARED, SHARED_PARTS, FakeEutils, Server

from acutrack.environment import Environment

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries.toml"
# A key that must never show up anywhere: output, logs, the database, exceptions.
SECRET_KEY = "TESTKEY-do-not-leak-0123456789abcdef"


# --- tests that need ../shared ------------------------------------------------------------
# The real PubMed data lives in the sibling folder shared/ (ACUTRACK_SHARED overrides it). In a
# clone without it, every test that needs it is skipped with one reason, never failed; CI
# (.ci/run, CI=true) refuses to run without any part of it the tests read (SHARED_PARTS:
# realdata, evidence-dev, verify-samples), so a missing folder can never pass there.
SHARED_MISSING = not REALDATA.is_dir()
SKIP_REASON = f"needs the real PubMed data in {REALDATA}, which is missing"
MISSING_PARTS = [part for part in SHARED_PARTS if not part.exists()]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    if MISSING_PARTS and in_ci():
        missing = ", ".join(str(part) for part in MISSING_PARTS)
        raise pytest.UsageError(
            f"CI is set but the shared real data {missing} is missing; CI must provide it "
            "(a missing folder must never let the tests pass by skipping)"
        )


def pytest_report_header(config: pytest.Config) -> str:
    if SHARED_MISSING:
        return f"shared data: {SKIP_REASON}; tests that need it are skipped"
    return f"shared data: {SHARED}"


def _code_names(code: CodeType) -> set[str]:
    """Global names a function (and the functions nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _code_names(const)
    return names


def _shared_names(module: ModuleType) -> set[str]:
    """Names in a test module that reach the shared data: paths under it, the helpers that
    build them, the local E-utilities server, and module functions using any of those."""
    names = {"realdata", "REALDATA", "SHARED", "eutils", "Server"}
    for name, value in vars(module).items():
        if isinstance(value, Path) and str(value).startswith(str(SHARED)):
            names.add(name)
        elif isinstance(value, list | tuple) and any(
            isinstance(v, Path) and str(v).startswith(str(SHARED)) for v in value
        ):
            names.add(name)
    functions = {
        n: _code_names(f.__code__)
        for n, f in vars(module).items()
        if inspect.isfunction(f) and f.__module__ == module.__name__
    }
    grown = True
    while grown:
        grown = False
        for name, used in functions.items():
            if name not in names and used & names:
                names.add(name)
                grown = True
    return names


def _item_needs_shared(item: pytest.Item, cache: dict[str, set[str]]) -> bool:
    function = getattr(item, "function", None)
    module = getattr(item, "module", None)
    if function is None or module is None:
        return False
    if module.__name__ not in cache:
        cache[module.__name__] = _shared_names(module)
    names = cache[module.__name__]
    used = _code_names(function.__code__)
    info = getattr(item, "_fixtureinfo", None)
    for fixture in getattr(info, "names_closure", ()):
        if fixture in names:
            return True
        for definition in getattr(info, "name2fixturedefs", {}).get(fixture, ()):
            used |= _code_names(definition.func.__code__)
    return bool(used & names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SHARED_MISSING:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    cache: dict[str, set[str]] = {}
    for item in items:
        if _item_needs_shared(item, cache):
            item.add_marker(skip)


def _needs_shared(exc: BaseException | None) -> bool:
    """A FileNotFoundError (also as the cause of another error) for a file under SHARED."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, FileNotFoundError) and exc.filename:
            if str(Path(exc.filename)).startswith(str(SHARED)):
                return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if MISSING_PARTS and report.failed and call.excinfo is not None:
        # The backstop: a missing file under SHARED that the names above did not reveal.
        if _needs_shared(call.excinfo.value):
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {SKIP_REASON}")


# The article object's fields the contract (CONTRACT.md) promises, in its order: every article in
# JSON carries them (show, search, article, verify's record, digests).
CONTRACT_ARTICLE_FIELDS = (
    "pmid",
    "title",
    "abstract",
    "journal",
    "year",
    "authors",
    "doi",
    "publication_types",
    "flags",
    "flag_reasons",
    "sample_size",
    "conditions",
    "first_seen",
    "status",
    "url",
)


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
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def eutils(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    """A running local E-utilities server; ACUTRACK_EUTILS_URL points at it."""
    with Server() as fake:
        monkeypatch.setenv("ACUTRACK_EUTILS_URL", fake.url)
        yield fake


def run(*args: str, input: str | None = None, env: Environment | None = None) -> Result:
    """Invoke the CLI in-process, stdout and stderr kept apart; ``env``: the Environment the
    command runs in (default: a fresh one on the runner's streams, as every command makes)."""
    from acutrack.cli import cli

    return CliRunner().invoke(cli, list(args), input=input, obj=env, catch_exceptions=False)


def on_day(day: date) -> Environment:
    """An Environment whose clock reads noon UTC of ``day``."""
    return Environment(clock=lambda: datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


def update_on(day: date, *conditions: str) -> Result:
    """`acutrack update [CONDITION...]` as if run on ``day`` (the update asks up to the
    Environment's today). ``exit_code``, and ``stdout`` (the summary lines update prints in
    a pipe)."""
    return run("update", *conditions, env=on_day(day))


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


@cache
def records_in(path: Path) -> dict[str, dict]:
    """Every record of a real PubMed file (XML or MEDLINE), by PMID, as records.iter_file
    parses it; read once per test session."""
    from acutrack.pubmed import records

    return {a["pmid"]: a for a in records.iter_file(path)}


def real_record(path: Path, pmid: str) -> dict:
    """One real record of ``path``: a deep copy, so a test may change it (lists included)
    without touching what another test reads from the shared cache."""
    return copy.deepcopy(records_in(path)[pmid])


@contextmanager
def lock_held_elsewhere(db: Path) -> Iterator[None]:
    """The writers' lock of ``db`` held by another process (a real one: this process's own
    holds are reentrant) for the length of the block."""
    code = (
        "import sys\nfrom acutrack.store import writer_lock\n"
        f"with writer_lock({str(db)!r}):\n    print('held', flush=True)\n    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.communicate(timeout=30)


class RecordingPager:
    """A pager that keeps what it is given (``paging.Pager``): each use is one page in
    ``pages``, written in ``pieces`` as they came."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.pieces: list[list[str]] = []

    @contextmanager
    def stream(self) -> Iterator[object]:
        pieces: list[str] = []
        self.pieces.append(pieces)
        yield pieces.append
        self.pages.append("".join(pieces))
