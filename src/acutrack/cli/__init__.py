"""Command-line interface: parses arguments, calls the library, prints results.

Library errors become click exceptions in ``base.AcutrackGroup`` and nowhere else: exit 2
for a bad setting or usage, exit 1 for work that failed. Every command is registered once,
in ``base.COMMANDS``, and its module is imported only when it runs (``lazy.LazyGroup``);
heavy modules (Bio, rich, sqlite_utils) are imported inside the commands that need them, so
quick commands start fast.

The top layer: may import every package (``digest``, ``views``, ``pubmed``, the store's public
API ``acutrack.store``, ``evidence``, the core); nothing imports it.
"""

from __future__ import annotations

from .base import cli

__all__ = ["cli"]
