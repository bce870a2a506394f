"""The schema: the articles table's columns, the ordered, recorded migrations (``_migrations``,
as in simonw/llm) and ``rederive``, which recomputes every stored row's derived columns."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..article import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS
from .failures import StoreError, not_acutrack
from .transactions import atomic, now_iso

if TYPE_CHECKING:  # imported lazily: `show` and friends start without sqlite_utils (see open_quick)
    from sqlite_utils import Database

# The articles table: one column per Article key (lists as JSON text), then what the store
# adds: the evidence flags (JSON) and when the row was first stored and last refreshed.
ARTICLE_COLUMNS: dict[str, type] = {
    **{key: int if key in INT_FIELDS else str for key in ARTICLE_FIELDS},
    "flags": str,
    "flag_reasons": str,
    "stored_at": str,
    "updated_at": str,
}
JSON_COLUMNS = (*LIST_FIELDS, "flags", "flag_reasons", "comparators")
# MedlineCitation statuses after which NLM indexing is complete: nothing more to catch up.
FINAL_STATUSES = ("MEDLINE", "PubMed-not-MEDLINE", "OLDMEDLINE")


def rederive(db: Database) -> int:
    """Recompute every stored article's derived columns (``evidence.derive``) from its stored
    fields, so an old database shows what a fresh import would, without a re-fetch. Only the
    columns that exist yet are written (a migration adding one calls this after adding it).
    Returns how many rows changed (0 when ``migrate`` defers it to a later migration)."""
    from ..evidence import DERIVED, DERIVED_FROM, derive

    if _defer_rederive:
        return 0

    present = db["articles"].columns_dict
    columns = [c for c in DERIVED if c in present]
    if not columns:
        return 0
    listed = [c for c in DERIVED_FROM if c in present]
    sql = (
        f"UPDATE articles SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE pmid = ? AND "
        f"({' OR '.join(f'[{c}] IS NOT ?' for c in columns)})"
    )
    # A page of rows at a time, by rowid: memory stays flat and no cursor reads a table that
    # is being updated under it.
    select = (
        f"SELECT rowid, pmid, {', '.join(f'[{c}]' for c in listed)} FROM articles "
        "WHERE rowid > ? ORDER BY rowid LIMIT 1000"
    )
    changed, last = 0, -1
    while page := db.conn.execute(select, [last]).fetchall():
        last = page[-1][0]
        updates: list[list[Any]] = []
        for row in page:
            article: dict[str, Any] = dict(zip(("pmid", *listed), row[1:], strict=True))
            for key in listed:
                if key in JSON_COLUMNS:
                    article[key] = json.loads(article[key] or "[]")
            derived = derive(article)
            values = [
                json.dumps(derived[c], ensure_ascii=False)
                if isinstance(derived[c], list | dict)
                else derived[c]
                for c in columns
            ]
            updates.append([*values, article["pmid"], *values])
        changed += db.conn.executemany(sql, updates).rowcount
    from .tiers import build_evidence

    build_evidence(db)  # the counts and the view, generated from today's registry
    return changed


# --- migrations ----------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []
# Migrations that end by recomputing every stored row (``rederive``). When several are pending,
# only the last of them recomputes (it writes every derived column there is by then), so an
# upgrade over many versions reads a large database once, not once per version. A crash in
# between leaves that last one unrecorded, so the next open still recomputes.
REDERIVING: set[str] = set()
_defer_rederive = False


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def rederiving(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Mark a migration that calls ``rederive`` (see ``REDERIVING``)."""
    REDERIVING.add(fn.__name__)
    return fn


@migration
def m001_initial(db: Database) -> None:
    # The columns come from article.Article. A key added there later reaches a new database
    # here and an existing one through save_articles (upsert with alter=True).
    db.table("articles").create(
        ARTICLE_COLUMNS,
        pk="pmid",
    )
    db.table("article_conditions").create(
        {
            "id": int,
            "pmid": str,
            "condition": str,
            "first_seen": str,
            "run_id": int,
            "shown_at": str,
        },
        pk="id",
        foreign_keys=[("pmid", "articles", "pmid")],
    )
    db.table("article_conditions").create_index(["pmid", "condition"], unique=True)
    db.table("article_conditions").create_index(["condition", "first_seen"])
    db.table("positions").create(
        {
            "condition": str,
            "query_hash": str,
            "query": str,
            "window_start": str,
            "window_end": str,
            "last_success": str,
            "last_run_id": int,
            "last_found": int,
        },
        pk="condition",
    )
    db.table("runs").create(
        {
            "id": int,
            "command": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "error": str,
            "summary": str,
        },
        pk="id",
    )
    db.table("articles").enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")


