"""Schema, migrations and connections: ``open_db`` (writers: creates and migrates) and
``open_quick`` (readers), both a plain ``sqlite3.Connection``."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from ..article import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS
from . import lock
from .failures import (
    BUSY_TIMEOUT,
    StoreError,
    connect_read,
    empty_database,
    explain,
    file_kind,
    missing_database,
    not_acutrack,
)
from .lock import LockedError, held_elsewhere

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
JSON_COLUMNS = (*LIST_FIELDS, "flags", "flag_reasons", "comparators")
# MedlineCitation statuses after which NLM indexing is complete: nothing more to catch up.
FINAL_STATUSES = ("MEDLINE", "PubMed-not-MEDLINE", "OLDMEDLINE")


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def rederive(db: Database) -> int:
    """Recompute every stored article's derived columns (``evidence.derive``) from its stored
    fields, so an old database shows what a fresh import would, without a re-fetch. Only the
    columns that exist yet are written (a migration adding one calls this after adding it).
    Returns how many rows changed (0 when ``migrate`` defers it to a later migration)."""
    from ..evidence import DERIVED, DERIVED_FROM, derive

    if _defer_rederive:
        return 0

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
    from .tiers import build_evidence

    build_evidence(db)  # the counts and the view, generated from today's registry
    return changed


# --- migrations ----------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []
# Migrations that end by recomputing every stored row (``rederive``). When several are pending,
# only the last of them recomputes (it writes every derived column there is by then), so an
# upgrade over many versions reads a large database once, not once per version. A crash in
# between leaves that last one unrecorded, so the next open still recomputes.
REDERIVING: set[str] = set()
_defer_rederive = False


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def rederiving(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Mark a migration that calls ``rederive`` (see ``REDERIVING``)."""
    REDERIVING.add(fn.__name__)
    return fn


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
@rederiving
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


@migration
def m006_condition_years(db: Database) -> None:
    # Superseded: this built per-year counts with SQL that tested flag names in the JSON text.
    # m008_evidence_tiers builds condition_years from the stored tier columns (and drops what
    # an older acutrack built here), so a new database gets it there.
    pass


@migration
def m007_article_overview(db: Database) -> None:
    # Superseded likewise: m008_evidence_tiers creates the article_overview view (for
    # Datasette and any SQL reader) from the tier columns.
    pass


@migration
@rederiving
def m008_evidence_tiers(db: Database) -> None:
    # The evidence hierarchy as plain columns (issue 17): each article's tier and its rank
    # in flags.TIERS, the link table article_flags, and condition_years and article_overview
    # rebuilt from them (rederive rebuilds both, see tiers.build_evidence). The old per-year
    # triggers go first, so recomputing every row does not run them.
    from .tiers import build_flag_links

    conn = db.conn
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%years%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP VIEW IF EXISTS article_overview")
    present = db["articles"].columns_dict
    if "evidence_tier" not in present:
        db.table("articles").add_column("evidence_tier", str)
    if "evidence_rank" not in present:
        db.table("articles").add_column("evidence_rank", int)
    build_flag_links(conn)
    rederive(db)
    # `show --type` lists in the evidence order: walking this index (its expressions are
    # exactly tiers.EVIDENCE_ORDER) stops after --limit rows, as idx_articles_newest does for
    # newest first; pmid and flags make the walk's tests index-only.
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_evidence ON articles (evidence_rank, "
        "sample_size IS NULL, sample_size DESC, coalesce(entrez_date, '') DESC, year DESC, "
        "CAST(pmid AS INTEGER) DESC, pmid)"
    )


@migration
def m009_parser_version(db: Database) -> None:
    # Which parser read each stored article (records.PARSER_VERSION; NULL: stored before
    # versions were recorded). `update --refresh` fetches and parses again the older ones.
    db.table("articles").add_column("parser_version", int)


@migration
@rederiving
def m010_conclusion(db: Database) -> None:
    # What each study concluded (issue 20): a text column, filled for every stored row from
    # its stored abstract sections, so an old database shows it without a re-fetch.
    if "conclusion" not in db["articles"].columns_dict:
        db.table("articles").add_column("conclusion", str)
    rederive(db)


