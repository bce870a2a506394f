"""The evidence model in SQL: the link table of flags, the per-year counts and the overview
view, all generated from ``flags.REGISTRY`` and ``flags.TIERS``, and the one evidence order.

An article's tier and rank are stored columns (``evidence.derive``); its flags are also rows of
``article_flags(pmid, flag)``, kept exact by triggers that expand the JSON ``flags`` list (they
never test a name). Queries filter with ``EXISTS (SELECT 1 FROM article_flags ...)`` and bind
the flag names; they sort by ``evidence_rank``. What is built here from the registry
(condition_years and its triggers, article_overview) is part of the derived data: rebuilt
with it whenever its version changes (``derived.recompute``), never by a migration.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .. import flags, newness

# Newest first: when the article entered PubMed, then its year, then the highest PMID. The
# expressions match idx_articles_newest exactly, so SQLite can walk that index in order.
NEWEST_ORDER = "coalesce(a.entrez_date, '') DESC, a.year DESC, CAST(a.pmid AS INTEGER) DESC"
# The one evidence order: strongest tier first, then larger trials (unknown size last), then
# newer. The digest, the report and `show --type` all sort with it.
EVIDENCE_ORDER = f"a.evidence_rank, a.sample_size IS NULL, a.sample_size DESC, {NEWEST_ORDER}"


def quote(text: str) -> str:
    """An SQL string literal (for DDL, where nothing can be bound): registry names only."""
    return "'" + text.replace("'", "''") + "'"


def has_flag(pmid: str = "a.pmid") -> str:
    """SQL: the article ``pmid`` carries the flag given as the next bound parameter."""
    return f"EXISTS (SELECT 1 FROM article_flags f WHERE f.pmid = {pmid} AND f.flag = ?)"


def has_any_flag(names: list[str], pmid: str = "a.pmid") -> tuple[str, list[Any]]:
    """SQL and parameters: the article carries any of these flags (bound, never spliced)."""
    marks = ",".join("?" * len(names))
    return (
        f"EXISTS (SELECT 1 FROM article_flags f WHERE f.pmid = {pmid} AND f.flag IN ({marks}))",
        list(names),
    )


def has_any_type(selectors: list[str], pmid: str = "a.pmid") -> tuple[str, list[Any]]:
    """SQL and parameters: the article ``a`` matches any of these `--type` selectors
    (``flags.type_words``: flag names, or ``flags.TIER_PREFIX`` + a tier key)."""
    names = [s for s in selectors if not s.startswith(flags.TIER_PREFIX)]
    keys = [s[len(flags.TIER_PREFIX) :] for s in selectors if s.startswith(flags.TIER_PREFIX)]
    tests: list[str] = []
    params: list[Any] = []
    if names:
        test, bound = has_any_flag(names, pmid)
        tests.append(test)
        params += bound
    if keys:
        tests.append(f"a.evidence_tier IN ({','.join('?' * len(keys))})")
        params += keys
    return "(" + " OR ".join(tests) + ")", params


def evidence_keys() -> list[str]:
    return [t.key for t in flags.evidence_tiers()]


def tier_column(key: str) -> str:
    """The condition_years column counting a tier: ``tier_ma_sr`` (``flags.tier_field``)."""
    return flags.tier_field(key)


# --- article_flags, article_comparators ------------------------------------------------------

# ``article_flags`` (every flag) and ``article_comparators`` (a trial's comparators) are link
# tables kept by triggers from the JSON list columns (frozen SQL in migrations m008 and m017),
# filtered with EXISTS on an index, never with a LIKE on the JSON text.


def has_any_comparator(names: list[str], pmid: str = "a.pmid") -> tuple[str, list[Any]]:
    """SQL and parameters: the trial was compared against any of these (bound, never spliced)."""
    marks = ",".join("?" * len(names))
    return (
        f"EXISTS (SELECT 1 FROM article_comparators c WHERE c.pmid = {pmid} "
        f"AND c.comparator IN ({marks}))",
        list(names),
    )


# --- condition_years -------------------------------------------------------------------------


def year_columns() -> dict[str, str]:
    """condition_years' count columns, each as an SQL test on one article whose JSON flags
    are ``{f}`` and tier ``{t}``: the stats columns of the registry (a flag, never on a
    withdrawn article), ``ma_sr`` (any synthesis flag, counted once) and one per tier. The
    triggers are DDL, where nothing can be bound, so the names are literals generated here."""
    evidence = ", ".join(quote(k) for k in evidence_keys())
    counted = f"{{t}} IN ({evidence})"

    def carries(names: tuple[str, ...]) -> str:
        listed = ", ".join(quote(n) for n in names)
        return (
            f"({counted} AND EXISTS (SELECT 1 FROM json_each(coalesce({{f}}, '[]')) "
            f"WHERE value IN ({listed})))"
        )

    columns = {column: carries((flag,)) for flag, column in flags.YEAR_COLUMNS.items()}
    columns["ma_sr"] = carries(flags.SYNTHESES)
    for tier in flags.TIERS:
        columns[tier_column(tier.key)] = f"({{t}} IS {quote(tier.key)})"
    return columns


def _add_counts(
    columns: dict[str, str], condition: str, year: str, f: str, t: str, source: str, sign: str = ""
) -> str:
    """SQL adding (with sign '-': taking away) one article per row of ``source``."""
    counts = ", ".join(f"{sign}{expr.format(f=f, t=t)}" for expr in columns.values())
    return (
        f"INSERT INTO condition_years (condition, year, articles, {', '.join(columns)}) "
        f"SELECT {condition}, coalesce({year}, 0), {sign}1, {counts} {source} "
        "ON CONFLICT(condition, year) DO UPDATE SET articles = articles + excluded.articles, "
        + ", ".join(f"{k} = {k} + excluded.{k}" for k in columns)
        + ";"
    )


def build_counts(conn: sqlite3.Connection) -> None:
    """(Re)create condition_years: per condition and publication year (0: none), how many
    articles and how many in each count column. Kept exact by triggers on every link and every
    change of an article's year, flags or tier, so `stats CONDITION` and the total under `show`
    read a few rows instead of probing every link of a large condition."""
    drop_counts(conn)
    columns = year_columns()
    conn.execute(
        "CREATE TABLE condition_years (condition TEXT NOT NULL, year INTEGER NOT NULL, "
        + ", ".join(f"{k} INTEGER NOT NULL DEFAULT 0" for k in ("articles", *columns))
        + ", PRIMARY KEY (condition, year)) WITHOUT ROWID"
    )
    article = "FROM articles a WHERE a.pmid = {pmid}"
    links = "FROM article_conditions l WHERE l.pmid = {pmid}"

    def of_article(cond: str, pmid: str, sign: str = "") -> str:
        src = article.format(pmid=pmid)
        return _add_counts(columns, cond, "a.year", "a.flags", "a.evidence_tier", src, sign)

    def of_links(old_new: str, sign: str = "") -> str:
        src = links.format(pmid=f"{old_new}.pmid")
        y, f, t = f"{old_new}.year", f"{old_new}.flags", f"{old_new}.evidence_tier"
        return _add_counts(columns, "l.condition", y, f, t, src, sign)

    triggers = {
        "article_conditions_years_ai": (
            "AFTER INSERT ON article_conditions",
            of_article("new.condition", "new.pmid"),
        ),
        "article_conditions_years_ad": (
            "AFTER DELETE ON article_conditions",
            of_article("old.condition", "old.pmid", "-"),
        ),
        "article_conditions_years_au": (
            "AFTER UPDATE OF condition, pmid ON article_conditions",
            of_article("old.condition", "old.pmid", "-") + of_article("new.condition", "new.pmid"),
        ),
        "articles_years_au": (
            "AFTER UPDATE OF year, flags, evidence_tier ON articles WHEN old.year IS NOT "
            "new.year OR old.flags IS NOT new.flags OR old.evidence_tier IS NOT new.evidence_tier",
            of_links("old", "-") + of_links("new"),
        ),
        "articles_years_ad": ("AFTER DELETE ON articles", of_links("old", "-")),
    }
    for name, (when, body) in triggers.items():
        conn.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    conn.execute(
        f"INSERT INTO condition_years (condition, year, articles, {', '.join(columns)}) "
        + counts_select()
    )


def drop_counts(conn: sqlite3.Connection) -> None:
    """Drop condition_years and its triggers (``build_counts`` makes them again)."""
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
        "('articles', 'article_conditions') AND name LIKE '%years%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE IF EXISTS condition_years")


def counts_select() -> str:
    """SQL: condition_years' rows computed from the stored articles and links, with today's
    registry: what fills the table, and what read commands count from while the table was
    built with another version of the derived data (``derived.counts_source``)."""
    columns = year_columns()
    sums = ", ".join(
        f"sum({e.format(f='a.flags', t='a.evidence_tier')}) AS {k}" for k, e in columns.items()
    )
    return (
        f"SELECT l.condition AS condition, coalesce(a.year, 0) AS year, count(*) AS articles, "
        f"{sums} FROM article_conditions l JOIN articles a ON a.pmid = l.pmid GROUP BY 1, 2"
    )


# --- article_overview ------------------------------------------------------------------------


def _badges_sql(flags_json: str) -> str:
    """SQL: an article's flags as its badges in the registry's badge order, a JSON array
    (``["RCT", "sham"]``: Datasette facets on each badge)."""
    badge = " ".join(f"WHEN {quote(f.name)} THEN {quote(f.badge)}" for f in flags.REGISTRY)
    order = " ".join(f"WHEN {quote(name)} THEN {i}" for i, name in enumerate(flags.BADGE_ORDER))
    return (
        f"(SELECT json_group_array(b) FROM (SELECT CASE j.value {badge} ELSE j.value END AS b "
        f"FROM json_each(coalesce({flags_json}, '[]')) j "
        f"ORDER BY CASE j.value {order} ELSE {len(flags.BADGE_ORDER)} END))"
    )


def overview_sql() -> str:
    """The article_overview view (v3, issue 25): one row per article, only what a reader scans
    (PMID, title, year, its tier's label as ``study_type`` and position as ``tier_rank``,
    badges, trial size, conditions, journal, first author, when first stored, DOI), so a page
    fits a 1280 px screen; the full record is in ``articles``. ``badges`` and ``conditions``
    are JSON arrays that Datasette facets on (acutrack's Datasette plugin,
    views/datasette_plugin.py, shows them as words and the PMID, title and DOI as links).
    Datasette opens it sorted by ``tier_rank`` (the metadata's ``sort``): SQLite walks
    idx_articles_evidence, whose first column that is and whose order within a tier is the
    rest of the evidence order (larger trials, newest), so a page computes the per-row
    subqueries of its own rows only. No ORDER BY in the view itself: Datasette counts a
    view's rows, and SQLite would then compute every row's subqueries (3 s at 100,000
    articles) instead of counting. Its rowid is the article's, for articles_fts (Datasette
    searches views that way)."""
    labels = " ".join(f"WHEN {quote(t.key)} THEN {quote(t.label)}" for t in flags.TIERS)
    return f"""
