"""Cron lines: a checked schedule and the crontab line that runs update, then the digest."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Queries

CRON_MACROS = {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,-]+$")
WEEKLY = "17 6 * * 1"
DAILY = "17 6 * * *"


def check_schedule(schedule: str) -> str | None:
    """The schedule normalised, or None when it is not a cron schedule."""
    fields = schedule.split()
    if len(fields) == 1 and fields[0].lower() in CRON_MACROS:
        return fields[0].lower()
    if len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields):
        return " ".join(fields)
    return None


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
    preset: str | None,
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

    from . import mail
    from .config import APP_NAME, find_queries_path, packaged_queries_path
    from .digest import check_name
    from .errors import UsageError

    if schedule and preset:
        raise UsageError(f"--schedule and --{preset} cannot be used together; choose one")
    when = schedule or (DAILY if preset == "daily" else WEEKLY)
    checked = check_schedule(when)
    if checked is None:
        raise UsageError(
            f"'{when}' is not a cron schedule; give five fields such as \"0 7 * * 1\" "
            "(minute hour day month weekday) or @daily"
        )
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
