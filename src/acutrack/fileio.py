"""Replacing a file in one step (digests written with --output, queries.toml edits)."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path


def write_atomic(path: Path | str, text: str) -> None:
    """Write through a temporary file in the same folder and rename it over ``path``.

    A reader sees the old file or the new one, never half of one; a crash leaves no
    half-written file behind. A symlink keeps its link (the file it points to is replaced);
    an existing file keeps its permissions, a new one gets the usual ones (0666 less the
    umask). Raises OSError.
    """
    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            mode = target.stat().st_mode & 0o777
        else:
            umask = os.umask(0o022)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
