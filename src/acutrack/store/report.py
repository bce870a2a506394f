"""The reads behind ``acutrack report`` and the evidence order of a condition: the evidence
matrix, per-year counts by tier, the strongest evidence, what arrived since a moment and the
retracted articles.

Every ranking here is ``tiers.EVIDENCE_ORDER`` over the stored tier columns: the digest
(``ordered_pmids``), the report and ``show --type`` list a condition's articles in the same
order. Tier keys come from ``flags.TIERS`` and are bound as parameters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from .. import flags, newness
from ..article import StoredArticle
from .articles import decode
from .derived import counts_source
from .tiers import EVIDENCE_ORDER, evidence_keys, has_flag, tier_column
from .transactions import query

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


def tier_counts(db: sqlite3.Connection, conditions: list[str]) -> dict[str, dict[str, int]]:
    """Per condition: its stored articles (``articles``) and how many are in each tier (keyed
    by ``flags.TIERS`` key). Read from condition_years, the rows ``stats`` reads, so the
    report's matrix and ``stats`` count the same thing; each article once per condition."""
    keys = [t.key for t in flags.TIERS]
    sums = ", ".join(f"sum({tier_column(k)})" for k in keys)
    out: dict[str, dict[str, int]] = {c: dict.fromkeys(["articles", *keys], 0) for c in conditions}
    for row in db.execute(
        f"SELECT condition, sum(articles), {sums} FROM {counts_source(db)} "
        "WHERE condition IN (SELECT value FROM json_each(?)) GROUP BY condition",
        [json.dumps(conditions)],
    ):
        out[row[0]] = dict(zip(["articles", *keys], (int(n or 0) for n in row[1:]), strict=True))
    return out


def year_tiers(db: sqlite3.Connection, condition: str) -> list[dict[str, Any]]:
    """Per publication year (None: no year): all articles and one count per tier (keyed by
    ``flags.TIERS`` key), from condition_years (a few rows, not every link)."""
    keys = [t.key for t in flags.TIERS]
    rows = []
    for row in db.execute(
        f"SELECT nullif(year, 0), articles, {', '.join(tier_column(k) for k in keys)} "
        f"FROM {counts_source(db)} WHERE condition = ? AND articles > 0 ORDER BY year",
        [condition],
    ):
        rows.append({"year": row[0], "articles": row[1], **dict(zip(keys, row[2:], strict=True))})
    return rows


def arrived_counts(
    db: sqlite3.Connection, conditions: list[str], since: str, until: str | None = None
) -> dict[str, dict[str, int]]:
    """Per condition and tier key: the articles that arrived (``newness.arrived_sql``: first
    stored for it at or after ``since``, and before ``until`` when given). Every tier of
    ``flags.TIERS`` is present; ``sum(...values())`` is the condition's arrivals."""
    out = {c: {t.key: 0 for t in flags.TIERS} for c in conditions}
    arrived, params = newness.arrived_sql(since, until)
    for name, tier, n in db.execute(
        "SELECT l.condition, coalesce(a.evidence_tier, 'other'), count(*) "
        "FROM article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid "
        f"WHERE l.condition IN (SELECT value FROM json_each(?)) AND {arrived} GROUP BY 1, 2",
        [json.dumps(conditions), *params],
    ):
        out[name][tier] = out[name].get(tier, 0) + n
    return out


def new_counts(db: sqlite3.Connection, conditions: list[str], since: str) -> dict[str, int]:
    """Per condition: the articles that arrived since ``since`` (``arrived_counts``)."""
    return {c: sum(tiers.values()) for c, tiers in arrived_counts(db, conditions, since).items()}


