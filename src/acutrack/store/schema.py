"""Schema, migrations and connections: ``open_db`` (sqlite-utils) and ``open_quick``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .. import flags
from ..article import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS
from .failures import BUSY_TIMEOUT, StoreError, connect_read, explain, missing_database

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


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def rederive(db: Database) -> int:
    """Recompute every stored article's derived columns (``evidence.derive``) from its stored
    fields, so an old database shows what a fresh import would, without a re-fetch. Only the
    columns that exist yet are written (a migration adding one calls this after adding it).
    Returns how many rows changed."""
    from ..evidence import DERIVED, DERIVED_FROM, derive

    present = db["articles"].columns_dict
    columns = [c for c in DERIVED if c in present]
    if not columns:
        return 0
    listed = [c for c in DERIVED_FROM if c in present]
    sql = (
        f"UPDATE articles SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE pmid = ? AND "
        f"({' OR '.join(f'[{c}] IS NOT ?' for c in columns)})"
    )
    # A page of rows at a time, by rowid: memory stays flat and no cursor reads a table that
    # is being updated under it.
    select = (
        f"SELECT rowid, pmid, {', '.join(f'[{c}]' for c in listed)} FROM articles "
        "WHERE rowid > ? ORDER BY rowid LIMIT 1000"
    )
    changed, last = 0, -1
    while page := db.conn.execute(select, [last]).fetchall():
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
        changed += db.conn.executemany(sql, updates).rowcount
    return changed


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
# The article_overview view (migration m007): its rowid is the article's, for articles_fts.
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
    db.table("articles").create(
        ARTICLE_COLUMNS,
        pk="pmid",
    )
    db.table("article_conditions").create(
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
    db.table("article_conditions").create_index(["pmid", "condition"], unique=True)
    db.table("article_conditions").create_index(["condition", "first_seen"])
    db.table("positions").create(
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
    db.table("runs").create(
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
    db.table("articles").enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")


@migration
def m002_digests(db: Database) -> None:
    # Per digest name and condition: the highest article_conditions.id already delivered.
    db.table("digest_positions").create(
        {"name": str, "condition": str, "last_id": int, "updated_at": str, "digest_id": int},
        pk=("name", "condition"),
    )
    # Every delivered digest (kind 'digest'), re-send ('resend') and skipped backlog ('mark'):
    # which articles in which groups, where it went. Never a password or server login.
    db.table("digests").create(
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
    db.table("digests").create_index(["name", "kind", "id"])


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
    db.table("article_conditions").create_index(
        ["condition", "shown_at", "pmid"],
        index_name="idx_article_conditions_shown",
        if_not_exists=True,
    )


@migration
def m004_flags_v2_sample_size(db: Database) -> None:
    # Evidence flags v2 (issue 10): a new column for the trial size, and every stored row's
    # flags, reasons and size recomputed with the v2 rules from what is stored, so an old
    # database shows the same as a fresh import (no re-fetch needed).
    if "sample_size" not in db["articles"].columns_dict:
        db.table("articles").add_column("sample_size", int)
    rederive(db)


@migration
def m005_fts_update_trigger(db: Database) -> None:
    # Re-index an article's text only when its title or abstract changed: a refresh of
    # flags, MeSH or status (most re-fetches) no longer rewrites its full-text entry.
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, abstract ON articles "
        "WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, abstract) "
        "VALUES ('delete', old.rowid, old.title, old.abstract); "
        "INSERT INTO articles_fts (rowid, title, abstract) "
        "VALUES (new.rowid, new.title, new.abstract); END"
    )


# What condition_years counts: the flag registry's stats columns and syntheses when it was
# made (store.year_counts reads it only while the registry still says the same).
CONDITION_YEAR_KINDS = (
    {"rct": "rct", "meta-analysis": "meta_analysis", "systematic-review": "systematic_review"},
    ("meta-analysis", "systematic-review"),
)
# Study-type columns of condition_years, each as an SQL test on a JSON ``flags`` value.
_KINDS = {
    "rct": "instr({f}, '\"rct\"') > 0",
    "meta_analysis": "instr({f}, '\"meta-analysis\"') > 0",
    "systematic_review": "instr({f}, '\"systematic-review\"') > 0",
    "ma_sr": "(instr({f}, '\"meta-analysis\"') > 0 OR instr({f}, '\"systematic-review\"') > 0)",
}


def _add_counts(condition: str, year: str, flags: str, source: str, sign: str = "") -> str:
    """SQL adding (with sign '-': taking away) one article per row of ``source``."""
    kinds = ", ".join(f"{sign}({k.format(f=flags)})" for k in _KINDS.values())
    return (
        f"INSERT INTO condition_years (condition, year, articles, {', '.join(_KINDS)}) "
        f"SELECT {condition}, coalesce({year}, 0), {sign}1, {kinds} {source} "
        "ON CONFLICT(condition, year) DO UPDATE SET articles = articles + excluded.articles, "
        + ", ".join(f"{k} = {k} + excluded.{k}" for k in _KINDS)
        + ";"
    )


@migration
def m006_condition_years(db: Database) -> None:
    # Per condition and publication year (0: none): how many articles, RCTs, MAs, SRs. Kept
    # exact by triggers on every link and every change of an article's year or flags, so
    # `stats CONDITION` and the total under `show` read a few rows instead of probing
    # every link of a large condition.
    db.execute(
        "CREATE TABLE condition_years (condition TEXT NOT NULL, year INTEGER NOT NULL, "
        + ", ".join(f"{k} INTEGER NOT NULL DEFAULT 0" for k in ("articles", *_KINDS))
        + ", PRIMARY KEY (condition, year)) WITHOUT ROWID"
    )
    article = "FROM articles a WHERE a.pmid = {pmid}"
    links = "FROM article_conditions l WHERE l.pmid = {pmid}"
    triggers = {
        "article_conditions_years_ai": (
            "AFTER INSERT ON article_conditions",
            _add_counts("new.condition", "a.year", "a.flags", article.format(pmid="new.pmid")),
        ),
        "article_conditions_years_ad": (
            "AFTER DELETE ON article_conditions",
            _add_counts("old.condition", "a.year", "a.flags", article.format(pmid="old.pmid"), "-"),
        ),
        "article_conditions_years_au": (
            "AFTER UPDATE OF condition, pmid ON article_conditions",
            _add_counts("old.condition", "a.year", "a.flags", article.format(pmid="old.pmid"), "-")
            + _add_counts("new.condition", "a.year", "a.flags", article.format(pmid="new.pmid")),
        ),
        "articles_years_au": (
            "AFTER UPDATE OF year, flags ON articles "
            "WHEN old.year IS NOT new.year OR old.flags IS NOT new.flags",
            _add_counts("l.condition", "old.year", "old.flags", links.format(pmid="old.pmid"), "-")
            + _add_counts("l.condition", "new.year", "new.flags", links.format(pmid="new.pmid")),
        ),
        "articles_years_ad": (
            "AFTER DELETE ON articles",
            _add_counts("l.condition", "old.year", "old.flags", links.format(pmid="old.pmid"), "-"),
        ),
    }
    for name, (when, body) in triggers.items():
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    db.execute(
        "INSERT INTO condition_years (condition, year, articles, "
        + ", ".join(_KINDS)
        + ") SELECT l.condition, coalesce(a.year, 0), count(*), "
        + ", ".join(f"sum({k.format(f='a.flags')})" for k in _KINDS.values())
        + " FROM article_conditions l JOIN articles a ON a.pmid = l.pmid GROUP BY 1, 2"
    )


@migration
def m007_article_overview(db: Database) -> None:
    # For Datasette (`datasette acutrack.db`) and any SQL reader: one row per article with
    # its study type, flags, conditions and links; its `rowid` is the article's, so the
    # full-text index articles_fts finds its rows (Datasette searches views that way).
    db.execute(f"CREATE VIEW IF NOT EXISTS article_overview AS {ARTICLE_OVERVIEW_SQL}")


@migration
def m009_parser_version(db: Database) -> None:
    # Which parser read each stored article (records.PARSER_VERSION; NULL: stored before
    # versions were recorded). `update --refresh` fetches and parses again the older ones.
    db.table("articles").add_column("parser_version", int)


def unknown_migrations(conn: sqlite3.Connection) -> list[str]:
    """Migrations recorded in the database that this version does not know (a newer
    acutrack wrote it); empty for a new database or one this version can use."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not has_table:
        return []
    known = {name for name, _ in MIGRATIONS}
    return sorted(r[0] for r in conn.execute("SELECT name FROM _migrations") if r[0] not in known)


