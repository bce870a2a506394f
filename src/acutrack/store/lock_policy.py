"""When a writing command may take the writers' lock (``store.lock``): its wait, and the
longer wait it grants a command that is upgrading the schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import lock
from .failures import StoreError, file_kind
from .opening import _connect_read
from .schema import pending_migrations


@contextmanager
def writer_lock(path: Path | str, wait: float = 0) -> Iterator[None]:
    """The writers' lock every writing command holds (``store.lock``), waiting ``wait``
    seconds for another writing command, and as long as it takes for a command that is
    upgrading the schema (a reader may be, briefly)."""
    with lock.writer_lock(path, wait, upgrading=lambda: _upgrading(Path(path))):
        yield


def _upgrading(path: Path) -> bool:
    """True while an older schema waits for its upgrade (not for a new database: the command
    making it holds the lock for its whole work)."""
    try:
        if file_kind(path) != "sqlite":
            return False
        conn = _connect_read(path)
        try:
            pending = pending_migrations(conn, path)
        finally:
            conn.close()
    except (StoreError, sqlite3.DatabaseError, OSError):
        return False
    return bool(pending) and "m001_initial" not in pending
