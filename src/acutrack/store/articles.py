"""Articles: the reads every listing command uses (writes are in ``write``)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import takewhile
from typing import TYPE_CHECKING, Any

from .. import newness
from ..article import StoredArticle, article_from, pubmed_url
from .derived import counts_source
from .schema import FINAL_STATUSES, JSON_COLUMNS
from .tiers import (
    EVIDENCE_ORDER,
    NEWEST_ORDER,
    has_any_comparator,
    has_any_flag,
    has_any_type,
    tier_column,
)
from .transactions import atomic, chunks, now_iso, query, read_only

if TYPE_CHECKING:
    from ..article import Article  # noqa: F401 - for annotations


def linked_pmids(db: sqlite3.Connection, condition: str, pmids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(pmids):
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT pmid FROM article_conditions WHERE condition = ? AND pmid IN "
                f"({','.join('?' * len(chunk))})",
                [condition, *chunk],
            )
        )
    return found


def stored_pmids(db: sqlite3.Connection, pmids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(pmids):
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT pmid FROM articles WHERE pmid IN ({','.join('?' * len(chunk))})", chunk
            )
        )
    return found


def flag_counts(db: sqlite3.Connection, pmids: list[str]) -> Counter[str]:
    """How many of these articles carry each flag."""
    counts: Counter[str] = Counter()
    for chunk in chunks(pmids):
        for (flags,) in db.execute(
            f"SELECT flags FROM articles WHERE pmid IN ({','.join('?' * len(chunk))})", chunk
        ):
            counts.update(json.loads(flags or "[]"))
    return counts


# A record PubMed stopped returning, and not stored again since: not asked for any more.
# (Writing a record again removes it from not_returned: store.write._write_rows.)
_STILL_RETURNED = "NOT EXISTS (SELECT 1 FROM not_returned n WHERE n.pmid = articles.pmid)"


def older_parser_pmids(db: sqlite3.Connection, version: int) -> list[str]:
    """Stored articles read by a parser older than ``version`` (or before one was recorded),
    except those PubMed no longer returns (``record_not_returned``)."""
    return [
        r[0]
        for r in db.execute(
            "SELECT pmid FROM articles WHERE (parser_version IS NULL OR parser_version < ?) "
            f"AND {_STILL_RETURNED} ORDER BY pmid",
            [version],
        )
    ]


def record_not_returned(
    db: sqlite3.Connection, pmids: list[str], run_id: int | None, stamp: str
) -> None:
    """Remember PMIDs an efetch by id no longer returned, so they are not asked again."""
    with atomic(db):
        db.executemany(
            "INSERT INTO not_returned (pmid, since, run_id) VALUES (?, ?, ?) "
            "ON CONFLICT(pmid) DO UPDATE SET since = excluded.since, run_id = excluded.run_id",
            [(p, stamp, run_id) for p in pmids],
        )


def pending_pmids(db: sqlite3.Connection, max_age_days: int = 730) -> list[str]:
    """Stored records NLM has not finished indexing, first stored within ``max_age_days``."""
    marks = ",".join("?" * len(FINAL_STATUSES))
    return [
        r[0]
        for r in db.execute(
            f"SELECT pmid FROM articles WHERE coalesce(status, '') NOT IN ({marks}) "
            f"AND stored_at >= datetime('now', ?) AND {_STILL_RETURNED} ORDER BY pmid",
            [*FINAL_STATUSES, f"-{max_age_days} days"],
        )
    ]


# --- reads -------------------------------------------------------------------------------


def decode(row: dict[str, Any]) -> StoredArticle:
    """A stored row (``a.*`` and the query's aliases) as the typed article, once per row."""
    for key in JSON_COLUMNS:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    conditions = row.pop("conditions_csv", None)
    if conditions is not None:
        row["conditions"] = sorted(set(conditions.split(","))) if conditions else []
    if "new" in row:
        row["new"] = bool(row["new"])
    row["url"] = pubmed_url(row["pmid"])
    return article_from(row)


def get_article(db: sqlite3.Connection, pmid: str) -> StoredArticle | None:
    rows = list(
        query(
            db,
            """
            SELECT a.*,
              (SELECT min(first_seen) FROM article_conditions WHERE pmid = a.pmid) AS first_seen,
              (SELECT group_concat(condition) FROM article_conditions WHERE pmid = a.pmid)
                AS conditions_csv
            FROM articles a WHERE a.pmid = ?
            """,
            [pmid],
        )
    )
    return decode(rows[0]) if rows else None


@dataclass(frozen=True)
class Selection:
    """Which articles a listing or a count wants: the filters `show` and `search` share, in
    one place. Left at their defaults, every article (of the condition, when one is given).

    ``flags``: any of these `--type` selectors (flag names, ``tier:KEY``: ``tiers.has_any_type``);
    ``comparators``: only trials compared against any of these (``article_comparators``);
    ``new_only``: never shown (for the condition, or under any); ``since``: entered PubMed,
    or first stored here, on or after this date (YYYY-MM-DD); ``search``: an FTS5 query over
    titles and abstracts (the caller escapes user text: ``search.fts_query``); ``stored``:
    first stored for the condition in this window (``newness.arrived_sql``: since, before).
    """

    flags: tuple[str, ...] = ()
    comparators: tuple[str, ...] = ()
    new_only: bool = False
    since: str | None = None
    search: str | None = None
    stored: tuple[str | None, str | None] = (None, None)

    def unseen(self) -> Selection:
        """The new articles of the same study types and comparators: what
        `show CONDITION --new` with this selection's --type and --comparator lists."""
        return Selection(self.flags, self.comparators, new_only=True)


# Every article: the selection when a caller asks for none.
EVERY = Selection()

# Search by relevance hands in at most this many ranked matches, two parameters each (SQLite
# before 3.32 allows 999 parameters in a statement).
MAX_HANDED_IN = 400


def _link_filters(condition: str | None, selection: Selection) -> tuple[list[str], list[Any]]:
    """Predicates on the article's condition link ``l`` (joined to the article ``a``): the
    condition, unseen, the window it arrived in and ``since``."""
    where = ["l.pmid = a.pmid"]
    params: list[Any] = []
    if condition is not None:
        where.append("l.condition = ?")
        params.append(condition)
    if selection.new_only:
        where.append(newness.unseen_sql("l"))
    if any(selection.stored):
        test, bound = newness.arrived_sql(*selection.stored)
        where.append(test)
        params += bound
    if selection.since:
        # Entered PubMed on or after the date, or first stored here on or after it.
        where.append("(coalesce(a.entrez_date, '') >= ? OR l.first_seen >= ?)")
        params += [selection.since, selection.since]
    return where, params


def _article_filters(selection: Selection) -> tuple[list[str], list[Any]]:
    """Predicates on the article ``a`` itself: any of the flags, any of the comparators."""
    where: list[str] = []
    params: list[Any] = []
    if selection.flags:
        sql, names = has_any_type(list(selection.flags))
        where.append(sql)
        params += names
    if selection.comparators:
        sql, names = has_any_comparator(list(selection.comparators))
        where.append(sql)
        params += names
    return where, params


def _derived(condition: str | None) -> tuple[str, list[Any]]:
    """first_seen and new for the condition (or any), and every condition of the article."""
    same = " AND x.condition = ?" if condition is not None else ""
    sql = (
        f"(SELECT min(x.first_seen) FROM article_conditions x WHERE x.pmid = a.pmid{same}) "
        "AS first_seen, "
        f"(SELECT max(x.shown_at IS NULL) FROM article_conditions x WHERE x.pmid = a.pmid{same}) "
        "AS new, "
        "(SELECT group_concat(x.condition) FROM article_conditions x WHERE x.pmid = a.pmid) "
        "AS conditions_csv"
    )
    return sql, ([condition, condition] if condition is not None else [])


def _walk_newest(
    db: sqlite3.Connection, condition: str, new_only: bool, limit: int | None, filtered: bool
) -> bool:
    """True when walking an index in order (idx_articles_newest, or idx_articles_evidence for
    the evidence order) beats sorting the condition's articles.

    The walk visits about limit x (all articles / the condition's articles) index entries
    (more when --type or --since thin the matches out); the sort reads every article of
    the condition.
    """
    if not limit:
        return False
    # A sorted article costs about 20 index steps (its whole row is read, abstract and
    # all), so walk when limit x total / linked (x 20 when filters thin the matches out)
    # < 20 x linked. Counting stops at that threshold: a big condition costs no full count.
    total = db.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
    threshold = int((limit * total * (20 if filtered else 1) / 20) ** 0.5) + 1
    linked = db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM article_conditions WHERE condition = ?"
        + (" AND shown_at IS NULL" if new_only else "")
        + " LIMIT ?)",
        [condition, threshold],
    ).fetchone()[0]
    return linked >= threshold


