"""Parse + flag + store speed against a bare, clearing ElementTree.iterparse pass.

Builds a 20,000-record PubMed XML file (about 270 MB) from the real records in
../shared/realdata (each record's PMID renumbered so every one is stored as a new row),
then times, in the same run and on the same machine, each in a fresh process:

- floor: ``xml.etree.ElementTree.iterparse`` over the file, clearing each record as it
  goes (the least any stream parse of the file costs in Python, with flat memory)
- acutrack: ``acutrack.pubmed.sync.import_files`` into a fresh SQLite file: streaming parse,
  article dicts, evidence flags, the upsert, condition links and the full-text index.

Reported: acutrack time / floor time (medians of ``--repeat`` alternating runs) and each
process's peak resident memory. Targets (issue 11): ratio <= 2.0, peak memory <= 250 MB.
Run: python benchmarks/parse_store.py [--records 20000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
ARTICLE_RE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)

# Each measurement runs in its own interpreter, so its peak RSS is its own.
FLOOR = """
import resource, sys, time
import xml.etree.ElementTree as ET
start, cpu = time.perf_counter(), time.process_time()
context = ET.iterparse(sys.argv[1], events=("start", "end"))
_, root = next(context)
for event, elem in context:
    if event == "end" and elem.tag == "PubmedArticle":
        root.clear()
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, cpu)
"""
ACUTRACK = """
import resource, sys, time
from pathlib import Path
from acutrack import store
from acutrack.pubmed import sync
db = store.open_db(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
result = sync.import_files(db, [Path(sys.argv[1])], "bench")
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
assert result.records == result.new, "every record should be stored as new"
db.close()
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, cpu)
"""
PROFILE = """
import cProfile, pstats, sys
from pathlib import Path
from acutrack import store
from acutrack.pubmed import sync
db = store.open_db(sys.argv[2])
cProfile.run("sync.import_files(db, [Path(sys.argv[1])], 'bench')", sys.argv[2] + ".prof")
pstats.Stats(sys.argv[2] + ".prof").sort_stats("tottime").print_stats(20)
"""


def real_records() -> list[bytes]:
    records: dict[bytes, bytes] = {}
    for path in sorted(REALDATA.rglob("*.xml*")):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        for m in ARTICLE_RE.finditer(data):
            pmid = re.search(rb"<PMID[^>]*>(\d+)</PMID>", m.group(0))
            if pmid:
                records.setdefault(pmid.group(1), m.group(0))
    return list(records.values())


def build(path: Path, n: int) -> None:
    records = real_records()
    with open(path, "wb") as out:
        out.write(b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
        for i in range(n):
            raw = records[i % len(records)]
            # A fresh PMID for every copy (only the citation's own PMID, the first one).
            raw = re.sub(
                rb"(<PMID[^>]*>)\d+(</PMID>)", rb"\g<1>%d\g<2>" % (90_000_000 + i), raw, count=1
            )
            out.write(raw + b"\n")
        out.write(b"</PubmedArticleSet>\n")


def measure(code: str, *args: str) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB, CPU seconds of all its threads) of ``code`` run in a fresh
    interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        xml = work / "bench.xml"
        build(xml, args.records)
        size_mb = xml.stat().st_size / 1e6
        if args.profile:
            subprocess.run([sys.executable, "-c", PROFILE, str(xml), str(work / "p.db")])
            return
        floor, ours, floor_rss, our_rss, floor_cpu, our_cpu = [], [], [], [], [], []
        for i in range(args.repeat):
            seconds, rss, cpu = measure(FLOOR, str(xml))
            floor.append(seconds)
            floor_rss.append(rss)
            floor_cpu.append(cpu)
            seconds, rss, cpu = measure(ACUTRACK, str(xml), str(work / f"bench{i}.db"))
            ours.append(seconds)
            our_rss.append(rss)
            our_cpu.append(cpu)
        f, o = statistics.median(floor), statistics.median(ours)
        fc, oc = statistics.median(floor_cpu), statistics.median(our_cpu)
        result = {
            "records": args.records,
            "file_mb": round(size_mb, 1),
            "floor_s": round(f, 3),
            "floor_runs_s": [round(x, 2) for x in floor],
            "acutrack_s": round(o, 3),
            "acutrack_runs_s": [round(x, 2) for x in ours],
            "acutrack_records_per_s": round(args.records / o),
            "ratio_acutrack_over_floor": round(o / f, 2),
            "target_ratio": "<= 2.0",
            # CPU seconds (all threads): steadier than wall time on a loaded machine, and an
            # upper bound of the wall ratio where the writer thread overlaps the parse.
            "floor_cpu_s": round(fc, 3),
            "acutrack_cpu_s": round(oc, 3),
            "cpu_ratio_acutrack_over_floor": round(oc / fc, 2),
            "floor_peak_rss_mb": round(max(floor_rss)),
            "acutrack_peak_rss_mb": round(max(our_rss)),
            "target_peak_rss_mb": "<= 250",
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