def _refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    unknown = unknown_migrations(conn)
    if unknown:
        raise StoreError(
            f"The database {path} was written by a newer acutrack (it has the schema change "
            f"'{unknown[0]}' this version does not know), so it was left untouched; upgrade "
            "acutrack (pip install --upgrade acutrack) or use another database with --db"
        )


def migrate(db: Database) -> None:
    """Apply the migrations not yet recorded, each in its own transaction."""
    if "_migrations" not in db.table_names():
        db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db.table("_migrations").insert({"name": name, "applied_at": now_iso()})


def open_db(path: Path | str, *, create: bool = True) -> Database:
    """Open (and create or migrate) the database, ready for concurrent readers and writers.

    A database a newer acutrack wrote is refused before anything in it changes.
    """
    path = Path(path)
    if not create and not path.exists():
        raise missing_database(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {path.parent} for the database ({exc.strerror}); "
            "create it or use another database with --db"
        ) from None
    conn = None
    try:
        from sqlite_utils import Database

        # check_same_thread=False: import writes on a second thread while the first parses
        # (store.BatchWriter); one thread at a time uses the connection.
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, check_same_thread=False)
        _refuse_newer(conn, path)
        db = Database(conn, execute_plugins=False)
        # WAL lets show/status read while an update writes; the busy timeout makes a second
        # writer wait instead of failing.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db)
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    return db


def chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    """``items`` in slices small enough for one ``IN (?, ...)`` list."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(items: list[Any]) -> str:
    """``?,?,?``: one placeholder per item."""
    return ",".join("?" * len(items))


class ReadDB(Protocol):
    """What the read functions (and ``mark_shown``) use of a database: a
    ``sqlite_utils.Database`` from ``open_db`` or a ``QuickDB`` from ``open_quick``."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> sqlite3.Cursor: ...

    def query(self, sql: str, params: Sequence[Any] = ..., /) -> Iterable[dict[str, Any]]: ...

    def atomic(self) -> AbstractContextManager[Any]: ...


class QuickDB:
    """A plain sqlite3 connection offering the few ``sqlite_utils.Database`` methods the read
    functions here use (``execute``, ``query``, ``atomic``, ``close``), so ``show``,
    ``article``, ``search`` and ``stats`` start without importing sqlite_utils."""

    def __init__(self, conn: sqlite3.Connection, readonly: bool = False) -> None:
        self.conn = conn
        self.readonly = readonly

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


def open_quick(path: Path | str, *, create: bool = False) -> Database | QuickDB:
    """Open for reading and marking as shown, fast: a ``QuickDB`` when every migration is
    recorded, otherwise ``open_db`` (which creates or migrates the database first).

    A missing database is a StoreError (nothing is created) unless ``create``; a database
    that cannot be written is opened read-only (``QuickDB.readonly``); one a newer acutrack
    wrote is refused untouched.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise missing_database(path)
        return open_db(path, create=True)
    conn = None
    try:
        conn, writable = connect_read(path)
        _refuse_newer(conn, path)
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")} if has_table else set()
        if all(name in done for name, _ in MIGRATIONS):
            if writable:
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
            return QuickDB(conn, readonly=not writable)
        if not writable:
            raise StoreError(
                f"The database {path} needs an upgrade to this acutrack's schema, and it is "
                "read-only; make it writable once (any command then upgrades it)"
            )
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}")) from None
    conn.close()
    return open_db(path, create=create)
