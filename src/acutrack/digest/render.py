"""Rendering a digest: plain text, Markdown, HTML (for mail) and JSON; log lines.

PubMed text is data in every format: control characters removed, HTML-escaped in HTML,
backslash-escaped in Markdown.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from ..article import md_escape as md
from ..article import one_line, plural, public_article, pubmed_url, size_phrase
from ..flags import COLOURS, FLAGS, LABELS, NOUNS, TITLES
from .collect import DEFAULT_NAME, STRONG, Digest, Group, when

SUFFIX_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".txt": "text",
}
FLAG_NAMES: dict[str, str] = dict(TITLES)
WIDTH = 76
MAX_AUTHORS = 3


def history_line(row: dict[str, Any]) -> str:
    where = []
    if row["recipients"]:
        where.append("mailed to " + ", ".join(row["recipients"]))
    if row["output"]:
        where.append(f"written to {row['output']}")
    if row["to_stdout"]:
        where.append("printed")
    kind = {"mark": "marked as delivered", "resend": f"re-sent #{row['resend_of']}"}.get(
        row["kind"], ""
    )
    what = plural(row["articles"], "article")
    if not row["articles"] and not where and row["kind"] == "digest":
        where.append("nothing new, nothing sent")
    parts = [f"#{row['id']}", when(row["created_at"]), row["name"], what]
    if kind:
        parts.append(kind)
    if where:
        parts.append("; ".join(where) + (f" ({row['format']})" if row["format"] else ""))
    return "  ".join(parts)


def status_line(digest: Digest, where: list[str]) -> str:
    """One line for the log: when, which name, how many, where to."""
    what = "re-sent" if digest.resent else "digest"
    counts = ", ".join(f"{c} {n}" for c, n in digest.counts.items() if n)
    return (
        f"{digest.generated_at} {what} '{digest.name}': {plural(digest.total, 'article')}"
        + (f" ({counts})" if counts else "")
        + (f"; {'; '.join(where)}" if where else "")
    )


def excerpt(abstract: Any, width: int = WIDTH, lines: int = 2) -> list[str]:
    """The abstract's first ``lines`` lines at ``width``, with … when it goes on."""
    words = one_line(abstract)
    if not words:
        return []
    wrapped = textwrap.wrap(words, width, break_long_words=True, break_on_hyphens=False)
    if len(wrapped) <= lines:
        return wrapped
    wrapped = wrapped[:lines]
    last = wrapped[-1]
    if len(last) > width - 1:
        last = last[: width - 1].rsplit(" ", 1)[0]
    wrapped[-1] = last.rstrip(" ,;:.") + "…"
    return wrapped


def authors_line(authors: list[str] | None) -> str:
    names = [one_line(a) for a in authors or [] if one_line(a)]
    if not names:
        return "(no authors listed)"
    shown = ", ".join(names[:MAX_AUTHORS])
    return shown + (", et al." if len(names) > MAX_AUTHORS else "")


def source_line(row: dict[str, Any]) -> str:
    journal = one_line(row.get("journal") or row.get("journal_abbrev"))
    year = str(row.get("year") or "")
    return ", ".join(p for p in (journal, year) if p)


