"""`queries`, `queries add`, `queries remove`: the saved queries."""

from __future__ import annotations

import functools
import sys

import click

from .base import State, WorkFailed, entrez_client, pass_state


@click.group(name="queries", invoke_without_command=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "text", "json"]),
    help="Output format [default: table on a terminal, text in a pipe].",
)
@click.option("--offline", is_flag=True, help="List the queries without asking PubMed (no counts).")
@click.option(
    "--condition",
    "-c",
    "only",
    multiple=True,
    metavar="NAME",
    help="Only this condition (name or alias; repeatable).",
)
@click.pass_context
def queries_group(
    ctx: click.Context, fmt: str | None, offline: bool, only: tuple[str, ...]
) -> None:
    """See what PubMed makes of each saved query; add, change or remove queries.

    Without a subcommand: each condition's label, aliases and full query (the shared
    intervention part filled in), with PubMed's count, its translation, how it mapped each
    phrase, and every error and warning it returned (one search per query). Exit 1 if any
    query has an error or a warning, so a cron job can alert on a broken query.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..pubmed import queryedit
    from ..views.listing import default_format

    state = ctx.find_object(State)
    assert state is not None  # the cli group always sets it
    queries = state.queries()
    chosen = queries.select(only)
    changed = queryedit.changed_conditions(queries, state.db_path, _warn)
    search = None if offline else functools.partial(entrez_client().esearch, retmax=0)
    checks = queryedit.check_queries(chosen, changed=changed, search=search)
    fmt = default_format(fmt, state.env.is_terminal(), "text")
    if fmt == "json":
        import json

        click.echo(json.dumps([c.as_dict() for c in checks], indent=2, ensure_ascii=False))
    elif fmt == "table":
        state.env.out_console.print(queryedit.panels(checks))
    else:
        click.echo("\n".join(queryedit.text_lines(checks)))
    if any(not c.ok for c in checks):
        raise WorkFailed(queryedit.failure_sentence(checks, queries.path))


def _warn(text: str) -> None:
    state = click.get_current_context().find_object(State)
    assert state is not None  # the cli group always sets it
    state.env.err_console.print(text, markup=False)


@queries_group.command(name="add")
@click.argument("name")
@click.argument("query")
@click.option("--label", help="What the condition is called in output (default: NAME).")
@click.option(
    "--alias",
    "aliases",
    multiple=True,
    metavar="ALIAS",
    help="Another name for the condition (repeatable; replaces the aliases with --replace).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Change an existing condition: its query, and its label and aliases if given.",
)
@pass_state
def queries_add(
    state: State,
    name: str,
    query: str,
    label: str | None,
    aliases: tuple[str, ...],
    replace: bool,
) -> None:
    """Add a condition NAME searching QUERY (or change one with --replace).

    QUERY is the condition half of the PubMed search, e.g. '"Vasculitis"[Mesh] OR
    vasculit*[tiab]'; the shared intervention part is added to it. Use - to read it from
    standard input. queries.toml keeps its comments and layout. A changed query starts the
    condition's history afresh on the next update; its stored articles are kept.
    """
    from ..pubmed import queryedit

    if query == "-":
        query = sys.stdin.read()
    edit = queryedit.add_condition(
        state._queries, name, query, label=label, aliases=aliases, replace=replace
    )
    click.echo("\n".join(queryedit.copied_note(edit) + queryedit.edit_messages(edit)))


@queries_group.command(name="remove")
@click.argument("name")
@pass_state
def queries_remove(state: State, name: str) -> None:
    """Remove the condition NAME from queries.toml; its stored articles stay in the database.

    The rest of the file (comments included) is kept as it is.
    """
    from ..pubmed import queryedit

    edit = queryedit.remove_condition(state._queries, name)
    click.echo(
        "\n".join([*queryedit.copied_note(edit), queryedit.removed_message(edit, state.db_path)])
    )
