"""The batch write path: parse -> flag -> store, one transaction per file (import) or batch."""

from __future__ import annotations

import gc
import sqlite3

import pytest
from conftest import db_rows, realdata

from acutrack import store
from acutrack.pubmed import sync
from acutrack.pubmed.records import iter_file

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real records
ORTHO = realdata("p1m-ortho", "qs-global-ortho-search-queries", "8035bc95_pubmed_result.xml")


@pytest.fixture
def db(isolated):
    db = store.open_db(isolated / "acutrack.db")
    yield db
    db.close()


def fts_count(db, text: str) -> int:
    return db.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [text]
    ).fetchone()[0]


def test_import_in_many_batches_stores_and_indexes_every_record(db, monkeypatch, isolated):
    monkeypatch.setattr(sync, "IMPORT_BATCH", 7)  # many batches, a short last one
    result = sync.import_files(db, [PORTABLE, ORTHO], "lupus")
    pmids = {a["pmid"] for f in (PORTABLE, ORTHO) for a in iter_file(f)}
    assert result.records == sum(1 for f in (PORTABLE, ORTHO) for _ in iter_file(f))
    assert result.new == len(pmids) == db_rows(isolated, "SELECT count(*) FROM articles")[0][0]
    assert db_rows(isolated, "SELECT count(*) FROM article_conditions")[0][0] == len(pmids)
    # The full-text index holds each article once, with its words.
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(pmids)
    first = next(iter_file(PORTABLE))
    word = max(first["title"].split(), key=len).strip(".,:;()[]")
    assert fts_count(db, f'"{word}"') >= 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")


def test_refresh_keeps_first_stored_at_and_reindexes_only_changed_text(db, isolated):
    articles = list(iter_file(PORTABLE))
    store.save_articles(db, articles, "lupus", None, "2026-01-01T00:00:00+00:00")
    changed = dict(articles[0], title="Sham acupuncture xylophonetestword trial")
    again = store.save_articles(
        db, [changed, *articles[1:]], "lupus", None, "2026-02-01T00:00:00+00:00"
    )
    assert again == []  # nothing newly linked
    rows = db_rows(isolated, "SELECT DISTINCT stored_at, updated_at FROM articles")
    assert rows == [("2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00")]
    assert fts_count(db, "xylophonetestword") == 1
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(articles)
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")


def test_a_failing_write_stores_nothing_of_the_file(db, monkeypatch, isolated):
    # Invented fault: a trigger refuses one real record, as a full disk or a broken
    # database would refuse a write half-way through the file.
    victim = list(iter_file(PORTABLE))[60]["pmid"]
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.pmid = "
        f"'{victim}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    monkeypatch.setattr(sync, "IMPORT_BATCH", 10)
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        sync.import_files(db, [PORTABLE], "lupus")
    assert gc.isenabled()  # off during the import only, on again after a failure too
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 0
    assert db_rows(isolated, "SELECT count(*) FROM article_conditions")[0][0] == 0
    # The connection is usable again and the next import stores everything.
    db.execute("DROP TRIGGER refuse")
    assert sync.import_files(db, [PORTABLE], "lupus").new == 100
    assert gc.isenabled()


def slow_years(db, condition):
    """The slow, obviously right counts that condition_years must always equal, computed in
    Python from each linked article's stored JSON flags and flags.tier_of (not from the
    stored tier columns nor article_flags, which the fast path relies on): withdrawn articles
    (retracted, protocols) are in no evidence column (CONTRACT: stats), each tier counted."""
    import json
    from collections import defaultdict

    from acutrack import flags

    evidence = {t.key for t in flags.evidence_tiers()}
    years: dict = defaultdict(lambda: defaultdict(int))
    for year, raw in db.execute(
        "SELECT a.year, a.flags FROM articles a WHERE EXISTS (SELECT 1 FROM article_conditions"
        " l WHERE l.pmid = a.pmid AND l.condition = ?)",
        [condition],
    ):
        names = set(json.loads(raw or "[]"))
        tier = flags.tier_of(names)
        row = years[year]
        row["articles"] += 1
        for flag, column in flags.YEAR_COLUMNS.items():
            row[column] += tier in evidence and flag in names
        row["ma_sr"] += tier in evidence and bool(names & set(flags.SYNTHESES))
        for t in flags.TIERS:
            row["tier_" + t.key.replace("-", "_")] += tier == t.key
    columns = ["articles", *flags.YEAR_COLUMNS.values(), "ma_sr"]
    columns += ["tier_" + t.key.replace("-", "_") for t in flags.TIERS]
    order = sorted(years, key=lambda y: (y is None, y or 0))
    return [(y, *(years[y][c] for c in columns)) for y in order]


def assert_years_exact(db, *conditions):
    for condition in conditions:
        fast = [tuple(r.values()) for r in store.year_counts(db, condition)]
        assert fast == slow_years(db, condition)
        total = db.execute(
            "SELECT count(*) FROM article_conditions WHERE condition = ?", [condition]
        ).fetchone()[0]
        assert store.count_articles(db, condition) == total


def test_per_year_counts_follow_every_change(db):
    sync.import_files(db, [PORTABLE], "lupus")
    sync.import_files(db, [ORTHO], "rheumatoid-arthritis")
    portable = list(iter_file(PORTABLE))
    store.link(db, "rheumatoid-arthritis", [a["pmid"] for a in portable[:30]], None)
    assert_years_exact(db, "lupus", "rheumatoid-arthritis")
    # A refresh that changes year and publication types (as NLM indexing does) moves the
    # article between years and study types for both its conditions.
    changed = [
        dict(a, year=2026, publication_types=["Randomized Controlled Trial"]) for a in portable[:5]
    ]
    store.save_articles(db, changed)
    assert_years_exact(db, "lupus", "rheumatoid-arthritis")
    with store.atomic(db):
        db.execute("DELETE FROM article_conditions WHERE pmid = ?", [portable[6]["pmid"]])
        db.execute(
            "UPDATE article_conditions SET condition = 'psoriasis' "
            "WHERE pmid = ? AND condition = 'lupus'",
            [portable[7]["pmid"]],
        )
    assert_years_exact(db, "lupus", "rheumatoid-arthritis", "psoriasis")


def test_per_year_counts_are_built_for_an_existing_database(db, isolated):
    sync.import_files(db, [PORTABLE, ORTHO], "lupus")
    before = store.year_counts(db, "lupus")
    with store.atomic(db):
        db.execute("DROP TABLE condition_years")
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%years%'"
        ).fetchall():
            db.execute(f"DROP TRIGGER {name}")
        # A database from before issue 17 (no m008) and issue 24 (no derived data version):
        # condition_years is built with the derived data, by the first writing command.
        db.execute("DELETE FROM _migrations WHERE name = 'm008_evidence_tiers'")
        db.execute("DELETE FROM _derived")
    again = store.open_db(isolated / "acutrack.db")  # migrates, then builds the counts once
    assert store.year_counts(again, "lupus") == before
    assert_years_exact(again, "lupus")
    again.close()
