"""Delivering a digest: print, write or mail it, then record it (the position moves last)."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import store
from ..article import plural
from ..errors import UsageError, WorkError
from ..fileio import blocks, write_atomic
from ..views.digest import (
    format_for,
    render_html,
    render_pieces,
    render_text,
    status_line,
    subject,
)
from .collect import TOP, collect, last_digest, rebuild, record


class DeliveryError(WorkError, RuntimeError):
    """The digest could not be written or mailed; its position did not move (exit 1)."""


def check_modes(
    *,
    peek: bool,
    again: bool,
    mark_delivered: bool,
    history: bool,
    delivers: bool,
    conditions: tuple[str, ...] | list[str],
) -> None:
    """At most one of --peek, --again, --mark-delivered, --history, each used sensibly."""
    modes = [
        flag
        for flag, on in (
            ("--peek", peek),
            ("--again", again),
            ("--mark-delivered", mark_delivered),
            ("--history", history),
        )
        if on
    ]
    if len(modes) > 1:
        raise UsageError(f"{modes[0]} and {modes[1]} cannot be used together; choose one")
    if modes and modes[0] != "--again" and delivers:
        raise UsageError(f"{modes[0]} delivers nothing; drop --output and --to")
    if (again or history) and conditions:
        raise UsageError(f"{modes[0]} takes no conditions; drop {' '.join(conditions)}")


def last_or_refuse(db: sqlite3.Connection, name: str) -> dict[str, Any]:
    """The last digest of ``name``, for --again; DeliveryError when there is none."""
    found = last_digest(db, name)
    if found is None:
        raise DeliveryError(f"No digest named '{name}' with articles was delivered yet")
    return found


def deliver(
    db: sqlite3.Connection,
    name: str,
    chosen: list[str],
    labels: dict[str, str],
    *,
    fmt: str | None,
    output: Path | None,
    addresses: list[str],
    sender: str | None,
    smtp: Any,
    skip_empty: bool,
    again: bool,
    mark_delivered: bool,
    echo: Callable[..., None],
    top: int | None = TOP,
    queries: dict[str, str] | None = None,
) -> None:
    """Build, deliver, then record: the position moves only after every delivery worked.

    ``echo(text, nl=True)`` prints (the CLI passes click.echo); a failed delivery raises
    DeliveryError and leaves the position where it was.
    """
    from . import mail

    try:
        # Delivering first and failing to record after would send the same digest on every
        # run (cron runs digest each night): refuse now if the position cannot be written.
        store.check_recordable(db)
    except store.StoreError as exc:
        reason = str(exc)
        raise DeliveryError(
            "Nothing was delivered, because the digest's position could not be saved: "
            + reason[:1].lower()
            + reason[1:]
        ) from None
    to_stdout = False
    if again:
        recorded = last_or_refuse(db, name)
        result = rebuild(db, recorded, labels, queries)
        if not output and not addresses:
            # Re-sent to where it went, in the format it went in (unless --format says).
            output = Path(recorded["output"]) if recorded["output"] else None
            addresses = recorded["recipients"] or []
            to_stdout = bool(recorded["to_stdout"])
            if addresses:
                smtp = mail.settings_from_env()
            fmt = fmt or recorded["format"]
        # A new --output keeps the format its suffix or --format says (format_for below).
    else:
        result = collect(db, name, chosen, labels, top=top, queries=queries)
    if mark_delivered:
        record(db, result, kind="mark")
        echo(
            f"Digest '{name}': {plural(result.total, 'article')} marked as delivered; "
            "the next digest lists only what is stored from now on."
        )
        return
    fmt = format_for(output, fmt)
    to_stdout = to_stdout or (not output and not addresses)
    if not result.total and skip_empty and not again:
        # Nothing is sent; recording moves the position past links already delivered under
        # another condition of this name.
        record(db, result)
        if not to_stdout:
            echo(status_line(result, ["nothing new, nothing sent"]))
        return
    undelivered = (
        "it was re-sent nowhere"
        if again
        else "the digest was not marked as delivered, so the next one lists these articles again"
    )
    where: list[str] = []
    if output:
        try:
            write_atomic(output, render_pieces(result, fmt))
        except OSError as exc:
            raise DeliveryError(
                f"Cannot write {output} ({exc.strerror or exc.__class__.__name__}); {undelivered}"
            ) from None
        where.append(f"written to {output} ({fmt})")
    if addresses:
        sender = sender or mail.default_sender(smtp)
        message = mail.build_message(
            subject(result), render_text(result), render_html(result), sender, addresses
        )
        try:
            mail.send(smtp, message, sender, addresses)
        except mail.MailError as exc:
            raise DeliveryError(f"Mailing the digest failed: {exc}; {undelivered}") from None
        where.append(f"mailed to {', '.join(addresses)} via {smtp.describe()}")
    if to_stdout:
        for block in blocks(render_pieces(result, fmt)):
            echo(block, nl=False)
        sys.stdout.flush()  # a closed pipe fails here, before the position moves
    try:
        record(
            db,
            result,
            kind="resend" if again else "digest",
            fmt=fmt if (output or to_stdout) else None,
            output=Path(output).absolute() if output else None,
            recipients=addresses,
            to_stdout=to_stdout,
        )
    except (store.StoreError, OSError, sqlite3.Error) as exc:
        raise DeliveryError(
            f"The digest was delivered but its position could not be saved ({exc}); the next "
            "digest will repeat these articles"
        ) from None
    if not to_stdout:
        echo(status_line(result, where))
