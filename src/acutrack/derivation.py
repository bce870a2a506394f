"""The version of the derived data: what ``evidence.derive`` computes for every stored article
(flags, reasons, tier and rank, trial size and its source, conclusion) and what the store
builds from the registry (condition_years, article_overview). The database records the
version its derived data was computed with (``store.derived``); a writing command that finds
another one recomputes all of it once. No migration is needed for a new rule, flag or tier.

How to change a rule: change ``evidence`` and bump ``RULES`` here (tests/test_derivation.py
fails when ``derive``'s output on the real records changes under an unchanged ``RULES``, and
says so). A change of ``flags.REGISTRY``, ``flags.TIERS`` or ``flags.WITHDRAWN`` changes the
version by itself (its digest). Kept apart from ``evidence`` so a read command can ask for
the version without loading the rules.
"""

from __future__ import annotations

import zlib

from . import flags

# The evidence rules' own version: bump it with every change that alters what ``derive``
# returns for the same stored fields (a new phrase, a fixed pattern, a new derived column),
# or what store.tiers builds with it (condition_years, the article_overview view).
# 3: comparators (issue 27 part 2); 4: inline conclusion headings, no systematic review from a
# search under a title naming another kind of review (issue 25 part 10); 5: article_overview
# v3 (issue 25 part 8), built with the derived data; 6: comparators round 3 and conclusions v5
# (issue 27, session 2026-12-07); 7: conclusions v6; 8: comparators round 4 (the same session).
RULES = 8


def registry_digest() -> str:
    """A short digest of the registry as it is now (read at call time, so a test that patches
    ``flags.TIERS`` before opening a database is followed). CRC-32 tells versions apart as
    well as a cryptographic hash here, without OpenSSL's start-up cost for read commands."""
    text = repr((flags.REGISTRY, flags.TIERS, flags.WITHDRAWN))
    return f"{zlib.crc32(text.encode()):08x}"


def version() -> str:
    """``RULES`` and the registry digest: ``"1-3f2a9c0e"``."""
    return f"{RULES}-{registry_digest()}"
