"""The evidence report: one self-contained HTML page, per condition a picture of the evidence.

Per condition: counts by study type, a timeline (inline SVG, stacked bars per publication
year by evidence tier, from flags.TIERS), the strongest evidence first, the newest
arrivals and the retracted articles, each linked to PubMed and its DOI, with the reasons for
every study-type badge on hover (title) and in a ``<details>`` block.

The page needs nothing from the network: no scripts at all, no fonts, one inline stylesheet
with light and dark colours (``prefers-color-scheme``) and print rules, its tier and flag
colours taken from the registry (flags.TIERS, flags.REGISTRY). This module prepares the data
(text, URLs built here and never taken from the record as they are, the chart's geometry);
templates/report.html lays it out, and Jinja's autoescape HTML-escapes every value. SQL stays
in store.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import flags as registry
from . import store
from .article import doi_url, one_line, plural, pubmed_url
from .export import badge_flags, first_author, notices

if TYPE_CHECKING:
    import sqlite3

# The tiers of the timeline and the count tiles, strongest first, from flags.TIERS: (class
# key, label, title). The class key is the tier key with "_" for "-" (CSS classes and the
# keys of Section.years); retracted articles are left out (they are listed apart).
KINDS: tuple[tuple[str, str, str], ...] = tuple(
    (t.key.replace("-", "_"), t.label, t.title)
    for t in registry.TIERS
    if t.key != registry.WITHDRAWN["retracted"]
)
TITLE = "Acupuncture evidence"  # the page's heading unless --title says otherwise


def anchor_for(name: str, taken: set[str]) -> str:
    """An id for a condition's section: letters, digits, - and _ only, unique on the page."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "condition"
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    return anchor


@dataclass
class Section:
    """What the report shows for one condition."""

    name: str
    label: str
    anchor: str = ""
    years: list[dict[str, Any]] = field(default_factory=list)
    undated: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    strongest: list[dict[str, Any]] = field(default_factory=list)
    strongest_total: int = 0
    newest: list[dict[str, Any]] = field(default_factory=list)
    retracted: list[dict[str, Any]] = field(default_factory=list)


def collect(
    db: sqlite3.Connection,
    conditions: list[tuple[str, str]],
    *,
    strongest: int = 15,
    newest: int = 10,
) -> list[Section]:
    """Read what the page shows for each (name, label) condition."""
    sections: list[Section] = []
    for name, label in conditions:
        section = Section(name, label, anchor_for(name, {s.anchor for s in sections}))
        counts = {key: 0 for key, _, _ in KINDS} | {"total": 0, "retracted": 0, "protocols": 0}
        by_year: dict[int, dict[str, int]] = {}
        undated = {key: 0 for key, _, _ in KINDS}
        evidence = {t.key for t in registry.evidence_tiers()}
        for row in store.evidence_years(db, name):
            n, tier = row["n"], row["kind"] or "other"
            counts["total"] += n
            counts["protocols"] += row["protocols"] or 0
            if tier == registry.WITHDRAWN["retracted"]:
                counts["retracted"] += n  # never in a tile, the chart or the ranking
                continue
            kind = tier.replace("-", "_")
            counts[kind] += n
            if tier in evidence:
                section.strongest_total += n
            if row["year"] is None:
                undated[kind] += n
            else:
                by_year.setdefault(row["year"], {key: 0 for key, _, _ in KINDS})[kind] += n
        if by_year:
            for year in range(min(by_year), max(by_year) + 1):
                section.years.append({"year": year, **by_year.get(year, dict.fromkeys(undated, 0))})
        section.undated = undated
        section.counts = counts
        if counts["total"]:
            section.strongest = store.strongest_articles(db, name, strongest)
            section.newest = store.newest_arrivals(db, name, newest)
            section.retracted = (
                store.retracted_articles(db, name, strongest) if counts["retracted"] else []
            )
        sections.append(section)
    return sections


# --- the chart ------------------------------------------------------------------------------


