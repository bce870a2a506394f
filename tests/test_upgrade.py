"""Schema upgrades with one owner and one rule (issue 24 part 3): any command upgrades an
older schema in one ``BEGIN IMMEDIATE`` transaction, never under the writers' lock, which only
writing commands hold; that lock is one per database file, however its path is spelled."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import lock_held_elsewhere, run_process
from test_concurrency import PORTABLE, _old_schema_database
from test_environment import in_namespace, needs_mounts, one_sentence, outputs  # noqa: F401


def test_two_spellings_of_one_database_share_one_lock_within_a_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lock is reentrant within a process: keyed by the path as spelled, a command holding
    # it through one spelling waited for itself (and failed) through another.
    from acutrack.store import writer_lock

    real = tmp_path / "data" / "acutrack.db"
    real.parent.mkdir()
    (tmp_path / "link.db").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    with writer_lock(real):
        with writer_lock(Path("data") / "acutrack.db"), writer_lock("link.db"):
            pass
    assert sorted(p.name for p in real.parent.iterdir()) == ["acutrack.db.lock"]
    assert not (tmp_path / "link.db.lock").exists()  # one lock file, next to the real one


def test_two_spellings_of_one_database_share_one_lock_between_processes(
    tmp_path: Path,
) -> None:
    # Through a symlink a second writer made its own lock file and wrote beside the first.
    real = tmp_path / "acutrack.db"
    link = tmp_path / "elsewhere.db"
    link.symlink_to(real)
    with lock_held_elsewhere(link):
        refused = run_process("--db", str(real), "import", str(PORTABLE), "-c", "lupus")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: Another acutrack command is writing to ")


def test_a_reader_upgrades_without_the_writers_lock_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rule: the writers' lock is held by writing commands only, so a writer that finds it
    # held never has to guess whether a reader is upgrading. A migration added here (invented)
    # records what it sees while it runs.
    from acutrack import store
    from acutrack.store import lock, schema

    db = tmp_path / "old.db"
    _old_schema_database(db)
    seen: dict[str, object] = {}

    def m999_probe(sdb: object) -> None:
        conn = sqlite3.connect(db)
        seen["held"] = dict(lock._HELD)
        seen["lock file"] = lock.lock_path(db).exists()
        # Another connection sees none of the upgrade yet: one transaction, all or nothing.
        seen["others see"] = conn.execute("SELECT count(*) FROM _migrations").fetchone()[0]
        conn.close()

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ("m999_probe", m999_probe)])
    conn = store.open_quick(db)
    conn.close()
    assert seen == {"held": {}, "lock file": False, "others see": 3}
    done = sqlite3.connect(db).execute("SELECT count(*) FROM _migrations").fetchone()[0]
    assert done == len(schema.MIGRATIONS)


@needs_mounts
def test_a_reader_on_an_old_schema_it_cannot_write_names_the_command_and_creates_nothing(
    tmp_path: Path,
) -> None:
    # The other side of the rule: a read command that cannot upgrade (a read-only folder, as
    # on read-only media) refuses in one sentence that says what to run, and makes no file.
    # (``outputs``, imported above: test_environment's autouse fixture, where in_namespace
    # writes the results.)
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "acutrack.db"
    _old_schema_database(db)
    before = sorted(p.name for p in folder.iterdir())
    (status,) = in_namespace(
        f"mount --bind {folder} {folder}; mount -o remount,bind,ro {folder}",
        ["--db", str(db), "status"],
    )
    one_sentence(status, str(db), "read-only", "'acutrack status'")
    assert sorted(p.name for p in folder.iterdir()) == before
