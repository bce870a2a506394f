"""The evidence report: one self-contained HTML page, per condition a picture of the evidence.

Per condition: counts by study type, a timeline (inline SVG, stacked bars per publication
year by evidence tier, from flags.TIERS), the strongest evidence first, the newest
arrivals and the retracted articles, each linked to PubMed and its DOI, with the reasons for
every study-type badge on hover (title) and in a ``<details>`` block.

The page needs nothing from the network: no scripts at all, no fonts, one inline stylesheet
with light and dark colours (``prefers-color-scheme``) and print rules. Every piece of PubMed
text is HTML-escaped (``esc``); URLs are built here, never taken from the record as they are.
SQL stays in store; standard library only.
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
from .article import html_text as esc
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


def timeline_svg(section: Section) -> str:
    """Articles per publication year as stacked bars (MA/SR at the bottom), with axes, axis
    labels, a legend and a tooltip (``<title>``) per year."""
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
    cid = f"chart-{section.anchor}"
    total = section.counts["total"]
    desc = (
        f"{total:,} articles for {section.label} by year of publication"
        + (f", {years[0]['year']} to {years[-1]['year']}" if years else "")
        + ": "
        + ", ".join(f"{section.counts[k]:,} {label}" for k, label, _ in KINDS)
    )
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">Evidence timeline: {esc(section.label)}</title>',
        f'<desc id="{cid}-d">{esc(desc)}</desc>',
    ]
    # Legend across the top (narrow screens show the HTML legend instead: see legend_html).
    out.append('<g class="legend-g">')
    x: float = left
    for key, label, _ in KINDS:
        out.append(
            f'<rect class="k-{key}" x="{x}" y="8" width="12" height="12" rx="2"/>'
            f'<text class="legend" x="{x + 17}" y="18">{esc(label)}</text>'
        )
        x += 30 + 7.2 * len(label)
    out.append("</g>")
    # Gridlines and y ticks.
    for value in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * value / y_max
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,}</text>'
        )
    # Bars.
    for i, row in enumerate(years):
        cx = left + slot * (i + 0.5)
        parts = [f"{row[k]:,} {label}" for k, label, _ in KINDS if row[k]]
        count = sum(row[k] for k, _, _ in KINDS)
        tip = f"{row['year']}: {plural(count, 'article')}" + (
            " (" + ", ".join(parts) + ")" if parts else ""
        )
        out.append(f'<g class="year"><title>{esc(tip)}</title>')
        out.append(
            f'<rect class="hit" x="{cx - slot / 2:.1f}" y="{top}" width="{slot:.1f}" '
            f'height="{plot_h}"/>'
        )
        base = top + plot_h
        for key, _, _ in KINDS:
            if not row[key]:
                continue
            h = max(plot_h * row[key] / y_max, 1.5)  # a single article stays visible
            base -= h
            out.append(
                f'<rect class="k-{key}" x="{cx - bar / 2:.1f}" y="{base:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"/>'
            )
        out.append("</g>")
        if row["year"] % label_every == 0 or len(years) == 1:
            out.append(
                f'<text class="tick" x="{cx:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">{row["year"]}</text>'
            )
    out.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/>'
        f'<text class="axis-label" x="{left + plot_w / 2}" y="{height - 6}" '
        'text-anchor="middle">Year of publication</text>'
        f'<text class="axis-label" transform="translate(12 {top + plot_h / 2}) rotate(-90)" '
        'text-anchor="middle">Articles per year</text>'
    )
    out.append("</svg>")
    return "".join(out)


def legend_html() -> str:
    """The chart's legend as HTML, for screens too narrow to read the one in the SVG."""
    return (
        '<ul class="legend-html">'
        + "".join(
            f'<li title="{esc(long)}"><span class="swatch k-{key}"></span>{esc(label)}</li>'
            for key, label, long in KINDS
        )
        + "</ul>"
    )


def year_table(section: Section) -> str:
    """The chart's numbers as a table (in a closed <details>), for screen readers and copying."""
    head = "".join(f"<th>{esc(label)}</th>" for _, label, _ in KINDS)
    rows = []
    for row in reversed(section.years):
        count = sum(row[k] for k, _, _ in KINDS)
        if not count:
            continue
        cells = "".join(f"<td>{row[k]:,}</td>" for k, _, _ in KINDS)
        rows.append(f"<tr><th>{row['year']}</th>{cells}<td>{count:,}</td></tr>")
    if sum(section.undated.values()):
        cells = "".join(f"<td>{section.undated[k]:,}</td>" for k, _, _ in KINDS)
        rows.append(f"<tr><th>no year</th>{cells}<td>{sum(section.undated.values()):,}</td></tr>")
    return (
        '<details class="numbers"><summary>Numbers by year</summary>'
        f"<table><thead><tr><th>Year</th>{head}<th>All</th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table></details>"
    )


