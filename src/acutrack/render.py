"""Rich renderables and the two consoles.

Render functions return renderables (tests print them into a ``Console(file=StringIO())``).
Text from PubMed is data: it goes into ``rich.text.Text`` objects, never into markup
strings, and control characters are removed, so a title holding ``[bold]`` or an escape
sequence prints literally and cannot drive the terminal.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.pager import Pager
from rich.text import Text

if TYPE_CHECKING:  # rich.table loads only where a Table is drawn: not for show or search
    from rich.table import Table

# PubMed text made safe for a terminal (no C0/C1 controls such as ESC or CSI), defined once
# in article.py, which stays free of rich for quick exports.
from .article import clean, doi_url, one_line, plural, pmc_url, pubmed_url, size_phrase, size_source
from .flags import STYLES, SYNTHESES, TIER_BY_KEY


@cache
def out_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


@cache
def err_console() -> Console:
    # soft_wrap: a warning is one line however long; a terminal wraps it at its own width,
    # and a pipe or log file gets it whole instead of broken at rich's default 80 columns.
    return Console(stderr=True, highlight=False, soft_wrap=True)


class UpdateProgress:
    """A rich progress line per query, on the terminal only: searching, then fetching."""

    def __init__(self, console: Console) -> None:
        # Imported here: rich.progress costs read-only commands ~6 ms of start-up.
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

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
    from rich.table import Table

    table = Table(title="acutrack update", show_edge=False)
    table.add_column("condition")
    table.add_column("new", justify="right")
    table.add_column("RCT", justify="right")
    table.add_column("MA/SR", justify="right")
    table.add_column("stored", justify="right")
    table.add_column("note")
    for c in outcome.conditions:
        note = (
            Text("not tried: " + clean(c.error), style="yellow")
            if c.error and not c.tried
            else Text(clean(c.error), style="red")
            if c.error
            else Text("query changed: history restarted" if c.restarted else "")
        )
        table.add_row(
            c.name,
            f"{c.new:,}",
            f"{c.new_flags['rct']:,}",
            f"{sum(c.new_flags[f] for f in SYNTHESES):,}",
            f"{c.stored:,}",
            note,
        )
    parts: list[Any] = [table]
    if outcome.refresh_error:
        parts.append(Text(clean(outcome.refresh_error), style="red"))
    elif outcome.refreshed:
        parts.append(
            Text(f"{outcome.refreshed:,} not yet indexed records checked for updates", style="dim")
        )
    from .sync import reparse_lines

    parts += [
        Text(line, style="red" if outcome.reparse_error else "dim")
        for line in reparse_lines(outcome)
    ]
    return Group(*parts)


# --- show, article, search, stats ------------------------------------------------------------

# Study-type badges: retractions in red, designs on coloured backgrounds, the rest quiet
# (styles from the flag registry).
BADGE_STYLES: dict[str, str] = dict(STYLES)


def _link(label: str, url: str | None, style: str = "") -> Text:
    """A terminal hyperlink; the URL goes in a Style object, never through markup."""
    from rich.style import Style

    return Text(label, style=Style.parse(style) + Style(link=url) if url else style)


def badges(flags: Any) -> Text:
    """The study-type badges of an article (RETRACTED first), each in its colour."""
    from .export import LABELS, badge_flags

    out = Text()
    for flag in badge_flags(flags):
        if out:
            out.append(" ")
        out.append(LABELS.get(flag, clean(flag)), style=BADGE_STYLES.get(flag, ""))
    return out


class ArticleTable:
    """A list of articles drawn as a table, line by line.

    Columns are sized here (fixed ones to their longest cell, capped; the title takes what
    is left), so nothing is measured twice: about five times faster than
    ``rich.table.Table`` for a 50-row list, which matters for start-up. ``columns`` holds
    (header, cells, options) with options ``width``, ``flex`` (takes the width left),
    ``wrap`` (at word boundaries; otherwise cut with an ellipsis) and ``justify``.
    """

    GAP = "  "

    def __init__(self, columns: list[tuple[str, list[Text], dict[str, Any]]], width: int) -> None:
        self.columns = columns
        self.width = width

    def __rich_console__(self, console: Console, options: Any) -> Any:
        from rich.segment import Segment

        width = min(self.width, options.max_width)
        widths = [o["width"] for _, _, o in self.columns]
        gaps = len(self.GAP) * (len(self.columns) - 1)
        flexible = [i for i, (_, _, o) in enumerate(self.columns) if o.get("flex")]
        for i in flexible:
            widths[i] = max(width - gaps - sum(w for j, w in enumerate(widths) if j != i), 12)
        total = sum(widths) + gaps

        plain = console.color_system is None  # a pipe or file: styles and links draw nothing

        def emit(line: Text) -> Any:
            line.rstrip()
            line.truncate(width)
            if plain:
                yield Segment(line.plain)
            else:
                segments = line.render(console)  # without the line's own style: applied here
                yield from Segment.apply_style(segments, console.get_style(line.style or "none"))
            yield Segment.line()

        names = [
            name.rjust(w) if opts.get("justify") == "right" else name.ljust(w)
            for (name, _, opts), w in zip(self.columns, widths, strict=True)
        ]
        yield from emit(Text(self.GAP.join(names).rstrip(), style="bold"))
        yield from emit(Text("─" * total, style="dim"))
        rows = len(self.columns[0][1]) if self.columns else 0
        for r in range(rows):
            if r:
                yield Segment.line()
            blocks: list[list[Text]] = []
            for i, (_, cells, opts) in enumerate(self.columns):
                cell = cells[r]
                if opts.get("wrap"):
                    lines = list(cell.wrap(console, widths[i], overflow="fold"))
                else:
                    lines = [cell.copy()]
                    lines[0].truncate(widths[i], overflow="ellipsis")
                blocks.append(lines)
            for n in range(max(len(b) for b in blocks)):
                line = Text()
                for i, lines in enumerate(blocks):
                    if i:
                        line.append(self.GAP)
                    piece = lines[n].copy() if n < len(lines) else Text()
                    pad = " " * max(widths[i] - piece.cell_len, 0)
                    if self.columns[i][2].get("justify") == "right":
                        line.append(pad)
                        line.append_text(piece)
                    else:
                        line.append_text(piece)
                        if i < len(blocks) - 1:
                            line.append(pad)
                yield from emit(line)


def highlighted(text: str, words: list[str] | None, style: str) -> Text:
    """``text`` with every case-insensitive match of ``words`` in ``style``."""
    out = Text(text)
    if words:
        import re

        out.highlight_regex(re.compile("|".join(map(re.escape, words)), re.IGNORECASE), style)
    return out


def articles_table(
    rows: list[dict[str, Any]],
    *,
    width: int | None = None,
    show_conditions: bool = False,
    highlight: list[str] | None = None,
) -> ArticleTable:
    """Articles one per row: NEW marker, badges, trial size, year, title, first author,
    journal, conditions, PMID (a link to PubMed).

    Narrow widths drop the journal, then the first author and the conditions column; the
    title takes the width left and wraps. ``highlight``: words to mark in titles. Fixed
    columns are as wide as their longest cell, capped.
    """
    from .export import first_author

    width = width or 120
    columns: list[tuple[str, list[Text], dict[str, Any]]] = []

    def column(header: str, cells: list[Text], cap: int | None = None, **options: Any) -> None:
        if cap is not None:
            longest = max([len(header), *(c.cell_len for c in cells)])
            options["width"] = min(longest, cap)
        else:
            options.update(width=0, flex=True, wrap=True)
        columns.append((header, cells, options))

    if any(row.get("new") for row in rows):
        column("", [Text("NEW", style="bold green") if r.get("new") else Text() for r in rows], 3)
    column("type", [badges(r.get("flags")) for r in rows], 13, wrap=True)
    if width >= 70 and any(r.get("sample_size") is not None for r in rows):  # trial size
        sizes = [r.get("sample_size") for r in rows]
        column("n", [Text("" if n is None else f"{n:,}") for n in sizes], 7, justify="right")
    column("year", [Text(str(r.get("year") or "")) for r in rows], 4, justify="right")
    titles = [
        highlighted(clean(r.get("title")) or "(no title)", highlight, "bold yellow") for r in rows
    ]
    column("title", titles)
    if width >= 80:
        column("first author", [Text(first_author(r)) for r in rows], 20)
    if width >= 110:
        journals = [Text(clean(r.get("journal_abbrev") or r.get("journal"))) for r in rows]
        column("journal", journals, 22)
    if show_conditions and width >= 100:
        conditions = [Text(", ".join(r.get("conditions") or [])) for r in rows]
        column("conditions", conditions, 24, wrap=True)
    column("PMID", [_link(r["pmid"], pubmed_url(r["pmid"]), "cyan") for r in rows], 9)
    return ArticleTable(columns, width)


def footer_text(shown: int, total: int | None, new: int, more_hint: str | None) -> str:
    """'50 of 1,204 articles, 3 new (marked NEW); --limit N or --all shows more'.

    ``total`` None: more match but were not counted."""
    if total is None:
        text = f"{plural(shown, 'article')} (more match)"
    elif total > shown:
        text = f"{shown:,} of {total:,} articles"
    else:
        text = plural(shown, "article")
    if new:
        text += f", {new:,} new (marked NEW)"
    if more_hint:
        text += f"; {more_hint}"
    return text


def list_footer(shown: int, total: int | None, new: int, more_hint: str | None) -> Text:
    """'50 of 1,204 articles, 3 new (marked NEW); --limit N or --all shows more'."""
    return Text(footer_text(shown, total, new, more_hint), style="dim")


def listing_view(
    listing: Any, *, width: int, show_all: bool, highlight: list[str] | None = None
) -> Group:
    """A ``listing.Listing`` (with rows) as the articles table and its footer."""
    footer = list_footer(
        len(listing.rows),
        listing.total,
        listing.new,
        "--limit N or --all shows more" if listing.more and not show_all else None,
    )
    table = articles_table(
        listing.rows, width=width, show_conditions=listing.condition is None, highlight=highlight
    )
    return Group(table, footer)


def print_listing(
    listing: Any, *, show_all: bool, highlight: list[str] | None = None, empty: str
) -> None:
    """``listing_view`` on standard output, paged when taller than the terminal ($PAGER,
    else ``less -FRX``); ``empty`` when nothing matched."""
    console = out_console()
    if not listing.rows:
        console.print(Text(empty))
        return
    view = listing_view(listing, width=console.width, show_all=show_all, highlight=highlight)
    print_paged(console, view)


def _citation(row: dict[str, Any]) -> str:
    """'Arthritis Res Ther. 2021 May 3;23(1):130-41.'"""
    journal = clean(row.get("journal_abbrev") or row.get("journal"))
    when = clean(row.get("pub_date") or row.get("year") or "")
    where = clean(row.get("volume") or "")
    if row.get("issue"):
        where += f"({clean(row['issue'])})"
    if row.get("pages"):
        where += f":{clean(row['pages'])}"
    out = f"{journal}. {when}" if journal else when
    return out + (f";{where}" if where else "") + "."


def _registry_link(entry: str) -> Text:
    name, _, number = clean(entry).rpartition("/")
    if number.upper().startswith("NCT"):
        return _link(clean(entry), f"https://clinicaltrials.gov/study/{number}")
    if number.upper().startswith("ISRCTN"):
        return _link(clean(entry), f"https://www.isrctn.com/{number}")
    return Text(clean(entry))


def article_view(row: dict[str, Any], links: list[dict[str, Any]] | None = None) -> Any:
    """One article in full: title, badges, citation, links, notices, structured abstract,
    study types with their reasons, MeSH, keywords, and where and when it was first seen."""
    from rich.table import Table

    from .export import LABELS, badge_flags, notices

    head: list[Any] = [Text(clean(row.get("title")) or "(no title)", style="bold")]
    if row.get("flags"):
        head.append(badges(row.get("flags")))
    blocks: list[list[Any]] = [head]
    meta = Table.grid(padding=(0, 1))
    meta.add_column(style="bold", no_wrap=True)
    meta.add_column()

    def add(label: str, value: Any) -> None:
        if value:
            meta.add_row(label, value if isinstance(value, Text) else Text(clean(value)))

    authors = row.get("authors_full") or row.get("authors") or []
    add("Authors", "; ".join(clean(a) for a in authors))
    add("Journal", _citation(row))
    add("PMID", _link(row["pmid"], pubmed_url(row["pmid"]), "cyan"))
    if row.get("doi"):
        add("DOI", _link(clean(row["doi"]), doi_url(row["doi"]), "cyan"))
    if row.get("pmcid"):
        add("PMC", _link(clean(row["pmcid"]), pmc_url(row["pmcid"]), "cyan"))
    status = clean(row.get("status"))
    if row.get("entrez_date"):
        status += f"{'; ' if status else ''}entered PubMed {clean(row['entrez_date'])}"
    add("Status", status)
    add("Language", ", ".join(clean(x) for x in row.get("language") or []))
    add("Types", "; ".join(clean(x) for x in row.get("publication_types") or []))
    # the fragment next to the size, so a reader can check the number at a glance
    source = size_source(row)
    add("Trial size", size_phrase(row) + (f", read from {source}" if source else ""))
    if row.get("registry_numbers"):
        registry = Text()
        for i, entry in enumerate(row["registry_numbers"]):
            if i:
                registry.append("; ")
            registry.append_text(_registry_link(entry))
        add("Registry", registry)
    if links is None:
        links = [
            {"condition": c, "first_seen": row.get("first_seen")}
            for c in row.get("conditions") or []
        ]
    add(
        "Conditions",
        "; ".join(
            f"{clean(link['condition'])} (first seen {clean(link.get('first_seen') or '?')[:10]})"
            for link in links
        ),
    )
    blocks.append([meta])
    warnings = []
    for notice in notices(row):
        style = "bold red" if notice["warning"] else "bold yellow"
        line = Text(f"{notice['label']}: ", style=style)
        line.append(notice["source"])
        if notice["pmid"]:
            line.append(" ")
            line.append_text(_link(f"PMID {notice['pmid']}", pubmed_url(notice["pmid"]), "cyan"))
        warnings.append(line)
    if warnings:
        blocks.append(warnings)
    if row.get("conclusion"):
        # What the study concluded, first: PubMed text appended as plain Text, never markup.
        found = Text("Conclusion: ", style="bold green")
        found.append(one_line(row["conclusion"]), style="green")
        blocks.append([found])
    sections = row.get("abstract_sections") or []
    if sections or row.get("abstract"):
        abstract: list[Any] = [Text("Abstract", style="bold underline")]
        blocks.append(abstract)
        if not sections:
            sections = [{"label": "", "text": p} for p in clean(row["abstract"]).split("\n\n")]
        for i, section in enumerate(sections):
            if i and section.get("label"):
                abstract.append(Text(""))
            paragraph = Text()
            if section.get("label"):
                paragraph.append(clean(section["label"]) + ": ", style="bold")
            paragraph.append(clean(section.get("text")))
            abstract.append(paragraph)
    reasons = row.get("flag_reasons") or {}
    if row.get("flags"):
        why = Table.grid(padding=(0, 1))
        why.add_column(no_wrap=True)
        why.add_column()
        for flag in badge_flags(row.get("flags")):
            why.add_row(
                Text(LABELS.get(flag, clean(flag)), style=BADGE_STYLES.get(flag, "")),
                Text(clean(reasons.get(flag) or "")),
            )
        blocks.append([Text("Study type", style="bold underline"), why])
    terms = []
    for label, key in (("MeSH", "mesh"), ("Keywords", "keywords")):
        if row.get(key):
            text = Text(f"{label}: ", style="bold")
            text.append("; ".join(clean(x) for x in row[key]))
            terms.append(text)
    if terms:
        blocks.append(terms)
    out: list[Any] = []
    for block in blocks:
        if out:
            out.append(Text(""))
        out.extend(block)
    return Group(*out)


BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def _ink(style: str) -> str:
    """The colour of a badge style ('bold white on blue' -> 'blue'), to draw a bar in."""
    from rich.style import Style

    parsed = Style.parse(style)
    colour = parsed.bgcolor or parsed.color
    return colour.name if colour else style


# The chart's colours are its tiers' colours (flags.TIERS), as in the report's chart.
STATS_STYLES = {
    "rct": _ink(TIER_BY_KEY["rct"].style),
    "ma_sr": _ink(TIER_BY_KEY["ma-sr"].style),
    "other": _ink(TIER_BY_KEY["other"].style),
}


def _bar(row: dict[str, Any], scale: float) -> Text:
    """A stacked bar: RCT cells, MA/SR cells, then the other articles (1/8-cell precise)."""
    bar = Text()
    rct = round(row["rct"] * scale)
    ma_sr = round(row["ma_sr"] * scale)
    eighths = max(round(row["articles"] * scale * 8), 1 if row["articles"] else 0)
    full, part = divmod(eighths, 8)
    rct, ma_sr = min(rct, full), min(ma_sr, max(full - rct, 0))
    bar.append("█" * rct, style=STATS_STYLES["rct"])
    bar.append("█" * ma_sr, style=STATS_STYLES["ma_sr"])
    bar.append("█" * (full - rct - ma_sr), style=STATS_STYLES["other"])
    if part:
        bar.append(BAR_EIGHTHS[part], style=STATS_STYLES["other"])
    return bar


def stats_chart(rows: list[dict[str, Any]], *, title: str, width: int | None = None) -> Any:
    """Articles per year as stacked bars (RCT, MA/SR, other) with the counts beside them."""
    width = width or 100
    so_far = width >= 60
    numbers = [
        ("year", [str(r["year"]) if r["year"] is not None else "n.d." for r in rows], ""),
        ("all", [f"{r['articles']:,}" for r in rows], ""),
        ("RCT", [f"{r['rct']:,}" if r["rct"] else "" for r in rows], STATS_STYLES["rct"]),
        ("MA/SR", [f"{r['ma_sr']:,}" if r["ma_sr"] else "" for r in rows], STATS_STYLES["ma_sr"]),
    ]
    if so_far:
        numbers.append(("so far", [f"{r['total']:,}" for r in rows], "dim"))
    columns = []
    used = 0
    for header, cells, style in numbers:
        column_width = max(len(header), *(len(c) for c in cells))
        used += column_width + 2
        columns.append((header, cells, style, column_width))
    bar_width = max(width - used - 1, 8)
    peak = max((r["articles"] for r in rows), default=0)
    scale = bar_width / peak if peak else 0
    bars = [_bar(r, scale) for r in rows]
    from rich.table import Table

    # Two columns: the counts of a row as one Text (each number right-aligned in its own
    # width and style) and the bar. One cell per count would draw the same lines, but rich
    # measures every cell: that was most of `stats`'s run time.
    def joined(texts: list[tuple[str, str]]) -> Text:
        out = Text()
        for i, (text, style) in enumerate(texts):
            out.append("  " if i else "")
            out.append(text, style=style or None)
        return out

    head = joined([(h.rjust(w), "") for h, _, _, w in columns])
    table = Table(title=Text(clean(title), style="bold"), box=None, pad_edge=False)
    table.add_column(head, no_wrap=True, width=head.cell_len)
    table.add_column("", no_wrap=True, overflow="crop", width=bar_width)
    for i, bar in enumerate(bars):
        table.add_row(joined([(cells[i].rjust(w), style) for _, cells, style, w in columns]), bar)
    legend = Text()
    for label, key in (("RCT", "rct"), ("MA/SR", "ma_sr"), ("other articles", "other")):
        legend.append("█ ", style=STATS_STYLES[key])
        legend.append(label + "   ")
    total = sum(r["articles"] for r in rows)
    rct = sum(r["rct"] for r in rows)
    ma_sr = sum(r["ma_sr"] for r in rows)
    undated = "; n.d.: no year given" if any(r["year"] is None for r in rows) else ""
    reviews = plural(
        ma_sr, "meta-analysis or systematic review", "meta-analyses or systematic reviews"
    )
    summary = Text(
        f"{plural(total, 'article')}, {plural(rct, 'RCT')}, {reviews}, "
        f"by year of publication{undated}",
        style="dim",
    )
    return Group(table, Text(""), legend, summary)


def print_paged(console: Console, renderable: Any, pager: Pager | None = None) -> None:
    """Print, through a pager when the console is a terminal and the output is taller than
    the screen. $PAGER is used when set, else ``less`` with LESS=FRX as git does."""
    if not console.is_terminal:
        console.print(renderable)
        return
    from rich.segment import Segment, Segments

    lines = console.render_lines(renderable, console.options, pad=False)
    segments: list[Segment] = []
    for line in lines:
        segments.extend(line)
        segments.append(Segment.line())
    rendered = Segments(segments)
    if len(lines) < console.height:
        console.print(rendered)
        return
    with console.pager(pager=pager or SystemPager(), styles=True, links=True):
        console.print(rendered)


class SystemPager(Pager):
    """$PAGER, or ``less -FRX``; plain printing when neither can be started."""

    def show(self, content: str) -> None:
        import os
        import shutil
        import subprocess
        import sys

        command = os.environ.get("PAGER", "").strip()
        if not command and shutil.which("less"):
            command = "less"
        if not command:
            sys.stdout.write(content)
            return
        env = dict(os.environ)
        env.setdefault("LESS", "FRX")  # quit if one screen, keep colours, no screen clearing
        env.setdefault("LV", "-c")
        try:
            # PAGER may carry options ("less -S"): run it through the shell, as git does.
            proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
        except OSError:
            sys.stdout.write(content)
            return
        try:
            proc.communicate(content.encode(sys.stdout.encoding or "utf-8", "replace"))
        except KeyboardInterrupt:
            proc.wait()


def status_table(rows: list[dict[str, Any]]) -> Table:
    from rich.table import Table

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
