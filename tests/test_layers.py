"""The packages are layers: each imports only its own modules and the layers below it, and
the store only through its public API, the way import-linter's layers and forbidden contracts
do. Every import counts: at the top of a module, inside a function or under TYPE_CHECKING."""

from __future__ import annotations

import pytest
from test_structure import SRC, imports_of, modules

# Highest first. A package may import itself and any package after it, never one before it.
# The core is the top-level modules (config, errors, fileio, flags, article).
LAYERS = ["cli", "digest", "views", "pubmed", "store", "evidence", "core"]
# Packages whose modules are private: others import the package (its __init__'s re-exports).
PUBLIC_API_ONLY = {"store"}


def layer(module: str) -> str:
    """``acutrack.views.export`` -> ``views``; ``acutrack.flags`` -> ``core``."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    if parts[1:] == ["__main__"]:
        return "cli"  # ``python -m acutrack`` is the command line
    return "core"


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        mine = layer(module)
        for target in sorted(imported):
            theirs = layer(target)
            if LAYERS.index(theirs) < LAYERS.index(mine):
                found.append(f"{module} imports {target}: {mine} may not import {theirs}")
            elif theirs in PUBLIC_API_ONLY and theirs != mine and target != f"acutrack.{theirs}":
                found.append(f"{module} imports {target}: use acutrack.{theirs}'s public API")
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_packages_import_only_the_layers_below_them():
    graph = import_graph()
    assert violations(graph) == []
    # Every package is placed in a layer (a new package must be given one).
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(LAYERS), packages - set(LAYERS)


@pytest.mark.parametrize(
    ("module", "target", "why"),
    [
        ("acutrack.views.export", "acutrack.store.tiers", "public API"),  # a store internal
        ("acutrack.store.articles", "acutrack.views.export", "store may not import views"),
        ("acutrack.evidence.size", "acutrack.store", "evidence may not import store"),
        ("acutrack.evidence.rct", "acutrack.views.terminal", "evidence may not import views"),
        ("acutrack.pubmed.sync", "acutrack.cli.base", "pubmed may not import cli"),
        ("acutrack.flags", "acutrack.evidence", "core may not import evidence"),
    ],
)
def test_the_rules_catch_a_forbidden_import(module, target, why):
    graph = import_graph()
    assert target in graph  # a real module, so the case tests the rule, not a typo
    graph[module] = graph[module] | {target}
    (found,) = violations(graph)
    assert found.startswith(f"{module} imports {target}") and why.split()[-1] in found


def test_a_view_importing_a_store_internal_fails_the_rules(tmp_path):
    """The real check, on a real source line: a view that imports ``acutrack.store.tiers``
    (as views/datasette.py once did) breaks the rule."""
    path = SRC / "views" / "datasette.py"
    text = path.read_text() + "\n\ndef _leak() -> None:\n    from ..store.tiers import years_sql\n"
    copy = tmp_path / "datasette.py"
    copy.write_text(text)
    graph = import_graph()
    graph["acutrack.views.datasette"] = imports_of("acutrack.views.datasette", copy, modules())
    assert violations(graph) == [
        "acutrack.views.datasette imports acutrack.store.tiers: use acutrack.store's public API"
    ]