# --- articles -------------------------------------------------------------------------------


def badges(row: dict[str, Any]) -> str:
    reasons = row.get("flag_reasons") or {}
    out = []
    for flag in badge_flags(row.get("flags")):
        # Badge, full name and colour from the flag registry, as in digests and the terminal.
        label = registry.LABELS.get(flag, flag)
        name = registry.TITLES.get(flag, flag)
        reason = reasons.get(flag)
        tip = f"{name}: {reason}" if reason else name
        colour = registry.COLOURS.get(flag, "#666666")
        out.append(
            f'<span class="badge" style="background:{esc(colour)}" title="{esc(tip)}">'
            f"{esc(label)}</span>"
        )
    return "".join(out)


def article_item(row: dict[str, Any]) -> str:
    """One article: badges, linked title, authors and source, PubMed and DOI links, notices,
    and why it carries each badge."""
    pmid = esc(row["pmid"])
    pubmed = esc(pubmed_url(one_line(row["pmid"])))
    retracted = "retracted" in (row.get("flags") or [])
    meta = [esc(first_author(row))] if row.get("authors") else []
    if row.get("journal_abbrev") or row.get("journal"):
        meta.append(f"<i>{esc(row.get('journal_abbrev') or row.get('journal'))}</i>")
    if row.get("year"):
        meta.append(esc(row["year"]))
    size = row.get("sample_size")
    if size:
        size = f"{size:,}" if isinstance(size, int) else size
        meta.append(f'<span class="size">n&nbsp;=&nbsp;{esc(size)}</span>')
    meta.append(f'<a href="{pubmed}">PMID&nbsp;{pmid}</a>')
    url = doi_url(row.get("doi"))
    if url:
        meta.append(f'<a href="{esc(url)}">doi:{esc(row["doi"])}</a>')
    parts = [
        f'<li class="article{" is-retracted" if retracted else ""}">',
        f'<div class="badges">{badges(row)}</div>' if row.get("flags") else "",
        f'<a class="title" href="{pubmed}">{esc(row.get("title")) or "(no title)"}</a>',
        f'<div class="meta">{" · ".join(m for m in meta if m)}</div>',
    ]
    for notice in notices(row):
        if notice["warning"]:
            parts.append(
                f'<div class="notice">{esc(notice["label"])}: {esc(notice["source"])}</div>'
            )
    reasons = row.get("flag_reasons") or {}
    items = [
        f"<li><b>{esc(registry.TITLES.get(flag, flag))}</b>: {esc(reasons[flag])}</li>"
        for flag in badge_flags(row.get("flags"))
        if reasons.get(flag)
    ]
    if items:
        parts.append(
            '<details class="why"><summary>Why these labels</summary>'
            f"<ul>{''.join(items)}</ul></details>"
        )
    parts.append("</li>")
    return "".join(parts)


def article_list(rows: list[dict[str, Any]], css: str) -> str:
    return f'<ol class="{css}">' + "".join(article_item(r) for r in rows) + "</ol>"


# --- the page -------------------------------------------------------------------------------


def counts_block(section: Section) -> str:
    c = section.counts
    evidence = {t.key.replace("-", "_") for t in registry.evidence_tiers()}
    cells = [
        ("all", c["total"], "Articles"),
        *((key, c[key], title.split(" (")[0]) for key, _, title in KINDS if key in evidence),
        ("protocols", c["protocols"], "Protocols"),
        ("retracted", c["retracted"], "Retracted"),
    ]
    return (
        '<dl class="counts">'
        + "".join(
            f'<div class="count c-{key}"><dt>{esc(label)}</dt><dd>{value:,}</dd></div>'
            for key, value, label in cells
        )
        + "</dl>"
    )


