"""The reads behind ``acutrack feed``: the newest stored articles, from a database opened for
reading only (the feed never creates, upgrades or writes one, so cron can rebuild a published
feed after every update without touching a digest's position)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _chosen(conditions: list[str] | None) -> tuple[str, list[Any]]:
    """SQL restricting the links to ``conditions`` (None: any condition), and its parameter."""
    if conditions is None:
        return "", []
    return "WHERE condition IN (SELECT value FROM json_each(?))", [json.dumps(conditions)]


def newest_stored(
    db: sqlite3.Connection, conditions: list[str] | None, limit: int, since: str = ""
) -> Iterator[StoredArticle]:
    """The ``limit`` entries of the feed for ``conditions`` (None: any condition): first what
    arrived since ``since`` (first stored for those conditions at or after that ISO time,
    the earliest of its links), evidence first (the evidence order: strongest tier, larger
    trials), then by when it was stored, newest first; then the older ones newest stored
    first. Each row is the article object with ``first_seen`` and all its ``conditions``,
    read as the caller needs it (a feed of 10,000 entries never holds them all)."""
    chosen, params = _chosen(conditions)
    # In the window: the tier and trial size first; outside it every key is NULL and the
    # stored time decides.
    fresh = "m.first_seen >= ?"
    sql = (
        "SELECT a.*, m.first_seen AS first_seen, "
        "(SELECT group_concat(x.condition) FROM article_conditions x WHERE x.pmid = a.pmid) "
        "AS conditions_csv "
        "FROM (SELECT pmid, min(first_seen) AS first_seen FROM article_conditions "
        f"{chosen} GROUP BY pmid) m JOIN articles a ON a.pmid = m.pmid "
        f"ORDER BY {fresh} DESC, CASE WHEN {fresh} THEN a.evidence_rank END, "
        f"CASE WHEN {fresh} THEN a.sample_size IS NULL END, "
        f"CASE WHEN {fresh} THEN a.sample_size END DESC, m.first_seen DESC, {NEWEST_ORDER} "
        "LIMIT ?"
    )
    cursor = db.execute(sql, [*params, since, since, since, since, limit])
    keys = [d[0] for d in cursor.description]
    for values in cursor:
        yield decode(dict(zip(keys, values, strict=True)))


def last_stored(db: sqlite3.Connection, conditions: list[str] | None) -> str | None:
    """When the last article was first stored for ``conditions`` (None: any): the feed's
    ``updated``."""
    chosen, params = _chosen(conditions)
    row = db.execute(f"SELECT max(first_seen) FROM article_conditions {chosen}", params)
    value = row.fetchone()[0]
    return str(value) if value else None
