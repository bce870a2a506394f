"""acutrack verify: reference lists from real health-blog posts, against the local server.

The reference lists are ../shared/verify-samples (copied from real blog posts). The PubMed
records are real where realdata has them (28731372, a real MS trial). The articles the
sample lists cite are not in realdata, so ``invented_record`` builds minimal PubmedArticle
elements from each reference's own printed details; every use says so.
"""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from conftest import CONTRACT_ARTICLE_FIELDS, REALDATA, SECRET_KEY, realdata, run, run_process

from acutrack.pubmed import references, verify

SAMPLES = REALDATA.parent / "verify-samples"
LUPUS = SAMPLES / "lupus-post-references.txt"
GOODPASTURE = SAMPLES / "goodpasture-post-references.txt"
INFLAMMATION = SAMPLES / "inflammation-post-references.txt"
MENTIONS = SAMPLES / "autoimmune-post-study-mentions.txt"
MS_TRIAL = realdata("metapub", "data", "pmid_28731372.xml")  # real: Rolf L et al., Mult Scler 2018

CONTRACT_KEYS = {
    "reference",
    "source",
    "verdict",
    "pmid",
    "differences",
    "record",
    "duplicate_of",
}
ARTICLE_KEYS = set(CONTRACT_ARTICLE_FIELDS)


def invented_record(
    pmid: str,
    title: str,
    journal: str,
    iso: str,
    year: int,
    volume: str,
    pages: str,
    authors: list[tuple[str, str]],
    issue: str = "",
    doi: str = "",
    types: tuple[str, ...] = ("Journal Article",),
) -> bytes:
    """INVENTED: a minimal PubmedArticle in NCBI's layout, for an article no real file holds.

    Built only from what the reference itself prints; the entrez date is 1 January of the
    publication year, so an "online first" year cannot explain a year that differs.
    """
    names = "".join(
        f'<Author ValidYN="Y"><LastName>{escape(last)}</LastName>'
        f"<Initials>{initials}</Initials></Author>"
        for last, initials in authors
    )
    kinds = "".join(f"<PublicationType>{escape(t)}</PublicationType>" for t in types)
    eloc = f'<ELocationID EIdType="doi" ValidYN="Y">{escape(doi)}</ELocationID>' if doi else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal>'
        f"<JournalIssue><Volume>{volume}</Volume>"
        + (f"<Issue>{issue}</Issue>" if issue else "")
        + f"<PubDate><Year>{year}</Year></PubDate></JournalIssue>"
        f"<Title>{escape(journal)}</Title><ISOAbbreviation>{escape(iso)}</ISOAbbreviation>"
        f"</Journal><ArticleTitle>{escape(title)}</ArticleTitle>"
        f"<Pagination><MedlinePgn>{pages}</MedlinePgn></Pagination>{eloc}"
        f'<AuthorList CompleteYN="Y">{names}</AuthorList><Language>eng</Language>'
        f"<PublicationTypeList>{kinds}</PublicationTypeList></Article>"
        f"<MedlineJournalInfo><MedlineTA>{escape(iso)}</MedlineTA></MedlineJournalInfo>"
        f"</MedlineCitation><PubmedData><History>"
        f'<PubMedPubDate PubStatus="entrez"><Year>{year}</Year><Month>1</Month><Day>1</Day>'
        f"</PubMedPubDate></History><PublicationStatus>ppublish</PublicationStatus>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>'
        f"</PubmedData></PubmedArticle>"
    ).encode()


def serve(eutils, raw: bytes) -> str:
    pmid = raw.split(b"<PMID", 1)[1].split(b">", 1)[1].split(b"<", 1)[0].decode()
    eutils.records[pmid] = raw
    eutils.edat[pmid] = date(2000, 1, 1)
    return pmid


