"""Rich renderables for counts: the `status` table and the `stats` chart.

Kept apart from terminal.py (the article lists) so each module stays small; the names are
re-exported there. PubMed text never reaches these views except condition labels, which go
into ``Text`` objects as data.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from .. import newness
from ..article import clean, plural
from ..flags import TIER_BY_KEY, evidence_tiers

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


def _cells(count: int, scale: float) -> int:
    """Whole cells for a count: never zero for a count above zero, so one RCT shows."""
    return max(round(count * scale), 1 if count else 0)


def _evidence_bar(row: dict[str, Any], scale: float) -> Text:
    """RCT cells, then MA/SR cells, on the evidence scale."""
    bar = Text()
    bar.append("█" * _cells(row["rct"], scale), style=STATS_STYLES["rct"])
    bar.append("█" * _cells(row["ma_sr"], scale), style=STATS_STYLES["ma_sr"])
    return bar


def _all_bar(count: int, scale: float) -> Text:
    """All articles of a year (1/8-cell precise, at least an eighth when there are any)."""
    eighths = max(round(count * scale * 8), 1 if count else 0)
    full, part = divmod(eighths, 8)
    return Text("█" * full + (BAR_EIGHTHS[part] if part else ""), style=STATS_STYLES["other"])


def stats_chart(rows: list[dict[str, Any]], *, title: str, width: int | None = None) -> Any:
    """Articles per year: the counts, then two bars on their own scales, so a year with one
    RCT among hundreds of articles still shows it: the evidence (RCT, MA/SR) scaled to the
    year with the most, and all articles scaled to the busiest year."""
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
    bars_width = max(width - used - 1, 18)
    evidence_width = max(bars_width * 2 // 5, 8)
    all_width = max(bars_width - evidence_width - 2, 8)
    evidence_peak = max((r["rct"] + r["ma_sr"] for r in rows), default=0)
    peak = max((r["articles"] for r in rows), default=0)
    evidence_scale = evidence_width / evidence_peak if evidence_peak else 0
    scale = all_width / peak if peak else 0
    from rich.table import Table

    # The counts of a row are one Text (each number right-aligned in its own width and
    # style): one cell per count would draw the same lines, but rich measures every cell.
    def joined(texts: list[tuple[str, str]]) -> Text:
        out = Text()
        for i, (text, style) in enumerate(texts):
            out.append("  " if i else "")
            out.append(text, style=style or None)
        return out

    head = joined([(h.rjust(w), "") for h, _, _, w in columns])
    table = Table(title=Text(clean(title), style="bold"), box=None, pad_edge=False)
    table.add_column(head, no_wrap=True, width=head.cell_len)
    table.add_column("RCT, MA/SR", no_wrap=True, overflow="crop", width=evidence_width)
    table.add_column("all articles", no_wrap=True, overflow="crop", width=all_width)
    for i, r in enumerate(rows):
        table.add_row(
            joined([(cells[i].rjust(w), style) for _, cells, style, w in columns]),
            _evidence_bar(r, evidence_scale),
            _all_bar(r["articles"], scale),
        )
    legend = Text()
    for label, key in (("RCT", "rct"), ("MA/SR", "ma_sr"), ("all articles", "other")):
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
    scales = Text(
        f"Own scale per bar: evidence up to {evidence_peak:,} a year, all articles up to {peak:,}.",
        style="dim",
    )
    return Group(table, Text(""), legend, summary, scales)


# --- status --------------------------------------------------------------------------------


def _stamp(value: str | None) -> str:
    """'2026-12-02T18:13:33+00:00' -> '2026-12-02 18:13' (UTC, said in the header): the
    whole date and time, never cut, in a width that fits 80 columns with the counts."""
    if not value:
        return "never"
    return clean(value).replace("T", " ")[:16]


def status_view(
    rows: list[dict[str, Any]], width: int | None = None, since: str = "", default: bool = False
) -> Any:
    """Per condition: stored and new counts, the evidence tiers (distinct articles; retracted
    apart, never counted as evidence) and the last successful update, whole; labels when the
    width allows; notes as sentences under the table, not a mostly empty column.

    Every column but the names is as wide as its widest cell or header word, so nothing is
    cut: the condition (and label) columns take what is left."""
    from rich import box
    from rich.table import Table

    width = width or 100
    # The evidence tiers of flags.TIERS, strongest first, then retracted apart.
    keys = [t.key for t in evidence_tiers()]
    # Retracted apart; below 100 columns, a column of zeros gives its width to the names
    # (the unseen and arrived counts took it) and the legend says none is retracted.
    no_retracted = not any((r.get("tiers") or {}).get("retracted") for r in rows)
    if width >= 100 or not no_retracted:
        keys.append("retracted")
    numbers: list[tuple[str, list[Text]]] = [
        ("stored", [Text(f"{r['stored']:,}") for r in rows]),
        (newness.UNSEEN, [Text(f"{r[newness.UNSEEN]:,}") for r in rows]),
        (newness.ARRIVED, [Text(f"{r[newness.ARRIVED]:,}") for r in rows]),
    ]
    for key in keys:
        header = TIER_BY_KEY[key].label.replace(" ", "\n")  # "Sham RCT" on two lines
        cells = []
        for row in rows:
            n = (row.get("tiers") or {}).get(key, 0)
            cells.append(
                Text(f"{n:,}", style="dim" if not n else "red" if key == "retracted" else "")
            )
        numbers.append((header.lower() if key == "retracted" else header, cells))
    stamps = [_stamp(r["last_success"]) for r in rows]
    fixed = [
        max([*(len(w) for w in h.split()), *(c.cell_len for c in cells)]) for h, cells in numbers
    ]
    stamp_width = max([11, *(len(s) for s in stamps)])
    names = [clean(r["condition"]) for r in rows]
    # The box draws one space between columns; a second when the names fit with it.
    gap = (
        2
        if width - sum(fixed) - stamp_width - 2 * (len(fixed) + 1)
        >= max(map(len, names), default=0)
        else 1
    )
    left = width - sum(fixed) - stamp_width - gap * (len(fixed) + 1)
    name_width = max(min(max([9, *map(len, names)]), left), 8)
    label_width = left - name_width - gap
    labels = label_width >= 16 and any(r["label"] for r in rows)
    table = Table(
        title="acutrack status",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, gap - 1, 0, 0),
    )
    table.add_column("condition", width=name_width, no_wrap=True, overflow="ellipsis")
    if labels:
        longest = max(len(clean(r["label"] or "")) for r in rows)
        table.add_column(
            "label", width=min(longest, label_width), no_wrap=True, overflow="ellipsis"
        )
    for (header, _), column_width in zip(numbers, fixed, strict=True):
        table.add_column(header, justify="right", width=column_width, no_wrap=True)
    table.add_column("last update\n(UTC)", width=stamp_width, no_wrap=True)
    notes: list[Text] = []
    for i, row in enumerate(rows):
        line = [Text(names[i])]
        if labels:
            line.append(Text(clean(row["label"] or "")))
        line += [column[i] for _, column in numbers]
        line.append(Text(stamps[i]))
        table.add_row(*line)
        note = ""
        if row["query_changed"]:
            note = "query changed: history restarts on the next update"
        elif not row["in_queries"]:
            note = "imported; not in queries.toml"
        if note:
            notes.append(Text(f"{names[i]}: {note}", style="dim"))
    none = " (none is retracted)" if "retracted" not in keys else ""
    legend = Text(
        f"Distinct articles in their strongest tier; retracted never counts as evidence{none}. "
        f"{newness.UNSEEN.capitalize()}: {newness.UNSEEN_MEANS}. "
        f"{newness.ARRIVED.capitalize()}: {newness.ARRIVED_MEANS} since "
        f"{newness.shown(since)}"
        + (f" (the last {newness.DEFAULT_DAYS} days; --since)" if default else "")
        + ".",
        style="dim",
    )
    return Group(table, *notes, legend)