def flag_items(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(flag, label, reason) in FLAGS order."""
    reasons = row.get("flag_reasons") or {}
    flags = row.get("flags") or []
    return [
        (f, FLAG_NAMES.get(f, LABELS.get(f, f)), one_line(reasons.get(f, "")))
        for f in FLAGS
        if f in flags
    ]


def subject(digest: Digest) -> str:
    who = "acutrack" if digest.name == DEFAULT_NAME else f"acutrack {digest.name}"
    prefix = "[re-sent] " if digest.resent else ""
    if not digest.total:
        return f"{prefix}{who}: no new articles"
    strong = evidence_counts(digest)
    return f"{prefix}{who}: {plural(digest.total, 'new article')}" + (
        f" ({strong})" if strong else ""
    )


def evidence_counts(digest: Digest) -> str:
    from ..flags import evidence_tiers

    counts = {f: 0 for f in STRONG}
    counted = {t.key for t in evidence_tiers()}
    for _group, row in digest.rows():
        if row.get("evidence_tier") not in counted:
            continue  # retracted articles and protocols are never counted as evidence
        for f in STRONG:
            if f in (row.get("flags") or ()):
                counts[f] += 1
    return ", ".join(plural(n, *NOUNS[f]) for f, n in counts.items() if n)


def heading(digest: Digest) -> str:
    return f'acutrack digest "{digest.name}"'


def since_phrase(digest: Digest) -> str:
    same, since = digest.common_since()
    if digest.resent:
        return (
            f"a copy of the digest of {when(digest.resent['created_at'])}, "
            f"re-sent {when(digest.generated_at)}"
        )
    if same and since:
        return f"new since the digest of {when(since)}"
    if same:
        return "first digest of this name: everything stored so far"
    return "new since the last digest of each condition"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def empty_line(digest: Digest) -> str:
    same, since = digest.common_since()
    if same and since:
        tail = f"since {when(since)}"
    elif same:
        tail = "stored yet"
    else:
        tail = "since the last digest"
    line = f"{heading(digest)}: no new articles {tail} ({', '.join(digest.conditions)})."
    for note in digest.notes:
        line += f" Note: {note}"
    return line


def listed_elsewhere(group: Group, digest: Digest) -> list[tuple[Group, int]]:
    """The groups holding articles that are new for ``group``'s condition too (each article
    is listed once, under the first condition that has it, "Also new for" the others)."""
    out = []
    for other in digest.groups:
        if other is group:
            continue
        n = sum(1 for row in other.rows if group.condition in (row.get("also_in") or ()))
        if n:
            out.append((other, n))
    return out


def shown_groups(digest: Digest) -> list[Group]:
    """Every condition with something new, also when all of it is listed under another."""
    return [g for g in digest.groups if g.rows or listed_elsewhere(g, digest)]


def _group_title(group: Group, digest: Digest, same: bool) -> str:
    label = one_line(group.label)
    name = "" if label.lower() == group.condition else f" ({group.condition})"
    since = ""
    if not same and not digest.resent:
        since = f", since {when(group.since)}" if group.since else ", first digest"
    elsewhere = listed_elsewhere(group, digest)
    total = len(group.rows) + sum(n for _g, n in elsewhere)
    where = " and ".join(one_line(g.label) for g, _n in elsewhere)
    shared = sum(n for _g, n in elsewhere)
    if not elsewhere:
        note = ""
    elif not group.rows:
        note = f" (listed above under {where})"
    else:
        note = f" ({shared:,} of them listed above under {where})"
    return f"{label}{name}: {total:,} new{since}{note}"


def _wrap(
    text: str, width: int, initial_indent: str = "", subsequent_indent: str = ""
) -> list[str]:
    """Wrap at spaces only: "rheumatoid-arthritis" and "anti-EBV" stay whole."""
    return textwrap.wrap(
        text,
        width,
        break_on_hyphens=False,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
    )


def render_text(digest: Digest) -> str:
    """Plain text for terminals, pipes, cron mail and the text/plain part."""
    if not digest.total:
        return empty_line(digest) + "\n"
    same, _ = digest.common_since()
    out = [
        f"{heading(digest)}: {plural(digest.total, 'article')} ({when(digest.generated_at)})",
        _upper_first(since_phrase(digest)) + "; strongest evidence first.",
    ]
    for note in digest.notes:
        out += ["", *_wrap("Note: " + note, WIDTH)]
    for group in shown_groups(digest):
        title = _group_title(group, digest, same)
        out += ["", "", title, "=" * min(len(title), WIDTH)]
        for i, row in enumerate(group.rows, 1):
            number = f"{i}. "
            pad = " " * len(number)
            wrapped = _wrap(
                one_line(row.get("title")) or "(no title)",
                WIDTH,
                initial_indent=number,
                subsequent_indent=pad,
            )
            out += ["", *wrapped]
            out += _wrap(
                authors_line(row.get("authors")), WIDTH, initial_indent=pad, subsequent_indent=pad
            )
            out += _wrap(source_line(row), WIDTH, initial_indent=pad, subsequent_indent=pad)
            for _flag, label, reason in flag_items(row):
                out += _wrap(
                    f"{label} - {reason}" if reason else label,
                    WIDTH,
                    initial_indent=pad,
                    subsequent_indent=pad + "  ",
                )
            if size_phrase(row):
                out.append(pad + "Trial size: " + size_phrase(row))
            if row.get("also_in"):
                out.append(pad + "Also new for: " + ", ".join(row["also_in"]))
            out += [pad + line for line in excerpt(row.get("abstract"), WIDTH - len(pad))]
            out.append(pad + pubmed_url(row["pmid"]))
    return "\n".join(out) + "\n"


def render_markdown(digest: Digest) -> str:
    if not digest.total:
        return md(empty_line(digest)) + "\n"
    same, _ = digest.common_since()
    out = [
        f"# {md(heading(digest))}: {plural(digest.total, 'article')}",
        "",
        f"*{md(when(digest.generated_at))} · {md(since_phrase(digest))} · strongest evidence "
        "first*",
    ]
    for note in digest.notes:
        out += ["", f"> **Note:** {md(note)}"]
    for group in shown_groups(digest):
        out += ["", f"## {md(_group_title(group, digest, same))}"]
        for i, row in enumerate(group.rows, 1):
            url = pubmed_url(row["pmid"])
            out += ["", f"### {i}. {md(row.get('title')) or '(no title)'}", ""]
            out.append(f"{md(authors_line(row.get('authors')))}  ")
            out.append(f"*{md(source_line(row))}* · [PMID {row['pmid']}]({url})")
            items = flag_items(row)
            if items or row.get("also_in") or size_phrase(row):
                out.append("")
                for _flag, label, reason in items:
                    out.append(f"- **{md(label)}**" + (f": {md(reason)}" if reason else ""))
                if size_phrase(row):
                    out.append(f"- **Trial size**: {md(size_phrase(row))}")
                if row.get("also_in"):
                    out.append(f"- Also new for: {md(', '.join(row['also_in']))}")
            lines = excerpt(row.get("abstract"), 90)
            if lines:
                out += ["", "> " + md(" ".join(lines))]
    return "\n".join(out) + "\n"


_BADGE: dict[str, str] = dict(COLOURS)  # badge colours from the flag registry


def render_html(digest: Digest) -> str:
    """A self-contained HTML page that reads well in mail clients (templates/digest.html);
    all PubMed text escaped by Jinja's autoescape."""
    from ..templating import render as fill

    if not digest.total:
        return fill("digest.html", subject=subject(digest), empty=empty_line(digest))
    same, _ = digest.common_since()
    return fill(
        "digest.html",
        subject=subject(digest),
        empty="",
        heading=f"{heading(digest)}: {plural(digest.total, 'article')}",
        when=when(digest.generated_at),
        since=since_phrase(digest),
        notes=[one_line(n) for n in digest.notes],
        groups=[
            {
                "title": _group_title(group, digest, same),
                "articles": [_html_article(row) for row in group.rows],
            }
            for group in shown_groups(digest)
        ],
    )