def serve_inflammation_pmids(eutils) -> None:
    # INVENTED records for the two PMIDs the inflammation post prints (34646018 and
    # 24562381 are in no realdata file), from the details printed in the post itself;
    # MEDLINE's shortened page ranges ("641-5") as PubMed writes them.
    serve(
        eutils,
        invented_record(
            "34646018",
            "A neuroanatomical basis for electroacupuncture to drive the vagal-adrenal axis.",
            "Nature",
            "Nature",
            2021,
            "598",
            "641-645",
            [("Liu", "S"), ("Wang", "Z"), ("Su", "Y"), ("Ma", "Q")],
            issue="7882",
            doi="10.1038/s41586-021-04001-4",
        ),
    )
    serve(
        eutils,
        invented_record(
            "24562381",
            "Dopamine mediates vagal modulation of the immune system by electroacupuncture.",
            "Nature medicine",
            "Nat Med",
            2014,
            "20",
            "291-5",
            [("Torres-Rosas", "R"), ("Yehia", "G"), ("Ulloa", "L")],
            issue="3",
            doi="10.1038/nm.3479",
        ),
    )


def serve_lupus_records(eutils) -> None:
    # INVENTED: what the made-up blog citations would point at if PubMed held them. The
    # Zhang review sits at J Tradit Chin Med 41(3):420-432 under its lupus title; the Wang
    # study exists but from 2019, not 2020 as both posts print.
    serve(
        eutils,
        invented_record(
            "90000001",
            "Acupuncture for lupus: a systematic review and meta-analysis of randomized "
            "controlled trials.",
            "Journal of traditional Chinese medicine = Chung i tsa chih ying wen pan",
            "J Tradit Chin Med",
            2021,
            "41",
            "420-432",
            [("Zhang", "X"), ("Liu", "H"), ("Zhang", "Q")],
            issue="3",
            types=("Journal Article", "Meta-Analysis", "Systematic Review"),
        ),
    )
    serve(
        eutils,
        invented_record(
            "90000002",
            "Acupuncture treatment for lupus: a retrospective cohort study.",
            "Complementary therapies in medicine",
            "Complement Ther Med",
            2019,
            "48",
            "102271",
            [("Wang", "Y"), ("Li", "J"), ("Wang", "C")],
        ),
    )
    eutils.citmatch[("journal of traditional chinese medicine", "2021", "41", "420")] = "90000001"
    eutils.add_search('"Wang Y"[1au]', ["90000002"])
    eutils.add_search("48[vi] AND 102271[pg]", ["90000002"])


def verify_json(*args: str, input: str | None = None, code: int = 0) -> list[dict]:
    result = run("verify", *args, "--format", "json", input=input)
    assert result.exit_code == code, result.output
    rows = json.loads(result.stdout)
    for row in rows:
        assert CONTRACT_KEYS <= set(row)
        assert row["verdict"] in verify.VERDICTS
        assert isinstance(row["differences"], list)
        if row["record"] is not None:
            assert ARTICLE_KEYS <= set(row["record"])
            assert row["record"]["pmid"] == row["pmid"]
    return rows


# --- finding references ------------------------------------------------------------------


