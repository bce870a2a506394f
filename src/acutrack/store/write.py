"""The write path of articles: a batch of records prepared, then stored in a few statements."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..article import PARSER_VERSION
from .articles import linked_pmids
from .schema import JSON_COLUMNS
from .transactions import atomic, chunks, marks, now_iso

if TYPE_CHECKING:
    from ..article import Article


# A batch is written with a few multi-row INSERTs: a new PMID is inserted with its
# stored_at; a known one has every field refreshed and keeps its first stored_at. Few
# statements matter because FTS5 writes its pending index to disk at every statement
# (row by row for executemany); sqlite-utils' upsert_all did INSERT OR IGNORE, UPDATE and
# a stored_at UPDATE, three index passes per new article.
# The derived columns (``evidence.DERIVED``) follow the article's own fields, then the parser
# version (article.PARSER_VERSION), then the stamps.
_STAMPS = ("updated_at", "stored_at")


@lru_cache(maxsize=1)
def _write_columns() -> tuple[str, ...]:
    from ..evidence import DERIVED

    return (*DERIVED, "parser_version", *_STAMPS)


@lru_cache(maxsize=8)
def _upsert_sql(rows: int) -> str:
    from ..article import ARTICLE_FIELDS

    columns = (*ARTICLE_FIELDS, *_write_columns())
    refreshed = [c for c in columns if c not in ("pmid", "stored_at")]
    one = "(" + ", ".join("?" * len(columns)) + ")"
    return (
        f"INSERT INTO articles ({', '.join(f'[{c}]' for c in columns)}) "
        f"VALUES {', '.join([one] * rows)} ON CONFLICT(pmid) DO UPDATE SET "
        + ", ".join(f"[{c}] = excluded.[{c}]" for c in refreshed)
        + ", stored_at = coalesce(articles.stored_at, excluded.stored_at)"
    )


def _write_rows(conn: sqlite3.Connection, rows: list[list[Any]]) -> None:
    # As many rows per statement as SQLite's limit on parameters allows (500 at most).
    per = max(1, min(500, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0])))
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        conn.execute(_upsert_sql(len(part)), [value for row in part for value in row])
        # A record written again is one PubMed returns (again): asked for like any other.
        # One statement per batch against a table that is almost always empty.
        conn.execute(
            f"DELETE FROM not_returned WHERE pmid IN ({marks(part)})", [row[0] for row in part]
        )


def _no_default(value: Any) -> Any:
    raise TypeError(f"{value.__class__.__name__} is not JSON serializable")


def _json_encoder() -> Any:
    """json.dumps(value, ensure_ascii=False) as one C encoder built once (the stdlib's own).

    ``JSONEncoder.encode`` builds a new C encoder for every list or dict it is given, and
    a record has a dozen of them: 0.1 s of every 5,000 records imported. The C encoder is
    the one ``encode`` uses, with the same separators, so the text is the same byte for
    byte; without the circular-reference check, which parsed records (no cycles) never
    need. Where the C accelerator is missing, the plain encoder."""
    from json import encoder

    # Not in the typeshed stubs: the C encoder (None without the accelerator).
    c_make_encoder = getattr(encoder, "c_make_encoder", None)
    encode_basestring = encoder.encode_basestring
    if c_make_encoder is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(ensure_ascii=False).encode
    chunks = c_make_encoder(
        None, _no_default, encode_basestring, None, ": ", ", ", False, False, True
    )
    return lambda value: "".join(chunks(value, 0))


_encode = _json_encoder()


def _to_json(value: Any) -> str:
    return _encode(value) if value else ("[]" if isinstance(value, list) else _encode(value))


@lru_cache(maxsize=1)
def _json_positions() -> tuple[int, ...]:
    from ..article import ARTICLE_FIELDS

    return tuple(i for i, c in enumerate(ARTICLE_FIELDS) if c in JSON_COLUMNS)


def _values(article: Article, stamp: str) -> list[Any]:
    from ..article import ARTICLE_FIELDS
    from ..evidence import derive

    values = [article.get(key) for key in ARTICLE_FIELDS]
    for i in _json_positions():
        values[i] = _to_json(values[i])
    # Once per record, with the rules compiled at import; lists and dicts stored as JSON.
    for value in derive(article).values():
        values.append(_to_json(value) if isinstance(value, list | dict) else value)
    values += (PARSER_VERSION, stamp, stamp)
    return values


def reparse_articles(
    db: sqlite3.Connection, articles: Iterable[Article], stamp: str | None = None
) -> int:
    """Store articles fetched and parsed again; returns how many differ from what was stored
    (their fields or derived values; the stamps and parser version aside)."""
    from ..article import ARTICLE_FIELDS
    from ..evidence import DERIVED

    rows = [_values(a, stamp or now_iso()) for a in articles]
    if not rows:
        return 0
    compared = (*ARTICLE_FIELDS, *DERIVED)
    json_at = [i for i, c in enumerate(compared) if c in JSON_COLUMNS]

    def comparable(values: Iterable[Any]) -> list[Any]:
        out = list(values)[: len(compared)]
        for i in json_at:  # JSON compared as values, not as its text
            if isinstance(out[i], str):
                out[i] = json.loads(out[i])
        return out

    before: dict[str, list[Any]] = {}
    pmids = [r[0] for r in rows]
    for chunk in chunks(pmids):
        for row in db.execute(
            f"SELECT {', '.join(f'[{c}]' for c in compared)} FROM articles "
            f"WHERE pmid IN ({marks(chunk)})",
            chunk,
        ):
            before[row[0]] = comparable(row)
    changed = sum(1 for r in rows if before.get(r[0]) != comparable(r))
    with atomic(db):
        _write_rows(db, rows)
    return changed


def save_articles(
    db: sqlite3.Connection,
    articles: Iterable[Article],
    condition: str | None = None,
    run_id: int | None = None,
    stamp: str | None = None,
) -> list[str]:
    """Store (or refresh) a batch of articles and link them to ``condition``.

    The batch's rows are prepared first (fields, JSON, evidence flags), then written with
    multi-row statements in one transaction (the caller's, when there is one). Returns the PMIDs
    newly linked to the condition (all stored ones without a condition).
    """
    stamp = stamp or now_iso()
    rows = [_values(a, stamp) for a in articles]
    if not rows:
        return []
    pmids = [r[0] for r in rows]
    with atomic(db):
        _write_rows(db, rows)
        if condition is None:
            return pmids
        return link(db, condition, pmids, run_id, stamp)


def link(
    db: sqlite3.Connection,
    condition: str,
    pmids: list[str],
    run_id: int | None,
    stamp: str | None = None,
) -> list[str]:
    """Link stored articles to a condition; returns the PMIDs that were not linked before."""
    if not pmids:
        return []
    stamp = stamp or now_iso()
    with atomic(db):
        known = linked_pmids(db, condition, pmids)
        fresh = [p for p in dict.fromkeys(pmids) if p not in known]
        for start in range(0, len(fresh), 500):  # one statement per 500 links
            part = fresh[start : start + 500]
            db.execute(
                "INSERT OR IGNORE INTO article_conditions (pmid, condition, first_seen, run_id) "
                "VALUES " + ", ".join(["(?, ?, ?, ?)"] * len(part)),
                [v for p in part for v in (p, condition, stamp, run_id)],
            )
    return fresh


class BatchWriter:
    """Stores batches on a second thread while the caller reads the next one (``import``).

    The caller prepares nothing: ``put`` turns a batch into rows (fields, JSON, evidence
    flags, all Python work) on the calling thread, and the writer thread runs the SQL,
    during which SQLite releases the GIL, so parsing and storing overlap. Every statement
    runs in the caller's open transaction; leaving the ``with`` block waits until every
    batch is written (or, after an error, until the writer has stopped), so the caller's
    commit or rollback covers all of them. At most two batches wait: memory stays flat.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        condition: str | None,
        run_id: int | None,
        stamp: str | None = None,
    ) -> None:
        import queue
        import threading

        self.db, self.condition, self.run_id = db, condition, run_id
        self.stamp = stamp or now_iso()
        self.new: list[str] = []
        self.error: BaseException | None = None
        self._queue: queue.Queue[list[list[Any]] | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="acutrack-writer", daemon=True)

    def __enter__(self) -> BatchWriter:
        self._thread.start()
        return self

    def put(self, articles: Iterable[Article]) -> None:
        if self.error is not None:
            raise self.error
        rows = [_values(a, self.stamp) for a in articles]
        if rows:
            self._queue.put(rows)

    def _run(self) -> None:
        while (rows := self._queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the caller raises at its next put or at the end
            try:
                _write_rows(self.db, rows)
                pmids = [r[0] for r in rows]
                if self.condition is None:
                    self.new += pmids
                else:
                    self.new += link(self.db, self.condition, pmids, self.run_id, self.stamp)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self.error = exc

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.error = self.error or RuntimeError("stopped")  # skip what still waits
        self._queue.put(None)
        self._thread.join()
        if exc_type is None and self.error is not None:
            raise self.error
