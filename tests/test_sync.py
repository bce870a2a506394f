"""acutrack update against the local E-utilities server: incremental, complete, never lossy."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

import pytest
from conftest import QUERIES, SECRET_KEY, db_rows, lock_held_elsewhere, realdata, run, update_on

from acutrack.pubmed import entrez

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real records
METAPUB = realdata("metapub", "fixtures", "pmid_xml")
# A real PubMed website export whose records include In-Data-Review ones.
IN_REVIEW = realdata("p1m-ortho", "xs-stmz-methodology", "299f452a_pubmed_result.xml")

LUPUS_KEY = '"Lupus Erythematosus, Systemic"[Mesh]'
RA_KEY = '"Arthritis, Rheumatoid"[Mesh:NoExp]'


@pytest.fixture
def lupus(eutils):
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids)
    return pmids


def test_first_update_stores_every_record_once(eutils, lupus, isolated):
    result = run("update", "lupus")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"lupus: 100 new \(3 RCT[^)]*\), 100 stored", result.stdout.strip())
    stored = db_rows(isolated, "SELECT count(*) FROM articles")[0][0]
    assert stored == 100
    # Bio.Entrez's request path: tool, email and the key went with every request.
    for call in eutils.requests:
        assert call.params["tool"] == "acutrack"
        assert call.params["email"] == "tests@example.org"
        assert call.params["api_key"] == SECRET_KEY
    search = eutils.calls("esearch")
    assert len(search) == 1
    # The whole history by create date, written in the term (no datetype parameter).
    assert search[0].windows() == [("CRDT", "1780/01/01", search[0].windows()[0][2])]
    assert "datetype" not in search[0].params
    assert LUPUS_KEY in search[0].params["term"] and "acupunct*[tiab]" in search[0].params["term"]


def test_records_are_fetched_in_batches(eutils, lupus, monkeypatch):
    monkeypatch.setattr(entrez, "EFETCH_BATCH", 40)
    assert run("update", "lupus").exit_code == 0
    fetches = eutils.calls("efetch")
    assert [len(f.params["id"].split(",")) for f in fetches] == [40, 40, 20]


def test_long_id_lists_are_posted(eutils, lupus):
    more = eutils.add_file(
        realdata("p1m-ortho", "qs-global-ortho-search-queries", "8035bc95_pubmed_result.xml")
    )
    eutils.add_search(LUPUS_KEY, more)
    assert run("update", "lupus").exit_code == 0
    (fetch,) = eutils.calls("efetch")
    assert len(fetch.params["id"].split(",")) == len(set(lupus) | set(more)) > 200
    assert fetch.method == "POST"  # Bio.Entrez's choice for 200 ids and more


def test_incremental_update_asks_only_for_what_changed(eutils, lupus, monkeypatch):
    assert update_on(date(2026, 11, 20)).exit_code == 0
    first_searches = len(eutils.calls("esearch"))
    assert first_searches == 5  # one per condition
    before = len(eutils.requests)
    result = update_on(date(2026, 11, 22))
    assert result.exit_code == 0
    assert "lupus: 0 new, 100 stored" in result.stdout
    later = eutils.requests[before:]
    searches = [r for r in later if r.endpoint == "esearch"]
    # Issue 26.2: one search per condition, asking the window by create date OR by
    # modification date in one term. The window starts a few days before the last one
    # ended, for late arrivals.
    assert len(searches) == 5
    for search in searches:
        assert search.windows() == [
            ("CRDT", "2026/11/17", "2026/11/22"),
            ("MDAT", "2026/11/17", "2026/11/22"),
        ]
        assert search.params["term"].endswith(
            ') AND (("2026/11/17"[CRDT] : "2026/11/22"[CRDT]) '
            'OR ("2026/11/17"[MDAT] : "2026/11/22"[MDAT]))'
        )
    # Nothing new: only records NLM has not finished indexing are fetched again.
    fetched = [i for r in later if r.endpoint == "efetch" for i in r.params["id"].split(",")]
    final = re.compile(rb'Status="(MEDLINE|PubMed-not-MEDLINE|OLDMEDLINE)"')
    pending = {p for p in lupus if not final.search(eutils.records[p])}
    assert set(fetched) == pending


def test_records_that_match_late_are_found_by_a_plain_update(eutils, isolated):
    # Issue 12: two older records (entered 5 and 40 days ago) start matching the query only
    # now, because NLM added MeSH terms; that modified them. A plain update finds them.
    pmids = eutils.add_file(PORTABLE)
    early, late = pmids[:90], pmids[90:92]
    eutils.add_search(LUPUS_KEY, early)
    today = date(2026, 11, 22)
    eutils.arrive(late[0], date(2026, 11, 17))  # 5 days ago
    eutils.arrive(late[1], date(2026, 10, 13))  # 40 days ago
    assert update_on(date(2026, 11, 21), "lupus").stdout.startswith("lupus: 90 new")
    # Indexing adds the MeSH term: the records now match, and their modification date moves.
    eutils.add_search(LUPUS_KEY, late)
    for pmid in late:
        eutils.mdat[pmid] = date(2026, 11, 22)
    # A failing fetch first: nothing is stored and the position stays where it was.
    eutils.fail("efetch", "503", times=50)
    failed = update_on(today, "lupus")
    assert failed.exit_code == 1
    assert db_rows(isolated, "SELECT window_end FROM positions")[0][0] == "2026-11-21"
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 90
    eutils.faults["efetch"].clear()
    before = len(eutils.requests)
    result = update_on(today, "lupus")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("lupus: 2 new"), result.stdout
    assert result.stdout.strip().endswith("92 stored")
    searches = [r for r in eutils.requests[before:] if r.endpoint == "esearch"]
    # The create-date window alone (from 3 days before the last run) misses both records;
    # the same search's modification-date window finds them.
    assert [s.windows() for s in searches] == [
        [("CRDT", "2026/11/18", "2026/11/22"), ("MDAT", "2026/11/18", "2026/11/22")]
    ]
    fetched = [r for r in eutils.requests[before:] if r.endpoint == "efetch"]
    assert sorted(fetched[0].params["id"].split(",")) == sorted(late)
    assert db_rows(isolated, "SELECT window_end FROM positions")[0][0] == "2026-11-22"


def test_a_record_added_long_after_publication_is_found_by_its_create_date(eutils):
    # Issue 26.2, a real record: PubMed added 38884108 on 2024-06-17 (create date, CRDT)
    # but its Entrez date is its publication date, 2022-01-01, as NLM sets it for records
    # added more than 12 months after publication. A window on the Entrez date would never
    # see it arrive; the create-date window does (its modification date, 2024-06-19, is
    # outside the window, so the create date alone finds it).
    (pmid,) = eutils.add_file(METAPUB / "38884108.xml")
    assert (eutils.crdt[pmid], eutils.edat[pmid]) == (date(2024, 6, 17), date(2022, 1, 1))
    assert eutils.mdat[pmid] == date(2024, 6, 19)
    eutils.add_search(LUPUS_KEY, [pmid])
    assert update_on(date(2024, 6, 14), "lupus").stdout.startswith("lupus: 0 new")
    result = update_on(date(2024, 6, 18), "lupus")
    assert result.stdout.startswith("lupus: 1 new"), result.stdout
    (search,) = eutils.calls("esearch")[1:]
    assert search.windows()[0] == ("CRDT", "2024/06/11", "2024/06/18")


def test_routine_updates_equal_a_full_run_even_when_split_by_date(
    eutils, monkeypatch, isolated, tmp_path
):
    # Issue 26.2: one esearch per condition per routine run must find what --full finds:
    # records that arrive each day, records that start matching late (modified, created
    # long before the window), and a window over PubMed's per-search limit, split in date
    # halves that each ask both dates.
    monkeypatch.setattr(entrez, "ESEARCH_LIMIT", 30)
    eutils.esearch_limit = 30
    pmids = eutils.add_file(PORTABLE)
    base, arriving, late = pmids[:50], pmids[50:90], pmids[90:95]
    for i, pmid in enumerate(arriving):  # four a day from 2026-11-11 to 2026-11-20
        eutils.arrive(pmid, date(2026, 11, 11 + i % 10))
    for pmid in late:
        eutils.arrive(pmid, date(2026, 9, 1))
    eutils.add_search(LUPUS_KEY, base + arriving)
    assert update_on(date(2026, 11, 10), "lupus").stdout.startswith("lupus: 50 new")
    assert update_on(date(2026, 11, 14), "lupus").stdout.startswith("lupus: 16 new")
    eutils.add_search(LUPUS_KEY, late)  # NLM indexes them: they match, and were modified
    for pmid in late:
        eutils.mdat[pmid] = date(2026, 11, 16)
    before = len(eutils.calls("esearch"))
    routine = update_on(date(2026, 11, 21), "lupus")
    assert routine.stdout.startswith("lupus: 29 new"), routine.stdout  # 24 arrived + 5 late
    split = eutils.calls("esearch")[before:]
    assert len(split) > 1  # 45 in the window: more than one search may hold
    assert all([w[0] for w in s.windows()] == ["CRDT", "MDAT"] for s in split)
    routine_links = set(db_rows(isolated, "SELECT pmid, condition FROM article_conditions"))

    monkeypatch.setenv("ACUTRACK_DB", str(tmp_path / "full.db"))
    assert update_on(date(2026, 11, 21), "lupus").stdout.startswith("lupus: 95 new")
    conn = sqlite3.connect(tmp_path / "full.db")
    full_links = set(conn.execute("SELECT pmid, condition FROM article_conditions"))
    conn.close()
    assert routine_links == full_links and len(full_links) == 95


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ('"2024/06/15"[CRDT] : "2024/06/18"[CRDT]', True),
        ("2024/06/15:2024/06/18[crdt]", True),
        ('"2024/06/15"[Create Date] : "2024/06/18"[Create Date]', True),
        ("2024/06/15:2024/06/18[Date - Create]", True),
        ('"2024/06/15"[EDAT] : "2024/06/18"[EDAT]', False),  # its Entrez date is 2022/01/01
        ("2022/01[Entrez Date]", True),
        ("2024/06/19[Modification Date]", True),
        ("2024/06[Date - Modification]", True),
        ("2024/06/20:2025[MDAT]", False),
        ("2022[dp]", True),
        ('"2022"[Date - Publication]', True),
        ("2023[PDAT]", False),
        ('("2020"[CRDT] : "2021"[CRDT]) OR ("2024/06/19"[MDAT] : "2024/06/19"[MDAT])', True),
        ('("2020"[CRDT] : "2021"[CRDT]) OR ("2024/06/20"[MDAT] : "2024/06/30"[MDAT])', False),
    ],
)
def test_the_local_server_reads_dates_written_in_a_term(eutils, written, found):
    # The test server answers date limits in a term as PubMed does, with the field names
    # of PubMed's real EInfo answers, so tests see what PubMed would answer.
    from acutrack.config import NCBISettings

    (pmid,) = eutils.add_file(METAPUB / "38884108.xml")
    eutils.add_search(LUPUS_KEY, [pmid])
    client = entrez.EntrezClient(NCBISettings.from_env())
    result = client.esearch(f"({LUPUS_KEY}) AND ({written})", retmax=10)
    assert result.ids == ([pmid] if found else [])


def test_new_records_in_a_later_window_are_added(eutils, monkeypatch, isolated):
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids)
    for i, pmid in enumerate(pmids):
        eutils.arrive(pmid, date(2026, 11, 1) if i < 60 else date(2026, 11, 21))
    assert update_on(date(2026, 11, 20), "lupus").stdout.startswith("lupus: 60 new")
    result = update_on(date(2026, 11, 22), "lupus")
    assert result.exit_code == 0
    assert result.stdout.startswith("lupus: 40 new")
    assert result.stdout.strip().endswith("100 stored")
    assert db_rows(isolated, "SELECT count(*) FROM article_conditions")[0][0] == 100


def test_one_article_for_two_conditions_is_stored_once(eutils, lupus, isolated):
    eutils.add_search(RA_KEY, lupus[:10])
    result = run("update", "lupus", "ra")
    assert result.exit_code == 0
    assert "rheumatoid-arthritis: 10 new" in result.stdout
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 100
    both = db_rows(
        isolated,
        "SELECT count(*) FROM "
        "(SELECT pmid FROM article_conditions GROUP BY pmid HAVING count(*) = 2)",
    )
    assert both[0][0] == 10
    # RA's articles were already stored by lupus: none fetched twice.
    fetched = [i for r in eutils.calls("efetch") for i in r.params["id"].split(",")]
    assert len(fetched) == len(set(fetched)) == 100


class BarRecorder:
    """What a progress bar is told: per label its total and how far it got."""

    def __init__(self) -> None:
        self.bars: dict[str, list[int | None]] = {}
        self.label = ""

    def start(self, label: str, total: int | None) -> None:
        self.label = label
        self.bars.setdefault(label, [None, 0])[0] = total

    def advance(self, n: int) -> None:
        self.bars[self.label][1] += n  # type: ignore[operator]

    def finish(self) -> None:
        pass


def test_progress_bar_ends_where_the_summary_does(eutils, isolated):
    # Issue 12: the bar showed 221/221 while the summary said 228 new. The 7 were records
    # another condition had stored already: linked, not fetched. The bar now counts them.
    from acutrack import store
    from acutrack.config import load_queries
    from acutrack.pubmed import sync

    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids[:60])
    eutils.add_search(RA_KEY, pmids[53:])  # 7 shared with lupus, 40 RA's own
    from acutrack.config import NCBISettings

    client = entrez.EntrezClient(NCBISettings.from_env())
    queries = load_queries(str(QUERIES))
    db = store.open_db(isolated / "acutrack.db")
    bars = BarRecorder()
    outcome = sync.update(db, client, queries.select(["lupus", "ra"]), progress=bars)
    ra = outcome.conditions[1]
    assert (ra.new, ra.fetched) == (47, 40)
    assert bars.bars["rheumatoid-arthritis"] == [47, 47]
    assert bars.bars["lupus"] == [60, 60]
    assert ra.line().startswith("rheumatoid-arthritis: 47 new")


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "truncate", "error", "html", "drop"])
def test_transient_faults_are_retried(eutils, lupus, fault, isolated):
    eutils.fail("esearch", fault)
    eutils.fail("efetch", fault)
    result = run("update", "lupus")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("lupus: 100 new")
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 100


def busiest_second(calls) -> int:
    """The most requests that arrived within any one second."""
    times = sorted(c.at for c in calls)
    return max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))


def test_retries_after_faults_keep_three_requests_a_second(eutils, lupus, monkeypatch, isolated):
    # Without a key NCBI allows 3 requests a second, faults or not. The retry delay is 0.01 s
    # here, so only Bio.Entrez's rate limiter (which every retry passes again) spaces them.
    monkeypatch.delenv("NCBI_API_KEY")
    for kind in ("429", "503", "500"):
        eutils.fail("esearch", kind)
    for kind in ("502", "429", "503", "500"):
        eutils.fail("efetch", kind)
    result = run("update", "lupus")
    assert result.exit_code == 0, result.output
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 100
    assert len(eutils.calls("esearch")) == 4 and len(eutils.calls("efetch")) >= 5
    assert all("api_key" not in c.params for c in eutils.requests)
    assert busiest_second(eutils.requests) <= 3


def test_retry_after_is_honoured(eutils, lupus):
    eutils.fail("esearch", "429", retry_after=1)
    assert run("update", "lupus").exit_code == 0
    first, second = eutils.calls("esearch")[:2]
    assert second.at - first.at >= 1.0


def test_slow_answer_times_out_and_is_retried(eutils, lupus, monkeypatch):
    monkeypatch.setenv("ACUTRACK_TIMEOUT", "0.5")
    eutils.fail("efetch", "slow", seconds=1.5)
    result = run("update", "lupus")
    assert result.exit_code == 0, result.output
    assert len(eutils.calls("efetch")) >= 2


@pytest.mark.parametrize("fault", ["429", "503", "truncate", "error"])
def test_persistent_failure_exits_1_keeps_position_and_recovers(eutils, lupus, fault, isolated):
    eutils.fail("efetch", fault, times=50)
    result = run("update", "lupus")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: update failed for lupus")
    assert "lupus: failed: NCBI" in result.stdout
    assert db_rows(isolated, "SELECT count(*) FROM positions")[0][0] == 0
    assert db_rows(isolated, "SELECT status FROM runs")[0][0] == "failed"
    # The fault clears: the next run fetches everything that was missed.
    eutils.faults.clear()
    again = run("update", "lupus")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("lupus: 100 new")


def test_ncbi_error_is_never_read_as_no_new_articles(eutils, lupus, isolated):
    eutils.fail("esearch", "error", times=50, message="Search Backend failed: Unable to process")
    result = run("update", "lupus")
    assert result.exit_code == 1
    assert "0 new" not in result.stdout
    assert "Search Backend failed" in result.stdout
    assert db_rows(isolated, "SELECT count(*) FROM positions")[0][0] == 0


def test_failure_mid_way_keeps_stored_batches_and_position(eutils, monkeypatch, isolated):
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids)
    # Ten records entered PubMed before the first run, ninety after it.
    for i, pmid in enumerate(pmids):
        eutils.arrive(pmid, date(2026, 11, 19) if i < 10 else date(2026, 11, 21))
    assert update_on(date(2026, 11, 20), "lupus").stdout.startswith("lupus: 10 new")
    monkeypatch.setattr(entrez, "EFETCH_BATCH", 30)
    # The first batch of 30 arrives, then NCBI fails for good.
    orig = eutils.answer
    calls = {"n": 0}

    def flaky(endpoint, params):
        if endpoint == "efetch":
            calls["n"] += 1
            if calls["n"] > 1:
                return 503, "text/html", b"<html>busy</html>"
        return orig(endpoint, params)

    eutils.answer = flaky
    result = update_on(date(2026, 11, 22), "lupus")
    assert result.exit_code == 1
    assert db_rows(isolated, "SELECT window_end FROM positions")[0][0] == "2026-11-20"
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 40  # batch 1 kept
    # Issue 28.5: the failed run says what it stored before failing (a rerun will not count
    # those 30 as new: they are stored and linked already), and records it with the run.
    (line,) = result.stdout.splitlines()
    assert re.fullmatch(r"lupus: failed after storing 30 new( \(.*\))?, 40 stored: NCBI .*", line)
    (summary,) = db_rows(isolated, "SELECT summary FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(summary)["lupus"]["new"] == 30
    eutils.answer = orig
    result = update_on(date(2026, 11, 22), "lupus")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("lupus: 60 new")  # 90 in the window, 30 stored before
    assert db_rows(isolated, "SELECT count(*) FROM article_conditions")[0][0] == 100
    assert db_rows(isolated, "SELECT window_end FROM positions")[0][0] == "2026-11-22"


def test_results_over_the_esearch_limit_are_split_by_date(eutils, lupus, monkeypatch, isolated):
    monkeypatch.setattr(entrez, "ESEARCH_LIMIT", 30)
    eutils.esearch_limit = 30
    result = run("update", "lupus")
    assert result.exit_code == 0, result.output
    assert db_rows(isolated, "SELECT count(*) FROM articles")[0][0] == 100
    windows = [c.windows() for c in eutils.calls("esearch")]
    assert len(windows) > 4 and all(len(w) == 1 and w[0][0] == "CRDT" for w in windows)
    # The halves that fit (every one but those split further) cover the history once.
    assert windows[0][0][1] == "1780/01/01"
    assert all(int(c.params["retmax"]) == 30 for c in eutils.calls("esearch"))


def test_not_yet_indexed_records_catch_up(eutils, isolated):
    pmids = eutils.add_file(IN_REVIEW)
    eutils.add_search(LUPUS_KEY, pmids)
    assert run("update", "lupus").exit_code == 0
    pending = [p for p in pmids if b'Status="In-Data-Review"' in eutils.records[p]]
    assert pending
    target = pending[0]
    # Invented change (no real file holds one record before and after indexing): NLM
    # finishes indexing, marks it MEDLINE and adds the Randomized Controlled Trial type.
    raw = eutils.records[target].replace(b'Status="In-Data-Review"', b'Status="MEDLINE"')
    raw = re.sub(
        rb"(<PublicationTypeList>)",
        rb'\1<PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>',
        raw,
        count=1,
    )
    eutils.replace_record(target, raw)
    assert run("update", "lupus").exit_code == 0
    status, flags, types = db_rows(
        isolated, "SELECT status, flags, publication_types FROM articles WHERE pmid = ?", (target,)
    )[0]
    assert status == "MEDLINE"
    assert "Randomized Controlled Trial" in json.loads(types)
    assert "rct" in json.loads(flags)
    # Once final, it is no longer fetched again.
    before = len(eutils.calls("efetch"))
    assert run("update", "lupus").exit_code == 0
    refetched = [i for r in eutils.calls("efetch")[before:] for i in r.params["id"].split(",")]
    assert target not in refetched


def test_changed_query_restarts_history(eutils, lupus, isolated, tmp_path, monkeypatch):
    assert run("update", "lupus").exit_code == 0
    from conftest import QUERIES

    changed = tmp_path / "queries.toml"
    changed.write_text(QUERIES.read_text().replace("OR lupus[tiab]", "OR lupus*[tiab]"))
    monkeypatch.setenv("ACUTRACK_QUERIES", str(changed))
    status = json.loads(run("status", "--format", "json").stdout)
    assert [r["query_changed"] for r in status if r["condition"] == "lupus"] == [True]
    assert run("update", "lupus").exit_code == 0
    last = eutils.calls("esearch")[-1]
    assert last.windows()[0][1] == "1780/01/01"


def test_api_key_never_leaks(eutils, lupus, isolated):
    eutils.fail("efetch", "503", times=50)
    result = run("update", "lupus")
    assert result.exit_code == 1
    assert SECRET_KEY not in result.output
    for path in isolated.glob("acutrack.db*"):
        assert SECRET_KEY.encode() not in path.read_bytes()


def test_a_second_update_refuses_while_one_runs(eutils, lupus, isolated):
    with lock_held_elsewhere(isolated / "acutrack.db"):
        result = run("update", "lupus")
    assert result.exit_code == 1
    assert "Another acutrack command is writing to" in result.stderr
    assert eutils.requests == []


def test_conditions_never_asked_after_timeouts_say_not_tried(eutils, lupus, monkeypatch):
    # Issue 12: after timeouts, the conditions never tried reported the first one's
    # "fetch of N records after 5 tries". They say they were not tried.
    monkeypatch.setenv("ACUTRACK_TIMEOUT", "0.3")
    monkeypatch.setenv("ACUTRACK_RETRIES", "2")
    eutils.fail("efetch", "slow", times=2, seconds=0.6)
    result = run("update", "lupus", "ra", "ms")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lupus: failed: NCBI did not answer the fetch of 100 records")
    assert lines[1:] == [
        f"{name}: not tried: NCBI did not answer for lupus, so this query was not asked; "
        "the next run asks it"
        for name in ("rheumatoid-arthritis", "multiple-sclerosis")
    ]
    assert len(eutils.calls("esearch")) == 1
    data = json.loads(run("update", "lupus", "--format", "json").stdout)
    assert data["conditions"][0]["tried"] is True


def test_provenance_records_the_query_as_pubmed_read_it(eutils, lupus, isolated):
    # Issue 18, item 2: reports and digests say which query they reflect and up to when PubMed
    # was searched. The local server answers QueryTranslation with the term it was sent.
    from urllib.parse import unquote_plus

    from acutrack import store

    assert run("update", "lupus").exit_code == 0
    db = store.open_quick(isolated / "acutrack.db")
    try:
        got = store.provenance(db, "lupus")
        never = store.provenance(db, "psoriasis", "psoriasis[tiab]")
    finally:
        db.close()
    (search,) = eutils.calls("esearch")
    # The term is the query and its date window; the translation is recorded without it.
    assert search.params["term"].startswith(f'({got["query"]}) AND ("1780/01/01"[CRDT]')
    assert got["query"] == got["translation"]
    assert got["searched_up_to"] is not None and got["searched_up_to"][:4] >= "2026"
    prefix = "https://pubmed.ncbi.nlm.nih.gov/?term="
    assert got["pubmed_url"].startswith(prefix) and " " not in got["pubmed_url"]
    assert unquote_plus(got["pubmed_url"][len(prefix) :]) == " ".join(got["query"].split())
    # A condition never searched (imported, or not yet updated): its saved query, no date.
    assert never["query"] == "psoriasis[tiab]" and never["searched_up_to"] is None
    assert never["translation"] is None


# --- records an older parser stored --------------------------------------------------------


def test_refresh_reparses_what_an_older_parser_stored(eutils, isolated):
    # Two real records with MathML. Raw XML is not stored, so an article stored before the
    # MathML fix is simulated: its abstract set back to what that parser made of the real
    # formula ("V . O 2 m a x", issue 19) and its parser version cleared (stored before
    # versions were recorded). The other one was stored by the same old parser unchanged.
    entrez_dir = realdata("biopython", "Entrez")
    vo2 = eutils.add_file(entrez_dir / "pubmed6.xml")
    mri = eutils.add_file(entrez_dir / "pubmed7.xml")
    eutils.add_search(LUPUS_KEY, vo2 + mri)
    assert run("update", "lupus").exit_code == 0
    from acutrack.pubmed.records import PARSER_VERSION

    assert db_rows(isolated, "SELECT DISTINCT parser_version FROM articles") == [(PARSER_VERSION,)]
    (good,) = db_rows(isolated, "SELECT abstract FROM articles WHERE pmid = ?", (vo2[0],))[0]
    assert "( V\u0307O2max )" in good
    import sqlite3

    conn = sqlite3.connect(isolated / "acutrack.db")
    with conn:
        conn.execute(
            "UPDATE articles SET abstract = replace(abstract, ?, ?), parser_version = NULL",
            ("V\u0307O2max", "V . O 2 m a x"),
        )
    conn.close()
    fetched = len(eutils.calls("efetch"))

    plain = run("update", "lupus")  # without --refresh, finished records are not fetched
    assert plain.exit_code == 0 and "re-parsed" not in plain.stdout
    assert len(eutils.calls("efetch")) == fetched

    refreshed = run("update", "lupus", "--refresh")
    assert refreshed.exit_code == 0, refreshed.output
    assert refreshed.stdout.splitlines()[-1] == "older parser: 2 re-parsed, 1 changed"
    (again,) = eutils.calls("efetch")[fetched:]  # one batch, the normal efetch path
    assert sorted(again.params["id"].split(",")) == sorted(vo2 + mri)
    (fixed,) = db_rows(isolated, "SELECT abstract FROM articles WHERE pmid = ?", (vo2[0],))[0]
    assert fixed == good
    assert db_rows(isolated, "SELECT count(*) FROM articles WHERE parser_version IS NULL") == [(0,)]
    # Nothing older is left: a second --refresh fetches nothing and says so.
    second = run("update", "lupus", "--refresh", "--format", "json")
    summary = json.loads(second.stdout)
    assert (summary["reparsed"], summary["reparse_changed"]) == (0, 0)
    assert len(eutils.calls("efetch")) == fetched + 1


def test_a_failed_reparse_fails_the_update_and_keeps_the_records(eutils, isolated):
    pmids = eutils.add_file(realdata("biopython", "Entrez", "pubmed6.xml"))
    eutils.add_search(LUPUS_KEY, pmids)
    assert run("update", "lupus").exit_code == 0
    import sqlite3

    conn = sqlite3.connect(isolated / "acutrack.db")
    with conn:
        conn.execute("UPDATE articles SET parser_version = 0")
    conn.close()
    eutils.fail("efetch", "500", times=20)
    result = run("update", "lupus", "--refresh")
    assert result.exit_code == 1
    assert "re-parsing records of an older parser failed" in result.stdout
    assert "update failed for the re-parse of older records" in result.stderr
    assert db_rows(isolated, "SELECT parser_version FROM articles") == [(0,)]


def test_records_pubmed_no_longer_returns_are_recorded_once_and_not_asked_again(eutils, isolated):
    # Issue 28.6: `update --refresh` asked every run for records PubMed no longer returns
    # (604 in the reporter's database) and said "0 re-parsed" without a word about them.
    entrez_dir = realdata("biopython", "Entrez")
    kept = eutils.add_file(entrez_dir / "pubmed6.xml") + eutils.add_file(entrez_dir / "pubmed7.xml")
    pending = [p for p in eutils.add_file(IN_REVIEW) if b"In-Data-Review" in eutils.records[p]]
    eutils.add_search(LUPUS_KEY, kept + pending[:2])
    assert run("update", "lupus").exit_code == 0
    import sqlite3

    conn = sqlite3.connect(isolated / "acutrack.db")
    with conn:
        conn.execute("UPDATE articles SET parser_version = NULL")
    conn.close()
    gone = [kept[1], pending[0]]  # NLM deleted one finished and one not yet indexed record
    for pmid in gone:
        del eutils.records[pmid]
    before = len(eutils.calls("efetch"))
    first = run("update", "lupus", "--refresh")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[-2:] == [
        "not yet indexed: 1 record PubMed no longer returns (kept as stored; not asked for again)",
        # pubmed6's record; the not yet indexed ones were fetched (or recorded) just before
        "older parser: 1 re-parsed, 0 changed, 1 record PubMed no longer returns (kept as "
        "stored; not asked for again)",
    ]
    asked = [i for r in eutils.calls("efetch")[before:] for i in r.params["id"].split(",")]
    assert all(asked.count(p) == 2 for p in gone)  # its batch, then once more on its own
    assert db_rows(isolated, "SELECT count(*) FROM not_returned") == [(2,)]

    before = len(eutils.calls("efetch"))
    again = run("update", "lupus", "--refresh", "--format", "json")
    summary = json.loads(again.stdout)
    assert (summary["reparsed"], summary["reparse_missing"], summary["refresh_missing"]) == (
        0,
        [],
        [],
    )
    asked = [i for r in eutils.calls("efetch")[before:] for i in r.params["id"].split(",")]
    assert not set(asked) & set(gone)
    # Both keep what was stored; the deleted finished record its old version.
    assert db_rows(isolated, "SELECT count(*) FROM articles WHERE pmid IN (?, ?)", tuple(gone)) == [
        (2,)
    ]
    # PubMed returns one again (NLM restored it): stored again, it is asked for like any other.
    eutils.add_file(realdata("biopython", "Entrez", "pubmed7.xml"))
    assert run("update", "lupus", "--full").exit_code == 0
    conn = sqlite3.connect(isolated / "acutrack.db")
    with conn:
        conn.execute("UPDATE articles SET parser_version = NULL WHERE pmid = ?", (gone[0],))
    conn.close()
    before = len(eutils.calls("efetch"))
    assert run("update", "lupus", "--refresh").stdout.splitlines()[-1] == (
        "older parser: 1 re-parsed, 0 changed"
    )
    assert [r.params["id"] for r in eutils.calls("efetch")[before:]] == [gone[0]]