def section_html(section: Section) -> str:
    anchor = section.anchor or anchor_for(section.name, set())
    out = [f'<section class="condition" id="{anchor}"><h2>{esc(section.label)}</h2>']
    if not section.counts["total"]:
        out.append(f'<p class="empty">No articles stored for {esc(section.label)} yet.</p>')
        return "".join(out) + "</section>"
    out.append(counts_block(section))
    out.append('<figure class="timeline">' + legend_html() + timeline_svg(section))
    undated = sum(section.undated.values())
    note = f"{undated:,} articles without a year are not drawn." if undated else ""
    out.append(
        "<figcaption>Articles per year of publication, by study type; hover a bar for its "
        f"numbers. {esc(note)}</figcaption>" + year_table(section) + "</figure>"
    )
    out.append('<h3 class="strongest-h">Strongest evidence</h3>')
    if section.strongest:
        shown = len(section.strongest)
        more = (
            f"The first {shown} of {section.strongest_total:,} shown."
            if section.strongest_total > shown
            else ""
        )
        tiers = ", then ".join(t.title.split(" (")[0] for t in registry.evidence_tiers())
        out.append(
            f'<p class="lead">{esc(tiers)}; larger trials first within each (unknown size '
            "last), then newer. Retracted articles and protocols are left out. "
            f"{esc(more)}</p>"
        )
        out.append(article_list(section.strongest, "strongest"))
    else:
        out.append(
            '<p class="lead">No meta-analysis, systematic review or randomized trial is '
            "stored for this condition yet.</p>"
        )
    out.append('<h3>Newest arrivals</h3><p class="lead">Most recently stored first.</p>')
    out.append(article_list(section.newest, "newest"))
    if section.retracted:
        out.append(
            '<h3>Retracted</h3><p class="lead">Retracted articles stored for this condition: '
            "do not cite them as evidence.</p>"
        )
        out.append(article_list(section.retracted, "retractions"))
    out.append("</section>")
    return "".join(out)


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
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    labels = ", ".join(s.label for s in sections) or "no conditions"
    if total is None:
        total = sum(s.counts.get("total", 0) for s in sections)
    nav = ""
    if len(sections) > 1:
        nav = (
            '<nav class="toc"><ul>'
            + "".join(
                f'<li><a href="#{s.anchor}">{esc(s.label)}</a> '
                f'<span class="n">{s.counts["total"]:,}</span></li>'
                for s in sections
            )
            + "</ul></nav>"
        )
    body = "".join(section_html(s) for s in sections) or (
        '<p class="empty">No articles stored yet: run acutrack update or acutrack import.</p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="generator" content="acutrack">\n'
        f"<title>{esc(title)}: {esc(labels)}</title>\n<style>{CSS}</style>\n"
        "</head>\n<body>\n<main>\n"
        f'<header><h1>{esc(title)}</h1><p class="sub">{esc(labels)} · '
        f"{total:,} PubMed articles · {esc(stamp)}</p></header>\n"
        f"{nav}\n{body}\n"
        "<footer><p>Made with acutrack from PubMed records (NLM). Study types are assigned "
        "automatically from titles, abstracts and publication types; open an article before "
        "relying on its label.</p></footer>\n</main>\n</body>\n</html>\n"
    )


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


