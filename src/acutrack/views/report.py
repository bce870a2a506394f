"""The evidence report: one self-contained HTML page that answers in ten seconds.

First the evidence matrix: a row per condition (label order, empty conditions last), a column
per evidence tier and for retracted articles (flags.TIERS), each with how many of them
arrived ("+3": first stored in the last ``NEW_DAYS`` days), all that arrived and the total,
each cell linking to its list below. Then per condition: where the articles come from (the
saved query, PubMed's translation, when PubMed was last searched, a link running the same
search), an evidence-only timeline (inline SVG: MA/SR and RCT tiers as bars, all articles as
a thin line in a strip of its own, the axis running to the current year), what arrived (the
MA/SRs and RCTs, strongest first, with their first-stored date), the strongest evidence per
tier in the evidence order with each study's conclusion, and the retracted articles with
their notices linked. Every list cut short ends with how many more and the ``acutrack show``
command listing them (``show_command``). Every article links to PubMed and its DOI, with the
reasons for every study-type badge on hover (title) and in a ``<details>`` block, and where
its trial size was read.

"Today" is given by the caller (the command reads the clock once), so tests can set it.

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
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from .. import flags as registry
from .. import newness, store
from ..article import StoredArticle, doi_url, one_line, plural, pubmed_url
from .present import badge_flags, comparator_tag, first_author, notices, size_source

if TYPE_CHECKING:
    import sqlite3

# The tiers of Section.years and Section.counts, strongest first, from flags.TIERS: (class
# key, label, title). The class key is the tier key with "_" for "-" (CSS classes and the
# keys of Section.years); retracted articles are left out (they are listed apart). The chart
# draws the evidence ones (evidence_kinds); "other" is in its all-articles line.
KINDS: tuple[tuple[str, str, str], ...] = tuple(
    (t.key.replace("-", "_"), t.label, t.title)
    for t in registry.TIERS
    if t.key != registry.WITHDRAWN["retracted"]
)
TITLE = "Acupuncture evidence"  # the page's heading unless --title says otherwise
# "Arrived" in the matrix and the ARRIVED mark (``acutrack.newness``): first stored for the
# condition since a moment the page prints, the last 7 days up to today unless --since says
# otherwise. Not "since the last report": the page is a file that may be built any number of
# times (and report never writes to the database), so a fixed window means the same thing
# every time it is read.
NEW_DAYS = newness.DEFAULT_DAYS
CONCLUSION_CHARS = 180  # the one line of a conclusion under an article; the rest in <details>


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
    strongest: list[StoredArticle] = field(default_factory=list)
    strongest_total: int = 0
    per_tier: int = 0  # the cap on the strongest evidence listed per tier (--strongest)
    arrived: dict[str, int] = field(default_factory=dict)  # per tier key, since ``since``
    arrivals: list[StoredArticle] = field(default_factory=list)  # evidence arrived, listed
    retracted: list[StoredArticle] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    today: date | None = None
    since: str = ""  # first_seen at or after this (ISO) is new


def new_since(today: date) -> str:
    """The first-stored time (ISO, UTC) from which an article counts as arrived by default."""
    return newness.default_since(today)


def collect(
    db: sqlite3.Connection,
    conditions: list[tuple[str, str]],
    *,
    strongest: int = 10,
    newest: int = 10,
    today: date | None = None,
    queries: dict[str, str] | None = None,
    since: str | None = None,
) -> list[Section]:
    """Read what the page shows for each (name, label) condition, in the page's order: by
    label, conditions without articles last. ``strongest``: articles per evidence tier;
    ``today``: the day the page is made (default: today in UTC); ``queries``: each
    condition's query from queries.toml, for conditions never searched."""
    today = today or datetime.now(UTC).date()
    since = since or new_since(today)
    names = [name for name, _ in conditions]
    tiers = store.tier_counts(db, names)
    arrived = store.arrived_counts(db, names, since)
    evidence = {t.key for t in registry.evidence_tiers()}
    retracted = registry.WITHDRAWN["retracted"]
    sections: list[Section] = []
    for name, label in conditions:
        section = Section(name, label, anchor_for(name, {s.anchor for s in sections}))
        section.today, section.since = today, since
        section.provenance = store.provenance(db, name, (queries or {}).get(name))
        counted = tiers[name]
        counts = {t.key.replace("-", "_"): counted[t.key] for t in registry.TIERS}
        counts |= {"total": counted["articles"], "new": sum(arrived[name].values())}
        section.counts = counts
        section.arrived = arrived[name]
        section.per_tier = strongest
        section.strongest_total = sum(counted[k] for k in evidence)
        by_year: dict[int, dict[str, int]] = {}
        undated = {key: 0 for key, _, _ in KINDS} | {"articles": 0}
        for row in store.year_tiers(db, name):
            entry = {key: row[key.replace("_", "-")] for key, _, _ in KINDS}
            entry["articles"] = row["articles"]
            if row["year"] is None:
                undated = entry
            else:
                by_year[row["year"]] = entry
        if by_year:
            # The axis runs to the current year: empty recent years are shown as empty.
            last = max(max(by_year), today.year)
            for year in range(min(by_year), last + 1):
                section.years.append({"year": year, **by_year.get(year, dict.fromkeys(undated, 0))})
        section.undated = undated
        if counts["total"]:
            section.strongest = store.strongest_by_tier(db, name, strongest)
            # What arrived: the evidence listed (strongest first), the rest as a count and
            # the command listing exactly them.
            keys = [t.key for t in registry.evidence_tiers()]
            section.arrivals = store.arrived_articles(db, name, since, keys, newest)
            if counted[retracted]:
                section.retracted = store.top_of_tiers(db, name, [retracted], strongest)
        sections.append(section)
    sections.sort(key=lambda s: (not s.counts["total"], s.label.casefold(), s.name))
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
    """A study-type class of the chart and the matrix, in its tier's colour (the one colour
    flags.TIERS gives it; a lighter mix of it on dark backgrounds)."""

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


