"""The shape of the code base: no import cycles, SQL only in the store, no huge modules,
and rich kept off the paths that never draw a terminal table."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest
from conftest import ROOT

SRC = ROOT / "src" / "acutrack"
MAX_LINES = 700
SQL_RE = re.compile(
    r"\b(?:SELECT\b.*\bFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER|VIRTUAL)|DROP\s+(?:TABLE|INDEX)|"
    r"ALTER\s+TABLE|PRAGMA\s+\w+)",
    re.S,
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """acutrack modules ``name`` imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "acutrack")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("acutrack"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    found.discard(name)
    return {m for m in found if m in known}


def test_no_import_cycle_between_modules():
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    # A package's __init__ importing its own submodules is how a package is assembled, and
    # a submodule importing a sibling through the package would show up as a cycle here.
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
    assert graph["acutrack.views.export"] >= {"acutrack.article"}
    assert "acutrack.views.terminal" not in graph["acutrack.views.export"]


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            out.append((node.lineno, text))
    return out


def test_sql_lives_in_the_store_package_only():
    offenders = []
    for name, path in modules().items():
        if name == "acutrack.store" or name.startswith("acutrack.store."):
            continue
        for line, text in _strings(ast.parse(path.read_text())):
            if SQL_RE.search(text):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text.strip()[:60]!r}")
    assert offenders == []
    # The check itself finds SQL where it is.
    store_sql = [
        t for p in (SRC / "store").glob("*.py") for _, t in _strings(ast.parse(p.read_text()))
    ]
    assert sum(bool(SQL_RE.search(t)) for t in store_sql) > 20


def test_no_module_over_700_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in modules().values()}
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_articles_table_columns_come_from_the_article_type(tmp_path):
    from acutrack import store
    from acutrack.article import ARTICLE_FIELDS

    db = store.open_db(tmp_path / "shape.db")
    info = db.execute("PRAGMA table_info(articles)").fetchall()
    columns = [r[1] for r in info]
    # Then what the store derives: flags with their reasons, timestamps, the trial size
    # (added by migration m004), the evidence tier and its rank (m008), the parser version
    # (m009), the conclusion (m010), the fragment the size was read from (m011) and the
    # comparators (m015), in migration order.
    derived = ["flags", "flag_reasons", "stored_at", "updated_at", "sample_size"]
    derived += ["evidence_tier", "evidence_rank", "parser_version", "conclusion"]
    derived += ["sample_size_source", "comparators"]
    assert columns == [*ARTICLE_FIELDS, *derived]
    assert dict((r[1], r[2]) for r in info)["year"] == "INTEGER"


# A real record of ../shared/realdata/biopython/Medline/pubmed_result2.txt (imported below).
PMID = "14630660"


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (["show", "lupus", "--format", "json"], f'"pmid": "{PMID}"'),
        (["show", "lupus", "--format", "csv"], PMID),
        (["digest", "--peek", "--format", "html"], f"pubmed.ncbi.nlm.nih.gov/{PMID}"),
        (["digest", "--peek", "--format", "text"], PMID),
        (["article", PMID, "--format", "json"], f'"pmid": "{PMID}"'),
    ],
)
def test_non_terminal_output_never_imports_rich(args, shows):
    from conftest import realdata, run

    # A real database, so every case runs its whole output path (not "No database" early);
    # any exception fails the case loudly, with its traceback.
    imported = run(
        "import", str(realdata("biopython", "Medline", "pubmed_result2.txt")), "-c", "lupus"
    )
    assert imported.exit_code == 0, imported.output
    code = (
        "import sys\n"
        "from acutrack.cli import cli\n"
        f"cli({args!r}, standalone_mode=False)\n"
        "loaded = sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.'))\n"
        "print('RICH:', loaded, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert shows in proc.stdout, proc.stdout[:2000]
    assert "RICH: []" in proc.stderr, proc.stderr


def test_ci_runs_the_readme_test_command_with_mypy_next_to_ruff():
    readme = (ROOT / "README.md").read_text()
    documented = re.search(r"exactly what CI runs\):\n\n```sh\n(.+)\n```", readme)
    assert documented, "README lost its 'exactly what CI runs' test command"
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.startswith("pip install -e")
    ]
    assert ci == [documented.group(1)]
    assert re.search(r"ruff check \. && mypy && pytest", ci[0])


def test_every_type_ignore_names_its_error_code():
    blanket = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"#\s*type:\s*ignore(?!\[[a-z-]+(?:, *[a-z-]+)*\])", line)
    ]
    assert blanket == []
