"""The SQLite store: schema, migrations, writes and the queries every command reads.

Every SQL statement of acutrack lives in this package:

- ``schema``: the articles table's columns and the recorded migrations (schema only);
- ``derived``: the derived data's version (``_derived``) and its recomputation, which a
  writing command makes when it finds another version;
- ``opening``: ``open_db`` (writers) and ``open_quick`` (readers), both a plain
  ``sqlite3.Connection``, which every store function takes, and the checks before either;
- ``transactions``: ``atomic``, ``query``, ``write_row`` and the other helpers on that
  connection;
- ``lock``: the writers' lock (``writer_lock``), which only writing commands hold, so
  writers queue;
- ``articles``: the reads behind show/article/search/stats, and ``Selection``: which
  articles a listing or a count wants (its filters, in one object);
- ``write``: storing a batch of articles and linking them to a condition;
- ``search``: user search text as a safe FTS5 query, and snippets around its matches;
- ``runs``: update positions, runs, per-condition status;
- ``digests``: digest positions and the record of delivered digests;
- ``report``: the reads behind ``acutrack report`` and the evidence order of a condition;
- ``tiers``: the evidence model in SQL (article_flags, condition_years, article_overview,
  ``EVIDENCE_ORDER``), generated from ``flags.REGISTRY`` and ``flags.TIERS``.

Tables:
- ``articles``: one row per PMID, with the record's fields, its evidence flags, its tier
  (``evidence_tier``) and that tier's rank (``evidence_rank``); list fields are JSON.
- ``article_flags``: one row per (pmid, flag), kept by triggers from ``articles.flags``.
- ``article_comparators``: one row per (pmid, comparator) of a trial, kept by triggers from
  ``articles.comparators`` (``show --comparator``).
- ``condition_years``: per condition and year, articles and evidence counts (triggers).
- ``article_conditions``: which condition found which article, and when first; ``id``
  grows with every new link, so digests remember "up to id N".
- ``positions``: per condition, the query it ran and the Entrez-date window it completed.
- ``runs``: every update and import, with its outcome.
- ``digest_positions`` and ``digests``: what each digest name delivered.
- ``article_overview`` (a view): each article with its study type, flags, conditions and
  links, for Datasette and other SQL readers.
- ``articles_fts``: full-text index over titles and abstracts, kept by triggers.
- ``_derived``: the version of the derived data (``acutrack.derivation``).
Schema changes are ordered, recorded migrations (``_migrations``), as in simonw/llm.

``from acutrack import store; store.open_db(...)`` keeps working: every public function is
re-exported here, and other packages use only this public API, never ``store.<module>``.

May import: ``evidence`` (to derive the stored columns) and the core (``article``,
``config``, ``errors``, ``fileio``, ``flags``). Never ``pubmed``, ``views``, ``digest`` or
``cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .articles import (
    NEWEST_ORDER,
    Selection,
    article_links,
    condition_names,
    count_articles,
    decode,
    flag_counts,
    get_article,
    iter_articles,
    linked_pmids,
    mark_shown,
    older_parser_pmids,
    pending_pmids,
    query_articles,
    record_not_returned,
    stored_pmids,
    year_counts,
)
from .digests import (
    check_recordable,
    digest_history,
    digest_positions,
    digest_times_before,
    last_digest,
    last_update_run,
    links_between,
    links_of,
    load_articles,
    record_digest,
    tiers_in_order,
    top_link_id,
)
from .failures import (
    BUSY_TIMEOUT,
    DamagedError,
    StoreError,
    explain,
    is_damage,
    missing_database,
    stale_side_files,
)
from .feed import count_arrived, newest_arrival, newest_stored, open_reading
from .lock import LockedError, writer_lock
from .opening import check_before_writing, check_whole, open_db, open_quick
from .report import (
    arrived_articles,
    arrived_counts,
    by_tier,
    distinct_articles,
    evidence_years,
    new_counts,
    ordered_pmids,
    retracted_articles,
    strongest_articles,
    strongest_by_tier,
    tier_articles,
    tier_counts,
    top_of_tiers,
    year_tiers,
)
from .runs import (
    condition_stats,
    finish_run,
    get_position,
    provenance,
    set_position,
    start_run,
    status_rows,
)
from .schema import (
    FINAL_STATUSES,
    JSON_COLUMNS,
    MIGRATIONS,
    migrate,
    migration,
    unknown_migrations,
)
from .search import MARK_END, MARK_START, BadSearch, fts_query, snippets
from .tiers import EVIDENCE_ORDER, matrix_sql, years_sql
from .transactions import atomic, chunks, now_iso, query, read_only

__all__ = [
    "BatchWriter",
    "MARK_END",
    "MARK_START",
    "matrix_sql",
    "years_sql",
    "newest_stored",
    "newest_arrival",
    "count_arrived",
    "open_reading",
    "BUSY_TIMEOUT",
    "FINAL_STATUSES",
    "JSON_COLUMNS",
    "MIGRATIONS",
    "NEWEST_ORDER",
    "Selection",
    "EVIDENCE_ORDER",
    "BadSearch",
    "LockedError",
    "DamagedError",
    "is_damage",
    "stale_side_files",
    "writer_lock",
    "atomic",
    "check_before_writing",
    "check_whole",
    "query",
    "read_only",
    "StoreError",
    "article_links",
    "check_recordable",
    "chunks",
    "explain",
    "condition_names",
    "condition_stats",
    "count_articles",
    "decode",
    "digest_history",
    "digest_positions",
    "digest_times_before",
    "finish_run",
    "flag_counts",
    "fts_query",
    "snippets",
    "get_article",
    "get_position",
    "provenance",
    "iter_articles",
    "last_digest",
    "last_update_run",
    "link",
    "linked_pmids",
    "links_between",
    "links_of",
    "load_articles",
    "mark_shown",
    "migrate",
    "migration",
    "missing_database",
    "now_iso",
    "open_db",
    "open_quick",
    "older_parser_pmids",
    "pending_pmids",
    "record_not_returned",
    "query_articles",
    "record_digest",
    "reparse_articles",
    "tiers_in_order",
    "save_articles",
    "set_position",
    "start_run",
    "status_rows",
    "stored_pmids",
    "top_link_id",
    "unknown_migrations",
    "year_counts",
    "strongest_articles",
    "strongest_by_tier",
    "arrived_counts",
    "new_counts",
    "retracted_articles",
    "arrived_articles",
    "arrived_counts",
    "evidence_years",
    "by_tier",
    "distinct_articles",
    "ordered_pmids",
    "tier_articles",
    "tier_counts",
    "top_of_tiers",
    "year_tiers",
]


if TYPE_CHECKING:  # what __getattr__ loads, for the type checker
    from .write import BatchWriter, link, reparse_articles, save_articles


def __getattr__(name: str) -> object:
    # The write path (and what it imports) loads on first use: read commands never need it.
    if name in ("BatchWriter", "link", "reparse_articles", "save_articles"):
        from . import write

        return getattr(write, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