CSS = """
:root{--bg:#fbfaf8;--card:#fff;--fg:#1d2127;--muted:#5d6470;--line:#e3e1dc;--link:#1a4f8b;
--ma_sr:#1a4f8b;--sham_rct:#1b6e3a;--rct:#6fb07f;--possible_rct:#a9c4ad;--other:#c4c8cf;
--bad:#b00020;--warn-bg:#fdecee;
--grid:#ebe9e4}
@media (prefers-color-scheme:dark){:root{--bg:#15181c;--card:#1d2127;--fg:#e6e8eb;
--muted:#9aa3ae;--line:#323842;--link:#8ab8ff;--ma_sr:#6ea8ff;--sham_rct:#3fb96b;
--rct:#a6dcb2;--possible_rct:#6f8f75;--other:#59606b;--bad:#ff6b7f;--warn-bg:#3a1d23;--grid:#2a2f37}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:860px;margin:0 auto;padding:32px 20px 48px}
a{color:var(--link)}
header h1{font-size:2rem;line-height:1.2;margin:0 0 4px;letter-spacing:-.01em}
.sub,.lead,figcaption,footer{color:var(--muted)}
.sub{margin:0 0 20px}
.toc ul{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0;margin:0 0 8px}
.toc a{display:inline-block;padding:4px 12px;border:1px solid var(--line);border-radius:999px;
text-decoration:none;background:var(--card)}
.toc .n{color:var(--muted);font-size:.85em}
section.condition{background:var(--card);border:1px solid var(--line);border-radius:12px;
padding:20px 24px;margin:24px 0}
h2{font-size:1.5rem;margin:0 0 12px}
h3{font-size:1.1rem;margin:28px 0 2px}
.lead{margin:0 0 10px;font-size:.9rem}
.counts{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:8px;
margin:0 0 16px}
.count{border:1px solid var(--line);border-radius:8px;padding:8px 10px;
border-top:4px solid var(--line);display:flex;flex-direction:column;justify-content:space-between}
.count dt{font-size:.78rem;color:var(--muted);line-height:1.25}
.count dd{margin:2px 0 0;font-size:1.35rem;font-weight:650;font-variant-numeric:tabular-nums}
.c-ma_sr{border-top-color:var(--ma_sr)}.c-sham_rct{border-top-color:var(--sham_rct)}
.c-rct{border-top-color:var(--rct)}
.c-possible_rct{border-top-color:var(--possible_rct)}.c-retracted{border-top-color:var(--bad)}
figure{margin:0}
svg.chart{width:100%;height:auto;display:block;font-family:inherit}
.legend-html{display:none;list-style:none;padding:0;margin:0 0 4px;font-size:.8rem;gap:4px 12px;
flex-wrap:wrap}
.legend-html li{display:flex;align-items:center;gap:5px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px}
.swatch.k-ma_sr{background:var(--ma_sr)}.swatch.k-sham_rct{background:var(--sham_rct)}
.swatch.k-rct{background:var(--rct)}
.swatch.k-possible_rct{background:var(--possible_rct)}.swatch.k-other{background:var(--other)}
.chart .k-ma_sr{fill:var(--ma_sr)}.chart .k-sham_rct{fill:var(--sham_rct)}
.chart .k-rct{fill:var(--rct)}.chart .k-possible_rct{fill:var(--possible_rct)}
.chart .k-other{fill:var(--other)}
.chart .grid{stroke:var(--grid);stroke-width:1}.chart .axis{stroke:var(--muted);stroke-width:1}
.chart text{fill:var(--muted);font-size:12px}.chart .legend{fill:var(--fg);font-size:13px}
.chart .axis-label{font-size:12px}
.chart .hit{fill:transparent}.chart .year:hover .hit{fill:var(--grid)}
figcaption{font-size:.85rem;margin-top:4px}
details.numbers{margin-top:6px;font-size:.85rem}
details.numbers table{border-collapse:collapse;margin-top:6px;font-variant-numeric:tabular-nums}
details.numbers th,details.numbers td{padding:2px 10px;text-align:right;
border-bottom:1px solid var(--line)}
summary{cursor:pointer;color:var(--link)}
ol{padding-left:0;list-style:none;margin:0}
li.article{padding:10px 0;border-bottom:1px solid var(--line);break-inside:avoid}
li.article:last-child{border-bottom:0}
.title{font-weight:600;text-decoration:none;line-height:1.35}
.title:hover{text-decoration:underline}
.meta{font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}
.meta a{color:var(--muted)}
.size{font-weight:600;color:var(--fg)}
.badges{margin-bottom:2px}
.badge{display:inline-block;font-size:.7rem;font-weight:700;letter-spacing:.03em;
padding:1px 7px;margin-right:4px;border-radius:4px;color:#fff;background:#6b7280;cursor:help}
.is-retracted .title{text-decoration:line-through;text-decoration-color:var(--bad)}
.notice{font-size:.85rem;color:var(--bad);background:var(--warn-bg);padding:2px 8px;
border-radius:4px;margin-top:4px;display:inline-block}
details.why{font-size:.85rem;margin-top:2px}
details.why ul{margin:4px 0 0;padding-left:18px;color:var(--muted)}
.empty{color:var(--muted)}
footer{font-size:.8rem;margin-top:32px}
@media (max-width:560px){main{padding:16px 10px}section.condition{padding:14px}
.legend-html{display:flex}.chart .legend-g{display:none}
.chart text,.chart .axis-label{font-size:19px}}
@media print{:root{--bg:#fff;--card:#fff;--fg:#000;--muted:#444;--line:#ccc;--link:#000;
--ma_sr:#1a4f8b;--sham_rct:#1b6e3a;--rct:#6fb07f;--other:#c4c8cf;--grid:#e5e5e5}
body{font-size:11pt}main{max-width:none;padding:0}
section.condition{border:0;padding:0;margin:0 0 12pt;break-before:page}
section.condition:first-of-type{break-before:auto}
.toc,details{display:none}
a{text-decoration:none}
.badge,.chart rect,.count{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h2,h3{break-after:avoid}}
"""
