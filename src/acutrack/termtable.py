"""The article table of `show` and `search`, drawn without loading rich's console.

Importing ``rich.console`` costs about 20 ms, half of a bare ``import click``; the table
needs none of it. This module builds the table's cells as runs of (text, style, link), lays
them out and wraps them the way ``render.ArticleTable`` does on a rich console (rich's own
``cell_len`` and word-wrap rule from ``rich.cells`` and ``rich._wrap``, about 3 ms), and
writes ANSI styles and OSC 8 links itself, with the terminal detected as rich detects it
(``TTY_COMPATIBLE``, ``FORCE_COLOR``, ``NO_COLOR``, ``TERM``, ``COLORTERM``, ``COLUMNS``,
``LINES``). Text from PubMed arrives through ``article.clean`` (no control characters), and
only this module's own codes reach the terminal. Anything it does not draw the same way
(Windows consoles, a tab or line break in a cell, a style it cannot write) is left to
``render.print_listing`` and rich.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from rich._wrap import divide_line
from rich.cells import cell_len, set_cell_size
from rich.pager import Pager

from .article import clean, plural, pubmed_url

Run = tuple[str, str, str | None]  # text, style ("bold green", "" for none), link URL
Cell = list[Run]
Column = tuple[str, list[Cell], dict[str, Any]]

GAP = "  "


class Unsupported(Exception):
    """The table holds something only rich draws faithfully."""


# --- cells ------------------------------------------------------------------------------------


def plain(cell: Cell) -> str:
    return "".join(text for text, _, _ in cell)


def _restyle(cell: Cell, new: str) -> Cell:
    """``new`` with the styles ``cell`` has at the same positions (rich's ``Text.plain =``)."""
    out: Cell = []
    pos = 0
    for text, style, link in cell:
        piece = new[pos : pos + len(text)]
        if piece:
            out.append((piece, style, link))
        pos += len(text)
    if pos < len(new):
        out.append((new[pos:], "", None))
    return out


def _slice(cell: Cell, start: int, end: int) -> Cell:
    out: Cell = []
    pos = 0
    for text, style, link in cell:
        a, b = max(start - pos, 0), min(end - pos, len(text))
        if a < b:
            out.append((text[a:b], style, link))
        pos += len(text)
    return out


def truncate(cell: Cell, width: int, ellipsis: bool = False) -> Cell:
    """Cut to ``width`` cells, with '…' as the last one when ``ellipsis``."""
    text = plain(cell)
    if cell_len(text) <= width:
        return cell
    if ellipsis:
        return _restyle(cell, set_cell_size(text, width - 1) + "…")
    return _restyle(cell, set_cell_size(text, width))


def wrap(cell: Cell, width: int) -> list[Cell]:
    """Word-wrapped lines of at most ``width`` cells (long words folded), as rich wraps
    a line (``Text.wrap``; no line breaks here: ``table_lines`` leaves those to rich)."""
    text = plain(cell)
    offsets = [0, *divide_line(text, width, fold=True), len(text)]
    lines = []
    for a, b in zip(offsets, offsets[1:], strict=False):
        piece = _slice(cell, a, b)
        if b - a > width:  # whitespace beyond the width goes (rich's rstrip_end)
            kept = plain(piece)
            trailing = len(kept) - len(kept.rstrip())
            piece = _restyle(piece, kept[: b - a - min(trailing, b - a - width)])
        lines.append(truncate(piece, width))
    return lines


def highlighted(text: str, words: list[str] | None, style: str) -> Cell:
    """``text`` with every case-insensitive match of ``words`` in ``style``."""
    if not words:
        return [(text, "", None)]
    cell: Cell = []
    pos = 0
    for match in re.finditer("|".join(map(re.escape, words)), text, flags=re.IGNORECASE):
        if match.end() > match.start():
            cell += [(text[pos : match.start()], "", None), (match.group(), style, None)]
            pos = match.end()
    return [run for run in [*cell, (text[pos:], "", None)] if run[0]]


def badge_cell(flags: Any) -> Cell:
    """The study-type badges of an article (RETRACTED first), each in its colour."""
    from .export import LABELS, badge_flags
    from .flags import STYLES

    cell: Cell = []
    for flag in badge_flags(flags):
        if cell:
            cell.append((" ", "", None))
        cell.append((LABELS.get(flag, clean(flag)), STYLES.get(flag, ""), None))
    return cell


def table_columns(
    rows: list[dict[str, Any]],
    *,
    width: int,
    show_conditions: bool = False,
    highlight: list[str] | None = None,
) -> list[Column]:
    """The columns of an article list: NEW marker, badges, trial size, year, title, first
    author, journal, conditions, PMID (a link to PubMed).

    Narrow widths drop the journal, then the first author and the conditions column; the
    title takes the width left and wraps. Options: ``width`` (fixed columns: their longest
    cell, capped), ``flex`` (takes the width left), ``wrap`` (at word boundaries; otherwise
    cut with an ellipsis) and ``justify``.
    """
    from .export import first_author

    columns: list[Column] = []

    def column(header: str, cells: list[Cell], cap: int | None = None, **options: Any) -> None:
        if cap is not None:
            longest = max([cell_len(header), *(cell_len(plain(c)) for c in cells)])
            options["width"] = min(longest, cap)
        else:
            options.update(width=0, flex=True, wrap=True)
        columns.append((header, cells, options))

    def text(value: str) -> Cell:
        return [(value, "", None)] if value else []

    if any(row.get("new") for row in rows):
        column("", [[("NEW", "bold green", None)] if r.get("new") else [] for r in rows], 3)
    column("type", [badge_cell(r.get("flags")) for r in rows], 13, wrap=True)
    if width >= 70 and any(r.get("sample_size") is not None for r in rows):  # trial size
        sizes = [r.get("sample_size") for r in rows]
        column("n", [text("" if n is None else f"{n:,}") for n in sizes], 7, justify="right")
    column("year", [text(str(r.get("year") or "")) for r in rows], 4, justify="right")
    titles = [
        highlighted(clean(r.get("title")) or "(no title)", highlight, "bold yellow") for r in rows
    ]
    column("title", titles)
    if width >= 80:
        column("first author", [text(first_author(r)) for r in rows], 20)
    if width >= 110:
        journals = [text(clean(r.get("journal_abbrev") or r.get("journal"))) for r in rows]
        column("journal", journals, 22)
    if show_conditions and width >= 100:
        conditions = [text(", ".join(r.get("conditions") or [])) for r in rows]
        column("conditions", conditions, 24, wrap=True)
    column("PMID", [[(r["pmid"], "cyan", pubmed_url(r["pmid"]))] for r in rows], 9)
    return columns


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


# --- layout -----------------------------------------------------------------------------------


def table_lines(columns: list[Column], width: int) -> list[Cell]:
    """The table's lines: bold header, dim rule, rows with a blank line between them; each
    line without trailing spaces and at most ``width`` cells."""
    widths = [o["width"] for _, _, o in columns]
    gaps = len(GAP) * (len(columns) - 1)
    for i, (_, _, o) in enumerate(columns):
        if o.get("flex"):
            widths[i] = max(width - gaps - sum(w for j, w in enumerate(widths) if j != i), 12)
    total = sum(widths) + gaps

    def finish(line: Cell) -> Cell:
        text = plain(line)
        return truncate(_restyle(line, text.rstrip()), width)

    names = [
        name.rjust(w) if opts.get("justify") == "right" else name.ljust(w)
        for (name, _, opts), w in zip(columns, widths, strict=True)
    ]
    out = [finish([(GAP.join(names).rstrip(), "bold", None)])]
    out.append(finish([("─" * total, "dim", None)]))
    for r in range(len(columns[0][1]) if columns else 0):
        if r:
            out.append([])
        blocks = []
        for i, (_, cells, opts) in enumerate(columns):
            cell = cells[r]
            if any("\t" in t or "\n" in t for t, _, _ in cell):
                raise Unsupported("tab or line break in a cell")
            blocks.append(
                wrap(cell, widths[i]) if opts.get("wrap") else [truncate(cell, widths[i], True)]
            )
        for n in range(max(len(b) for b in blocks)):
            line: Cell = []
            for i, lines in enumerate(blocks):
                if i:
                    line.append((GAP, "", None))
                piece = lines[n] if n < len(lines) else []
                pad: Cell = [(" " * max(widths[i] - cell_len(plain(piece)), 0), "", None)]
                if columns[i][2].get("justify") == "right":
                    line += pad + piece
                else:
                    line += piece + (pad if i < len(blocks) - 1 else [])
            out.append(finish(line))
    return out


# --- the terminal -----------------------------------------------------------------------------


class Terminal:
    """Standard output as rich's ``Console()`` sees it: a terminal or not, its colours and
    size (see ``rich.console.Console.is_terminal``, ``_detect_color_system`` and ``size``)."""

    def __init__(self, environ: Any = None, stream: Any = None) -> None:
        env = os.environ if environ is None else environ
        stream = sys.stdout if stream is None else stream
        compatible = env.get("TTY_COMPATIBLE", "")
        if compatible in ("0", "1"):
            self.is_terminal = compatible == "1"
        elif env.get("FORCE_COLOR") is not None:
            self.is_terminal = env["FORCE_COLOR"] != ""
        else:
            try:
                self.is_terminal = bool(stream.isatty())
            except (AttributeError, ValueError):
                self.is_terminal = False
        dumb = self.is_terminal and env.get("TERM", "").lower() in ("dumb", "unknown")
        self.colours: str | None = None
        if self.is_terminal and not dumb:
            term = env.get("TERM", "").strip().lower().rpartition("-")[2]
            if env.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
                self.colours = "truecolor"
            else:
                self.colours = "256" if term in ("kitty", "256color") else "standard"
        self.no_color = env.get("NO_COLOR", "") != ""
        width = height = None
        if dumb:
            width, height = 80, 25
        else:
            for fd in (0, 1, 2):
                try:
                    width, height = os.get_terminal_size(fd)
                except (AttributeError, ValueError, OSError):
                    continue
                break
            if env.get("COLUMNS", "").isdigit():
                width = int(env["COLUMNS"])
            if env.get("LINES", "").isdigit():
                height = int(env["LINES"])
        self.width, self.height = width or 80, height or 25


_ATTRIBUTES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "reverse": "7"}
_NAMED = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
_COLOURS = {
    **{n: i for i, n in enumerate(_NAMED)},
    **{f"bright_{n}": i + 8 for i, n in enumerate(_NAMED)},
}
# 256-colour names in the flag registry, with the standard colour rich turns them into on a
# 16-colour terminal (checked against rich in tests/test_termtable.py).
_EIGHT_BIT = {"dark_sea_green2": (157, 7)}


