"""Transactions and the small helpers every store function uses on the one connection type
(a plain ``sqlite3.Connection``): rows as dicts, all-or-nothing blocks, one-row writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4


def now_iso() -> str:
    """Now, ISO 8601 in UTC with microseconds: string order is time order, so an article
    stored a moment after a digest is never taken for one stored before it
    (``acutrack.newness``). The real clock, not the Environment's: these stamps order the
    writes of different processes, so every process must read the same clock."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    """``items`` in slices small enough for one ``IN (?, ...)`` list."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(items: list[Any]) -> str:
    """``?,?,?``: one placeholder per item."""
    return ",".join("?" * len(items))


def query(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a SELECT as dicts (column name -> value)."""
    cursor = conn.execute(sql, list(params))
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, values, strict=True)) for values in cursor]


@contextmanager
def atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """All of the block or none of it: a transaction, or a savepoint inside the caller's open
    one (as sqlite_utils' ``Database.atomic``, which the migrations use on the same
    connection)."""
    if conn.in_transaction:
        name = f"acutrack_{uuid4().hex}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            # A RAISE(ROLLBACK) trigger can end the whole transaction, savepoints included.
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    # IMMEDIATE: the write lock now (waiting up to the busy timeout), not at the first write,
    # where a transaction that has read cannot wait and fails with "database is locked".
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def write_row(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], *, conflict: str | None = None
) -> int:
    """Insert one row (table and column names are the store's own, never user text); with
    ``conflict``, a row with the same key has the given columns replaced. Returns the rowid."""
    columns = ", ".join(f"[{c}]" for c in row)
    sql = f"INSERT INTO [{table}] ({columns}) VALUES ({marks(list(row))})"
    if conflict is not None:
        refreshed = [c for c in row if c != conflict]
        sql += f" ON CONFLICT([{conflict}]) DO UPDATE SET " + ", ".join(
            f"[{c}] = excluded.[{c}]" for c in refreshed
        )
    with atomic(conn):
        cursor = conn.execute(sql, list(row.values()))
    return int(cursor.lastrowid or 0)


def read_only(conn: sqlite3.Connection) -> bool:
    """True for a connection ``open_quick`` opened read-only (it sets ``query_only``)."""
    return bool(conn.execute("PRAGMA query_only").fetchone()[0])
