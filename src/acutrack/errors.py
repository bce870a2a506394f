"""One family of errors for everything acutrack can report to a user.

Every library error derives from :class:`AcutrackError` and carries its exit status: 2 for
wrong usage or a bad setting (``UsageError``), 1 for work that failed (``WorkError``). The
message is one sentence naming what to fix. The CLI catches ``AcutrackError`` once, at its
edge, and prints the sentence; library code never imports click.
"""

from __future__ import annotations


class AcutrackError(Exception):
    """Base of every error acutrack reports to a user as one sentence."""

    exit_code = 1


class UsageError(AcutrackError):
    """Wrong usage or a bad setting: unknown condition, malformed file, bad date (exit 2)."""

    exit_code = 2


class WorkError(AcutrackError):
    """The work failed: network, NCBI, an unreadable file, a failed delivery (exit 1)."""

    exit_code = 1
