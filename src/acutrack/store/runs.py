"""Update positions, runs, and the per-condition status."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .. import flags, newness
from .derived import counts_source
from .tiers import tier_column
from .transactions import atomic, now_iso, query, write_row


def get_position(db: sqlite3.Connection, condition: str) -> dict[str, Any] | None:
    rows = list(query(db, "SELECT * FROM positions WHERE condition = ?", [condition]))
    return rows[0] if rows else None


def set_position(db: sqlite3.Connection, position: dict[str, Any]) -> None:
    # positions' columns are known (m001); a key the table lacks is a programming error.
    write_row(db, "positions", position, conflict="condition")


def start_run(db: sqlite3.Connection, command: str) -> int:
    with atomic(db):
        return write_row(
            db, "runs", {"command": command, "started_at": now_iso(), "status": "running"}
        )


def finish_run(
    db: sqlite3.Connection, run_id: int, status: str, summary: Any = None, error: str | None = None
) -> None:
    with atomic(db):
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ?, error = ? WHERE id = ?",
            [
                now_iso(),
                status,
                json.dumps(summary) if summary is not None else None,
                error,
                run_id,
            ],
        )


def condition_stats(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per condition: stored and new (never shown) counts, the articles in each evidence tier
    (``tiers``: tier key -> count), and the last successful update."""
    stats: dict[str, dict[str, Any]] = {}
    for row in query(
        db,
        f"SELECT condition, count(*) AS stored, sum({newness.unseen_sql('l')}) AS new, "
        "max(first_seen) AS last_new FROM article_conditions l GROUP BY condition",
    ):
        stats[row["condition"]] = {
            "stored": row["stored"],
            "new": row["new"] or 0,
            "last_new": row["last_new"],
            "last_success": None,
            "query_hash": None,
        }
    # The tier counts (distinct articles, each in one tier) from condition_years, kept by
    # triggers: a few rows per condition, the same numbers `stats` and the report read.
    keys = [t.key for t in flags.TIERS]
    sums = ", ".join(f"coalesce(sum({tier_column(k)}), 0) AS {tier_column(k)}" for k in keys)
    for row in query(db, f"SELECT condition, {sums} FROM {counts_source(db)} GROUP BY condition"):
        if row["condition"] in stats:
            stats[row["condition"]]["tiers"] = {k: row[tier_column(k)] for k in keys}
    for row in query(db, "SELECT condition, last_success, query_hash FROM positions"):
        entry = stats.setdefault(row["condition"], {"stored": 0, "new": 0, "last_new": None})
        entry["last_success"] = row["last_success"]
        entry["query_hash"] = row["query_hash"]
    return stats


def provenance(
    db: sqlite3.Connection, condition: str, query_text: str | None = None
) -> dict[str, Any]:
    """Where a condition's articles come from, for reports and digests: the saved query as it
    was last run (else ``query_text``, from queries.toml), PubMed's translation of it when
    known, when PubMed was last searched successfully (None: never; the articles were
    imported), and a link that runs the same search on PubMed."""
    from ..article import pubmed_search_url

    row = get_position(db, condition) or {}
    text = row.get("query") or query_text
    return {
        "condition": condition,
        "query": text,
        "translation": row.get("translation") or None,
        "searched_up_to": row.get("last_success"),
        "pubmed_url": pubmed_search_url(text) if text else None,
    }


def status_rows(
    queries: Any,
    stats: dict[str, dict[str, Any]],
    arrived: dict[str, dict[str, int]] | None = None,
    since: str | None = None,
) -> list[dict[str, Any]]:
    """`status` rows: every condition of queries.toml, then the stored ones not in it, with
    stored, unseen (``new``, its older name) and arrived counts (``acutrack.newness``; since
    ``since``, per tier in ``arrived_tiers``), the last successful update, whether the query
    changed since, and the articles per evidence tier (``tiers``)."""
    rows = []
    names = list(queries.conditions) + [n for n in stats if n not in queries.conditions]
    for name in names:
        entry = stats.get(name, {})
        cond = queries.conditions.get(name)
        rows.append(
            {
                "condition": name,
                "label": cond.label if cond else None,
                "stored": entry.get("stored", 0),
                "new": entry.get("new", 0),
                newness.UNSEEN: entry.get("new", 0),
                newness.ARRIVED: sum((arrived or {}).get(name, {}).values()),
                "arrived_since": since,
                "arrived_tiers": {
                    t.key: (arrived or {}).get(name, {}).get(t.key, 0) for t in flags.TIERS
                },
                "last_success": entry.get("last_success"),
                "query_changed": bool(
                    cond and entry.get("query_hash") and entry["query_hash"] != cond.query_hash
                ),
                "in_queries": cond is not None,
                # distinct articles per tier of flags.TIERS (they add up to stored)
                "tiers": {t.key: (entry.get("tiers") or {}).get(t.key, 0) for t in flags.TIERS},
            }
        )
    return rows
