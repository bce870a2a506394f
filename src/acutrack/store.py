"""The SQLite store: schema, migrations, writes and the queries every command reads.

Tables:
- ``articles``: one row per PMID, with the record's fields and its evidence flags;
  list fields are JSON.
- ``article_conditions``: which condition found which article, and when first; ``id``
  grows with every new link, so digests remember "up to id N".
- ``positions``: per condition, the query it ran and the Entrez-date window it completed.
- ``runs``: every update and import, with its outcome.
- ``articles_fts``: full-text index over titles and abstracts, kept by triggers.
Schema changes are ordered, recorded migrations (``_migrations``), as in simonw/llm.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .records import Article

JSON_COLUMNS = (
    "abstract_sections",
    "authors",
    "authors_full",
    "mesh",
    "publication_types",
    "keywords",
    "language",
    "registry_numbers",
    "comments_corrections",
    "flags",
    "flag_reasons",
)
# MedlineCitation statuses after which NLM indexing is complete: nothing more to catch up.
FINAL_STATUSES = ("MEDLINE", "PubMed-not-MEDLINE", "OLDMEDLINE")
BUSY_TIMEOUT = 30.0


class StoreError(RuntimeError):
    """The database cannot be opened or written (exit 1)."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --- migrations ----------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(db: Database) -> None:
    db["articles"].create(
        {
            "pmid": str,
            "title": str,
            "abstract": str,
            "abstract_sections": str,
            "journal": str,
            "journal_abbrev": str,
            "issn": str,
            "volume": str,
            "issue": str,
            "pages": str,
            "year": int,
            "pub_date": str,
            "authors": str,
            "authors_full": str,
            "doi": str,
            "pmcid": str,
            "mesh": str,
            "publication_types": str,
            "keywords": str,
            "status": str,
            "language": str,
            "registry_numbers": str,
            "comments_corrections": str,
            "entrez_date": str,
            "revised_date": str,
            "flags": str,
            "flag_reasons": str,
            "stored_at": str,
            "updated_at": str,
        },
        pk="pmid",
    )
    db["article_conditions"].create(
        {
            "id": int,
            "pmid": str,
            "condition": str,
            "first_seen": str,
            "run_id": int,
            "shown_at": str,
        },
        pk="id",
        foreign_keys=[("pmid", "articles", "pmid")],
    )
    db["article_conditions"].create_index(["pmid", "condition"], unique=True)
    db["article_conditions"].create_index(["condition", "first_seen"])
    db["positions"].create(
        {
            "condition": str,
            "query_hash": str,
            "query": str,
            "window_start": str,
            "window_end": str,
            "last_success": str,
            "last_run_id": int,
            "last_found": int,
        },
        pk="condition",
    )
    db["runs"].create(
        {
            "id": int,
            "command": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "error": str,
            "summary": str,
        },
        pk="id",
    )
    db["articles"].enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")


def migrate(db: Database) -> None:
    """Apply the migrations not yet recorded, each in its own transaction."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now_iso()})


def open_db(path: Path | str, *, create: bool = True) -> Database:
    """Open (and create or migrate) the database, ready for concurrent readers and writers."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(
            f"No database at {path} yet; run 'acutrack update' or 'acutrack import' first"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
        db = Database(conn, execute_plugins=False)
        # WAL lets show/status read while an update writes; the busy timeout makes a second
        # writer wait instead of failing.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"Cannot use the database {path}: {exc}") from None
    except OSError as exc:
        raise StoreError(f"Cannot create the database folder for {path}: {exc.strerror}") from None
    return db


# --- writes ------------------------------------------------------------------------------


def _row(article: Article, stamp: str) -> dict[str, Any]:
    from .evidence import compute_flags

    row = {key: article.get(key) for key in ARTICLE_COLUMNS}
    reasons = compute_flags(article)
    row["flags"] = list(reasons)
    row["flag_reasons"] = reasons
    row["updated_at"] = stamp
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    return row


ARTICLE_COLUMNS = (
    "pmid",
    "title",
    "abstract",
    "abstract_sections",
    "journal",
    "journal_abbrev",
    "issn",
    "volume",
    "issue",
    "pages",
    "year",
    "pub_date",
    "authors",
    "authors_full",
    "doi",
    "pmcid",
    "mesh",
    "publication_types",
    "keywords",
    "status",
    "language",
    "registry_numbers",
    "comments_corrections",
    "entrez_date",
    "revised_date",
    "flags",
    "flag_reasons",
)


def save_articles(
    db: Database,
    articles: Iterable[Article],
    condition: str | None = None,
    run_id: int | None = None,
    stamp: str | None = None,
) -> list[str]:
    """Store (or refresh) articles and link them to ``condition``.

    Returns the PMIDs newly linked to the condition (all stored ones without a condition).
    Runs inside the caller's transaction when there is one.
    """
    stamp = stamp or now_iso()
    rows = [_row(a, stamp) for a in articles]
    if not rows:
        return []
    with db.atomic():
        db["articles"].upsert_all(rows, pk="pmid", alter=True)
        # stored_at is set once, on first store, and never overwritten by a refresh.
        db.execute(
            "UPDATE articles SET stored_at = ? WHERE stored_at IS NULL AND pmid IN "
            f"({','.join('?' * len(rows))})",
            [stamp, *[r["pmid"] for r in rows]],
        )
        if condition is None:
            return [r["pmid"] for r in rows]
        return link(db, condition, [r["pmid"] for r in rows], run_id, stamp)


