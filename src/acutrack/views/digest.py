"""Rendering a digest: plain text, Markdown, HTML (for mail) and JSON; log lines.

PubMed text is data in every format: control characters removed, HTML-escaped in HTML,
backslash-escaped in Markdown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..article import (
    StoredArticle,
    one_line,
    plural,
    public_article,
    pubmed_url,
)
from ..article import md_escape as md
from ..flags import TIER_BY_KEY, TIERS, WITHDRAWN, Tier, evidence_tiers
from ..newness import ARRIVED
from .digest_model import DEFAULT_NAME, Digest, Group, when
from .present import (
    authors_line,
    badge_colour,
    comparators_phrase,
    flag_items,
    size_phrase,
    source_line,
    whole_sentences,
)

SUFFIX_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".txt": "text",
}
WIDTH = 76
# A conclusion is shown as whole sentences: as many as fit in this many characters (about
# four lines of text), the first one always, whole; never cut mid-sentence.
CONCLUSION_ROOM = 300
SUBJECT_TIERS = 2  # the mail subject names the two strongest tiers that have news ...
SUBJECT_WIDTH = 68  # ... or one, to stay on one line ("Subject: " + 68 < 78 characters)
# The tier of articles withdrawn from the evidence (flags.WITHDRAWN): counted apart.
RETRACTED = WITHDRAWN["retracted"]


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
    listed = sum(len(group[1]) for group in row.get("groups") or [])
    if row["articles"] and listed < row["articles"]:
        what += f" ({listed:,} listed)"
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
    # Per condition what arrived for it, as the headline counts (an article new for two
    # conditions counts for both; the total counts it once).
    counts = ", ".join(f"{g.condition} {g.arrived}" for g in digest.groups if g.arrived)
    return (
        f"{digest.generated_at.split('.')[0]}+00:00 {what} '{digest.name}': "
        f"{plural(digest.total, 'article')}"
        + (f" ({ARRIVED}: {counts})" if counts else "")
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


def subject(digest: Digest) -> str:
    """Short, strongest news first: the strongest evidence tiers that have new articles
    (two, or one when two would pass ``SUBJECT_WIDTH``), then the total ("acutrack weekly:
    2 RCTs, 1 possible RCT among 12 new articles")."""
    who = "acutrack" if digest.name == DEFAULT_NAME else f"acutrack {digest.name}"
    prefix = "[re-sent] " if digest.resent else ""
    if not digest.total:
        return f"{prefix}{who}: no new articles"
    total = plural(digest.total, "new article")
    line = f"{prefix}{who}: {total}"
    for limit in range(SUBJECT_TIERS, 0, -1):
        strong = evidence_counts(digest, limit)
        if strong:
            line = f"{prefix}{who}: {strong} among {total}"
        if len(line) <= SUBJECT_WIDTH:
            break
    return line


def delivered_tiers(digest: Digest) -> dict[str, int]:
    """Tier key -> articles this digest delivers (each once: under the condition it is
    listed under), listed or not."""
    counts = {t.key: 0 for t in TIERS}
    for group in digest.groups:
        for key, n in group.rows.tier_counts().items():
            counts[key] = counts.get(key, 0) + n
        for key, n in group.more.items():
            counts[key] = counts.get(key, 0) + n
    return counts


def evidence_counts(digest: Digest, limit: int = SUBJECT_TIERS) -> str:
    """The strongest evidence tiers with new articles, at most ``limit`` of them
    (retracted articles and the rest are never counted as evidence)."""
    counts = delivered_tiers(digest)
    found = [tier_phrase(t, counts[t.key]) for t in evidence_tiers() if counts.get(t.key)]
    return ", ".join(found[:limit])


def tier_phrase(tier: Tier, n: int) -> str:
    """'2 RCTs', '1 meta-analysis or systematic review', '9 other': the tier's nouns."""
    return plural(n, *tier.nouns)


def counts_phrase(counts: dict[str, int]) -> str:
    """A condition's new articles by tier, strongest first, retracted ones apart:
    '1 meta-analysis or systematic review, 2 RCTs, 9 other; 1 retracted article (never
    counted as evidence)'."""
    text = ", ".join(
        tier_phrase(t, counts[t.key]) for t in TIERS if t.key != RETRACTED and counts.get(t.key)
    )
    if counts.get(RETRACTED):
        withdrawn = tier_phrase(next(t for t in TIERS if t.key == RETRACTED), counts[RETRACTED])
        text += ("; " if text else "") + f"{withdrawn} (never counted as evidence)"
    return text


def headline(digest: Digest) -> list[str]:
    """The digest's first lines: per condition, how many new articles of each tier arrived
    (articles listed under another condition included), or that nothing did."""
    lines = []
    for group in digest.groups:
        found = counts_phrase(group.headline)
        if not found:
            searched = (group.provenance or {}).get("searched_up_to")
            found = "nothing new"
            if searched:
                found += f" (PubMed searched up to {when(searched)})"
        lines.append(f"{group.condition}: {found}")
    return lines


def shared_tail(digest: Digest) -> str:
    """The part every shown condition's query ends with (queries.toml's intervention:
    ``(condition) AND (intervention)``), said once in the sources; '' when they differ."""
    queries = [one_line((g.provenance or {}).get("query")) for g in shown_groups(digest)]
    queries = [q for q in queries if q]
    if len(queries) < 2:
        return ""
    cut = queries[0].find(") AND (")
    tail = queries[0][cut + 1 :] if cut > 0 else ""
    return tail if tail and all(q.endswith(tail) and len(q) > len(tail) for q in queries) else ""


def sources(digest: Digest) -> list[dict[str, str]]:
    """Where the articles come from, once, at the end of the digest: per condition the saved
    query as run (without the part all share: ``shared_tail``), PubMed's translation when an
    update recorded one, up to when PubMed was searched, and the link running the same
    search on PubMed."""
    tail = shared_tail(digest)
    out = []
    for group in shown_groups(digest):
        prov = group.provenance or {}
        query = one_line(prov.get("query"))
        if tail and query.endswith(tail):
            query = query[: -len(tail)] + " AND (the intervention terms)"
        searched = prov.get("searched_up_to")
        out.append(
            {
                "condition": group.condition,
                "query": query or "no saved query: these articles were imported",
                "translation": one_line(prov.get("translation")),
                "searched": (
                    f"PubMed searched up to {when(searched)}"
                    if searched
                    else "not yet searched on PubMed by a successful update"
                ),
                "url": prov.get("pubmed_url") or "",
            }
        )
    return out


def sources_intro(digest: Digest) -> str:
    tail = shared_tail(digest)
    return (
        f"Each search is the condition's query AND the intervention terms: {tail[5:]}"
        if tail
        else "Each condition's saved search:"
    )


def type_word(tier: Tier) -> str:
    """The `show --type` word listing exactly the articles of ``tier`` (its key, or
    "tier:KEY" where the key is also a flag word: ``flags.type_word``). What it lists is
    counted with the word itself (``Group.lists``)."""
    from ..flags import TIER_PREFIX
    from ..flags import type_word as word_for

    return word_for(TIER_PREFIX + tier.key)


def show_command(group: Group, tier: Tier, until: str | None) -> str:
    """The `show` command listing the articles of ``tier`` that arrived for the condition in
    the digest's window (``acutrack.newness``: first stored at or after the condition's last
    digest, before this one was made)."""
    import shlex

    command = f"acutrack show {shlex.quote(group.condition)}"
    command += f" --type {type_word(tier)}"
    if group.since:
        command += f" --stored-since {command_stamp(group.since)}"
    if until:
        command += f" --stored-before {command_stamp(until)}"
    return command


def command_stamp(stamp: str) -> str:
    """A stored stamp as typed in a command: '2026-11-15T06:17:03.412000Z'."""
    return stamp.replace("+00:00", "Z")


@dataclass
class FollowUp:
    """What a capped digest says of a tier it did not list whole: how many it left out, and
    the command listing the ``lists`` articles of the tier that arrived for the condition in
    the digest's window (those listed here and elsewhere too)."""

    tier: str
    not_listed: int
    lists: int
    command: str

    def text(self, condition: str, first: bool) -> str:
        """'and 29 more RCTs. All 52 RCTs that arrived for lupus' (the command follows on
        the next line)."""
        one, many = TIER_BY_KEY[self.tier].nouns
        return (
            f"and {self.not_listed:,} more {_noun(one, many, self.not_listed)}. "
            f"All {self.lists:,} {_noun(one, many, self.lists)} "
            f"{'stored' if first else 'that arrived'} for {condition}"
        )


def _noun(one: str, many: str, n: int) -> str:
    if one == many:  # "other": a count word, not a noun
        return f"{one} {'article' if n == 1 else 'articles'}"
    return one if n == 1 else many


def follow_ups(group: Group, until: str | None) -> dict[int, list[FollowUp]]:
    """Row index -> the follow-ups to print after it: after the last listed article of each
    tier that has more than were listed (index -1: at the end of the group)."""
    last: dict[str, int] = {}
    for i, pmid in enumerate(group.rows.pmids):
        last[group.rows.tiers[pmid]] = i
    out: dict[int, list[FollowUp]] = {}
    for tier in TIERS:
        n = group.more.get(tier.key, 0)
        if not n:
            continue
        lists = group.lists.get(tier.key, 0)
        follow = FollowUp(tier.key, n, lists, show_command(group, tier, until))
        out.setdefault(last.get(tier.key, -1), []).append(follow)
    return out


def more_lines(group: Group, until: str | None = None) -> dict[int, list[tuple[str, str]]]:
    """Row index -> the (text, command) follow-ups to print after it (``follow_ups``)."""
    first = group.since is None
    return {
        i: [(f.text(group.condition, first), f.command) for f in found]
        for i, found in follow_ups(group, until).items()
    }


def conclusion(row: StoredArticle) -> str:
    """The conclusion shown under an article of an evidence tier ('' for the rest)."""
    if row.evidence_tier not in {t.key for t in evidence_tiers()}:
        return ""
    return whole_sentences(row.conclusion, CONCLUSION_ROOM)


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
        return f"{ARRIVED} since the digest of {when(since)}"
    if same:
        return "first digest of this name: everything stored so far"
    return f"{ARRIVED} since the last digest of each condition"


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
    return [
        (other, group.shared[other.condition])
        for other in digest.groups
        if other is not group and group.shared.get(other.condition)
    ]


def shown_groups(digest: Digest) -> list[Group]:
    """Every condition with something new, also when all of it is listed under another."""
    return [g for g in digest.groups if g.count or listed_elsewhere(g, digest)]


def _group_title(group: Group, digest: Digest, same: bool) -> str:
    label = one_line(group.label)
    name = "" if label.lower() == group.condition else f" ({group.condition})"
    since = ""
    if not same and not digest.resent:
        since = f", since {when(group.since)}" if group.since else ", first digest"
    elsewhere = listed_elsewhere(group, digest)
    shared = sum(n for _g, n in elsewhere)
    total = group.arrived or group.count + shared + group.earlier
    where = " and ".join(one_line(g.label) for g, _n in elsewhere)
    notes = []
    if elsewhere:
        notes.append(
            f"listed above under {where}"
            if shared == total
            else f"{shared:,} of them listed above under {where}"
        )
    if group.earlier:
        notes.append(f"{group.earlier:,} delivered by an earlier digest")
    note = f" ({'; '.join(notes)})" if notes else ""
    return f"{label}{name}: {total:,} {ARRIVED}{since}{note}"


def _count_line(digest: Digest) -> str:
    """'12 articles' or, when the cap left some out, '1,204 articles (60 listed)'."""
    line = plural(digest.total, "article")
    return line + (f" ({digest.listed:,} listed)" if digest.listed < digest.total else "")


def _order_note(digest: Digest) -> str:
    capped = any(g.more for g in digest.groups)
    return "strongest evidence first" + (
        f", at most {digest.top} of each kind per condition" if capped and digest.top else ""
    )


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
        f"{heading(digest)}: {_count_line(digest)} ({when(digest.generated_at)})",
        _upper_first(since_phrase(digest)) + f"; {_order_note(digest)}.",
        "",
    ]
    for line in headline(digest):
        out += _wrap(line, WIDTH, subsequent_indent="  ")
    for note in digest.notes:
        out += ["", *_wrap("Note: " + note, WIDTH)]
    for group in shown_groups(digest):
        title = _group_title(group, digest, same)
        out += ["", "", title, "=" * min(len(title), WIDTH)]
        more = more_lines(group, digest.until)
        for i, row in enumerate(group.rows, 1):
            number = f"{i}. "
            pad = " " * len(number)
            wrapped = _wrap(
                one_line(row.title) or "(no title)",
                WIDTH,
                initial_indent=number,
                subsequent_indent=pad,
            )
            out += ["", *wrapped]
            out += _wrap(
                authors_line(row.authors), WIDTH, initial_indent=pad, subsequent_indent=pad
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
            if comparators_phrase(row):
                out.append(pad + "Compared with: " + comparators_phrase(row))
            if row.also_in:
                out.append(pad + "Also new for: " + ", ".join(row.also_in))
            if conclusion(row):
                out += _wrap(
                    "Conclusion: " + conclusion(row),
                    WIDTH,
                    initial_indent=pad,
                    subsequent_indent=pad + "  ",
                )
            else:
                out += [pad + line for line in excerpt(row.abstract, WIDTH - len(pad))]
            out.append(pad + pubmed_url(row.pmid))
            for text, command in more.get(i - 1, []):
                out += ["", text + ":", "  " + command]  # the command whole, to copy
        for text, command in more.get(-1, []):
            out += ["", text + ":", "  " + command]
    out += ["", "", "Sources", "======="]
    out += _wrap(sources_intro(digest), WIDTH, subsequent_indent="  ")
    for source in sources(digest):
        out += [""]
        out += _wrap(
            f"{source['condition']} ({source['searched']}): {source['query']}",
            WIDTH,
            subsequent_indent="  ",
        )
        if source["translation"]:
            out += _wrap(
                f"As PubMed read it: {source['translation']}",
                WIDTH,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        if source["url"]:
            out.append("  " + source["url"])  # a link is never wrapped
    return "\n".join(out) + "\n"


def render_markdown(digest: Digest) -> str:
    if not digest.total:
        return md(empty_line(digest)) + "\n"
    same, _ = digest.common_since()
    out = [
        f"# {md(heading(digest))}: {md(_count_line(digest))}",
        "",
        f"*{md(when(digest.generated_at))} · {md(since_phrase(digest))} · "
        f"{md(_order_note(digest))}*",
        "",
    ]
    out += [f"- {md(line)}" for line in headline(digest)]
    for note in digest.notes:
        out += ["", f"> **Note:** {md(note)}"]
    for group in shown_groups(digest):
        out += ["", f"## {md(_group_title(group, digest, same))}"]
        more = more_lines(group, digest.until)
        for i, row in enumerate(group.rows, 1):
            url = pubmed_url(row.pmid)
            out += ["", f"### {i}. {md(row.title) or '(no title)'}", ""]
            out.append(f"{md(authors_line(row.authors))}  ")
            out.append(f"*{md(source_line(row))}* · [PMID {row.pmid}]({url})")
            items = flag_items(row)
            compared = comparators_phrase(row)
            if items or row.also_in or size_phrase(row) or compared or conclusion(row):
                out.append("")
                for _flag, label, reason in items:
                    out.append(f"- **{md(label)}**" + (f": {md(reason)}" if reason else ""))
                if size_phrase(row):
                    out.append(f"- **Trial size**: {md(size_phrase(row))}")
                if compared:
                    out.append(f"- **Compared with**: {md(compared)}")
                if row.also_in:
                    out.append(f"- Also new for: {md(', '.join(row.also_in))}")
                if conclusion(row):
                    out.append(f"- **Conclusion**: {md(conclusion(row))}")
            lines = [] if conclusion(row) else excerpt(row.abstract, 90)
            if lines:
                out += ["", "> " + md(" ".join(lines))]
            for text, command in more.get(i - 1, []):
                out += ["", f"*{md(text)}:* `{command}`"]
        for text, command in more.get(-1, []):
            out += ["", f"*{md(text)}:* `{command}`"]
    out += ["", "## Sources", "", md(sources_intro(digest)), ""]
    for source in sources(digest):
        line = f"- **{md(source['condition'])}** ({md(source['searched'])}): {md(source['query'])}"
        if source["translation"]:
            line += f"; as PubMed read it: {md(source['translation'])}"
        if source["url"]:
            line += f" · [same search on PubMed]({source['url']})"
        out.append(line)
    return "\n".join(out) + "\n"


def render_html(digest: Digest) -> str:
    """A self-contained HTML page that reads well in mail clients (templates/digest.html);
    all PubMed text escaped by Jinja's autoescape."""
    from .templating import render as fill

    if not digest.total:
        return fill("digest.html", subject=subject(digest), empty=empty_line(digest))
    same, _ = digest.common_since()
    groups = []
    for group in shown_groups(digest):
        more = more_lines(group, digest.until)
        articles = []
        for i, row in enumerate(group.rows):
            article = _html_article(row)
            article["more"] = [{"text": t, "command": c} for t, c in more.get(i, [])]
            articles.append(article)
        groups.append(
            {
                "title": _group_title(group, digest, same),
                "articles": articles,
                "more": [{"text": t, "command": c} for t, c in more.get(-1, [])],
            }
        )
    return fill(
        "digest.html",
        subject=subject(digest),
        empty="",
        heading=f"{heading(digest)}: {_count_line(digest)}",
        when=when(digest.generated_at),
        since=since_phrase(digest),
        order=_order_note(digest),
        headline=headline(digest),
        notes=[one_line(n) for n in digest.notes],
        groups=groups,
        sources_intro=sources_intro(digest),
        sources=sources(digest),
    )


def _html_article(row: StoredArticle) -> dict[str, Any]:
    """What the HTML digest shows of one article."""
    items = flag_items(row)
    reasons = [{"label": label, "text": reason} for _f, label, reason in items if reason]
    if size_phrase(row):
        reasons.append({"label": "Trial size", "text": size_phrase(row)})
    if comparators_phrase(row):
        reasons.append({"label": "Compared with", "text": comparators_phrase(row)})
    if row.also_in:
        reasons.append({"label": "", "text": "Also new for: " + ", ".join(row.also_in)})
    return {
        "url": pubmed_url(row.pmid),
        "pmid": one_line(row.pmid),
        "title": one_line(row.title) or "(no title)",
        "authors": one_line(authors_line(row.authors)),
        "source": one_line(source_line(row)),
        "badges": [{"label": label, "colour": badge_colour(flag)} for flag, label, _ in items],
        "reasons": [{"label": r["label"], "text": one_line(r["text"])} for r in reasons],
        "conclusion": conclusion(row),
        "excerpt": "" if conclusion(row) else " ".join(excerpt(row.abstract, 90)),
    }


def as_dict(digest: Digest) -> dict[str, Any]:
    """The JSON digest as one object (``render`` streams the same, article by article)."""
    return {**_json_head(digest), "articles": list(_json_articles(digest))}


def _json_head(digest: Digest) -> dict[str, Any]:
    return {
        "name": digest.name,
        "generated_at": digest.generated_at,
        "conditions": digest.conditions,
        "since": digest.since,
        "counts": digest.counts,
        "total": digest.total,
        "listed": digest.listed,
        "top": digest.top,
        # Per condition, new articles by tier key (flags.TIERS order; articles listed under
        # another condition counted too; "retracted" never counted as evidence).
        "headline": {g.condition: dict(g.headline) for g in digest.groups},
        # Per condition, tier key -> articles delivered but not listed (the cap).
        "not_listed": {g.condition: dict(g.more) for g in digest.groups},
        # Per condition, for each tier not listed whole: the command listing every article
        # of that tier that arrived in the digest's window (``lists`` of them).
        "follow_up": {
            g.condition: [
                {"tier": f.tier, "not_listed": f.not_listed, "lists": f.lists, "command": f.command}
                for found in follow_ups(g, digest.until).values()
                for f in found
            ]
            for g in digest.groups
        },
        "provenance": {g.condition: g.provenance for g in digest.groups},
        "resent_from": digest.resent["created_at"] if digest.resent else None,
        "notes": digest.notes,
    }


def _json_articles(digest: Digest) -> Iterator[dict[str, Any]]:
    for group, row in digest.rows():
        item = public_article(row)
        item["digest_condition"] = group.condition
        item["also_in"] = list(row.also_in)
        yield item


def _json_pieces(digest: Digest) -> Iterator[str]:
    """``to_json(as_dict(digest))``, the same bytes, written as the articles are read: a
    first digest of 100,000 articles never holds them all ("articles" is the last key)."""
    from .export import json_array, to_json

    head = to_json({**_json_head(digest), "articles": []})
    cut = head.rindex("[]")
    yield head[:cut]
    yield from json_array(_json_articles(digest), level=1)
    yield head[cut + 2 :]


def render(digest: Digest, fmt: str) -> str:
    return "".join(render_pieces(digest, fmt))


def render_pieces(digest: Digest, fmt: str) -> Iterator[str]:
    """The digest in ``fmt``, in pieces: JSON is streamed article by article (it lists every
    article unless capped); the other formats, capped for a reader, come in one piece."""
    if fmt == "json":  # C1 and bidirectional controls escaped, as in show
        return _json_pieces(digest)
    if fmt == "markdown":
        return iter([render_markdown(digest)])
    if fmt == "html":
        return iter([render_html(digest)])
    return iter([render_text(digest)])


def format_for(output: Path | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if output is not None:
        return SUFFIX_FORMATS.get(output.suffix.lower(), "text")
    return "text"
