"""Derived data with a version: the columns ``evidence.derive`` computes for every stored
article, and what ``tiers`` builds from the registry (condition_years and its triggers, the
article_overview view), are a cache of the stored fields. ``_derived`` records the version
(``acutrack.derivation``) they were computed with; a writing command that finds another one
(``open_db``) recomputes every row once, and read commands never write it (they read what
is stored; counts follow the registry through ``tiers.counts_source``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from .. import derivation
from .schema import JSON_COLUMNS
from .tiers import build_counts, build_overview, counts_select, drop_counts
from .transactions import atomic, now_iso

# Told (done, total) after every page of rows recomputed: the command draws progress with it.
Progress = Callable[[int, int], None]
PAGE = 1000


def stored_version(conn: sqlite3.Connection) -> str | None:
    """The version the stored derived data was computed with; None before ``_derived``
    exists (an upgrade a read command made) or before the first computation."""
    try:
        row = conn.execute("SELECT version FROM _derived WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # no such table: not upgraded yet
        return None
    return row[0] if row else None


def is_current(conn: sqlite3.Connection) -> bool:
    return stored_version(conn) == derivation.version()


def counts_source(conn: sqlite3.Connection) -> str:
    """What a read command counts from, as ``FROM condition_years`` would: the table when it
    was built with today's version, else the same rows computed from the stored articles (a
    read command never writes; a tier or count column added since is counted, not missing)."""
    if is_current(conn):
        return "condition_years"
    return f"({counts_select()}) AS condition_years"


def ensure_current(conn: sqlite3.Connection, progress: Progress | None = None) -> int:
    """Recompute the derived data when it was computed with another version (a writing
    command calls this after opening); returns how many rows changed."""
    if is_current(conn):
        return 0
    return recompute(conn, progress)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]


def recompute(conn: sqlite3.Connection, progress: Progress | None = None) -> int:
    """Recompute every stored article's derived columns from its stored fields, rebuild what
    is generated from the registry, and record the version: one transaction, re-checked
    inside it (a command that waited for another's recomputation finds it done)."""
    from ..evidence import DERIVED, DERIVED_FROM, derive  # the rules: only writers load them

    version = derivation.version()
    changed = 0
    with atomic(conn):
        if stored_version(conn) == version:
            return 0
        present = _columns(conn, "articles")
        columns = [c for c in DERIVED if c in present]
        listed = [c for c in DERIVED_FROM if c in present]
        drop_counts(conn)  # rebuilt below: its triggers would count every changed row twice
        sql = (
            f"UPDATE articles SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE pmid = ? "
            f"AND ({' OR '.join(f'[{c}] IS NOT ?' for c in columns)})"
        )
        # A page of rows at a time, by rowid: memory stays flat and no cursor reads a table
        # that is being updated under it.
        select = (
            f"SELECT rowid, pmid, {', '.join(f'[{c}]' for c in listed)} FROM articles "
            f"WHERE rowid > ? ORDER BY rowid LIMIT {PAGE}"
        )
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        done, last = 0, -1
        while page := conn.execute(select, [last]).fetchall():
            last = page[-1][0]
            updates: list[list[Any]] = []
            for row in page:
                article: dict[str, Any] = dict(zip(("pmid", *listed), row[1:], strict=True))
                for key in listed:
                    if key in JSON_COLUMNS:
                        article[key] = json.loads(article[key] or "[]")
                derived = derive(article)
                values = [
                    json.dumps(derived[c], ensure_ascii=False)
                    if isinstance(derived[c], list | dict)
                    else derived[c]
                    for c in columns
                ]
                updates.append([*values, article["pmid"], *values])
            if columns:
                changed += conn.executemany(sql, updates).rowcount
            done += len(page)
            if progress is not None:
                progress(done, total)
        if "evidence_tier" in present:
            build_counts(conn)
            build_overview(conn)
        conn.execute(
            "INSERT INTO _derived (id, version, computed_at) VALUES (1, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET version = excluded.version, "
            "computed_at = excluded.computed_at",
            [version, now_iso()],
        )
    return changed