def _colour(name: str, background: bool, colours: str) -> str:
    if name in _EIGHT_BIT:
        number, standard = _EIGHT_BIT[name]
        if colours != "standard":
            return f"{48 if background else 38};5;{number}"
        name = _NAMED[standard]
    if name not in _COLOURS:
        raise Unsupported(f"colour {name!r}")
    n = _COLOURS[name]
    return str((40 if background else 30) + n if n < 8 else (100 if background else 90) + n - 8)


def sgr(style: str, colours: str, no_color: bool = False) -> str:
    """The SGR parameters rich writes for a style such as 'bold white on red'."""
    attributes, fg, bg = [], None, None
    words = style.split()
    i = 0
    while i < len(words):
        word = words[i]
        if word in _ATTRIBUTES:
            attributes.append(word)
        elif word == "on" and i + 1 < len(words):
            bg = words[i + 1]
            i += 1
        elif fg is None:
            fg = word
        else:
            raise Unsupported(f"style {style!r}")
        i += 1
    codes = [_ATTRIBUTES[a] for a in _ATTRIBUTES if a in attributes]
    if not no_color:
        codes += [_colour(c, b, colours) for c, b in ((fg, False), (bg, True)) if c]
    return ";".join(codes)


def ansi(line: Cell, term: Terminal) -> str:
    """A line as the terminal gets it: styled runs in SGR codes, links as OSC 8."""
    if term.colours is None:
        return plain(line)
    out = []
    for text, style, link in line:
        codes = sgr(style, term.colours, term.no_color) if style else ""
        piece = f"\x1b[{codes}m{text}\x1b[0m" if codes else text
        if link:
            piece = f"\x1b]8;id={abs(hash(link)) % 10**8};{link}\x1b\\{piece}\x1b]8;;\x1b\\"
        out.append(piece)
    return "".join(out)


