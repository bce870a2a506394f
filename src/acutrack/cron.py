"""Cron lines: a checked schedule and the crontab line that runs update, then the digest."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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
