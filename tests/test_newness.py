"""What "new" means, said one way everywhere (issue 25, part 1): *unseen* (not yet listed in a
terminal table) and *arrived since a moment* (first stored for a condition at or after it),
each defined once in ``acutrack.newness``. One database of real PubMed records, stored at
different times and partly shown, and every view's counts compared: `status` (JSON and
table), the report's matrix, the digest (JSON headline, text headline and titles, the log
line), Datasette's canned ``evidence_matrix`` (through Datasette's own test client) and the
Atom feed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import run
from test_digest_follow_up import MA, MA2, PLAIN, PORTABLE, RCT, RCT2, SR  # the same real files
from test_report import matrix_rows, parse_strict
from test_share import get_json, shipped_metadata

from acutrack import flags, newness

ATOM = "{http://www.w3.org/2005/Atom}"
CONDITIONS = ("lupus", "rheumatoid-arthritis", "psoriasis")


def imp(condition: str, *files: Path) -> None:
    result = run("import", *map(str, files), "--condition", condition)
    assert result.exit_code == 0, result.output


@pytest.fixture
def week(isolated: Path) -> tuple[Path, str]:
    """Last month's articles, a digest delivered after them, this week's arrivals (one
    article new for two conditions, one delivered before under another condition), and
    some of them shown in a table. Returns the database and the digest's moment."""
    imp("lupus", PLAIN, SR, MA, RCT)
    imp("rheumatoid-arthritis", MA2)
    db = isolated / "acutrack.db"
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat(timespec="microseconds")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE article_conditions SET first_seen = ?", [month_ago])
    conn.close()
    assert run("digest", "--name", "weekly", "--mark-delivered").exit_code == 0
    # This week: 100 records and an RCT under lupus; the RCT and last month's systematic
    # review (delivered under lupus) also under rheumatoid arthritis; psoriasis gets nothing.
    imp("lupus", PORTABLE, RCT2)
    imp("rheumatoid-arthritis", RCT2, SR)
    shown = run("show", "lupus", "--format", "table", "--limit", "7")
    assert shown.exit_code == 0, shown.output
    (mark,) = json.loads(run("digest", "--history", "--format", "json").stdout)
    return db, mark["created_at"]


def test_every_view_counts_the_same_arrivals_and_the_same_unseen(week):
    db, since = week
    status = {r["condition"]: r for r in json.loads(run("status", "--since", since).stdout)}
    arrived = {c: status[c][newness.ARRIVED] for c in CONDITIONS}
    assert arrived == {"lupus": 101, "rheumatoid-arthritis": 2, "psoriasis": 0}
    # Showing seven lupus articles made them seen; it changed nothing that arrived.
    assert status["lupus"][newness.UNSEEN] == status["lupus"]["new"] == 106 - 7
    assert status["lupus"]["stored"] == 106  # pubmed1.xml holds two records
    assert status["rheumatoid-arthritis"][newness.UNSEEN] == 3
    assert {status[c]["arrived_since"] for c in CONDITIONS} == {since}
    tiers = {c: status[c]["arrived_tiers"] for c in CONDITIONS}
    assert tiers["rheumatoid-arthritis"]["rct"] == tiers["rheumatoid-arthritis"]["ma-sr"] == 1

    # The digest of the name delivered at that moment: its headline, titles and log line.
    data = json.loads(run("digest", "--name", "weekly", "--peek", "--format", "json").stdout)
    assert all(data["since"][c] == since for c in CONDITIONS)
    for cond in CONDITIONS:
        assert sum(data["headline"][cond].values()) == arrived[cond], cond
        assert data["headline"][cond] == tiers[cond], cond
    text = run("digest", "--name", "weekly", "--peek").stdout
    labels = {
        "lupus": "Systemic lupus erythematosus",
        "rheumatoid-arthritis": "Rheumatoid arthritis",
    }
    for cond, label in labels.items():
        assert re.search(rf"^{re.escape(label)} \({cond}\): {arrived[cond]} arrived\b", text, re.M)
    assert "1 delivered by an earlier digest" in text  # the systematic review, under lupus
    delivered = run("digest", "--name", "weekly", "--output", "week.txt")
    assert delivered.exit_code == 0, delivered.output
    assert "(arrived: lupus 101, rheumatoid-arthritis 2)" in delivered.output

    # The report for that moment: its matrix's Arrived column.
    page = parse_strict(run("report", "--since", since).stdout)
    rows = matrix_rows(page)
    assert rows["Systemic lupus erythematosus"]["Arrived"] == arrived["lupus"]
    assert rows["Rheumatoid arthritis"]["Arrived"] == arrived["rheumatoid-arthritis"]
    assert rows["Psoriasis"]["Arrived"] == 0

    # Datasette's evidence matrix, since that moment, and unseen as status counts it.
    metadata = shipped_metadata()
    (matrix,) = get_json(
        db,
        "/acutrack/evidence_matrix.json?_shape=objects&since=" + since.replace("+", "%2B"),
        metadata=metadata,
    )
    shared = {r["condition"]: r for r in matrix["rows"]}
    for cond in ("lupus", "rheumatoid-arthritis"):
        assert shared[cond][newness.ARRIVED] == arrived[cond], cond
        assert shared[cond][newness.UNSEEN] == status[cond][newness.UNSEEN], cond
        assert shared[cond]["arrived_since"] == since

    # The feed of each condition since that moment: one entry per arrival, counted in its
    # subtitle.
    for cond in ("lupus", "rheumatoid-arthritis"):
        feed = run("feed", cond, "--since", since, "--limit", "1000").stdout
        root = ET.fromstring(feed.encode())
        assert len(root.findall(f"{ATOM}entry")) == arrived[cond]
        subtitle = root.find(f"{ATOM}subtitle").text
        assert subtitle.startswith(f"{arrived[cond]} ")
        assert f"arrived since {newness.shown(since)}" in subtitle


