"""`digest` and `cron`: what is new, exactly once per name, on a schedule."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import State, need, open_read, pass_state, wait_option

if TYPE_CHECKING:
    import sqlite3


@click.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.option(
    "--name",
    metavar="NAME",
    help="Which digest; each name keeps its own position [default: default].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    help="Format printed or written [default: from the --output suffix (.md, .html, .json), "
    "else text]. Mail is always plain text with an HTML alternative.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the digest to FILE (replaced atomically) instead of printing it.",
)
@click.option(
    "--to",
    "recipients",
    multiple=True,
    metavar="ADDRESS",
    help="Mail the digest to ADDRESS through ACUTRACK_SMTP_URL (repeatable).",
)
@click.option(
    "--from",
    "sender",
    envvar="ACUTRACK_MAIL_FROM",
    metavar="ADDRESS",
    help="Sender [env ACUTRACK_MAIL_FROM; default: ?from= in ACUTRACK_SMTP_URL, the login if "
    "it is an address, else acutrack@HOST].",
)
@click.option("--skip-empty", is_flag=True, help="Print, write and send nothing if nothing is new.")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    metavar="N",
    help="List at most N articles of each evidence tier per condition; the rest are counted, "
    "delivered and named by the `acutrack show` command that lists them [default: 20; "
    "a digest printed or written only as JSON lists every article unless --top is given].",
)
@click.option(
    "--peek",
    "--dry-run",
    "peek",
    is_flag=True,
    help="Print the next digest without delivering it or moving the position.",
)
@click.option(
    "--again",
    is_flag=True,
    help="Deliver the last digest of NAME again, to where it went unless --output or --to "
    "is given; the position does not move.",
)
@click.option(
    "--mark-delivered",
    is_flag=True,
    help="Move NAME's position past everything stored now, producing no digest.",
)
@click.option(
    "--history", is_flag=True, help="List the digests delivered so far (of NAME if given)."
)
@wait_option
@pass_state
def digest(
    state: State,
    conditions: tuple[str, ...],
    name: str | None,
    fmt: str | None,
    output: Path | None,
    recipients: tuple[str, ...],
    sender: str | None,
    skip_empty: bool,
    peek: bool,
    again: bool,
    mark_delivered: bool,
    history: bool,
    wait: float,
    top: int | None,
) -> None:
    """The articles first stored since the last digest of NAME, exactly once.

    It opens with a headline: per condition, how many new articles of each evidence tier
    arrived. Then per condition (all, or those named): the saved query, up to when PubMed
    was searched and a link running the same search; the articles, strongest evidence first
    (meta-analyses and systematic reviews, sham-controlled RCTs, other RCTs, possible RCTs,
    then the rest; retracted ones last), at most --top of each tier, then how many more and
    the `acutrack show` command listing them. Each entry has title, authors, journal, year,
    flags with their reasons, the trial size of RCTs, the conclusion of evidence articles on
    one line, two lines of the abstract and the PubMed link; an article is listed once per
    NAME.

    The position of NAME moves only after the digest was printed, written to --output or
    accepted by the mail server for every --to address; if that fails the command exits 1
    and the next digest lists the same articles again. Printing to standard output counts
    as delivered (cron mails what a job prints): use --peek to look without delivering.
    The first digest of a NAME lists everything stored so far; --mark-delivered skips that
    backlog. --again re-sends the last digest. Waits for a running update (--wait), so a
    digest never sends half an update.
    """
    from .. import digest as dg
    from .. import store
    from ..digest import mail

    key = dg.check_name(name)
    # One rule for the cap, whatever chooses the format: what a person reads (text,
    # Markdown, HTML, mail) lists at most --top (default 20) per tier; a digest that goes
    # only to JSON (--format json, or an --output FILE.json) is for scripts, and CONTRACT.md
    # promises them every article: it is capped only when --top is given (then it says what
    # it left out: total, listed, not_listed). It is streamed, so an uncapped first digest
    # of 100,000 articles holds no more memory than a capped one.
    if top is None and (dg.format_for(output, fmt) != "json" or recipients):
        top = dg.TOP
    dg.check_modes(
        peek=peek,
        again=again,
        mark_delivered=mark_delivered,
        history=history,
        delivers=bool(output or recipients),
        conditions=conditions,
    )
    addresses = mail.parse_addresses(recipients)
    if sender:
        sender = mail.check_address(sender, "the --from address")
    smtp = mail.settings_from_env() if addresses else None

    # --history and --peek only read: a missing database is said, never created. Everything
    # else delivers or records, so it opens (and creates or upgrades) the database under the
    # writers' lock, after a running update has stored all it fetched.
    if history or peek:
        db = open_read(state)
        if history:
            rows = dg.history(need(db, state), key if name else None)
            if fmt == "json":
                import json

                click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
            else:
                click.echo("\n".join(map(dg.history_line, rows)) or "No digest delivered yet.")
            return
        chosen, labels, searches = _chosen(state, db, conditions)
        db = need(db, state)
        found = dg.collect(db, key, chosen, labels, top=top, queries=searches)
        from ..fileio import blocks

        for block in blocks(dg.render_pieces(found, fmt or "text")):
            click.echo(block, nl=False)
        return
    if again:
        # Re-sends what the database recorded: with nothing recorded (or no database) it
        # fails before anything is created, the lock file included.
        reading = need(open_read(state), state)
        dg.last_or_refuse(reading, key)
        reading.close()
    store.check_before_writing(state.db_path)
    with store.writer_lock(state.db_path, wait):
        db = state.open_db()
        chosen, labels, searches = _chosen(state, db, conditions)
        dg.deliver(
            db,
            key,
            [] if again else chosen,
            labels,
            fmt=fmt,
            output=output,
            addresses=addresses,
            sender=sender,
            smtp=smtp,
            skip_empty=skip_empty,
            again=again,
            mark_delivered=mark_delivered,
            echo=click.echo,
            top=top,
            queries=searches,
        )


def _chosen(
    state: State, db: sqlite3.Connection | None, conditions: tuple[str, ...]
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The conditions a digest lists (all stored ones, or those named), every label, and
    every saved query (the provenance of a condition never searched yet)."""
    from .. import store

    queries = state.queries()
    labels = {n: c.label for n, c in queries.conditions.items()}
    searches = {n: c.full_query for n, c in queries.conditions.items()}
    stored = store.condition_names(db) if db is not None else []
    return queries.select_stored(conditions, stored), labels, searches


