"""Digests: the articles first stored since the last digest of a name, delivered exactly once.

Positions. ``article_conditions.id`` grows with every new link of an article to a condition,
so a digest name remembers, per condition, the highest link id it has delivered
(``digest_positions``). The next digest of that name lists the links above it, up to the
highest id present when it starts (links stored later wait for the next digest). The
position moves only after the digest was printed, written (temp file + rename) or accepted
by the mail server, in one transaction with the record of what was delivered
(``digests``), so a failed delivery is simply repeated next time. Names are independent; a
digest of some conditions leaves the other conditions' positions alone.

An article is listed once per name: under the first chosen condition it is new for (the
others are named beside it), and not again when it is later linked to another condition of
the same name. The first digest of a name lists everything stored so far
(``mark_delivered`` skips that backlog).

Order inside a condition: RCTs, meta-analyses, systematic reviews, then the rest, retracted
articles last; newest first within each. Every rendering treats PubMed text as data:
control characters removed, HTML-escaped in HTML, backslash-escaped in Markdown.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import sqlite3
import tempfile
import textwrap
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .errors import WorkError
from .evidence import FLAGS, LABELS
from .render import clean, public_article


class DeliveryError(WorkError, RuntimeError):
    """The digest could not be written or mailed; its position did not move (exit 1)."""


if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_NAME = "default"
FORMATS = ("text", "markdown", "html", "json")
SUFFIX_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".txt": "text",
}
STRONG = ("rct", "meta-analysis", "systematic-review")
FLAG_NAMES = {
    "rct": "RCT",
    "meta-analysis": "Meta-analysis",
    "systematic-review": "Systematic review",
    "protocol": "Protocol",
    "sham-controlled": "Sham-controlled",
    "retracted": "RETRACTED",
    "registered": "Registered",
    "pilot": "Pilot",
}
WIDTH = 76
MAX_AUTHORS = 3
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/{}/"


# --- collecting -------------------------------------------------------------------------------


@dataclass
class Group:
    condition: str
    label: str
    rows: list[dict[str, Any]]
    since: str | None = None


@dataclass
class Digest:
    name: str
    conditions: list[str]
    generated_at: str
    groups: list[Group]
    # condition -> [last delivered link id, highest link id this digest covers]
    ranges: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    resent: dict[str, Any] | None = None  # the recorded digest this one repeats

    @property
    def total(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def counts(self) -> dict[str, int]:
        return {g.condition: len(g.rows) for g in self.groups}

    @property
    def since(self) -> dict[str, str | None]:
        return {g.condition: g.since for g in self.groups}

    def common_since(self) -> tuple[bool, str | None]:
        """(all conditions share one start, that start)."""
        values = set(self.since.values())
        return (len(values) == 1, next(iter(values)) if len(values) == 1 else None)

    def rows(self) -> Iterable[tuple[Group, dict[str, Any]]]:
        for group in self.groups:
            for row in group.rows:
                yield group, row


def positions(db: Database, name: str) -> dict[str, dict[str, Any]]:
    return {
        row["condition"]: row
        for row in db.query("SELECT * FROM digest_positions WHERE name = ?", [name])
    }


def collect(db: Database, name: str, conditions: list[str], labels: dict[str, str]) -> Digest:
    """What the next digest of ``name`` holds for ``conditions`` (nothing is changed)."""
    known = positions(db, name)
    delivered_upto = {c: p["last_id"] for c, p in known.items()}
    ranges: dict[str, list[int]] = {}
    fresh: dict[str, list[str]] = {}
    for cond in conditions:
        after = delivered_upto.get(cond, 0)
        (top,) = db.execute(
            "SELECT max(id) FROM article_conditions WHERE condition = ?", [cond]
        ).fetchone()
        upto = max(top or 0, after)
        ranges[cond] = [after, upto]
        fresh[cond] = [
            r[0]
            for r in db.execute(
                "SELECT pmid FROM article_conditions WHERE condition = ? AND id > ? AND id <= ? "
                "ORDER BY id",
                [cond, after, upto],
            )
        ]
    candidates = list(dict.fromkeys(p for pmids in fresh.values() for p in pmids))
    # Delivered before under this name, through any condition: not again.
    seen: set[str] = set()
    for chunk in store._chunks(candidates):
        for pmid, cond, link_id in db.execute(
            "SELECT pmid, condition, id FROM article_conditions WHERE pmid IN "
            f"({','.join('?' * len(chunk))})",
            chunk,
        ):
            if link_id <= delivered_upto.get(cond, 0):
                seen.add(pmid)
    placed: dict[str, str] = {}
    also: dict[str, list[str]] = {}
    for cond in conditions:
        for pmid in fresh[cond]:
            if pmid in seen:
                continue
            if pmid in placed:
                also[pmid].append(cond)
            else:
                placed[pmid] = cond
                also[pmid] = []
    articles = load_articles(db, list(placed))
    groups = []
    for cond in conditions:
        rows = []
        for pmid, where in placed.items():
            if where == cond and pmid in articles:
                row = articles[pmid]
                row["also_in"] = also[pmid]
                rows.append(row)
        groups.append(
            Group(
                cond,
                labels.get(cond) or cond,
                sort_rows(rows),
                known[cond]["updated_at"] if cond in known else None,
            )
        )
    return Digest(
        name=name,
        conditions=list(conditions),
        generated_at=store.now_iso(),
        groups=groups,
        ranges=ranges,
        notes=update_notes(db),
    )


def load_articles(db: Database, pmids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for chunk in store._chunks(pmids):
        for row in db.query(
            f"""
            SELECT a.*,
              (SELECT min(first_seen) FROM article_conditions WHERE pmid = a.pmid) AS first_seen,
              (SELECT group_concat(condition) FROM article_conditions WHERE pmid = a.pmid)
                AS conditions_csv
            FROM articles a WHERE a.pmid IN ({",".join("?" * len(chunk))})
            """,
            chunk,
        ):
            found[row["pmid"]] = store.decode(row)
    return found


def rank(row: dict[str, Any]) -> int:
    flags = set(row.get("flags") or ())
    if "retracted" in flags:
        return len(STRONG) + 1
    for i, flag in enumerate(STRONG):
        if flag in flags:
            return i
    return len(STRONG)


def sort_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = sorted(
        rows,
        key=lambda r: (r.get("entrez_date") or "", r.get("year") or 0, int(r["pmid"])),
        reverse=True,
    )
    return sorted(rows, key=rank)  # stable: newest first inside each rank


def update_notes(db: Database) -> list[str]:
    """A warning when the latest update failed, so a cron user learns it from the digest."""
    rows = list(
        db.query(
            "SELECT started_at, status, error, summary FROM runs WHERE command LIKE 'update%' "
            "ORDER BY id DESC LIMIT 1"
        )
    )
    if not rows or rows[0]["status"] == "ok":
        return []
    run = rows[0]
    why = _failed_conditions(run.get("summary")) or (
        ": " + one_line(run["error"] or "it did not finish")
    )
    if len(why) > 300:
        why = why[:299] + "…"
    return [
        f"The last update ({when(run['started_at'])}) failed{why.rstrip('.')}. What it missed "
        "comes in a later digest."
    ]


def _failed_conditions(summary: str | None) -> str:
    """' for lupus, psoriasis: <error>' from the run summary, one error text once."""
    try:
        data = json.loads(summary or "{}")
        by_error: dict[str, list[str]] = {}
        for cond, result in data.items():
            if isinstance(result, dict) and result.get("error"):
                by_error.setdefault(one_line(result["error"]), []).append(one_line(cond))
    except (ValueError, AttributeError):
        return ""
    return "; ".join(f" for {', '.join(conds)}: {error}" for error, conds in by_error.items())


# --- recording --------------------------------------------------------------------------------


def record(
    db: Database,
    digest: Digest,
    *,
    kind: str = "digest",
    fmt: str | None = None,
    output: Path | None = None,
    recipients: list[str] | None = None,
    to_stdout: bool = False,
) -> int:
    """Record a delivered digest and move the name's positions, in one transaction.

    ``kind`` is ``digest`` (positions move), ``mark`` (positions move, nothing was sent) or
    ``resend`` (a copy of an earlier digest: positions stay).
    """
    with db.atomic():
        table = db["digests"].insert(
            {
                "name": digest.name,
                "kind": kind,
                "created_at": digest.generated_at,
                "conditions": json.dumps(digest.conditions),
                "ranges": json.dumps(digest.ranges),
                "groups": json.dumps(
                    [
                        [g.condition, [[r["pmid"], r.get("also_in") or []] for r in g.rows]]
                        for g in digest.groups
                    ]
                ),
                "articles": digest.total,
                "format": fmt,
                "output": str(output) if output else None,
                "recipients": json.dumps(recipients or []),
                "to_stdout": int(to_stdout),
                "resend_of": digest.resent["id"] if digest.resent else None,
            }
        )
        digest_id = int(table.last_pk)
        if kind != "resend":
            for cond, (_after, upto) in digest.ranges.items():
                db.execute(
                    "INSERT INTO digest_positions (name, condition, last_id, updated_at, "
                    "digest_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, condition) DO UPDATE "
                    "SET last_id = max(last_id, excluded.last_id), "
                    "updated_at = excluded.updated_at, digest_id = excluded.digest_id",
                    [digest.name, cond, upto, digest.generated_at, digest_id],
                )
    return digest_id


def last_digest(db: Database, name: str) -> dict[str, Any] | None:
    """The latest delivered digest of ``name`` that listed articles."""
    rows = list(
        db.query(
            "SELECT * FROM digests WHERE name = ? AND kind = 'digest' AND articles > 0 "
            "ORDER BY id DESC LIMIT 1",
            [name],
        )
    )
    return _decode_record(rows[0]) if rows else None


def _decode_record(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("conditions", "ranges", "groups", "recipients"):
        row[key] = json.loads(row[key]) if row.get(key) else None
    return row


def rebuild(db: Database, recorded: dict[str, Any], labels: dict[str, str]) -> Digest:
    """The recorded digest again, same articles in the same groups, with today's data."""
    pmids = [pmid for _cond, items in recorded["groups"] for pmid, _also in items]
    articles = load_articles(db, pmids)
    groups = []
    for cond, items in recorded["groups"]:
        rows = []
        for pmid, also in items:
            if pmid in articles:
                row = dict(articles[pmid])
                row["also_in"] = also
                rows.append(row)
        groups.append(Group(cond, labels.get(cond) or cond, rows))
    previous = {
        r["condition"]: r["updated_at"]
        for r in db.query(
            "SELECT d.created_at AS updated_at, value AS condition FROM digests d, "
            "json_each(d.conditions) WHERE d.name = ? AND d.id < ? AND d.kind != 'resend' "
            "ORDER BY d.id",
            [recorded["name"], recorded["id"]],
        )
    }
    for group in groups:
        group.since = previous.get(group.condition)
    return Digest(
        name=recorded["name"],
        conditions=recorded["conditions"],
        generated_at=store.now_iso(),
        groups=groups,
        ranges=recorded["ranges"],
        resent=recorded,
    )


