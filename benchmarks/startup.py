"""Start-up speed of the read commands against ``python -c "import click"``.

Builds a database of 100,000 articles from the real records in ../shared/realdata: the real
files are imported once through ``acutrack.pubmed.sync.import_files`` (parser, evidence flags,
store), then the stored rows are copied with renumbered PMIDs and Entrez dates moved back
a few days per copy, by direct SQL inserts (the full-text triggers index every copy). Every
article is linked to ``lupus``; one in seven also to ``rheumatoid-arthritis``, one in fifty
to ``anti-gbm``; nine in ten are marked as already shown.

Then times, in the same run, each command as a real process (the installed ``acutrack``
script, as a user starts it), median of ``--repeat`` interleaved rounds after one warm-up
(which also writes the byte-code cache, as an installed package has it):

- baseline: ``python -c "import click"``
- ``acutrack show lupus --format json --limit 20``, ``--format table --limit 20`` and
  ``acutrack show lupus --format table`` (the terminal default: the newest 50), plus
  ``article``, ``search`` and ``stats`` for information.

Table commands run twice: with standard output on a pipe (plain lines, no styles) and
"[terminal]": on a pseudo-terminal of 120 columns, as a user sees them (colours, badges,
OSC 8 links; the benchmark reads everything written). The pseudo-terminal is 500 rows tall
so no pager starts: ``less`` is another program, and its start-up is not acutrack's.

Target (issue 17, relaxed from issue 11's 2x for ``show``): ``show``, ``search`` and ``stats``
within 3x the baseline (ratio <= 3), on the terminal and in a pipe. The output says, per
command, whether it met the target ("met": true/false; ``article`` is for information).
Run: python benchmarks/startup.py [--records 100000] [--repeat 7] [--keep PATH]
(--keep reuses a database built before, e.g. --keep /tmp/bench100k.db: building takes ~15 s.)
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
PMID_BASE = 50_000_000
TARGET = 3.0  # times the baseline
TARGETED = ("show", "search", "stats")


def seed(db_path: Path) -> int:
    """Import every real PubMed XML file once; returns the number of stored articles."""
    from acutrack import store
    from acutrack.pubmed import sync

    db = store.open_db(db_path)
    for path in sorted(REALDATA.rglob("*.xml*")):
        try:
            sync.import_files(db, [path], "lupus")
        except Exception:  # noqa: BLE001 - einfo/esearch responses and error pages are no records
            continue
    count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    return count


def build(db_path: Path, n: int) -> dict[str, int]:
    seeded = seed(db_path)
    return {"seed_records": seeded, "articles": grow(db_path, n)}


def grow(db_path: Path, n: int) -> int:
    """Copy the stored (seed) articles until there are ``n``, linked as the module says;
    returns the number of articles. (tests/test_memory.py grows one seeded file to two sizes.)"""
    conn = sqlite3.connect(db_path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(articles)") if r[1] != "pmid"]
    seeds = [r[0] for r in conn.execute("SELECT rowid FROM articles ORDER BY rowid")]
    copies = 0
    total = len(seeds)
    with conn:
        while total < n:
            copies += 1
            take = min(len(seeds), n - total)
            last_rowid = seeds[take - 1]
            picked = ", ".join(
                f"date(entrez_date, '-{3 * copies} days')" if c == "entrez_date" else c
                for c in cols
            )
            conn.execute(
                f"INSERT INTO articles (pmid, {', '.join(cols)}) "
                f"SELECT CAST({PMID_BASE + copies * 100_000} + rowid AS TEXT), {picked} "
                "FROM articles WHERE rowid <= ?",
                [last_rowid],
            )
            total += take
        conn.execute(
            "INSERT INTO article_conditions (pmid, condition, first_seen, run_id, shown_at) "
            "SELECT pmid, 'lupus', stored_at, NULL, NULL "
            "FROM articles WHERE CAST(pmid AS INTEGER) > ?",
            [PMID_BASE],
        )
        conn.execute("UPDATE article_conditions SET shown_at = first_seen WHERE id % 10 != 0")
        for condition, every in (("rheumatoid-arthritis", 7), ("anti-gbm", 50)):
            conn.execute(
                "INSERT INTO article_conditions (pmid, condition, first_seen, run_id, shown_at) "
                "SELECT pmid, ?, stored_at, NULL, stored_at FROM articles WHERE rowid % ? = 0",
                [condition, every],
            )
    conn.execute("ANALYZE")
    articles: int = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    return articles


def bench_db(keep: Path | None, tmp: Path, records: int) -> tuple[Path, dict[str, int]]:
    """The database to measure: ``keep`` if it exists, else one built there (or in ``tmp``)."""
    db_path = keep or tmp / "bench.db"
    if not db_path.exists():
        return db_path, build(db_path, records)
    conn = sqlite3.connect(db_path)
    info = {"articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0]}
    conn.close()
    return db_path, info


def command() -> list[str]:
    script = Path(sys.executable).with_name("acutrack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "acutrack"]


def run_on_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """Run with standard input and output on a pseudo-terminal of 120x500; what it wrote."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 500, 120, 0, 0))
    proc = subprocess.Popen(args, env=env, stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    out = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        out.extend(chunk)
    os.close(master)
    _, err = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, args, bytes(out), err)
    return bytes(out)


