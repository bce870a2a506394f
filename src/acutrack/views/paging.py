"""Terminal output through a pager when it is taller than the screen.

``Pages`` takes a view piece by piece (a listing of every article comes in chunks of rows,
``long_listing``): pieces are printed as they come when the console is not a terminal; on a
terminal they are held until they fill the screen, and from then on the held lines and every
later piece go through the pager's input as they are drawn. Neither the whole text nor its
lines are ever held, where rich's ``Console.pager`` hands the pager the whole page at once
(1.3 GB for a table of 100,000 articles). ``print_paged`` is the one-piece case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from rich.console import Console
from rich.segment import Segment, Segments


class Pager(Protocol):
    def stream(self) -> Any:
        """A context manager giving a function that writes text to the pager."""


class Pages:
    """Print pieces of one view on ``console``, paged once they are taller than the screen
    (``pager``, by default $PAGER or ``less``). Use as a context manager: leaving it prints
    what is held, or closes the pager and waits for the reader to quit it."""

    def __init__(self, console: Console, pager: Pager | None = None) -> None:
        self.console = console
        self.pager = pager or SystemPager()
        # None: printed as it comes (a pipe or file, or a terminal that gives no size)
        self.rows = _screen_rows(console) if console.is_terminal else None
        self.held: list[list[Segment]] = []
        self.write: Callable[[str], Any] | None = None
        self._stack = ExitStack()

    def __enter__(self) -> Pages:
        return self

    def __exit__(self, *exc: Any) -> bool:
        if self.held and exc[0] is None:
            self.console.print(Segments(_joined(self.held)))
        # the pager's own exit: waits for the reader, and ends quietly when they quit early
        return bool(self._stack.__exit__(*exc))

    def print(self, renderable: Any) -> None:
        console = self.console
        if self.rows is None:
            console.print(renderable)
            return
        lines = console.render_lines(renderable, console.options, pad=False)
        if self.write is None:
            self.held.extend(lines)
            if len(self.held) < self.rows:
                return
            lines, self.held = self.held, []
            self.write = self._stack.enter_context(self.pager.stream())
        # The text with its styles and links, as rich's own pager context renders it.
        with console.capture() as capture:
            console.print(Segments(_joined(lines)))
        self.write(capture.get())


def _joined(lines: list[list[Segment]]) -> Iterator[Segment]:
    for line in lines:
        yield from line
        yield Segment.line()


def print_paged(console: Console, renderable: Any, pager: Pager | None = None) -> None:
    """Print, through a pager when the console is a terminal and the output is taller than
    the screen. $PAGER is used when set, else ``less`` with LESS=FRX as git does."""
    with Pages(console, pager) as pages:
        pages.print(renderable)


def _screen_rows(console: Console) -> int | None:
    """The rows of the terminal the console writes to, as the terminal itself says (rich's
    ``height`` prefers $LINES, which a shell may have exported at another size); None when
    a terminal gives no size, and then nothing is paged. Output forced to look like a
    terminal (a buffer, FORCE_COLOR into a pipe) has rich's height ($LINES, else 25)."""
    import io
    import os

    try:
        size = os.get_terminal_size(console.file.fileno())
    except (AttributeError, ValueError, io.UnsupportedOperation, OSError):
        return console.height
    return size.lines or None


class SystemPager:
    """$PAGER, or ``less -FRX``, fed through a pipe; plain printing when neither can be
    started."""

    @contextmanager
    def stream(self) -> Iterator[Callable[[str], Any]]:
        import os
        import shutil
        import subprocess
        import sys

        command = os.environ.get("PAGER", "").strip()
        if not command and shutil.which("less"):
            command = "less"
        if not command:
            yield sys.stdout.write
            return
        env = dict(os.environ)
        env.setdefault("LESS", "FRX")  # quit if one screen, keep colours, no screen clearing
        env.setdefault("LV", "-c")
        try:
            # PAGER may carry options ("less -S"): run it through the shell, as git does.
            proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
        except OSError:
            yield sys.stdout.write
            return
        assert proc.stdin is not None
        pipe = proc.stdin
        encoding = sys.stdout.encoding or "utf-8"
        try:
            yield lambda text: pipe.write(text.encode(encoding, "replace"))
        except (BrokenPipeError, KeyboardInterrupt):
            pass  # the reader quit the pager: nothing more to draw
        finally:
            try:
                pipe.close()
            except BrokenPipeError:
                pass
            try:
                proc.wait()
            except KeyboardInterrupt:
                proc.wait()
