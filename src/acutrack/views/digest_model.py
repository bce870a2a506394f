"""What a digest holds: its groups (one per condition) and their articles, in order.

``digest.collect`` fills it from the store; ``views.digest`` renders it. It lives in the views
layer so that rendering never imports the digest package (which imports the views).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..article import StoredArticle

if TYPE_CHECKING:
    import sqlite3

DEFAULT_NAME = "default"


class Rows:
    """The listed articles of a group, in order: PMIDs and tiers are held, the articles are
    read from the database a chunk at a time each time they are iterated, so a digest that
    lists 100,000 articles (JSON without --top) never holds them all."""

    CHUNK = 200

    def __init__(
        self,
        db: sqlite3.Connection,
        pmids: list[str],
        tiers: dict[str, str],
        also: dict[str, list[str]],
    ) -> None:
        self.db = db
        self.pmids = pmids
        self.tiers = tiers  # pmid -> evidence tier key
        self.also = also  # pmid -> the other conditions it is new for

    def __len__(self) -> int:
        return len(self.pmids)

    def __iter__(self) -> Iterator[StoredArticle]:
        from .. import store

        for i in range(0, len(self.pmids), self.CHUNK):
            chunk = self.pmids[i : i + self.CHUNK]
            articles = store.load_articles(self.db, chunk)
            for pmid in chunk:
                row = articles.get(pmid)
                if row is not None:  # (None: removed since the digest was collected)
                    yield replace(row, also_in=tuple(self.also.get(pmid, ())))

    def tier_counts(self) -> dict[str, int]:
        """Tier key -> listed articles of that tier (no article is read)."""
        counts: dict[str, int] = {}
        for pmid in self.pmids:
            counts[self.tiers[pmid]] = counts.get(self.tiers[pmid], 0) + 1
        return counts


@dataclass
class Group:
    condition: str
    label: str
    rows: Rows  # the listed articles, in the one evidence order
    since: str | None = None
    # tier key -> how many new articles of that tier are delivered here but not listed
    more: dict[str, int] = field(default_factory=dict)
    # tier key -> how many articles new for this condition (listed here, under another
    # condition, or not listed), every tier of flags.TIERS in order: the headline
    headline: dict[str, int] = field(default_factory=dict)
    # other condition -> how many articles new for this one are delivered under it
    shared: dict[str, int] = field(default_factory=dict)
    # articles that arrived for this condition but were delivered by an earlier digest of
    # this name under another condition (listed once per name)
    earlier: int = 0
    # tier key -> how many articles the follow-up command of that tier lists (counted with
    # the command's own selector over the digest's window; ``views.digest.follow_ups``)
    lists: dict[str, int] = field(default_factory=dict)
    provenance: dict[str, Any] | None = None  # store.provenance of the condition

    @property
    def count(self) -> int:
        """The articles delivered under this condition, listed or not."""
        return len(self.rows) + sum(self.more.values())

    @property
    def arrived(self) -> int:
        """The articles that arrived for this condition in the digest's window (the
        headline's total: delivered here, under another condition, or earlier)."""
        return sum(self.headline.values())


@dataclass
class Digest:
    name: str
    conditions: list[str]
    generated_at: str
    groups: list[Group]
    # condition -> [last delivered link id, highest link id this digest covers]
    ranges: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    resent: dict[str, Any] | None = None  # the recorded digest this one repeats
    top: int | None = None  # the cap per condition and tier (None: none)

    @property
    def total(self) -> int:
        """The articles this digest delivers (the position moves past all of them)."""
        return sum(g.count for g in self.groups)

    @property
    def until(self) -> str:
        """The end of the window this digest delivers (``acutrack.newness``): when it was
        made (a re-sent digest: when the one it repeats was made)."""
        return self.resent["created_at"] if self.resent else self.generated_at

    @property
    def listed(self) -> int:
        """The articles it lists in full (at most ``top`` per condition and tier)."""
        return sum(len(g.rows) for g in self.groups)

    @property
    def counts(self) -> dict[str, int]:
        return {g.condition: g.count for g in self.groups}

    @property
    def since(self) -> dict[str, str | None]:
        return {g.condition: g.since for g in self.groups}

    def common_since(self) -> tuple[bool, str | None]:
        """(all conditions share one start, that start)."""
        values = set(self.since.values())
        return (len(values) == 1, next(iter(values)) if len(values) == 1 else None)

    def rows(self) -> Iterable[tuple[Group, StoredArticle]]:
        for group in self.groups:
            for row in group.rows:
                yield group, row


def when(stamp: str | None) -> str:
    """``2026-01-05T06:17:03+00:00`` as ``2026-01-05 06:17 UTC``."""
    if not stamp:
        return ""
    text = stamp.replace("T", " ")[:16]
    return text + (" UTC" if stamp.endswith(("+00:00", "Z")) else "")
