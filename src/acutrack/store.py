"""The SQLite store: schema, migrations, writes and the queries every command reads.

Tables:
- ``articles``: one row per PMID, with the record's fields and its evidence flags;
  list fields are JSON.
- ``article_conditions``: which condition found which article, and when first; ``id``
  grows with every new link, so digests remember "up to id N".
- ``positions``: per condition, the query it ran and the Entrez-date window it completed.
- ``runs``: every update and import, with its outcome.
- ``articles_fts``: full-text index over titles and abstracts, kept by triggers.
Schema changes are ordered, recorded migrations (``_migrations``), as in simonw/llm.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError, WorkError

if TYPE_CHECKING:  # imported lazily: `show` and friends start without sqlite_utils (see open_quick)
    from sqlite_utils import Database

    from .records import Article

JSON_COLUMNS = (
    "abstract_sections",
    "authors",
    "authors_full",
    "mesh",
    "publication_types",
    "keywords",
    "language",
    "registry_numbers",
    "comments_corrections",
    "flags",
    "flag_reasons",
)
# MedlineCitation statuses after which NLM indexing is complete: nothing more to catch up.
FINAL_STATUSES = ("MEDLINE", "PubMed-not-MEDLINE", "OLDMEDLINE")
BUSY_TIMEOUT = 30.0


class StoreError(WorkError, RuntimeError):
    """The database cannot be opened or written (exit 1)."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --- migrations ----------------------------------------------------------------------------

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(db: Database) -> None:
    db["articles"].create(
        {
            "pmid": str,
            "title": str,
            "abstract": str,
            "abstract_sections": str,
            "journal": str,
            "journal_abbrev": str,
            "issn": str,
            "volume": str,
            "issue": str,
            "pages": str,
            "year": int,
            "pub_date": str,
            "authors": str,
            "authors_full": str,
            "doi": str,
            "pmcid": str,
            "mesh": str,
            "publication_types": str,
            "keywords": str,
            "status": str,
            "language": str,
            "registry_numbers": str,
            "comments_corrections": str,
            "entrez_date": str,
            "revised_date": str,
            "flags": str,
            "flag_reasons": str,
            "stored_at": str,
            "updated_at": str,
        },
        pk="pmid",
    )
    db["article_conditions"].create(
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
    db["article_conditions"].create_index(["pmid", "condition"], unique=True)
    db["article_conditions"].create_index(["condition", "first_seen"])
    db["positions"].create(
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
    db["runs"].create(
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
    db["articles"].enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")


@migration
def m002_digests(db: Database) -> None:
    # Per digest name and condition: the highest article_conditions.id already delivered.
    db["digest_positions"].create(
        {"name": str, "condition": str, "last_id": int, "updated_at": str, "digest_id": int},
        pk=("name", "condition"),
    )
    # Every delivered digest (kind 'digest'), re-send ('resend') and skipped backlog ('mark'):
    # which articles in which groups, where it went. Never a password or server login.
    db["digests"].create(
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
    db["digests"].create_index(["name", "kind", "id"])


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
    db["article_conditions"].create_index(
        ["condition", "shown_at", "pmid"],
        index_name="idx_article_conditions_shown",
        if_not_exists=True,
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


def migrate(db: Database) -> None:
    """Apply the migrations not yet recorded, each in its own transaction."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now_iso()})


def missing_database(path: Path) -> StoreError:
    return StoreError(
        f"There is no database at {path} yet; run 'acutrack update' (or 'acutrack import') "
        "to make one, or point --db / ACUTRACK_DB at an existing one"
    )


def explain(exc: BaseException, path: Path | str) -> StoreError | None:
    """One sentence for a database or file-system failure (disk full, read-only, damaged
    file, ...) naming the file and what to do; None when ``exc`` is none of these."""
    path = Path(path)
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorname", "") or ""
        text = str(exc)
        if code == "SQLITE_FULL" or "database or disk is full" in text:
            return StoreError(
                f"The disk holding the database {path} is full; free some space and run "
                "again (what was stored before is kept, and the next update asks again for "
                "the rest)"
            )
        if (
            code in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
            or "malformed" in text
            or ("not a database" in text)
        ):
            return StoreError(
                f"The database {path} is damaged ({text}); restore it from a backup, or move "
                "it aside and run 'acutrack update' to build a new one"
            )
        cannot_write = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        )
        if (
            code.startswith("SQLITE_READONLY")
            or "readonly database" in text
            or (cannot_write and (code.startswith("SQLITE_CANTOPEN") or "unable to open" in text))
        ):
            return StoreError(
                f"The database {path} is read-only; make the file and its folder writable, or "
                "use another database with --db"
            )
        if code.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
            return StoreError(
                f"Cannot open the database {path}; check that the file and its folder exist "
                "and are readable (and writable, for update)"
            )
        if code.startswith("SQLITE_IOERR") or "disk I/O error" in text:
            return StoreError(
                f"Reading or writing the database {path} failed (disk I/O error); check the "
                "disk (is it full or gone?) and run again"
            )
        return StoreError(f"The database {path} cannot be used ({text}); check the file")
    if isinstance(exc, OSError) and exc.errno is not None:
        import errno

        where = exc.filename or path
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(f"The disk holding {where} is full; free some space and run again")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreError(
                f"Cannot write {where} ({exc.strerror}); make that folder writable, or use "
                "another database with --db"
            )
    return None


def open_db(path: Path | str, *, create: bool = True) -> Database:
    """Open (and create or migrate) the database, ready for concurrent readers and writers.

    A database a newer acutrack wrote is refused before anything in it changes.
    """
    path = Path(path)
    if not create and not path.exists():
        raise missing_database(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder {path.parent} for the database ({exc.strerror}); "
            "create it or use another database with --db"
        ) from None
    conn = None
    try:
        from sqlite_utils import Database

        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
        _refuse_newer(conn, path)
        db = Database(conn, execute_plugins=False)
        # WAL lets show/status read while an update writes; the busy timeout makes a second
        # writer wait instead of failing.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db)
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}: {exc}")) from None
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    return db


# --- writes ------------------------------------------------------------------------------


def _row(article: Article, stamp: str) -> dict[str, Any]:
    from .evidence import compute_flags
    from .records import ARTICLE_FIELDS

    row = {key: article.get(key) for key in ARTICLE_FIELDS}
    reasons = compute_flags(article)
    row["flags"] = list(reasons)
    row["flag_reasons"] = reasons
    row["updated_at"] = stamp
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    return row


def save_articles(
    db: Database,
    articles: Iterable[Article],
    condition: str | None = None,
    run_id: int | None = None,
    stamp: str | None = None,
) -> list[str]:
    """Store (or refresh) articles and link them to ``condition``.

    Returns the PMIDs newly linked to the condition (all stored ones without a condition).
    Runs inside the caller's transaction when there is one.
    """
    stamp = stamp or now_iso()
    rows = [_row(a, stamp) for a in articles]
    if not rows:
        return []
    with db.atomic():
        db["articles"].upsert_all(rows, pk="pmid", alter=True)
        # stored_at is set once, on first store, and never overwritten by a refresh.
        db.execute(
            "UPDATE articles SET stored_at = ? WHERE stored_at IS NULL AND pmid IN "
            f"({','.join('?' * len(rows))})",
            [stamp, *[r["pmid"] for r in rows]],
        )
        if condition is None:
            return [r["pmid"] for r in rows]
        return link(db, condition, [r["pmid"] for r in rows], run_id, stamp)


def link(
    db: Database, condition: str, pmids: list[str], run_id: int | None, stamp: str | None = None
) -> list[str]:
    """Link stored articles to a condition; returns the PMIDs that were not linked before."""
    if not pmids:
        return []
    stamp = stamp or now_iso()
    with db.atomic():
        known = linked_pmids(db, condition, pmids)
        fresh = [p for p in dict.fromkeys(pmids) if p not in known]
        db["article_conditions"].insert_all(
            (
                {"pmid": p, "condition": condition, "first_seen": stamp, "run_id": run_id}
                for p in fresh
            ),
            ignore=True,
        )
    return fresh


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def linked_pmids(db: Database, condition: str, pmids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(pmids):
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT pmid FROM article_conditions WHERE condition = ? AND pmid IN "
                f"({','.join('?' * len(chunk))})",
                [condition, *chunk],
            )
        )
    return found


def stored_pmids(db: Database, pmids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(pmids):
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT pmid FROM articles WHERE pmid IN ({','.join('?' * len(chunk))})", chunk
            )
        )
    return found


def flag_counts(db: Database, pmids: list[str]) -> Counter[str]:
    """How many of these articles carry each flag."""
    counts: Counter[str] = Counter()
    for chunk in _chunks(pmids):
        for (flags,) in db.execute(
            f"SELECT flags FROM articles WHERE pmid IN ({','.join('?' * len(chunk))})", chunk
        ):
            counts.update(json.loads(flags or "[]"))
    return counts


def pending_pmids(db: Database, max_age_days: int = 730) -> list[str]:
    """Stored records NLM has not finished indexing, first stored within ``max_age_days``."""
    marks = ",".join("?" * len(FINAL_STATUSES))
    return [
        r[0]
        for r in db.execute(
            f"SELECT pmid FROM articles WHERE coalesce(status, '') NOT IN ({marks}) "
            "AND stored_at >= datetime('now', ?) ORDER BY pmid",
            [*FINAL_STATUSES, f"-{max_age_days} days"],
        )
    ]


# --- positions and runs ---------------------------------------------------------------------


def get_position(db: Database, condition: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM positions WHERE condition = ?", [condition]))
    return rows[0] if rows else None


def set_position(db: Database, position: dict[str, Any]) -> None:
    db["positions"].upsert(position, pk="condition", alter=True)


def start_run(db: Database, command: str) -> int:
    with db.atomic():
        table = db["runs"].insert(
            {"command": command, "started_at": now_iso(), "status": "running"}
        )
    return int(table.last_pk)


def finish_run(
    db: Database, run_id: int, status: str, summary: Any = None, error: str | None = None
) -> None:
    with db.atomic():
        db["runs"].update(
            run_id,
            {
                "finished_at": now_iso(),
                "status": status,
                "summary": json.dumps(summary) if summary is not None else None,
                "error": error,
            },
        )


# --- reads -------------------------------------------------------------------------------


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the public article object (contract fields first)."""
    for key in JSON_COLUMNS:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    conditions = row.pop("conditions_csv", None)
    if conditions is not None:
        row["conditions"] = sorted(set(conditions.split(","))) if conditions else []
    row["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"
    return row


def get_article(db: Database, pmid: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
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


# Newest first: when the article entered PubMed, then its year, then the highest PMID. The
# expressions match idx_articles_newest exactly, so SQLite can walk that index in order.
NEWEST_ORDER = "coalesce(a.entrez_date, '') DESC, a.year DESC, CAST(a.pmid AS INTEGER) DESC"


def _link_filters(
    condition: str | None, new_only: bool, since: str | None
) -> tuple[list[str], list[Any]]:
    """Predicates on the article's condition link ``l`` (joined to the article ``a``)."""
    where = ["l.pmid = a.pmid"]
    params: list[Any] = []
    if condition is not None:
        where.append("l.condition = ?")
        params.append(condition)
    if new_only:
        where.append("l.shown_at IS NULL")
    if since:
        # Entered PubMed on or after the date, or first stored here on or after it.
        where.append("(coalesce(a.entrez_date, '') >= ? OR l.first_seen >= ?)")
        params += [since, since]
    return where, params


def _flag_filter(flags: Iterable[str]) -> tuple[str, list[Any]]:
    """Any of ``flags``: ``flags`` is stored as a JSON list, so '"rct"' matches that flag only."""
    names = [json.dumps(f) for f in flags]
    return "(" + " OR ".join("instr(a.flags, ?) > 0" for _ in names) + ")", names


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
    db: Database, condition: str, new_only: bool, limit: int | None, filtered: bool
) -> bool:
    """True when walking idx_articles_newest beats sorting the condition's articles.

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
    db: Database,
    condition: str | None = None,
    *,
    flag: str | None = None,
    new_only: bool = False,
    since: str | None = None,
    limit: int | None = None,
    search: str | None = None,
    flags: Iterable[str] | None = None,
    order: str = "newest",
) -> list[dict[str, Any]]:
    """Articles for a condition (or all), newest first, with ``first_seen`` and ``new``.

    ``flag`` / ``flags``: only articles with that flag / any of those flags. ``search``: an
    FTS5 query over titles and abstracts (the caller escapes user text). ``order``:
    ``newest`` or, with ``search``, ``relevance`` (FTS5 bm25 rank). With a condition,
    ``first_seen`` and ``new`` are that condition's; without, the earliest and any.
    """
    wanted = [*([flag] if flag else []), *(flags or [])]
    if limit is not None and limit >= 2**62:
        limit = None  # more than SQLite can count, so more than there are: all of them
    link, link_params = _link_filters(condition, new_only, since)
    where = [f"EXISTS (SELECT 1 FROM article_conditions l WHERE {' AND '.join(link)})"]
    params: list[Any] = list(link_params)
    if wanted:
        sql, names = _flag_filter(wanted)
        where.append(sql)
        params += names
    derived, derived_params = _derived(condition)
    if search and order == "relevance":
        source = "articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        where.insert(0, "articles_fts MATCH ?")
        params.insert(0, search)
        order_by = "articles_fts.rank, " + NEWEST_ORDER
    else:
        source = "articles a"
        order_by = NEWEST_ORDER
        if search:
            where.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(search)
        elif condition is not None and not _walk_newest(
            db, condition, new_only, limit, bool(wanted or since)
        ):
            # Few articles for this condition: start from its links and sort them.
            source = "article_conditions l CROSS JOIN articles a ON a.pmid = l.pmid"
            where[0] = " AND ".join(link[1:])
    sql = f"SELECT a.*, {derived} FROM {source} WHERE {' AND '.join(where)} ORDER BY {order_by}"
    if limit:
        sql += " LIMIT ?"
    rows = []
    for row in db.query(sql, [*derived_params, *params, *([limit] if limit else [])]):
        row = decode(row)
        row["new"] = bool(row["new"])
        rows.append(row)
    return rows


def mark_shown(
    db: Database | QuickDB,
    pmids: list[str],
    condition: str | None = None,
    stamp: str | None = None,
) -> bool:
    """Mark articles as shown under ``condition``, or under every condition when it is None
    (a person read them in full or in a search). False when the database is read-only."""
    if getattr(db, "readonly", False):
        return False
    stamp = stamp or now_iso()
    scope, scope_params = ("AND condition = ? ", [condition]) if condition else ("", [])
    with db.atomic():
        for chunk in _chunks(pmids):
            db.execute(
                f"UPDATE article_conditions SET shown_at = ? WHERE shown_at IS NULL {scope}"
                f"AND pmid IN ({','.join('?' * len(chunk))})",
                [stamp, *scope_params, *chunk],
            )
    return True


class BadSearch(UsageError, ValueError):
    """Search text that holds nothing to search for (the CLI exits 2 with this sentence)."""


SEARCH_TOKEN_RE = re.compile(r'"([^"]*)"?|(\S+)')
SEARCH_COLUMN_RE = re.compile(r"^(title|abstract):(.+)$", re.I)


def _fts_term(raw: str, column: str | None = None) -> str | None:
    prefix = raw.endswith("*")
    raw = raw.rstrip("*").strip()
    if not re.search(r"\w", raw):
        return None
    term = '"' + raw.replace('"', '""') + '"' + ("*" if prefix else "")
    return f"{column} : {term}" if column else term


def fts_query(text: str) -> tuple[str, list[str]]:
    """User search text as an FTS5 query that cannot be a syntax error, and its words.

    Every word or "quoted phrase" must match (porter stemming: ``trial`` finds ``trials``);
    ``word*`` matches a prefix, ``A OR B`` either, ``-word`` excludes, ``title:word`` and
    ``abstract:word`` look in one field. Each term is quoted, so FTS5 operators and
    punctuation inside a term (``anti-GBM``, ``NEAR(``, ``^``) are plain text.
    """
    groups: list[list[str]] = []
    excluded: list[str] = []
    words: list[str] = []
    pending_or = False
    for m in SEARCH_TOKEN_RE.finditer(text):
        phrase, word = m.groups()
        if word in ("OR", "|"):
            pending_or = bool(groups)
            continue
        if word == "AND":
            continue
        negate = word is not None and word.startswith("-") and len(word) > 1
        raw = phrase if phrase is not None else word.removeprefix("-") if negate else word
        column = None
        if phrase is None and (col := SEARCH_COLUMN_RE.match(raw)):
            column, raw = col.group(1).lower(), col.group(2)
        term = _fts_term(raw, column)
        if term is None:
            continue
        if negate:
            excluded.append(term)
        else:
            words.append(raw.rstrip("*").strip())
            if pending_or:
                groups[-1].append(term)
            else:
                groups.append([term])
        pending_or = False
    if not groups:
        raise BadSearch(
            f"Nothing to search for in '{text.strip()}'; give at least one word, "
            'e.g. acutrack search "sham acupuncture"'
        )
    query = " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
    if excluded:
        query = (f"({query})" if len(groups) > 1 else query) + "".join(
            f" NOT {t}" for t in excluded
        )
    return query, words


def count_articles(
    db: Database,
    condition: str | None = None,
    *,
    flags: Iterable[str] | None = None,
    new_only: bool = False,
    since: str | None = None,
    search: str | None = None,
) -> int:
    """How many articles ``query_articles`` would list without a limit."""
    wanted = list(flags or [])
    if condition is not None and not (wanted or since or search):
        return db.execute(
            "SELECT count(*) FROM article_conditions WHERE condition = ?"
            + (" AND shown_at IS NULL" if new_only else ""),
            [condition],
        ).fetchone()[0]
    link, params = _link_filters(condition, new_only, since)
    where = [f"EXISTS (SELECT 1 FROM article_conditions l WHERE {' AND '.join(link)})"]
    if wanted:
        sql, names = _flag_filter(wanted)
        where.append(sql)
        params += names
    if search:
        where.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(search)
    return db.execute(
        f"SELECT count(*) FROM articles a WHERE {' AND '.join(where)}", params
    ).fetchone()[0]


def condition_names(db: Database) -> list[str]:
    """Every condition that has stored articles (imported ones need not be in queries.toml)."""
    return [
        r[0] for r in db.execute("SELECT DISTINCT condition FROM article_conditions ORDER BY 1")
    ]


def article_links(db: Database, pmid: str) -> list[dict[str, Any]]:
    """The conditions an article is stored under, with when it was first seen and shown."""
    return list(
        db.query(
            "SELECT condition, first_seen, shown_at FROM article_conditions WHERE pmid = ? "
            "ORDER BY first_seen, condition",
            [pmid],
        )
    )


def year_counts(db: Database, condition: str | None = None) -> list[dict[str, Any]]:
    """Per publication year (None last): all articles, RCTs, meta-analyses, systematic
    reviews, and meta-analyses or systematic reviews counted once."""
    link = "EXISTS (SELECT 1 FROM article_conditions l WHERE l.pmid = a.pmid" + (
        " AND l.condition = ?)" if condition is not None else ")"
    )
    return list(
        db.query(
            f"""
            SELECT a.year AS year, count(*) AS articles,
              sum(instr(a.flags, '"rct"') > 0) AS rct,
              sum(instr(a.flags, '"meta-analysis"') > 0) AS meta_analysis,
              sum(instr(a.flags, '"systematic-review"') > 0) AS systematic_review,
              sum(instr(a.flags, '"meta-analysis"') > 0
                OR instr(a.flags, '"systematic-review"') > 0) AS ma_sr
            FROM articles a WHERE {link}
            GROUP BY a.year ORDER BY a.year IS NULL, a.year
            """,
            [condition] if condition is not None else [],
        )
    )


class QuickDB:
    """A plain sqlite3 connection offering the few ``sqlite_utils.Database`` methods the read
    functions here use (``execute``, ``query``, ``atomic``, ``close``), so ``show``,
    ``article``, ``search`` and ``stats`` start without importing sqlite_utils."""

    def __init__(self, conn: sqlite3.Connection, readonly: bool = False) -> None:
        self.conn = conn
        self.readonly = readonly

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, list(params))

    def query(self, sql: str, params: Iterable[Any] = ()) -> Iterable[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        keys = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(keys, values, strict=True))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.conn:
            yield

    def close(self) -> None:
        self.conn.close()


def _connect_read(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A connection for reading, and whether it may write. A file (or folder) that cannot
    be written is opened read-only: ``mode=ro``, or ``immutable=1`` when not even the WAL
    index beside it can be made (a read-only folder or medium, where no one writes)."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if writable:
            return conn, True
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") not in (
            "SQLITE_CANTOPEN",
            "SQLITE_READONLY_DIRECTORY",
        ):
            conn.close()
            raise
    conn.close()
    from urllib.parse import quote

    uri = "file:" + quote(str(path.absolute()))
    for options in ("?mode=ro", "?mode=ro&immutable=1"):
        wal = Path(f"{path}-wal")
        if options.endswith("immutable=1") and wal.exists() and wal.stat().st_size:
            # immutable would ignore the write-ahead log, i.e. the latest stored records.
            raise StoreError(
                f"The database {path} has changes in {wal} that cannot be read while its "
                "folder is read-only; make the folder writable once (any command then "
                "completes the file)"
            )
        conn = sqlite3.connect(uri + options, uri=True, timeout=BUSY_TIMEOUT)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn, False
        except sqlite3.OperationalError:
            conn.close()
            if options.endswith("immutable=1"):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def open_quick(path: Path | str, *, create: bool = False) -> Database | QuickDB:
    """Open for reading and marking as shown, fast: a ``QuickDB`` when every migration is
    recorded, otherwise ``open_db`` (which creates or migrates the database first).

    A missing database is a StoreError (nothing is created) unless ``create``; a database
    that cannot be written is opened read-only (``QuickDB.readonly``); one a newer acutrack
    wrote is refused untouched.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise missing_database(path)
        return open_db(path, create=True)
    conn = None
    try:
        conn, writable = _connect_read(path)
        _refuse_newer(conn, path)
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")} if has_table else set()
        if all(name in done for name, _ in MIGRATIONS):
            if writable:
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
            return QuickDB(conn, readonly=not writable)
        if not writable:
            raise StoreError(
                f"The database {path} needs an upgrade to this acutrack's schema, and it is "
                "read-only; make it writable once (any command then upgrades it)"
            )
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise (explain(exc, path) or StoreError(f"Cannot use the database {path}")) from None
    conn.close()
    return open_db(path, create=create)


def condition_stats(db: Database) -> dict[str, dict[str, Any]]:
    """Per condition: stored and new (never shown) counts, and the last successful update."""
    stats: dict[str, dict[str, Any]] = {}
    for row in db.query(
        "SELECT condition, count(*) AS stored, sum(shown_at IS NULL) AS new, "
        "max(first_seen) AS last_new FROM article_conditions GROUP BY condition"
    ):
        stats[row["condition"]] = {
            "stored": row["stored"],
            "new": row["new"] or 0,
            "last_new": row["last_new"],
            "last_success": None,
            "query_hash": None,
        }
    for row in db.query("SELECT condition, last_success, query_hash FROM positions"):
        entry = stats.setdefault(row["condition"], {"stored": 0, "new": 0, "last_new": None})
        entry["last_success"] = row["last_success"]
        entry["query_hash"] = row["query_hash"]
    return stats
