"""A command group that imports a command's module only when that command is used.

Click's documented lazy-loading pattern (a ``click.Group`` overriding ``list_commands`` and
``get_command``), so ``acutrack search`` imports ``cli/articles.py`` and what it needs, not
the modules of ``update``, ``digest``, ``report`` and the rest: with every command module
imported, acutrack's own modules were about half of all import time at start-up (issue 26
part 5). ``acutrack --help`` lists every command with its short help without importing any
of them: each short help is made by click, as usual, from the command function's docstring,
read here from the module's source instead of from the imported function.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click


class LazyGroup(click.Group):
    """``lazy_commands`` maps each command name to ``"module:function"``, a module of this
    package and the click command (or group) defined in it."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module, function = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(f"{__package__}.{module}"), function)
        if not isinstance(command, click.Command):  # a wrong entry: say which, for the tests
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        # Kept, so the command is built once per process whatever asks for it again.
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's own listing, each short help made from the docstring in the source (the
        command is imported only if its module or docstring cannot be read that way)."""
        listed = {
            name: self.commands.get(name) or self._from_source(name) or self.get_command(ctx, name)
            for name in self.list_commands(ctx)
        }
        shown = {name: command for name, command in listed.items() if command is not None}
        click.Group(commands=shown).format_commands(ctx, formatter)

    def _from_source(self, name: str) -> click.Command | None:
        """A stand-in with the command's help text, read from its module's source without
        importing it; None when the source or the docstring is not there."""
        import ast  # only --help reads sources

        module, function = self.lazy_commands[name].split(":")
        source = Path(__file__).with_name(f"{module}.py")
        try:
            tree = ast.parse(source.read_bytes())
        except OSError:  # installed without sources (byte-code only): import it instead
            return None
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == function:
                doc = ast.get_docstring(node)
                return click.Command(name, help=doc) if doc else None
        return None