@click.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.option(
    "--schedule",
    metavar='"MIN HOUR DAY MONTH WEEKDAY"',
    help='A cron schedule, e.g. "0 7 * * 1" or @daily.',
)
@click.option("--weekly", is_flag=True, help="Mondays at 06:17 (the default).")
@click.option("--daily", is_flag=True, help="Every day at 06:17.")
@click.option(
    "--name", default="default", show_default=True, metavar="NAME", help="The digest name."
)
@click.option(
    "--to",
    "recipients",
    multiple=True,
    metavar="ADDRESS",
    help="Mail the digest to ADDRESS (repeatable); without it cron mails what digest prints.",
)
@click.option(
    "--log",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Log file [default: cron.log in the per-user data folder].",
)
@click.option(
    "--wait",
    type=click.IntRange(min=0),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="How long each command waits for an earlier run that is still going.",
)
@pass_state
def cron(
    state: State,
    conditions: tuple[str, ...],
    schedule: str | None,
    weekly: bool,
    daily: bool,
    name: str,
    recipients: tuple[str, ...],
    log: Path | None,
    wait: int,
) -> None:
    """Print a crontab line that runs update, then digest, on a schedule.

    Paths are absolute (this installation's acutrack, the database and queries file in use
    now), so the line works from cron's bare environment. The digest runs even when the
    update failed: what was stored is still new exactly once, the digest says the update
    failed, and the next update fetches what was missed. Both commands wait for an earlier
    run still going, so runs never overlap. Secrets are never printed: set NCBI_EMAIL,
    NCBI_API_KEY and ACUTRACK_SMTP_URL in the crontab yourself.
    """
    from ..digest.cron import crontab

    lines = crontab(
        schedule=schedule,
        weekly=weekly,
        daily=daily,
        name=name,
        recipients=recipients,
        conditions=conditions,
        queries=state.queries,
        db=state.db_path,
        queries_option=state._queries,
        log=log,
        wait=wait,
    )
    click.echo("\n".join(lines))
