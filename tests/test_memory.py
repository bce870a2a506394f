"""Memory stays flat in the number of articles: every command that walks all of them.

Issue 26: an export of 100,000 articles once held 1 GB (SQLite sorted whole rows, and the
rows were gathered in a list before the first was printed) and nothing noticed. Here each
walking command runs as a real process on two databases built from the real records of
../shared/realdata as benchmarks/startup.py builds its 100,000-article one (imported once,
then copied with new PMIDs): 2,000 and 20,000 articles. The peak resident memory of the
child (``ru_maxrss`` from ``os.wait4``) may not grow by more than ``ALLOWED_MB`` between
them. Holding the rows costs far more: a ``list()`` of the 20,000 rows put back in the
export (or the digest, or the feed) adds about 200 MB.

benchmarks/export_stream.py and benchmarks/digest_size.py measure the 100,000-article figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SKIP_REASON

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from startup import REALDATA, grow, seed  # noqa: E402 - the benchmark's own database

SIZES = (2_000, 20_000)
# What 18,000 more articles may add: the PMIDs and tiers a digest keeps (a few MB), SQLite's
# page cache (bounded) and allocator noise. A list of the rows adds about 10 kB per article.
ALLOWED_MB = 30

# One per family of walking code: the newest-first export, a relevance search (about half
# the articles match), the uncapped (streamed) JSON digest, a capped digest, the report and
# the feed. (`show --type` walks the evidence order through the same code as the first, but
# flags are rare in the real records, 2.5% RCTs: its memory could not tell a list from a
# stream here.)
COMMANDS = {
    "show json": ["show", "lupus", "--all", "--format", "json"],
    "search csv": ["search", "patients", "--all", "--format", "csv"],
    "digest json": ["digest", "--peek", "--format", "json"],
    "digest html": ["digest", "--peek", "--format", "html"],
    "report": ["report"],
    "feed": ["feed", "--limit", "10000"],
    # Tables, drawn in chunks (views/long_listing.py): wide (a table of columns whose widths
    # one table of every row would have) and narrow (two lines per article). Listing in a
    # table marks articles as shown, which no other command here reads.
    "show table": ["show", "lupus", "--all", "--format", "table"],
    "search table": ["search", "patients", "--all", "--format", "table"],
}
# The terminal width each command is drawn for (rich reads COLUMNS): 120 unless said.
COLUMNS = {"search table": "80"}


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    if not REALDATA.is_dir():
        pytest.skip(SKIP_REASON)
    folder = tmp_path_factory.mktemp("memory")
    seeded = folder / "seed.db"
    seed(seeded)
    built = {}
    for n in SIZES:
        path = folder / f"{n}.db"
        shutil.copy(seeded, path)
        assert grow(path, n) == n
        built[n] = path
    return built


# Runs acutrack in the child and writes the child's own peak (VmHWM) to a file on exit.
# Not ru_maxrss from wait4: Linux carries the forking parent's peak (this pytest process)
# over into the child's, so every command would read as the test runner's size.
_PEAK = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(out, "w").write(line.split()[1])
atexit.register(peak)
sys.argv[0] = "acutrack"
runpy.run_module("acutrack", run_name="__main__")
"""


def peak_mb(db: Path, args: list[str], columns: str = "120") -> float:
    """Peak resident memory of ``acutrack --db DB ARGS`` in a child process, in MB."""
    report = db.parent / "peak.txt"
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, str(report), "--db", str(db), *args],
        env={**os.environ, "COLUMNS": columns},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return int(report.read_text()) / 1024  # kilobytes


@pytest.mark.parametrize("name", list(COMMANDS))
def test_memory_does_not_grow_with_the_articles(databases: dict[int, Path], name: str) -> None:
    columns = COLUMNS.get(name, "120")
    small, big = (peak_mb(databases[n], COMMANDS[name], columns) for n in SIZES)
    assert big - small < ALLOWED_MB, (
        f"{name}: {small:.0f} MB at {SIZES[0]:,} articles, {big:.0f} MB at {SIZES[1]:,}"
    )