def link(
    db: Database, condition: str, pmids: list[str], run_id: int | None, stamp: str | None = None
) -> list[str]:
    """Link stored articles to a condition; returns the PMIDs that were not linked before."""
    if not pmids:
        return []
    stamp = stamp or now_iso()
    with db.atomic():
        known = linked_pmids(db, condition, pmids)
        fresh = [p for p in dict.fromkeys(pmids) if p not in known]
        db["article_conditions"].insert_all(
            (
                {"pmid": p, "condition": condition, "first_seen": stamp, "run_id": run_id}
                for p in fresh
            ),
            ignore=True,
        )
    return fresh


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def linked_pmids(db: Database, condition: str, pmids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(pmids):
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT pmid FROM article_conditions WHERE condition = ? AND pmid IN "
                f"({','.join('?' * len(chunk))})",
                [condition, *chunk],
            )
        )
    return found


def stored_pmids(db: Database, pmids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(pmids):
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT pmid FROM articles WHERE pmid IN ({','.join('?' * len(chunk))})", chunk
            )
        )
    return found


def pending_pmids(db: Database, max_age_days: int = 730) -> list[str]:
    """Stored records NLM has not finished indexing, first stored within ``max_age_days``."""
    marks = ",".join("?" * len(FINAL_STATUSES))
    return [
        r[0]
        for r in db.execute(
            f"SELECT pmid FROM articles WHERE coalesce(status, '') NOT IN ({marks}) "
            "AND stored_at >= datetime('now', ?) ORDER BY pmid",
            [*FINAL_STATUSES, f"-{max_age_days} days"],
        )
    ]


# --- positions and runs ---------------------------------------------------------------------


def get_position(db: Database, condition: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM positions WHERE condition = ?", [condition]))
    return rows[0] if rows else None


def set_position(db: Database, position: dict[str, Any]) -> None:
    db["positions"].upsert(position, pk="condition", alter=True)


def start_run(db: Database, command: str) -> int:
    with db.atomic():
        table = db["runs"].insert(
            {"command": command, "started_at": now_iso(), "status": "running"}
        )
    return int(table.last_pk)


def finish_run(
    db: Database, run_id: int, status: str, summary: Any = None, error: str | None = None
) -> None:
    with db.atomic():
        db["runs"].update(
            run_id,
            {
                "finished_at": now_iso(),
                "status": status,
                "summary": json.dumps(summary) if summary is not None else None,
                "error": error,
            },
        )


# --- reads -------------------------------------------------------------------------------


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the public article object (contract fields first)."""
    for key in JSON_COLUMNS:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    conditions = row.pop("conditions_csv", None)
    if conditions is not None:
        row["conditions"] = sorted(set(conditions.split(","))) if conditions else []
    row["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"
    return row


def get_article(db: Database, pmid: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
            """
            SELECT a.*,
              (SELECT min(first_seen) FROM article_conditions WHERE pmid = a.pmid) AS first_seen,
              (SELECT group_concat(condition) FROM article_conditions WHERE pmid = a.pmid)
                AS conditions_csv
            FROM articles a WHERE a.pmid = ?
            """,
            [pmid],
        )
    )
    return decode(rows[0]) if rows else None


def query_articles(
    db: Database,
    condition: str | None = None,
    *,
    flag: str | None = None,
    new_only: bool = False,
    since: str | None = None,
    limit: int | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Articles for a condition (or all), newest first, with ``first_seen`` and ``new``."""
    where: list[str] = []
    params: list[Any] = []
    if condition is not None:
        where.append("ac.condition = ?")
        params.append(condition)
    if flag:
        where.append("EXISTS (SELECT 1 FROM json_each(a.flags) WHERE value = ?)")
        params.append(flag)
    if new_only:
        where.append("ac.shown_at IS NULL")
    if since:
        where.append("(coalesce(a.entrez_date, '') >= ? OR ac.first_seen >= ?)")
        params += [since, since]
    if search:
        where.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(search)
    sql = f"""
    SELECT a.*, min(ac.first_seen) AS first_seen, max(ac.shown_at IS NULL) AS new,
      (SELECT group_concat(ac2.condition) FROM article_conditions ac2 WHERE ac2.pmid = a.pmid)
        AS conditions_csv
    FROM articles a JOIN article_conditions ac ON ac.pmid = a.pmid
    {"WHERE " + " AND ".join(where) if where else ""}
    GROUP BY a.pmid
    ORDER BY coalesce(a.entrez_date, '') DESC, a.year DESC, CAST(a.pmid AS INTEGER) DESC
    {"LIMIT ?" if limit else ""}
    """
    if limit:
        params.append(limit)
    rows = []
    for row in db.query(sql, params):
        row = decode(row)
        row["new"] = bool(row["new"])
        rows.append(row)
    return rows


def mark_shown(db: Database, condition: str, pmids: list[str], stamp: str | None = None) -> None:
    stamp = stamp or now_iso()
    with db.atomic():
        for chunk in _chunks(pmids):
            db.execute(
                "UPDATE article_conditions SET shown_at = ? "
                "WHERE shown_at IS NULL AND condition = ? "
                f"AND pmid IN ({','.join('?' * len(chunk))})",
                [stamp, condition, *chunk],
            )


def condition_stats(db: Database) -> dict[str, dict[str, Any]]:
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
