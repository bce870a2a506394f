"""``acutrack update`` and ``acutrack import``: records from NCBI or from files into the store.

The rule everything here keeps: a stored position moves only after the records it covers
are stored. Each batch of fetched records is committed as it arrives (memory stays flat
and a crash keeps what was fetched); the condition's position then advances in one
transaction with its last links. Any NCBI error, cut-off body or crash before that leaves
the position where it was, so the next run asks for the same window again.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from .. import store
from ..article import plural
from ..config import Condition
from ..flags import NOUNS, RANKED
from . import entrez
from .records import Article, NotPubMedData, iter_file

# Records can enter PubMed late on the day a run ends; re-asking a few days back costs
# a slightly larger esearch and catches them. The same esearch also asks the window by
# modification date (MDAT), for older records that only now match the query.
OVERLAP_DAYS = 3
EARLIEST = date(1780, 1, 1)
IMPORT_BATCH = 500


class Progress(Protocol):
    """Called as start(label, None) before a search, start(label, n) once n is known."""

    def start(self, label: str, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


class _NoProgress:
    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class ConditionResult:
    name: str
    new: int = 0
    new_flags: Counter[str] = field(default_factory=Counter)
    found: int = 0
    fetched: int = 0
    stored: int = 0
    unavailable: list[str] = field(default_factory=list)
    error: str | None = None
    tried: bool = True
    restarted: bool = False
    fetched_ids: set[str] = field(default_factory=set, repr=False)
    # PMIDs newly linked to the condition so far: each stored batch adds its own, so a run
    # that fails later still knows (and says) what it stored before the failure.
    new_ids: list[str] = field(default_factory=list, repr=False)

    def counts(self) -> str:
        """The counts of a summary line: "3 new (1 RCT), 120 stored"."""
        # The registry's nouns, never a badge with an s ("2 RCT?s", "2 MAs").
        flags = [plural(self.new_flags[f], *NOUNS[f]) for f in RANKED if self.new_flags[f]]
        extra = f" ({', '.join(flags)})" if flags else ""
        return f"{self.new:,} new{extra}, {self.stored:,} stored"

    def line(self) -> str:
        """The one summary line printed in pipes and cron."""
        if self.error and not self.tried:
            return f"{self.name}: not tried: {self.error}"
        if self.error and self.new:
            # Issue 28.5: stored batches stay stored and linked, so the next run will not
            # count them as new; this run says so itself.
            return f"{self.name}: failed after storing {self.counts()}: {self.error}"
        if self.error:
            return f"{self.name}: failed: {self.error}"
        return f"{self.name}: {self.counts()}"

    def tally(self, db: sqlite3.Connection) -> None:
        """Count what this run stored for the condition (also after a failure)."""
        new = sorted(set(self.new_ids))
        self.new = len(new)
        self.new_flags = store.flag_counts(db, new)
        self.stored = store.count_articles(db, self.name)


@dataclass
class UpdateResult:
    run_id: int
    conditions: list[ConditionResult]
    refreshed: int = 0
    refresh_error: str | None = None
    # --refresh: articles an older parser stored, fetched and parsed again; how many changed
    reparsed: int | None = None
    reparse_changed: int = 0
    reparse_error: str | None = None
    # PMIDs PubMed no longer returned when asked by id (re-parse, catch-up): recorded once,
    # not asked again (issue 28.6)
    reparse_missing: list[str] = field(default_factory=list)
    refresh_missing: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.refresh_error or self.reparse_error) or any(
            c.error for c in self.conditions
        )


def _fetch_all(
    client: entrez.EntrezClient, ids: list[str], store_batch: Callable[[list[Article]], None]
) -> list[str]:
    """Fetch ids in batches, handing each to ``store_batch``; returns the PMIDs NCBI never
    returned. Those are asked again once: NCBI sometimes drops a record from a large batch."""
    returned: set[str] = set()

    def stored(batch: list[Article]) -> None:
        store_batch(batch)
        returned.update(a["pmid"] for a in batch)

    for batch in client.fetch_batches(ids):
        stored(batch)
    missing = [i for i in ids if i not in returned]
    if missing:
        stored(client.fetch(missing))
    return [i for i in missing if i not in returned]


def _fetch_and_store(
    db: sqlite3.Connection,
    client: entrez.EntrezClient,
    ids: list[str],
    result: ConditionResult,
    run_id: int,
    stamp: str,
    progress: Progress,
) -> list[str]:
    """Fetch ids in batches and store each under the condition, recording in ``result`` the
    PMIDs NCBI answered with and those newly linked; returns the PMIDs never returned."""

    def store_batch(batch: list[Article]) -> None:
        result.new_ids.extend(store.save_articles(db, batch, result.name, run_id, stamp))
        result.fetched_ids.update(a["pmid"] for a in batch)
        progress.advance(len(batch))

    return _fetch_all(client, ids, store_batch)


def update_condition(
    db: sqlite3.Connection,
    client: entrez.EntrezClient,
    cond: Condition,
    run_id: int,
    *,
    full: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    result: ConditionResult | None = None,
) -> ConditionResult:
    """Search and store one condition; its position moves last. ``result`` (filled as the
    work goes) keeps what was stored when an error ends the work part-way."""
    progress = progress or _NoProgress()
    today = today or datetime.now(UTC).date()
    stamp = store.now_iso()
    result = result or ConditionResult(cond.name)
    position = store.get_position(db, cond.name)
    result.restarted = bool(position and position["query_hash"] != cond.query_hash)
    if full or position is None or result.restarted or not position.get("window_end"):
        mindate = EARLIEST
    else:
        mindate = date.fromisoformat(position["window_end"]) - timedelta(days=OVERLAP_DAYS)
    progress.start(cond.name, None)
    # One esearch: records added to PubMed in the window (create date), or, for a routine
    # run, modified in it: records added earlier that only now match (NLM adds MeSH weeks
    # later, an abstract arrives late) were modified when they changed.
    fields = (entrez.CREATED,) if mindate == EARLIEST else (entrez.CREATED, entrez.MODIFIED)
    found = client.search_ids(cond.full_query, mindate, today, fields)
    translation, ids = found.translation, list(dict.fromkeys(found))
    result.found = len(ids)
    relink: list[str] = []
    if full:
        to_fetch = ids
    else:
        stored = store.stored_pmids(db, ids)
        to_fetch = [i for i in ids if i not in stored]
        # Stored already (another condition found them) but new for this condition: not
        # fetched, yet counted as new. The bar counts them too, so it ends where the summary
        # does (it once showed 221/221 beside "228 new").
        linked = store.linked_pmids(db, cond.name, [i for i in ids if i in stored])
        relink = [i for i in ids if i in stored and i not in linked]
    result.fetched = len(to_fetch)
    progress.start(cond.name, len(to_fetch) + len(relink))
    result.unavailable = _fetch_and_store(db, client, to_fetch, result, run_id, stamp, progress)
    with store.atomic(db):
        unavailable = set(result.unavailable)
        available = [i for i in ids if i not in unavailable]
        linked_now = store.link(db, cond.name, available, run_id, stamp)
        progress.advance(len(relink))
        store.set_position(
            db,
            {
                "condition": cond.name,
                "query_hash": cond.query_hash,
                "query": cond.full_query,
                "window_start": mindate.isoformat(),
                "window_end": today.isoformat(),
                "last_success": stamp,
                "last_run_id": run_id,
                "last_found": len(ids),
                # how PubMed read the query this time (provenance in reports and digests)
                "translation": translation or (position or {}).get("translation"),
            },
        )
    result.new_ids += linked_now  # after the commit: a rolled-back link was never stored
    progress.finish()
    result.tally(db)
    return result


def refresh_pending(
    db: sqlite3.Connection,
    client: entrez.EntrezClient,
    skip: set[str],
    progress: Progress | None = None,
    run_id: int | None = None,
) -> tuple[int, list[str]]:
    """Re-fetch records NLM has not finished indexing, so their types and MeSH catch up;
    returns (asked, PMIDs PubMed no longer returns: recorded, and not asked again)."""
    progress = progress or _NoProgress()
    ids = [p for p in store.pending_pmids(db) if p not in skip]
    if not ids:
        return 0, []
    progress.start("not yet indexed", len(ids))
    stamp = store.now_iso()

    def store_batch(batch: list[Article]) -> None:
        store.save_articles(db, batch, None, None, stamp)
        progress.advance(len(batch))

    gone = _fetch_all(client, ids, store_batch)
    if gone:
        store.record_not_returned(db, gone, run_id, stamp)
    progress.finish()
    return len(ids), gone


def reparse_older(
    db: sqlite3.Connection,
    client: entrez.EntrezClient,
    progress: Progress | None = None,
    run_id: int | None = None,
) -> tuple[int, int, list[str]]:
    """Fetch and parse again, in efetch batches, every stored article an older parser read
    (raw XML is not stored, so re-parsing means re-fetching); returns (re-parsed, changed,
    PMIDs PubMed no longer returns). Those keep their stored record and old version, and
    are recorded (``store.record_not_returned``) so later runs stop asking for them."""
    from .records import PARSER_VERSION

    progress = progress or _NoProgress()
    ids = store.older_parser_pmids(db, PARSER_VERSION)
    if not ids:
        return 0, 0, []
    progress.start("older parser", len(ids))
    stamp = store.now_iso()
    counts = {"reparsed": 0, "changed": 0}

    def store_batch(batch: list[Article]) -> None:
        counts["changed"] += store.reparse_articles(db, batch, stamp)
        counts["reparsed"] += len(batch)
        progress.advance(len(batch))

    gone = _fetch_all(client, ids, store_batch)
    if gone:
        store.record_not_returned(db, gone, run_id, stamp)
    progress.finish()
    return counts["reparsed"], counts["changed"], gone


def update(
    db: sqlite3.Connection,
    client: entrez.EntrezClient,
    conditions: Sequence[Condition],
    *,
    full: bool = False,
    refresh: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> UpdateResult:
    """Run each condition's query; a failing condition does not stop the others.

    ``today`` (default: the UTC date now) is the last Entrez date asked for; ``refresh``
    also fetches again what an older parser stored (``reparse_older``)."""
    run_id = store.start_run(db, "update " + " ".join(c.name for c in conditions))
    outcome = UpdateResult(run_id=run_id, conditions=[])
    fetched: set[str] = set()
    down: str | None = None  # the condition NCBI gave no answer at all for
    try:
        for cond in conditions:
            if down is not None:  # no answer at all for the last one: do not wait again
                outcome.conditions.append(
                    ConditionResult(
                        cond.name,
                        error=f"NCBI did not answer for {down}, so this query was not asked; "
                        "the next run asks it",
                        tried=False,
                    )
                )
                continue
            result = ConditionResult(cond.name)
            try:
                update_condition(
                    db, client, cond, run_id, full=full, today=today, progress=progress,
                    result=result,
                )  # fmt: skip
            except entrez.OfflineError:
                raise  # no network from the start: one sentence for the whole command
            except entrez.EntrezError as exc:
                if progress:
                    progress.finish()
                result.error = str(exc)
                result.tally(db)  # what the batches before the failure stored stays stored
                down = cond.name if exc.unreachable else None
            outcome.conditions.append(result)
        for result in outcome.conditions:
            fetched |= result.fetched_ids
        try:
            if down is None:
                outcome.refreshed, outcome.refresh_missing = refresh_pending(
                    db, client, fetched, progress, run_id
                )
        except entrez.EntrezError as exc:
            outcome.refresh_error = str(exc)
        if refresh and down is None:
            outcome.reparsed = 0
            try:
                outcome.reparsed, outcome.reparse_changed, outcome.reparse_missing = reparse_older(
                    db, client, progress, run_id
                )
            except entrez.EntrezError as exc:
                outcome.reparse_error = str(exc)
    except entrez.OfflineError as exc:
        failed = {c.name: {"new": 0, "found": 0, "error": str(exc)} for c in conditions}
        store.finish_run(db, run_id, "failed", summary=failed, error=str(exc))
        raise
    except BaseException as exc:
        if not store.is_damage(exc):  # a file seen damaged is written no more (issue 28)
            store.finish_run(db, run_id, "failed", error=f"interrupted: {exc.__class__.__name__}")
        raise
    store.finish_run(
        db,
        run_id,
        "failed" if outcome.failed else "ok",
        summary={
            c.name: {"new": c.new, "found": c.found, "error": c.error} for c in outcome.conditions
        },
        error="; ".join(
            [c.line() for c in outcome.conditions if c.error]
            + ([outcome.refresh_error] if outcome.refresh_error else [])
            + ([outcome.reparse_error] if outcome.reparse_error else [])
        )
        or None,
    )
    return outcome


# --- import --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    files: int = 0
    records: int = 0
    new: int = 0


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off for a bulk import, back as it was afterwards.

    Parsing allocates millions of elements, dicts and lists, none of them in a reference
    cycle (reference counting frees each), yet every 700 allocations start a collection
    that finds nothing: 1-1.5 s of a 9 s import of 20,000 records. Memory stays as flat.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_files(db: sqlite3.Connection, paths: Sequence[Path], condition: str) -> ImportResult:
    """Load PubMed XML / MEDLINE files under ``condition``; each file is all or nothing."""
    result = ImportResult()
    run_id = store.start_run(db, f"import {condition}")
    stamp = store.now_iso()
    try:
        with _no_cycle_collection():
            for path in paths:
                # The file is one transaction; its batches are parsed here while the previous
                # one is written on the writer's thread. A file that breaks off stores nothing.
                with store.atomic(db), store.BatchWriter(db, condition, run_id, stamp) as writer:
                    batch: list[Article] = []
                    for article in iter_file(path):
                        batch.append(article)
                        if len(batch) >= IMPORT_BATCH:
                            writer.put(batch)
                            result.records += len(batch)
                            batch = []
                    writer.put(batch)
                    result.records += len(batch)
                result.new += len(writer.new)
                result.files += 1
    except (NotPubMedData, OSError) as exc:
        store.finish_run(db, run_id, "failed", error=str(exc))
        raise
    store.finish_run(db, run_id, "ok", summary={"files": result.files, "records": result.records})
    return result


def summary_lines(outcome: UpdateResult) -> list[str]:
    lines = [c.line() for c in outcome.conditions]
    if outcome.refresh_error:
        lines.append(f"catch-up of not yet indexed records failed: {outcome.refresh_error}")
    lines += reparse_lines(outcome)
    return lines


def reparse_lines(outcome: UpdateResult) -> list[str]:
    """The --refresh line (how many records an older parser stored were read again), and
    the records the catch-up found PubMed no longer returns (said once: not asked again)."""
    lines = []
    if outcome.refresh_missing:
        lines.append(
            f"not yet indexed: {plural(len(outcome.refresh_missing), 'record')} PubMed no "
            "longer returns (kept as stored; not asked for again)"
        )
    if outcome.reparse_error:
        return [*lines, f"re-parsing records of an older parser failed: {outcome.reparse_error}"]
    if outcome.reparsed is None:
        return lines
    line = f"older parser: {outcome.reparsed:,} re-parsed, {outcome.reparse_changed:,} changed"
    if outcome.reparse_missing:
        gone = len(outcome.reparse_missing)
        line += (
            f", {plural(gone, 'record')} PubMed no longer returns "
            f"(kept as stored; not asked for again)"
        )
    return [*lines, line]


def failure_sentence(outcome: UpdateResult) -> str:
    """Why `update` exits 1: the conditions that failed, and that nothing was lost."""
    return (
        "update failed for "
        + ", ".join(
            [c.name for c in outcome.conditions if c.error]
            or (
                ["the re-parse of older records"]
                if outcome.reparse_error and not outcome.refresh_error
                else ["the catch-up of not yet indexed records"]
            )
        )
        + "; what was stored is kept and the next run fetches what was missed"
    )


def as_dict(outcome: UpdateResult) -> dict[str, Any]:
    return {
        "run_id": outcome.run_id,
        "conditions": [
            {
                "condition": c.name,
                "new": c.new,
                "new_flags": dict(c.new_flags),
                "found": c.found,
                "fetched": c.fetched,
                "stored": c.stored,
                "unavailable": c.unavailable,
                "restarted": c.restarted,
                "error": c.error,
                "tried": c.tried,
            }
            for c in outcome.conditions
        ],
        "refreshed": outcome.refreshed,
        "refresh_error": outcome.refresh_error,
        "reparsed": outcome.reparsed,
        "reparse_changed": outcome.reparse_changed,
        "reparse_error": outcome.reparse_error,
        "reparse_missing": outcome.reparse_missing,
        "refresh_missing": outcome.refresh_missing,
    }
