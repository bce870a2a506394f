"""Rich renderables for counts: the `status` table and the `stats` chart.

Kept apart from terminal.py (the article lists) so each module stays small; the names are
re-exported there. PubMed text never reaches these views except condition labels, which go
into ``Text`` objects as data.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group
from rich.text import Text

from .. import newness
from ..article import clean, plural
from ..flags import TIER_BY_KEY, TIERS, evidence_tiers, tier_field

BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def _ink(style: str) -> str:
    """The colour of a badge style ('bold white on blue' -> 'blue'), to draw a bar in."""
    from rich.style import Style

    parsed = Style.parse(style)
    colour = parsed.bgcolor or parsed.color
    return colour.name if colour else style


# The chart's colours are its tiers' colours (flags.TIERS), as in the report's chart.
TIER_INKS = {t.key: _ink(t.style) for t in TIERS}
# One year with more than this many times the next busiest year's count would squash every
# other bar to a cell or two (issue 25.7: 226 RCTs in one year); the scale then runs to
# CLIP_SCALE x the next busiest, and the outlier's bar is drawn clipped, ending in its number.
OUTLIER = 3
CLIP_SCALE = 1.5
CLIP = "▸"


def _cells(count: int, scale: float) -> int:
    """Whole cells for a count: never zero for a count above zero, so one RCT shows."""
    return max(round(count * scale), 1 if count else 0)


def bar_scale(counts: list[int]) -> tuple[int, bool]:
    """The count a full bar stands for, and whether a bigger one (an outlier) is clipped."""
    ordered = sorted(counts, reverse=True)
    top = ordered[0] if ordered else 0
    second = ordered[1] if len(ordered) > 1 else 0
    if second and top > OUTLIER * second:
        return math.ceil(second * CLIP_SCALE), True
    return top, False


def _clipped(bar: Text, count: int, width: int) -> Text:
    """A bar cut to leave room for the clip mark and its count, which end it."""
    label = f"{CLIP}{count:,}"
    bar.truncate(max(width - len(label), 1))
    bar.append(label, style="bold")
    return bar


def _evidence_bar(row: dict[str, Any], keys: list[str], peak: int, width: int) -> Text:
    """The evidence tiers' cells, strongest first, on the evidence scale (clipped above it)."""
    counts = [row[tier_field(k)] for k in keys]
    total = sum(counts)
    scale = width / peak if peak else 0
    bar = Text()
    for key, n in zip(keys, counts, strict=True):
        bar.append("█" * _cells(n, scale), style=TIER_INKS[key])
    return _clipped(bar, total, width) if total > peak else bar


def _all_bar(count: int, peak: int, width: int) -> Text:
    """All articles of a year (1/8-cell precise, at least an eighth when there are any)."""
    if count > peak:
        return _clipped(Text("█" * width, style=TIER_INKS["other"]), count, width)
    eighths = max(round(count * (width / peak if peak else 0) * 8), 1 if count else 0)
    full, part = divmod(eighths, 8)
    return Text("█" * full + (BAR_EIGHTHS[part] if part else ""), style=TIER_INKS["other"])


def _evidence(row: dict[str, Any], keys: list[str]) -> int:
    return sum(row[tier_field(k)] for k in keys)


def stats_totals(rows: list[dict[str, Any]]) -> Text:
    """'100 articles, 1976-1999: 0 meta-analyses or systematic reviews, 0 sham-controlled
    RCTs, 3 RCTs, 0 possible RCTs': every tier named and counted as `status` does."""
    dated = [r["year"] for r in rows if r["year"] is not None]
    span = f", {min(dated)}" if dated else ""
    if dated and max(dated) > min(dated):
        span += f"–{max(dated)}"
    total = sum(r["articles"] for r in rows)
    parts = [plural(sum(r[tier_field(t.key)] for r in rows), *t.nouns) for t in evidence_tiers()]
    retracted = sum(r[tier_field("retracted")] for r in rows)
    if retracted:
        parts.append(plural(retracted, *TIER_BY_KEY["retracted"].nouns) + " (never evidence)")
    return Text(f"{plural(total, 'article')}{span}: {', '.join(parts)}", style="bold")


