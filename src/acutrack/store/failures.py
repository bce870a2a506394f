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


class DamagedError(StoreError):
    """The database is damaged: whoever meets this writes nothing more into the file."""

    found = ""


def damaged(path: Path | str, found: str) -> DamagedError:
    """The one sentence for a damaged database, whoever meets the damage: a reader, a writer,
    the full check (``acutrack check``). Whoever says it writes nothing more into the file."""
    error = DamagedError(
        f"The database {path} is damaged ({found[:200]}), so nothing was written to it; "
        "restore it from a backup, or move it aside and run 'acutrack update' to build a new one"
    )
    error.found = found
    return error


def damage_found(exc: BaseException, path: Path | str) -> str | None:
    """What was found damaged when ``exc`` says the database is (SQLite's own error, or the
    sentence); None when it says something else."""
    if isinstance(exc, sqlite3.DatabaseError):
        exc = explain(exc, path) or exc
    return exc.found if isinstance(exc, DamagedError) else None


def is_damage(exc: BaseException, path: Path | str = "the database") -> bool:
    """True when ``exc`` says the database is damaged."""
    return damage_found(exc, path) is not None


def side_files(path: Path) -> list[Path]:
    """The write-ahead log and its index beside the database, those that exist."""
    return [side for side in (Path(f"{path}-wal"), Path(f"{path}-shm")) if side.exists()]


def stale_side_files(path: Path) -> StoreError | None:
    """A database and folder this user can write, beside a write-ahead log or index this user
    cannot (made read-only while the database was: an older acutrack's read commands did,
    issue 28): SQLite then refuses every write as "read-only". The sentence names the files
    and why; None when there are none."""
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None
    stale = [side for side in side_files(path) if not os.access(side, os.W_OK)]
    if not stale:
        return None
    names = " and ".join(str(side) for side in stale)
    them = "it" if len(stale) == 1 else "them"
    wal = Path(f"{path}-wal")
    if wal in stale and wal.stat().st_size:  # the log holds stored data: keep it
        what = f"make {them} writable by this user (chmod u+w, or chown)"
    else:  # an empty log holds no data, and SQLite rebuilds the index: deleting loses nothing
        what = (
            f"delete {them} while no acutrack command runs (nothing is lost), or make {them} "
            "writable"
        )
    return StoreError(
        f"The database {path} is writable, but SQLite cannot write its side "
        f"{'file' if len(stale) == 1 else 'files'} {names}, "
        f"which {'was' if len(stale) == 1 else 'were'} left read-only (made while the database "
        f"was read-only); {what}"
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
            code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
            or "malformed" in text
            or ("not a database" in text)
        ):
            return damaged(path, text)
        cannot_write = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        )
        if (
            code.startswith("SQLITE_READONLY")
            or "readonly database" in text
            or (cannot_write and (code.startswith("SQLITE_CANTOPEN") or "unable to open" in text))
        ):
            return stale_side_files(path) or StoreError(
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
    """A connection for reading, and whether it may write.

    A database this user cannot write (the file or its folder) is read without creating any
    file: SQLite would make the write-ahead log and its index beside it, read-only with the
    file's mode, and every writer would then find them unusable (issue 28). So: with a log
    and index already there (a writer is working, or left them), ``mode=ro`` reads through
    them, creating nothing; without a log holding data, the file alone is the whole database
    and ``immutable=1`` reads it with no side file at all. A log with data but no index
    cannot be read without making the index: refused, saying how to finish the file."""
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, True
    from urllib.parse import quote

    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    options = "?mode=ro"
    if not wal.exists() or (wal.stat().st_size == 0 and not shm.exists()):
        options = "?mode=ro&immutable=1"
    elif not shm.exists():
        raise StoreError(
            f"The database {path} has changes in {wal} that cannot be read while the database "
            "or its folder is read-only; make both writable once (any acutrack command then "
            "completes the file)"
        )
    uri = "file:" + quote(str(path.absolute())) + options
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn, False


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
    problem = header_problem(path, head)
    if problem:
        raise damaged(path, problem)
    return "sqlite"


def header_problem(path: Path, head: bytes) -> str | None:
    """What is wrong with a SQLite file's 100-byte header, read without opening it (a flat
    cost, whatever the file's size; see https://sqlite.org/fileformat.html#the_database_header):
    an impossible page size or format, or fewer pages in the file than the header counts (a
    file cut short). None when nothing is."""
    size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if size == 1 else size
    if page_size < 512 or page_size & (page_size - 1):
        return f"its header gives the page size {size}"
    if head[18] not in (1, 2) or head[19] not in (1, 2) or head[21:24] != b"\x40\x20\x20":
        return "its header is not a valid SQLite header"
    counted = int.from_bytes(head[28:32], "big")
    counted_valid = head[24:28] == head[92:96]  # else SQLite itself goes by the file's size
    # While a write-ahead log or rollback journal is beside the file, a checkpoint may be
    # writing the first page before the file has grown to the size it counts.
    settled = not any(Path(f"{path}{side}").exists() for side in ("-wal", "-journal"))
    pages = path.stat().st_size // page_size
    if counted_valid and settled and counted > pages:
        return f"the file has {pages:,} pages, its header counts {counted:,}: it was cut short"
    return None