def _nice_step(peak: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 x 10^k) giving about ``ticks`` gridlines up to ``peak``."""
    raw = max(peak / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)


def _mix(colour: str, towards: str, amount: float) -> str:
    """``colour`` moved ``amount`` of the way to ``towards`` (both #rrggbb)."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(towards[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def _dark(colour: str, evidence: bool = True) -> str:
    """The colour on the dark background: evidence lighter (the same hue, readable), the
    rest darker, so it recedes as it does on the light background."""
    return _mix(colour, "#ffffff", 0.45) if evidence else _mix(colour, "#1d2127", 0.45)


@dataclass(frozen=True)
class Kind:
    """A study-type class of the chart and the count tiles, in its tier's colour (the one
    colour flags.TIERS gives it; a lighter mix of it on dark backgrounds)."""

    key: str
    label: str
    title: str
    colour: str
    dark: str


def kinds() -> list[Kind]:
    out = []
    for key, label, title in KINDS:
        tier = registry.TIER_BY_KEY[key.replace("_", "-")]
        out.append(Kind(key, label, title, tier.colour, _dark(tier.colour, tier.evidence)))
    return out


def timeline(section: Section) -> dict[str, Any]:
    """The geometry of the timeline (templates/report.html draws it): articles per
    publication year as stacked bars (MA/SR at the bottom), axes, a legend, and the text of
    a tooltip per year."""
    years = section.years
    peak = max((sum(y[k] for k, _, _ in KINDS) for y in years), default=0)
    step = _nice_step(peak)
    y_max = max(step * math.ceil(peak / step), step)
    # Room on the left for the widest tick label and the rotated axis label.
    width, height = 720, 280
    left, right, top, bottom = 32 + 9 * len(f"{y_max:,}"), 22, 40, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(years), 1)
    bar = max(min(slot * 0.78, 28), 1)
    label_every = next(k for k in (1, 2, 5, 10, 20, 50, 100) if slot * k >= 52)
    total = section.counts["total"]
    desc = (
        f"{total:,} articles for {section.label} by year of publication"
        + (f", {years[0]['year']} to {years[-1]['year']}" if years else "")
        + ": "
        + ", ".join(f"{section.counts[k]:,} {label}" for k, label, _ in KINDS)
    )
    legend = []
    x: float = left
    for key, label, _ in KINDS:  # narrow screens show the HTML legend instead
        legend.append({"key": key, "label": label, "x": f"{x:g}", "text_x": f"{x + 17:g}"})
        x += 30 + 7.2 * len(label)
    ticks = []
    for value in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * value / y_max
        ticks.append({"value": f"{value:,}", "y": f"{y:.1f}", "text_y": f"{y + 4:.1f}"})
    bars = []
    for i, row in enumerate(years):
        cx = left + slot * (i + 0.5)
        parts = [f"{row[k]:,} {label}" for k, label, _ in KINDS if row[k]]
        count = sum(row[k] for k, _, _ in KINDS)
        tip = f"{row['year']}: {plural(count, 'article')}" + (
            " (" + ", ".join(parts) + ")" if parts else ""
        )
        segments = []
        base = top + plot_h
        for key, _, _ in KINDS:
            if not row[key]:
                continue
            h = max(plot_h * row[key] / y_max, 1.5)  # a single article stays visible
            base -= h
            segments.append(
                {"key": key, "x": f"{cx - bar / 2:.1f}", "y": f"{base:.1f}", "height": f"{h:.1f}"}
            )
        shown = row["year"] % label_every == 0 or len(years) == 1
        bars.append(
            {
                "tip": tip,
                "hit_x": f"{cx - slot / 2:.1f}",
                "cx": f"{cx:.1f}",
                "segments": segments,
                "label": row["year"] if shown else None,
            }
        )
    return {
        "id": f"chart-{section.anchor}",
        "title": f"Evidence timeline: {section.label}",
        "desc": desc,
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "top": top,
        "plot_h": plot_h,
        "axis_y": top + plot_h,
        "year_y": top + plot_h + 16,
        "mid_x": f"{left + plot_w / 2:g}",
        "mid_y": f"{top + plot_h / 2:g}",
        "label_y": height - 6,
        "slot": f"{slot:.1f}",
        "bar": f"{bar:.1f}",
        "legend": legend,
        "ticks": ticks,
        "bars": bars,
    }


def year_rows(section: Section) -> list[dict[str, Any]]:
    """The chart's numbers, newest year first (years without articles left out), then the
    articles without a year: the table for screen readers and copying."""
    rows = []
    for row in reversed(section.years):
        count = sum(row[k] for k, _, _ in KINDS)
        if count:
            rows.append(
                {"year": row["year"], "counts": [row[k] for k, _, _ in KINDS], "all": count}
            )
    if sum(section.undated.values()):
        undated = [section.undated[k] for k, _, _ in KINDS]
        rows.append({"year": "no year", "counts": undated, "all": sum(undated)})
    return rows


# --- articles -------------------------------------------------------------------------------


