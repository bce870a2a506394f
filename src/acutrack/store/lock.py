"""The writers' lock: one acutrack command writes to a database at a time, the others queue.

Every writing command (update, import, digest delivery) and every schema migration holds the
lock file ``DB.lock`` (filelock) while it writes; SQLite's busy timeout and ``BEGIN
IMMEDIATE`` (schema.atomic) then cover the small writes of read commands (marking shown).
Readers never take it: WAL lets them read while a writer works, and they never create it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .failures import LockedError, busy

# Locks this process holds, by lock file, with how many ``writer_lock`` blocks hold each: a
# command that holds the lock opens (and migrates) its database under it without a second
# flock on the same file, which would wait for itself.
_HELD: dict[str, int] = {}


def lock_path(db_path: Path | str) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def writer_lock(
    db_path: Path | str, wait: float = 0, *, upgrading: Callable[[], bool] | None = None
) -> Iterator[None]:
    """Hold the writers' lock of ``db_path``, waiting up to ``wait`` seconds for the command
    holding it; LockedError when it is still held then. Reentrant within a process.

    ``upgrading`` says whether the database still needs a schema upgrade: while it does, the
    holder may be a reader upgrading it (a short job, not a writing command), so the wait
    does not run down until the upgrade is done (and the holder has let go).
    """
    from filelock import FileLock, Timeout

    path = lock_path(db_path)
    key = str(path.absolute())
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    lock = FileLock(str(path))
    end = time.monotonic() + wait
    # Asked before the first try too: a reader may finish the upgrade and still hold the lock
    # for a moment when this command first finds it taken, and must not be mistaken then for
    # a writing command (the upgrade it saw pending earns the usual grace).
    upgrade_seen = upgrading is not None and upgrading()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                lock.acquire(timeout=max(0.0, min(0.25, end - time.monotonic())))
                break
            except Timeout:
                if upgrading is not None and (upgrade_seen or upgrading()):
                    upgrade_seen = False  # one grace after the upgrade seen at the start
                    end = max(end, time.monotonic() + 2.0)
                elif time.monotonic() >= end:
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
    try:
        yield
    finally:
        del _HELD[key]
        lock.release()


def held_elsewhere(db_path: Path | str) -> bool:
    """True while another process holds the writers' lock. Creates nothing: without a lock
    file no one holds it (readers use this to wait for a database being created)."""
    path = lock_path(db_path)
    if str(path.absolute()) in _HELD:
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
