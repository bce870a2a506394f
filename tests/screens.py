"""Capture the terminal views for docs/terminal.md: `python tests/screens.py`.

Each view runs in a real terminal (a tmux window of the given width) against a fresh copy
of the sample database (tests/sample_data.py: real PubMed records, a first update done;
the state tests/test_docs.py runs the docs in), is captured with tmux's `capture-pane -e`
(colours kept), written into docs/terminal.md as text, and drawn to docs/screens/NAME.png:
the captured ANSI read by rich's `Text.from_ansi`, exported as HTML and screenshot by
headless Chromium.

Needs tmux and Chromium (Debian: apt-get install tmux chromium); writes only under docs/.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import sample_data  # noqa: E402
from eutils_server import Server  # noqa: E402

# (file name, command, columns, run before it): what docs/terminal.md shows. "Run before"
# is not captured; the doc shows it as `$ command` and `...`, so tests/test_docs.py runs it too
# (`acutrack update` stores the week's arrivals the sample's server holds).
VIEWS = [
    ("show-120", "acutrack show lupus --limit 8", 120, ""),
    ("show-80", "acutrack show lupus --limit 6", 80, ""),
    ("show-evidence-120", "acutrack show lupus --type evidence", 120, ""),
    ("stats-120", "acutrack stats ms", 120, ""),
    ("stats-80", "acutrack stats ms", 80, ""),
    ("stats-all-80", "acutrack stats", 80, ""),
    ("status-120", "acutrack status", 120, "acutrack update"),
    ("status-80", "acutrack status", 80, "acutrack update"),
    (
        "digest-120",
        "acutrack digest psoriasis anti-gbm --name weekly --peek --top 2",
        120,
        "acutrack update",
    ),
    (
        "digest-80",
        "acutrack digest psoriasis anti-gbm --name weekly --peek --top 2",
        80,
        "acutrack update",
    ),
]
ROWS = 600  # tall enough that nothing pages or scrolls (the digest); cut to what was printed


def capture(command: str, width: int, env: dict[str, str], folder: Path) -> tuple[str, str]:
    """``command`` in a tmux window ``width`` columns wide; what it printed, with colours: as
    the screen shows it, and as printed (``-J`` joins the lines the terminal wrapped, such as
    the digest's long search link, which the program wrote as one line)."""
    session = f"acutrack-screens-{os.getpid()}"
    script = folder / "run.sh"
    exports = "".join(f"export {k}={shlex_quote(v)}\n" for k, v in env.items())
    script.write_text(
        f"{exports}cd {shlex_quote(str(folder))}\nclear\n{command}\n"
        f"tmux wait-for -S {session}-done\nsleep 60\n"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(ROWS)],
        check=True,
    )
    try:
        time.sleep(0.3)
        subprocess.run(["tmux", "send-keys", "-t", session, f"bash {script}", "Enter"], check=True)
        subprocess.run(["tmux", "wait-for", f"{session}-done"], check=True, timeout=120)
        screen, printed = (
            subprocess.run(
                [
                    "tmux",
                    "capture-pane",
                    "-p",
                    "-e",
                    *join,
                    "-t",
                    session,
                    "-S",
                    "0",
                    "-E",
                    str(ROWS),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for join in ([], ["-J"])
        )
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    return _printed_lines(screen), _printed_lines(printed)


def _printed_lines(out: str) -> str:
    lines = [line.rstrip() for line in out.rstrip("\n").splitlines()]
    while lines and not strip(lines[-1]).strip():
        lines.pop()
    return "\n".join(lines) + "\n"


def shlex_quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


def strip(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;:]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)", "", text)


def shoot(page: Path, png: Path, profile: Path, width: int, height: int) -> None:
    """Headless Chromium's screenshot of the HTML file ``page``, ``width`` x ``height`` px."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "needs Chromium (Debian: apt-get install chromium)"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )


def png(ansi: str, width: int, path: Path, profile: Path) -> None:
    """The captured text drawn as a terminal shows it, to a PNG."""
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor")
    console.print(Text.from_ansi(ansi), soft_wrap=True)
    page = path.with_suffix(".html")
    from rich.terminal_theme import DIMMED_MONOKAI

    # One cell = 8 x 17 px: DejaVu Sans Mono at 13.3 px is 8 px wide.
    html = console.export_html(theme=DIMMED_MONOKAI, inline_styles=True)
    page.write_text(
        html.replace(
            '<pre style="', '<pre style="margin:0;font-size:13.3px;line-height:17px;'
        ).replace("body {", "body {\n    margin: 12px;")
    )
    lines = ansi.count("\n") + 1
    shoot(page, path, profile, width * 8 + 24, lines * 17 + 24)
    page.unlink()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="acutrack-screens-"))
    os.environ.update(
        ACUTRACK_QUERIES=str(ROOT / "queries.toml"),
        NCBI_EMAIL="you@example.org",
        ACUTRACK_DB=str(work / "sample.db"),
        ACUTRACK_RETRY_DELAY="0.01",
    )
    shots = ROOT / "docs" / "screens"
    shots.mkdir(exist_ok=True)
    captured: list[tuple[str, str, int, str, str]] = []
    with Server() as fake:
        os.environ["ACUTRACK_EUTILS_URL"] = fake.url
        sample_data.build(fake, work / "sample.db", then=sample_data.last_weeks_digest)
        for name, command, width, before in VIEWS:
            folder = work / name
            folder.mkdir()
            with (
                sqlite3.connect(work / "sample.db") as a,
                sqlite3.connect(folder / "acutrack.db") as b,
            ):
                a.backup(b)
            env = {
                "ACUTRACK_DB": str(folder / "acutrack.db"),
                "ACUTRACK_QUERIES": str(ROOT / "queries.toml"),
                "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                "PAGER": "cat",
                "TERM": "xterm-256color",
                "COLORTERM": "truecolor",
            }
            if before:  # run as a reader would, before the capture
                done = subprocess.run(
                    ["bash", "-c", before],
                    env={**os.environ, **env},
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert done.returncode == 0, done.stderr
            screen, printed = capture(command, width, env, folder)
            png(screen, width, shots / f"{name}.png", work / "profile")
            captured.append((name, command, width, before, strip(printed)))
    write_doc(captured)
    shutil.rmtree(work, ignore_errors=True)


def write_doc(captured: list[tuple[str, str, int, str, str]]) -> None:
    parts = [
        "# The terminal views\n\n"
        "`show`, `stats`, `status` and the text digest as a terminal draws them, captured in tmux\n"
        "at 80 and 120 columns by `python tests/screens.py` from the sample database\n"
        "(`tests/sample_data.py`: real PubMed records from the project's offline test data, a\n"
        'first update done and a "weekly" digest delivered; they are not about these\n'
        "conditions). `status` and the digest come after the `acutrack update` that stores the\n"
        "week's arrivals (4 per condition). Colours are in the pictures; the text below each is\n"
        "the same capture without them, and `tests/test_docs.py` checks that each command still\n"
        "prints it.\n"
    ]
    for name, command, width, before, text in captured:
        ran = f"$ {before}\n...\n" if before else ""
        parts.append(
            f"\n## `{command}` at {width} columns\n\n![{command} at {width} columns]"
            f"(screens/{name}.png)\n\n```console columns={width}\n{ran}$ {command}\n{text}```\n"
        )
    (ROOT / "docs" / "terminal.md").write_text("".join(parts))


if __name__ == "__main__":
    main()
