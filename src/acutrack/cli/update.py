"""`update`, `import` and `verify`: the commands that bring records in or look them up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .base import BadSetting, State, WorkFailed, entrez_client, pass_state, wait_option


@click.command()
@click.argument("conditions", nargs=-1, metavar="[CONDITION]...")
@click.option(
    "--full", is_flag=True, help="Ignore the stored position and re-run each query's whole history."
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Also fetch and parse again every stored article an older acutrack parsed "
    "(counted in the summary as re-parsed and changed).",
)
@wait_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary format.",
)
@pass_state
def update(
    state: State, conditions: tuple[str, ...], full: bool, refresh: bool, wait: float, fmt: str
) -> None:
    """Run the saved queries (all, or those named) and store what is new.

    Only what entered PubMed since the last successful run is asked for (with a few days'
    overlap), and records NLM has not finished indexing are fetched again so their
    publication types catch up. Exit 1 if any query failed; what was stored is kept and
    the next run asks again for what was missed.
    """
    from .. import store
    from ..pubmed import sync
    from ..views.terminal import UpdateProgress, update_summary

    chosen = state.queries().select(conditions)
    client = entrez_client()
    store.check_before_writing(state.db_path)
    with store.writer_lock(state.db_path, wait):
        db = state.open_db()
        err = state.env.err_console
        progress = UpdateProgress(err) if err.is_terminal else None
        try:
            outcome = sync.update(
                db,
                client,
                chosen,
                full=full,
                refresh=refresh,
                progress=progress,
                today=state.env.today(),
            )
        finally:
            if progress:
                progress.close()
    if fmt == "json":
        import json

        click.echo(json.dumps(sync.as_dict(outcome), indent=2))
    elif state.env.out_console.is_terminal:
        state.env.out_console.print(update_summary(outcome))
    else:
        # Pipes and cron: one plain line per condition, never wrapped or coloured.
        click.echo("\n".join(sync.summary_lines(outcome)))
    if outcome.failed:
        raise WorkFailed(sync.failure_sentence(outcome))


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--condition",
    "-c",
    required=True,
    metavar="NAME",
    help="Store the records under this condition.",
)
@wait_option
@pass_state
def import_(state: State, files: tuple[Path, ...], condition: str, wait: float) -> None:
    """Load PubMed XML (.xml, .xml.gz) or MEDLINE text (.txt, .nbib) into the database.

    Efetch output, the PubMed website's XML export, old MedlineCitationSet baseline files
    and MEDLINE / .nbib files all work. Each file is stored whole or not at all. Like
    update, it waits for no other writer unless --wait is given.
    """
    from .. import store
    from ..config import NAME_RE, ConfigError
    from ..pubmed import sync

    name = condition.strip().lower()
    try:
        name = state.queries().resolve(name).name
    except ConfigError:
        if not NAME_RE.match(name):
            raise BadSetting(
                f"Condition name '{condition}' must be lower-case letters, digits, '-' or '_'"
            ) from None
    for path in files:
        if not path.exists():
            raise WorkFailed(f"{path} does not exist")
    store.check_before_writing(state.db_path)
    with store.writer_lock(state.db_path, wait):
        db = state.open_db()
        result = sync.import_files(db, list(files), name)
    from ..article import plural

    click.echo(
        f"{name}: {plural(result.records, 'record')} from {plural(result.files, 'file')}, "
        f"{result.new:,} new"
    )


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE... | -")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    help="Output format [default: table on a terminal, json in a pipe].",
)
@pass_state
def verify(state: State, files: tuple[str, ...], fmt: str | None) -> None:
    """Check the references in health articles against PubMed.

    FILE is plain text, Markdown or an HTML page saved from a browser; - reads standard
    input. References in APA, Harvard, Vancouver/NLM and Nature style are found, and any
    line with a PMID or DOI. Each is looked up (PMID, DOI, ECitMatch, then searches on title, first
    author and year) and compared with the record: found, mismatch (what differs: title or
    the disease it names, author, year, journal, volume, pages), not found, or unchecked
    (the lookup failed, or a study is only mentioned, without a citation). References that
    share journal, volume and pages under another title are marked as duplicates.

    JSON: one object per reference; `source` is the FILE as given, `<stdin>` for -, and
    `duplicate_of` the 0-based index of the earlier reference. Exit 0 when every
    reference could be looked up, whatever the verdicts; 1 when a lookup failed.
    """

    from .. import store
    from ..pubmed import verify as checking
    from ..pubmed.references import extract
    from ..views.terminal import UpdateProgress

    texts = []
    for name in files:
        texts.append(checking.read_input(name))
    refs = []
    for source, text in texts:
        found = extract(text, source)
        if not found:
            click.echo(
                f"note: no references found in {source} (looked for APA, Harvard, Vancouver "
                "and Nature-style citations, PMIDs, DOIs and studies mentioned in the text)",
                err=True,
            )
        refs += found
    console = state.env.out_console
    fmt = fmt or ("table" if console.is_terminal else "json")  # console is needed anyway
    rows: list[dict[str, Any]] = []
    if refs:
        # Only mentions: nothing to look up, so no NCBI settings are needed.
        client = entrez_client() if any(r.kind != "mention" for r in refs) else None
        db = store.open_quick(state.db_path) if state.db_path.exists() else None
        err = state.env.err_console
        progress = UpdateProgress(err) if err.is_terminal else None
        try:
            checks = checking.check(refs, client, progress=progress)
        finally:
            if progress:
                progress.close()
        rows = [checking.outcome(c, db) for c in checks]
    if fmt == "json":
        from ..views.export import to_json  # C1 and bidirectional controls escaped

        click.echo(to_json(rows), nl=False)
    elif rows:
        console.print(checking.table(rows))
        console.print(checking.summary(rows), markup=False, highlight=False)
    failed = [r for r in rows if r["lookup_failed"]]
    if failed:
        from ..article import plural

        raise WorkFailed(
            (
                f"{len(failed)} of {plural(len(rows), 'reference')} could not be looked up, so "
                f"{'it is' if len(failed) == 1 else 'they are'} reported as unchecked: "
                if len(rows) > 1
                else "The reference could not be looked up, so it is reported as unchecked: "
            )
            + failed[0]["reason"]
        )
