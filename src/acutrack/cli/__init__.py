"""Command-line interface: parses arguments, calls the library, prints results.

Library errors become click exceptions in ``base.AcutrackGroup`` and nowhere else: exit 2
for a bad setting or usage, exit 1 for work that failed. Heavy modules (Bio, rich,
sqlite_utils) are imported inside the commands that need them, so quick commands start
fast. Each module below registers its commands on the ``cli`` group when imported.

The top layer: may import every package (``digest``, ``views``, ``pubmed``, the store's public
API ``acutrack.store``, ``evidence``, the core); nothing imports it.
"""

from __future__ import annotations

# Importing each module registers its commands.
from . import articles, check, digests, feed, queries, report, update  # noqa: F401
from .base import cli

__all__ = ["cli"]
