"""What "new" means: two ideas, two names, each defined once here and used by every view.

- **unseen**: not yet listed to you in a terminal table (``show``, ``article``); the triage
  mark, NEW in tables. Stored per article and condition as ``article_conditions.shown_at``
  (NULL: unseen). ``status`` and Datasette's matrix count it; ``show --new`` lists it.
- **arrived since a moment**: first stored for a condition at or after a stated time
  (``article_conditions.first_seen >= since``, and before ``until`` when there is one). The
  digest counts what arrived since its last delivery; ``status``, the report, the feed and
  Datasette's matrix what arrived since a date they print: the last ``DEFAULT_DAYS`` days
  (from midnight UTC) unless ``--since`` says otherwise. ``show --stored-since/--stored-before``
  lists exactly such a window, which is what every printed follow-up command uses.

Stamps are ISO 8601 in UTC with microseconds (``store.now_iso``), so string order is time
order and an article stored a moment after a digest is never taken for one stored before it.
The SQL here is fragments over the link table ``l`` (``article_conditions``); the statements
that use them are the store's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

UNSEEN = "unseen"
ARRIVED = "arrived"
DEFAULT_DAYS = 7

UNSEEN_MEANS = "not yet listed in a terminal table (NEW in `show`)"
ARRIVED_MEANS = "first stored for the condition"


def unseen_sql(link: str = "l") -> str:
    """The link ``link`` (a row of article_conditions) is unseen."""
    return f"{link}.shown_at IS NULL"


def arrived_test(link: str = "l", since: str = "?", until: str | None = None) -> str:
    """The one predicate of "arrived": the link ``link`` was first stored at or after the SQL
    expression ``since`` (and before ``until``, when given)."""
    test = f"{link}.first_seen >= {since}"
    return test + (f" AND {link}.first_seen < {until}" if until else "")


def arrived_sql(
    since: str | None, until: str | None = None, link: str = "l"
) -> tuple[str, list[str]]:
    """SQL and parameters: the link ``link`` arrived at or after ``since`` and before
    ``until`` (either may be None: no bound on that side)."""
    test = arrived_test(link, "?", "?" if until else None)
    if since:
        return test, [since, *([until] if until else [])]
    return (f"{link}.first_seen < ?", [until]) if until else ("1", [])


def default_since(today: date) -> str:
    """The start of the default window: midnight UTC ``DEFAULT_DAYS`` days before ``today``."""
    return (today - timedelta(days=DEFAULT_DAYS)).isoformat()


# The same default in SQL (Datasette's canned matrix, where no Python runs): a date, as above.
DEFAULT_SINCE_SQL = f"date('now', '-{DEFAULT_DAYS} days')"


def moment(value: str) -> str:
    """A date or time a person typed (``2026-11-30``, ``2026-11-30T06:17``, with or without a
    zone; UTC when none) as the stored form: a date stays a date (midnight UTC, which sorts
    before every stamp of that day), a time becomes ISO 8601 UTC with microseconds.
    ValueError when it is neither."""
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text).isoformat()
    when = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def shown(stamp: str) -> str:
    """A moment as printed beside a count: '2026-11-30' or '2026-11-30 06:17:03 UTC'."""
    if len(stamp) <= 10:
        return stamp
    return stamp.replace("T", " ")[:19] + " UTC"


def arrived_phrase(since: str, days_default: bool = False) -> str:
    """'arrived since 2026-11-30 (the last 7 days)': what an arrivals count says of itself."""
    tail = f" (the last {DEFAULT_DAYS} days)" if days_default else ""
    return f"{ARRIVED} since {shown(since)}{tail}"
