"""HTML comes from Jinja2 templates with autoescape on: one escaper, no HTML in f-strings,
tier and flag colours taken from the registry, the templates shipped with the package."""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import realdata, run

from acutrack import flags
from acutrack.views import report, templating

SRC = Path(__file__).resolve().parents[1] / "src" / "acutrack"
PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")
# An HTML or SVG tag (regular expressions' named groups, "(?P<name>", are no tags).
TAG = re.compile(
    r"(?<!\?P)<(?:!DOCTYPE|/?(?:html|head|body|main|header|footer|nav|section|div|span|p|a|b|i|br|"
    r"ul|ol|li|dl|dt|dd|table|thead|tbody|tr|td|th|details|summary|figure|figcaption|h[1-6]|"
    r"style|title|meta|svg|g|rect|line|text|desc)\b)",
    re.IGNORECASE,
)


def test_no_html_is_built_with_f_strings():
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(
                    v.value for v in node.values if isinstance(v, ast.Constant) and v.value
                )
                if TAG.search(text):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []


def test_one_environment_escapes_everything_and_refuses_unknown_names():
    env = templating.environment()
    assert env is templating.environment()
    hostile = "<script>alert(\"x\")</script> & 'q'"
    out = env.from_string("<p title='{{ t }}'>{{ t }}</p>").render(t=hostile)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&#39;q&#39;" in out
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()


def test_every_template_is_package_data():
    config = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["acutrack"]
    for path in (SRC / "views" / "templates").iterdir():
        name = path.relative_to(SRC).as_posix()
        assert any(fnmatch.fnmatch(name, p) for p in patterns), name
    assert "jinja2" in " ".join(config["project"]["dependencies"])


def test_tier_and_flag_colours_in_the_report_come_from_the_registry(monkeypatch):
    css = (SRC / "views" / "templates" / "report.css").read_text()
    css = re.sub(r"--link:#[0-9a-f]+;", "", css)  # the page's link colour is no flag's colour
    for colour in {*(f.colour for f in flags.REGISTRY), *(t.colour for t in flags.TIERS)}:
        assert colour.lower() not in css.lower(), colour
    changed = dataclasses.replace(flags.TIER_BY_KEY["ma-sr"], colour="#123456")
    monkeypatch.setitem(flags.TIER_BY_KEY, "ma-sr", changed)
    page = report.render_html([report.Section("x", "X", counts={"total": 0})])
    assert "--ma_sr:#123456;" in page
    assert f".badge.f-meta-analysis{{background:{flags.BY_NAME['meta-analysis'].colour}}}" in page


def test_a_hostile_real_title_is_escaped_in_the_report_and_the_digest(isolated):
    # The real record's title, with invented HTML added (no real title holds a tag).
    assert run("import", str(PORTABLE), "--condition", "lupus").exit_code == 0
    for page in (run("report", "lupus").stdout, run("digest", "--peek", "--format", "html").stdout):
        assert "<script" not in page
        assert "Octreotide in the treatment of advanced pancreatic tumor" in page


@pytest.mark.parametrize(
    "args", [["show", "lupus", "--format", "table"], ["stats", "lupus", "--format", "table"]]
)
def test_terminal_commands_load_no_jinja(isolated, args):
    assert run("import", str(PORTABLE), "--condition", "lupus").exit_code == 0
    code = (
        "import sys\nfrom acutrack.cli import cli\n"
        f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('jinja2', 'markupsafe'))),"
        " file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "articles" in proc.stdout or "Articles per year" in proc.stdout, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "[]"