def query_articles(
    db: sqlite3.Connection,
    condition: str | None = None,
    selection: Selection = EVERY,
    *,
    order: str = "newest",
    limit: int | None = None,
) -> list[StoredArticle]:
    """``iter_articles`` as a list."""
    return list(iter_articles(db, condition, selection, order=order, limit=limit))


def iter_articles(
    db: sqlite3.Connection,
    condition: str | None = None,
    selection: Selection = EVERY,
    *,
    order: str = "newest",
    limit: int | None = None,
) -> Iterator[StoredArticle]:
    """The articles of ``selection`` for a condition (or all), with ``first_seen`` and
    ``new``, read from the cursor one by one (an export of every article keeps memory flat).

    ``order``: ``newest`` (``tiers.NEWEST_ORDER``), ``evidence`` (``tiers.EVIDENCE_ORDER``:
    strongest tier, larger trials, newer) or, with a search, ``relevance`` (FTS5 bm25 rank).
    With a condition, ``first_seen`` and ``new`` are that condition's; without, the earliest
    and any.
    """
    if limit is not None and limit >= 2**62:
        limit = None  # more than SQLite can count, so more than there are: all of them
    link, params = _link_filters(condition, selection)
    where = [f"EXISTS (SELECT 1 FROM article_conditions l WHERE {' AND '.join(link)})"]
    on_article, article_params = _article_filters(selection)
    where += on_article
    params += article_params
    derived, derived_params = _derived(condition)
    search = selection.search
    if search and order == "relevance":
        return _by_relevance(db, search, derived, where, [*derived_params, *params], limit)
    source = "articles a"
    order_by = EVIDENCE_ORDER if order == "evidence" else NEWEST_ORDER
    if search:
        where.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(search)
    elif condition is not None and not _walk_newest(
        db,
        condition,
        selection.new_only,
        limit,
        bool(on_article or selection.since or any(selection.stored)),
    ):
        # Few articles for this condition: start from its links and sort them.
        source = "article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid"
        where[0] = " AND ".join(link[1:])
    return _select(db, derived, source, where, order_by, limit, [*derived_params, *params])