def test_the_default_window_is_the_same_last_seven_days_everywhere(week):
    db, _since = week
    status = {r["condition"]: r for r in json.loads(run("status").stdout)}
    day = (datetime.now(UTC).date() - timedelta(days=newness.DEFAULT_DAYS)).isoformat()
    assert {status[c]["arrived_since"] for c in CONDITIONS} == {day}
    # Last month's imports are outside it; this week's are in it.
    assert status["lupus"][newness.ARRIVED] == 101
    assert status["rheumatoid-arthritis"][newness.ARRIVED] == 2
    rows = matrix_rows(parse_strict(run("report").stdout))
    assert rows["Systemic lupus erythematosus"]["Arrived"] == 101
    (matrix,) = get_json(
        db, "/acutrack/evidence_matrix.json?_shape=objects", metadata=shipped_metadata()
    )
    assert {r["condition"]: r[newness.ARRIVED] for r in matrix["rows"]}["lupus"] == 101
    assert {r["arrived_since"] for r in matrix["rows"]} == {day}
    table = run("status", "--format", "table").stdout
    assert f"Arrived: first stored for the condition since {day} (the last 7" in " ".join(
        table.split()
    )
    assert "Unseen: not yet listed in a terminal table" in " ".join(table.split())


def test_a_stamp_a_moment_after_a_digest_is_never_taken_for_one_before_it(isolated):
    """Stamps keep microseconds: articles stored within the second a digest was made are
    told apart by the window, as the digest's link positions tell them apart."""
    imp("lupus", RCT)
    assert run("digest", "--name", "w", "--mark-delivered").exit_code == 0
    imp("lupus", RCT2)  # within the same second, most likely
    (mark,) = json.loads(run("digest", "--history", "--format", "json").stdout)
    listed = json.loads(run("show", "lupus", "--stored-since", mark["created_at"]).stdout)
    assert [a["pmid"] for a in listed] == ["28731372"]
    before = json.loads(run("show", "lupus", "--stored-before", mark["created_at"]).stdout)
    assert [a["pmid"] for a in before] == ["29768149"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", mark["created_at"])


def test_moments_people_type(isolated):
    assert newness.moment("2026-11-30") == "2026-11-30"
    assert newness.moment("2026-11-30T06:17") == "2026-11-30T06:17:00.000000+00:00"
    assert newness.moment("2026-11-30T07:17:03+01:00") == "2026-11-30T06:17:03.000000+00:00"
    assert newness.moment("2026-11-30T06:17:03.5Z") == "2026-11-30T06:17:03.500000+00:00"
    # A date sorts before every stamp of its day; a stamp in the stored form compares as time.
    assert "2026-11-30" < "2026-11-30T00:00:00.000000+00:00"
    bad = run("show", "lupus", "--stored-since", "last week")
    assert bad.exit_code == 2 and "Bad --stored-since 'last week'" in bad.output
    assert "Traceback" not in bad.output
    assert run("status", "--since", "yesterday").exit_code == 2
    assert [t.key for t in flags.TIERS][-1] == "retracted"
