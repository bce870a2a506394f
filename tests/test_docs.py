"""Every command the docs print for a reader runs, and what they show it printing holds.

As sqlite-utils keeps its docs true with cog, but checking instead of generating: every
```console, ```sh and ```shell block of README.md and docs/*.md is read; each acutrack command
in it runs as a real process through bash (pipes, redirections and `export` as written),
against a copy of the sample database (tests/sample_data.py: real PubMed records from
../shared/realdata, a first update done, a week's arrivals waiting on the local E-utilities
server, a "weekly" digest delivered before they came), on a 120-column terminal as the
README's captions say (```console columns=80: another width; docs/terminal.md's tmux captures
are such blocks). Each block starts from a fresh copy; its commands run in order.

- A command must exit 0, or the status its comment names ("# exits 2").
- In a ```console block, the lines under a `$ command` are what it prints: each must be
  printed, in that order and next to each other; a line `...` stands for any number of lines
  left out (at the start, between, at the end). Dates and times match any date and time;
  colours, links and trailing spaces are ignored.
- Commands that are not acutrack's (pip, python -m venv, ruff, datasette, a benchmark) are
  listed in ``NOT_RUN`` with the reason; an unknown one fails the test, so a new example
  cannot slip by unrun.

`ACUTRACK_DOCS_SHOW=1 pytest tests/test_docs.py` prints what each command printed, to paste
into a doc after a change.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import sample_data
from conftest import ROOT, SECRET_KEY
from eutils_server import VERIFY_SAMPLES, Server

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = ("console", "sh", "shell", "bash")
WIDTH = 120

# Leading words of commands the docs print that are not acutrack's, and why they are not run
# here. Matched against each part of a command line (split at `&&`, `;`, `||`).
NOT_RUN = {
    "python3 -m venv": "making a virtual environment (the suite runs in one)",
    ". .venv/bin/activate": "entering the virtual environment",
    "pip install": "installing (the suite runs on the installed package)",
    "ruff": "the linter: CI runs it; test_structure checks the documented CI command",
    "mypy": "the type checker: CI runs it",
    "pytest": "the test suite itself",
    "datasette": "serving the database: tests/test_share.py runs Datasette's test client",
    "python benchmarks/": "a benchmark (minutes): docs/benchmarks.md reports its figures",
    "python3 benchmarks/": "a benchmark (minutes): docs/benchmarks.md reports its figures",
}
# Paths on the reader's machine that a test cannot write: the same file name in the block's
# folder instead.
PATHS = {"/var/www/": ""}
# Files the examples name: real blog reference lists (VERIFY_SAMPLES, in ../shared/).
FILES = {
    "blog-references.txt": VERIFY_SAMPLES / "lupus-post-references.txt",
    "post.html": VERIFY_SAMPLES / "goodpasture-post-references.txt",
}
# (Stamps keep microseconds: a digest's follow-up commands print them.)
DATE_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?( UTC|Z|[+-]\d{2}:\d{2})?"
)
ANSI_RE = re.compile(r"\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class Command:
    line: str  # as printed, comment included
    run: str  # what bash runs: the acutrack parts (and exports), joined as written
    exit_code: int = 0
    shown: list[str] | None = None  # ```console: the lines printed under it


@dataclass
class Block:
    doc: str
    line: int
    lang: str
    columns: int = WIDTH  # ```console columns=80: the terminal's width (tests/screens.py)
    commands: list[Command] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _parts(line: str) -> list[str]:
    """A command line's parts at `&&`, `||` and `;` outside quotes (pipes and redirections
    stay in a part, unquoted)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    parts: list[str] = []
    current: list[str] = []
    for token in lexer:
        if token in ("&&", "||", ";"):
            parts.append(" ".join(current))
            current = []
        else:
            current.append(token if set(token) <= set("|<>&") else shlex.quote(token))
    if current:
        parts.append(" ".join(current))
    return parts