@migration
@rederiving
def m011_size_source(db: Database) -> None:
    # Trial size v3 (issue 21): the fragment of the abstract each size was read from, and
    # every stored size recomputed with the v3 rules from what is stored (no re-fetch).
    if "sample_size_source" not in db["articles"].columns_dict:
        db.table("articles").add_column("sample_size_source", str)
    rederive(db)


@migration
def m012_provenance(db: Database) -> None:
    # How PubMed translated each saved query at its last successful search (esearch's
    # QueryTranslation), shown with "PubMed searched up to" in reports and digests (issue 18).
    if "translation" not in db["positions"].columns_dict:
        db.table("positions").add_column("translation", str)


@migration
def m014_overview_v2(db: Database) -> None:
    # article_overview v2 (issue 18): PubMed link beside the PMID, badges as text, the columns
    # a reader scans first at the left, and `published_since` (a facet in year order).
    # Recreated from the registry-derived SQL (tiers.overview_sql), as rederive does.
    from .tiers import build_overview

    build_overview(db.conn)  # m008 added the tier columns it reads
    # Datasette opens the view sorted by entrez_date: walking this index computes the view's
    # per-row subqueries for one page of rows, not for every article before sorting (on
    # 100,000 articles the page took over Datasette's 1 s limit without it, 2 ms with it).
    db.conn.execute("CREATE INDEX IF NOT EXISTS idx_articles_entrez_date ON articles (entrez_date)")


@migration
@rederiving
def m015_comparators(db: Database) -> None:
    # What each trial was compared against (issue 27): a JSON list column, its names also rows
    # of article_comparators (kept by triggers, for `show --comparator`), filled for every
    # stored row from what is stored.
    from .tiers import COMPARATOR_LINKS, build_links

    if "comparators" not in db["articles"].columns_dict:
        db.table("articles").add_column("comparators", str)
    build_links(db.conn, *COMPARATOR_LINKS)
    rederive(db)


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


def pending_migrations(conn: sqlite3.Connection, path: Path) -> list[str]:
    """The migrations this database still needs (all of them for an empty one), read without
    writing; a database a newer acutrack wrote, or another program's, is refused."""
    _refuse_newer(conn, path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "_migrations" not in tables:
        if tables:  # _migrations comes first, in the transaction of m001 (see migrate)
            raise not_acutrack(path, "it is a SQLite database of another program")
        return [name for name, _ in MIGRATIONS]
    done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: Database) -> None:
    """Apply the migrations not yet recorded, each in its own ``BEGIN IMMEDIATE`` transaction
    that first checks it is still to do: the caller holds the writers' lock (``open_db``),
    and a command that waited for it finds the other's migrations done and goes on."""
    global _defer_rederive
    conn = db.conn
    done: set[str] = set()
    if "_migrations" in db.table_names():
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    pending = [name for name, _ in MIGRATIONS if name not in done]
    last_rederiving = next((n for n in reversed(pending) if n in REDERIVING), None)
    for name, fn in MIGRATIONS:
        with atomic(conn):
            if "_migrations" not in db.table_names():
                db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                continue
            _defer_rederive = name in REDERIVING and name != last_rederiving
            try:
                fn(db)
            finally:
                _defer_rederive = False
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, now_iso()]
            )


def _connect(path: Path) -> sqlite3.Connection:
    # check_same_thread=False: import writes on a second thread while the first parses
    # (store.BatchWriter); one thread at a time uses the connection. IMMEDIATE: the
    # transaction Python opens before a write takes the write lock at once, waiting up to the
    # busy timeout for another writer, instead of reading first and then failing at once with
    # "database is locked" when it cannot upgrade (schema.atomic begins IMMEDIATE likewise).
    return sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level="IMMEDIATE"
    )