def stats_chart(
    rows: list[dict[str, Any]], *, title: str, width: int | None = None, all_years: bool = False
) -> Any:
    """Articles per year: the totals first, then per year the counts per evidence tier and
    two bars on their own scales, so a year with one RCT among hundreds of articles still
    shows it: the evidence (stacked by tier) scaled to the year with the most, and all
    articles scaled to the busiest year. A year far above the others is clipped, its number
    at the end of its bar. Years before the first with evidence are summed on one line
    unless ``all_years``."""
    width = width or 100
    keys = [t.key for t in evidence_tiers()]
    first = next((i for i, r in enumerate(rows) if _evidence(r, keys)), 0)
    before = rows[:first] if not all_years and rows[first]["year"] is not None else []
    shown = rows[len(before) :]
    so_far = width >= 60
    # A column (and legend entry) per tier with evidence in the chart; the totals above name
    # every tier, zeros too.
    keys = [k for k in keys if any(r[tier_field(k)] for r in shown)]
    tiers = [
        (
            TIER_BY_KEY[k].label,
            [f"{r[tier_field(k)]:,}" if r[tier_field(k)] else "" for r in shown],
            TIER_INKS[k],
        )
        for k in keys
    ]
    numbers = [
        ("year", [str(r["year"]) if r["year"] is not None else "n.d." for r in shown], ""),
        ("all", [f"{r['articles']:,}" for r in shown], ""),
        *tiers,
    ]
    if so_far:
        numbers.append(("so far", [f"{r['total']:,}" for r in shown], "dim"))
    columns = []
    used = 0
    for header, cells, style in numbers:
        column_width = max(len(header), *(len(c) for c in cells))
        used += column_width + 2
        columns.append((header, cells, style, column_width))
    bars_width = max(width - used - 1, 18)
    evidence_width = max(bars_width * 2 // 5, 8)
    all_width = max(bars_width - evidence_width - 2, 8)
    evidence_peak, evidence_clipped = bar_scale([_evidence(r, keys) for r in shown])
    peak, clipped = bar_scale([r["articles"] for r in shown])
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
    table = Table(box=None, pad_edge=False)
    table.add_column(head, no_wrap=True, width=head.cell_len)
    table.add_column("evidence", no_wrap=True, overflow="crop", width=evidence_width)
    table.add_column("all articles", no_wrap=True, overflow="crop", width=all_width)
    for i, r in enumerate(shown):
        table.add_row(
            joined([(cells[i].rjust(w), style) for _, cells, style, w in columns]),
            _evidence_bar(r, keys, evidence_peak, evidence_width),
            _all_bar(r["articles"], peak, all_width),
        )
    head_lines: list[Any] = [Text(clean(title), style="bold"), stats_totals(rows)]
    if before:
        years = (
            f"{before[0]['year']}–{before[-1]['year']}"
            if len(before) > 1
            else f"{before[0]['year']}"
        )
        count = sum(r["articles"] for r in before)
        head_lines.append(
            Text(
                f"{years}: {plural(count, 'article')}, no evidence yet "
                "(--all-years lists each year)",
                style="dim",
            )
        )
    legend = Text()
    for key in keys:
        legend.append("█ ", style=TIER_INKS[key])
        legend.append(TIER_BY_KEY[key].label + "   ")
    legend.append("█ ", style=TIER_INKS["other"])
    legend.append("all articles")
    undated = "; n.d.: no year given" if any(r["year"] is None for r in rows) else ""
    scales = (
        f"Own scale per bar: evidence up to {evidence_peak:,} a year, all articles up to {peak:,}"
    )
    if evidence_clipped or clipped:
        scales += f"; a bar ending in {CLIP}N is clipped, N its count"
    notes = Text(f"By year of publication, each article once in its tier{undated}.", style="dim")
    notes.append("\n" + scales + ".")
    return Group(*head_lines, Text(""), table, Text(""), legend, notes)


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