def run_once(args: list[str], env: dict[str, str], terminal: bool = False) -> float:
    start = time.perf_counter()
    if terminal:
        run_on_terminal(args, env)
    else:
        subprocess.run(args, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the database at this path.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        db_path, info = bench_db(args.keep, tmp, args.records)
        work = tmp / "copy.db"
        env = {
            **os.environ,
            "ACUTRACK_DB": str(work),
            "COLUMNS": "120",
            "NCBI_EMAIL": "bench@example.org",
            # Byte-code caching as an installed package has it (this checkout may run with
            # PYTHONDONTWRITEBYTECODE); the cache goes to the temporary folder.
            "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        acu = command()
        some_pmid = str(PMID_BASE + 100_000 + 1)
        commands = [
            "show lupus --format json --limit 20",
            "show lupus --format table --limit 20",
            "show lupus --format table",
            "show anti-gbm --format table",
            "show lupus --type rct --format json --limit 20",
            f"article {some_pmid} --format table",
            "search 'pancreatic cancer' --format table",
            "stats lupus --format table",
        ]
        baseline_args = [sys.executable, "-c", "import click"]
        cases = {c: ([*acu, *shlex.split(c)], False) for c in commands}
        for c in commands:
            if "table" in c:
                cases[f"{c} [terminal]"] = ([*acu, *shlex.split(c)], True)
        # `show` in table format marks what it listed as shown: every command gets the same
        # state, a fresh copy made once; after the warm-up run nothing is new any more.
        shutil.copyfile(db_path, work)
        subprocess.run(baseline_args, env=env, capture_output=True, check=True)
        for warm_up, terminal in cases.values():
            if terminal:
                # The terminal path for real: styles (and the PMID links) are drawn.
                marker = b"\x1b[" if "stats" in warm_up else b"\x1b]8;"
                assert marker in run_on_terminal(warm_up, env), warm_up
            else:
                subprocess.run(warm_up, env=env, capture_output=True, check=True)
        # Interleaved rounds, so load from anything else on the machine hits all alike.
        times: dict[str, list[float]] = {name: [] for name in ["baseline", *cases]}
        for _ in range(args.repeat):
            times["baseline"].append(run_once(baseline_args, env))
            for name, (command_args, terminal) in cases.items():
                times[name].append(run_once(command_args, env, terminal))
        baseline = statistics.median(times["baseline"])
        results = {
            name: {
                "median_s": round(statistics.median(values), 3),
                "ratio": round(statistics.median(values) / baseline, 2),
            }
            for name, values in times.items()
            if name != "baseline"
        }
        print(
            json.dumps(
                {
                    **info,
                    "python": sys.version.split()[0],
                    "baseline_import_click_s": round(baseline, 3),
                    "commands": results,
                    "target": f"show, search, stats: ratio <= {TARGET} (terminal and pipe)",
                    "missed": [
                        name
                        for name, r in results.items()
                        if name.split()[0] in TARGETED and r["ratio"] > TARGET
                    ],
                },
                indent=2,
            )
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
