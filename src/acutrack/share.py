"""Metadata for exploring the database in Datasette (``datasette acutrack.db -m FILE``).

Titles, descriptions and column descriptions for every table and view, the full-text index
for ``articles`` and the ``article_overview`` view (Datasette finds ``articles_fts`` for the
table by itself; the view names it in ``fts_table`` and carries the article's ``rowid``),
facets for filtering, and the internal tables hidden. Standard library only; no SQL here
(the view is a store migration).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .flags import LABELS, TIERS

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
    "stored_at": "When acutrack first stored the record",
    "updated_at": "When acutrack last refreshed the record",
    "parser_version": "Which acutrack parser read the record (update --refresh reads older "
    "ones again); empty: stored before versions were recorded",
}
OVERVIEW_COLUMNS: dict[str, str] = {
    "pmid": "PubMed identifier",
    "title": "Article title",
    "year": "Year of publication",
    "journal": "Journal (NLM abbreviation where known)",
    "first_author": "First author",
    "study_type": "Evidence tier, strongest first: "
    + ", ".join(t.label for t in TIERS)
    + " (protocols are Other; retracted articles are never evidence)",
    "evidence_tier": "Key of the evidence tier (" + ", ".join(t.key for t in TIERS) + ")",
    "evidence_rank": "Position of the evidence tier (0 strongest)",
    "sample_size": "Trial size (randomized, else enrolled) where the abstract gives it",
    "flags": "All evidence flags: JSON list",
    "retracted": "1 when the article is retracted: do not cite it as evidence",
    "conditions": "Conditions whose saved query found the article: JSON list",
    "first_seen": "When acutrack first found the article for any condition",
    "entrez_date": "When the record entered PubMed",
    "doi": "Digital Object Identifier",
    "pubmed_url": "The article on PubMed",
    "doi_url": "The article at its publisher, through doi.org",
    "rowid": "Row id of the article in articles (the full-text index articles_fts uses it)",
}


def metadata(db_name: str = "acutrack") -> dict[str, Any]:
    """Datasette metadata for a database served under ``db_name`` (the file name's stem)."""
    tables: dict[str, Any] = {
        "article_overview": {
            "title": "Articles: study type, conditions and links",
            "description": "One row per stored article, with its strongest study design, "
            "evidence flags, the conditions it was found for, and PubMed and DOI links. "
            "Search titles and abstracts with the search box; facet by study type, "
            "condition, flag or year.",
            "columns": OVERVIEW_COLUMNS,
            "fts_table": "articles_fts",
            "facets": ["study_type", {"array": "conditions"}, {"array": "flags"}, "year"],
            "sort_desc": "entrez_date",
        },
        "articles": {
            "title": "Articles: full PubMed records",
            "description": "Every stored PubMed record with all its fields; list fields "
            "are JSON. Full-text search covers titles and abstracts (Porter stemming: "
            "trial finds trials).",
            "columns": ARTICLE_COLUMNS,
            "label_column": "title",
            "fts_table": "articles_fts",
            "facets": ["year", "status", {"array": "flags"}],
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
        "_migrations": {"hidden": True},
    }
    return {
        "title": "acutrack: acupuncture evidence from PubMed",
        "description": "PubMed records collected by acutrack's saved queries, with "
        "automatic evidence flags (RCT, meta-analysis, systematic review, sham control, "
        "retraction). Flags come from text rules: open an article before relying on one.",
        "source": "PubMed (U.S. National Library of Medicine)",
        "source_url": "https://pubmed.ncbi.nlm.nih.gov/",
        "databases": {db_name: {"tables": tables}},
    }


def metadata_json(db_path: Path | str) -> str:
    """The metadata for the database file at ``db_path``, as JSON text."""
    return json.dumps(metadata(Path(db_path).stem), indent=2, ensure_ascii=False) + "\n"
