"""Tables written to a pipe or file skip rich's layout: they must be the same bytes."""

from __future__ import annotations

import io

import pytest
from conftest import realdata
from rich.console import Console

from acutrack import render, store, sync
from acutrack.export import year_rows

FILES = [
    realdata("pubmedportable", "db7303e4_medline_00000000.xml"),
    realdata("p1m-ortho", "qs-global-ortho-search-queries", "8035bc95_pubmed_result.xml"),
]


def printed(renderable, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, highlight=False).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize("width", [40, 59, 60, 80, 100, 120, 200])
def test_stats_chart_to_a_pipe_is_what_rich_draws(isolated, monkeypatch, width):
    db = store.open_db(isolated / "acutrack.db")
    sync.import_files(db, FILES, "lupus")
    rows = year_rows(store.year_counts(db, "lupus"))
    db.close()
    assert len(rows) > 10
    table = render.stats_chart(rows, title="Articles per year: lupus", width=width).renderables[0]
    drawn_by_rich = []
    rich_table = table.rich_table
    monkeypatch.setattr(table, "rich_table", lambda: drawn_by_rich.append(1) or rich_table())
    plain = printed(table, width)
    assert drawn_by_rich == []  # the plain lines were written
    assert plain == printed(rich_table(), width)
