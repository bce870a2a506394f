"""Schema, migrations and connections: ``open_db`` (sqlite-utils) and ``open_quick``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import flags
from ..article import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS
from ..errors import WorkError

if TYPE_CHECKING:  # imported lazily: `show` and friends start without sqlite_utils (see open_quick)
    from sqlite_utils import Database

# The articles table: one column per Article key (lists as JSON text), then what the store
# adds: the evidence flags (JSON) and when the row was first stored and last refreshed.
ARTICLE_COLUMNS: dict[str, type] = {
    **{key: int if key in INT_FIELDS else str for key in ARTICLE_FIELDS},
    "flags": str,
    "flag_reasons": str,
    "stored_at": str,
    "updated_at": str,
}
JSON_COLUMNS = (*LIST_FIELDS, "flags", "flag_reasons")
# MedlineCitation statuses after which NLM indexing is complete: nothing more to catch up.
FINAL_STATUSES = ("MEDLINE", "PubMed-not-MEDLINE", "OLDMEDLINE")
BUSY_TIMEOUT = 30.0


class StoreError(WorkError, RuntimeError):
    """The database cannot be opened or written (exit 1)."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --- migrations ----------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


# SQL: does the article ``a`` carry the flag (flags is a JSON list, so '"rct"' is exact)?
HAS_FLAG = "instr(a.flags, '\"{}\"') > 0"
IS_MA_SR = "(" + " OR ".join(HAS_FLAG.format(f) for f in flags.SYNTHESES) + ")"
IS_RCT = HAS_FLAG.format("rct")
IS_SHAM = HAS_FLAG.format("sham-controlled")
IS_RETRACTED = HAS_FLAG.format("retracted")
# Each article in exactly one study-type class, strongest first: MA/SR, sham-controlled RCT,
# other RCT, everything else. Protocols (of trials or reviews) are plans, not evidence: "other".
EVIDENCE_CLASS = (
    f"CASE WHEN {HAS_FLAG.format('protocol')} THEN 'other' WHEN {IS_MA_SR} THEN 'ma_sr' "
    f"WHEN {IS_RCT} AND {IS_SHAM} THEN 'sham_rct' "
    f"WHEN {IS_RCT} THEN 'rct' ELSE 'other' END"
)
# The article_overview view (migration m005): its rowid is the article's, for articles_fts.
ARTICLE_OVERVIEW_SQL = f"""
SELECT a.pmid AS pmid, a.title AS title, a.year AS year,
  coalesce(a.journal_abbrev, a.journal) AS journal,
  json_extract(a.authors, '$[0]') AS first_author,
  CASE {EVIDENCE_CLASS} WHEN 'ma_sr' THEN 'MA/SR' WHEN 'sham_rct' THEN 'Sham-controlled RCT'
    WHEN 'rct' THEN 'Other RCT' ELSE 'Other' END AS study_type,
  a.sample_size AS sample_size,
  a.flags AS flags,
  {IS_RETRACTED} AS retracted,
  (SELECT json_group_array(x.condition) FROM
    (SELECT condition FROM article_conditions WHERE pmid = a.pmid ORDER BY condition) x)
    AS conditions,
  (SELECT min(first_seen) FROM article_conditions WHERE pmid = a.pmid) AS first_seen,
  a.entrez_date AS entrez_date,
  a.doi AS doi,
  'https://pubmed.ncbi.nlm.nih.gov/' || a.pmid || '/' AS pubmed_url,
  CASE WHEN a.doi IS NOT NULL AND a.doi != '' THEN 'https://doi.org/' || a.doi END AS doi_url,
  a.rowid AS rowid
FROM articles a
"""