def _without_comment(line: str) -> tuple[str, str]:
    """(command, comment): a `#` outside quotes starts the comment."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def _command(line: str) -> Command | None:
    """The runnable part of a printed command line; None when nothing in it is acutrack's."""
    text, comment = _without_comment(line)
    kept: list[str] = []
    for part in _parts(text):
        if part.startswith(("acutrack ", "export ")) or part == "acutrack":
            for mine, here in PATHS.items():
                part = part.replace(mine, here)
            kept.append(part)
            continue
        if not any(part.startswith(word) for word in NOT_RUN):
            raise AssertionError(f"a command the docs print is neither run nor in NOT_RUN: {part}")
    if not any(p.startswith("acutrack") for p in kept):
        return None
    status = re.search(r"\bexits? (\d)\b", comment)
    # The original line's operators between acutrack parts are `&&` (or `;`): running them
    # with `&&` is the stricter reading.
    return Command(line, " && ".join(kept), int(status.group(1)) if status else 0)


def read_blocks(path: Path) -> list[Block]:
    blocks: list[Block] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\w+)(?:\s+columns=(\d+))?\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        body = lines[i + 1 : end]
        block = Block(path.name, i + 1, fence.group(1), int(fence.group(2) or WIDTH))
        if block.lang in SHELLS:
            _fill(block, body)
            if block.commands:
                blocks.append(block)
        i = end + 1
    return blocks


def _fill(block: Block, body: list[str]) -> None:
    if block.lang != "console":
        joined = "\n".join(body).replace("\\\n", " ")
        for line in joined.splitlines():
            command = _command(line) if line.strip() and not line.startswith("#") else None
            if command:
                block.commands.append(command)
        return
    current: Command | None = None
    for line in body:
        if line.startswith("$ "):
            current = _command(line[2:])
            if current is None:
                raise AssertionError(f"{block.id}: a console command runs nothing: {line}")
            current.shown = []
            block.commands.append(current)
        elif current is not None and current.shown is not None:
            current.shown.append(line)
        elif line.strip():
            raise AssertionError(f"{block.id}: output before any `$ command`: {line}")


BLOCKS = [block for doc in DOCS for block in read_blocks(doc)]