def _check(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Before a writer changes anything: refuse a damaged file (``quick_check`` reads every
    page; about 0.25 s on a 100,000-article database in the page cache, 3 s from a cold
    disk) and return the migrations still to do."""
    pending = pending_migrations(conn, path)
    problems = [" ".join(r[0].split()) for r in conn.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        found = "; ".join(problems)
        raise StoreError(
            f"The database {path} is damaged ({found[:200]}), so it was left "
            "untouched; restore it from a backup, or move it aside and run 'acutrack update' "
            "to build a new one"
        )
    return pending


def _ready(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def open_db(
    path: Path | str, *, create: bool = True, wait: float = BUSY_TIMEOUT
) -> sqlite3.Connection:
    """Open (and create or migrate) the database for writing, ready for concurrent readers
    and writers: a plain connection, as every store function takes. sqlite_utils wraps it
    only while the migrations run (they create tables and the full-text index with it).

    Nothing is written before the file is known to be an acutrack database (or a missing or
    empty file, with ``create``) that is not damaged and not from a newer acutrack. Creating
    and migrating happen under the writers' lock (waiting up to ``wait`` seconds for the
    command holding it), so commands opening the same new or old database at once never
    race: the one that waited finds the work done.
    """
    path = Path(path)
    kind = file_kind(path)
    if kind != "sqlite" and not create:
        raise missing_database(path) if kind == "missing" else empty_database(path)
    if kind == "sqlite":
        conn, _ = _guarded(path, _connect, _check)
        if conn is not None:
            return conn
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {path.parent} for the database ({exc.strerror}); "
            "create it or use another database with --db"
        ) from None
    with lock.writer_lock(path, wait):
        return _migrated(path)  # finds done what the command we waited for did


def _guarded(
    path: Path,
    connect: Callable[[Path], sqlite3.Connection],
    check: Callable[[sqlite3.Connection, Path], list[str]],
) -> tuple[sqlite3.Connection | None, list[str]]:
    """``connect`` and ``check``: the connection when no migration is pending, else None (it
    is closed again) and the pending migrations; a StoreError naming what is wrong with the
    file when it cannot be used."""
    conn = None
    try:
        conn = connect(path)
        pending = check(conn, path)
        if not pending:
            return (conn if read_only(conn) else _ready(conn)), []
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    conn.close()
    return None, pending


def _migrated(path: Path) -> sqlite3.Connection:
    """Create or migrate the database as far as it still needs (checked again: another
    command may have done it while this one waited); the caller holds the writers' lock."""
    conn = None
    try:
        conn = _connect(path)
        if not _check(conn, path):
            return _ready(conn)
        from sqlite_utils import Database

        db = Database(conn, execute_plugins=False)
        # WAL lets show/status read while an update writes; the busy timeout makes a second
        # writer wait instead of failing. Persistent: set once, by the command that creates.
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        _ready(conn)
        migrate(db)
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return conn


def chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    """``items`` in slices small enough for one ``IN (?, ...)`` list."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(items: list[Any]) -> str:
    """``?,?,?``: one placeholder per item."""
    return ",".join("?" * len(items))


# --- the one connection type: helpers every store function uses ------------------------------


def query(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a SELECT as dicts (column name -> value)."""
    cursor = conn.execute(sql, list(params))
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, values, strict=True)) for values in cursor]


@contextmanager
def atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """All of the block or none of it: a transaction, or a savepoint inside the caller's open
    one (as sqlite_utils' ``Database.atomic``, which the migrations use on the same
    connection)."""
    if conn.in_transaction:
        name = f"acutrack_{uuid4().hex}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            # A RAISE(ROLLBACK) trigger can end the whole transaction, savepoints included.
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    # IMMEDIATE: the write lock now (waiting up to the busy timeout), not at the first write,
    # where a transaction that has read cannot wait and fails with "database is locked".
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def write_row(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], *, conflict: str | None = None
) -> int:
    """Insert one row (table and column names are the store's own, never user text); with
    ``conflict``, a row with the same key has the given columns replaced. Returns the rowid."""
    columns = ", ".join(f"[{c}]" for c in row)
    sql = f"INSERT INTO [{table}] ({columns}) VALUES ({marks(list(row))})"
    if conflict is not None:
        refreshed = [c for c in row if c != conflict]
        sql += f" ON CONFLICT([{conflict}]) DO UPDATE SET " + ", ".join(
            f"[{c}] = excluded.[{c}]" for c in refreshed
        )
    with atomic(conn):
        cursor = conn.execute(sql, list(row.values()))
    return int(cursor.lastrowid or 0)