@migration
def m001_initial(db: Database) -> None:
    # The columns come from article.Article. A key added there later reaches a new database
    # here and an existing one through save_articles (upsert with alter=True).
    db["articles"].create(
        ARTICLE_COLUMNS,
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


@migration
def m002_digests(db: Database) -> None:
    # Per digest name and condition: the highest article_conditions.id already delivered.
    db["digest_positions"].create(
        {"name": str, "condition": str, "last_id": int, "updated_at": str, "digest_id": int},
        pk=("name", "condition"),
    )
    # Every delivered digest (kind 'digest'), re-send ('resend') and skipped backlog ('mark'):
    # which articles in which groups, where it went. Never a password or server login.
    db["digests"].create(
        {
            "id": int,
            "name": str,
            "kind": str,
            "created_at": str,
            "conditions": str,
            "ranges": str,
            "groups": str,
            "articles": int,
            "format": str,
            "output": str,
            "recipients": str,
            "to_stdout": int,
            "resend_of": int,
        },
        pk="id",
    )
    db["digests"].create_index(["name", "kind", "id"])


@migration
def m003_show_indexes(db: Database) -> None:
    # `show` lists newest first: walking this index (its expressions are exactly
    # NEWEST_ORDER) stops after --limit rows instead of sorting every article of a
    # condition; pmid and flags make the walk's condition and --type tests index-only.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_newest ON articles ("
        "coalesce(entrez_date, '') DESC, year DESC, CAST(pmid AS INTEGER) DESC, pmid, flags)"
    )
    # New (never shown) articles per condition: `show --new`, the NEW counts of `status`.
    db["article_conditions"].create_index(
        ["condition", "shown_at", "pmid"],
        index_name="idx_article_conditions_shown",
        if_not_exists=True,
    )


@migration
def m004_flags_v2_sample_size(db: Database) -> None:
    # Evidence flags v2 (issue 10): a new column for the trial size, and every stored row's
    # flags, reasons and size recomputed with the v2 rules from what is stored, so an old
    # database shows the same as a fresh import (no re-fetch needed).
    from ..evidence import compute_flags, trial_size

    if "sample_size" not in db["articles"].columns_dict:
        db["articles"].add_column("sample_size", int)
    wanted = (
        "title",
        "abstract",
        "publication_types",
        "mesh",
        "comments_corrections",
        "registry_numbers",
    )
    updates = []
    for row in db.query(f"SELECT pmid, {', '.join(wanted)} FROM articles"):
        article = dict(row)
        for key in ("publication_types", "mesh", "comments_corrections", "registry_numbers"):
            article[key] = json.loads(article[key] or "[]")
        reasons = compute_flags(article)
        updates.append(
            (
                json.dumps(list(reasons)),
                json.dumps(reasons, ensure_ascii=False),
                trial_size(article, reasons),
                row["pmid"],
            )
        )
    db.conn.executemany(
        "UPDATE articles SET flags = ?, flag_reasons = ?, sample_size = ? WHERE pmid = ?",
        updates,
    )


@migration
def m005_article_overview(db: Database) -> None:
    # For Datasette (`datasette acutrack.db`) and any SQL reader: one row per article with
    # its study type, flags, conditions and links; its `rowid` is the article's, so the
    # full-text index articles_fts finds its rows (Datasette searches views that way).
    db.execute(f"CREATE VIEW IF NOT EXISTS article_overview AS {ARTICLE_OVERVIEW_SQL}")


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
        from sqlite_utils import Database

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


def chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    """``items`` in slices small enough for one ``IN (?, ...)`` list."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(items: list[Any]) -> str:
    """``?,?,?``: one placeholder per item."""
    return ",".join("?" * len(items))


class QuickDB:
    """A plain sqlite3 connection offering the few ``sqlite_utils.Database`` methods the read
    functions here use (``execute``, ``query``, ``atomic``, ``close``), so ``show``,
    ``article``, ``search`` and ``stats`` start without importing sqlite_utils."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, list(params))

    def query(self, sql: str, params: Iterable[Any] = ()) -> Iterable[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        keys = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(keys, values, strict=True))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.conn:
            yield

    def close(self) -> None:
        self.conn.close()


def open_quick(path: Path | str, *, create: bool = True) -> Database | QuickDB:
    """Open for reading and marking as shown, fast: a ``QuickDB`` when every migration is
    recorded, otherwise ``open_db`` (which creates or migrates the database first)."""
    path = Path(path)
    if path.is_file():
        conn = None
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
            done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
            if all(name in done for name, _ in MIGRATIONS):
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
                return QuickDB(conn)
        except sqlite3.DatabaseError:
            pass  # not migrated yet, or no database: open_db says what is wrong
        if conn is not None:
            conn.close()
    return open_db(path, create=create)