def _by_relevance(
    db: sqlite3.Connection,
    search: str,
    derived: str,
    where: list[str],
    params: list[Any],
    limit: int | None,
) -> Iterator[StoredArticle]:
    """Matches best first (FTS5 bm25 rank, computed once per match), newest among equals."""
    order_by = "f.fts_rank, " + NEWEST_ORDER
    matches = (
        "SELECT rowid AS fts_rowid, rank AS fts_rank FROM articles_fts WHERE articles_fts MATCH ?"
    )
    join = "f JOIN articles a ON a.rowid = f.fts_rowid"
    # derived's parameters come first in the statement, then the source's, then where's.
    n = derived.count("?")
    if limit:
        # bm25 is computed once, for every match, in one pass; only the best-ranked matches
        # (up to the limit-th best rank, ties included) have their article rows read, filtered
        # and sorted, with that rank handed in. When filters leave fewer than limit of them,
        # or the ties are too many to hand in, the whole query decides.
        # (bm25() is the default rank, and FTS5 sorts it faster with a LIMIT than ``rank``.)
        ranked = db.execute(
            "SELECT rowid, bm25(articles_fts) AS r FROM articles_fts WHERE articles_fts MATCH ? "
            "ORDER BY r LIMIT ?",
            [search, MAX_HANDED_IN + 1],
        ).fetchall()
        best = ranked[:limit]
        if len(ranked) > limit:
            cut = ranked[limit - 1][1]
            best += takewhile(lambda r: r[1] == cut, ranked[limit:])
        if len(best) <= MAX_HANDED_IN:
            values = ", ".join(["(?, ?)"] * len(best)) or "(NULL, NULL)"
            source = (
                f"(SELECT column1 AS fts_rowid, column2 AS fts_rank FROM (VALUES {values})) {join}"
            )
            given = [x for pair in best for x in pair]
            rows = list(
                _select(
                    db, derived, source, where, order_by, limit, [*params[:n], *given, *params[n:]]
                )
            )
            if len(rows) >= limit or len(best) == len(ranked) <= MAX_HANDED_IN:
                return iter(rows)
    source = f"({matches}) {join}"
    return _select(db, derived, source, where, order_by, limit, [*params[:n], search, *params[n:]])


