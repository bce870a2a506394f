"""Parse + store speed against a bare ElementTree.iterparse pass over the same file.

Builds a 20,000-record PubMed XML file from the real records in ../shared/realdata (each
record's PMID renumbered so every one is stored as a new row), then times, in the same
run and on the same machine:

- baseline: ``for _ in xml.etree.ElementTree.iterparse(path): pass`` (the target's
  yardstick), and a stricter one that also clears each record as it goes
- acutrack: ``acutrack.sync.import_files`` into a fresh SQLite file: streaming parse,
  article dicts, evidence flags, upsert, condition links and the full-text index.

Target (issue 2): acutrack at no less than half the baseline's speed (ratio >= 0.5).
Run: python benchmarks/parse_store.py [--records 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
ARTICLE_RE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)


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


def time_baseline(path: Path) -> float:
    start = time.perf_counter()
    for _ in ET.iterparse(path):
        pass
    return time.perf_counter() - start


def time_baseline_cleared(path: Path) -> float:
    """A stricter baseline: iterparse that drops each record once read (flat memory)."""
    start = time.perf_counter()
    context = ET.iterparse(path, events=("start", "end"))
    _, root = next(context)
    for event, elem in context:
        if event == "end" and elem.tag == "PubmedArticle":
            root.clear()
    return time.perf_counter() - start


def time_acutrack(path: Path, workdir: Path, i: int) -> float:
    from acutrack import store, sync

    db = store.open_db(workdir / f"bench{i}.db")
    start = time.perf_counter()
    result = sync.import_files(db, [path], "bench")
    elapsed = time.perf_counter() - start
    assert result.records == result.new, "every record should be stored as new"
    db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        xml = work / "bench.xml"
        build(xml, args.records)
        size_mb = xml.stat().st_size / 1e6
        base, cleared, ours = [], [], []
        for i in range(args.repeat):
            base.append(time_baseline(xml))
            cleared.append(time_baseline_cleared(xml))
            ours.append(time_acutrack(xml, work, i))
        b, o = statistics.median(base), statistics.median(ours)
        c = statistics.median(cleared)
        result = {
            "records": args.records,
            "file_mb": round(size_mb, 1),
            "baseline_s": round(b, 3),
            "acutrack_s": round(o, 3),
            "acutrack_records_per_s": round(args.records / o),
            "ratio": round(b / o, 2),
            "target": ">= 0.5",
            "baseline_cleared_s": round(c, 3),
            "ratio_vs_cleared": round(c / o, 2),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