def article_view(row: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of one article: badges (name, colour and reason from the flag
    registry, as in digests and the terminal), linked title, first author, journal, year,
    trial size, PubMed and DOI links, warning notices, and why it carries each badge."""
    reasons = row.get("flag_reasons") or {}
    badges = []
    for flag in badge_flags(row.get("flags")):
        name = registry.TITLES.get(flag, flag)
        reason = reasons.get(flag)
        badges.append(
            {
                "flag": flag,
                "label": registry.LABELS.get(flag, flag),
                "tip": f"{name}: {reason}" if reason else name,
                "title": name,
                "reason": one_line(reason),
            }
        )
    size = row.get("sample_size")
    doi = doi_url(row.get("doi"))
    return {
        "pmid": one_line(row["pmid"]),
        "url": pubmed_url(one_line(row["pmid"])),
        "retracted": "retracted" in (row.get("flags") or []),
        "title": one_line(row.get("title")) or "(no title)",
        "author": one_line(first_author(row)) if row.get("authors") else "",
        "journal": one_line(row.get("journal_abbrev") or row.get("journal")),
        "year": one_line(row.get("year")),
        "size": (f"{size:,}" if isinstance(size, int) else one_line(size)) if size else "",
        "doi": one_line(row.get("doi")) if doi else "",
        "doi_url": doi or "",
        "badges": badges,
        "notices": [
            {"label": one_line(n["label"]), "source": one_line(n["source"])}
            for n in notices(row)
            if n["warning"]
        ],
    }


def article_item(row: dict[str, Any]) -> str:
    """One article's list item, as the page shows it."""
    from .templating import template

    return str(template("report_parts.html").module.article(article_view(row)))  # type: ignore[attr-defined]


# --- the page -------------------------------------------------------------------------------


def counts_tiles(section: Section) -> list[dict[str, Any]]:
    c = section.counts
    evidence = {t.key.replace("-", "_") for t in registry.evidence_tiers()}
    return [
        {"key": key, "value": value, "label": label}
        for key, value, label in (
            ("all", c["total"], "Articles"),
            *((key, c[key], title.split(" (")[0]) for key, _, title in KINDS if key in evidence),
            ("protocols", c["protocols"], "Protocols"),
            ("retracted", c["retracted"], "Retracted"),
        )
    ]


def section_view(section: Section) -> dict[str, Any]:
    anchor = section.anchor or anchor_for(section.name, set())
    view: dict[str, Any] = {"anchor": anchor, "label": section.label, "empty": True}
    if not section.counts["total"]:
        return view
    shown = len(section.strongest)
    tiers = ", then ".join(t.title.split(" (")[0] for t in registry.evidence_tiers())
    return view | {
        "empty": False,
        "counts": counts_tiles(section),
        "chart": timeline(section),
        "years": year_rows(section),
        "undated": sum(section.undated.values()),
        "strongest": [article_view(r) for r in section.strongest],
        "order": f"{tiers}; larger trials first within each (unknown size last), then newer.",
        "more": (
            f"The first {shown} of {section.strongest_total:,} shown."
            if section.strongest_total > shown
            else ""
        ),
        "newest": [article_view(r) for r in section.newest],
        "retracted": [article_view(r) for r in section.retracted],
    }


def render_html(
    sections: list[Section],
    *,
    title: str = TITLE,
    generated_at: str | None = None,
    total: int | None = None,
) -> str:
    """The whole page as a string (UTF-8 HTML5, no external resources). ``total``: the
    distinct articles of all sections (``store.distinct_articles``); an article stored under
    two conditions is one article."""
    from .templating import render

    if total is None:
        total = sum(s.counts.get("total", 0) for s in sections)
    return render(
        "report.html",
        title=title,
        stamp=generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        labels=", ".join(s.label for s in sections) or "no conditions",
        total=total,
        toc=[{"anchor": s.anchor, "label": s.label, "total": s.counts["total"]} for s in sections]
        if len(sections) > 1
        else [],
        sections=[section_view(s) for s in sections],
        kinds=kinds(),
        flags=registry.REGISTRY,
        retracted=_retracted_colours(),
    )


def _retracted_colours() -> Kind:
    colour = registry.BY_NAME["retracted"].colour
    return Kind("retracted", "RETRACTED", "Retracted", colour, _dark(colour))


def build(
    db: sqlite3.Connection,
    conditions: list[tuple[str, str]],
    *,
    strongest: int = 15,
    newest: int = 10,
    title: str = TITLE,
    generated_at: str | None = None,
) -> str:
    """The report page for these (name, label) conditions."""
    sections = collect(db, conditions, strongest=strongest, newest=newest)
    total = store.distinct_articles(db, [name for name, _ in conditions])
    return render_html(sections, title=title, generated_at=generated_at, total=total)