def test_sample_reference_lists_are_read_in_every_style():
    lupus = references.extract(LUPUS.read_text(), "lupus.txt")
    assert [(r.kind, r.authors[0], r.year, r.volume, r.pages) for r in lupus] == [
        ("citation", "Zhang X", 2021, "41", "420-432"),
        ("citation", "Wang Y", 2020, "48", "102271"),
        ("citation", "Chen S", 2019, "12", "145-152"),
    ]
    assert lupus[0].journal == "Journal of Traditional Chinese Medicine"
    assert lupus[0].title == (
        "Acupuncture for lupus: A systematic review and meta-analysis of randomized "
        "controlled trials"
    )
    # The heading line above the list is not a reference.
    assert all(r.text.startswith(("Zhang", "Wang", "Chen")) for r in lupus)

    liu, ma, pan, torres = references.extract(INFLAMMATION.read_text(), "inflammation.txt")
    # Vancouver with the blog's lead-in prose: the reference starts at its authors.
    assert liu.text.startswith("Liu S, Wang Z, Su Y")
    assert (liu.pmid, liu.doi, liu.journal, liu.year) == (
        "34646018",
        "10.1038/s41586-021-04001-4",
        "Nature",
        2021,
    )
    assert (liu.volume, liu.issue, liu.pages) == ("598", "7882", "641-645")
    # Nature style, with non-breaking spaces and an en dash in the pages.
    assert (ma.authors, ma.journal, ma.volume, ma.pages, ma.year) == (
        ["Ma Q"],
        "Med. Acupunct",
        "32",
        "362-366",
        2020,
    )
    assert ma.title == "Somato–autonomic reflexes of acupuncture"
    assert pan.authors == ["Pan WX", "Fan AY", "Chen S", "Alemi SF"]
    assert (pan.journal, pan.volume, pan.pages) == ("Auton. Neurosci", "232", "102793")
    assert torres.authors[4] == "del Rocio Thompson-Bonilla M"
    assert (torres.pmid, torres.doi, torres.pages) == ("24562381", "10.1038/nm.3479", "291-5")


def test_study_mentions_are_kept_apart_from_citations():
    found = references.extract(MENTIONS.read_text(), "mentions.txt")
    assert [r.kind for r in found] == ["mention"] * 6
    assert [(r.journal, r.year) for r in found[:3]] == [
        ("Journal of Clinical Rheumatology", 2018),
        ("Journal of Alternative and Complementary Medicine", 2018),
        ("Journal of Acupuncture and Meridian Studies", 2020),
    ]
    assert found[3].year == 2019 and found[5].year == 2021
    # The heading ("Studies described ... in blog posts ...:") mentions no study.
    assert not any(r.text.startswith("Studies described") for r in found)


def test_html_page_keeps_its_list_items_and_link_targets():
    lines = LUPUS.read_text().splitlines()[2:]
    page = (
        "<!DOCTYPE html><html><head><title>Acupuncture and lupus</title>"
        "<style>li { color: red }</style><script>var ref = 'Smith, J. (2020). Fake. "
        "J Fake, 1(1), 1-2.';</script></head><body><p>Acupuncture helps.</p><ol>"
        + "".join(f"<li>{line.replace('&', '&amp;')}\n</li>" for line in lines)
        + '<li>Torres-Rosas R, Ulloa L. <a href="https://doi.org/10.1038/nm.3479">Dopamine '
        "mediates vagal modulation of the immune\n system by electroacupuncture</a>. Nat Med. "
        "2014 Mar;20(3):291-5.</li></ol></body></html>"
    )
    found = references.extract(page, "post.html")
    assert [r.authors[0] for r in found] == ["Zhang X", "Wang Y", "Chen S", "Torres-Rosas R"]
    assert found[0].text == lines[0]  # entities decoded, tags gone, one item one line
    assert found[3].doi == "10.1038/nm.3479"  # from the link target, not the visible text
    assert found[3].title.endswith("immune system by electroacupuncture")


def test_markdown_and_hard_wrapped_text():
    text = (
        "## References\n\n"
        "1. Zhang, X., Liu, H., & Zhang, Q. (2021). *Acupuncture for lupus: A systematic\n"
        "   review*. *Journal of Traditional Chinese Medicine*, 41(3),\n"
        "   420-432.\n"
        "2. Torres-Rosas R, Ulloa L. Dopamine mediates vagal modulation of the immune system by "
        "electroacupuncture. Nat Med. 2014 Mar;20(3):291-5. "
        "[PubMed](https://pubmed.ncbi.nlm.nih.gov/24562381/)\n"
        "3. https://doi.org/10.1177/1352458517722646\n"
    )
    zhang, torres, doi = references.extract(text, "post.md")
    assert zhang.title == "Acupuncture for lupus: A systematic review"
    assert (zhang.journal, zhang.pages) == ("Journal of Traditional Chinese Medicine", "420-432")
    assert torres.pmid == "24562381"
    assert (doi.kind, doi.doi) == ("identifier", "10.1177/1352458517722646")