def evidence_kinds() -> list[tuple[str, str, str]]:
    """The chart's bar classes: the evidence tiers of KINDS (MA/SR and the RCT tiers)."""
    evidence = {t.key.replace("-", "_") for t in registry.evidence_tiers()}
    return [k for k in KINDS if k[0] in evidence]


def timeline(section: Section) -> dict[str, Any]:
    """The geometry of the timeline (templates/report_parts.html draws it): per publication
    year the evidence as stacked bars (MA/SR at the bottom, on their own scale, so a few
    trials are never flattened by hundreds of other articles), all articles as a thin line
    in a strip above, the axis running to the current year, and a tooltip per year.

    Sizes are in viewBox units: the SVG is 480 wide (its column beside the lists on a wide
    screen) and scales with the page; at 400 px the stylesheet enlarges the text, so year
    labels are spaced for text that size."""
    years = section.years
    shown = evidence_kinds()
    peak = max((sum(y[k] for k, _, _ in shown) for y in years), default=0)
    step = _nice_step(peak)
    y_max = max(step * math.ceil(peak / step), step)
    all_peak = max((y["articles"] for y in years), default=0)
    width, height = 480, 300
    # Room on the left for the widest tick label (at the narrow-screen size) and the axis label.
    left, right, bottom = 40 + 14 * len(f"{y_max:,}"), 22, 54
    strip_top, strip_h = 60, 44  # the all-articles strip
    top = strip_top + strip_h + 26  # the evidence plot
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(years), 1)
    bar = max(min(slot * 0.78, 28), 1)
    label_every = next(k for k in (1, 2, 5, 10, 20, 50, 100) if slot * k >= 70)
    total = section.counts["total"]
    desc = (
        f"{total:,} articles for {section.label} by year of publication"
        + (f", {years[0]['year']} to {years[-1]['year']}" if years else "")
        + ": "
        + ", ".join(f"{section.counts[k]:,} {label}" for k, label, _ in shown)
        + f"; {section.counts['other']:,} other"
    )
    legend = []
    x: float = left
    for key, label, _ in shown:  # narrow screens show the HTML legend instead
        legend.append({"key": key, "label": label, "x": f"{x:g}", "text_x": f"{x + 17:g}"})
        x += 30 + 7.2 * len(label)
    ticks = []
    for value in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * value / y_max
        ticks.append({"value": f"{value:,}", "y": f"{y:.1f}", "text_y": f"{y + 4:.1f}"})
    bars, line = [], []
    for i, row in enumerate(years):
        cx = left + slot * (i + 0.5)
        parts = [f"{row[k]:,} {label}" for k, label, _ in shown if row[k]]
        tip = f"{row['year']}: {plural(row['articles'], 'article')}" + (
            " (" + ", ".join(parts) + ")" if parts else ", no MA/SR or RCT"
        )
        segments = []
        base = top + plot_h
        for key, _, _ in shown:
            if not row[key]:
                continue
            h = max(plot_h * row[key] / y_max, 2.5)  # a single article stays visible
            base -= h
            segments.append(
                {"key": key, "x": f"{cx - bar / 2:.1f}", "y": f"{base:.1f}", "height": f"{h:.1f}"}
            )
        strip_y = strip_top + strip_h - strip_h * row["articles"] / max(all_peak, 1)
        line.append(f"{cx:.1f},{strip_y:.1f}")
        bars.append(
            {
                "tip": tip,
                "hit_x": f"{cx - slot / 2:.1f}",
                "cx": f"{cx:.1f}",
                "segments": segments,
                "label": row["year"]
                if row["year"] % label_every == 0 or i in (0, len(years) - 1) and len(years) < 4
                else None,
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
        "strip_top": strip_top,
        "strip_base": strip_top + strip_h,
        "strip_label_y": strip_top - 8,
        "all_label": f"All articles per year (peak {all_peak:,})",
        "line": " ".join(line),
        "evidence_label_y": top - 10,
        "axis_y": top + plot_h,
        "year_y": top + plot_h + 22,
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
    shown = evidence_kinds()
    rows = []
    for row in reversed(section.years):
        if row["articles"]:
            rows.append(
                {
                    "year": row["year"],
                    "counts": [row[k] for k, _, _ in shown],
                    "all": row["articles"],
                }
            )
    if section.undated.get("articles"):
        undated = [section.undated[k] for k, _, _ in shown]
        rows.append({"year": "no year", "counts": undated, "all": section.undated["articles"]})
    return rows


# --- articles -------------------------------------------------------------------------------


def cut_line(text: str, limit: int = CONCLUSION_CHARS) -> str:
    """``text`` on one line, cut at a word boundary with "…" when longer than ``limit``."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rfind(" ")
    return (head[:cut] if cut > limit // 2 else text[:limit]).rstrip(
        " ,;:.-"
    ) + "\N{HORIZONTAL ELLIPSIS}"


def article_view(row: StoredArticle, since: str = "") -> dict[str, Any]:
    """What the page shows of one article: badges (name, colour and reason from the flag
    registry, as in digests and the terminal), linked title, first author, journal, year,
    trial size, PubMed and DOI links, notices (linked to the notice's PubMed page), when it
    was first stored (NEW when at or after ``since``), its conclusion, and why it carries each
    badge and where its trial size was read."""
    reasons = row.flag_reasons
    badges = []
    for flag in badge_flags(row.flags):
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
    size = row.sample_size
    doi = doi_url(row.doi)
    first_seen = one_line(row.first_seen)
    conclusion = one_line(row.conclusion)
    return {
        "pmid": one_line(row.pmid),
        "url": pubmed_url(one_line(row.pmid)),
        "tier": one_line(row.evidence_tier),
        "retracted": "retracted" in row.flags,
        "title": one_line(row.title) or "(no title)",
        "author": one_line(first_author(row)) if row.authors else "",
        "journal": one_line(row.journal_abbrev or row.journal),
        "year": one_line(row.year),
        "size": (f"{size:,}" if isinstance(size, int) else one_line(size)) if size else "",
        "size_source": size_source(row),
        "compared": comparator_tag(row),
        "doi": one_line(row.doi) if doi else "",
        "doi_url": doi or "",
        "badges": badges,
        "notices": [
            {
                "label": one_line(n["label"]),
                "source": one_line(n["source"]),
                "url": pubmed_url(n["pmid"]) if n["pmid"] and n["pmid"].isdigit() else "",
            }
            for n in notices(row)
            if n["warning"]
        ],
        "first_seen": first_seen[:10],
        "new": bool(since and first_seen >= since),
        "conclusion": conclusion,
        "conclusion_line": cut_line(conclusion) if conclusion else "",
        "tier_id": "",  # set on the first article of each tier of the strongest evidence
        "tier_head": "",
        "tier_count": 0,
    }


# --- the page -------------------------------------------------------------------------------


def matrix_columns() -> list[Kind]:
    """The matrix's tier columns, strongest first: every evidence tier and the retracted
    articles (flags.TIERS: labels, titles and colours); "other" is in the total only."""
    retracted = registry.WITHDRAWN["retracted"]
    return [
        Kind(t.key.replace("-", "_"), t.label, t.title, t.colour, _dark(t.colour, t.evidence))
        for t in registry.TIERS
        if t.evidence or t.key == retracted
    ]


def matrix(sections: list[Section]) -> dict[str, Any]:
    """The evidence matrix: a row per condition (the sections' order), a cell per tier
    column, then arrived and total; a cell with articles links to its list on the page, and
    under it how many of them arrived since the page's moment ("+3"), linking to what arrived."""
    columns = matrix_columns()
    rows = []
    for s in sections:
        anchor = s.anchor or anchor_for(s.name, set())
        cells = []
        for c in columns:
            n = s.counts.get(c.key, 0)
            target = "retracted" if c.key == registry.WITHDRAWN["retracted"] else c.key
            plus = s.arrived.get(c.key.replace("_", "-"), 0)
            cells.append(
                {
                    "key": c.key,
                    "value": n,
                    "href": f"#{anchor}-{target}" if n else "",
                    "arrived": plus,
                    "arrived_href": f"#{anchor}-new",
                }
            )
        new, total = s.counts.get("new", 0), s.counts.get("total", 0)
        for key, value, href in (("new", new, f"#{anchor}-new"), ("total", total, f"#{anchor}")):
            cells.append({"key": key, "value": value, "href": href if value else "", "arrived": 0})
        rows.append({"anchor": anchor, "label": s.label, "cells": cells, "empty": not total})
    return {"columns": columns, "rows": rows}


# --- the commands printed for what the page cuts short ---------------------------------------


def type_word(keys: list[str]) -> str:
    """The ``show --type`` word for these tier keys (``flags.type_words_text``: ``evidence``
    for every evidence tier, ``tier:rct`` where a key is also a flag word)."""
    return registry.type_words_text([registry.TIER_PREFIX + k for k in keys])


def show_command(condition: str, keys: list[str], since: str | None = None) -> str:
    """The command listing exactly the articles of ``condition`` in these tiers (arrived since
    ``since`` when given), all of them, in the evidence order the page lists them in."""
    import shlex

    words = ["acutrack", "show", condition, "--type", type_word(keys)]
    if since:
        words += ["--stored-since", since]
    return shlex.join([*words, "--all"])


def arrivals_view(section: Section) -> dict[str, Any]:
    """What arrived since the page's moment: the evidence listed (strongest first), then how
    many more evidence articles and how many others arrived, each with its command."""
    evidence = [t.key for t in registry.evidence_tiers()]
    arrived_evidence = sum(section.arrived.get(k, 0) for k in evidence)
    rest_keys = [t.key for t in registry.TIERS if t.key not in evidence]
    rest = sum(section.arrived.get(k, 0) for k in rest_keys)
    since = section.since
    more = arrived_evidence - len(section.arrivals)
    return {
        "listed": [article_view(r, since) for r in section.arrivals],
        "evidence": arrived_evidence,
        "more": plural(more, "more MA/SR or RCT", "more MA/SRs or RCTs") if more > 0 else "",
        "more_command": show_command(section.name, evidence, since) if more > 0 else "",
        "rest": plural(rest, "other article") if rest else "",
        "rest_command": show_command(
            section.name, [k for k in rest_keys if section.arrived.get(k)], since
        )
        if rest
        else "",
    }


def provenance_view(p: dict[str, Any]) -> dict[str, Any]:
    """The saved query (and PubMed's translation when known), when PubMed was last searched
    and the link running the same search on PubMed, as the page shows them."""
    searched = one_line(p.get("searched_up_to"))
    return {
        "query": one_line(p.get("query")),
        "query_line": cut_line(p.get("query") or "", 90),
        "translation": one_line(p.get("translation")),
        "searched": searched[:10],
        "searched_full": searched,
        "url": p.get("pubmed_url") or "",
    }


def evidence_order() -> str:
    """The evidence order as one sentence ("Meta-analyses ..., then sham-controlled
    randomized trials, then ...; larger trials first ...")."""
    names = [t.title.split(" (")[0] for t in registry.evidence_tiers()]
    tiers = ", then ".join([names[0], *(n[:1].lower() + n[1:] for n in names[1:])])
    return f"{tiers}; larger trials first within each (unknown size last), then newer."


def strongest_view(section: Section, anchor: str) -> list[dict[str, Any]]:
    """The strongest evidence as tiers: each with its heading, count (the matrix's cell links
    to its first article), the articles listed and, when the cap cut it short, how many more
    and the command listing all of them."""
    tiers: list[dict[str, Any]] = []
    for row in section.strongest:
        key = row.evidence_tier
        if not tiers or tiers[-1]["key"] != key:
            known = registry.TIER_BY_KEY.get(key)
            count = section.counts.get(key.replace("-", "_"), 0)
            tiers.append(
                {
                    "key": key,
                    "id": f"{anchor}-{key.replace('-', '_')}",
                    "title": known.title if known else key,
                    "count": count,
                    "articles": [],
                }
            )
        tiers[-1]["articles"].append(article_view(row, section.since))
    for listed in tiers:
        more = listed["count"] - len(listed["articles"])
        listed["more"] = more if more > 0 else 0
        listed["command"] = show_command(section.name, [listed["key"]]) if more > 0 else ""
    return tiers


def section_view(section: Section) -> dict[str, Any]:
    anchor = section.anchor or anchor_for(section.name, set())
    view: dict[str, Any] = {
        "anchor": anchor,
        "label": section.label,
        "empty": True,
        "provenance": provenance_view(section.provenance),
    }
    if not section.counts["total"]:
        return view
    return view | {
        "empty": False,
        "chart": timeline(section),
        "years": year_rows(section),
        "undated": plural(section.undated.get("articles", 0), "article"),
        "undated_verb": "is" if section.undated.get("articles", 0) == 1 else "are",
        "strongest": strongest_view(section, anchor),
        "order": evidence_order(),
        "per_tier": section.per_tier,
        "arrived": section.counts.get("new", 0),
        "arrived_phrase": plural(section.counts.get("new", 0), "article"),
        "arrivals": arrivals_view(section),
        "retracted": retracted_view(section),
    }


def retracted_view(section: Section) -> dict[str, Any]:
    """The retracted articles listed (capped as the strongest evidence), how many more, and
    the command listing all of them."""
    key = registry.WITHDRAWN["retracted"]
    count = section.counts.get(key.replace("-", "_"), 0)
    listed = [article_view(r, section.since) for r in section.retracted]
    more = count - len(listed)
    if not listed:
        return {}
    return {
        "articles": listed,
        "count": count,
        "more": max(more, 0),
        "command": show_command(section.name, [key]) if more > 0 else "",
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
    since = next((s.since for s in sections if s.since), "")
    today = next((s.today for s in sections if s.today), None)
    return render(
        "report.html",
        title=title,
        stamp=generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        labels=", ".join(s.label for s in sections) or "no conditions",
        total=total,
        matrix=matrix(sections) if sections else None,
        new_since=newness.shown(since),
        # "(the last 7 days)" only when the window is the default one
        new_days=NEW_DAYS if today and since == new_since(today) else None,
        order=evidence_order(),
        sections=[section_view(s) for s in sections],
        kinds=kinds(),
        evidence=[k for k in kinds() if k.key in {e[0] for e in evidence_kinds()}],
        columns=matrix_columns(),
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
    strongest: int = 10,
    newest: int = 10,
    title: str = TITLE,
    now: datetime | None = None,
    queries: dict[str, str] | None = None,
    since: str | None = None,
) -> str:
    """The report page for these (name, label) conditions, made at ``now`` (UTC; default:
    the clock, read here once) with ``queries`` (name -> query of queries.toml) for
    conditions never searched."""
    now = now or datetime.now(UTC)
    sections = collect(
        db,
        conditions,
        strongest=strongest,
        newest=newest,
        today=now.date(),
        queries=queries,
        since=since,
    )
    total = store.distinct_articles(db, [name for name, _ in conditions])
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")
    return render_html(sections, title=title, generated_at=stamp, total=total)
