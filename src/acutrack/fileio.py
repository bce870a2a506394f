"""Files: reading a text a user gives (``verify``), replacing a file in one step (digests
written with --output, queries.toml edits)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path

from .errors import WorkError


class InputError(WorkError):
    """A file that cannot be read: the work failed (exit 1)."""


def read_input(name: str) -> tuple[str, str]:
    """(source, text) for a path, or for standard input when name is "-"."""
    if name == "-":
        data = sys.stdin.buffer.read()
        source = "<stdin>"
    else:
        path = Path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{name} does not exist") from None
        except IsADirectoryError:
            raise InputError(f"{name} is a folder; give the text files in it") from None
        except OSError as exc:
            raise InputError(f"Cannot read {name}: {exc.strerror or exc}") from None
        source = name
    # Windows editors save "Unicode" text as UTF-16 (or UTF-32) with a byte order mark; its
    # zero bytes are not binary. The BOM says how to read it.
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return source, data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise InputError(
                    f"{source} starts with a {codec.upper()[:6]} byte order mark but is not "
                    f"{codec.upper()[:6]} text; save it again as UTF-8 and verify that"
                ) from None
    head = data[:8192]
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\x1f\x8b")) or b"\x00" in head:
        raise InputError(
            f"{source} is not text (a PDF, archive or other binary file); save the article "
            "as text or as an HTML page and verify that"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return source, text


def blocks(pieces: Iterable[str], size: int = 65536) -> Iterator[str]:
    """Text pieces joined into blocks of about ``size`` characters: a streamed export writes
    one block at a time (a write per article would cost a system call each)."""
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)


def write_atomic(path: Path | str, text: str | Iterable[str]) -> None:
    """Write through a temporary file in the same folder and rename it over ``path``.

    A reader sees the old file or the new one, never half of one; a crash leaves no
    half-written file behind. ``text`` may come in pieces (a streamed digest), written as
    they come. A symlink keeps its link (the file it points to is replaced);
    an existing file keeps its permissions, a new one gets the usual ones (0666 less the
    umask). Raises OSError.
    """
    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for block in blocks([text] if isinstance(text, str) else text):
                fh.write(block)
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