def test_other_citation_styles():
    text = (
        "Zhang, X., Liu, H. and Zhang, Q. (2021) 'Acupuncture for Crohn's disease: a review', "
        "Journal of Traditional Chinese Medicine, 41(3), pp. 420–432.\n"
        "Smith, J. (2019). Does acupuncture work? A randomized trial. BMJ, 364, l123.\n"
        "Liu S, Wang Z, Su Y, et al. A neuroanatomical basis for electroacupuncture to drive "
        "the vagal-adrenal axis. Nature 2021;598:641-5\n"
        "PMID: 34646018\n"
    )
    harvard, question, ama = references.extract(text, "refs.txt")
    assert (harvard.title, harvard.pages) == (
        "Acupuncture for Crohn's disease: a review",
        "420-432",
    )
    assert harvard.authors == ["Zhang X", "Liu H", "Zhang Q"]
    assert (question.title, question.journal, question.pages) == (
        "Does acupuncture work? A randomized trial",
        "BMJ",
        "l123",
    )
    # The PMID on the line below belongs to the citation above it.
    assert (ama.authors, ama.volume, ama.pages, ama.pmid) == (
        ["Liu S", "Wang Z", "Su Y"],
        "598",
        "641-5",
        "34646018",
    )


def test_comparison_rules():
    assert references.split_pages("641-5") == ("641", "645")
    assert references.split_pages("362–366") == ("362", "366")
    assert references.split_pages("e20200147") == ("e20200147", None)
    assert verify.journals_match("Nat Med", "Nature medicine")
    assert verify.journals_match("Med. Acupunct", "Medical acupuncture")
    assert verify.journals_match("Auton. Neurosci", "Autonomic neuroscience : basic & clinical")
    assert verify.journals_match(
        "Journal of Traditional Chinese Medicine",
        "Journal of traditional Chinese medicine = Chung i tsa chih ying wen pan",
    )
    assert verify.journals_match(
        "Proc Natl Acad Sci U S A",
        "Proceedings of the National Academy of Sciences of the United States of America",
    )
    assert not verify.journals_match("Nature", "Nature medicine")
    assert not verify.journals_match("Journal of Clinical Rheumatology", "J Altern Complement Med")
    assert verify.diseases("Acupuncture for Goodpasture Syndrome: a review") == {
        "Goodpasture syndrome"
    }
    assert verify.diseases("Acupuncture in SLE") == {"lupus"}


# --- looking up ---------------------------------------------------------------------------


def test_inflammation_list_pmids_found_and_unknown_articles_not_found(eutils):
    serve_inflammation_pmids(eutils)
    rows = verify_json(str(INFLAMMATION))
    assert [r["verdict"] for r in rows] == ["found", "not found", "not found", "found"]
    liu, ma, pan, torres = rows
    assert liu["pmid"] == "34646018" and liu["differences"] == []
    assert liu["record"]["title"].startswith("A neuroanatomical basis")
    assert liu["record"]["url"] == "https://pubmed.ncbi.nlm.nih.gov/34646018/"
    assert liu["record"]["conditions"] == [] and liu["record"]["first_seen"] is None
    assert liu["source"] == str(INFLAMMATION)
    # "Nat Med" is "Nature medicine"; MEDLINE's "291-5" is the post's "291-5".
    assert torres["differences"] == [] and torres["method"] == "pmid"
    assert ma["pmid"] is None and ma["record"] is None and ma["duplicate_of"] is None
    # Both printed PMIDs in one efetch; the two without one in one ECitMatch request, in
    # Bio.Entrez's encoding (CR between citations, pipes unescaped, no trailing pipe).
    (fetch_pmids, *_) = eutils.calls("efetch")
    assert sorted(fetch_pmids.params["id"].split(",")) == ["24562381", "34646018"]
    (cit,) = eutils.calls("ecitmatch")
    assert cit.params["bdata"].split("\r") == [
        "med acupunct|2020|32|362|ma q|ref1",
        "auton neurosci|2021|232|102793|pan wx|ref2",
    ]
    assert cit.params["api_key"] == SECRET_KEY and cit.params["tool"] == "acutrack"
    terms = [c.params["term"] for c in eutils.calls("esearch")]
    assert terms[0] == (
        '"somato-autonomic"[ti] AND reflexes[ti] AND acupuncture[ti] AND "Ma Q"[1au] AND 2020[dp]'
    )
    assert '"Med Acupunct"[ta] AND 32[vi] AND 362[pg]' in terms