SELECT a.pmid AS pmid,
  a.title AS title, a.year AS year,
  CASE a.evidence_tier {labels} ELSE a.evidence_tier END AS study_type,
  a.evidence_rank AS tier_rank,
  {_badges_sql("a.flags")} AS badges,
  a.sample_size AS sample_size,
  (SELECT json_group_array(x.condition) FROM
    (SELECT condition FROM article_conditions WHERE pmid = a.pmid ORDER BY condition) x)
    AS conditions,
  coalesce(a.journal_abbrev, a.journal) AS journal,
  json_extract(a.authors, '$[0]') AS first_author,
  (SELECT substr(min(first_seen), 1, 10) FROM article_conditions WHERE pmid = a.pmid)
    AS first_stored,
  nullif(a.doi, '') AS doi,
  a.rowid AS rowid
FROM articles a
"""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _labels() -> str:
    return ", ".join(_ident(t.label) for t in flags.TIERS)


def _stored_tiers() -> str:
    """SQL: per condition (and year), the articles and each tier's count (named by its label)
    from condition_years, the counts `stats` reads (kept by triggers: a few rows)."""
    sums = ", ".join(f"sum({tier_column(t.key)}) AS {_ident(t.label)}" for t in flags.TIERS)
    return f"sum(articles) AS total, {sums}"


def _distinct_tiers(condition_test: str = "") -> str:
    """SQL: the stored articles linked to any condition (and passing ``condition_test`` on the
    link ``l``), each once, as (year, tier). Read through idx_articles_evidence (its rank and
    year columns cover it): the tier's key from its rank, as ``flags.tier_rank`` numbers them,
    so 100,000 articles take a tenth of a second, not a scan of every record."""
    keys = " ".join(f"WHEN {i} THEN {quote(t.key)}" for i, t in enumerate(flags.TIERS))
    return (
        f"SELECT a.year AS year, CASE a.evidence_rank {keys} END AS tier FROM articles a "
        "WHERE EXISTS (SELECT 1 FROM article_conditions l WHERE l.pmid = a.pmid"
        f"{condition_test})"
    )


def _tier_sums() -> str:
    return ", ".join(f"sum(tier IS {quote(t.key)}) AS {_ident(t.label)}" for t in flags.TIERS)


ALL_CONDITIONS = "all conditions (distinct articles)"


def matrix_sql() -> str:
    """The evidence matrix as one query (Datasette's canned ``evidence_matrix``): per condition
    (every condition with a saved position or stored articles; empty ones last) the articles
    in each tier and all of them (``total``), as `stats` counts them; those ``unseen`` and
    those that ``arrived`` since ``arrived_since`` (``acutrack.newness``: the ``:since``
    parameter, or the last 7 days), as `status` counts them; then one row for all
    conditions, each article once."""
    zero = ", ".join(f"coalesce(y.{_ident(t.label)}, 0) AS {_ident(t.label)}" for t in flags.TIERS)
    since = f"coalesce(nullif(:since, ''), {newness.DEFAULT_SINCE_SQL})"
    arrived = newness.arrived_test("l", "s.since")
    unseen = newness.unseen_sql("l")
    return f"""
WITH s AS (SELECT {since} AS since)
SELECT condition, {_labels()}, total, {newness.UNSEEN}, {newness.ARRIVED},
  (SELECT since FROM s) AS arrived_since FROM (
  SELECT 0 AS part, c.condition AS condition, {zero},
    coalesce(y.total, 0) AS total, coalesce(n.unseen, 0) AS {newness.UNSEEN},
    coalesce(n.arrived, 0) AS {newness.ARRIVED}
  FROM (SELECT condition FROM positions UNION SELECT condition FROM condition_years) c
  LEFT JOIN (SELECT condition, {_stored_tiers()} FROM condition_years GROUP BY condition) y
    ON y.condition = c.condition
  LEFT JOIN (SELECT l.condition AS condition, sum({unseen}) AS unseen,
    sum({arrived}) AS arrived FROM article_conditions l, s
    GROUP BY l.condition) n ON n.condition = c.condition
  UNION ALL
  SELECT 1, {quote(ALL_CONDITIONS)}, {_tier_sums()}, count(*),
    (SELECT count(DISTINCT l.pmid) FROM article_conditions l WHERE {unseen}),
    (SELECT count(DISTINCT l.pmid) FROM article_conditions l, s
      WHERE {arrived})
  FROM ({_distinct_tiers()})
) ORDER BY part, total = 0, condition
"""


def years_sql() -> str:
    """Articles per publication year in year order, by tier (Datasette's canned
    ``articles_per_year``), for the condition given as ``:condition`` or, when it is empty,
    for every stored article once: the numbers of `stats`."""
    return f"""
SELECT coalesce(year, 'unknown') AS year, total AS articles, {_labels()} FROM (
  SELECT nullif(year, 0) AS year, {_stored_tiers()} FROM condition_years
  WHERE condition = coalesce(:condition, '') AND articles > 0 GROUP BY year
  UNION ALL
  SELECT year, count(*), {_tier_sums()}
  FROM ({_distinct_tiers(" AND coalesce(:condition, '') = ''")}) GROUP BY year
) ORDER BY year IS NULL, year
"""


def build_overview(conn: sqlite3.Connection) -> None:
    conn.execute("DROP VIEW IF EXISTS article_overview")
    conn.execute(f"CREATE VIEW article_overview AS {overview_sql()}")