# Rows read per statement when every match is listed in order (see ``_select``).
KEY_CHUNK = 200


def _select(
    db: sqlite3.Connection,
    derived: str,
    source: str,
    where: list[str],
    order_by: str,
    limit: int | None,
    params: list[Any],
) -> Iterator[StoredArticle]:
    """The matching articles in order, decoded one by one as the caller reads them.

    With a limit SQLite sorts the matching rows (or walks an index) and stops at the limit.
    Without one, sorting whole rows would make SQLite hold every match (abstracts and all:
    658 MB of a temporary B-tree for 100,000 articles before the first row came out), so
    only the rowids are sorted (with their sort keys), and the rows are then read in that
    order, KEY_CHUNK at a time: memory stays flat however many articles match.
    """
    clause = " AND ".join(where)
    if limit:
        sql = f"SELECT a.*, {derived} FROM {source} WHERE {clause} ORDER BY {order_by} LIMIT ?"
        for row in _dicts(db.execute(sql, [*params, limit])):
            yield decode(row)
        return
    # derived's parameters come first (it is in the select list), then the source's and where's.
    n = derived.count("?")
    keys = db.execute(
        f"SELECT a.rowid FROM {source} WHERE {clause} ORDER BY {order_by}", params[n:]
    )
    rows_sql = f"SELECT a.*, {derived}, a.rowid AS key_rowid FROM articles a WHERE a.rowid IN "
    while chunk := [r[0] for r in keys.fetchmany(KEY_CHUNK)]:
        cursor = db.execute(rows_sql + f"({','.join('?' * len(chunk))})", [*params[:n], *chunk])
        by_rowid = {row.pop("key_rowid"): row for row in _dicts(cursor)}
        for rowid in chunk:
            # (The last chunk may read after the sort's snapshot ended: a row a writer
            # removed meanwhile is skipped.)
            if rowid in by_rowid:
                yield decode(by_rowid.pop(rowid))


def _dicts(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    """Each row as a dict, read from the cursor as it is needed (``query`` returns a list)."""
    keys = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(keys, values, strict=True))


def mark_shown(
    db: sqlite3.Connection, pmids: list[str], condition: str | None = None, stamp: str | None = None
) -> bool:
    """Mark articles as shown under ``condition``, or under every condition when it is None
    (a person read them in full or in a search). False when the database is read-only, or
    when another command's write outlasted the busy timeout: what was listed was read, and
    a reader never fails because a writer works."""
    if read_only(db):
        return False
    stamp = stamp or now_iso()
    scope, scope_params = ("AND condition = ? ", [condition]) if condition else ("", [])
    try:
        with atomic(db):
            for chunk in chunks(pmids):
                db.execute(
                    f"UPDATE article_conditions SET shown_at = ? WHERE shown_at IS NULL {scope}"
                    f"AND pmid IN ({','.join('?' * len(chunk))})",
                    [stamp, *scope_params, *chunk],
                )
    except sqlite3.OperationalError as exc:
        # Busy past the timeout, or side files left read-only (failures.stale_side_files).
        if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_READONLY")):
            return False
        raise
    return True