@migration
def m002_digests(db: Database) -> None:
    # Per digest name and condition: the highest article_conditions.id already delivered.
    db.table("digest_positions").create(
        {"name": str, "condition": str, "last_id": int, "updated_at": str, "digest_id": int},
        pk=("name", "condition"),
    )
    # Every delivered digest (kind 'digest'), re-send ('resend') and skipped backlog ('mark'):
    # which articles in which groups, where it went. Never a password or server login.
    db.table("digests").create(
        {
            "id": int,
            "name": str,
            "kind": str,
            "created_at": str,
            "conditions": str,
            "ranges": str,
            "groups": str,
            "articles": int,
            "format": str,
            "output": str,
            "recipients": str,
            "to_stdout": int,
            "resend_of": int,
        },
        pk="id",
    )
    db.table("digests").create_index(["name", "kind", "id"])


@migration
def m003_show_indexes(db: Database) -> None:
    # `show` lists newest first: walking this index (its expressions are exactly
    # NEWEST_ORDER) stops after --limit rows instead of sorting every article of a
    # condition; pmid and flags make the walk's condition and --type tests index-only.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_newest ON articles ("
        "coalesce(entrez_date, '') DESC, year DESC, CAST(pmid AS INTEGER) DESC, pmid, flags)"
    )
    # New (never shown) articles per condition: `show --new`, the NEW counts of `status`.
    db.table("article_conditions").create_index(
        ["condition", "shown_at", "pmid"],
        index_name="idx_article_conditions_shown",
        if_not_exists=True,
    )


@migration
@rederiving
def m004_flags_v2_sample_size(db: Database) -> None:
    # Evidence flags v2 (issue 10): a new column for the trial size, and every stored row's
    # flags, reasons and size recomputed with the v2 rules from what is stored, so an old
    # database shows the same as a fresh import (no re-fetch needed).
    if "sample_size" not in db["articles"].columns_dict:
        db.table("articles").add_column("sample_size", int)
    rederive(db)


@migration
def m005_fts_update_trigger(db: Database) -> None:
    # Re-index an article's text only when its title or abstract changed: a refresh of
    # flags, MeSH or status (most re-fetches) no longer rewrites its full-text entry.
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, abstract ON articles "
        "WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN "
        "INSERT INTO articles_fts (articles_fts, rowid, title, abstract) "
        "VALUES ('delete', old.rowid, old.title, old.abstract); "
        "INSERT INTO articles_fts (rowid, title, abstract) "
        "VALUES (new.rowid, new.title, new.abstract); END"
    )


@migration
def m006_condition_years(db: Database) -> None:
    # Superseded: this built per-year counts with SQL that tested flag names in the JSON text.
    # m008_evidence_tiers builds condition_years from the stored tier columns (and drops what
    # an older acutrack built here), so a new database gets it there.
    pass


@migration
def m007_article_overview(db: Database) -> None:
    # Superseded likewise: m008_evidence_tiers creates the article_overview view (for
    # Datasette and any SQL reader) from the tier columns.
    pass


@migration
@rederiving
def m008_evidence_tiers(db: Database) -> None:
    # The evidence hierarchy as plain columns (issue 17): each article's tier and its rank
    # in flags.TIERS, the link table article_flags, and condition_years and article_overview
    # rebuilt from them (rederive rebuilds both, see tiers.build_evidence). The old per-year
    # triggers go first, so recomputing every row does not run them.
    from .tiers import build_flag_links

    conn = db.conn
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%years%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP VIEW IF EXISTS article_overview")
    present = db["articles"].columns_dict
    if "evidence_tier" not in present:
        db.table("articles").add_column("evidence_tier", str)
    if "evidence_rank" not in present:
        db.table("articles").add_column("evidence_rank", int)
    build_flag_links(conn)
    rederive(db)
    # `show --type` lists in the evidence order: walking this index (its expressions are
    # exactly tiers.EVIDENCE_ORDER) stops after --limit rows, as idx_articles_newest does for
    # newest first; pmid and flags make the walk's tests index-only.
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_evidence ON articles (evidence_rank, "
        "sample_size IS NULL, sample_size DESC, coalesce(entrez_date, '') DESC, year DESC, "
        "CAST(pmid AS INTEGER) DESC, pmid)"
    )


