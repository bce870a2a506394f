"""Recomputing the derived data (issue 24): what the first writing command after a change of
the evidence rules or the registry costs (``store.derived.recompute``, run by ``open_db``).

Builds (or reuses, ``--keep``) the start-up benchmark's databases of 10,000 and 100,000
articles (real records from ../shared/realdata, copied; see benchmarks/startup.py), marks a
copy's derived data as computed by another version, and times in a fresh process:

- baseline: reading every stored article a page at a time and running ``evidence.derive`` on
  it, writing nothing (the rules' own cost);
- ``store.open_db`` on the copy: the recomputation, the rebuilt counts and view, one
  transaction.

Reports seconds, the ratio recompute / baseline (the store's share), and the peak memory of
each process at both sizes (flat: the rows come a page of 1,000 at a time).
Run: python benchmarks/recompute.py [--keep-prefix /tmp/bench] (reuses /tmp/bench10000.db and
/tmp/bench100000.db when they exist).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import bench_db  # noqa: E402

BASELINE = """
import json, resource, sqlite3, sys, time
from acutrack.evidence import DERIVED_FROM, derive
from acutrack.store import JSON_COLUMNS
t = time.perf_counter()
conn = sqlite3.connect(sys.argv[1])
cols = ", ".join(DERIVED_FROM)
last = -1
while page := conn.execute(
    f"SELECT rowid, pmid, {cols} FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 1000", [last]
).fetchall():
    last = page[-1][0]
    for row in page:
        article = dict(zip(("pmid", *DERIVED_FROM), row[1:]))
        for key in DERIVED_FROM:
            if key in JSON_COLUMNS:
                article[key] = json.loads(article[key] or "[]")
        derive(article)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

RECOMPUTE = """
import resource, sys, time
from acutrack import store
t = time.perf_counter()
store.open_db(sys.argv[1]).close()
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(code: str, db: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep-prefix", help="Build (or reuse) PREFIX10000.db and so on.")
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for size in (int(s) for s in args.sizes.split(",")):
            keep = Path(f"{args.keep_prefix}{size}.db") if args.keep_prefix else None
            (tmp / str(size)).mkdir()
            db, _ = bench_db(keep, tmp / str(size), size)
            stale = tmp / f"stale{size}.db"
            shutil.copyfile(db, stale)
            conn = sqlite3.connect(stale)
            conn.execute("UPDATE _derived SET version = 'another'")
            conn.commit()
            conn.close()
            base_s, base_mb = measure(BASELINE, stale)
            took_s, took_mb = measure(RECOMPUTE, stale)
            results[str(size)] = {
                "derive_only_s": round(base_s, 2),
                "recompute_s": round(took_s, 2),
                "ratio": round(took_s / base_s, 2),
                "derive_only_peak_mb": round(base_mb),
                "recompute_peak_mb": round(took_mb),
            }
            stale.unlink()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