def count_articles(
    db: sqlite3.Connection, condition: str | None = None, selection: Selection = EVERY
) -> int:
    """How many articles ``iter_articles`` would list without a limit."""
    wanted = list(selection.flags)
    since, search, stored = selection.since, selection.search, selection.stored
    narrowed = bool(selection.comparators or any(stored))
    if condition is not None and not (wanted or since or search or narrowed):
        if not selection.new_only:  # kept by triggers: a few rows, not every link
            return db.execute(
                f"SELECT coalesce(sum(articles), 0) FROM {counts_source(db)} WHERE condition = ?",
                [condition],
            ).fetchone()[0]
        return db.execute(
            "SELECT count(*) FROM article_conditions WHERE condition = ? AND shown_at IS NULL",
            [condition],
        ).fetchone()[0]
    if condition is not None and selection.new_only and not (search or narrowed):
        # From the condition's new links (idx_article_conditions_shown), not every article:
        # `show` counts the new ones a limit left out with --type or --since too.
        sql = (
            "SELECT count(*) FROM article_conditions l JOIN articles a ON a.pmid = l.pmid "
            "WHERE l.condition = ? AND l.shown_at IS NULL"
        )
        params: list[Any] = [condition]
        if wanted:
            test, names = has_any_type(wanted, pmid="l.pmid")
            sql += f" AND {test}"
            params += names
        if since:
            sql += " AND (coalesce(a.entrez_date, '') >= ? OR l.first_seen >= ?)"
            params += [since, since]
        return db.execute(sql, params).fetchone()[0]
    if search and condition is None and not (wanted or selection.new_only or since or narrowed):
        # Every stored article is linked to a condition (stored and linked in one
        # transaction; a refresh stores only what is stored already; no link is ever
        # deleted), so the matches are the count. FTS5 counts them from its index alone:
        # 0.4 ms instead of 13 for a search's footer on 100,000 articles.
        return db.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [search]
        ).fetchone()[0]
    link, params = _link_filters(condition, selection)
    where = [f"EXISTS (SELECT 1 FROM article_conditions l WHERE {' AND '.join(link)})"]
    on_article, article_params = _article_filters(selection)
    where += on_article
    params += article_params
    if search:
        where.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(search)
    return db.execute(
        f"SELECT count(*) FROM articles a WHERE {' AND '.join(where)}", params
    ).fetchone()[0]


def condition_names(db: sqlite3.Connection) -> list[str]:
    """Every condition that has stored articles (imported ones need not be in queries.toml)."""
    return [
        r[0] for r in db.execute("SELECT DISTINCT condition FROM article_conditions ORDER BY 1")
    ]


def article_links(db: sqlite3.Connection, pmid: str) -> list[dict[str, Any]]:
    """The conditions an article is stored under, with when it was first seen and shown."""
    return list(
        query(
            db,
            "SELECT condition, first_seen, shown_at FROM article_conditions WHERE pmid = ? "
            "ORDER BY first_seen, condition",
            [pmid],
        )
    )


def year_counts(db: sqlite3.Connection, condition: str | None = None) -> list[dict[str, Any]]:
    """Per publication year (None last): all articles, one count per flag with a stats
    column in the flag registry (RCTs, meta-analyses, systematic reviews), meta-analyses or
    systematic reviews counted once (``ma_sr``) -- withdrawn articles (retracted, protocols)
    in none of these -- and one count per tier (``tier_rct``, ``tier_retracted``, ...).
    Without a condition, each article once however many conditions it is stored under."""
    from .. import flags
    from .tiers import evidence_keys, year_columns

    columns = year_columns()
    if condition is not None:
        # Kept by triggers (see tiers.build_counts): a few rows, not every link.
        return list(
            query(
                db,
                f"SELECT nullif(year, 0) AS year, articles, {', '.join(columns)} "
                f"FROM {counts_source(db)} WHERE condition = ? AND articles > 0 "
                "ORDER BY year = 0, year",
                [condition],
            )
        )
    evidence = evidence_keys()
    counted = f"a.evidence_tier IN ({','.join('?' * len(evidence))})"
    sums: list[str] = []
    params: list[Any] = []
    for flag, column in flags.YEAR_COLUMNS.items():
        test, names = has_any_flag([flag])
        sums.append(f"sum({counted} AND {test}) AS {column}")
        params += [*evidence, *names]
    test, names = has_any_flag(list(flags.SYNTHESES))
    sums.append(f"sum({counted} AND {test}) AS ma_sr")
    params += [*evidence, *names]
    for tier in flags.TIERS:
        sums.append(f"sum(a.evidence_tier IS ?) AS {tier_column(tier.key)}")
        params.append(tier.key)
    return list(
        query(
            db,
            f"SELECT a.year AS year, count(*) AS articles, {', '.join(sums)} FROM articles a "
            "WHERE EXISTS (SELECT 1 FROM article_conditions l WHERE l.pmid = a.pmid) "
            "GROUP BY a.year ORDER BY a.year IS NULL, a.year",
            params,
        )
    )