@migration
def m009_parser_version(db: Database) -> None:
    # Which parser read each stored article (records.PARSER_VERSION; NULL: stored before
    # versions were recorded). `update --refresh` fetches and parses again the older ones.
    db.table("articles").add_column("parser_version", int)


@migration
@rederiving
def m010_conclusion(db: Database) -> None:
    # What each study concluded (issue 20): a text column, filled for every stored row from
    # its stored abstract sections, so an old database shows it without a re-fetch.
    if "conclusion" not in db["articles"].columns_dict:
        db.table("articles").add_column("conclusion", str)
    rederive(db)


@migration
@rederiving
def m011_size_source(db: Database) -> None:
    # Trial size v3 (issue 21): the fragment of the abstract each size was read from, and
    # every stored size recomputed with the v3 rules from what is stored (no re-fetch).
    if "sample_size_source" not in db["articles"].columns_dict:
        db.table("articles").add_column("sample_size_source", str)
    rederive(db)


@migration
def m012_provenance(db: Database) -> None:
    # How PubMed translated each saved query at its last successful search (esearch's
    # QueryTranslation), shown with "PubMed searched up to" in reports and digests (issue 18).
    if "translation" not in db["positions"].columns_dict:
        db.table("positions").add_column("translation", str)


@migration
def m014_overview_v2(db: Database) -> None:
    # article_overview v2 (issue 18): PubMed link beside the PMID, badges as text, the columns
    # a reader scans first at the left, and `published_since` (a facet in year order).
    # Recreated from the registry-derived SQL (tiers.overview_sql), as rederive does.
    from .tiers import build_overview

    build_overview(db.conn)  # m008 added the tier columns it reads
    # Datasette opens the view sorted by entrez_date: walking this index computes the view's
    # per-row subqueries for one page of rows, not for every article before sorting (on
    # 100,000 articles the page took over Datasette's 1 s limit without it, 2 ms with it).
    db.conn.execute("CREATE INDEX IF NOT EXISTS idx_articles_entrez_date ON articles (entrez_date)")


@migration
@rederiving
def m015_comparators(db: Database) -> None:
    # What each trial was compared against (issue 27): a JSON list column, its names also rows
    # of article_comparators (kept by triggers, for `show --comparator`), filled for every
    # stored row from what is stored.
    from .tiers import COMPARATOR_LINKS, build_links

    if "comparators" not in db["articles"].columns_dict:
        db.table("articles").add_column("comparators", str)
    build_links(db.conn, *COMPARATOR_LINKS)
    rederive(db)


def unknown_migrations(conn: sqlite3.Connection) -> list[str]:
    """Migrations recorded in the database that this version does not know (a newer
    acutrack wrote it); empty for a new database or one this version can use."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not has_table:
        return []
    known = {name for name, _ in MIGRATIONS}
    return sorted(r[0] for r in conn.execute("SELECT name FROM _migrations") if r[0] not in known)


def _refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    unknown = unknown_migrations(conn)
    if unknown:
        raise StoreError(
            f"The database {path} was written by a newer acutrack (it has the schema change "
            f"'{unknown[0]}' this version does not know), so it was left untouched; upgrade "
            "acutrack (pip install --upgrade acutrack) or use another database with --db"
        )


def pending_migrations(conn: sqlite3.Connection, path: Path) -> list[str]:
    """The migrations this database still needs (all of them for an empty one), read without
    writing; a database a newer acutrack wrote, or another program's, is refused."""
    _refuse_newer(conn, path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "_migrations" not in tables:
        if tables:  # _migrations comes first, in the transaction of m001 (see migrate)
            raise not_acutrack(path, "it is a SQLite database of another program")
        return [name for name, _ in MIGRATIONS]
    done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: Database) -> None:
    """Apply the migrations not yet recorded, each in its own ``BEGIN IMMEDIATE`` transaction
    that first checks it is still to do: the caller holds the writers' lock (``open_db``),
    and a command that waited for it finds the other's migrations done and goes on."""
    global _defer_rederive
    conn = db.conn
    done: set[str] = set()
    if "_migrations" in db.table_names():
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    pending = [name for name, _ in MIGRATIONS if name not in done]
    last_rederiving = next((n for n in reversed(pending) if n in REDERIVING), None)
    for name, fn in MIGRATIONS:
        with atomic(conn):
            if "_migrations" not in db.table_names():
                db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                continue
            _defer_rederive = name in REDERIVING and name != last_rederiving
            try:
                fn(db)
            finally:
                _defer_rederive = False
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, now_iso()]
            )
