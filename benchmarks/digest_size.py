"""The first digest of a large database: its size, peak memory and time (issue 19, item 6).

Uses the 100,000-article database of ``benchmarks/startup.py`` (built from the real records
in ../shared/realdata, or reused with ``--keep``). Runs ``acutrack digest --peek`` (the same
collection and rendering as a delivered digest; it moves no position, so the database can be
measured again) as a real process for each format, and reports the bytes written, the peak
resident memory of that process (``os.wait4``) and the wall time.

Before the cap (every new article listed) the first HTML digest of this database was 81 MB
built in 1.45 GB; with ``--top 20`` (the default) only the first 20 articles of each tier of
each condition are loaded and listed, the rest counted and named by a `show` command.
Also measured: the JSON digest without ``--top`` (every article listed, as scripts get it):
3.1 GB before it was streamed (issue 26), flat since.
Run: python benchmarks/digest_size.py [--keep /tmp/bench100k.db] [--top 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import bench_db, command  # noqa: E402 - the benchmark's shared database

FORMATS = ("html", "text", "markdown", "json")


def measure(args: list[str]) -> dict[str, float | int]:
    """Run ``args``; bytes written to stdout, peak RSS in MB, seconds."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(args)} failed: {stderr.strip()}")
        size = out.seek(0, os.SEEK_END)
    # ru_maxrss is in kilobytes on Linux.
    return {"bytes": size, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="reuse (or build once) this database")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path, info = bench_db(args.keep, Path(tmp), args.records)
        peek = [*command(), "--db", str(db_path), "digest", "--peek"]
        runs = {fmt: [*peek, "--top", str(args.top), "--format", fmt] for fmt in FORMATS}
        runs["json, every article (no --top)"] = [*peek, "--format", "json"]
        results = {}
        for label, run in runs.items():
            results[label] = measure(run)
            results[label]["seconds"] = round(float(results[label]["seconds"]), 2)
    print(json.dumps({"database": info, "top": args.top, "first_digest": results}, indent=2))


if __name__ == "__main__":
    main()
