"""Digest positions and the record of delivered digests (see ``acutrack.digest``)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..article import StoredArticle
from .articles import decode
from .tiers import EVIDENCE_ORDER
from .transactions import atomic, chunks, marks, query, write_row


def digest_positions(db: sqlite3.Connection, name: str) -> dict[str, dict[str, Any]]:
    """Per condition: the highest link id the digest ``name`` delivered, and when."""
    return {
        row["condition"]: row
        for row in query(db, "SELECT * FROM digest_positions WHERE name = ?", [name])
    }


def top_link_id(db: sqlite3.Connection, condition: str) -> int:
    """The highest ``article_conditions.id`` of a condition (0 without links)."""
    (top,) = db.execute(
        "SELECT max(id) FROM article_conditions WHERE condition = ?", [condition]
    ).fetchone()
    return top or 0


def links_between(db: sqlite3.Connection, condition: str, after: int, upto: int) -> list[str]:
    """PMIDs linked to ``condition`` with ``after < id <= upto``, in link order."""
    return [
        r[0]
        for r in db.execute(
            "SELECT pmid FROM article_conditions WHERE condition = ? AND id > ? AND id <= ? "
            "ORDER BY id",
            [condition, after, upto],
        )
    ]


def links_of(db: sqlite3.Connection, pmids: list[str]) -> list[tuple[str, str, int]]:
    """(pmid, condition, link id) of every link of these articles."""
    found: list[tuple[str, str, int]] = []
    for chunk in chunks(pmids):
        found += db.execute(
            f"SELECT pmid, condition, id FROM article_conditions WHERE pmid IN ({marks(chunk)})",
            chunk,
        ).fetchall()
    return found


def load_articles(db: sqlite3.Connection, pmids: list[str]) -> dict[str, StoredArticle]:
    """The stored articles (decoded, with ``first_seen`` and ``conditions``) by PMID."""
    found: dict[str, StoredArticle] = {}
    for chunk in chunks(pmids):
        for row in query(
            db,
            f"""
            SELECT a.*,
              (SELECT min(first_seen) FROM article_conditions WHERE pmid = a.pmid) AS first_seen,
              (SELECT group_concat(condition) FROM article_conditions WHERE pmid = a.pmid)
                AS conditions_csv
            FROM articles a WHERE a.pmid IN ({marks(chunk)})
            """,
            chunk,
        ):
            found[row["pmid"]] = decode(row)
    return found


def tiers_in_order(db: sqlite3.Connection, pmids: list[str]) -> list[tuple[str, str]]:
    """(pmid, evidence tier) of these stored PMIDs in the one evidence order: what a digest
    needs to list the top of each tier without loading every new article."""
    return [
        (r[0], r[1] or "other")
        for r in db.execute(
            "SELECT a.pmid, a.evidence_tier FROM articles a "
            f"WHERE a.pmid IN (SELECT value FROM json_each(?)) ORDER BY {EVIDENCE_ORDER}",
            [json.dumps(pmids)],
        )
    ]


def last_update_run(db: sqlite3.Connection) -> dict[str, Any] | None:
    """The latest run of ``update`` (started_at, status, error, summary)."""
    rows = list(
        query(
            db,
            "SELECT started_at, status, error, summary FROM runs WHERE command LIKE 'update%' "
            "ORDER BY id DESC LIMIT 1",
        )
    )
    return rows[0] if rows else None


def record_digest(
    db: sqlite3.Connection, row: dict[str, Any], ranges: dict[str, list[int]] | None
) -> int:
    """Insert a digest record and, with ``ranges``, move the name's positions, atomically.

    ``ranges``: condition -> [last delivered link id, highest link id delivered now].
    """
    with atomic(db):
        digest_id = write_row(db, "digests", row)
        for cond, (_after, upto) in (ranges or {}).items():
            db.execute(
                "INSERT INTO digest_positions (name, condition, last_id, updated_at, "
                "digest_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, condition) DO UPDATE "
                "SET last_id = max(last_id, excluded.last_id), "
                "updated_at = excluded.updated_at, digest_id = excluded.digest_id",
                [row["name"], cond, upto, row["created_at"], digest_id],
            )
    return digest_id


def check_recordable(db: sqlite3.Connection) -> None:
    """Raise what recording a digest would raise, before anything is delivered: a digest
    row is written and rolled back, so a read-only database file (which sqlite opens
    read-only without a word) or a missing table fails here, not after the mail went out.

    Running out of disk space cannot be seen this way (the rolled-back row never reaches
    the disk); that failure still comes after delivery, and says so."""
    from .failures import explain

    conn = db
    # A savepoint opens a transaction of its own, so nothing is committed however the
    # connection's isolation level is set; only the probe is undone.
    conn.execute("SAVEPOINT acutrack_probe")
    try:
        conn.execute(
            "INSERT INTO digest_positions (name, condition, last_id, updated_at, digest_id) "
            "VALUES ('', '', 0, '', NULL) ON CONFLICT (name, condition) DO UPDATE "
            "SET last_id = last_id"
        )
    except sqlite3.DatabaseError as exc:
        path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
        raise (explain(exc, path) or exc) from None
    finally:
        conn.execute("ROLLBACK TO acutrack_probe")
        conn.execute("RELEASE acutrack_probe")


def _decode_record(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("conditions", "ranges", "groups", "recipients"):
        row[key] = json.loads(row[key]) if row.get(key) else None
    return row


def last_digest(db: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The latest delivered digest of ``name`` that listed articles."""
    rows = list(
        query(
            db,
            "SELECT * FROM digests WHERE name = ? AND kind = 'digest' AND articles > 0 "
            "ORDER BY id DESC LIMIT 1",
            [name],
        )
    )
    return _decode_record(rows[0]) if rows else None


def digest_times_before(db: sqlite3.Connection, name: str, digest_id: int) -> dict[str, str]:
    """Per condition: when the last digest of ``name`` before ``digest_id`` covered it."""
    return {
        r["condition"]: r["updated_at"]
        for r in query(
            db,
            "SELECT d.created_at AS updated_at, value AS condition FROM digests d, "
            "json_each(d.conditions) WHERE d.name = ? AND d.id < ? AND d.kind != 'resend' "
            "ORDER BY d.id",
            [name, digest_id],
        )
    }


def digest_history(
    db: sqlite3.Connection, name: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The last ``limit`` digest records (of ``name``, or all), oldest first."""
    sql = "SELECT * FROM digests" + (" WHERE name = ?" if name else "")
    rows = query(db, sql + " ORDER BY id DESC LIMIT ?", [name, limit] if name else [limit])
    return [_decode_record(r) for r in rows][::-1]
