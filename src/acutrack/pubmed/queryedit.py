"""The saved queries as PubMed reads them, and edits to queries.toml that keep its layout.

``check_queries`` asks esearch (``retmax=0``, one request per condition) what PubMed makes of
each full query: the count, PubMed's own translation, how it mapped each phrase
(TranslationSet: where a term explodes into MeSH), and every error and warning it returned.
A query can be broken without failing: PubMed drops a phrase it does not know and searches
the rest, so those messages are the only sign.

``add_condition`` and ``remove_condition`` edit the file in place. A changed table is edited
with tomlkit, which keeps every comment; a new table is appended as text; a removed table is
cut out by lines (tomlkit would take the comment written above the next table with it), and
the cut is checked against the parsed file, with tomlkit as the fallback. Every edit is
validated with ``config.parse_queries`` and written atomically; nothing is written when any
check fails.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from ..article import plural
from ..config import (
    APP_NAME,
    NAME_RE,
    Condition,
    ConfigError,
    Queries,
    close_names,
    find_queries_path,
    lint_query,
    packaged_queries_path,
    parse_queries,
    read_queries_text,
)
from ..errors import WorkError

CHANGED_NOTE = "changed since last update: history restarts on the next update"
WRAP = 90


class WriteFailed(WorkError, RuntimeError):
    """queries.toml could not be written (exit 1)."""


# --- checking ----------------------------------------------------------------------------


@dataclass
class QueryCheck:
    """One condition's query and what PubMed made of it."""

    condition: Condition
    query_changed: bool = False
    checked: bool = False
    count: int | None = None
    translation: str | None = None
    translation_set: list[tuple[str, str]] = field(default_factory=list)
    term_counts: list[tuple[str, int]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # The request itself failed (an <ERROR> answer, or NCBI could not be reached).
    failed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings

    def as_dict(self) -> dict[str, Any]:
        cond = self.condition
        return {
            "name": cond.name,
            "label": cond.label,
            "aliases": list(cond.aliases),
            "query": cond.query,
            "full_query": cond.full_query,
            "checked": self.checked,
            "count": self.count,
            "translation": self.translation,
            "translation_set": [{"from": f, "to": t} for f, t in self.translation_set],
            "term_counts": [{"term": t, "count": n} for t, n in self.term_counts],
            "errors": [{"kind": k, "text": t} for k, t in self.errors],
            "warnings": [{"kind": k, "text": t} for k, t in self.warnings],
            "query_changed": self.query_changed,
        }


def check_queries(
    conditions: Iterable[Condition],
    *,
    changed: set[str] | frozenset[str] = frozenset(),
    search: Callable[[str], Any] | None = None,
) -> list[QueryCheck]:
    """Each condition's full query, asked of ``search`` (an esearch) unless it is None.

    A request that fails (an <ERROR> answer after the retries, or no answer) is reported
    as an error of that condition; the others are still checked, unless NCBI could not be
    reached at all (then they share that error instead of each waiting for the retries).
    """
    from .entrez import EntrezError

    checks = []
    down: EntrezError | None = None
    for cond in conditions:
        item = QueryCheck(cond, query_changed=cond.name in changed)
        item.errors += [("Syntax", f"the query {p}") for p in lint_query(cond.full_query)]
        if search is not None:
            item.checked = True
            try:
                if down is not None:  # no answer at all for the last one: do not wait again
                    raise down
                result = search(cond.full_query)
            except EntrezError as exc:
                item.failed = True
                item.errors.append(("ERROR", str(exc)))
                down = exc if getattr(exc, "unreachable", False) else None
            else:
                item.count = result.count
                item.translation = result.translation
                item.translation_set = list(result.translation_set)
                item.term_counts = list(result.term_counts)
                item.errors += result.errors
                item.warnings += result.warnings
        checks.append(item)
    return checks


def failure_sentence(checks: list[QueryCheck], path: Path) -> str:
    """The one sentence for exit 1."""
    bad = [c for c in checks if not c.ok]
    names = ", ".join(c.condition.name for c in bad)
    if all(c.failed for c in bad):
        return f"could not check {names}: {bad[0].errors[-1][1]}"
    return (
        f"{len(bad)} of {plural(len(checks), 'query', 'queries')} "
        f"{'has' if len(bad) == 1 else 'have'} errors or warnings ({names}); "
        f"fix {'it' if len(bad) == 1 else 'them'} in {path} "
        "(acutrack queries add NAME QUERY --replace)"
    )


def _lines(check: QueryCheck) -> list[tuple[str, str, str]]:
    """(key, value, style) rows shared by the plain and the rich output."""
    cond = check.condition
    rows = [("aliases", ", ".join(cond.aliases) or "-", "")]
    rows.append(("query", cond.full_query, ""))
    if check.checked and check.count is not None:
        rows.append(("count", f"{check.count:,}", "bold"))
        rows.append(("translation", check.translation or "", ""))
    for source, target in check.translation_set:
        rows.append(("mapped", f"{source} -> {target}", "dim"))
    for term, n in check.term_counts:
        rows.append(("term count", f"{term}: {n:,}", "dim"))
    rows += [("error", f"{kind}: {text}", "red") for kind, text in check.errors]
    rows += [("warning", f"{kind}: {text}", "yellow") for kind, text in check.warnings]
    if check.query_changed:
        rows.append(("note", CHANGED_NOTE, "yellow"))
    return rows


def text_lines(checks: list[QueryCheck]) -> list[str]:
    """Plain output for pipes and cron: one block per condition, never wrapped."""
    from ..article import clean

    out: list[str] = []
    for check in checks:
        if out:
            out.append("")
        out.append(f"{check.condition.name} ({clean(check.condition.label)})")
        out += [f"  {key}: {clean(value)}" for key, value, _ in _lines(check)]
    return out


def panels(checks: list[QueryCheck]) -> Any:
    """A rich panel per condition. Query text is data: Text objects, never markup."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from ..article import clean

    parts = []
    for check in checks:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for key, value, style in _lines(check):
            grid.add_row(Text(key), Text(clean(value), style=style))
        border = "red" if check.errors else "yellow" if check.warnings else "green"
        if not check.checked and check.ok:
            border = "default"
        title = Text(check.condition.name, style="bold")
        title.append(f"  {clean(check.condition.label)}", style="")
        parts.append(Panel(grid, title=title, title_align="left", border_style=border))
    return Group(*parts)


# --- editing -----------------------------------------------------------------------------


@dataclass
class Edit:
    """What an edit did, for the command's output."""

    path: Path
    name: str
    action: str  # "added", "changed", "unchanged", "removed"
    copied_from: Path | None = None
    query_changed: bool = False


def edit_messages(edit: Edit) -> list[str]:
    """What `queries add` says it did (after ``copied_note``)."""
    if edit.action == "added":
        return [
            f"Added [{edit.name}] to {edit.path}.",
            f"Check what PubMed makes of it: acutrack queries -c {edit.name}",
        ]
    if edit.action == "unchanged":
        return [f"[{edit.name}] in {edit.path} already reads so; nothing changed."]
    if edit.query_changed:
        return [
            f"Changed [{edit.name}] in {edit.path}: its query changed, so the next update "
            "starts its history afresh (stored articles are kept).",
            f"Check what PubMed makes of it: acutrack queries -c {edit.name}",
        ]
    return [
        f"Changed [{edit.name}] in {edit.path}; the query is the same, so its history continues."
    ]


def copied_note(edit: Edit) -> list[str]:
    """A line when the edit first copied the packaged queries to the user's file."""
    if not edit.copied_from:
        return []
    return [
        f"Copied the packaged queries to {edit.path}; acutrack reads and edits that file "
        "from now on."
    ]


def removed_message(edit: Edit, db_path: Path) -> str:
    """What `queries remove` says: the stored articles of the condition stay."""
    from .. import store

    stored = 0
    if db_path.exists():
        try:
            stats = store.condition_stats(store.open_quick(db_path))
            stored = stats.get(edit.name, {}).get("stored", 0)
        except store.StoreError:
            stored = 0
    kept = (
        f"its {plural(stored, 'stored article')} stay in the database"
        if stored
        else "anything stored for it stays in the database"
    )
    return f"Removed [{edit.name}] from {edit.path}; {kept} ('acutrack status' lists them)."


def changed_conditions(queries: Queries, db_path: Path, warn: Callable[[str], None]) -> set[str]:
    """Conditions whose query differs from the one their stored position belongs to."""
    if not db_path.exists():
        return set()
    from .. import store

    try:
        stats = store.condition_stats(store.open_quick(db_path))
    except store.StoreError as exc:
        warn(f"warning: {exc}; changed queries are not marked")
        return set()
    return {r["condition"] for r in store.status_rows(queries, stats) if r["query_changed"]}


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def edit_paths(explicit: str | None) -> tuple[Path, Path]:
    """(the file to read, the file to write): the file load_queries uses, unless that is
    the copy shipped inside the package, which is copied to the per-user config folder."""
    source = find_queries_path(explicit)
    if not _same_file(source, packaged_queries_path()):
        return source, source
    from platformdirs import user_config_path

    target = user_config_path(APP_NAME) / "queries.toml"
    if explicit:
        raise ConfigError(
            f"{source} is the copy shipped with acutrack and is replaced on upgrade; copy it "
            f"to {target}, point --queries or ACUTRACK_QUERIES there and edit that"
        )
    return source, target


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see the old file or the new one."""
    from ..fileio import write_atomic as replace_file

    try:
        Path(os.path.realpath(path)).parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, text)
    except OSError as exc:
        raise WriteFailed(
            f"Cannot write {path} ({exc.strerror or exc.__class__.__name__}); make its folder "
            "writable or point --queries at a copy you can edit"
        ) from None


def _wrap(query: str, width: int = WRAP) -> str:
    """A long one-line query broken before OR/AND/NOT (never inside a quoted phrase)."""
    pieces: list[str] = []
    start = 0
    in_quote = False
    for i, char in enumerate(query):
        if char == '"':
            in_quote = not in_quote
        elif not in_quote and char == " " and re.match(r" (OR|AND|NOT) ", query[i:]):
            pieces.append(query[start:i])
            start = i + 1
    pieces.append(query[start:])
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return "\n".join(lines)


def _tidy(query: str) -> str:
    lines = [" ".join(line.split()) for line in query.strip().splitlines()]
    text = "\n".join(line for line in lines if line)
    if "\n" not in text and len(text) > WRAP:
        text = _wrap(text)
    return text


def _query_item(query: str) -> Any:
    """The query as a TOML value in the file's own style: a literal string, multi-line
    when long (a tomlkit item parsed from that text, so the layout is exactly this)."""
    if "\n" not in query and len(query) <= 70 and "'" not in query:
        snippet = f"v = '{query}'\n"
    elif "'''" not in query:
        snippet = f"v = '''\n{query}\n'''\n"
    else:
        return tomlkit.string(query)
    try:
        item = tomlkit.parse(snippet)["v"]
    except tomlkit.exceptions.TOMLKitError:
        return tomlkit.string(query)
    if " ".join(str(item).split()) != " ".join(query.split()):
        return tomlkit.string(query)
    return item


def _index(queries: Queries) -> dict[str, str]:
    index = {name: name for name in queries.conditions}
    for cond in queries.conditions.values():
        for alias in cond.aliases:
            index.setdefault(alias, cond.name)
    return index


def _check_name(name: str, what: str) -> str:
    key = name.strip().lower()
    if not NAME_RE.match(key):
        raise ConfigError(
            f"{what} '{name}' must be lower-case letters, digits, '-' or '_' (e.g. lupus-nephritis)"
        )
    return key


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text and "\n" not in text.replace("\r\n", "") else "\n"


def _with_newlines(text: str, newline: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", newline) if newline != "\n" else text


def _validated(text: str, path: Path, source: Path) -> Queries:
    try:
        return parse_queries(text, path)
    except ConfigError as exc:
        raise ConfigError(
            f"the edit would leave {source} invalid ({exc}); nothing was written"
        ) from None


def add_condition(
    explicit: str | None,
    name: str,
    query: str,
    *,
    label: str | None = None,
    aliases: Iterable[str] = (),
    replace: bool = False,
) -> Edit:
    """Add [name] (or, with ``replace``, change it), keeping the file's comments and layout."""
    key = _check_name(name, "Condition name")
    if key == "intervention":
        raise ConfigError(
            "'intervention' is the shared acupuncture part of every query, not a condition name"
        )
    query = _tidy(query)
    if not query:
        raise ConfigError(f"The query for [{key}] is empty; give the PubMed query as QUERY")
    problems = lint_query(query)
    if problems:
        raise ConfigError(f"The query for [{key}] {problems[0]}; nothing was written")
    if label is not None:
        label = " ".join(label.split())
        if not label:
            raise ConfigError("--label is empty; give a label or leave the option out")
    new_aliases: list[str] = []
    for alias in aliases:
        alias_key = _check_name(alias, "Alias")
        if alias_key == key:
            raise ConfigError(f"Alias '{alias}' is the condition's own name; leave it out")
        if alias_key not in new_aliases:
            new_aliases.append(alias_key)

    source, target = edit_paths(explicit)
    text = read_queries_text(source)
    current = parse_queries(text, source)
    index = _index(current)
    existing = current.conditions.get(key)
    if existing and not replace:
        raise ConfigError(
            f"[{key}] already exists in {source}; add --replace to change it, or choose "
            "another name"
        )
    if replace and not existing:
        if key in index:
            raise ConfigError(
                f"'{key}' is an alias of [{index[key]}]; change it by its name: "
                f"acutrack queries add {index[key]} QUERY --replace"
            )
        close = close_names(key, current.conditions)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise ConfigError(
            f"No condition '{key}' in {source} to replace; {hint}Without --replace, add creates it"
        )
    if not existing and key in index:
        raise ConfigError(
            f"'{key}' is already an alias of [{index[key]}] in {source}; choose another name"
        )
    for alias in new_aliases:
        owner = index.get(alias)
        if owner and owner != key:
            used = "the name" if owner == alias else "an alias"
            raise ConfigError(
                f"Alias '{alias}' is already {used} of [{owner}] in {source}; choose another alias"
            )

    newline = _newline(text)
    if existing:
        doc = tomlkit.parse(text)
        table = doc[key]
        if " ".join(str(table.get("query", "")).split()) != " ".join(query.split()):
            table["query"] = _query_item(query)
        if label is not None and label != existing.label:
            table["label"] = label
        if new_aliases and tuple(new_aliases) != existing.aliases:
            table["aliases"] = new_aliases
        new_text = _with_newlines(doc.as_string(), newline)
    else:
        doc = tomlkit.document()
        table = tomlkit.table()
        if label is not None:
            table.add("label", label)
        if new_aliases:
            table.add("aliases", new_aliases)
        table.add("query", _query_item(query))
        doc.add(key, table)
        block = doc.as_string().strip("\n") + "\n"
        head = text
        if head and not head.endswith("\n"):
            head += newline
        if head.strip() and not head.endswith("\n\n") and not head.endswith("\r\n\r\n"):
            head += newline
        new_text = head + _with_newlines(block, newline)

    updated = _validated(new_text, target, source)
    cond = updated.conditions[key]
    if " ".join(cond.query.split()) != " ".join(query.split()):  # pragma: no cover - guard
        raise ConfigError(f"could not write the query for [{key}] faithfully; nothing was written")
    edit = Edit(
        path=target,
        name=key,
        action="changed" if existing else "added",
        copied_from=source if target != source else None,
        query_changed=bool(existing and existing.query_hash != cond.query_hash),
    )
    if existing and new_text == text:
        edit.action = "unchanged"
        return edit
    write_atomic(target, new_text)
    return edit


def _header(line: str) -> bool:
    return line.lstrip().startswith("[")


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _cut_table(text: str, key: str) -> str | None:
    """``text`` without the [key] table and the comment block written right above it.

    Comments after the table's last value (before the next header) stay: they belong to
    what follows. Returns None when the file is not laid out so (the caller falls back).
    """
    lines = text.splitlines(keepends=True)
    own = re.compile(
        rf"""^\s*\[\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*\]"""
    )
    heads = [i for i, line in enumerate(lines) if own.match(line)]
    if len(heads) != 1:
        return None
    h = heads[0]
    n = next((i for i in range(h + 1, len(lines)) if _header(lines[i])), len(lines))
    last = max(i for i in range(h, n) if lines[i].strip() and not _comment(lines[i]))
    end = last + 1
    while end < n and not lines[end].strip():
        end += 1
    start = h
    while start > 0 and _comment(lines[start - 1]):
        start -= 1
    if start == 0 and h > 0:
        start = h  # a comment block opening the file is the file's, not this table's
    if end == len(lines):
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    return "".join(lines[:start] + lines[end:])


def remove_condition(explicit: str | None, name: str) -> Edit:
    """Remove [name] from the queries file; the rest stays byte for byte."""
    key = name.strip().lower()
    source, target = edit_paths(explicit)
    text = read_queries_text(source)
    current = parse_queries(text, source)
    if key not in current.conditions:
        index = _index(current)
        if key in index:
            raise ConfigError(
                f"'{name}' is an alias of [{index[key]}]; to remove that condition, run "
                f"acutrack queries remove {index[key]}"
            )
        close = close_names(key, current.conditions)
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else "conditions are " + ", ".join(current.conditions)
        )
        raise ConfigError(f"No condition '{name}' in {source}; {hint}")
    if len(current.conditions) == 1:
        raise ConfigError(
            f"[{key}] is the only condition in {source}; add another before removing it"
        )
    expected = tomllib.loads(text)
    del expected[key]
    new_text = _cut_table(text, key)
    if new_text is None or _loads(new_text) != expected:
        doc = tomlkit.parse(text)
        del doc[key]
        new_text = doc.as_string()
        if _loads(new_text) != expected:  # pragma: no cover - guard
            raise ConfigError(f"could not remove [{key}] from {source} cleanly; edit it by hand")
    _validated(new_text, target, source)
    write_atomic(target, new_text)
    return Edit(
        path=target,
        name=key,
        action="removed",
        copied_from=source if target != source else None,
    )


def _loads(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
