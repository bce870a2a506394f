"""acutrack queries: what PubMed makes of each saved query, and editing queries.toml in place."""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from conftest import QUERIES, realdata, run, run_process, update_on
from eutils_server import ENTREZ

from acutrack.config import NCBISettings, load_queries, packaged_queries_path, parse_queries
from acutrack.pubmed import entrez
from acutrack.pubmed.queryedit import CHANGED_NOTE, _wrap

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real records

# A phrase unique to each shipped condition's query (the intervention part is shared).
KEYS = {
    "lupus": '"Lupus Erythematosus, Systemic"[Mesh]',
    "rheumatoid-arthritis": '"Arthritis, Rheumatoid"[Mesh:NoExp]',
    "multiple-sclerosis": '"Multiple Sclerosis"[Mesh]',
    "psoriasis": '"Psoriasis"[Mesh]',
    "anti-gbm": '"Anti-Glomerular Basement Membrane Disease"[Mesh]',
}
NAMES = list(KEYS)


def use_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | None = None) -> Path:
    """A writable queries file for the test (never the repository's own)."""
    path = tmp_path / "edit" / "queries.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes((QUERIES.read_text() if text is None else text).encode())
    monkeypatch.setenv("ACUTRACK_QUERIES", str(path))
    return path


def as_json(result) -> list[dict]:
    return json.loads(result.stdout)


@pytest.fixture
def broken(eutils):
    """Real esearch answers: lupus with PhraseNotFound and a warning (esearch8.xml), RA with
    a TranslationSet (esearch2.xml), MS with a TranslationStack (esearch5.xml); psoriasis and
    anti-GBM find real records."""
    eutils.add_canned("esearch", KEYS["lupus"], (ENTREZ / "esearch8.xml").read_bytes())
    eutils.add_canned(
        "esearch", KEYS["rheumatoid-arthritis"], (ENTREZ / "esearch2.xml").read_bytes()
    )
    eutils.add_canned("esearch", KEYS["multiple-sclerosis"], (ENTREZ / "esearch5.xml").read_bytes())
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(KEYS["psoriasis"], pmids[:7])
    eutils.add_search(KEYS["anti-gbm"], pmids[:2])
    return eutils


# --- esearch parsing ---------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 10))
def test_every_real_esearch_answer_parses(n):
    path = ENTREZ / f"esearch{n}.xml"
    result = entrez.parse_esearch(io.BytesIO(path.read_bytes()))
    text = path.read_text()
    assert str(result.count) in text
    assert result.translation and result.translation in text.replace("&quot;", '"')
    assert len(result.translation_set) == text.count("<Translation>")
    assert len(result.term_counts) == text.count("<TermSet>")


def test_errors_warnings_and_mappings_are_read():
    e8 = entrez.parse_esearch(io.BytesIO((ENTREZ / "esearch8.xml").read_bytes()))
    assert (e8.count, e8.translation) == (0, "(abcXYZ[All Fields])")
    assert e8.errors == [("PhraseNotFound", "abcXYZ")]
    assert e8.warnings == [("OutputMessage", "No items found.")]
    e2 = entrez.parse_esearch(io.BytesIO((ENTREZ / "esearch2.xml").read_bytes()))
    ((source, target),) = e2.translation_set
    assert source == "cancer"
    assert target.startswith('"cancer\'s"[All Fields] OR') and '"neoplasms"[MeSH Terms]' in target
    e5 = entrez.parse_esearch(io.BytesIO((ENTREZ / "esearch5.xml").read_bytes()))
    assert e5.term_counts[0] == ('"stem cells"[MeSH Terms]', 109831)
    assert e5.term_counts[-1] == ("hasabstract[All Fields]", 83)


def test_every_error_and_warning_kind_in_the_dtd_is_read():
    # Invented: no real file holds FieldNotFound, QuotedPhraseNotFound or PhraseIgnored. The
    # layout is esearch8.xml's; the element names are those of NCBI's esearch.dtd.
    body = (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><Count>3</Count><RetMax>0'
        b"</RetMax><RetStart>0</RetStart><IdList/><TranslationSet/><QueryTranslation>lupus"
        b"[All Fields]</QueryTranslation><ErrorList><PhraseNotFound>lupsu</PhraseNotFound>"
        b"<FieldNotFound>tiabx</FieldNotFound></ErrorList><WarningList><PhraseIgnored>and"
        b'</PhraseIgnored><QuotedPhraseNotFound>"warm needlz"</QuotedPhraseNotFound>'
        b"<OutputMessage>No items found.</OutputMessage></WarningList></eSearchResult>"
    )
    result = entrez.parse_esearch(io.BytesIO(body))
    assert result.errors == [("PhraseNotFound", "lupsu"), ("FieldNotFound", "tiabx")]
    assert [kind for kind, _ in result.warnings] == [
        "PhraseIgnored",
        "QuotedPhraseNotFound",
        "OutputMessage",
    ]


