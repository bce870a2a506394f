"""The reads behind ``acutrack report`` and the evidence order of a condition: per-year counts
by tier, the strongest evidence, the newest arrivals and the retracted articles.

Every ranking here is ``tiers.EVIDENCE_ORDER`` over the stored tier columns: the digest
(``ordered_pmids``), the report and ``show --type`` list a condition's articles in the same
order. Tier keys come from ``flags.TIERS`` and are bound as parameters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from .. import flags
from .articles import decode
from .schema import query
from .tiers import EVIDENCE_ORDER, NEWEST_ORDER, evidence_keys, has_flag

# The articles ``a`` of the condition given as the next parameter.
IN_CONDITION = "a.pmid IN (SELECT pmid FROM article_conditions WHERE condition = ?)"


def evidence_years(db: sqlite3.Connection, condition: str) -> list[dict[str, Any]]:
    """Per publication year and tier (``kind``, a key of ``flags.TIERS``): how many articles,
    and how many of them are protocols."""
    return list(
        query(
            db,
            f"SELECT a.year AS year, a.evidence_tier AS kind, count(*) AS n, "
            f"sum({has_flag()}) AS protocols "
            f"FROM articles a WHERE {IN_CONDITION} GROUP BY 1, 2",
            ["protocol", condition],
        )
    )


def tier_articles(
    db: sqlite3.Connection, condition: str, tiers: Iterable[str], limit: int | None = None
) -> list[dict[str, Any]]:
    """A condition's articles in these tiers (keys of ``flags.TIERS``), in the evidence order:
    strongest tier first, then larger trials (unknown size last), then newer. Each row has
    ``first_seen`` (for this condition) and ``conditions``."""
    keys = list(tiers)
    sql = (
        "SELECT a.*, l.first_seen AS first_seen, "
        "(SELECT group_concat(x.condition) FROM article_conditions x WHERE x.pmid = a.pmid) "
        "AS conditions_csv "
        "FROM article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid "
        f"WHERE l.condition = ? AND a.evidence_tier IN ({','.join('?' * len(keys))}) "
        f"ORDER BY {EVIDENCE_ORDER}" + (" LIMIT ?" if limit else "")
    )
    return [decode(r) for r in query(db, sql, [condition, *keys, *([limit] if limit else [])])]


def strongest_articles(
    db: sqlite3.Connection, condition: str, limit: int | None
) -> list[dict[str, Any]]:
    """The strongest evidence for a condition: the articles of every evidence tier (retracted
    articles and protocols are in none), in the evidence order."""
    return tier_articles(db, condition, evidence_keys(), limit)


def retracted_articles(
    db: sqlite3.Connection, condition: str, limit: int | None
) -> list[dict[str, Any]]:
    """A condition's retracted articles (shown apart, never as evidence), in the same order."""
    return tier_articles(db, condition, [flags.WITHDRAWN["retracted"]], limit)


def by_tier(rows: Iterable[dict[str, Any]]) -> list[tuple[flags.Tier, list[dict[str, Any]]]]:
    """Rows (in the evidence order) as (tier, its rows) groups, in ``flags.TIERS`` order, for
    renderers that need no per-tier code."""
    groups: dict[str, list[dict[str, Any]]] = {t.key: [] for t in flags.TIERS}
    for row in rows:
        groups.setdefault(row.get("evidence_tier") or "other", []).append(row)
    return [(t, groups[t.key]) for t in flags.TIERS if groups[t.key]]


def ordered_pmids(db: sqlite3.Connection, pmids: list[str]) -> list[str]:
    """These stored PMIDs in the evidence order (the digest's order within a condition)."""
    return [
        r[0]
        for r in db.execute(
            "SELECT a.pmid FROM articles a WHERE a.pmid IN (SELECT value FROM json_each(?)) "
            f"ORDER BY {EVIDENCE_ORDER}",
            [json.dumps(pmids)],
        )
    ]


def distinct_articles(db: sqlite3.Connection, conditions: list[str]) -> int:
    """How many distinct articles are stored under any of these conditions."""
    return int(
        db.execute(
            "SELECT count(DISTINCT pmid) FROM article_conditions "
            "WHERE condition IN (SELECT value FROM json_each(?))",
            [json.dumps(conditions)],
        ).fetchone()[0]
    )


def newest_arrivals(db: sqlite3.Connection, condition: str, limit: int) -> list[dict[str, Any]]:
    """The articles most recently stored for a condition (first seen here), newest first."""
    sql = (
        "SELECT a.*, l.first_seen AS first_seen "
        "FROM article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid "
        f"WHERE l.condition = ? ORDER BY l.first_seen DESC, {NEWEST_ORDER} LIMIT ?"
    )
    return [decode(r) for r in query(db, sql, [condition, limit])]
