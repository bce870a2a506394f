"""The reads behind ``acutrack feed``: the newest stored articles, from a database opened for
reading only (the feed never creates, upgrades or writes one, so cron can rebuild a published
feed after every update without touching a digest's position)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import newness
from ..article import StoredArticle
from .articles import decode
from .opening import open_quick
from .tiers import NEWEST_ORDER


def open_reading(path: Path) -> sqlite3.Connection:
    """The database at ``path`` for reading only (``query_only``): ``open_quick`` without
    its upgrade, so a missing, empty or foreign file and one needing an upgrade are refused
    untouched, with the sentence saying what to do."""
    conn = open_quick(path, upgrade=False)
    conn.execute("PRAGMA query_only=ON")
    return conn


def newest_stored(
    db: sqlite3.Connection, conditions: list[str] | None, limit: int, since: str | None = None
) -> Iterator[StoredArticle]:
    """The ``limit`` entries of the feed for ``conditions`` (None: any condition). With
    ``since``: the articles that arrived for one of them since then (``newness.arrived_sql``),
    evidence first (issue 25: the evidence order, strongest tier and larger trials first),
    then by when each was first stored for those conditions (``first_seen``, the earliest of
    its links), newest first; without it, every article newest stored first. Each row is the
    article object with ``first_seen`` and all its ``conditions``, read as the caller needs it
    (a feed of 10,000 entries never holds them all)."""
    where, params = _links(conditions, since)
    evidence = "a.evidence_rank, a.sample_size IS NULL, a.sample_size DESC, " if since else ""
    sql = (
        "SELECT a.*, m.first_seen AS first_seen, "
        "(SELECT group_concat(x.condition) FROM article_conditions x WHERE x.pmid = a.pmid) "
        "AS conditions_csv "
        "FROM (SELECT pmid, min(first_seen) AS first_seen FROM article_conditions l "
        f"WHERE {where} GROUP BY pmid) m JOIN articles a ON a.pmid = m.pmid "
        f"ORDER BY {evidence}m.first_seen DESC, {NEWEST_ORDER} LIMIT ?"
    )
    cursor = db.execute(sql, [*params, limit])
    keys = [d[0] for d in cursor.description]
    for values in cursor:
        yield decode(dict(zip(keys, values, strict=True)))


def newest_arrival(db: sqlite3.Connection, conditions: list[str] | None) -> str | None:
    """When the newest article was first stored for any of ``conditions`` (None: any)."""
    where, params = _links(conditions, None)
    return db.execute(
        f"SELECT max(first_seen) FROM article_conditions l WHERE {where}", params
    ).fetchone()[0]


def count_arrived(db: sqlite3.Connection, conditions: list[str] | None, since: str) -> int:
    """How many articles arrived for any of ``conditions`` since ``since`` (each once)."""
    where, params = _links(conditions, since)
    return db.execute(
        f"SELECT count(DISTINCT pmid) FROM article_conditions l WHERE {where}", params
    ).fetchone()[0]


def _links(conditions: list[str] | None, since: str | None) -> tuple[str, list[Any]]:
    tests, params = [], []
    if conditions is not None:
        tests.append("l.condition IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(conditions))
    if since:
        test, bound = newness.arrived_sql(since)
        tests.append(test)
        params += bound
    return " AND ".join(tests) or "1", params
