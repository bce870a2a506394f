"""Work that must grow linearly with its input: a big queries.toml and a big `verify` text.

1. queries.toml with 2,000 and 20,000 conditions (each a real shipped query under a new
   name, with a label and an alias): time to load and validate it. Target: 20,000 in < 2 s.
2. `verify` input: reading a text and finding its references (read_input + extract, the
   part whose cost grows with the file; lookups grow with the number of references, not
   the bytes). Texts of 5 MB and 50 MB built from the real reference lists in
   ../shared/verify-samples and real abstracts from ../shared/realdata, in two layouts:
   paragraphs separated by blank lines; hard-wrapped at 72 columns without blank lines; and
   a bare reference list, one real reference per line without a final period (as
   Vancouver-style lists are often pasted), so every line continues the one before: the
   worst case, one logical line for the whole file (kept in parts of at most 5,000
   characters now); also one made of APA references only. Target: 50 MB in < 60 s and < 500 MB
   of memory (peak RSS of the measuring process).

3. The whole `verify` command on 250, 500, 1,000, 10,000 and 20,000 references (real lines
   of ../shared/verify-samples, cycled as a list pasted many times, one per line), as a
   real process with NCBI unreachable (ACUTRACK_EUTILS_URL at a closed port): every
   reference is read, compared with every other for similar citations and reported
   unchecked; lookups are left out (they wait on the network, in batches). The pairwise
   similar-citation check took 1.7 s, 5.5 s and 20.9 s for 250, 500 and 1,000 (issue 19);
   it is blocked by volume and first page now. Target: 10x the references about 10x the time.

Each measurement runs in a fresh process. The 10x-input ratio shows linearity (about 10
is linear; quadratic work gives about 100). Run: python benchmarks/linear_inputs.py
(``--verify-only``: the verify command's part alone)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from eutils_server import REALDATA  # noqa: E402

SAMPLES = REALDATA.parent / "verify-samples"

MEASURE_QUERIES = """
import resource, sys, time
from acutrack.config import load_queries
t = time.perf_counter()
q = load_queries(sys.argv[1])
q.select(list(q.conditions)[-50:])
print(time.perf_counter() - t, len(q.conditions),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

MEASURE_VERIFY = """
import resource, sys, time
from acutrack.pubmed.references import extract
from acutrack.pubmed.verify import read_input
t = time.perf_counter()
source, text = read_input(sys.argv[1])
refs = extract(text, source)
print(time.perf_counter() - t, len(refs),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(script: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return {
        "seconds": round(float(out[0]), 2),
        "items": int(out[1]),
        "peak_mb": round(float(out[2])),
    }


def queries_file(path: Path, n: int) -> None:
    import tomllib

    shipped = tomllib.loads((ROOT / "queries.toml").read_text())
    intervention = shipped.pop("intervention")
    tables = list(shipped.values())
    lines = [f"intervention = '''{intervention}'''", ""]
    for i in range(n):
        t = tables[i % len(tables)]
        lines += [
            f"[condition-{i}]",
            f'label = "Condition {i}"',
            f'aliases = ["alias-{i}"]',
            f"query = '''{t['query']}'''",
            "",
        ]
    path.write_text("\n".join(lines))


def prose() -> list[str]:
    """Real abstracts (PubMed records in ../shared/realdata) as paragraphs."""
    from acutrack.pubmed.records import iter_file

    paragraphs = []
    for record in iter_file(REALDATA / "pubmedportable" / "db7303e4_medline_00000000.xml"):
        if record.get("abstract"):
            paragraphs.append(record["abstract"])
    return paragraphs


def reference_list(path: Path, size: int, pattern: str = "*-references.txt") -> None:
    """Real reference lines from ../shared/verify-samples, one per line, final period off."""
    lines = [
        line.strip().rstrip(".")
        for p in sorted(SAMPLES.glob(pattern))
        for line in p.read_text().splitlines()[1:]
        if line.strip()
    ]
    with path.open("w") as f:
        written = i = 0
        while written < size:
            chunk = lines[i % len(lines)] + "\n"
            f.write(chunk)
            written += len(chunk.encode())
            i += 1


def verify_text(path: Path, size: int, wrapped: bool, paragraphs: list[str]) -> None:
    refs = [p.read_text() for p in sorted(SAMPLES.glob("*.txt"))]
    with path.open("w") as f:
        written = 0
        i = 0
        while written < size:
            block = paragraphs[i % len(paragraphs)]
            if i % 10 == 0:
                block += "\n\n" + refs[(i // 10) % len(refs)]
            if wrapped:
                block = "\n".join(
                    textwrap.fill(line, 72) for line in block.splitlines() if line.strip()
                )
                chunk = block + "\n"
            else:
                chunk = block + "\n\n"
            f.write(chunk)
            written += len(chunk.encode())
            i += 1


def verify_command(path: Path) -> dict[str, float]:
    """The whole `verify` command as a real process, NCBI unreachable, timed from outside."""
    import os
    import socket
    import time

    with socket.socket() as s:  # a port nothing listens on: connections are refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "ACUTRACK_EUTILS_URL": f"http://127.0.0.1:{port}/",
        "ACUTRACK_RETRY_DELAY": "0.01",
        "NCBI_EMAIL": "bench@example.org",
    }
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "acutrack", "verify", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    rows = json.loads(proc.stdout)
    return {"seconds": round(seconds, 2), "items": len(rows)}


def reference_lines(path: Path, n: int) -> None:
    """``n`` real reference lines of ../shared/verify-samples, cycled, one per line."""
    lines = [
        line.strip()
        for p in sorted(SAMPLES.glob("*-references.txt"))
        for line in p.read_text().splitlines()[1:]
        if line.strip()
    ]
    path.write_text("\n".join(lines[i % len(lines)] for i in range(n)) + "\n")


def main() -> None:
    report: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for n in (250, 500, 1_000, 10_000, 20_000):
            path = base / f"refs-{n}.txt"
            reference_lines(path, n)
            report[f"verify command, {n:,} references"] = verify_command(path)
        if "--verify-only" in sys.argv:
            ratio = report["verify command, 10,000 references"]["seconds"] / max(
                report["verify command, 1,000 references"]["seconds"], 1e-3
            )
            report["verify command, 10,000 references"]["ratio_to_10x_smaller"] = round(ratio, 1)
            print(json.dumps(report, indent=2))
            return
        for n in (2_000, 20_000):
            path = base / f"queries-{n}.toml"
            queries_file(path, n)
            report[f"queries.toml, {n:,} conditions"] = measure(MEASURE_QUERIES, path)
        paragraphs = prose()
        for wrapped in (False, True):
            for mb in (5, 50):
                path = base / f"text-{mb}-{wrapped}.txt"
                verify_text(path, mb * 1_000_000, wrapped, paragraphs)
                layout = "hard-wrapped, no blank lines" if wrapped else "paragraphs"
                report[f"verify input, {mb} MB, {layout}"] = measure(MEASURE_VERIFY, path)
        for mb in (5, 50):
            path = base / f"refs-{mb}.txt"
            reference_list(path, mb * 1_000_000)
            report[f"verify input, {mb} MB, reference list"] = measure(MEASURE_VERIFY, path)
        # APA only (the lupus and Goodpasture lists): the other citation styles never match,
        # which made the old per-citation search of every style quadratic.
        for mb in (5, 50):
            path = base / f"apa-{mb}.txt"
            reference_list(path, mb * 1_000_000, "[gl]*-references.txt")
            report[f"verify input, {mb} MB, APA reference list"] = measure(MEASURE_VERIFY, path)
    for small, big in (
        ("verify command, 1,000 references", "verify command, 10,000 references"),
        ("queries.toml, 2,000 conditions", "queries.toml, 20,000 conditions"),
        ("verify input, 5 MB, paragraphs", "verify input, 50 MB, paragraphs"),
        (
            "verify input, 5 MB, hard-wrapped, no blank lines",
            "verify input, 50 MB, hard-wrapped, no blank lines",
        ),
        ("verify input, 5 MB, reference list", "verify input, 50 MB, reference list"),
        ("verify input, 5 MB, APA reference list", "verify input, 50 MB, APA reference list"),
    ):
        report[big]["ratio_to_10x_smaller"] = round(
            report[big]["seconds"] / max(report[small]["seconds"], 1e-3), 1
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
