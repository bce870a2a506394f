"""Speed of the evidence rules against a baseline commit, measured in one run.

    python benchmarks/evidence_speed.py [--baseline REF] [--rounds N] [--realdata DIR]

Times ``evidence.derive`` (every flag, the trial size and the conclusion: what a write runs
per record) and ``evidence.compute_flags`` alone over the realdata records, for this tree and
for ``src/`` of the baseline commit (``git archive REF src``; default ``main``). The two run in
alternating subprocesses (A B A B ...), each timing the best of five passes, so machine load
hits both alike; the figure is the ratio of the best times, not records/s on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import baseline_tree  # this folder: the benchmarks run as scripts

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = ROOT.parent / "shared" / "realdata"

# Runs in the subprocess, with the tree under test first on sys.path.
_TIMER = """
import json, sys, time
from pathlib import Path
from acutrack import evidence
try:
    from acutrack.pubmed import records
except ImportError:  # a baseline from before the move into packages (issue 24)
    from acutrack import records

articles = {}
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if not path.is_file() or path.name.startswith("."):
        continue
    try:
        for a in records.iter_file(path):
            a = dict(a)
            a["publication_types"], a["mesh"] = [], []  # text rules, as before indexing
            articles.setdefault(a["pmid"], a)
    except (records.NotPubMedData, records.NCBIErrorResponse):
        continue
rows = list(articles.values())
best = {}
for name, fn in (("derive", evidence.derive), ("compute_flags", evidence.compute_flags)):
    elapsed = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for a in rows:
            fn(a)
        elapsed = min(elapsed, time.perf_counter() - started)
    best[name] = elapsed
print(json.dumps({"records": len(rows), **best}))
"""


def _time(src: Path, realdata: Path) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(src)!r})\n" + _TIMER,
            str(realdata),
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"timing {src} failed: {out.stderr.strip().splitlines()[-1]}")
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds")
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument(
        "--max-ratio",
        type=float,
        help="exit 1 when derive takes more than this times the baseline's time (issue 27's "
        "guard: --baseline 4caa04e --max-ratio 1.10, run on a quiet machine before merging)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"baseline": baseline_tree(args.baseline, Path(tmp)), "this tree": ROOT / "src"}
        best: dict[str, dict[str, float]] = {name: {} for name in trees}
        records = 0
        for _ in range(args.rounds):
            for name, src in trees.items():
                got = _time(src, args.realdata)
                records = got.pop("records")
                for key, value in got.items():
                    best[name][key] = min(best[name].get(key, float("inf")), value)
    print(f"{records} realdata records, best of {args.rounds} alternating rounds x 5 passes")
    for key in ("derive", "compute_flags"):
        base, mine = best["baseline"][key], best["this tree"][key]
        print(
            f"{key:>14}: baseline ({args.baseline}) {records / base:,.0f} records/s, this tree "
            f"{records / mine:,.0f} records/s; this tree takes {mine / base:.2f}x the time"
        )
    ratio = best["this tree"]["derive"] / best["baseline"]["derive"]
    if args.max_ratio is not None and ratio > args.max_ratio:
        print(f"derive takes {ratio:.2f}x the baseline's time: more than {args.max_ratio:.2f}x")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