def history(db: Database, name: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    sql = "SELECT * FROM digests" + (" WHERE name = ?" if name else "")
    rows = db.query(sql + " ORDER BY id DESC LIMIT ?", [name, limit] if name else [limit])
    return [_decode_record(r) for r in rows][::-1]


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


# --- rendering --------------------------------------------------------------------------------


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def when(stamp: str | None) -> str:
    """``2026-01-05T06:17:03+00:00`` as ``2026-01-05 06:17 UTC``."""
    if not stamp:
        return ""
    text = stamp.replace("T", " ")[:16]
    return text + (" UTC" if stamp.endswith(("+00:00", "Z")) else "")


def one_line(text: Any) -> str:
    return " ".join(clean(text).split())


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
    counts = {f: 0 for f in STRONG}
    for _group, row in digest.rows():
        for f in STRONG:
            if f in (row.get("flags") or ()):
                counts[f] += 1
    words = {
        "rct": ("RCT", "RCTs"),
        "meta-analysis": ("meta-analysis", "meta-analyses"),
        "systematic-review": ("systematic review", "systematic reviews"),
    }
    return ", ".join(f"{n} {words[f][n != 1]}" for f, n in counts.items() if n)


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


def _group_title(group: Group, digest: Digest, same: bool) -> str:
    label = one_line(group.label)
    name = "" if label.lower() == group.condition else f" ({group.condition})"
    since = ""
    if not same and not digest.resent:
        since = f", since {when(group.since)}" if group.since else ", first digest"
    return f"{label}{name}: {len(group.rows)} new{since}"


def _wrap(text: str, width: int, **kwargs: str) -> list[str]:
    """Wrap at spaces only: "rheumatoid-arthritis" and "anti-EBV" stay whole."""
    return textwrap.wrap(text, width, break_on_hyphens=False, **kwargs)


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
    for group in digest.groups:
        if not group.rows:
            continue
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
            if row.get("also_in"):
                out.append(pad + "Also new for: " + ", ".join(row["also_in"]))
            out += [pad + line for line in excerpt(row.get("abstract"), WIDTH - len(pad))]
            out.append(pad + PUBMED.format(row["pmid"]))
    return "\n".join(out) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")


def md(text: Any) -> str:
    """PubMed text as literal Markdown: nothing in it becomes a link, emphasis or HTML."""
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line(text))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


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
    for group in digest.groups:
        if not group.rows:
            continue
        out += ["", f"## {md(_group_title(group, digest, same))}"]
        for i, row in enumerate(group.rows, 1):
            url = PUBMED.format(row["pmid"])
            out += ["", f"### {i}. {md(row.get('title')) or '(no title)'}", ""]
            out.append(f"{md(authors_line(row.get('authors')))}  ")
            out.append(f"*{md(source_line(row))}* · [PMID {row['pmid']}]({url})")
            items = flag_items(row)
            if items or row.get("also_in"):
                out.append("")
                for _flag, label, reason in items:
                    out.append(f"- **{md(label)}**" + (f": {md(reason)}" if reason else ""))
                if row.get("also_in"):
                    out.append(f"- Also new for: {md(', '.join(row['also_in']))}")
            lines = excerpt(row.get("abstract"), 90)
            if lines:
                out += ["", "> " + md(" ".join(lines))]
    return "\n".join(out) + "\n"


