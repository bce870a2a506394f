"""Rich renderables and the two consoles.

Render functions return renderables (tests print them into a ``Console(file=StringIO())``).
Text from PubMed is data: it goes into ``rich.text.Text`` objects, never into markup
strings, and control characters are removed, so a title holding ``[bold]`` or an escape
sequence prints literally and cannot drive the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.text import Text

# PubMed text made safe for a terminal (no C0/C1 controls such as ESC or CSI), defined once
# in article.py, which stays free of rich for quick exports.
from ..article import (
    StoredArticle,
    clean,
    doi_url,
    one_line,
    plural,
    pmc_url,
    pubmed_url,
)
from ..flags import SYNTHESES
from .present import (
    badge_flags,
    badge_label,
    badge_style,
    citation,
    comparator_tag,
    comparators_phrase,
    first_author,
    notices,
    size_phrase,
    size_source,
)


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


def recompute_progress(console: Console) -> Callable[[int, int], None] | None:
    """A progress bar on the terminal (None elsewhere) while a writing command recomputes the
    derived data of every stored article (``store.derived``), told (done, total) per page."""
    if not console.is_terminal:
        return None
    bar: list[Any] = []

    def tick(done: int, total: int) -> None:
        from rich.progress import Progress

        if not bar:
            progress = Progress(console=console, transient=True)
            progress.start()
            bar[:] = [progress, progress.add_task("Recomputing the evidence", total=total)]
        bar[0].update(bar[1], completed=done)
        if done >= total:
            bar[0].stop()

    return tick


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
    from ..pubmed.sync import reparse_lines

    parts += [
        Text(line, style="red" if outcome.reparse_error else "dim")
        for line in reparse_lines(outcome)
    ]
    return Group(*parts)


# --- show, article, search, stats ------------------------------------------------------------


def _link(label: str, url: str | None, style: str = "") -> Text:
    """A terminal hyperlink; the URL goes in a Style object, never through markup."""
    from rich.style import Style

    return Text(label, style=Style.parse(style) + Style(link=url) if url else style)


def badges(flags: Any) -> Text:
    """The study-type badges of an article (RETRACTED first), each in its colour: retractions
    in red, designs on coloured backgrounds, the rest quiet (styles from the flag registry)."""
    out = Text()
    for flag in badge_flags(flags):
        if out:
            out.append(" ")
        out.append(badge_label(flag), style=badge_style(flag))
    return out


def _emit(console: Console, line: Text, width: int, plain: bool) -> Any:
    """One line of a list: cut to the width, drawn plain in a pipe or file (where styles
    and links draw nothing), else with its styles."""
    from rich.segment import Segment

    line.rstrip()
    line.truncate(width)
    if plain:
        yield Segment(line.plain)
    else:
        segments = line.render(console)  # without the line's own style: applied here
        yield from Segment.apply_style(segments, console.get_style(line.style or "none"))
    yield Segment.line()


def _wrapped(console: Console, cell: Text, width: int) -> list[Text]:
    """``cell`` wrapped at spaces, never inside a word: a single word longer than the width
    is cut with an ellipsis (rich's ``fold`` would break it: 'vertebropl/asty')."""
    return list(cell.wrap(console, max(width, 1), overflow="ellipsis"))


class ArticleTable:
    """A list of articles drawn as a table, line by line.

    Columns are sized here (fixed ones to their longest cell, capped; the title takes what
    is left), so nothing is measured twice: about five times faster than
    ``rich.table.Table`` for a 50-row list, which matters for start-up. ``columns`` holds
    (header, cells, options) with options ``width``, ``flex`` (takes the width left),
    ``wrap`` (at spaces; otherwise cut with an ellipsis) and ``justify``. ``first`` False:
    the rows go on a table drawn before (no header; a blank line first, as between rows).
    """

    GAP = "  "

    def __init__(
        self,
        columns: list[tuple[str, list[Text], dict[str, Any]]],
        width: int,
        first: bool = True,
    ) -> None:
        self.columns = columns
        self.width = width
        self.first = first

    def __rich_console__(self, console: Console, options: Any) -> Any:
        from rich.segment import Segment

        width = min(self.width, options.max_width)
        widths = [o["width"] for _, _, o in self.columns]
        gaps = len(self.GAP) * (len(self.columns) - 1)
        flexible = [i for i, (_, _, o) in enumerate(self.columns) if o.get("flex")]
        for i in flexible:
            widths[i] = max(width - gaps - sum(w for j, w in enumerate(widths) if j != i), 12)
        total = sum(widths) + gaps
        plain = console.color_system is None

        if self.first:
            names = [
                name.rjust(w) if opts.get("justify") == "right" else name.ljust(w)
                for (name, _, opts), w in zip(self.columns, widths, strict=True)
            ]
            header = Text(self.GAP.join(names).rstrip(), style="bold")
            yield from _emit(console, header, width, plain)
            yield from _emit(console, Text("─" * total, style="dim"), width, plain)
        rows = len(self.columns[0][1]) if self.columns else 0
        for r in range(rows):
            if r or not self.first:
                yield Segment.line()
            blocks: list[list[Text]] = []
            for i, (_, cells, opts) in enumerate(self.columns):
                cell = cells[r]
                if opts.get("wrap"):
                    lines = _wrapped(console, cell, widths[i])
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
                yield from _emit(console, line, width, plain)


class ArticleLines:
    """A list of articles for a narrow terminal: each article's title on its own lines (the
    whole width but the NEW mark), what else it has (snippet, conditions) under it, then one
    citation line: badges, trial size, first author · journal · year, and the PMID at the
    right edge. ``items`` holds (new, title block, citation, PMID link) per article.
    ``marked``: whether titles leave room for NEW (by default, when any article is new);
    ``first`` False: more articles of a list drawn before (a blank line first)."""

    def __init__(
        self,
        items: list[tuple[bool, Text, Text, Text]],
        width: int,
        marked: bool | None = None,
        first: bool = True,
    ) -> None:
        self.items = items
        self.width = width
        self.marked = any(new for new, _, _, _ in items) if marked is None else marked
        self.first = first

    def __rich_console__(self, console: Console, options: Any) -> Any:
        from rich.segment import Segment

        width = min(self.width, options.max_width)
        plain = console.color_system is None
        marked = self.marked
        indent = 5 if marked else 0  # "NEW" and two spaces
        inner = max(width - indent, 12)
        for r, (new, title, cite, pmid) in enumerate(self.items):
            if r or not self.first:
                yield Segment.line()
            for n, piece in enumerate(_wrapped(console, title, inner)):
                line = Text()
                if marked:
                    line.append_text(Text("NEW", style="bold green") if new and not n else Text())
                    line.append(" " * (indent - line.cell_len))
                line.append_text(piece)
                yield from _emit(console, line, width, plain)
            # The citation wraps at spaces when long (the year never cut off); the PMID ends
            # its first line, at the right edge.
            room = inner - pmid.cell_len - 2
            for n, cited in enumerate(_wrapped(console, cite, room)):
                line = Text(" " * indent)
                line.append_text(cited)
                if not n:
                    line.append(" " * max(inner - cited.cell_len - pmid.cell_len, 1))
                    line.append_text(pmid)
                yield from _emit(console, line, width, plain)


def highlighted(text: str, words: list[str] | None, style: str) -> Text:
    """``text`` with every case-insensitive match of ``words`` in ``style``."""
    out = Text(text)
    if words:
        import re

        out.highlight_regex(re.compile("|".join(map(re.escape, words)), re.IGNORECASE), style)
    return out


MATCH_STYLE = "bold yellow"


def marked_snippet(snippet: str) -> Text:
    """An FTS5 snippet (the matched words between ``store.search.MARK_START`` and
    ``MARK_END``) as one dim line with the matches in ``MATCH_STYLE``: each piece appended as
    plain text, so PubMed text is never read as markup."""
    import re

    from ..store import MARK_END, MARK_START

    def flat(piece: str) -> str:  # controls out, every run of whitespace one space
        return re.sub(r"\s+", " ", clean(piece))

    out = Text(style="dim")
    first, *rest = snippet.split(MARK_START)
    out.append(flat(first).lstrip())
    for piece in rest:
        match, _, after = piece.partition(MARK_END)
        out.append(flat(match), style=MATCH_STYLE)
        out.append(flat(after))
    out.rstrip()
    return out


# From this width a table (badges, year, title, author, journal, PMID); below it, the
# two-line layout, so titles get the width. The table's title keeps MIN_TITLE columns by
# dropping the journal, then the first author.
WIDE_LAYOUT = 100
MIN_TITLE = 48


def _title_block(row: StoredArticle, highlight: list[str] | None, conditions: bool) -> Text:
    """The title (search words marked), then the snippet of a search match in the abstract
    and the conditions it is stored under, each on a line of its own."""
    block = highlighted(clean(row.title) or "(no title)", highlight, MATCH_STYLE)
    if row.snippet:
        block.append("\n")
        block.append_text(marked_snippet(row.snippet))
    if conditions and row.conditions:
        block.append("\n")
        block.append("in " + ", ".join(clean(c) for c in row.conditions), style="dim")
    return block


def kind_cell(row: StoredArticle) -> Text:
    """The badges, and under them what a trial was compared against ('vs sham')."""
    cell = badges(row.flags)
    tag = comparator_tag(row)
    if tag:
        cell.append("\n" if cell else "")
        cell.append(tag, style="dim")
    return cell


def citation_line(row: StoredArticle) -> Text:
    """'RCT sham  vs sham  n=120  Smith J et al. · J. Clin. Oncol. · 2021': badges, what a
    trial was compared against, trial size, first author, journal (as abbreviated, its own
    stops kept) and year."""
    out = badges(row.flags)
    if comparator_tag(row):
        out.append("  " if out else "")
        out.append(comparator_tag(row), style="dim")
    if row.sample_size is not None:
        out.append("  " if out else "")
        out.append(f"n={row.sample_size:,}")
    journal = one_line(row.journal_abbrev or row.journal)
    parts = [p for p in (first_author(row), journal, str(row.year or "")) if p]
    if parts:
        out.append("  " if out else "")
        out.append(" · ".join(parts))
    return out


def articles_table(
    rows: list[StoredArticle],
    *,
    width: int | None = None,
    show_conditions: bool = False,
    highlight: list[str] | None = None,
    entered: bool = False,
    widths: Mapping[str, int] | None = None,
    first: bool = True,
) -> ArticleTable | ArticleLines:
    """Articles, newest or best first: from ``WIDE_LAYOUT`` columns a table (NEW marker,
    badges, trial size, year, title, first author, journal, PMID as a link to PubMed), below
    it two lines per article (``ArticleLines``). ``highlight``: words to mark in titles;
    ``show_conditions``: each article's conditions under its title. Titles wrap at spaces.
    ``entered``: the table's date column is the month each entered PubMed (what "newest
    first" sorts by) instead of the year of publication, which would look shuffled.

    A long list is drawn a chunk of rows at a time (``long_listing``): ``widths`` then gives
    the columns and their widths, by header, decided for the whole list (a NEW column, or
    room for NEW below ``WIDE_LAYOUT``, when its key "" is there); ``first`` False draws rows
    that continue the list above.
    """
    width = width or 120
    titles = [_title_block(r, highlight, show_conditions) for r in rows]
    pmids = [_link(r.pmid, pubmed_url(r.pmid), "cyan") for r in rows]

    def wanted(header: str, present: bool) -> bool:
        return present if widths is None else header in widths

    if width < WIDE_LAYOUT:
        items = [(bool(r.new), titles[i], citation_line(r), pmids[i]) for i, r in enumerate(rows)]
        marked = None if widths is None else "" in widths
        return ArticleLines(items, width, marked, first)
    columns: list[tuple[str, list[Text], dict[str, Any]]] = []

    def column(header: str, cells: list[Text], cap: int | None = None, **options: Any) -> None:
        if cap is not None:
            longest = max([len(header), *(c.cell_len for c in cells)])
            options["width"] = min(longest, cap) if widths is None else widths[header]
        else:
            options.update(width=0, flex=True, wrap=True)
        columns.append((header, cells, options))

    if wanted("", any(row.new for row in rows)):
        column("", [Text("NEW", style="bold green") if r.new else Text() for r in rows], 3)
    kinds = [kind_cell(r) for r in rows]
    if wanted("type", any(kinds)):  # no empty column when nothing listed has a badge
        column("type", kinds, 13, wrap=True)
    if wanted("n", any(r.sample_size is not None for r in rows)):  # trial size
        sizes = [r.sample_size for r in rows]
        column("n", [Text("" if n is None else f"{n:,}") for n in sizes], 7, justify="right")
    if entered:
        months = [Text(clean(r.entrez_date or "")[:7]) for r in rows]
        column("entered", months, 7, justify="right")
    else:
        column("year", [Text(str(r.year or "")) for r in rows], 4, justify="right")
    column("title", titles)
    column("first author", [Text(first_author(r)) for r in rows], 18)
    journals = [Text(clean(r.journal_abbrev or r.journal)) for r in rows]
    column("journal", journals, 20)
    column("PMID", pmids, 9)
    for name in ("journal", "first author"):  # the title keeps MIN_TITLE columns
        fixed = sum(o["width"] for _, _, o in columns) + len(ArticleTable.GAP) * (len(columns) - 1)
        if width - fixed >= MIN_TITLE:
            break
        columns = [c for c in columns if c[0] != name]
    return ArticleTable(columns, width, first)


def footer_text(
    shown: int, total: int | None, new: int, more_hint: str | None, order: str | None = None
) -> str:
    """'50 of 1,204 articles, 3 new (marked NEW), newest in PubMed first; --limit N or --all
    shows more'.

    ``total`` None: more match but were not counted. ``order``: how the rows are sorted, in
    words (``listing.ORDERS``)."""
    if total is None:
        text = f"{plural(shown, 'article')} (more match)"
    elif total > shown:
        text = f"{shown:,} of {total:,} articles"
    else:
        text = plural(shown, "article")
    if new:
        text += f", {new:,} new (marked NEW)"
    if order:
        text += f", {order}"
    if more_hint:
        text += f"; {more_hint}"
    return text


def list_footer(
    shown: int, total: int | None, new: int, more_hint: str | None, order: str | None = None
) -> Text:
    """``footer_text`` as a dim line."""
    return Text(footer_text(shown, total, new, more_hint, order), style="dim")


def listing_view(
    listing: Any, *, width: int, show_all: bool, highlight: list[str] | None = None
) -> Group:
    """A ``listing.Listing`` (with rows) as the articles table and its footer, then, when
    new articles match but were not listed, how many and the command that lists them."""
    table = articles_table(listing.rows, width=width, highlight=highlight, **view_options(listing))
    return Group(table, *listing_tail(listing, width=width, show_all=show_all))


def view_options(listing: Any) -> dict[str, Any]:
    """How ``articles_table`` draws a listing's rows, whether in one table or in chunks."""
    return {"show_conditions": listing.condition is None, "entered": listing.order == "newest"}


def listing_tail(listing: Any, *, width: int, show_all: bool) -> list[Text]:
    """What follows a listing's table: its footer, then the new articles left out."""
    from .listing import new_hint, order_words

    order = order_words(listing.order, wide=width >= WIDE_LAYOUT)
    footer = list_footer(
        listing.shown,
        listing.total,
        listing.new,
        "--limit N or --all shows more" if listing.more and not show_all else None,
        order,
    )
    hint = new_hint(listing)
    if hint:  # new articles the limit left out: said last, where the eye ends
        return [footer, Text(hint, style="bold yellow")]
    return [footer]


def print_listing(
    console: Console,
    listing: Any,
    *,
    show_all: bool,
    highlight: list[str] | None = None,
    empty: str,
) -> None:
    """``listing_view`` on ``console`` (standard output), paged when taller than the terminal
    ($PAGER, else ``less -FRX``); ``empty`` when nothing matched."""
    if not listing.rows:
        console.print(Text(empty))
        return
    from .paging import print_paged

    view = listing_view(listing, width=console.width, show_all=show_all, highlight=highlight)
    print_paged(console, view)


def _registry_link(entry: str) -> Text:
    name, _, number = clean(entry).rpartition("/")
    if number.upper().startswith("NCT"):
        return _link(clean(entry), f"https://clinicaltrials.gov/study/{number}")
    if number.upper().startswith("ISRCTN"):
        return _link(clean(entry), f"https://www.isrctn.com/{number}")
    return Text(clean(entry))


def article_view(row: StoredArticle, links: list[dict[str, Any]] | None = None) -> Any:
    """One article in full: title, badges, citation, links, notices, structured abstract,
    study types with their reasons, MeSH, keywords, and where and when it was first seen."""
    from rich.table import Table

    head: list[Any] = [Text(clean(row.title) or "(no title)", style="bold")]
    if row.flags:
        head.append(badges(row.flags))
    blocks: list[list[Any]] = [head]
    meta = Table.grid(padding=(0, 1))
    meta.add_column(style="bold", no_wrap=True)
    meta.add_column()

    def add(label: str, value: Any) -> None:
        if value:
            meta.add_row(label, value if isinstance(value, Text) else Text(clean(value)))

    authors = row.authors_full or row.authors
    add("Authors", "; ".join(clean(a) for a in authors))
    add("Journal", citation(row))
    add("PMID", _link(row.pmid, pubmed_url(row.pmid), "cyan"))
    if row.doi:
        add("DOI", _link(clean(row.doi), doi_url(row.doi), "cyan"))
    if row.pmcid:
        add("PMC", _link(clean(row.pmcid), pmc_url(row.pmcid), "cyan"))
    status = clean(row.status)
    if row.entrez_date:
        status += f"{'; ' if status else ''}entered PubMed {clean(row.entrez_date)}"
    add("Status", status)
    add("Language", ", ".join(clean(x) for x in row.language))
    add("Types", "; ".join(clean(x) for x in row.publication_types))
    # the fragment next to the size, so a reader can check the number at a glance
    source = size_source(row)
    add("Trial size", size_phrase(row) + (f", read from {source}" if source else ""))
    if row.comparators is not None:  # a trial: what it was compared against
        add("Versus", comparators_phrase(row) or "not stated in the abstract")
    if row.registry_numbers:
        registry = Text()
        for i, entry in enumerate(row.registry_numbers):
            if i:
                registry.append("; ")
            registry.append_text(_registry_link(entry))
        add("Registry", registry)
    if links is None:
        links = [{"condition": c, "first_seen": row.first_seen} for c in row.conditions]
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
    if row.conclusion:
        # What the study concluded, first: PubMed text appended as plain Text, never markup.
        found = Text("Conclusion: ", style="bold green")
        found.append(one_line(row.conclusion), style="green")
        blocks.append([found])
    sections: Sequence[Mapping[str, Any]] = row.abstract_sections
    if sections or row.abstract:
        abstract: list[Any] = [Text("Abstract", style="bold underline")]
        blocks.append(abstract)
        if not sections:
            sections = [{"label": "", "text": p} for p in clean(row.abstract).split("\n\n")]
        for i, section in enumerate(sections):
            if i and section.get("label"):
                abstract.append(Text(""))
            paragraph = Text()
            if section.get("label"):
                paragraph.append(clean(section["label"]) + ": ", style="bold")
            paragraph.append(clean(section.get("text")))
            abstract.append(paragraph)
    reasons = row.flag_reasons
    if row.flags:
        why = Table.grid(padding=(0, 1))
        why.add_column(no_wrap=True)
        why.add_column()
        for flag in badge_flags(row.flags):
            why.add_row(
                Text(badge_label(flag), style=badge_style(flag)),
                Text(clean(reasons.get(flag) or "")),
            )
        blocks.append([Text("Study type", style="bold underline"), why])
    terms = []
    for label, values in (("MeSH", row.mesh), ("Keywords", row.keywords)):
        if values:
            text = Text(f"{label}: ", style="bold")
            text.append("; ".join(clean(x) for x in values))
            terms.append(text)
    if terms:
        blocks.append(terms)
    out: list[Any] = []
    for block in blocks:
        if out:
            out.append(Text(""))
        out.extend(block)
    return Group(*out)
