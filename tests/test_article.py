"""The typed article: one declaration (``article.StoredArticle``) that agrees with the parser's
record, the derived columns and the stored table, decoded by the store once per row."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest
from conftest import CONTRACT_ARTICLE_FIELDS, realdata, run

from acutrack import evidence, store
from acutrack.article import (
    ARTICLE_FIELDS,
    EXTRA_FIELDS,
    PUBLIC_FIELDS,
    Article,
    StoredArticle,
    article_from,
)

FIELDS = {f.name: f for f in dataclasses.fields(StoredArticle)}
EXTRAS_BEFORE_ISSUE_24 = (
    "sample_size_source",
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "pub_date",
    "pmcid",
    "mesh",
    "keywords",
    "language",
    "registry_numbers",
    "comments_corrections",
    "abstract_sections",
    "entrez_date",
    "revised_date",
    "new",
)


def test_every_parsed_field_is_an_article_field_of_the_same_type():
    hints = typing.get_type_hints(Article)
    stored = typing.get_type_hints(StoredArticle)
    for key in ARTICLE_FIELDS:
        assert key in FIELDS, key
        parsed = str(hints[key]).replace("typing.", "")
        # a list in the parsed record is a tuple in the immutable article
        want = parsed.replace(
            "list[dict[str, Any]]", "tuple[collections.abc.Mapping[str, Any], ...]"
        )
        want = want.replace("list[str]", "tuple[str, ...]")
        assert str(stored[key]).replace("typing.", "") == want, key


def test_every_derived_and_stored_column_is_an_article_field(tmp_path):
    assert set(evidence.DERIVED) <= set(FIELDS)
    db = store.open_db(tmp_path / "columns.db")
    columns = [r[1] for r in db.execute("PRAGMA table_info(articles)")]
    assert [c for c in columns if c not in FIELDS] == []


def test_the_json_object_follows_the_declaration_order():
    # CONTRACT.md's fields, then conclusion and comparators (in every object), then acutrack's
    # extras.
    assert PUBLIC_FIELDS[:15] == CONTRACT_ARTICLE_FIELDS
    assert PUBLIC_FIELDS[15:] == ("conclusion", "comparators")  # CONTRACT.md names both
    # acutrack's extras, in the order the JSON has always had them (a field added later goes
    # before "new" or after it, never between these).
    extras = [f for f in EXTRA_FIELDS if f in EXTRAS_BEFORE_ISSUE_24]
    assert extras == list(EXTRAS_BEFORE_ISSUE_24)
    assert not set(PUBLIC_FIELDS) & set(EXTRA_FIELDS)


def test_the_store_decodes_a_real_row_once_into_a_frozen_article(isolated):
    path = realdata("biopython", "Medline", "pubmed_result2.txt")
    assert run("import", str(path), "-c", "lupus").exit_code == 0
    db = store.open_quick(isolated / "acutrack.db")
    (article, *_) = store.query_articles(db, "lupus", limit=1)
    assert isinstance(article, StoredArticle)
    assert isinstance(article.authors, tuple) and article.evidence_tier
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "changed"  # type: ignore[misc] - the point: it cannot be changed
    shown = json.loads(run("show", "lupus", "--format", "json", "--limit", "1").stdout)[0]
    assert shown["pmid"] == article.pmid and shown["authors"] == list(article.authors)


def test_unknown_keys_are_left_out_and_a_missing_tier_is_other():
    article = article_from({"pmid": "1", "fts_rank": -3.2, "flags": None, "evidence_tier": None})
    assert article.flags == () and article.evidence_tier == "other"
    assert article.new is None and article.flag_reasons == {}
