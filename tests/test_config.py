"""queries.toml: the shipped queries, and one clear sentence for every broken file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import QUERIES, run

from acutrack.config import ConfigError, load_queries, parse_queries

CONDITIONS = ["lupus", "rheumatoid-arthritis", "multiple-sclerosis", "psoriasis", "anti-gbm"]


def test_shipped_queries_cover_the_five_conditions():
    queries = load_queries(str(QUERIES))
    assert list(queries.conditions) == CONDITIONS
    for cond in queries.conditions.values():
        # Every condition is combined with the one shared intervention part.
        assert cond.full_query.endswith(f"AND ({queries.intervention})")
        assert "[Mesh" in cond.query and "[tiab]" in cond.query
    assert "acupunct*[tiab]" in queries.intervention
    assert '"Electroacupuncture"[Mesh]' in queries.intervention


def test_packaged_copy_is_the_top_level_file():
    from acutrack.config import packaged_queries_path

    assert packaged_queries_path().read_text() == QUERIES.read_text()


@pytest.mark.parametrize(
    "alias, name",
    [
        ("sle", "lupus"),
        ("RA", "rheumatoid-arthritis"),
        ("ms", "multiple-sclerosis"),
        ("goodpasture", "anti-gbm"),
        ("psoriasis", "psoriasis"),
    ],
)
def test_aliases_resolve(alias, name):
    assert load_queries(str(QUERIES)).resolve(alias).name == name


def test_unknown_condition_suggests_close_names():
    with pytest.raises(ConfigError, match="did you mean lupus"):
        load_queries(str(QUERIES)).resolve("lupsu")


BROKEN = {
    "malformed": ("[lupus]\nquery = 'x\n", "line 2 is not valid TOML", "line 2"),
    "unknown key": ("[lupus]\nquery = 'x'\nalias = ['sle']\n", "unknown key 'alias'", "line 3"),
    "no query": ("[lupus]\nlabel = 'Lupus'\n", "has no query", "line 1"),
    "empty query": ("[lupus]\nquery = '  '\n", "has no query", "line 1"),
    "number as query": (
        "[lupus]\nquery = 5\n",
        "the query of [lupus] must be text in quotes, not a number (5)",
        "line 2",
    ),
    "list as query": ("[lupus]\nquery = ['a']\n", "must be text in quotes, not a list", "line 2"),
    "duplicate alias": (
        "[lupus]\nquery = 'a'\naliases = ['sle']\n\n[ra]\nquery = 'b'\naliases = ['sle']\n",
        "'sle' in [ra] is already used by [lupus]",
        "line 7",
    ),
    "alias equals a name": (
        "[lupus]\nquery = 'a'\n\n[ra]\nquery = 'b'\naliases = ['lupus']\n",
        "already used by [lupus]",
        "line 6",
    ),
    "bad intervention": (
        "intervention = 3\n[lupus]\nquery = 'a'\n",
        "'intervention' must be",
        "line 1",
    ),
    "stray key": (
        "colour = 'red'\n[lupus]\nquery = 'a'\n",
        "unknown top-level key 'colour'",
        "line 1",
    ),
    "no conditions": ("intervention = 'a'\n", "defines no conditions", ""),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_queries_file_names_file_line_and_fix(case, tmp_path):
    text, message, line = BROKEN[case]
    path = tmp_path / "queries.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        parse_queries(text, path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert line in str(err.value)


def test_a_latin1_queries_file_says_it_must_be_utf8_and_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "queries.toml"
    path.write_bytes("[lupus]\nlabel = 'Lupus érythémateux'\nquery = 'a'\n".encode("latin-1"))
    monkeypatch.setenv("ACUTRACK_QUERIES", str(path))
    result = run("show", "lupus")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: Queries file {path} is not UTF-8 (line 2); save it as UTF-8 in your editor\n"
    )


@pytest.mark.parametrize(
    "typed, meant",
    [("lupsu", ["lupus"]), ("sclerosis", ["multiple-sclerosis"]), ("nonexist", [])],
)
def test_only_close_names_are_suggested(typed, meant):
    from acutrack.config import close_names

    assert close_names(typed, CONDITIONS) == meant
    # "sclerosis" shares letters with "psoriasis" (difflib ratio 0.56): not suggested.


def test_broken_queries_file_exits_2_in_one_line(tmp_path, monkeypatch):
    path = tmp_path / "broken.toml"
    path.write_text("[lupus]\nquery = 'x'\nalias = ['sle']\n")
    monkeypatch.setenv("ACUTRACK_QUERIES", str(path))
    for args in (["update"], ["show", "lupus"], ["status"]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert "unknown key 'alias'" in result.stderr and "line 3" in result.stderr


def test_missing_queries_file_exits_2(monkeypatch, tmp_path):
    monkeypatch.setenv("ACUTRACK_QUERIES", str(tmp_path / "nope.toml"))
    result = run("status")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_queries_option_beats_environment(tmp_path, monkeypatch):
    mine = tmp_path / "mine.toml"
    mine.write_text("[eczema]\nquery = 'eczema[tiab]'\n")
    monkeypatch.setenv("ACUTRACK_QUERIES", str(tmp_path / "nope.toml"))
    result = run("--queries", str(mine), "status", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"eczema"' in result.stdout


def test_local_queries_file_beats_packaged(tmp_path, monkeypatch):
    monkeypatch.delenv("ACUTRACK_QUERIES")
    (tmp_path / "queries.toml").write_text("[eczema]\nquery = 'eczema[tiab]'\n")
    assert load_queries(None).path == Path("queries.toml")
    (tmp_path / "queries.toml").unlink()
    assert load_queries(None).path.name == "queries.toml"
    assert "lupus" in load_queries(None).conditions  # the packaged copy


def test_broken_queries_file_is_reported_even_for_stored_conditions(tmp_path, monkeypatch):
    from conftest import realdata

    run("import", str(realdata("biopython", "Medline", "pubmed_result2.txt")), "-c", "lupus")
    broken = tmp_path / "broken.toml"
    broken.write_text("[lupus]\nquery = 'x'\nalias = ['sle']\n")
    monkeypatch.setenv("ACUTRACK_QUERIES", str(broken))
    result = run("show", "lupus", "--format", "json")
    assert result.exit_code == 2
    assert "unknown key 'alias'" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("ACUTRACK_TIMEOUT", "abc", "a number of seconds greater than 0"),
        ("ACUTRACK_TIMEOUT", "0", "a number of seconds greater than 0"),
        ("ACUTRACK_TIMEOUT", "-5", "a number of seconds greater than 0"),
        ("ACUTRACK_TIMEOUT", "nan", "a number of seconds greater than 0"),
        ("ACUTRACK_RETRIES", "abc", "a whole number at least 1"),
        ("ACUTRACK_RETRIES", "0", "a whole number at least 1"),
        ("ACUTRACK_RETRIES", "2.5", "a whole number at least 1"),
        ("ACUTRACK_RETRY_DELAY", "abc", "a number of seconds at least 0"),
        ("ACUTRACK_RETRY_DELAY", "-1", "a number of seconds at least 0"),
        # Issue 19: finite but absurd values were accepted and crashed later (OverflowError
        # in the first retry's sleep); the message names the allowed range.
        ("ACUTRACK_RETRY_DELAY", "1e308", "a number of seconds at least 0 and at most 300"),
        ("ACUTRACK_RETRY_DELAY", "301", "a number of seconds at least 0 and at most 300"),
        ("ACUTRACK_TIMEOUT", "1e308", "a number of seconds greater than 0 and at most 3600"),
        ("ACUTRACK_RETRIES", "1000000000", "a whole number at least 1 and at most 20"),
    ],
)
def test_bad_tuning_settings_exit_2_naming_the_variable(monkeypatch, name, value, allowed):
    monkeypatch.setenv(name, value)
    for args in (["update", "lupus"], ["queries", "-c", "lupus"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert f"{name} must be {allowed}" in result.stderr
        assert f"not '{value}'" in result.stderr
        assert "Traceback" not in result.output and "unexpected" not in result.output


def test_tuning_settings_reach_the_request_path(monkeypatch, eutils):
    from acutrack.config import NCBISettings
    from acutrack.pubmed import entrez

    monkeypatch.setenv("ACUTRACK_TIMEOUT", "7.5")
    monkeypatch.setenv("ACUTRACK_RETRIES", "1")
    monkeypatch.setenv("ACUTRACK_RETRY_DELAY", "0")
    settings = NCBISettings.from_env()
    assert (settings.timeout, settings.retries, settings.retry_delay) == (7.5, 1, 0.0)
    assert entrez.EntrezClient(settings).settings == settings
    # One try only: a server answering 503 is asked exactly once.
    eutils.fail("esearch", "503", times=5)
    result = run("update", "lupus")
    assert result.exit_code == 1
    assert "after 1 try (" in result.stdout
    assert len(eutils.calls("esearch")) == 1


# A line with a PMID is a reference verify looks up (PMID of a real record in realdata).
VERIFY_INPUT = "Smith J. A trial. Lupus. 2018. PMID: 29768149\n"
URL_COMMANDS = [(["update", "lupus"], None), (["queries", "-c", "lupus"], None)]
URL_COMMANDS.append((["verify", "-"], VERIFY_INPUT))


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/",  # issue 19: "unexpected ValueError" at the first request
        "ftp://x",
        "eutils.ncbi.nlm.nih.gov/entrez/eutils/",  # no scheme
        "http://127.0.0.1:99999/",  # a port urllib cannot parse
        "http:///entrez/eutils/",  # no host
        # Issue 28.3: urllib's InvalidURL was retried for 72 s, "a..b" gave "NCBI refused ...
        # UnicodeError"; both reached the network code before anything said the URL was bad.
        "http://exa mple.org/",
        "http://a..b/",
        "http://-a.example.org/",
        "http://127.0.0.1:9/entrez eutils/",
        "http://user:secret@example.org/",
        "http://[example.org]/",
    ],
)
def test_malformed_eutils_url_exits_2_naming_the_variable(monkeypatch, url):
    monkeypatch.setenv("ACUTRACK_EUTILS_URL", url)
    for args, stdin in URL_COMMANDS:
        result = run(*args, input=stdin)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("Error: ACUTRACK_EUTILS_URL must be an http(s) URL")
        assert "fix or unset it" in result.stderr
        assert "Traceback" not in result.output and "unexpected" not in result.output


def test_bad_network_settings_exit_2_in_a_real_process():
    from conftest import run_process

    for env in (
        {"ACUTRACK_EUTILS_URL": "http://[::1/"},
        {"ACUTRACK_EUTILS_URL": "http://exa mple.org/"},  # issue 28.3: 72 s of retries
        {"ACUTRACK_RETRY_DELAY": "1e308"},
    ):
        for args, stdin in URL_COMMANDS:
            proc = run_process(*args, env=env, input=stdin)
            assert proc.returncode == 2, (env, args, proc.stderr)
            assert proc.stderr.startswith(f"Error: {next(iter(env))} must be "), proc.stderr
            assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/entrez/eutils/",
        "http://[::1]:8080/",
        "https://eutils.ncbi.nlm.nih.gov./entrez/eutils/",  # a fully qualified name's dot
        "http://bücher.example/",  # an internationalised name, sent as IDNA
        "http://eutils_mirror.internal/",  # underscores: resolvers and urllib accept them
        "http://localhost/",
    ],
)
def test_well_formed_eutils_urls_are_accepted(monkeypatch, url):
    from acutrack.config import NCBISettings

    monkeypatch.setenv("ACUTRACK_EUTILS_URL", url)
    assert NCBISettings.from_env().base_url == url