def read_only(conn: sqlite3.Connection) -> bool:
    """True for a connection ``open_quick`` opened read-only (it sets ``query_only``)."""
    return bool(conn.execute("PRAGMA query_only").fetchone()[0])


@contextmanager
def writer_lock(path: Path | str, wait: float = 0) -> Iterator[None]:
    """The writers' lock every writing command holds (``store.lock``), waiting ``wait``
    seconds for another writing command, and as long as it takes for a command that is
    upgrading the schema (a reader may be, briefly)."""
    with lock.writer_lock(path, wait, upgrading=lambda: _upgrading(Path(path))):
        yield


def _upgrading(path: Path) -> bool:
    """True while an older schema waits for its upgrade (not for a new database: the command
    making it holds the lock for its whole work)."""
    try:
        if file_kind(path) != "sqlite":
            return False
        conn = _connect_read(path)
        try:
            pending = pending_migrations(conn, path)
        finally:
            conn.close()
    except (StoreError, sqlite3.DatabaseError, OSError):
        return False
    return bool(pending) and "m001_initial" not in pending


def check_before_writing(path: Path | str) -> None:
    """What a writing command checks before it takes the writers' lock (which makes the lock
    file): the file is missing, empty, or an acutrack database this version can use. Read
    without writing; ``open_db`` checks the whole file (quick_check) under the lock."""
    path = Path(path)
    if file_kind(path) == "sqlite":
        conn, _ = _guarded(path, _connect_read, pending_migrations)
        if conn is not None:
            conn.close()


def _connect_read(path: Path) -> sqlite3.Connection:
    conn, writable = connect_read(path)
    if writable:
        conn.isolation_level = "IMMEDIATE"  # as _connect: marking shown waits for a writer
    else:
        conn.execute("PRAGMA query_only=ON")
    return conn


def open_quick(
    path: Path | str, *, create: bool = False, upgrade: bool = True
) -> sqlite3.Connection:
    """Open for reading and marking as shown, fast: a plain connection, without importing
    sqlite_utils, when every migration is recorded, otherwise ``open_db`` (which creates or
    migrates the database first). The same type as ``open_db`` returns.

    Nothing is created or changed unless the schema needs an upgrade: a missing or empty
    (0-byte) file is a StoreError unless ``create``, and so is a file that is not an acutrack
    database; one being created by another command is waited for. A database that cannot be
    written is opened read-only (``read_only`` says so); one a newer acutrack wrote is
    refused untouched. ``upgrade=False``: a database that needs an upgrade is refused too,
    untouched (``feed``, which cron runs beside everything else, never changes a file).
    """
    path = Path(path)
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        kind = file_kind(path)
        if kind != "sqlite" and create:
            return open_db(path, create=True)
        if kind == "missing":
            raise missing_database(path)
        pending = [name for name, _ in MIGRATIONS]
        if kind == "sqlite":
            conn, pending = _guarded(path, _connect_read, pending_migrations)
            if conn is not None:
                return conn
        if "m001_initial" not in pending and not upgrade:
            raise StoreError(
                f"The database {path} needs an upgrade to this acutrack's schema, which this "
                "command never makes; run 'acutrack status' once (it upgrades the database), "
                "then this command again"
            )
        if "m001_initial" not in pending:
            # An older schema: upgrade it, under the writers' lock (the other command may
            # be upgrading it right now: then its work is found done on the next round).
            if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
                raise StoreError(
                    f"The database {path} needs an upgrade to this acutrack's schema, and it "
                    "is read-only; make it writable once (any command then upgrades it)"
                )
            try:
                with lock.writer_lock(path, wait=0.25):
                    return _migrated(path)
            except LockedError:
                if time.monotonic() > deadline:
                    raise
                continue
        # Empty: another command creating it holds the writers' lock until its first
        # migration is committed; otherwise nothing is there to read.
        if not held_elsewhere(path) or time.monotonic() > deadline:
            raise empty_database(path)
        time.sleep(0.1)
