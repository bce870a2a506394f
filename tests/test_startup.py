"""Start-up (issue 26 part 5): commands load lazily, each registered once, and what the quick
commands import does not grow unnoticed. Timings live in benchmarks/startup.py; these tests
check what is imported, which does not depend on the machine's load."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys

import click
import pytest
from conftest import realdata, run

import acutrack.cli
from acutrack.cli import cli
from acutrack.cli.base import COMMANDS

# Imported by a child process that runs the commands given, then prints what it imported:
# acutrack's own modules and the third-party or heavy standard ones watched below.
CHILD = """
import json, sys
from acutrack.cli import cli
for args in json.loads(sys.argv[1]):
    try:
        cli(args, standalone_mode=False)
    except SystemExit:
        pass
watched = ("rich", "jinja2", "sqlite_utils", "Bio", "tomllib")
print(json.dumps(sorted(
    m for m in sys.modules if m.startswith("acutrack") or m.split(".")[0] in watched
)), file=sys.stderr)
"""


def imported_by(*commands: list[str]) -> set[str]:
    """Modules imported by running ``commands``, one after another, in a fresh process."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.splitlines()[-1]))


def acutrack_modules(modules: set[str]) -> set[str]:
    """``acutrack.store.search`` -> ``store.search``; third-party names left out."""
    return {m.removeprefix("acutrack.") for m in modules if m.startswith("acutrack.")}


def test_help_lists_every_command_without_importing_one():
    """`acutrack --help` reads each short help from the command's source: the listing is
    the one click prints once every command is imported, and no command module is."""
    code = (
        "import sys\nfrom acutrack.cli import cli\nimport click\n"
        "def helped():\n"
        "    try:\n        cli(['--help'], standalone_mode=False)\n"
        "    except SystemExit:\n        pass\n"
        "helped()\n"
        "print(sorted(m for m in sys.modules if m.startswith('acutrack.cli.')), file=sys.stderr)\n"
        "ctx = click.Context(cli)\n"
        "for name in cli.list_commands(ctx):\n    cli.get_command(ctx, name)\n"
        "print('--- every command imported', flush=True)\n"
        "helped()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert proc.returncode == 0, proc.stderr
    lazy, eager = proc.stdout.split("--- every command imported\n")
    assert lazy == eager
    listed = lazy.split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in listed] == sorted(COMMANDS)
    assert all(len(line.split()) > 1 for line in listed), listed  # each with its help
    assert proc.stderr.strip() == "['acutrack.cli.base', 'acutrack.cli.lazy']"


def test_every_command_is_registered_once_in_the_registry():
    """Each click command defined in a module of acutrack.cli is in ``COMMANDS`` under its
    own name, and no module adds one to the group itself (``@cli.command``)."""
    modules = [
        importlib.import_module(f"acutrack.cli.{info.name}")
        for info in pkgutil.iter_modules(acutrack.cli.__path__)
    ]
    defined = {
        (module.__name__.removeprefix("acutrack.cli."), name): value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, click.Command) and value is not cli
    }
    subcommands = {
        id(sub) for value in defined.values() if isinstance(value, click.Group)
        for sub in value.commands.values()
    }  # fmt: skip
    top = {f"{module}:{name}" for (module, name), value in defined.items()
           if id(value) not in subcommands}  # fmt: skip
    assert top == set(COMMANDS.values())
    for name, where in COMMANDS.items():
        module, function = where.split(":")
        assert defined[module, function].name == name
    # Importing every module adds nothing to the group: only get_command does.
    code = (
        "import importlib, pkgutil\nimport acutrack.cli\nfrom acutrack.cli import cli\n"
        "for info in pkgutil.iter_modules(acutrack.cli.__path__):\n"
        "    importlib.import_module(f'acutrack.cli.{info.name}')\n"
        "print(sorted(cli.commands))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
    ctx = click.Context(cli)
    assert {n: cli.get_command(ctx, n).name for n in COMMANDS} == {n: n for n in COMMANDS}


def test_an_unknown_command_is_a_usage_error():
    result = run("serach", "lupus")
    assert result.exit_code == 2
    assert "No such command 'serach'" in result.stderr


# What each quick command imports of acutrack (issue 26 part 5): every module on this path
# costs every run of the command. A module added to it fails this test on purpose: check
# what it costs (python -X importtime -m acutrack ...) and import it where it is used, or
# add it here saying why it is needed.
SHARED = {
    "cli", "cli.base", "cli.lazy", "cli.articles", "config", "errors", "flags", "article",
    "derivation", "environment", "views", "views.listing",
    # What "new" means (unseen, arrived): the predicates the store's queries use; it
    # imports only datetime.
    "newness",
    # The store's public API imports every store module (about 1 ms of the 66 ms).
    "store", "store.articles", "store.derived", "store.digests", "store.failures",
    "store.feed", "store.lock", "store.opening", "store.report", "store.runs",
    "store.schema", "store.search", "store.spelling", "store.tiers", "store.transactions",
}  # fmt: skip
STARTUP_PATHS = [
    (["search", "acupuncture", "--format", "table"],
     {"views.export", "views.present", "views.terminal"}, {"rich"}),
    (["search", "acupuncture", "--format", "json"],
     {"fileio", "views.export", "views.present"}, set()),
    (["show", "lupus", "--format", "json", "--limit", "2"],
     {"fileio", "views.export", "views.present"}, {"tomllib"}),
    (["show", "lupus", "--format", "table", "--limit", "2"],
     {"views.export", "views.paging", "views.present", "views.terminal"}, {"rich", "tomllib"}),
    (["stats", "--format", "table"],
     {"views.counts", "views.export", "views.paging", "views.present"}, {"rich"}),
    (["article", "14630660", "--format", "json"], {"views.export", "views.present"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("args", "own", "third_party"), STARTUP_PATHS)
def test_a_quick_command_imports_only_what_it_needs(args, own, third_party):
    # A real database of real records, so each command runs its whole path.
    medline = realdata("biopython", "Medline", "pubmed_result2.txt")
    assert run("import", str(medline), "-c", "lupus").exit_code == 0
    modules = imported_by(args)
    assert acutrack_modules(modules) == SHARED | own
    # rich only to draw a table, queries.toml (tomllib) only to name a condition; never
    # jinja2, sqlite_utils nor Bio.
    assert {m.split(".")[0] for m in modules if not m.startswith("acutrack")} == third_party
