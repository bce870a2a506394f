"""The reads behind ``acutrack feed``: the newest stored articles, from a database opened for
reading only (the feed never creates, upgrades or writes one, so cron can rebuild a published
feed after every update without touching a digest's position)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from .articles import decode
from .failures import connect_read, explain, missing_database
from .schema import MIGRATIONS, StoreError, _refuse_newer, query
from .tiers import NEWEST_ORDER


def open_reading(path: Path) -> sqlite3.Connection:
    """The database at ``path`` for reading only (``query_only``): a missing one is not
    created, one a newer acutrack wrote is refused, and one that still needs an upgrade is
    left as it is, with the sentence saying how to upgrade it."""
    if not path.exists():
        raise missing_database(path)
    conn = None
    try:
        conn, _ = connect_read(path)
        _refuse_newer(conn, path)
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")} if has_table else set()
        if any(name not in done for name, _ in MIGRATIONS):
            raise StoreError(
                f"The database {path} needs an upgrade to this acutrack's schema, which a "
                "feed never makes; run 'acutrack status' once (it upgrades the database), "
                "then the feed again"
            )
        conn.execute("PRAGMA query_only=ON")
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}")) from None
    return conn


def newest_stored(
    db: sqlite3.Connection, conditions: list[str] | None, limit: int
) -> list[dict[str, Any]]:
    """The ``limit`` articles stored most recently under any of ``conditions`` (None: any
    condition), newest first: by when acutrack first found each for those conditions
    (``first_seen``, the earliest of its links), then newest in PubMed. Each row is the article
    object with ``first_seen`` and all its ``conditions``."""
    chosen = "WHERE condition IN (SELECT value FROM json_each(?))" if conditions is not None else ""
    sql = (
        "SELECT a.*, m.first_seen AS first_seen, "
        "(SELECT group_concat(x.condition) FROM article_conditions x WHERE x.pmid = a.pmid) "
        "AS conditions_csv "
        "FROM (SELECT pmid, min(first_seen) AS first_seen FROM article_conditions "
        f"{chosen} GROUP BY pmid) m JOIN articles a ON a.pmid = m.pmid "
        f"ORDER BY m.first_seen DESC, {NEWEST_ORDER} LIMIT ?"
    )
    params: list[Any] = [json.dumps(conditions)] if conditions is not None else []
    return [decode(r) for r in query(db, sql, [*params, limit])]
