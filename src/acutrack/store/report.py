"""The reads behind ``acutrack report``: per-year counts by study-type class, the strongest
evidence, the newest arrivals and the retracted articles of a condition."""

from __future__ import annotations

from typing import Any

from .articles import NEWEST_ORDER, decode
from .schema import EVIDENCE_CLASS, HAS_FLAG, IS_RETRACTED, ReadDB

# The articles ``a`` of the condition given as the next parameter.
IN_CONDITION = "a.pmid IN (SELECT pmid FROM article_conditions WHERE condition = ?)"


def evidence_years(db: ReadDB, condition: str) -> list[dict[str, Any]]:
    """Per publication year and study-type class (``ma_sr``, ``sham_rct``, ``rct``,
    ``other``): how many articles, and how many of them are retracted."""
    return list(
        db.query(
            f"SELECT a.year AS year, {EVIDENCE_CLASS} AS kind, count(*) AS n, "
            f"sum({IS_RETRACTED}) AS retracted, sum({HAS_FLAG.format('protocol')}) AS protocols "
            f"FROM articles a WHERE {IN_CONDITION} GROUP BY 1, 2",
            [condition],
        )
    )


def strongest_articles(db: ReadDB, condition: str, limit: int) -> list[dict[str, Any]]:
    """The strongest evidence for a condition: meta-analyses and systematic reviews, then
    sham-controlled RCTs, then other RCTs; newest publication year first within each;
    retracted articles and protocols left out (the report lists retractions apart)."""
    sql = (
        f"SELECT a.*, {EVIDENCE_CLASS} AS kind FROM articles a "
        f"WHERE {IN_CONDITION} AND {EVIDENCE_CLASS} != 'other' AND NOT {IS_RETRACTED} "
        f"ORDER BY CASE {EVIDENCE_CLASS} WHEN 'ma_sr' THEN 0 WHEN 'sham_rct' THEN 1 ELSE 2 END, "
        f"a.year IS NULL, a.year DESC, {NEWEST_ORDER} LIMIT ?"
    )
    return [decode(r) for r in db.query(sql, [condition, limit])]


def retracted_articles(db: ReadDB, condition: str, limit: int) -> list[dict[str, Any]]:
    """A condition's retracted articles, newest first."""
    sql = (
        f"SELECT a.*, {EVIDENCE_CLASS} AS kind FROM articles a "
        f"WHERE {IN_CONDITION} AND {IS_RETRACTED} ORDER BY {NEWEST_ORDER} LIMIT ?"
    )
    return [decode(r) for r in db.query(sql, [condition, limit])]


def newest_arrivals(db: ReadDB, condition: str, limit: int) -> list[dict[str, Any]]:
    """The articles most recently stored for a condition (first seen here), newest first."""
    sql = (
        f"SELECT a.*, {EVIDENCE_CLASS} AS kind, l.first_seen AS first_seen "
        "FROM article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid "
        f"WHERE l.condition = ? ORDER BY l.first_seen DESC, {NEWEST_ORDER} LIMIT ?"
    )
    return [decode(r) for r in db.query(sql, [condition, limit])]
