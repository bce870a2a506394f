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

Order inside a condition: the one evidence order (``store.EVIDENCE_ORDER``: tiers of
``flags.TIERS``, larger trials, newer), retracted articles last. The cap: at most ``top``
articles of each tier per condition are loaded and listed; the rest are counted and named by
a `show` command, and delivered all the same (the position passes them; the record keeps
which were listed). Every rendering treats PubMed text as data: control characters removed,
HTML-escaped in HTML, backslash-escaped in Markdown.

Owns collecting (``collect``), delivering (``deliver``: print, write, or ``mail``) and
scheduling (``cron``). Rendering is the views' (``views.digest``, ``views.digest_model``).
May import: ``views``, the store's public API (``acutrack.store``) and the core; never
``pubmed`` or ``cli``.
"""

from ..views.digest import (
    SUFFIX_FORMATS,
    as_dict,
    format_for,
    history_line,
    render,
    render_html,
    render_markdown,
    render_pieces,
    render_text,
    status_line,
    subject,
)
from .collect import (
    DEFAULT_NAME,
    TOP,
    Digest,
    Group,
    check_name,
    collect,
    history,
    last_digest,
    rebuild,
    record,
    sort_rows,
    update_notes,
)
from .deliver import DeliveryError, check_modes, deliver, last_or_refuse

__all__ = [
    "last_or_refuse",
    "DEFAULT_NAME",
    "TOP",
    "SUFFIX_FORMATS",
    "DeliveryError",
    "Digest",
    "Group",
    "as_dict",
    "check_modes",
    "check_name",
    "collect",
    "deliver",
    "format_for",
    "history",
    "history_line",
    "last_digest",
    "rebuild",
    "record",
    "render",
    "render_pieces",
    "render_html",
    "render_markdown",
    "render_text",
    "sort_rows",
    "status_line",
    "subject",
    "update_notes",
]