# Inline CSS only: mail clients drop <style> blocks and external sheets.
_BADGE = {
    "rct": "#1b6e3a",
    "meta-analysis": "#1a4f8b",
    "systematic-review": "#1a4f8b",
    "retracted": "#b00020",
}
_FONT = "font-family:Helvetica,Arial,sans-serif;"


def esc(text: Any) -> str:
    return html.escape(one_line(text), quote=True)


def render_html(digest: Digest) -> str:
    """A self-contained HTML page that reads well in mail clients; all PubMed text escaped."""
    title = esc(subject(digest))
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n</head>\n"
        f'<body style="margin:0;padding:16px;background:#f4f4f4;color:#222;{_FONT}">\n'
        '<div style="max-width:720px;margin:0 auto;background:#ffffff;padding:20px 24px;">\n'
    )
    tail = "</div>\n</body>\n</html>\n"
    if not digest.total:
        return head + f'<p style="font-size:15px;margin:0;">{esc(empty_line(digest))}</p>\n' + tail
    same, _ = digest.common_since()
    out = [
        f'<h1 style="font-size:20px;margin:0 0 4px 0;">{esc(heading(digest))}: '
        f"{plural(digest.total, 'article')}</h1>",
        f'<p style="font-size:13px;color:#666;margin:0 0 12px 0;">'
        f"{esc(when(digest.generated_at))} &middot; {esc(since_phrase(digest))} &middot; "
        "strongest evidence first</p>",
    ]
    for note in digest.notes:
        out.append(
            '<p style="font-size:13px;background:#fff4e5;border-left:4px solid #e69500;'
            f'padding:8px 10px;margin:0 0 12px 0;"><b>Note:</b> {esc(note)}</p>'
        )
    for group in digest.groups:
        if not group.rows:
            continue
        out.append(
            '<h2 style="font-size:17px;margin:24px 0 8px 0;padding-bottom:4px;'
            f'border-bottom:1px solid #dddddd;">{esc(_group_title(group, digest, same))}</h2>'
        )
        for row in group.rows:
            out.append(_html_article(row))
    return head + "\n".join(out) + "\n" + tail


