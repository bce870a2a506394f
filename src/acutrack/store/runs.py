"""Update positions, runs, and the per-condition status."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .schema import ReadDB, now_iso

if TYPE_CHECKING:
    from sqlite_utils import Database


def get_position(db: Database, condition: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM positions WHERE condition = ?", [condition]))
    return rows[0] if rows else None


def set_position(db: Database, position: dict[str, Any]) -> None:
    db.table("positions").upsert(position, pk="condition", alter=True)


def start_run(db: Database, command: str) -> int:
    with db.atomic():
        table = db.table("runs").insert(
            {"command": command, "started_at": now_iso(), "status": "running"}
        )
    assert table.last_pk is not None  # a one-row insert always sets it
    return int(table.last_pk)


def finish_run(
    db: Database, run_id: int, status: str, summary: Any = None, error: str | None = None
) -> None:
    with db.atomic():
        db.table("runs").update(
            run_id,
            {
                "finished_at": now_iso(),
                "status": status,
                "summary": json.dumps(summary) if summary is not None else None,
                "error": error,
            },
        )


def condition_stats(db: ReadDB) -> dict[str, dict[str, Any]]:
    """Per condition: stored and new (never shown) counts, and the last successful update."""
    stats: dict[str, dict[str, Any]] = {}
    for row in db.query(
        "SELECT condition, count(*) AS stored, sum(shown_at IS NULL) AS new, "
        "max(first_seen) AS last_new FROM article_conditions GROUP BY condition"
    ):
        stats[row["condition"]] = {
            "stored": row["stored"],
            "new": row["new"] or 0,
            "last_new": row["last_new"],
            "last_success": None,
            "query_hash": None,
        }
    for row in db.query("SELECT condition, last_success, query_hash FROM positions"):
        entry = stats.setdefault(row["condition"], {"stored": 0, "new": 0, "last_new": None})
        entry["last_success"] = row["last_success"]
        entry["query_hash"] = row["query_hash"]
    return stats


def status_rows(queries: Any, stats: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """`status` rows: every condition of queries.toml, then the stored ones not in it, with
    stored/new counts, the last successful update and whether the query changed since."""
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
                "last_success": entry.get("last_success"),
                "query_changed": bool(
                    cond and entry.get("query_hash") and entry["query_hash"] != cond.query_hash
                ),
                "in_queries": cond is not None,
            }
        )
    return rows