def test_reused_citation_under_another_disease_is_flagged(eutils):
    serve_lupus_records(eutils)
    rows = verify_json(str(LUPUS), str(GOODPASTURE))
    assert [r["verdict"] for r in rows] == [
        "found",
        "mismatch",
        "not found",
        "mismatch",
        "mismatch",
    ]
    zhang, wang, chen, gp_zhang, gp_wang = rows
    assert zhang["pmid"] == "90000001" and zhang["method"] == "ecitmatch"
    assert {"meta-analysis", "systematic-review"} <= set(zhang["record"]["flags"])
    # The wrong year: ECitMatch and the year-limited search find nothing; journal, volume
    # and page without the year find the record.
    assert wang["pmid"] == "90000002"
    assert wang["differences"] == ["year 2020 (record: 2019)"]
    assert chen["pmid"] is None and chen["reason"]
    # The Goodpasture post reuses both citations with its own disease in the titles.
    assert gp_zhang["pmid"] == "90000001"
    assert gp_zhang["differences"] == ["title names Goodpasture syndrome, the record's lupus"]
    assert gp_wang["differences"] == [
        "title names Goodpasture syndrome, the record's lupus",
        "year 2020 (record: 2019)",
    ]
    assert [r["duplicate_of"] for r in rows] == [None, None, None, 0, 1]
    assert {r["source"] for r in rows[3:]} == {str(GOODPASTURE)}


def test_nothing_in_pubmed_is_not_found_and_exit_0(eutils):
    rows = verify_json(str(LUPUS))
    assert [r["verdict"] for r in rows] == ["not found"] * 3
    assert all(r["pmid"] is None and r["record"] is None for r in rows)
    assert len(eutils.calls("ecitmatch")) == 1
    assert "ECitMatch" in rows[0]["searched"][0]