def _html_article(row: dict[str, Any]) -> str:
    url = html.escape(PUBMED.format(row["pmid"]), quote=True)
    items = flag_items(row)
    badges = "".join(
        f'<span style="display:inline-block;font-size:11px;font-weight:bold;color:#ffffff;'
        f"background:{_BADGE.get(flag, '#666666')};padding:1px 6px;margin:0 4px 2px 0;"
        f'border-radius:3px;">{esc(label)}</span>'
        for flag, label, _reason in items
    )
    parts = ['<div style="margin:0 0 18px 0;">']
    if badges:
        parts.append(f"<div>{badges}</div>")
    parts.append(
        f'<div><a href="{url}" style="font-size:15px;font-weight:bold;color:#1a4f8b;'
        f'text-decoration:none;">{esc(row.get("title")) or "(no title)"}</a></div>'
    )
    parts.append(
        f'<div style="font-size:13px;color:#444;">{esc(authors_line(row.get("authors")))}</div>'
    )
    parts.append(
        f'<div style="font-size:13px;color:#666;"><i>{esc(source_line(row))}</i> &middot; '
        f'<a href="{url}" style="color:#1a4f8b;">PMID {esc(row["pmid"])}</a></div>'
    )
    reasons = [
        f"<li><b>{esc(label)}</b>: {esc(reason)}</li>" for _f, label, reason in items if reason
    ]
    if row.get("also_in"):
        reasons.append(f"<li>Also new for: {esc(', '.join(row['also_in']))}</li>")
    if reasons:
        parts.append(
            '<ul style="font-size:12px;color:#555;margin:4px 0;padding-left:18px;">'
            + "".join(reasons)
            + "</ul>"
        )
    lines = excerpt(row.get("abstract"), 90)
    if lines:
        parts.append(
            f'<p style="font-size:13px;color:#333;margin:4px 0 0 0;">{esc(" ".join(lines))}</p>'
        )
    parts.append("</div>")
    return "\n".join(parts)


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
        return json.dumps(as_dict(digest), indent=2, ensure_ascii=False) + "\n"
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


