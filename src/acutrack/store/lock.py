"""The writers' lock: one acutrack command writes to a database at a time, the others queue.

Every writing command (update, import, digest delivery) holds the lock file ``DB.lock``
(filelock) while it writes, and only writing commands take it: a command that finds it held
knows another writing command has it. SQLite's busy timeout and ``BEGIN IMMEDIATE``
(``transactions.atomic``) cover the small writes of read commands (marking shown) and schema
upgrades, which any command may make (``schema.migrate``). Readers never create the lock file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .failures import LockedError, busy, damage_found

# Locks this process holds, by lock file, with how many ``writer_lock`` blocks hold each: a
# command that holds the lock opens (and creates) its database under it without a second
# flock on the same file, which would wait for itself.
_HELD: dict[str, int] = {}


def lock_path(db_path: Path | str) -> Path:
    """The lock file of the database file itself: two spellings of one file (relative and
    absolute, through a symlink) share one lock, within a process and between processes."""
    return Path(f"{Path(db_path).resolve()}.lock")


@contextmanager
def writer_lock(db_path: Path | str, wait: float = 0) -> Iterator[None]:
    """Hold the writers' lock of ``db_path``, waiting up to ``wait`` seconds for the command
    holding it; LockedError when it is still held then. Reentrant within a process."""
    from filelock import FileLock, Timeout

    path = lock_path(db_path)
    key = str(path)
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    lock = FileLock(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=max(0.0, wait))
    except Timeout:
        raise busy(db_path, wait) from None
    except OSError as exc:
        import errno

        why = exc.strerror or str(exc)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            why = f"the folder is read-only: {why}"
        raise LockedError(
            f"Cannot create the lock file {path}, which every writing command needs ({why}); "
            f"make the folder {path.parent} writable, or use a database in a writable folder "
            "with --db"
        ) from None
    _HELD[key] = 1
    if _mark_writing(path):
        _UNCLEAN.add(key)
    try:
        yield
    except BaseException as exc:
        found = damage_found(exc, db_path)
        if found is not None:
            _DAMAGE[key] = found  # damage met while writing: remembered (see ``MARK``)
        raise
    finally:
        del _HELD[key]
        _UNCLEAN.discard(key)
        _unmark(path, db_path, _DAMAGE.pop(key, None))
        lock.release()


# An unclean stop: the holder of the lock writes MARK into the lock file when it takes the
# lock and empties the file as it lets go (also after an exception, Ctrl-C or SIGTERM, which
# unwind through ``writer_lock``). A mark found by the next holder means the last one ended
# without letting go: killed (-9), crashed, or the machine stopped. Then ``opening`` runs the
# full check before writing (SQLite's log keeps the file consistent through such a stop; the
# check is for what else may have gone wrong then, a failing disk most of all).
# Damage: a holder that met damage (or whose full check found it) leaves DAMAGED instead,
# with the database file's identity (inode, size, modification time) and what was found.
# Every command reads it before opening the file (``remembered_damage``) and refuses the file
# at once while it is the same file; a restored or rebuilt file is another one.
MARK = b"writing"
DAMAGED = b"damaged"
_UNCLEAN: set[str] = set()  # locks held here whose previous holder stopped uncleanly
_DAMAGE: dict[str, str] = {}  # locks held here whose holder met damage: what it found


def _mark_writing(path: Path) -> bool:
    """Leave the mark in the lock file; True when the previous holder's mark (or a damage
    mark for a file since changed) was there."""
    try:
        with path.open("r+b") as f:
            found = f.read(len(MARK)).startswith((MARK, DAMAGED))
            f.seek(0)
            f.write(MARK + f" pid {os.getpid()}\n".encode())
            f.truncate()
    except OSError:  # the lock is held; a mark that cannot be left only loses the detection
        return False
    return found


def _identity(db_path: Path | str) -> str:
    st = os.stat(db_path)
    return f"{st.st_ino} {st.st_size} {st.st_mtime_ns}"


def _unmark(path: Path, db_path: Path | str, damage: str | None) -> None:
    try:
        if damage is None:
            os.truncate(path, 0)
        else:
            text = " ".join(damage.split())[:500]
            path.write_text(f"{DAMAGED.decode()} {_identity(db_path)}\n{text}\n")
    except OSError:
        pass


def remembered_damage(db_path: Path | str) -> str | None:
    """What a writer found damaged in this very file (see ``DAMAGED``), read from the lock
    file without creating or changing anything; None when nothing is remembered."""
    try:
        with lock_path(db_path).open("rb") as f:
            head = f.read(700)
        if not head.startswith(DAMAGED):
            return None
        first, _, found = head.decode("utf-8", "replace").partition("\n")
        if first.split(" ", 1)[1] != _identity(db_path):
            return None  # another file now: restored or rebuilt
    except (OSError, IndexError):
        return None
    return found.strip() or "found earlier"


def stopped_uncleanly(db_path: Path | str) -> bool:
    """True while this process holds the writers' lock of ``db_path`` and found the mark of
    a previous holder that never let go (see ``MARK``)."""
    return str(lock_path(db_path).absolute()) in _UNCLEAN


def remember_damage(db_path: Path | str, found: str) -> None:
    """The full check found the file damaged: leave the damage mark when the lock is let go."""
    key = str(lock_path(db_path).absolute())
    if key in _HELD:
        _DAMAGE[key] = found


def held_elsewhere(db_path: Path | str) -> bool:
    """True while another process holds the writers' lock. Creates nothing: without a lock
    file no one holds it (readers use this to wait for a database being created)."""
    path = lock_path(db_path)
    if str(path) in _HELD:
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Unix: readers do not wait
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        # filelock holds an exclusive flock on the file: a shared one fails while it does.
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases the probe's own shared lock
    return False
