"""When the machine is the problem: the one sentence for a full disk, a read-only or damaged
database, a missing one; and opening a database read-only when it cannot be written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import WorkError

BUSY_TIMEOUT = 30.0


class StoreError(WorkError, RuntimeError):
    """The database cannot be opened or written (exit 1)."""


class LockedError(StoreError):
    """Another acutrack command is writing to the database (exit 1)."""


def busy(db_path: Path | str, waited: float = 0) -> LockedError:
    """The one sentence for a database another command is writing to: busy, never damaged.
    ``waited``: the seconds this command already waited (its --wait), so the sentence does
    not suggest the --wait that was given."""
    if waited > 0:
        return LockedError(
            f"Another acutrack command was still writing to {db_path} after {waited:g} "
            "seconds of waiting; try again when it has finished (or wait longer with a "
            "larger --wait)"
        )
    return LockedError(
        f"Another acutrack command is writing to {db_path}; try again when it has finished "
        "(or pass --wait SECONDS)"
    )


def missing_database(path: Path) -> StoreError:
    return StoreError(
        f"No database at {path} yet; run 'acutrack update' (or 'acutrack import') "
        "to make one, or point --db / ACUTRACK_DB at an existing one"
    )


def empty_database(path: Path) -> StoreError:
    return StoreError(
        f"The database {path} is empty (no acutrack data in it yet); run 'acutrack update' "
        "(or 'acutrack import') to fill it, or point --db / ACUTRACK_DB at another one"
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
        if code.startswith("SQLITE_BUSY") or "database is locked" in text:
            return busy(path)  # another command's write outlasted the busy timeout
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


def connect_read(path: Path) -> tuple[sqlite3.Connection, bool]:
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


SQLITE_HEADER = b"SQLite format 3\x00"


def not_acutrack(path: Path, why: str) -> StoreError:
    return StoreError(
        f"The file {path} is not an acutrack database ({why}), so it was left untouched; "
        "point --db / ACUTRACK_DB at the acutrack database, or move the file aside"
    )


def file_kind(path: Path) -> str:
    """What is at ``path``, read without opening it as a database: 'missing', 'empty' (0
    bytes, which SQLite would silently turn into a new database) or 'sqlite' (a SQLite
    header). Anything else (a 1-byte file, text, a folder) is a StoreError, before anything
    could write to it."""
    try:
        with path.open("rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError:
        raise not_acutrack(path, "it is a folder") from None
    except OSError as exc:
        raise (explain(exc, path) or StoreError(f"Cannot read {path} ({exc})")) from None
    if not head:
        return "empty"
    if not head.startswith(SQLITE_HEADER):
        raise not_acutrack(path, "it is not a SQLite file")
    if len(head) < 100:
        raise not_acutrack(path, f"it is a SQLite file cut off after {len(head)} bytes")
    return "sqlite"
