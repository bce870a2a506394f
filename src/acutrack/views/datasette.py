"""Metadata for exploring the database in Datasette (``datasette acutrack.db -m FILE``).

Where to start (the database page opens with links to ``article_overview``, the evidence
matrix and the articles per year; the internal tables are hidden), titles, descriptions and
column descriptions (per column: in the column menu and as a tooltip, not listed above the
table), the full-text index for ``articles`` and the ``article_overview`` view (Datasette finds
``articles_fts`` for the table by itself; the view names it in ``fts_table`` and carries the
article's ``rowid``), facets (study type, condition, flag, and publication years in year
order), and two canned queries. The SQL of the view and the queries is generated in
``store.tiers`` from the flag registry; the HTML opening lines come from a template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..flags import COMPARATORS, LABELS, TIERS, TITLES
from ..newness import DEFAULT_DAYS
from ..store import matrix_sql, years_sql

ARTICLE_COLUMNS: dict[str, str] = {
    "pmid": "PubMed identifier",
    "title": "Article title as PubMed gives it",
    "abstract": "Abstract text (all sections joined)",
    "abstract_sections": "Structured abstract: JSON list of {label, text}",
    "journal": "Journal name",
    "journal_abbrev": "NLM journal abbreviation",
    "issn": "Journal ISSN",
    "volume": "Journal volume",
    "issue": "Journal issue",
    "pages": "Pages (MEDLINE style, e.g. 123-30)",
    "year": "Year of publication",
    "pub_date": "Publication date as printed (e.g. 2021 Mar 4)",
    "authors": "Authors, short form: JSON list",
    "authors_full": "Authors, full names: JSON list",
    "doi": "Digital Object Identifier",
    "pmcid": "PubMed Central identifier (free full text)",
    "mesh": "MeSH headings: JSON list",
    "publication_types": "NLM Publication Types: JSON list",
    "keywords": "Author keywords: JSON list",
    "status": "MEDLINE indexing status (MEDLINE = fully indexed)",
    "language": "Languages: JSON list",
    "registry_numbers": "Trial registrations (e.g. NCT numbers): JSON list",
    "comments_corrections": "Errata, retractions, updates: JSON list of {type, source, pmid}",
    "entrez_date": "When the record entered PubMed",
    "revised_date": "When NLM last revised the record",
    "flags": "Evidence flags set by acutrack's rules: JSON list ("
    + ", ".join(f"{name} = {label}" for name, label in LABELS.items())
    + ")",
    "flag_reasons": "Why each flag was set: JSON object flag -> the matching text",
    "sample_size": "Trial size (randomized, else enrolled) read from the abstract of an RCT",
    "evidence_tier": "Evidence tier, strongest first: "
    + ", ".join(f"{t.key} = {t.label}" for t in TIERS)
    + " (retracted articles and protocols are never evidence)",
    "evidence_rank": "Position of the evidence tier (0 strongest): sort by it for the strongest "
    "evidence first",
    "conclusion": "What the study concluded: the abstract's conclusion section or closing "
    "finding sentences (empty when it states none)",
    "sample_size_source": "The fragment of the abstract the trial size was read from",
    "comparators": "What a trial was compared against, from its abstract: JSON list of "
    + ", ".join(f"{c.name} = {c.title}" for c in COMPARATORS)
    + " (empty: the abstract does not say; null: not a trial)",
    "stored_at": "When acutrack first stored the record",
    "updated_at": "When acutrack last refreshed the record",
    "parser_version": "Which acutrack parser read the record (update --refresh reads older "
    "ones again); empty: stored before versions were recorded",
}
OVERVIEW_COLUMNS: dict[str, str] = {
    "pmid": "PubMed identifier (a link to the article on PubMed)",
    "title": "Article title (a link to the article on PubMed)",
    "year": "Year of publication (a facet: the articles of each year)",
    "study_type": "Evidence tier, strongest first: "
    + ", ".join(t.label for t in TIERS)
    + " (protocols are Other; retracted articles are never evidence)",
    "tier_rank": "Position of the study type among the evidence tiers (0 strongest): the "
    "page opens sorted by it, strongest evidence first",
    "badges": "The evidence flags as the badges acutrack shows, a facet ("
    + ", ".join(f"{label} = {TITLES[name]}" for name, label in LABELS.items())
    + ")",
    "sample_size": "Trial size (randomized, else enrolled) where the abstract gives it",
    "conditions": "Conditions whose saved query found the article (a facet)",
    "journal": "Journal (NLM abbreviation where known)",
    "first_author": "First author",
    "first_stored": "The day acutrack first stored the article (for any condition)",
    "doi": "Digital Object Identifier (a link to the article at its publisher)",
    "rowid": "Row id of the article in articles (the full-text index articles_fts uses it)",
}

# Datasette 0.65 prints every column description as a list above the table as well as in
# each column's menu; this style sheet (metadata ``extra_css_urls``, inline, so nothing is
# served or fetched) keeps only the per-column ones: the column menu, and a tooltip on the
# column heading.
CSS = (
    "dl.column-descriptions{display:none}"
    "th[data-column-description]{position:relative;cursor:help}"
    "th[data-column-description]>a{text-decoration:underline dotted}"
    "th[data-column-description]:hover::after{content:attr(data-column-description);"
    "position:absolute;top:100%;left:0;z-index:5;width:22em;padding:.4em .6em;"
    "white-space:normal;font-weight:normal;color:#222;background:#fffbe6;"
    "border:1px solid #bbb;box-shadow:0 2px 4px rgba(0,0,0,.2)}"
    # Titles wrap at a readable width, not a few words, and the overview still fits 1280 px.
    "td.col-title{min-width:15em}"
    # The overview's rowid is there for the full-text index only (the article's row id).
    "th.col-rowid,td.col-rowid{display:none}"
)

# Tables a person exploring the evidence does not need: listed under "hidden tables" on the
# database page (Datasette hides the full-text index's own tables by itself).
HIDDEN = (
    "positions",
    "runs",
    "digests",
    "digest_positions",
    "article_flags",
    "article_comparators",
    "condition_years",
    "not_returned",
    "_migrations",
    "_derived",
)


def _start_here(db_name: str) -> str:
    """The database page's opening lines: where to start, as links (templates/
    datasette_start.html, escaped by the one Jinja2 environment)."""
    from .templating import render

    return render("datasette_start.html", base=quote(db_name, safe="")).strip()


def metadata(db_name: str = "acutrack") -> dict[str, Any]:
    """Datasette metadata for a database served under ``db_name`` (the file name's stem)."""
    tables: dict[str, Any] = {
        "article_overview": {
            "title": "Articles: study type, conditions and links",
            "description": "One row per stored article, strongest evidence first (tier, "
            "then larger trials, then newest). Search titles and abstracts; facet by study "
            "type, condition, badge or year of publication. Full records: articles.",
            "columns": OVERVIEW_COLUMNS,
            "fts_table": "articles_fts",
            "facets": [
                "study_type",
                {"array": "conditions"},
                {"array": "badges"},
                "year",
            ],
            # Strongest evidence first: SQLite walks idx_articles_evidence, which orders a
            # tier by trial size, then newest (the one evidence order).
            "sort": "tier_rank",
        },
        "articles": {
            "title": "Articles: full PubMed records",
            "description": "Every stored PubMed record with all its fields; list fields "
            "are JSON. Full-text search covers titles and abstracts (Porter stemming: "
            "trial finds trials).",
            "columns": ARTICLE_COLUMNS,
            "label_column": "title",
            "fts_table": "articles_fts",
            "facets": ["evidence_tier", "status", {"array": "flags"}],
            "sort_desc": "entrez_date",
        },
        "article_conditions": {
            "title": "Which condition found which article",
            "description": "One row per article and condition, with when acutrack first "
            "found it and when a person was shown it.",
            "columns": {
                "id": "Grows with every new link (digests remember up to which id)",
                "pmid": "The article",
                "condition": "Condition name (see queries.toml)",
                "first_seen": "When acutrack first found the article for this condition",
                "run_id": "The update or import run that found it",
                "shown_at": "When it was first listed to a person (empty: still new)",
            },
            "facets": ["condition"],
            "sort_desc": "id",
        },
        "condition_years": {
            "title": "Articles per condition and year",
            "description": "The counts behind acutrack stats: per condition and year of "
            "publication (0: none), all articles and those of each tier.",
        },
        "positions": {
            "title": "Update positions per condition",
            "description": "The saved query each condition ran and the Entrez-date window "
            "it completed; an update resumes from here.",
        },
        "runs": {
            "title": "Update and import runs",
            "description": "Every update and import, when it ran and how it ended.",
            "facets": ["command", "status"],
            "sort_desc": "id",
        },
        "digests": {
            "title": "Delivered digests",
            "description": "Every digest sent, re-sent or skipped, and what it held.",
            "sort_desc": "id",
        },
        "digest_positions": {
            "title": "Digest positions",
            "description": "Per digest and condition, the last link id already delivered.",
        },
        "article_flags": {
            "title": "Article flags",
            "description": "One row per article and evidence flag (kept from articles.flags).",
        },
        "article_comparators": {
            "title": "Article comparators",
            "description": "One row per trial and comparator (kept from articles.comparators).",
        },
    }
    for name in HIDDEN:
        tables.setdefault(name, {})["hidden"] = True
    tiers = ", ".join(t.label for t in TIERS)
    queries: dict[str, Any] = {
        "evidence_matrix": {
            "title": "Evidence matrix: articles per condition and study type",
            "description": f"Per condition, the stored articles in each tier ({tiers}) and "
            "all of them (as acutrack stats counts them); unseen: not yet listed in a "
            "terminal table; arrived: first stored for the condition since arrived_since "
            f"(the date or time in since, else the last {DEFAULT_DAYS} days), as acutrack "
            "status --since counts them. The last row counts each article once.",
            "sql": matrix_sql().strip(),
            "hide_sql": True,  # the numbers first; "show" opens the SQL
        },
        "articles_per_year": {
            "title": "Articles per year, in year order",
            "description": "Per year of publication, all articles and those of each tier "
            "(as acutrack stats counts them), for one condition or, left empty, all of them.",
            "sql": years_sql().strip(),
            "hide_sql": True,
        },
    }
    return {
        "title": "acutrack: acupuncture evidence from PubMed",
        "description_html": _start_here(db_name),
        "source": "PubMed (U.S. National Library of Medicine)",
        "source_url": "https://pubmed.ncbi.nlm.nih.gov/",
        "extra_css_urls": ["data:text/css," + quote(CSS, safe="")],
        "databases": {
            db_name: {
                "description_html": _start_here(db_name),
                "tables": tables,
                "queries": queries,
            }
        },
    }


def metadata_json(db_path: Path | str) -> str:
    """The metadata for the database file at ``db_path``, as JSON text."""
    return json.dumps(metadata(Path(db_path).stem), indent=2, ensure_ascii=False) + "\n"
