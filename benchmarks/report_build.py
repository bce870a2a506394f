"""Build time of ``acutrack report`` on a 100,000-article database.

The database is built as benchmarks/startup.py builds it (the real records of
../shared/realdata imported once, then copied with renumbered PMIDs up to --records): every
article linked to ``lupus``, one in seven also to ``rheumatoid-arthritis``, one in fifty to
``anti-gbm``.

Times, in the same run, median of ``--repeat`` interleaved rounds after one warm-up:

- baseline: ``python -c "import click"`` (the cost of starting Python at all)
- ``acutrack report --output page.html``: every condition (the default), as a real process
- ``acutrack report lupus --output page.html``: the biggest condition alone

Target (issue 14): the full report under 3 s.
Run: python benchmarks/report_build.py [--records 100000] [--repeat 5] [--keep PATH]
(--keep reuses a database built before, e.g. the one benchmarks/startup.py --keep made.)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import bench_db, command  # noqa: E402 - the shared 100k database builder

TARGET_S = 3.0


def run_once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the database at this path.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        db_path, info = bench_db(args.keep, tmp, args.records)
        work = tmp / "copy.db"
        shutil.copyfile(db_path, work)
        env = {
            **os.environ,
            "ACUTRACK_DB": str(work),
            "NCBI_EMAIL": "bench@example.org",
            "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        acu = command()
        page = tmp / "page.html"
        commands = [f"report --output {page}", f"report lupus --output {page}"]
        cases = {c.replace(str(page), "page.html"): [*acu, *shlex.split(c)] for c in commands}
        baseline_args = [sys.executable, "-c", "import click"]
        # The warm-up also applies any migration the copied database lacks.
        for warm_up in [baseline_args, *cases.values()]:
            subprocess.run(warm_up, env=env, capture_output=True, check=True)
        times: dict[str, list[float]] = {name: [] for name in ["baseline", *cases]}
        for _ in range(args.repeat):
            times["baseline"].append(run_once(baseline_args, env))
            for name, command_args in cases.items():
                times[name].append(run_once(command_args, env))
        baseline = statistics.median(times["baseline"])
        subprocess.run(cases["report --output page.html"], env=env, capture_output=True, check=True)
        conn = sqlite3.connect(work)
        linked = dict(conn.execute("SELECT condition, count(*) FROM article_conditions GROUP BY 1"))
        conn.close()
        results = {
            name: {
                "median_s": round(statistics.median(values), 3),
                "min_s": round(min(values), 3),
                "ratio_to_baseline": round(statistics.median(values) / baseline, 1),
            }
            for name, values in times.items()
            if name != "baseline"
        }
        full = results["report --output page.html"]["median_s"]
        print(
            json.dumps(
                {
                    **info,
                    "articles_per_condition": linked,
                    "python": sys.version.split()[0],
                    "baseline_import_click_s": round(baseline, 3),
                    "commands": results,
                    "page_bytes": page.stat().st_size,
                    "target": f"report (all conditions) < {TARGET_S} s",
                    "met": full < TARGET_S,
                },
                indent=2,
            )
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