# --- delivery helpers -----------------------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename it over ``path``.

    A reader sees the old file or the new one, never half of one; a crash leaves no
    half-written digest behind.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            mode = path.stat().st_mode & 0o777
        else:
            umask = os.umask(0o022)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


# --- cron -------------------------------------------------------------------------------------

CRON_MACROS = {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,-]+$")
WEEKLY = "17 6 * * 1"
DAILY = "17 6 * * *"


def check_schedule(schedule: str) -> str | None:
    """The schedule normalised, or None when it is not a cron schedule."""
    fields = schedule.split()
    if len(fields) == 1 and fields[0].lower() in CRON_MACROS:
        return fields[0].lower()
    if len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields):
        return " ".join(fields)
    return None


def cron_lines(
    *,
    schedule: str,
    program: list[str],
    db: Path,
    queries: Path | None,
    name: str,
    conditions: list[str],
    recipients: list[str],
    log: Path,
    wait: int = 3600,
) -> list[str]:
    """Comment lines and the crontab line: update, then the digest, whatever update did."""

    def q(parts: list[str]) -> str:
        # % ends a crontab command unless escaped.
        return " ".join(shlex.quote(p) for p in parts).replace("%", "\\%")

    base = [*program, "--db", str(db)]
    if queries is not None:
        base += ["--queries", str(queries)]
    update = [*base, "update", *conditions, "--wait", str(wait)]
    digest = [*base, "digest", *conditions, "--name", name, "--skip-empty", "--wait", str(wait)]
    for address in recipients:
        digest += ["--to", address]
    log_q = q([str(log)])
    digest_part = f"{q(digest)} >> {log_q}" if recipients else q(digest)
    settings = "NCBI_EMAIL=you@example.org  NCBI_API_KEY=... (optional)"
    if recipients:
        settings += "  ACUTRACK_SMTP_URL=smtp://user:password@host:587"
    delivery = (
        f"# The digest is mailed to {', '.join(recipients)}; cron mails you (MAILTO) only "
        "a delivery error."
        if recipients
        else "# cron mails you (MAILTO=you@example.org) the digest the job prints."
    )
    return [
        f'# acutrack: update, then the "{name}" digest, at "{schedule}" (crontab -e, paste).',
        "# cron does not read your shell profile; set these on lines of their own above:",
        f"#   {settings}",
        delivery,
        f"# The digest runs even if the update failed (and says so). Log: {log}",
        f"{schedule} {q(update)} >> {log_q} 2>&1; {digest_part}",
    ]