def _html_article(row: dict[str, Any]) -> dict[str, Any]:
    """What the HTML digest shows of one article."""
    items = flag_items(row)
    reasons = [{"label": label, "text": reason} for _f, label, reason in items if reason]
    if size_phrase(row):
        reasons.append({"label": "Trial size", "text": size_phrase(row)})
    if row.get("also_in"):
        reasons.append({"label": "", "text": "Also new for: " + ", ".join(row["also_in"])})
    return {
        "url": pubmed_url(row["pmid"]),
        "pmid": one_line(row["pmid"]),
        "title": one_line(row.get("title")) or "(no title)",
        "authors": one_line(authors_line(row.get("authors"))),
        "source": one_line(source_line(row)),
        "badges": [
            {"label": label, "colour": _BADGE.get(flag, "#666666")} for flag, label, _ in items
        ],
        "reasons": [{"label": r["label"], "text": one_line(r["text"])} for r in reasons],
        "excerpt": " ".join(excerpt(row.get("abstract"), 90)),
    }


def as_dict(digest: Digest) -> dict[str, Any]:
    articles = []
    for group, row in digest.rows():
        item = public_article(row)
        item["digest_condition"] = group.condition
        item["also_in"] = row.get("also_in") or []
        articles.append(item)
    return {
        "name": digest.name,
        "generated_at": digest.generated_at,
        "conditions": digest.conditions,
        "since": digest.since,
        "counts": digest.counts,
        "total": digest.total,
        "resent_from": digest.resent["created_at"] if digest.resent else None,
        "notes": digest.notes,
        "articles": articles,
    }


def render(digest: Digest, fmt: str) -> str:
    if fmt == "json":
        from ..export import to_json  # C1 and bidirectional controls escaped, as in show

        return to_json(as_dict(digest))
    if fmt == "markdown":
        return render_markdown(digest)
    if fmt == "html":
        return render_html(digest)
    return render_text(digest)


def format_for(output: Path | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if output is not None:
        return SUFFIX_FORMATS.get(output.suffix.lower(), "text")
    return "text"
