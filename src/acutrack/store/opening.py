"""Opening and checking a database: ``open_db`` (writers: creates and migrates) and
``open_quick`` (readers), both a plain ``sqlite3.Connection``; nothing is written before the
file is known to be an acutrack database this version can use."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from . import lock
from .derived import Progress, ensure_current
from .failures import (
    BUSY_TIMEOUT,
    StoreError,
    connect_read,
    empty_database,
    explain,
    file_kind,
    missing_database,
)
from .lock import held_elsewhere
from .schema import MIGRATIONS, migrate, pending_migrations
from .transactions import read_only


def _connect(path: Path) -> sqlite3.Connection:
    # check_same_thread=False: import writes on a second thread while the first parses
    # (store.BatchWriter); one thread at a time uses the connection. IMMEDIATE: the
    # transaction Python opens before a write takes the write lock at once, waiting up to the
    # busy timeout for another writer, instead of reading first and then failing at once with
    # "database is locked" when it cannot upgrade (schema.atomic begins IMMEDIATE likewise).
    return sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level="IMMEDIATE"
    )


def _check(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Before a writer changes anything: refuse a damaged file (``quick_check`` reads every
    page; about 0.25 s on a 100,000-article database in the page cache, 3 s from a cold
    disk) and return the migrations still to do."""
    pending = pending_migrations(conn, path)
    problems = [" ".join(r[0].split()) for r in conn.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        found = "; ".join(problems)
        raise StoreError(
            f"The database {path} is damaged ({found[:200]}), so it was left "
            "untouched; restore it from a backup, or move it aside and run 'acutrack update' "
            "to build a new one"
        )
    return pending


def _ready(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def open_db(
    path: Path | str,
    *,
    create: bool = True,
    wait: float = BUSY_TIMEOUT,
    progress: Progress | None = None,
) -> sqlite3.Connection:
    """Open (and create or migrate) the database for writing, ready for concurrent readers
    and writers: a plain connection, as every store function takes. sqlite_utils wraps it
    only while the migrations run (they create tables and the full-text index with it).

    Nothing is written before the file is known to be an acutrack database (or a missing or
    empty file, with ``create``) that is not damaged and not from a newer acutrack. Creating
    happens under the writers' lock (waiting up to ``wait`` seconds for the command holding
    it), so a reader can tell a database being made from an empty file. An upgrade is one
    ``BEGIN IMMEDIATE`` transaction (``migrate``): commands upgrading the same old database
    at once queue on SQLite's write lock, and the one that waited finds the work done.

    Then the derived data: computed with another version (``derived``), every row is
    recomputed once (told to ``progress``). Only writing commands open with ``open_db``.
    """
    path = Path(path)
    conn = _schema_ready(path, create, wait)
    try:
        ensure_current(conn, progress)
    except (sqlite3.DatabaseError, OSError) as exc:
        conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _schema_ready(path: Path, create: bool, wait: float) -> sqlite3.Connection:
    """The connection ``open_db`` returns, created or upgraded as far as the schema goes."""
    kind = file_kind(path)
    if kind != "sqlite" and not create:
        raise missing_database(path) if kind == "missing" else empty_database(path)
    if kind == "sqlite":
        conn, pending = _guarded(path, _connect, _check)
        if conn is not None:
            return conn
        if "m001_initial" not in pending:
            return _migrated(path)  # an upgrade: SQLite's write lock orders it (see migrate)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {path.parent} for the database ({exc.strerror}); "
            "create it or use another database with --db"
        ) from None
    with lock.writer_lock(path, wait):
        return _migrated(path)  # finds done what the command we waited for did


def _guarded(
    path: Path,
    connect: Callable[[Path], sqlite3.Connection],
    check: Callable[[sqlite3.Connection, Path], list[str]],
) -> tuple[sqlite3.Connection | None, list[str]]:
    """``connect`` and ``check``: the connection when no migration is pending, else None (it
    is closed again) and the pending migrations; a StoreError naming what is wrong with the
    file when it cannot be used."""
    conn = None
    try:
        conn = connect(path)
        pending = check(conn, path)
        if not pending:
            return (conn if read_only(conn) else _ready(conn)), []
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    conn.close()
    return None, pending


def _migrated(path: Path) -> sqlite3.Connection:
    """Create or migrate the database as far as it still needs (checked again, and again
    inside ``migrate``'s transaction: another command may have done it meanwhile)."""
    conn = None
    try:
        conn = _connect(path)
        if not _check(conn, path):
            return _ready(conn)
        from sqlite_utils import Database

        db = Database(conn, execute_plugins=False)
        # WAL lets show/status read while an update writes; the busy timeout makes a second
        # writer wait instead of failing. Persistent: set once, by the command that creates.
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        _ready(conn)
        migrate(db)
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return conn


def check_before_writing(path: Path | str) -> None:
    """What a writing command checks before it takes the writers' lock (which makes the lock
    file): the file is missing, empty, or an acutrack database this version can use. Read
    without writing; ``open_db`` checks the whole file (quick_check) under the lock."""
    path = Path(path)
    if file_kind(path) == "sqlite":
        conn, _ = _guarded(path, _connect_read, pending_migrations)
        if conn is not None:
            conn.close()


def _connect_read(path: Path) -> sqlite3.Connection:
    conn, writable = connect_read(path)
    if writable:
        conn.isolation_level = "IMMEDIATE"  # as _connect: marking shown waits for a writer
    else:
        conn.execute("PRAGMA query_only=ON")
    return conn


def open_quick(
    path: Path | str, *, create: bool = False, upgrade: bool = True
) -> sqlite3.Connection:
    """Open for reading and marking as shown, fast: a plain connection, without importing
    sqlite_utils, when every migration is recorded, otherwise ``open_db`` (which creates or
    migrates the database first). The same type as ``open_db`` returns.

    Nothing is created or changed unless the schema needs an upgrade: a missing or empty
    (0-byte) file is a StoreError unless ``create``, and so is a file that is not an acutrack
    database; one being created by another command is waited for. A database that cannot be
    written is opened read-only (``read_only`` says so); one a newer acutrack wrote is
    refused untouched. ``upgrade=False``: a database that needs an upgrade is refused too,
    untouched (``feed``, which cron runs beside everything else, never changes a file).
    """
    path = Path(path)
    deadline = time.monotonic() + BUSY_TIMEOUT  # for a database being created
    while True:
        kind = file_kind(path)
        if kind != "sqlite" and create:
            return open_db(path, create=True)
        if kind == "missing":
            raise missing_database(path)
        pending = [name for name, _ in MIGRATIONS]
        if kind == "sqlite":
            conn, pending = _guarded(path, _connect_read, pending_migrations)
            if conn is not None:
                return conn
        if "m001_initial" not in pending and not upgrade:
            raise StoreError(
                f"The database {path} needs an upgrade to this acutrack's schema, which this "
                "command never makes; run 'acutrack status' once (it upgrades the database), "
                "then this command again"
            )
        if "m001_initial" not in pending:
            # An older schema: upgrade it in one transaction, never under the writers' lock
            # (only writing commands hold that, so a writer that finds it held knows another
            # writer has it). Another command upgrading right now holds SQLite's write lock:
            # this one waits for it (the busy timeout) and finds the work done.
            if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
                raise StoreError(
                    f"The database {path} needs an upgrade to this acutrack's schema, and it "
                    "is read-only; make it writable and run 'acutrack status' once (it "
                    "upgrades the database), then this command again"
                )
            return _migrated(path)
        # Empty: another command creating it holds the writers' lock until its first
        # migration is committed; otherwise nothing is there to read.
        if not held_elsewhere(path) or time.monotonic() > deadline:
            raise empty_database(path)
        time.sleep(0.1)
