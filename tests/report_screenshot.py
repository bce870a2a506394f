"""Take docs/report.png, the picture of `acutrack report` in README.md:
`python tests/report_screenshot.py` (needs ../shared/realdata and Chromium; Debian:
apt-get install chromium; writes only docs/report.png).

The database is the one tests/test_report.py measures the page's height on, made only of the
real records of ../shared/realdata (as README.md's caption says): every PubMed file there
imported through `import`'s own path (sync.import_files), file by file in turn under the five
sample conditions, all first stored 40 days before DAY except one week of arrivals per
condition (WEEK, chosen by PMID, spread over the six days before DAY). The real `acutrack
report` then runs in-process with its clock at noon UTC of DAY (tests/conftest.py's
`on_day`), and headless Chromium screenshots the top of the page at WIDTH x HEIGHT px:
1280 px, where the page has its two columns (1000 px and wider, docs/design.md), the matrix
and the first condition in view. Nothing depends on the day it is run: the stored stamps
are set to fixed times, so the same code and records give the same page (the text is
compared before the PNG is written; the PNG itself also depends on Chromium and its fonts).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from eutils_server import REALDATA  # noqa: E402
from sample_data import import_realdata  # noqa: E402
from screens import shoot  # noqa: E402

DAY = date(2026, 12, 7)  # the page's day: its "today", the timeline's last year
# Arrivals per condition, as issue 25 saw a week of them (tests/test_report.py's WEEK).
WEEK = {
    "lupus": 50,
    "rheumatoid-arthritis": 40,
    "multiple-sclerosis": 30,
    "psoriasis": 30,
    "anti-gbm": 23,
}
WIDTH, HEIGHT = 1280, 1500
SHOT = ROOT / "docs" / "report.png"


def stamp(day: date, hour: int) -> str:
    """A stored stamp as store.now_iso writes them (UTC, microseconds)."""
    return f"{day.isoformat()}T{hour:02d}:00:00.000000+00:00"


def build(db_path: Path) -> dict[str, int]:
    """Fill ``db_path`` with every record of ../shared/realdata (see the module's docstring);
    condition -> its number of arrivals."""
    from acutrack import store

    db = store.open_db(db_path)
    import_realdata(db, list(WEEK))
    db.execute("UPDATE article_conditions SET first_seen = ?", [stamp(DAY - timedelta(40), 9)])
    arrived: dict[str, int] = {}
    for name, n in WEEK.items():
        pmids = [
            pmid
            for (pmid,) in db.execute(
                "SELECT pmid FROM article_conditions WHERE condition = ? "
                "ORDER BY (CAST(pmid AS INTEGER) * 7919) % 1000, pmid LIMIT ?",
                [name, n],
            )
        ]
        for i, pmid in enumerate(pmids):
            db.execute(
                "UPDATE article_conditions SET first_seen = ? WHERE condition = ? AND pmid = ?",
                [stamp(DAY - timedelta(1 + i % 6), 8 + i % 9), name, pmid],
            )
        arrived[name] = len(pmids)
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return arrived


def page(db_path: Path, out: Path) -> str:
    """`acutrack report --output OUT` on ``db_path``, run at noon UTC of DAY."""
    from conftest import on_day, run

    os.environ["ACUTRACK_DB"] = str(db_path)
    result = run("report", "--output", str(out), env=on_day(DAY))
    assert result.exit_code == 0, result.stderr
    return out.read_text()


def main() -> None:
    assert REALDATA.is_dir(), f"needs the real PubMed data in {REALDATA}"
    work = Path(tempfile.mkdtemp(prefix="acutrack-report-shot-"))
    os.environ.update(
        ACUTRACK_QUERIES=str(ROOT / "queries.toml"),
        NCBI_EMAIL="you@example.org",
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_DATA_HOME=str(work / "data"),
    )
    try:
        arrived = build(work / "acutrack.db")
        assert arrived == WEEK, arrived
        text = page(work / "acutrack.db", work / "report.html")
        # The same inputs give the same page: built a second time from scratch, compared.
        again = work / "again"
        again.mkdir()
        build(again / "acutrack.db")
        assert page(again / "acutrack.db", again / "report.html") == text, "page not stable"
        shoot(work / "report.html", SHOT, work / "profile", WIDTH, HEIGHT)
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        print(f"{SHOT.relative_to(ROOT)}: {WIDTH}x{HEIGHT} px, page sha256 {digest}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