def test_failed_lookups_are_unchecked_never_not_found(eutils):
    eutils.fail("esearch", "503", times=50)
    result = run("verify", str(LUPUS), "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)  # the report is still printed
    assert [r["verdict"] for r in rows] == ["unchecked"] * 3
    assert all("HTTP 503" in r["reason"] for r in rows)
    assert all(r["lookup_failed"] for r in rows)
    # Two references failed in a row: the third waits out no retries of its own.
    assert rows[2]["reason"].startswith("not looked up after earlier lookups failed")
    terms = [c.params["term"] for c in eutils.calls("esearch")]
    assert len(terms) >= 2 * 5  # every try of the first two
    assert not any('"Chen S"' in t for t in terms)
    err = result.stderr.strip()
    assert err.startswith("Error: 3 of 3 references could not be looked up")
    assert "Traceback" not in result.output and len(err.splitlines()) == 1


def test_unreachable_server_is_unchecked(monkeypatch):
    # conftest points ACUTRACK_EUTILS_URL at a closed port.
    result = run("verify", str(GOODPASTURE), "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["verdict"] for r in rows] == ["unchecked", "unchecked"]
    assert SECRET_KEY not in result.output


@pytest.mark.parametrize("fault", ["503", "429", "error", "html", "truncate"])
def test_ecitmatch_faults_are_retried(eutils, fault):
    serve_lupus_records(eutils)
    eutils.fail("ecitmatch", fault)
    rows = verify_json(str(LUPUS))
    assert rows[0]["verdict"] == "found" and rows[0]["pmid"] == "90000001"
    assert len(eutils.calls("ecitmatch")) == 2


def test_real_record_found_with_stored_conditions_and_wrong_year(eutils, tmp_path):
    assert run("import", str(MS_TRIAL), "--condition", "ms").exit_code == 0
    eutils.add_file(MS_TRIAL)
    eutils.citmatch[("multiple sclerosis journal", "2018", "24", "1280")] = "28731372"
    eutils.add_search('"Rolf L"[1au]', ["28731372"])
    eutils.add_search("24[vi] AND 1280[pg]", ["28731372"])
    authors = "Rolf, L., Muris, A. H., Mathias, A., & Hupperts, R."
    title = (
        "Exploring the effect of vitamin D3 supplementation on the anti-EBV antibody response "
        "in relapsing-remitting multiple sclerosis"
    )
    text = (
        f"{authors} (2018). {title}. Multiple Sclerosis Journal, 24(10), 1280–1287.\n"
        f"{authors} (2016). {title}. Multiple Sclerosis Journal, 24(10), 1280–1287.\n"
        f"{authors} (2018). {title.replace('multiple sclerosis', 'lupus')}. Multiple Sclerosis "
        "Journal, 24(10), 1280–1287.\n"
    )
    source = tmp_path / "ms.txt"
    source.write_text(text)
    right, wrong_year, wrong_disease = verify_json(str(source))
    assert right["verdict"] == "found" and right["pmid"] == "28731372"
    assert right["record"]["conditions"] == ["multiple-sclerosis"]
    assert right["record"]["first_seen"]
    assert "rct" in right["record"]["flags"]
    # The same article object as `article` prints: derived with evidence.derive (trial size,
    # conclusion, tier), not just the flags.
    shown = json.loads(run("article", "28731372", "--format", "json").stdout)
    assert right["record"] == shown and shown["conclusion"] and "sample_size" in shown
    assert wrong_year["verdict"] == "mismatch"
    assert wrong_year["differences"] == ["year 2016 (record: 2018)"]
    assert wrong_disease["differences"] == ["title names lupus, the record's multiple sclerosis"]
    assert wrong_disease["duplicate_of"] == 0 and wrong_year["duplicate_of"] is None


def test_doi_and_wrong_pmid(eutils, tmp_path):
    eutils.add_file(MS_TRIAL)
    eutils.add_search('"10.1177/1352458517722646"[aid]', ["28731372"])
    eutils.citmatch[("mult scler", "2018", "24", "1280")] = "28731372"
    source = tmp_path / "refs.txt"
    source.write_text(
        "See doi: 10.1177/1352458517722646\n\n"
        "Rolf L, Muris AH, Hupperts R. Exploring the effect of vitamin D3 supplementation on "
        "the anti-EBV antibody response in relapsing-remitting multiple sclerosis. Mult Scler. "
        "2018 Sep;24(10):1280-1287. PMID: 99999999.\n"
    )
    by_doi, bad_pmid = verify_json(str(source))
    assert (by_doi["verdict"], by_doi["pmid"], by_doi["method"]) == ("found", "28731372", "doi")
    assert bad_pmid["verdict"] == "mismatch" and bad_pmid["pmid"] == "28731372"
    assert bad_pmid["differences"] == ["PMID 99999999 is not in PubMed"]


def test_standard_input_and_mentions_need_no_network(eutils):
    rows = verify_json("-", input=MENTIONS.read_text())
    assert [r["verdict"] for r in rows] == ["unchecked"] * 6
    assert {r["source"] for r in rows} == {"<stdin>"}
    assert all(r["reason"] == verify.MENTION_REASON and not r["lookup_failed"] for r in rows)
    assert eutils.requests == []


def test_no_references_is_a_note_and_an_empty_array(tmp_path):
    empty = tmp_path / "post.txt"
    empty.write_text("Acupuncture is great for everything.\nAsk your practitioner.\n")
    result = run("verify", str(empty), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stderr.strip() == (
        f"note: no references found in {empty} (looked for APA, Harvard, Vancouver and "
        "Nature-style citations, PMIDs, DOIs and studies mentioned in the text)"
    )


@pytest.mark.parametrize("kind", ["missing", "folder", "pdf"])
def test_unreadable_input_exits_1_with_one_sentence(tmp_path, kind):
    path = tmp_path / "post"
    if kind == "folder":
        path.mkdir()
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    result = run("verify", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("Error: ") and str(path) in message
    assert len(message.splitlines()) == 1 and "Traceback" not in message


def test_table_prints_input_and_pubmed_text_literally(eutils, tmp_path):
    # INVENTED record whose title carries rich markup, to prove it prints as text; the
    # reference line carries markup and terminal escapes.
    serve(
        eutils,
        invented_record(
            "90000003",
            "[bold red]Acupuncture[/bold red] for lupus.",
            "Journal of traditional Chinese medicine",
            "J Tradit Chin Med",
            2021,
            "41",
            "420-432",
            [("Zhang", "X")],
        ),
    )
    eutils.citmatch[("journal of traditional chinese medicine", "2021", "41", "420")] = "90000003"
    source = tmp_path / "refs.txt"
    source.write_text(
        "Zhang, X. (2021). [link=https://evil.example]Acupuncture[/link] \x1b[2J for lupus. "
        "Journal of Traditional Chinese Medicine, 41(3), 420-432.\n"
    )
    result = run("verify", str(source), "--format", "table")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "acutrack verify" in result.stdout
    assert result.stdout.strip().endswith("1 mismatch")
    # The same rows on a wide terminal, colours on: the markup is text, not styling.
    from rich.console import Console

    (row,) = verify_json(str(source))
    console = Console(file=StringIO(), width=300, color_system="truecolor", force_terminal=True)
    console.print(verify.table([row]))
    out = console.file.getvalue()
    assert "[bold red]Acupuncture[/bold red] for lupus." in out
    assert "[link=https://evil.example]Acupuncture[/link] [2J for lupus." in out
    assert "\x1b[2J" not in out and "evil.example\x1b" not in out


def test_table_rendering_of_every_verdict():
    from rich.console import Console

    rows = [
        {
            "reference": "Zhang, X. (2021). Acupuncture for lupus.",
            "source": "a.txt",
            "verdict": verdict,
            "pmid": None,
            "differences": ["year 2020 (record: 2019)"] if verdict == "mismatch" else [],
            "record": None,
            "duplicate_of": 0 if verdict == "mismatch" else None,
            "reason": "HTTP 503" if verdict == "unchecked" else None,
        }
        for verdict in verify.VERDICTS
    ]
    console = Console(file=StringIO(), width=160, color_system=None)
    console.print(verify.table(rows))
    out = console.file.getvalue()
    for verdict in verify.VERDICTS:
        assert verdict in out
    assert "same journal, volume and pages as #1" in out and "HTTP 503" in out


def test_verify_as_a_real_process_prints_json_in_a_pipe(eutils):
    serve_lupus_records(eutils)
    proc = run_process("verify", str(LUPUS), env={"ACUTRACK_RETRY_DELAY": "0.01"})
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["verdict"] for r in rows] == ["found", "mismatch", "not found"]
    assert proc.stderr == ""


def test_help_names_the_input_forms():
    result = run("verify", "--help")
    assert result.exit_code == 0
    assert "HTML page" in result.stdout and "<stdin>" in result.stdout


def test_sources_are_kept_per_file(eutils, tmp_path: Path):
    copy = tmp_path / "copy.txt"
    copy.write_text(GOODPASTURE.read_text())
    rows = verify_json(str(GOODPASTURE), str(copy))
    assert [r["source"] for r in rows] == [str(GOODPASTURE)] * 2 + [str(copy)] * 2
    # The same reference twice is no "other title" duplicate, and is looked up once.
    assert [r["duplicate_of"] for r in rows] == [None] * 4
    assert rows[2]["searched"] == rows[0]["searched"]
    assert len(eutils.calls("esearch")) == 2 * 3
    (cit,) = eutils.calls("ecitmatch")
    assert len(cit.params["bdata"].split("\r")) == 2


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path, codec):
    # Windows editors save "Unicode" text as UTF-16 with a BOM: the same references as UTF-8.
    text = LUPUS.read_text()
    path = tmp_path / "refs-utf16.txt"
    bom = {"utf-16-be": b"\xfe\xff"}.get(codec, b"")
    path.write_bytes(bom + text.encode(codec))
    source, read = verify.read_input(str(path))
    assert read == text
    assert [r.title for r in references.extract(read, source)] == [
        r.title for r in references.extract(text, str(LUPUS))
    ]
    result = run("verify", str(path), "--format", "json")  # conftest: NCBI unreachable
    assert "is not text" not in result.stderr
    assert len(json.loads(result.stdout)) == 3


def test_a_long_list_without_final_periods_is_not_one_giant_line():
    # Every line continues the one before when none ends a sentence; a joined line is capped,
    # so finding citations stays linear (benchmarks/linear_inputs.py measures the time).
    lines = [ln.strip().rstrip(".") for ln in LUPUS.read_text().splitlines()[1:] if ln.strip()]
    text = "\n".join(lines * 400)
    joined = references.logical_lines(text, "refs.txt")
    assert max(map(len, joined)) < references.MAX_JOINED
    refs = references.extract(text, "refs.txt")
    assert len(refs) == len(lines) * 400
    assert {r.year for r in refs} == {2019, 2020, 2021}


def test_similar_citations_found_by_blocks_are_the_pairwise_ones():
    # Issue 19: comparing every pair grew quadratically. The real references of the four
    # sample posts, plus invented variants of them (no post shows these): another title
    # under the same journal, volume and pages; the journal abbreviated; another last page;
    # the volume in other case; no pages. Blocked and pairwise answers must be identical.
    import dataclasses
    import random

    real = [
        r
        for path in sorted(SAMPLES.glob("*.txt"))
        for r in references.extract(path.read_text(), str(path))
    ]
    assert sum(1 for r in real if r.journal and r.volume and r.pages) >= 5
    variants = []
    for r in real:
        variants += [
            dataclasses.replace(r, title=f"Another study {len(variants)}"),
            dataclasses.replace(r, journal=(r.journal or "").replace("Journal", "J")),
            dataclasses.replace(r, pages=(r.pages or "") + "0"),
            dataclasses.replace(r, volume=(r.volume or "").upper() or None, title="x"),
            dataclasses.replace(r, pages=None, title="y"),
        ]
    pool = real + variants
    rng = random.Random(19)
    for _ in range(20):
        refs = [rng.choice(pool) for _ in range(120)]
        checks = [verify.Check(r) for r in refs]
        verify._mark_similar(checks)
        pairwise = []
        for i, c in enumerate(refs):
            found = None
            for j in range(i):
                o = refs[j]
                if verify.similar_citation(o, c) and references.fold(
                    o.title or ""
                ) != references.fold(c.title or ""):
                    found = j
                    break
            pairwise.append(found)
        assert [c.duplicate_of for c in checks] == pairwise
        assert any(d is not None for d in pairwise)
