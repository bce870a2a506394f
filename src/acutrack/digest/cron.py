"""Cron lines: a checked schedule and the crontab line that runs update, then the digest."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Queries

from ..errors import UsageError

CRON_MACROS = {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
WEEKLY = "17 6 * * 1"
DAILY = "17 6 * * *"
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (name, lowest, highest, names) per field; weekday 7 is Sunday too, as cron reads it.
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(MONTHS)}),
    ("weekday", 0, 7, {d: i for i, d in enumerate(DAYS)}),
)
_ITEM = re.compile(r"^(?P<range>\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(?P<step>[0-9]+))?$")


class BadSchedule(UsageError, ValueError):
    """Not a cron schedule (exit 2)."""


def _field_problem(text: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    """Why one field of a schedule is wrong, or None."""

    def value(token: str) -> int | None:
        if token.isdigit():
            return int(token)
        return names.get(token)

    allowed = f"{low}-{high}" + (f" or names such as {next(iter(names))}" if names else "")
    for item in text.lower().split(","):
        m = _ITEM.match(item)
        if not m:
            return f"the {name} field '{text}' is not a number, range, list or */step"
        if m.group("step") is not None and int(m.group("step")) == 0:
            return f"the {name} field '{text}' has a step of 0"
        if m.group("range") == "*":
            continue
        bounds = m.group("range").split("-")
        numbers = [value(b) for b in bounds]
        for token, number in zip(bounds, numbers, strict=True):
            if number is None or not low <= number <= high:
                return f"{name} {token} is out of range (allowed: {allowed})"
        if len(numbers) == 2 and numbers[0] > numbers[1]:  # type: ignore[operator]
            return f"the {name} range {m.group('range')} runs backwards"
    return None


def check_schedule(schedule: str) -> str:
    """The schedule normalised; BadSchedule (exit 2) saying what is wrong otherwise.

    Five fields (minute hour day-of-month month weekday), each ``*``, a number, a range
    ``a-b``, a list ``a,b``, any of those with ``/step``; month and weekday names (jan,
    mon) as cron reads them; or one of the macros @hourly, @daily, @weekly, ...
    """
    fields = schedule.split()
    hint = (
        'give five fields such as "0 7 * * 1" (minute hour day month weekday) or a macro '
        "such as @daily"
    )
    if len(fields) == 1 and fields[0].lower() in CRON_MACROS:
        return fields[0].lower()
    if len(fields) == 1 and fields[0].startswith("@"):
        raise BadSchedule(
            f"'{schedule}' is not a cron macro (known: {', '.join(sorted(CRON_MACROS))})"
        )
    if len(fields) != 5:
        raise BadSchedule(f"'{schedule}' is not a cron schedule; {hint}")
    for text, (name, low, high, names) in zip(fields, FIELDS, strict=True):
        problem = _field_problem(text, name, low, high, names)
        if problem:
            raise BadSchedule(f"'{schedule}' is not a cron schedule: {problem}; {hint}")
    return " ".join(fields)


def cron_lines(
    *,
    schedule: str,
    program: list[str],
    db: Path,
    queries: Path | None,
    name: str,
    conditions: list[str],
    recipients: list[str],
    log: Path,
    wait: int = 3600,
) -> list[str]:
    """Comment lines and the crontab line: update, then the digest, whatever update did."""

    def q(parts: list[str]) -> str:
        # % ends a crontab command unless escaped.
        return " ".join(shlex.quote(p) for p in parts).replace("%", "\\%")

    base = [*program, "--db", str(db)]
    if queries is not None:
        base += ["--queries", str(queries)]
    update = [*base, "update", *conditions, "--wait", str(wait)]
    digest = [*base, "digest", *conditions, "--name", name, "--skip-empty", "--wait", str(wait)]
    for address in recipients:
        digest += ["--to", address]
    log_q = q([str(log)])
    digest_part = f"{q(digest)} >> {log_q}" if recipients else q(digest)
    settings = "NCBI_EMAIL=you@example.org  NCBI_API_KEY=... (optional)"
    if recipients:
        settings += "  ACUTRACK_SMTP_URL=smtp://user:password@host:587"
    delivery = (
        f"# The digest is mailed to {', '.join(recipients)}; cron mails you (MAILTO) only "
        "a delivery error."
        if recipients
        else "# cron mails you (MAILTO=you@example.org) the digest the job prints."
    )
    return [
        f'# acutrack: update, then the "{name}" digest, at "{schedule}" (crontab -e, paste).',
        "# cron does not read your shell profile; set these on lines of their own above:",
        f"#   {settings}",
        delivery,
        f"# The digest runs even if the update failed (and says so). Log: {log}",
        f"{schedule} {q(update)} >> {log_q} 2>&1; {digest_part}",
    ]


def crontab(
    *,
    schedule: str | None,
    weekly: bool = False,
    daily: bool = False,
    name: str,
    recipients: tuple[str, ...] | list[str],
    conditions: tuple[str, ...],
    queries: Callable[[], Queries],
    db: Path,
    queries_option: str | None,
    log: Path | None,
    wait: int,
) -> list[str]:
    """The lines `acutrack cron` prints, with absolute paths that work in cron's bare
    environment: this installation's acutrack, the database and queries file in use now,
    and the log file (default: cron.log in the per-user data folder, its folder created)."""
    import os
    import sys

    from ..config import APP_NAME, find_queries_path, packaged_queries_path
    from ..errors import UsageError
    from . import check_name, mail

    given = [
        flag
        for flag, on in (
            ("--schedule", schedule is not None),
            ("--weekly", weekly),
            ("--daily", daily),
        )
        if on
    ]
    if len(given) > 1:
        raise UsageError(f"{given[0]} and {given[1]} cannot be used together; choose one")
    when = schedule if schedule is not None else (DAILY if daily else WEEKLY)
    checked = check_schedule(when)  # BadSchedule (exit 2) says which field is wrong
    key = check_name(name)
    addresses = mail.parse_addresses(recipients)
    chosen = [c.name for c in queries().select(conditions)] if conditions else []
    exe = Path(sys.executable).absolute()  # not resolved: a venv's python is a symlink
    script = exe.parent / ("acutrack.exe" if os.name == "nt" else "acutrack")
    program = [str(script)] if script.is_file() else [str(exe), "-m", "acutrack"]
    queries_path = find_queries_path(queries_option)
    queries_file = None if queries_path == packaged_queries_path() else queries_path.resolve()
    if log is None:
        from platformdirs import user_data_path

        log = user_data_path(APP_NAME) / "cron.log"
    log = log.expanduser().absolute()
    log.parent.mkdir(parents=True, exist_ok=True)
    return cron_lines(
        schedule=checked,
        program=program,
        db=db.expanduser().absolute(),
        queries=queries_file,
        name=key,
        conditions=chosen,
        recipients=addresses,
        log=log,
        wait=wait,
    )
