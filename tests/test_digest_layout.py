"""The digest's layout (issue 25, part 5): the headline, then the articles; where they come
from (each query, PubMed's reading of it and the link running the same search) once, at the
end, with the intervention terms every query shares said once. Real PubMed records, stored
by a real `update` through the local E-utilities server (which records PubMed's translation).
"""

from __future__ import annotations

import re

from conftest import realdata, run

from acutrack.article import pubmed_search_url
from acutrack.config import load_queries

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 records
KEYS = (
    '"Lupus Erythematosus, Systemic"[Mesh]',
    '"Arthritis, Rheumatoid"[Mesh:NoExp]',
    '"Multiple Sclerosis"[Mesh]',
    '"Psoriasis"[Mesh]',
    '"Anti-Glomerular Basement Membrane Disease"[Mesh]',
)
# Measured on this scenario before the change (`digest --peek` of main at 7afdf11): the
# first article was on line 27, after each condition's query, PubMed's translation and a
# ~1,200-character link. On the database, with PubMed's real (longer) translations,
# it was near line 40.
FIRST_ARTICLE_BEFORE = 27


def test_the_articles_come_right_after_the_headline_and_the_sources_once_at_the_end(
    eutils, isolated
):
    pmids = eutils.add_file(PORTABLE)
    for key in KEYS:
        eutils.add_search(key, pmids[:20])
    assert run("update").exit_code == 0
    text = run("digest", "--peek").stdout
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("1. "))
    headline = [line for line in lines[:first] if re.match(r"^[a-z-]+: ", line)]
    assert len(headline) == 5
    # Title, when, blank, five headline lines, two blanks, the condition's title and its
    # rule, a blank: the first article is on line 14 (27 before).
    assert first == 3 + len(headline) + 6 == 14 < FIRST_ARTICLE_BEFORE
    sources = text.index("\nSources\n")
    queries = load_queries(None).conditions
    for name, cond in queries.items():
        link = pubmed_search_url(cond.full_query)
        assert text.count(link) == 1 and text.index(link) > sources, name
    # The intervention terms all queries share: once, in the sources' first lines.
    shared = " ".join(queries["lupus"].intervention.split())
    intro = " ".join(text[sources : text.index("\nlupus (", sources)].split())
    assert intro.endswith(shared + ")")
    # Nothing about the searches before the last article.
    before = text[:sources]
    assert "Query" not in before and "pubmed.ncbi.nlm.nih.gov/?term=" not in before
    for fmt, marker in (("markdown", "## Sources"), ("html", "Sources</h2>")):
        out = run("digest", "--peek", "--format", fmt).stdout
        assert out.count("?term=") == 5 and out.index("?term=") > out.index(marker), fmt
        assert out.index(marker) > out.rindex("/pubmed.ncbi.nlm.nih.gov/1"), fmt


def test_the_search_link_is_shorter_and_still_the_same_search():
    from urllib.parse import parse_qs, urlsplit

    query = load_queries(None).conditions["lupus"].full_query
    link = pubmed_search_url(query)
    assert parse_qs(urlsplit(link).query)["term"] == [" ".join(query.split())]
    assert " " not in link and '"' not in link and "[" not in link
    # Encoding every character gave 1,190 characters for this query.
    assert len(link) < 850
