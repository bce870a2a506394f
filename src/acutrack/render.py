"""Rich renderables and the two consoles.

Render functions return renderables (tests print them into a ``Console(file=StringIO())``).
Text from PubMed is data: it goes into ``rich.text.Text`` objects, never into markup
strings, and control characters are removed, so a title holding ``[bold]`` or an escape
sequence prints literally and cannot drive the terminal.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

# C0/C1 controls except tab and newline: ESC, BEL, CSI and friends.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

PUBLIC_FIELDS = (
    "pmid",
    "title",
    "abstract",
    "journal",
    "year",
    "authors",
    "doi",
    "publication_types",
    "flags",
    "flag_reasons",
    "conditions",
    "first_seen",
    "status",
    "url",
)
EXTRA_FIELDS = (
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "pub_date",
    "pmcid",
    "mesh",
    "keywords",
    "language",
    "registry_numbers",
    "comments_corrections",
    "abstract_sections",
    "entrez_date",
    "revised_date",
    "new",
)


@cache
def out_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


@cache
def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def clean(text: Any) -> str:
    """PubMed text made safe for a terminal: no control characters."""
    if text is None:
        return ""
    return CONTROL_RE.sub("", str(text))


def public_article(row: dict[str, Any]) -> dict[str, Any]:
    """The article object of the JSON contract (contract fields first, then the rest)."""
    out = {key: row.get(key) for key in PUBLIC_FIELDS}
    for key in ("authors", "publication_types", "flags", "conditions"):
        out[key] = out[key] or []
    out["flag_reasons"] = out["flag_reasons"] or {}
    out["title"] = out["title"] or ""
    out["abstract"] = out["abstract"] or ""
    for key in EXTRA_FIELDS:
        if key in row:
            out[key] = row[key]
    return out


class UpdateProgress:
    """A rich progress line per query, on the terminal only: searching, then fetching."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.progress.start()
        self.task: Any = None

    def start(self, label: str, total: int | None) -> None:
        if self.task is None:
            self.task = self.progress.add_task(clean(label), total=None, note="searching")
        if total is not None:
            note = "fetching" if total else "nothing new"
            self.progress.update(self.task, total=total, note=note)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def finish(self) -> None:
        if self.task is not None:
            task = self.progress.tasks[-1]
            done = "failed" if task.total is None else ("done" if task.total else "nothing new")
            self.progress.update(self.task, total=task.total or 0, note=done)
        self.task = None

    def close(self) -> None:
        self.progress.stop()


def update_summary(outcome: Any) -> Any:
    table = Table(title="acutrack update", show_edge=False)
    table.add_column("condition")
    table.add_column("new", justify="right")
    table.add_column("RCT", justify="right")
    table.add_column("MA/SR", justify="right")
    table.add_column("stored", justify="right")
    table.add_column("note")
    for c in outcome.conditions:
        note = (
            Text(clean(c.error), style="red")
            if c.error
            else Text("query changed: history restarted" if c.restarted else "")
        )
        table.add_row(
            c.name,
            str(c.new),
            str(c.new_flags["rct"]),
            str(c.new_flags["meta-analysis"] + c.new_flags["systematic-review"]),
            str(c.stored),
            note,
        )
    parts: list[Any] = [table]
    if outcome.refresh_error:
        parts.append(Text(clean(outcome.refresh_error), style="red"))
    elif outcome.refreshed:
        parts.append(
            Text(f"{outcome.refreshed} not yet indexed records checked for updates", style="dim")
        )
    return Group(*parts)


def articles_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(show_lines=False)
    table.add_column("", width=3)
    table.add_column("flags")
    table.add_column("year", justify="right")
    table.add_column("title", ratio=3)
    table.add_column("authors", ratio=1)
    table.add_column("journal", ratio=1)
    table.add_column("PMID")
    for row in rows:
        authors = row.get("authors") or []
        first = clean(authors[0]) + (" et al." if len(authors) > 1 else "") if authors else ""
        table.add_row(
            Text("NEW", style="bold green") if row.get("new") else Text(""),
            Text(" ".join(row.get("flags") or [])),
            str(row.get("year") or ""),
            Text(clean(row.get("title"))),
            Text(first),
            Text(clean(row.get("journal_abbrev") or row.get("journal"))),
            Text(row["pmid"], style=f"link https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"),
        )
    return table


def article_view(row: dict[str, Any]) -> Any:
    parts: list[Any] = [Text(clean(row.get("title")), style="bold")]
    parts.append(Text(clean(", ".join(row.get("authors") or []))))
    parts.append(Text(clean(f"{row.get('journal') or ''} {row.get('pub_date') or ''}")))
    for section in row.get("abstract_sections") or []:
        text = Text()
        if section.get("label"):
            text.append(clean(section["label"]) + ": ", style="bold")
        text.append(clean(section.get("text")))
        parts.append(text)
    parts.append(Text(f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"))
    return Group(*parts)


def status_rows(queries: Any, stats: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    names = list(queries.conditions) + [n for n in stats if n not in queries.conditions]
    for name in names:
        entry = stats.get(name, {})
        cond = queries.conditions.get(name)
        rows.append(
            {
                "condition": name,
                "label": cond.label if cond else None,
                "stored": entry.get("stored", 0),
                "new": entry.get("new", 0),
                "last_success": entry.get("last_success"),
                "query_changed": bool(
                    cond and entry.get("query_hash") and entry["query_hash"] != cond.query_hash
                ),
                "in_queries": cond is not None,
            }
        )
    return rows


def status_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="acutrack status")
    table.add_column("condition")
    table.add_column("label")
    table.add_column("stored", justify="right")
    table.add_column("new", justify="right")
    table.add_column("last successful update")
    table.add_column("note")
    for row in rows:
        note = ""
        if row["query_changed"]:
            note = "query changed: history restarts on the next update"
        elif not row["in_queries"]:
            note = "imported; not in queries.toml"
        elif not row["last_success"]:
            note = "never updated"
        table.add_row(
            row["condition"],
            Text(clean(row["label"] or "")),
            str(row["stored"]),
            str(row["new"]),
            row["last_success"] or "-",
            note,
        )
    return table
