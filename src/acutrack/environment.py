"""What a command takes from the process it runs in, in one object made at the CLI edge.

httpie's ``Environment`` is the model: standard output and error, whether they are
terminals and how wide, their encodings, the clock and the environment variables are read
here and nowhere else, and the object is handed down to the code that prints or needs the
day. A test passes its own (a fixed day, a 100-column terminal writing into a buffer)
instead of patching module globals or clearing caches.

The rich consoles are made on first use (``out_console``, ``err_console``): json and csv
output, and the quick commands, never import rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Environment:
    """The process as a command sees it. Every field has the real process's value by
    default; ``None`` streams mean ``sys.stdout``/``sys.stderr`` as they are when used (click's
    test runner swaps them)."""

    stdout: TextIO | None = None
    stderr: TextIO | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Callable[[], datetime] = _utc_now
    # Forced terminal answers and width (tests, or a caller that knows better); None: ask.
    terminal: bool | None = None
    width: int | None = None
    _consoles: dict[str, Console] = field(default_factory=dict, repr=False)

    # --- the clock ---------------------------------------------------------------------

    def now(self) -> datetime:
        """The current time, in UTC."""
        return self.clock()

    def today(self) -> date:
        """Today's date in UTC (PubMed's dates are days; the windows of an update are too)."""
        return self.now().date()

    # --- the streams -------------------------------------------------------------------

    @property
    def out(self) -> TextIO:
        return self.stdout or sys.stdout

    @property
    def err(self) -> TextIO:
        return self.stderr or sys.stderr

    def is_terminal(self, stream: TextIO | None = None) -> bool:
        """Whether ``stream`` (standard output) is a terminal as rich's
        ``Console().is_terminal`` sees it (TTY_COMPATIBLE, then FORCE_COLOR, then isatty),
        decided without importing rich, which json and csv output never need."""
        if self.terminal is not None:
            return self.terminal
        compatible = self.environ.get("TTY_COMPATIBLE", "")
        if compatible in ("0", "1"):
            return compatible == "1"
        force = self.environ.get("FORCE_COLOR")
        if force is not None:
            return force != ""
        try:
            return bool((stream or self.out).isatty())
        except (AttributeError, ValueError):
            return False

    def encoding(self, stream: TextIO | None = None) -> str:
        """The encoding of ``stream`` (standard output), lower-case ('utf-8' when unknown)."""
        return (getattr(stream or self.out, "encoding", None) or "utf-8").lower()

    def tolerate_any_encoding(self) -> None:
        """Standard output and error write what their encoding holds and '?' for the rest.

        A stdout that is not UTF-8 (PYTHONIOENCODING=latin-1, a Windows console redirected
        to a file) would otherwise fail on the first Greek letter of an abstract, after part
        of the output was written. Python's default for stdout is 'strict'; stderr's
        'backslashreplace' already never fails, but one rule for both reads better."""
        for stream in (self.out, self.err):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None and self.encoding(stream).replace("-", "") != "utf8":
                try:
                    reconfigure(errors="replace")
                except (ValueError, OSError):  # a stream that cannot change mid-way: leave it
                    pass

    # --- rich consoles, made on first use ----------------------------------------------

    @property
    def out_console(self) -> Console:
        """Standard output as a rich console (no highlighting; long lines not wrapped)."""
        if "out" not in self._consoles:
            self._consoles["out"] = self._console(self.stdout, soft_wrap=False)
        return self._consoles["out"]

    @property
    def err_console(self) -> Console:
        """Standard error as a rich console. soft_wrap: a warning is one line however long;
        a terminal wraps it at its own width, and a pipe or log file gets it whole instead
        of broken at rich's default 80 columns."""
        if "err" not in self._consoles:
            self._consoles["err"] = self._console(self.stderr, soft_wrap=True, stderr=True)
        return self._consoles["err"]

    def _console(self, file: TextIO | None, *, soft_wrap: bool, stderr: bool = False) -> Console:
        from rich.console import Console

        return Console(
            file=file,
            stderr=stderr,
            highlight=False,
            soft_wrap=soft_wrap,
            force_terminal=self.terminal,
            width=self.width,
            _environ=dict(self.environ),
        )
