"""Views: every way an article, a count or a digest is shown, and nothing else.

Each takes the typed article (``acutrack.article.StoredArticle``) and asks ``present`` how
to show it: badges, tiers, flag titles, citation lines, notices, trial size. Owns the
terminal (``terminal``: rich lists and the article; ``counts``: status and stats), the
listings behind show/search (``listing``), the exports (``export``: JSON, CSV, Markdown,
RIS, BibTeX), the evidence page (``report``), the Atom feed (``feed``), the Datasette
metadata (``datasette``), digest rendering (``digest``, from ``digest_model``) and the
Jinja2 templates (``templating`` + ``templates/``, autoescape on).

May import: the core (``article``, ``config``, ``errors``, ``fileio``, ``flags``),
``evidence``, the store's public API (``acutrack.store``, never its modules) and the result
types of ``pubmed`` it prints (an update's summary). Never ``digest`` or ``cli``, which
import the views. rich is imported only by the terminal modules, inside functions where a
quick command must not pay for it.
"""