# --- acutrack queries --------------------------------------------------------------------


def test_queries_show_what_pubmed_makes_of_each_query(broken, isolated):
    result = run("queries", "--format", "json")
    assert result.exit_code == 1  # lupus has an error and a warning
    rows = {row["name"]: row for row in as_json(result)}
    assert list(rows) == NAMES
    shipped = load_queries(str(QUERIES))
    for name, row in rows.items():
        cond = shipped.conditions[name]
        assert row["label"] == cond.label and row["aliases"] == list(cond.aliases)
        assert row["query"] == cond.query
        assert row["full_query"] == cond.full_query and "acupunct*[tiab]" in row["full_query"]
        assert row["checked"] is True and row["query_changed"] is False
    lupus = rows["lupus"]
    assert (lupus["count"], lupus["translation"]) == (0, "(abcXYZ[All Fields])")
    assert lupus["errors"] == [{"kind": "PhraseNotFound", "text": "abcXYZ"}]
    assert lupus["warnings"] == [{"kind": "OutputMessage", "text": "No items found."}]
    ra = rows["rheumatoid-arthritis"]
    assert ra["count"] == 42249 and ra["errors"] == [] and ra["warnings"] == []
    assert ra["translation_set"][0]["from"] == "cancer"
    assert '"neoplasms"[MeSH Terms]' in ra["translation_set"][0]["to"]
    assert rows["multiple-sclerosis"]["term_counts"][0] == {
        "term": '"stem cells"[MeSH Terms]',
        "count": 109831,
    }
    assert (rows["psoriasis"]["count"], rows["anti-gbm"]["count"]) == (7, 2)
    # One esearch per query, counting only, with the whole query as the term.
    searches = broken.calls("esearch")
    assert [s.params["term"] for s in searches] == [r["full_query"] for r in rows.values()]
    assert all(s.params["retmax"] == "0" for s in searches)
    assert "1 of 5 queries has errors or warnings (lupus); fix it in" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (isolated / "acutrack.db").exists()  # listing never creates a database


def test_plain_text_in_a_pipe(broken):
    result = run("queries")
    assert result.exit_code == 1
    out = result.stdout
    assert "lupus (Systemic lupus erythematosus)\n" in out
    assert "  aliases: sle, systemic-lupus-erythematosus, lupus-nephritis\n" in out
    assert '"Lupus Erythematosus, Systemic"[Mesh]' in out  # brackets printed literally
    assert "  error: PhraseNotFound: abcXYZ\n" in out
    assert "  warning: OutputMessage: No items found.\n" in out
    assert "  count: 42,249\n" in out
    assert '  mapped: cancer -> "cancer\'s"[All Fields] OR ' in out
    assert "  translation: (abcXYZ[All Fields])\n" in out