def arrived_articles(
    db: sqlite3.Connection, condition: str, since: str, tiers: Iterable[str], limit: int
) -> list[StoredArticle]:
    """At most ``limit`` of a condition's articles in these tiers that arrived since ``since``
    (``newness.arrived_sql``), in the evidence order, each with ``first_seen`` (for this
    condition)."""
    keys = list(tiers)
    arrived, bound = newness.arrived_sql(since)
    sql = (
        "SELECT a.*, l.first_seen AS first_seen "
        "FROM article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid "
        f"WHERE l.condition = ? AND {arrived} "
        f"AND a.evidence_tier IN ({','.join('?' * len(keys))}) "
        f"ORDER BY {EVIDENCE_ORDER} LIMIT ?"
    )
    return [decode(r) for r in query(db, sql, [condition, *bound, *keys, limit])]


def top_of_tiers(
    db: sqlite3.Connection, condition: str, tiers: Iterable[str], per_tier: int
) -> list[StoredArticle]:
    """At most ``per_tier`` articles of a condition in each of these tiers (keys of
    ``flags.TIERS``), in the evidence order: the top of ``tier_articles`` for every tier. Each
    row has ``first_seen`` (for this condition).

    The PMIDs are ranked within their tier by walking idx_articles_evidence over these tiers
    and probing the condition's link (index-only), and only the rows shown are read whole:
    for a condition holding most of the database that is 0.03 s instead of 0.6 s for sorting
    every linked row."""
    keys = list(tiers)
    ranks = [flags.tier_rank(k) for k in keys]
    sql = (
        "WITH ranked AS (SELECT a.pmid AS pmid, row_number() OVER (PARTITION BY a.evidence_rank "
        f"ORDER BY {EVIDENCE_ORDER}) AS pos FROM articles a "
        f"WHERE a.evidence_rank IN ({','.join('?' * len(ranks))}) "
        # The key too: ranks stored by another version of the derived data (a tier added
        # since, read before a writing command recomputed them) are left out, never shown
        # under another tier's name.
        f"AND a.evidence_tier IN ({','.join('?' * len(keys))}) AND EXISTS "
        "(SELECT 1 FROM article_conditions l WHERE l.pmid = a.pmid AND l.condition = ?)) "
        "SELECT a.*, l.first_seen AS first_seen FROM ranked r "
        "CROSS JOIN articles a ON a.pmid = r.pmid "
        "CROSS JOIN article_conditions l ON l.pmid = r.pmid AND l.condition = ? "
        f"WHERE r.pos <= ? ORDER BY {EVIDENCE_ORDER}"
    )
    params = [*ranks, *keys, condition, condition, per_tier]
    return [decode(r) for r in query(db, sql, params)]


def strongest_by_tier(db: sqlite3.Connection, condition: str, per_tier: int) -> list[StoredArticle]:
    """The strongest evidence for a condition: at most ``per_tier`` articles of each evidence
    tier, in the evidence order."""
    return top_of_tiers(db, condition, evidence_keys(), per_tier)


def tier_articles(
    db: sqlite3.Connection, condition: str, tiers: Iterable[str], limit: int | None = None
) -> list[StoredArticle]:
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
) -> list[StoredArticle]:
    """The strongest evidence for a condition: the articles of every evidence tier (retracted
    articles and protocols are in none), in the evidence order."""
    return tier_articles(db, condition, evidence_keys(), limit)


def retracted_articles(
    db: sqlite3.Connection, condition: str, limit: int | None
) -> list[StoredArticle]:
    """A condition's retracted articles (shown apart, never as evidence), in the same order."""
    return tier_articles(db, condition, [flags.WITHDRAWN["retracted"]], limit)


def by_tier(rows: Iterable[StoredArticle]) -> list[tuple[flags.Tier, list[StoredArticle]]]:
    """Rows (in the evidence order) as (tier, its rows) groups, in ``flags.TIERS`` order, for
    renderers that need no per-tier code."""
    groups: dict[str, list[StoredArticle]] = {t.key: [] for t in flags.TIERS}
    for row in rows:
        groups.setdefault(row.evidence_tier, []).append(row)
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
