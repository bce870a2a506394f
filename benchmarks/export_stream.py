"""Memory and time of exporting every article: `show lupus --all --format FMT`.

On the 100,000-article database of benchmarks/startup.py (built from the real records in
../shared/realdata, or reused with --keep), each export runs as a real process writing to
/dev/null; its peak resident memory (ru_maxrss of that child) and wall time are reported.
Issue 19: the JSON export held every article at once (27 s, 2.9 GB); it is written as the
rows are read now, so memory stays flat as the database grows.
Issue 26: the table (`--format table`, in a pipe, 120 columns) held every row and every
rendered line (1.3 GB); it is drawn in chunks of rows with the widths of one table now.
Run: python benchmarks/export_stream.py [--keep /tmp/bench100k.db] [--formats json,csv,table]
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

from startup import bench_db, command  # noqa: E402


def export(db: Path, fmt: str) -> dict[str, float]:
    # A table goes to a pipe here, drawn for a 120-column terminal (rich reads COLUMNS): the
    # wide layout, the one whose column widths depend on the rows.
    env = {**os.environ, "ACUTRACK_DB": str(db), "COLUMNS": "120"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*command(), "show", "lupus", "--all", "--format", fmt],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    assert proc.stderr is not None
    if status:
        raise SystemExit(f"{fmt} failed: {proc.stderr.read().decode()}")
    return {"seconds": round(seconds, 1), "peak_mb": round(usage.ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the database at this path.")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--formats", default="json,csv,markdown,ris,bibtex")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, info = bench_db(args.keep, Path(tmp), args.records)
        report: dict[str, object] = {"database": info}
        for fmt in args.formats.split(","):
            report[f"show lupus --all --format {fmt}"] = export(db, fmt)
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