def resolve_conditions(queries: Any, db: Any, names: tuple[str, ...]) -> list[str]:
    """Conditions by name or alias; imported ones not in queries.toml count too."""
    from .config import ConfigError

    stored = store.condition_names(db)
    if not names:
        return list(queries.conditions) + [c for c in stored if c not in queries.conditions]
    chosen: list[str] = []
    for name in names:
        try:
            cond = queries.resolve(name).name
        except ConfigError:
            if name.strip().lower() not in stored:
                raise
            cond = name.strip().lower()
        if cond not in chosen:
            chosen.append(cond)
    return chosen


def deliver(
    db: Any,
    name: str,
    chosen: list[str],
    labels: dict[str, str],
    *,
    fmt: str | None,
    output: Path | None,
    addresses: list[str],
    sender: str | None,
    smtp: Any,
    skip_empty: bool,
    again: bool,
    mark_delivered: bool,
    echo: Callable[..., None],
) -> None:
    """Build, deliver, then record: the position moves only after every delivery worked.

    ``echo(text, nl=True)`` prints (the CLI passes click.echo); a failed delivery raises
    DeliveryError and leaves the position where it was.
    """
    import sys

    from . import mail

    to_stdout = False
    if again:
        recorded = last_digest(db, name)
        if recorded is None:
            raise DeliveryError(f"No digest named '{name}' with articles was delivered yet")
        result = rebuild(db, recorded, labels)
        if not output and not addresses:
            output = Path(recorded["output"]) if recorded["output"] else None
            addresses = recorded["recipients"] or []
            to_stdout = bool(recorded["to_stdout"])
            if addresses:
                smtp = mail.settings_from_env()
        fmt = fmt or recorded["format"]
    else:
        result = collect(db, name, chosen, labels)
    if mark_delivered:
        record(db, result, kind="mark")
        echo(
            f"Digest '{name}': {plural(result.total, 'article')} marked as delivered; "
            "the next digest lists only what is stored from now on."
        )
        return
    fmt = format_for(output, fmt)
    to_stdout = to_stdout or (not output and not addresses)
    if not result.total and skip_empty and not again:
        # Nothing is sent; recording moves the position past links already delivered under
        # another condition of this name.
        record(db, result)
        if not to_stdout:
            echo(status_line(result, ["nothing new, nothing sent"]))
        return
    undelivered = (
        "it was re-sent nowhere"
        if again
        else "the digest was not marked as delivered, so the next one lists these articles again"
    )
    where: list[str] = []
    if output:
        try:
            write_atomic(output, render(result, fmt))
        except OSError as exc:
            raise DeliveryError(
                f"Cannot write {output} ({exc.strerror or exc.__class__.__name__}); {undelivered}"
            ) from None
        where.append(f"written to {output} ({fmt})")
    if addresses:
        sender = sender or mail.default_sender(smtp)
        message = mail.build_message(
            subject(result), render_text(result), render_html(result), sender, addresses
        )
        try:
            mail.send(smtp, message, sender, addresses)
        except mail.MailError as exc:
            raise DeliveryError(f"Mailing the digest failed: {exc}; {undelivered}") from None
        where.append(f"mailed to {', '.join(addresses)} via {smtp.describe()}")
    if to_stdout:
        echo(render(result, fmt), nl=False)
        sys.stdout.flush()  # a closed pipe fails here, before the position moves
    try:
        record(
            db,
            result,
            kind="resend" if again else "digest",
            fmt=fmt if (output or to_stdout) else None,
            output=Path(output).absolute() if output else None,
            recipients=addresses,
            to_stdout=to_stdout,
        )
    except (store.StoreError, OSError, sqlite3.Error) as exc:
        raise DeliveryError(
            f"The digest was delivered but its position could not be saved ({exc}); the next "
            "digest will repeat these articles"
        ) from None
    if not to_stdout:
        echo(status_line(result, where))
