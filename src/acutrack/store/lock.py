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

from .failures import LockedError, busy

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
        raise busy(db_path) from None
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
    try:
        yield
    finally:
        del _HELD[key]
        lock.release()


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