def test_clean_queries_exit_0(eutils):
    pmids = eutils.add_file(PORTABLE)
    for key in KEYS.values():
        eutils.add_search(key, pmids[:3])
    result = run("queries", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [row["count"] for row in as_json(result)] == [3] * 5
    assert result.stderr == ""


def test_an_error_for_one_query_is_reported_for_it_and_the_rest_are_checked(eutils):
    # The local server answers the next searches with NCBI's <ERROR> layout; entrez.call
    # tries each search ACUTRACK_RETRIES times (the default 5), so lupus (asked first) gets
    # nothing else.
    eutils.fail("esearch", "error", times=NCBISettings.from_env().retries)
    result = run("queries", "--format", "json")
    assert result.exit_code == 1
    rows = as_json(result)
    (error,) = rows[0]["errors"]
    assert error["kind"] == "ERROR" and "Search Backend failed" in error["text"]
    assert rows[0]["count"] is None
    assert [row["count"] for row in rows[1:]] == [0, 0, 0, 0]
    assert all(row["errors"] == [] for row in rows[1:])
    assert result.stderr.startswith("Error: could not check lupus: NCBI")
    assert "Traceback" not in result.output


def test_unreachable_ncbi_is_tried_once_for_all_queries():
    # conftest points ACUTRACK_EUTILS_URL at a closed port.
    result = run("queries", "--format", "json")
    assert result.exit_code == 1
    rows = as_json(result)
    errors = [row["errors"] for row in rows]
    assert all(len(e) == 1 and e[0]["kind"] == "ERROR" for e in errors)
    assert len({e[0]["text"] for e in errors}) == 1
    assert errors[0][0]["text"].startswith("cannot reach NCBI (connection refused")
    assert result.stderr.startswith("Error: could not check " + ", ".join(NAMES) + ": cannot")


def test_table_on_a_terminal_prints_query_text_literally(broken, tmp_path, monkeypatch):
    text = QUERIES.read_text().replace(
        'label = "Systemic lupus erythematosus"',
        'label = "[red]Lupus[/red] \\u001b[31mSLE"',
    )
    use_queries(tmp_path, monkeypatch, text)
    result = run("queries", "--format", "table")
    assert result.exit_code == 1
    out = result.stdout
    assert "[red]Lupus[/red] [31mSLE" in out  # markup and escape codes are data
    assert "\x1b" not in out
    assert "[Mesh:NoExp]" in out and "[tiab]" in out
    assert "PhraseNotFound: abcXYZ" in out and "OutputMessage: No items found." in out


def test_offline_lists_without_asking_pubmed(eutils, isolated):
    result = run("queries", "--offline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = as_json(result)
    assert [r["name"] for r in rows] == NAMES
    assert all(r["checked"] is False and r["count"] is None for r in rows)
    assert eutils.requests == []


def test_a_warning_to_a_piped_stderr_is_one_line(isolated):
    # A database that is not one (invented text: no real record shows this) makes `queries`
    # warn that changed queries cannot be marked; a pipe gets the sentence unbroken.
    (isolated / "acutrack.db").write_bytes(b"not a database, a note saved by mistake\n" * 50)
    proc = run_process("queries", "--offline", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    # (issue 19: a foreign file is named as such and left untouched, never called damaged)
    assert proc.stderr.startswith("warning: The file ")
    assert "is not an acutrack database" in proc.stderr
    assert proc.stderr.endswith("; changed queries are not marked\n")
    assert proc.stderr.count("\n") == 1 and len(proc.stderr) > 100, proc.stderr


def test_condition_option_selects_by_name_or_alias(broken):
    result = run("queries", "-c", "goodpasture", "-c", "pso", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["name"] for r in as_json(result)] == ["anti-gbm", "psoriasis"]  # as asked
    assert len(broken.calls("esearch")) == 2
    assert run("queries", "-c", "lupsu").exit_code == 2


def test_unbalanced_query_is_an_error_without_asking(tmp_path, monkeypatch):
    # One rule for queries.toml as read and for `queries add`: every command refuses the file.
    text = QUERIES.read_text().replace('"Psoriasis"[Mesh] OR', '("Psoriasis"[Mesh] OR')
    path = use_queries(tmp_path, monkeypatch, text)
    rows = text.splitlines()
    start = rows.index("[psoriasis]")
    line = next(i + 1 for i in range(start, len(rows)) if rows[i].startswith("query"))
    for args in (["queries", "--offline", "--format", "json"], ["update"], ["show", "lupus"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"Error: {path} line {line}: the query of [psoriasis] has 1 '(' never closed; "
            "fix it (the rule 'acutrack queries add' applies)\n"
        )
    added = run("queries", "add", "eczema", '("Eczema"[Mesh] OR eczema[tiab]')
    assert added.exit_code == 2 and "has 1 '(' never closed" in added.stderr


# --- add ---------------------------------------------------------------------------------

VASCULITIS = (
    '"Vasculitis"[Mesh] OR vasculit*[tiab] OR "giant cell arteritis"[tiab] '
    'OR "Takayasu Arteritis"[Mesh] OR takayasu*[tiab]'
)


def test_add_appends_a_table_and_keeps_the_file(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch)
    before = path.read_bytes()
    result = run("queries", "add", "vasculitis", VASCULITIS, "--label", "Vasculitis", "--alias",
                 "vasc", "--alias", "GCA")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert f"Added [vasculitis] to {path}." in result.stdout
    after = path.read_bytes()
    assert after.startswith(before + b"\n[vasculitis]\n")  # every byte before stays
    assert after[len(before) :].decode() == (
        "\n[vasculitis]\n"
        'label = "Vasculitis"\n'
        'aliases = ["vasc", "gca"]\n'
        "query = '''\n"
        '"Vasculitis"[Mesh] OR vasculit*[tiab] OR "giant cell arteritis"[tiab]\n'
        'OR "Takayasu Arteritis"[Mesh] OR takayasu*[tiab]\n'
        "'''\n"
    )
    cond = load_queries(str(path)).resolve("gca")
    assert (cond.name, cond.label, cond.query) == ("vasculitis", "Vasculitis", VASCULITIS)
    assert [p.name for p in path.parent.iterdir()] == ["queries.toml"]  # no temp file left


def test_short_query_is_one_line_and_query_can_come_from_stdin(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch)
    assert run("queries", "add", "sjogren", '"Sjogren\'s Syndrome"[Mesh]').exit_code == 0
    # An apostrophe cannot go in a one-line literal string: the multi-line form holds it.
    assert path.read_text().endswith(
        "\n[sjogren]\nquery = '''\n\"Sjogren's Syndrome\"[Mesh]\n'''\n"
    )
    assert run("queries", "add", "iga", "-", input="IgA vasculitis[tiab]\n").exit_code == 0
    assert path.read_text().endswith("\n[iga]\nquery = 'IgA vasculitis[tiab]'\n")


def test_wrapping_never_breaks_a_quoted_phrase():
    query = " OR ".join(f'"phrase {i} OR not a break"[tiab]' for i in range(8))
    wrapped = _wrap(query)
    assert " ".join(wrapped.split()) == query
    for line in wrapped.splitlines():
        assert line.count('"') % 2 == 0 and len(line) <= 90


@pytest.mark.parametrize(
    "args, message",
    [
        (["lupus", "x[tiab]"], "[lupus] already exists in"),
        (["ra", "x[tiab]"], "'ra' is already an alias of [rheumatoid-arthritis]"),
        (["vasculitis", "x[tiab]", "--alias", "SLE"], "Alias 'sle' is already an alias of [lupus]"),
        (["vasculitis", "x[tiab]", "--alias", "psoriasis"], "already the name of [psoriasis]"),
        (["vasculitis", "x[tiab]", "--alias", "vasculitis"], "is the condition's own name"),
        (["Bad Name", "x[tiab]"], "must be lower-case letters"),
        (["intervention", "x[tiab]"], "'intervention' is the shared acupuncture part"),
        (["vasculitis", '"giant cell arteritis[tiab]'], 'has an unmatched "'),
        (["vasculitis", "(a OR b[tiab]"], "has 1 '(' never closed"),
        (["vasculitis", "   "], "is empty"),
    ],
)
def test_add_refuses_clashes_and_bad_input(tmp_path, monkeypatch, args, message):
    path = use_queries(tmp_path, monkeypatch)
    before = path.read_bytes()
    result = run("queries", "add", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_add_refuses_when_the_file_is_already_broken(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch, "[lupus]\nquery = 'x\n")
    result = run("queries", "add", "vasculitis", "x[tiab]")
    assert result.exit_code == 2
    assert "line 2 is not valid TOML" in result.stderr
    assert path.read_text() == "[lupus]\nquery = 'x\n"


def test_replace_changes_only_that_table(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch)
    text = path.read_text()
    head, rest = text.split("[rheumatoid-arthritis]\n")
    table, tail = rest.split("[multiple-sclerosis]\n")
    new_query = '"Arthritis, Rheumatoid"[Mesh] OR rheumatoid[tiab]'
    result = run("queries", "add", "rheumatoid-arthritas", new_query, "--replace")
    assert result.exit_code == 2  # --replace never creates a condition from a typo
    assert "did you mean rheumatoid-arthritis?" in result.stderr
    assert path.read_text() == text
    result = run("queries", "add", "rheumatoid-arthritis", new_query, "--replace")
    assert result.exit_code == 0, result.stderr
    assert "its query changed, so the next update starts its history afresh" in result.stdout
    new_head, new_rest = path.read_text().split("[rheumatoid-arthritis]\n")
    new_table, new_tail = new_rest.split("[multiple-sclerosis]\n")
    assert (new_head, new_tail) == (head, tail)
    # The comment inside the table stays; only the query's value changed.
    assert new_table == table.split("query = ")[0] + f"query = '{new_query}'\n\n"
    assert "# Without explosion:" in new_table
    cond = load_queries(str(path)).conditions["rheumatoid-arthritis"]
    assert (cond.query, cond.aliases, cond.label) == (
        new_query,
        ("ra", "rheumatoid"),
        "Rheumatoid arthritis",
    )


def test_replace_with_the_same_query_keeps_history(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch)
    before = path.read_bytes()
    same = load_queries(str(path)).conditions["psoriasis"].query
    result = run("queries", "add", "psoriasis", same, "--replace")
    assert result.exit_code == 0
    assert "already reads so; nothing changed" in result.stdout
    assert path.read_bytes() == before
    result = run("queries", "add", "psoriasis", same, "--replace", "--label", "Psoriasis (all)")
    assert "the query is the same, so its history continues" in result.stdout
    assert path.read_bytes() == before.replace(b'label = "Psoriasis"', b'label = "Psoriasis (all)"')


def test_a_crlf_file_stays_crlf_and_keeps_its_mode(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch, QUERIES.read_text().replace("\n", "\r\n"))
    path.chmod(0o640)
    assert run("queries", "add", "vasculitis", VASCULITIS).exit_code == 0
    assert run("queries", "add", "psoriasis", "psoria*[tiab]", "--replace").exit_code == 0
    assert run("queries", "remove", "anti-gbm").exit_code == 0
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 50
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert list(load_queries(str(path)).conditions)[-1] == "vasculitis"


# --- remove ------------------------------------------------------------------------------


def test_remove_cuts_the_table_and_its_own_comment_only(tmp_path, monkeypatch, isolated):
    text = (
        QUERIES.read_text()
        .replace("[multiple-sclerosis]\n", "# MS: the MeSH heading explodes to nothing else.\n"
                 "[multiple-sclerosis]\n")
        .replace("[psoriasis]\n", "# Psoriasis comes next.\n[psoriasis]\n")
    )  # fmt: skip
    path = use_queries(tmp_path, monkeypatch, text)
    ms_block = text[text.index("# MS:") : text.index("# Psoriasis comes")]
    result = run("queries", "remove", "multiple-sclerosis")
    assert result.exit_code == 0, result.stderr
    assert path.read_text() == text.replace(ms_block, "")
    assert "# Psoriasis comes next.\n[psoriasis]" in path.read_text()
    assert "anything stored for it stays in the database" in result.stdout
    assert not (isolated / "acutrack.db").exists()


def test_remove_the_last_table_leaves_no_trailing_blank_lines(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch)
    text = path.read_text()
    assert run("queries", "remove", "anti-gbm").exit_code == 0
    assert path.read_text() == text[: text.index("\n[anti-gbm]")]
    assert path.read_text().endswith("'''\n")


def test_remove_says_stored_articles_stay(eutils, tmp_path, monkeypatch, isolated):
    use_queries(tmp_path, monkeypatch)
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(KEYS["lupus"], pmids[:12])
    assert run("update", "lupus").exit_code == 0
    result = run("queries", "remove", "lupus")
    assert result.exit_code == 0, result.stderr
    assert "its 12 stored articles stay in the database" in result.stdout
    status = json.loads(run("status", "--format", "json").stdout)
    assert {"condition": "lupus", "stored": 12, "in_queries": False}.items() <= [
        r for r in status if r["condition"] == "lupus"
    ][0].items()


@pytest.mark.parametrize(
    "name, message",
    [
        ("lupsu", "No condition 'lupsu' in"),
        ("lupsu", "did you mean lupus?"),
        ("sle", "'sle' is an alias of [lupus]; to remove that condition, run"),
        ("zzz", "conditions are lupus, rheumatoid-arthritis"),
        ("nonexist", "conditions are lupus, rheumatoid-arthritis"),
        ("sclerosis", "did you mean multiple-sclerosis?"),
    ],
)
def test_remove_refuses_unknown_names(tmp_path, monkeypatch, name, message):
    path = use_queries(tmp_path, monkeypatch)
    before = path.read_bytes()
    result = run("queries", "remove", name)
    assert result.exit_code == 2
    assert message in result.stderr
    assert path.read_bytes() == before


def test_remove_refuses_the_only_condition(tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch, "# mine\n[lupus]\nquery = 'lupus[tiab]'\n")
    result = run("queries", "remove", "lupus")
    assert result.exit_code == 2
    assert "is the only condition" in result.stderr
    assert parse_queries(path.read_text(), path).conditions


# --- which file ------------------------------------------------------------------------


def test_the_packaged_copy_is_copied_to_the_user_config_first(isolated, monkeypatch):
    monkeypatch.delenv("ACUTRACK_QUERIES")
    packaged = packaged_queries_path().read_bytes()
    result = run("queries", "add", "vasculitis", VASCULITIS)
    assert result.exit_code == 0, result.stderr
    user = isolated / "config" / "acutrack" / "queries.toml"
    assert f"Copied the packaged queries to {user}" in result.stdout
    assert packaged_queries_path().read_bytes() == packaged
    assert user.read_bytes().startswith(packaged)
    listed = run("queries", "--offline", "--format", "json")
    assert [r["name"] for r in as_json(listed)] == [*NAMES, "vasculitis"]
    # The next edit goes to the user's copy, without copying again.
    result = run("queries", "remove", "vasculitis")
    assert "Copied" not in result.stdout and str(user) in result.stdout
    assert user.read_bytes() == packaged


def test_the_packaged_copy_named_explicitly_is_not_edited(monkeypatch):
    monkeypatch.setenv("ACUTRACK_QUERIES", str(packaged_queries_path()))
    before = packaged_queries_path().read_bytes()
    result = run("queries", "remove", "psoriasis")
    assert result.exit_code == 2
    assert "is the copy shipped with acutrack" in result.stderr
    assert packaged_queries_path().read_bytes() == before


def test_local_queries_file_is_the_one_edited(isolated, monkeypatch):
    monkeypatch.delenv("ACUTRACK_QUERIES")
    local = isolated / "queries.toml"
    local.write_text(QUERIES.read_text())
    assert run("queries", "remove", "psoriasis").exit_code == 0
    assert "[psoriasis]" not in local.read_text()
    assert not (isolated / "config" / "acutrack" / "queries.toml").exists()


# --- a changed query restarts history ----------------------------------------------------


def test_changed_query_is_shown_and_restarts_history(eutils, tmp_path, monkeypatch):
    path = use_queries(tmp_path, monkeypatch)
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(KEYS["lupus"], pmids)
    assert update_on(date(2026, 11, 20)).exit_code == 0
    assert eutils.calls("esearch")[-1].windows()[0][1] == "1780/01/01"
    assert update_on(date(2026, 11, 22), "lupus").exit_code == 0
    assert eutils.calls("esearch")[-1].windows()[0][1] != "1780/01/01"  # incremental

    lupus = load_queries(str(path)).conditions["lupus"].query
    changed = lupus.replace("OR lupus[tiab]", "OR lupus*[tiab]")
    result = run("queries", "add", "sle", changed, "--replace")
    assert result.exit_code == 2  # an alias is not a name to replace
    assert "change it by its name: acutrack queries add lupus QUERY --replace" in result.stderr
    result = run("queries", "add", "lupus", changed, "--replace")
    assert result.exit_code == 0, result.stderr

    status = {r["condition"]: r for r in json.loads(run("status", "--format", "json").stdout)}
    assert status["lupus"]["query_changed"] is True
    assert not any(status[n]["query_changed"] for n in NAMES[1:])
    listed = {r["name"]: r for r in as_json(run("queries", "--offline", "--format", "json"))}
    assert listed["lupus"]["query_changed"] is True
    assert listed["psoriasis"]["query_changed"] is False
    text = run("queries", "--offline", "-c", "lupus").stdout
    assert f"  note: {CHANGED_NOTE}\n" in text

    result = run("update", "lupus")
    assert result.exit_code == 0
    assert eutils.calls("esearch")[-1].windows()[0][1] == "1780/01/01"  # afresh
    assert "lupus*[tiab]" in eutils.calls("esearch")[-1].params["term"]
    status = {r["condition"]: r for r in json.loads(run("status", "--format", "json").stdout)}
    assert status["lupus"]["query_changed"] is False


def test_help_lists_the_subcommands():
    result = run("queries", "--help")
    assert result.exit_code == 0
    assert "add" in result.stdout and "remove" in result.stdout
    assert "Exit 1 if any query has an error or a warning" in result.stdout
