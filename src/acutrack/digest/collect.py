"""Collecting a digest: what is new for a name, in which group and order; recording it.

Every database access goes through ``acutrack.store`` (``store/digests.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..article import StoredArticle, one_line
from ..flags import TIER_BY_KEY, TIERS
from ..views.digest_model import DEFAULT_NAME, Digest, Group, Rows, when

if TYPE_CHECKING:
    import sqlite3

# Each condition lists at most this many articles of each tier (``digest --top``); the rest
# are counted, delivered (the position passes them) and named by a `show` command.
TOP = 20


def check_name(name: str | None) -> str:
    """The digest name, lower-cased (``default`` when None); exit 2 when it is not a name."""
    from ..config import NAME_RE
    from ..errors import UsageError

    key = (name or DEFAULT_NAME).strip().lower()
    if not NAME_RE.match(key):
        raise UsageError(
            f"Digest name '{name}' must be lower-case letters, digits, '-' or '_', e.g. weekly"
        )
    return key


def collect(
    db: sqlite3.Connection,
    name: str,
    conditions: list[str],
    labels: dict[str, str],
    *,
    top: int | None = TOP,
    queries: dict[str, str] | None = None,
) -> Digest:
    """What the next digest of ``name`` holds for ``conditions`` (nothing is changed).

    Only the first ``top`` articles of each tier of a condition are loaded and listed; the
    rest are counted (``Group.more``), so a first digest of a large database stays small.
    ``queries`` (condition -> saved query) names the search of a condition never updated.
    """
    known = store.digest_positions(db, name)
    delivered_upto = {c: p["last_id"] for c, p in known.items()}
    ranges: dict[str, list[int]] = {}
    fresh: dict[str, list[str]] = {}
    for cond in conditions:
        after = delivered_upto.get(cond, 0)
        upto = max(store.top_link_id(db, cond), after)
        ranges[cond] = [after, upto]
        fresh[cond] = store.links_between(db, cond, after, upto)
    candidates = list(dict.fromkeys(p for pmids in fresh.values() for p in pmids))
    # Delivered before under this name, through any condition: not again.
    seen: set[str] = set()
    for pmid, cond, link_id in store.links_of(db, candidates):
        if link_id <= delivered_upto.get(cond, 0):
            seen.add(pmid)
    del candidates
    placed: dict[str, str] = {}
    also: dict[str, list[str]] = {}
    for cond in conditions:
        for pmid in fresh[cond]:
            if pmid in seen:
                continue
            if pmid in placed:
                also.setdefault(pmid, []).append(cond)
            else:
                placed[pmid] = cond
    # Every new article's tier, in the one evidence order (PMIDs and tier keys only).
    ranked = store.tiers_in_order(db, list(placed))
    tier_of = dict(ranked)
    listed: dict[str, list[str]] = {cond: [] for cond in conditions}
    more: dict[str, dict[str, int]] = {cond: {} for cond in conditions}
    per_tier: dict[tuple[str, str], int] = {}
    for pmid, tier in ranked:
        cond = placed[pmid]
        n = per_tier[cond, tier] = per_tier.get((cond, tier), 0) + 1
        if top is None or n <= top:
            listed[cond].append(pmid)
        else:
            more[cond][tier] = more[cond].get(tier, 0) + 1
    del ranked
    groups = []
    for cond in conditions:
        also_here = {pmid: also[pmid] for pmid in listed[cond] if pmid in also}
        rows = Rows(db, listed[cond], tier_of, also_here)
        # The headline counts what arrived for the condition in this digest's window
        # (acutrack.newness: every link of the range, as status and the report count them),
        # also what is listed under another condition or was delivered in an earlier digest.
        headline = {t.key: 0 for t in TIERS}
        shared: dict[str, int] = {}
        earlier = 0
        for pmid, tier in store.tiers_in_order(db, [p for p in fresh[cond] if p not in tier_of]):
            tier_of.setdefault(pmid, tier)  # delivered before: not ranked above
        for pmid in fresh[cond]:
            if pmid not in tier_of:
                continue  # (removed since it was linked)
            headline[tier_of[pmid]] = headline.get(tier_of[pmid], 0) + 1
            if pmid in seen:
                earlier += 1
            elif placed[pmid] != cond:
                shared[placed[pmid]] = shared.get(placed[pmid], 0) + 1
        groups.append(
            Group(
                cond,
                labels.get(cond) or cond,
                rows,
                known[cond]["updated_at"] if cond in known else None,
                more=more[cond],
                headline=headline,
                shared=shared,
                earlier=earlier,
                provenance=store.provenance(db, cond, (queries or {}).get(cond)),
            )
        )
    found = Digest(
        name=name,
        conditions=list(conditions),
        generated_at=store.now_iso(),
        groups=groups,
        ranges=ranges,
        notes=update_notes(db),
        top=top,
    )
    count_follow_ups(db, found)
    return found


def count_follow_ups(db: sqlite3.Connection, digest: Digest) -> None:
    """For each tier a group did not list whole, how many articles its follow-up command
    lists: counted by the store with that command's own selector (its --type word and the
    digest's window), so the number printed beside a command is what it prints."""
    from ..views.digest import type_word
    from ..views.export import resolve_types

    for group in digest.groups:
        for key in group.more:
            word = type_word(TIER_BY_KEY[key])
            group.lists[key] = store.count_articles(
                db,
                group.condition,
                store.Selection(
                    flags=tuple(resolve_types([word])), stored=(group.since, digest.until)
                ),
            )


