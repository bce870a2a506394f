"""The schema: the articles table's columns and the ordered, recorded migrations
(``_migrations``, as in simonw/llm), which only change the schema; the derived columns they
add are filled with the derived data (``derived``), never here."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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


# --- migrations ----------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _add_column(conn: sqlite3.Connection, column: str, kind: str) -> None:
    """Add a column to articles unless it is there (``save_articles`` adds a key it meets)."""
    if column not in {r[1] for r in conn.execute("PRAGMA table_info(articles)")}:
        conn.execute(f"ALTER TABLE articles ADD COLUMN [{column}] {kind}")


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
def m004_flags_v2_sample_size(db: Database) -> None:
    # Evidence flags v2 (issue 10): a column for the trial size. The values (and every other
    # derived column) are computed by the next writing command (store.derived), not here.
    _add_column(db.conn, "sample_size", "INTEGER")


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
def m008_evidence_tiers(db: Database) -> None:
    # The evidence hierarchy as plain columns (issue 17): each article's tier and its rank
    # in flags.TIERS, and the link table article_flags kept by triggers from the JSON flags
    # list (frozen SQL: it never tests a flag name). condition_years and article_overview are
    # generated from the registry with the derived data (store.derived), not here; what an
    # older acutrack built in their place (per-year triggers, the v1 view) goes.
    conn = db.conn
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%years%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP VIEW IF EXISTS article_overview")
    _add_column(conn, "evidence_tier", "TEXT")
    _add_column(conn, "evidence_rank", "INTEGER")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS article_flags (pmid TEXT NOT NULL, flag TEXT NOT NULL, "
        "PRIMARY KEY (pmid, flag)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_article_flags_flag ON article_flags (flag, pmid)")
    for name, when, body in (
        (
            "articles_flags_ai",
            "AFTER INSERT ON articles",
            "INSERT OR IGNORE INTO article_flags (pmid, flag) "
            "SELECT new.pmid, value FROM json_each(coalesce(new.flags, '[]'));",
        ),
        (
            "articles_flags_au",
            "AFTER UPDATE OF pmid, flags ON articles "
            "WHEN old.flags IS NOT new.flags OR old.pmid IS NOT new.pmid",
            "DELETE FROM article_flags WHERE pmid = old.pmid; "
            "INSERT OR IGNORE INTO article_flags (pmid, flag) "
            "SELECT new.pmid, value FROM json_each(coalesce(new.flags, '[]'));",
        ),
        (
            "articles_flags_ad",
            "AFTER DELETE ON articles",
            "DELETE FROM article_flags WHERE pmid = old.pmid;",
        ),
    ):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    conn.execute(
        "INSERT OR IGNORE INTO article_flags (pmid, flag) SELECT a.pmid, j.value "
        "FROM articles a, json_each(coalesce(a.flags, '[]')) j"
    )
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
def m010_conclusion(db: Database) -> None:
    # What each study concluded (issue 20): a text column, filled from the stored abstract
    # sections by the next writing command (store.derived), so no re-fetch is needed.
    _add_column(db.conn, "conclusion", "TEXT")


@migration
def m011_size_source(db: Database) -> None:
    # Trial size v3 (issue 21): the fragment of the abstract each size was read from (filled
    # with the derived data, store.derived).
    _add_column(db.conn, "sample_size_source", "TEXT")


@migration
def m012_provenance(db: Database) -> None:
    # How PubMed translated each saved query at its last successful search (esearch's
    # QueryTranslation), shown with "PubMed searched up to" in reports and digests (issue 18).
    if "translation" not in db["positions"].columns_dict:
        db.table("positions").add_column("translation", str)


@migration
def m014_overview_v2(db: Database) -> None:
    # article_overview v2 (issue 18) is generated from the registry with the derived data
    # (tiers.overview_sql, store.derived). Datasette opens the view sorted by entrez_date:
    # walking this index computes the view's per-row subqueries for one page of rows, not for
    # every article before sorting (on 100,000 articles the page took over Datasette's 1 s
    # limit without it, 2 ms with it).
    db.conn.execute("CREATE INDEX IF NOT EXISTS idx_articles_entrez_date ON articles (entrez_date)")


@migration
def m015_derived_version(db: Database) -> None:
    # The version of the derived data (acutrack.derivation) the stored rows were computed
    # with: a writing command that finds another one recomputes them (store.derived). An
    # older database has none, so its first writing command recomputes.
    db.conn.execute(
        "CREATE TABLE _derived (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL, "
        "computed_at TEXT NOT NULL)"
    )


@migration
def m016_not_returned(db: Database) -> None:
    # PMIDs an efetch by id no longer returned (NLM deleted or merged the record), when and in
    # which run (issue 28.6): `update --refresh` and the catch-up of not yet indexed records
    # stop asking for them, unless the record is written again later (which removes it here).
    db.table("not_returned").create(
        {"pmid": str, "since": str, "run_id": int}, pk="pmid", if_not_exists=True
    )


@migration
def m017_comparators(db: Database) -> None:
    # What each trial was compared against (issue 27): a JSON list column, filled with the
    # derived data (store.derived, derivation.RULES 3), its names also rows of
    # article_comparators, kept by triggers, for `show --comparator` (frozen SQL, as m008's
    # article_flags: it never tests a comparator's name).
    conn = db.conn
    _add_column(conn, "comparators", "TEXT")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS article_comparators (pmid TEXT NOT NULL, "
        "comparator TEXT NOT NULL, PRIMARY KEY (pmid, comparator)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_article_comparators_comparator "
        "ON article_comparators (comparator, pmid)"
    )
    fill = (
        "INSERT OR IGNORE INTO article_comparators (pmid, comparator) "
        "SELECT new.pmid, value FROM json_each(coalesce(new.comparators, '[]'));"
    )
    for name, when, body in (
        ("articles_comparators_ai", "AFTER INSERT ON articles", fill),
        (
            "articles_comparators_au",
            "AFTER UPDATE OF pmid, comparators ON articles "
            "WHEN old.comparators IS NOT new.comparators OR old.pmid IS NOT new.pmid",
            "DELETE FROM article_comparators WHERE pmid = old.pmid; " + fill,
        ),
        (
            "articles_comparators_ad",
            "AFTER DELETE ON articles",
            "DELETE FROM article_comparators WHERE pmid = old.pmid;",
        ),
    ):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    conn.execute("DELETE FROM article_comparators")
    conn.execute(
        "INSERT OR IGNORE INTO article_comparators (pmid, comparator) SELECT a.pmid, j.value "
        "FROM articles a, json_each(coalesce(a.comparators, '[]')) j"
    )


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
    """Apply the migrations not yet recorded, all in one ``BEGIN IMMEDIATE`` transaction that
    first reads what is still to do. That transaction is the upgrade's lock: SQLite's write
    lock, which any command may take (readers upgrade too) and a second one waits for (the
    busy timeout), then finds the work done. Never the writers' lock, which only writing
    commands hold. A crash leaves the schema as it was. Migrations only change the schema,
    with frozen SQL; the derived data follows with its version (``store.derived``)."""
    conn = db.conn
    with atomic(conn):
        if "_migrations" not in db.table_names():
            db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            fn(db)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, now_iso()]
            )
