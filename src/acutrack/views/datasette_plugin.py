"""A Datasette plugin: article_overview as a reader wants it (issue 25).

Datasette shows a value as it is stored, so a view could only offer its links as raw URL
columns and its lists as JSON. With this plugin (the ``datasette`` entry point in
pyproject.toml: Datasette loads it wherever acutrack is installed beside it) the overview
shows the PMID and the title as links to PubMed, the DOI as a link through doi.org, and the
``conditions`` and ``badges`` lists as words; the stored values, the JSON API and the facets
stay as they are. Only the ``article_overview`` view is touched, and only values of the
expected shape: anything else is left to Datasette. Every value is escaped (markupsafe).
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from ..article import doi_url, pubmed_url

try:  # Datasette calls render_cell; without Datasette the module is still importable.
    from datasette import hookimpl
except ImportError:  # pragma: no cover - only Datasette imports this module

    def hookimpl(function: Any) -> Any:
        return function


VIEW = "article_overview"
LISTS = {"conditions": ", ", "badges": " · "}  # JSON lists shown as words, joined so


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _words(value: str, joiner: str) -> str | None:
    """A JSON list of strings as "a, b"; None for anything else."""
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    return joiner.join(items)


def cell(column: str, value: Any, pmid: Any) -> Markup | str | None:
    """What one cell of the overview shows (None: Datasette's own rendering)."""
    if not isinstance(value, str) or not value:
        return None
    if column == "pmid" and value.isdigit():
        return _link(pubmed_url(value), value)
    if column == "title" and isinstance(pmid, str) and pmid.isdigit():
        return _link(pubmed_url(pmid), value)
    if column == "doi":
        href = doi_url(value)
        # "doi" as the link's text, the DOI itself on hover: a long DOI would widen the table
        # past the screen (issue 25), and its address is what a reader follows.
        return Markup('<a href="{}" title="{}">doi</a>').format(href, value) if href else None
    if column in LISTS:
        words = _words(value, LISTS[column])
        if words is None:
            return None
        return escape(words) if words else Markup("&nbsp;")  # Datasette's empty cell
    return None


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None) -> Markup | str | None:
    if table != VIEW:
        return None
    try:
        pmid = row["pmid"]
    except (IndexError, KeyError):
        pmid = None
    return cell(column, value, pmid)
