"""Schema, migrations and connections: ``open_db`` (sqlite-utils) and ``open_quick``."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now_iso()})


def missing_database(path: Path) -> StoreError:
    return StoreError(
        f"There is no database at {path} yet; run 'acutrack update' (or 'acutrack import') "
        "to make one, or point --db / ACUTRACK_DB at an existing one"
    )


def explain(exc: BaseException, path: Path | str) -> StoreError | None:
    """One sentence for a database or file-system failure (disk full, read-only, damaged
    file, ...) naming the file and what to do; None when ``exc`` is none of these."""
    path = Path(path)
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorname", "") or ""
        text = str(exc)
        if code == "SQLITE_FULL" or "database or disk is full" in text:
            return StoreError(
                f"The disk holding the database {path} is full; free some space and run "
                "again (what was stored before is kept, and the next update asks again for "
                "the rest)"
            )
        if (
            code in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
            or "malformed" in text
            or ("not a database" in text)
        ):
            return StoreError(
                f"The database {path} is damaged ({text}); restore it from a backup, or move "
                "it aside and run 'acutrack update' to build a new one"
            )
        cannot_write = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        )
        if (
            code.startswith("SQLITE_READONLY")
            or "readonly database" in text
            or (cannot_write and (code.startswith("SQLITE_CANTOPEN") or "unable to open" in text))
        ):
            return StoreError(
                f"The database {path} is read-only; make the file and its folder writable, or "
                "use another database with --db"
            )
        if code.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
            return StoreError(
                f"Cannot open the database {path}; check that the file and its folder exist "
                "and are readable (and writable, for update)"
            )
        if code.startswith("SQLITE_IOERR") or "disk I/O error" in text:
            return StoreError(
                f"Reading or writing the database {path} failed (disk I/O error); check the "
                "disk (is it full or gone?) and run again"
            )
        return StoreError(f"The database {path} cannot be used ({text}); check the file")
    if isinstance(exc, OSError) and exc.errno is not None:
        import errno

        where = exc.filename or path
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(f"The disk holding {where} is full; free some space and run again")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreError(
                f"Cannot write {where} ({exc.strerror}); make that folder writable, or use "
                "another database with --db"
            )
    return None


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

        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
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


def _connect_read(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A connection for reading, and whether it may write. A file (or folder) that cannot
    be written is opened read-only: ``mode=ro``, or ``immutable=1`` when not even the WAL
    index beside it can be made (a read-only folder or medium, where no one writes)."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if writable:
            return conn, True
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") not in (
            "SQLITE_CANTOPEN",
            "SQLITE_READONLY_DIRECTORY",
        ):
            conn.close()
            raise
    conn.close()
    from urllib.parse import quote

    uri = "file:" + quote(str(path.absolute()))
    for options in ("?mode=ro", "?mode=ro&immutable=1"):
        wal = Path(f"{path}-wal")
        if options.endswith("immutable=1") and wal.exists() and wal.stat().st_size:
            # immutable would ignore the write-ahead log, i.e. the latest stored records.
            raise StoreError(
                f"The database {path} has changes in {wal} that cannot be read while its "
                "folder is read-only; make the folder writable once (any command then "
                "completes the file)"
            )
        conn = sqlite3.connect(uri + options, uri=True, timeout=BUSY_TIMEOUT)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn, False
        except sqlite3.OperationalError:
            conn.close()
            if options.endswith("immutable=1"):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


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
        conn, writable = _connect_read(path)
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