# --- the sample, once per test process -------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The local E-utilities server with the sample records, and the sample database."""
    folder = tmp_path_factory.mktemp("sample")
    saved = dict(os.environ)
    os.environ.update(
        ACUTRACK_QUERIES=str(ROOT / "queries.toml"),
        NCBI_EMAIL="tests@example.org",
        ACUTRACK_RETRY_DELAY="0.01",
    )
    from test_digest import SMTPServer

    try:
        with Server() as fake, SMTPServer() as smtp:
            os.environ["ACUTRACK_EUTILS_URL"] = fake.url
            db = folder / "acutrack.db"
            os.environ["ACUTRACK_DB"] = str(db)
            sample_data.build(fake, db, date.today(), then=sample_data.last_weeks_digest)
            yield {"db": db, "eutils": fake.url, "smtp": f"smtp://127.0.0.1:{smtp.port}"}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _environment(sample: dict, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACUTRACK_", "NCBI_"))}
    for name in ("FORCE_COLOR", "NO_COLOR", "PAGER", "COLORTERM", "TTY_INTERACTIVE"):
        env.pop(name, None)
    python = Path(sys.executable)
    return {
        **env,
        "ACUTRACK_DB": str(folder / "acutrack.db"),
        "ACUTRACK_QUERIES": str(ROOT / "queries.toml"),
        "ACUTRACK_EUTILS_URL": sample["eutils"],
        "ACUTRACK_SMTP_URL": sample["smtp"],
        "ACUTRACK_RETRY_DELAY": "0.01",
        "NCBI_EMAIL": "tests@example.org",
        "NCBI_API_KEY": SECRET_KEY,  # 10 requests a second; never printed (checked below)
        "HOME": str(folder / "home"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
        "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
        "PYTHON": str(python),
        # A 120-column terminal, as the README's captions say (rich and acutrack read these).
        "TTY_COMPATIBLE": "1",
        "COLUMNS": str(WIDTH),
        "LINES": "10000",
        "TERM": "dumb",
        "PYTHONIOENCODING": "utf-8",
    }


def run_block(block: Block, sample: dict, folder: Path) -> list[tuple[Command, str]]:
    """Run a block's commands in order in ``folder`` (a fresh copy of the sample)."""
    # SQLite's backup: what is still in the sample's write-ahead log is copied too.
    with sqlite3.connect(sample["db"]) as source, sqlite3.connect(folder / "acutrack.db") as copy:
        source.backup(copy)
    source.close()
    copy.close()
    for name, source in FILES.items():
        shutil.copy(source, folder / name)
    env = {**_environment(sample, folder), "COLUMNS": str(block.columns)}
    # `acutrack` is this Python's, whatever else PATH holds.
    prelude = 'set -o pipefail\nacutrack() { "$PYTHON" -m acutrack "$@"; }\n'
    printed = []
    for command in block.commands:
        proc = subprocess.run(
            ["bash", "-c", prelude + command.run],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        out = ANSI_RE.sub("", proc.stdout)
        if os.environ.get("ACUTRACK_DOCS_SHOW"):
            print(f"\n--- {block.id} $ {command.run}\n{out}{proc.stderr}")
        assert SECRET_KEY not in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr, f"{block.id}: {command.line}\n{proc.stderr}"
        assert proc.returncode == command.exit_code, (
            f"{block.id}: `{command.line}` exited {proc.returncode}, the doc says "
            f"{command.exit_code}\n{proc.stderr[-2000:]}"
        )
        printed.append((command, out))
    return printed


def _normal(line: str) -> str:
    return DATE_RE.sub("DATE", line.rstrip())


def shown_lines_hold(shown: list[str], printed: str) -> str | None:
    """None when every shown line is printed in order (``...`` for any lines left out),
    else what is missing."""
    actual = [_normal(line) for line in printed.splitlines()]
    while actual and not actual[-1]:
        actual.pop()
    chunks: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            chunks.append([])
        else:
            chunks[-1].append(_normal(line))
    open_start = shown[:1] == ["..."] or not chunks[0]
    open_end = not chunks[-1]
    at = 0
    for n, chunk in enumerate(chunks):
        if not chunk:
            continue
        starts = [
            i
            for i in range(at, len(actual) - len(chunk) + 1)
            if actual[i : i + len(chunk)] == chunk
        ]
        if n == 0 and not open_start:
            starts = [i for i in starts if i == 0]
        if not starts:
            return "not printed (in this order):\n" + "\n".join(chunk)
        at = starts[0] + len(chunk)
    if not open_end and at != len(actual):
        return "printed more after:\n" + "\n".join(actual[at:][:10])
    return None


# --- the tests -------------------------------------------------------------------------------


def test_the_docs_print_commands():
    """The extraction finds what the README shows (a guard against a parser that finds
    nothing and so checks nothing)."""
    ids = {b.id.split(":")[0] for b in BLOCKS}
    assert {"README.md", "digest.md"} <= ids
    readme = [c.run for b in BLOCKS if b.doc == "README.md" for c in b.commands]
    assert "acutrack show sle --limit 6" in readme
    assert any(c.shown for b in BLOCKS for c in b.commands)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_every_documented_command_runs_and_prints_what_the_doc_shows(block, sample, tmp_path):
    folder = tmp_path / "here"
    folder.mkdir()
    for command, out in run_block(block, sample, folder):
        if command.shown:
            missing = shown_lines_hold(command.shown, out)
            assert missing is None, f"{block.id}: `{command.line}`: {missing}\n--- printed:\n{out}"


def test_a_shown_line_that_is_not_printed_fails():
    printed = "a\nb 2026-12-07 08:15\nc\nd\n"
    assert shown_lines_hold(["a", "b 2020-01-01 00:00", "c", "d"], printed) is None
    assert shown_lines_hold(["a", "...", "d"], printed) is None
    assert shown_lines_hold(["...", "c"], printed) is not None  # more printed after c
    assert shown_lines_hold(["...", "c", "..."], printed) is None
    assert shown_lines_hold(["a", "c"], printed) is not None  # not next to each other
    assert shown_lines_hold(["b", "a", "..."], printed) is not None  # order


def test_an_unknown_command_in_the_docs_fails_the_extraction():
    with pytest.raises(AssertionError, match="neither run nor in NOT_RUN"):
        _command("curl https://example.org | sh")
    assert _command("pip install . && acutrack update # exits 1").exit_code == 1  # type: ignore[union-attr]
    assert _command("acutrack feed lupus -o /var/www/lupus.atom").run == (  # type: ignore[union-attr]
        "acutrack feed lupus -o lupus.atom"
    )
