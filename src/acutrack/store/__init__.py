"""The SQLite store: schema, migrations, writes and the queries every command reads.

Every SQL statement of acutrack lives in this package:

- ``schema``: tables, recorded migrations, ``open_db`` and the quick read-only ``open_quick``;
- ``articles``: storing and linking articles, and the reads behind show/article/search/stats;
- ``search``: user search text as a safe FTS5 query;
- ``runs``: update positions, runs, per-condition status;
- ``digests``: digest positions and the record of delivered digests.

Tables:
- ``articles``: one row per PMID, with the record's fields and its evidence flags;
  list fields are JSON.
- ``article_conditions``: which condition found which article, and when first; ``id``
  grows with every new link, so digests remember "up to id N".
- ``positions``: per condition, the query it ran and the Entrez-date window it completed.
- ``runs``: every update and import, with its outcome.
- ``digest_positions`` and ``digests``: what each digest name delivered.
- ``articles_fts``: full-text index over titles and abstracts, kept by triggers.
Schema changes are ordered, recorded migrations (``_migrations``), as in simonw/llm.

``from acutrack import store; store.open_db(...)`` keeps working: every public function is
re-exported here.
"""

from __future__ import annotations

from .articles import (
    NEWEST_ORDER,
    article_links,
    condition_names,
    count_articles,
    decode,
    flag_counts,
    get_article,
    link,
    linked_pmids,
    mark_shown,
    pending_pmids,
    query_articles,
    save_articles,
    stored_pmids,
    year_counts,
)
from .digests import (
    digest_history,
    digest_positions,
    digest_times_before,
    last_digest,
    last_update_run,
    links_between,
    links_of,
    load_articles,
    record_digest,
    top_link_id,
)
from .runs import (
    condition_stats,
    finish_run,
    get_position,
    set_position,
    start_run,
    status_rows,
)
from .schema import (
    BUSY_TIMEOUT,
    FINAL_STATUSES,
    JSON_COLUMNS,
    MIGRATIONS,
    QuickDB,
    StoreError,
    chunks,
    explain,
    migrate,
    migration,
    missing_database,
    now_iso,
    open_db,
    open_quick,
    unknown_migrations,
)
from .search import BadSearch, fts_query

__all__ = [
    "BUSY_TIMEOUT",
    "FINAL_STATUSES",
    "JSON_COLUMNS",
    "MIGRATIONS",
    "NEWEST_ORDER",
    "BadSearch",
    "QuickDB",
    "StoreError",
    "article_links",
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
    "get_article",
    "get_position",
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
    "pending_pmids",
    "query_articles",
    "record_digest",
    "save_articles",
    "set_position",
    "start_run",
    "status_rows",
    "stored_pmids",
    "top_link_id",
    "unknown_migrations",
    "year_counts",
]