def load_articles(db: sqlite3.Connection, pmids: list[str]) -> dict[str, StoredArticle]:
    """The stored articles by PMID (decoded, with ``first_seen`` and ``conditions``)."""
    return store.load_articles(db, pmids)


def sort_rows(db: sqlite3.Connection, rows: list[StoredArticle]) -> list[StoredArticle]:
    """Rows in the one evidence order (``store.EVIDENCE_ORDER``: strongest tier, larger
    trials, newer; retracted articles last, in their own tier), as the report lists them."""
    by_pmid = {r.pmid: r for r in rows}
    return [by_pmid[p] for p in store.ordered_pmids(db, list(by_pmid))]


def update_notes(db: sqlite3.Connection) -> list[str]:
    """A warning when the latest update failed, so a cron user learns it from the digest."""
    run = store.last_update_run(db)
    if run is None or run["status"] == "ok":
        return []
    why = _failed_conditions(run.get("summary")) or (
        ": " + one_line(run["error"] or "it did not finish")
    )
    if len(why) > 300:
        why = why[:299] + "…"
    return [
        f"The last update ({when(run['started_at'])}) failed{why.rstrip('.')}. What it missed "
        "comes in a later digest."
    ]


def _failed_conditions(summary: str | None) -> str:
    """' for lupus, psoriasis: <error>' from the run summary, one error text once."""
    try:
        data = json.loads(summary or "{}")
        by_error: dict[str, list[str]] = {}
        for cond, result in data.items():
            if isinstance(result, dict) and result.get("error"):
                by_error.setdefault(one_line(result["error"]), []).append(one_line(cond))
    except (ValueError, AttributeError):
        return ""
    return "; ".join(f" for {', '.join(conds)}: {error}" for error, conds in by_error.items())


# --- recording --------------------------------------------------------------------------------


def record(
    db: sqlite3.Connection,
    digest: Digest,
    *,
    kind: str = "digest",
    fmt: str | None = None,
    output: Path | None = None,
    recipients: list[str] | None = None,
    to_stdout: bool = False,
) -> int:
    """Record a delivered digest and move the name's positions, in one transaction.

    ``kind`` is ``digest`` (positions move), ``mark`` (positions move, nothing was sent) or
    ``resend`` (a copy of an earlier digest: positions stay).
    """
    row = {
        "name": digest.name,
        "kind": kind,
        "created_at": digest.generated_at,
        "conditions": json.dumps(digest.conditions),
        "ranges": json.dumps(digest.ranges),
        # Per condition: the listed articles (PMID, also new for), then what was delivered
        # unlisted (per tier), the headline counts and the other conditions' share, so
        # --again rebuilds the same digest.
        "groups": json.dumps(
            [
                [
                    g.condition,
                    [[p, g.rows.also.get(p) or []] for p in g.rows.pmids],
                    {
                        "more": g.more,
                        "headline": g.headline,
                        "shared": g.shared,
                        "earlier": g.earlier,
                    },
                ]
                for g in digest.groups
            ]
        ),
        "articles": digest.total,  # delivered: listed or not
        "format": fmt,
        "output": str(output) if output else None,
        "recipients": json.dumps(recipients or []),
        "to_stdout": int(to_stdout),
        "resend_of": digest.resent["id"] if digest.resent else None,
    }
    return store.record_digest(db, row, None if kind == "resend" else digest.ranges)


def last_digest(db: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The latest delivered digest of ``name`` that listed articles."""
    return store.last_digest(db, name)


def rebuild(
    db: sqlite3.Connection,
    recorded: dict[str, Any],
    labels: dict[str, str],
    queries: dict[str, str] | None = None,
) -> Digest:
    """The recorded digest again, same articles in the same groups, with today's data."""
    entries = [(item[0], item[1], item[2] if len(item) > 2 else {}) for item in recorded["groups"]]
    pmids = [pmid for _cond, items, _extra in entries for pmid, _also in items]
    # PMIDs and tiers only; the articles are read as the digest is rendered (Rows).
    tier_of = dict(store.tiers_in_order(db, pmids))
    groups = []
    for cond, items, extra in entries:
        stored = [(pmid, also) for pmid, also in items if pmid in tier_of]
        rows = Rows(db, [p for p, _ in stored], tier_of, {p: a for p, a in stored if a})
        group = Group(cond, labels.get(cond) or cond, rows, more=extra.get("more") or {})
        # Records written before the headline existed: count what was listed.
        group.headline = extra.get("headline") or _listed_headline(rows)
        group.shared = extra.get("shared") or {}
        group.earlier = extra.get("earlier") or 0
        group.provenance = store.provenance(db, cond, (queries or {}).get(cond))
        groups.append(group)
    if not any(g.shared for g in groups):
        for group in groups:
            for other in groups:
                n = sum(1 for also in other.rows.also.values() if group.condition in also)
                if n and other is not group:
                    group.shared[other.condition] = n
    previous = store.digest_times_before(db, recorded["name"], recorded["id"])
    for group in groups:
        group.since = previous.get(group.condition)
    again = Digest(
        name=recorded["name"],
        conditions=recorded["conditions"],
        generated_at=store.now_iso(),
        groups=groups,
        ranges=recorded["ranges"],
        resent=recorded,
    )
    count_follow_ups(db, again)
    return again


def _listed_headline(rows: Rows) -> dict[str, int]:
    return {**{t.key: 0 for t in TIERS}, **rows.tier_counts()}


def history(
    db: sqlite3.Connection, name: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The last ``limit`` digests delivered (of ``name``, or all), oldest first."""
    return store.digest_history(db, name, limit)
