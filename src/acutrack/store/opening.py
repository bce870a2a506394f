"""Opening and checking a database: ``open_db`` (writers: creates and migrates) and
``open_quick`` (readers), both a plain ``sqlite3.Connection``; nothing is written before the
file is known to be an acutrack database this version can use."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import lock
from .derived import Progress, ensure_current
from .failures import (
    BUSY_TIMEOUT,
    DamagedError,
    StoreError,
    connect_read,
    damaged,
    empty_database,
    explain,
    file_kind,
    missing_database,
    stale_side_files,
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
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level="IMMEDIATE"
    )
    return _pages_checked(conn)


def _check(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Before a writer changes anything, at a cost flat in the file's size: the header was
    read (``file_kind``), the schema is read here (another program's database or a newer
    acutrack's is refused), and every page a write touches is checked by SQLite as it is
    read (``cell_size_check``), its errors mapped to the damage sentence. The full check,
    which reads every page (0.2 s warm, up to 2 s cold on 100,000 articles), runs only after
    an unclean stop (``lock.stopped_uncleanly``) and in ``acutrack check``. Returns the
    migrations still to do."""
    pending = pending_migrations(conn, path)
    if lock.stopped_uncleanly(path):
        try:
            full_check(conn, path, "quick_check")
        except DamagedError as exc:
            lock.remember_damage(path, exc.found)  # every later command refuses it at once
            raise
    return pending


def full_check(conn: sqlite3.Connection, path: Path, pragma: str = "integrity_check") -> None:
    """Read every page (``quick_check``: structure; ``integrity_check``: indexes against
    their tables too); the damage sentence when anything is wrong."""
    problems = [" ".join(r[0].split()) for r in conn.execute(f"PRAGMA {pragma}(4)")]
    problems = [p for p in problems if not p.startswith("***")]  # "*** in database main ***"
    if problems != ["ok"]:
        raise damaged(path, "; ".join(problems))


def check_whole(path: Path | str) -> int:
    """``acutrack check``: the full check of the database, read-only (nothing is created or
    changed, whatever its schema version); the number of stored articles when it is sound,
    else the damage sentence (a StoreError), as for a missing, empty or foreign file."""
    path = Path(path)
    kind = file_kind(path)
    if kind != "sqlite":
        raise missing_database(path) if kind == "missing" else empty_database(path)
    conn = None
    try:
        conn = _connect_read(path)
        pending_migrations(conn, path)
        full_check(conn, path)
        has_articles = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
        ).fetchone()
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0] if has_articles else 0
    except (sqlite3.DatabaseError, OSError) as exc:
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    finally:
        if conn is not None:
            conn.close()


def _pages_checked(conn: sqlite3.Connection) -> sqlite3.Connection:
    # SQLite checks each page's cells against the page as it reads it: damage in a page a
    # command reads or writes is an error (then the damage sentence), never a wrong answer.
    conn.execute("PRAGMA cell_size_check=ON")
    return conn


def _kind(path: Path) -> str:
    """``file_kind``, and damage a writer met in this very file (``lock.remembered_damage``):
    refused at once, before the file is opened, by readers and writers alike."""
    kind = file_kind(path)
    if kind == "sqlite":
        found = lock.remembered_damage(path)
        if found is not None:
            raise damaged(path, found)
    return kind


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
    kind = _kind(path)
    if kind != "sqlite" and not create:
        raise missing_database(path) if kind == "missing" else empty_database(path)
    if kind == "sqlite":
        stale = stale_side_files(path)
        if stale is not None:
            raise stale
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
    with _closed_on_error(path) as held:
        conn = held(connect(path))
        pending = check(conn, path)
        if not pending:
            return (conn if read_only(conn) else _ready(conn)), []
    conn.close()
    return None, pending


def _migrated(path: Path) -> sqlite3.Connection:
    """Create or migrate the database as far as it still needs (checked again, and again
    inside ``migrate``'s transaction: another command may have done it meanwhile)."""
    with _closed_on_error(path) as held:
        conn = held(_connect(path))
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
    return conn


@contextmanager
def _closed_on_error(
    path: Path,
) -> Iterator[Callable[[sqlite3.Connection], sqlite3.Connection]]:
    """Yields ``held(conn)``, which returns ``conn`` and remembers it: on any error inside
    the block the connection is closed, and a database or file error becomes a StoreError
    that names what is wrong with ``path`` (one sentence, no traceback)."""
    conns: list[sqlite3.Connection] = []

    def held(conn: sqlite3.Connection) -> sqlite3.Connection:
        conns.append(conn)
        return conn

    try:
        yield held
    except (sqlite3.DatabaseError, OSError) as exc:
        for conn in conns:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except BaseException:
        for conn in conns:
            conn.close()
        raise


def check_before_writing(path: Path | str) -> None:
    """What a writing command checks before it takes the writers' lock (which makes the lock
    file): the file is missing, empty, or an acutrack database this version can use, beside
    no side file it cannot write. Read without writing; ``open_db`` checks again under the
    lock (the full check too, after an unclean stop)."""
    path = Path(path)
    if _kind(path) == "sqlite":
        stale = stale_side_files(path)
        if stale is not None:
            raise stale
        conn, _ = _guarded(path, _connect_read, pending_migrations)
        if conn is not None:
            conn.close()


def _connect_read(path: Path) -> sqlite3.Connection:
    conn, writable = connect_read(path)
    if writable:
        conn.isolation_level = "IMMEDIATE"  # as _connect: marking shown waits for a writer
    else:
        conn.execute("PRAGMA query_only=ON")
    return _pages_checked(conn)


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
        kind = _kind(path)
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