def print_listing(
    listing: Any, *, show_all: bool, highlight: list[str] | None = None, empty: str
) -> bool:
    """A ``listing.Listing`` as the articles table with its footer, paged when taller than
    the terminal ($PAGER, else ``less -FRX``): what ``render.print_listing`` draws.

    False (and nothing written) where only rich draws it faithfully."""
    term = Terminal()
    try:
        if sys.platform == "win32":
            raise Unsupported("a Windows console")
        if not listing.rows:
            lines = wrap([(empty, "", None)], term.width)
        else:
            columns = table_columns(
                listing.rows,
                width=term.width,
                show_conditions=listing.condition is None,
                highlight=highlight,
            )
            hint = "--limit N or --all shows more" if listing.more and not show_all else None
            footer = footer_text(len(listing.rows), listing.total, listing.new, hint)
            lines = table_lines(columns, term.width)
            lines += wrap([(footer, "dim", None)], term.width)
        text = "".join(ansi(line, term) + "\n" for line in lines)
    except Unsupported:
        return False
    if term.is_terminal and listing.rows and len(lines) >= term.height:
        SystemPager().show(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return True


class SystemPager(Pager):
    """$PAGER, or ``less -FRX``; plain printing when neither can be started."""

    def show(self, content: str) -> None:
        import shutil
        import subprocess

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
