"""How well the text rules of acutrack.evidence recover NLM's Publication Types.

    python benchmarks/evidence_accuracy.py [DATA_DIR] [--json OUT.json] [--show-errors]

Loads every PubMed record (XML and MEDLINE text) under DATA_DIR (default: the shared real data
folder, ../shared/realdata from the project root), skips files that are not PubMed data and
dedupes by PMID. Records whose Publication Types are informative (anything beyond "Journal
Article") are the labelled set: NLM's "Randomized Controlled Trial", "Meta-Analysis" and
"Systematic Review" are the truth. Each record is copied with publication_types and mesh
emptied -- the state of a record NLM has not indexed yet -- and run through compute_flags,
so the figures measure the title/abstract rules alone.

A second table restricts the labelled set to records NLM has demonstrably indexed (they carry
MeSH headings): In-Process records can carry publisher or grant-derived Publication Types
("Research Support, ...", "Review") before any indexer has looked at the design, so their
missing "Randomized Controlled Trial" is not a real negative.

Per flag: positives, TP, FP, FN, sensitivity, specificity, precision. Writes JSON to
benchmarks/out/evidence_accuracy.json unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from acutrack import evidence, records  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "realdata"
LABELS = {
    "rct": "Randomized Controlled Trial",
    "meta-analysis": "Meta-Analysis",
    "systematic-review": "Systematic Review",
}


def load(data_dir: Path) -> dict[str, dict]:
    articles: dict[str, dict] = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            for article in records.iter_file(path):
                articles.setdefault(article["pmid"], article)
        except records.NotPubMedData:
            continue
        except records.NCBIErrorResponse:
            continue
    return articles


def informative(article: dict) -> bool:
    return bool(set(article["publication_types"]) - {"Journal Article"})


def score(labelled: list[dict], predictions: dict[str, dict[str, str]]) -> dict[str, dict]:
    table = {}
    for flag, pt in LABELS.items():
        tp = fp = fn = tn = 0
        errors = []
        for article in labelled:
            truth = pt in article["publication_types"]
            guess = flag in predictions[article["pmid"]]
            if truth and guess:
                tp += 1
            elif guess:
                fp += 1
                errors.append(("FP", article["pmid"], predictions[article["pmid"]][flag]))
            elif truth:
                fn += 1
                errors.append(("FN", article["pmid"], article["title"][:90]))
            else:
                tn += 1
        table[flag] = {
            "positives": tp + fn,
            "negatives": tn + fp,
            "TP": tp,
            "FP": fp,
            "FN": fn,
            "TN": tn,
            "sensitivity": tp / (tp + fn) if tp + fn else None,
            "specificity": tn / (tn + fp) if tn + fp else None,
            "precision": tp / (tp + fp) if tp + fp else None,
            "errors": errors,
        }
    return table


def fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def print_table(title: str, n: int, table: dict[str, dict], show_errors: bool) -> None:
    print(f"\n{title} ({n} records)")
    print(
        f"{'flag':<18} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'sens':>6} {'spec':>6} {'prec':>6}"
    )
    for flag, row in table.items():
        print(
            f"{flag:<18} {row['positives']:>4} {row['TP']:>4} {row['FP']:>4} {row['FN']:>4} "
            f"{fmt(row['sensitivity']):>6} {fmt(row['specificity']):>6} {fmt(row['precision']):>6}"
        )
        if show_errors:
            for kind, pmid, what in row["errors"]:
                print(f"    {kind} {pmid}: {what}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "out" / "evidence_accuracy.json"
    )
    parser.add_argument("--show-errors", action="store_true", help="list every FP and FN")
    args = parser.parse_args(argv)

    articles = load(args.data_dir)
    stripped = {}
    for pmid, article in articles.items():
        copy = dict(article)
        copy["publication_types"] = []
        copy["mesh"] = []
        stripped[pmid] = copy

    predictions = {pmid: evidence.compute_flags(a) for pmid, a in stripped.items()}
    elapsed = float("inf")  # best of five passes: the figure is about the code, not the machine
    for _ in range(5):
        started = time.perf_counter()
        for article in stripped.values():
            evidence.compute_flags(article)
        elapsed = min(elapsed, time.perf_counter() - started)

    labelled = [a for a in articles.values() if informative(a)]
    indexed = [a for a in labelled if a["mesh"]]
    print(f"{len(articles)} unique PubMed records in {args.data_dir}")
    print(f"compute_flags: {len(articles) / elapsed:,.0f} records/s (text only)")
    main_table = score(labelled, predictions)
    indexed_table = score(indexed, predictions)
    print_table(
        "Labelled: Publication Types beyond 'Journal Article'",
        len(labelled),
        main_table,
        args.show_errors,
    )
    print_table("Labelled and MeSH-indexed", len(indexed), indexed_table, args.show_errors)

    counts: dict[str, int] = {}
    for flags in predictions.values():
        for flag in flags:
            counts[flag] = counts.get(flag, 0) + 1
    print(
        "\nFlags raised on all records (text only): "
        + ", ".join(f"{flag} {counts.get(flag, 0)}" for flag in evidence.FLAGS)
    )

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "data_dir": str(args.data_dir),
            "records": len(articles),
            "records_per_second": round(len(articles) / elapsed),
            "labelled": {"n": len(labelled), "flags": main_table},
            "labelled_mesh_indexed": {"n": len(indexed), "flags": indexed_table},
            "flag_counts_all_records": counts,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
