"""How well the text rules of acutrack.evidence recover NLM's Publication Types.

    python benchmarks/evidence_accuracy.py [--dev FILE] [--realdata DIR] [--json OUT.json]
                                           [--show-errors]

Two data sets, both real PubMed records:

* the development set (``../shared/evidence-dev/rct-dev.medline.gz``, 501 records of the
  RobotReviewer RCT test set; its README). Exactly as its README says, the ``PT  -`` and
  ``MH  -`` lines (with their continuation lines) are stripped from a copy of the MEDLINE text
  and ``STAT-`` is set to ``In-Data-Review``; that copy is parsed and flagged, and the flags are
  compared with the original Publication Types. Every record is labelled (the set was built
  for RCT detection). Records are deduplicated by PMID.
* realdata (``../shared/realdata``): every PubMed file (XML or MEDLINE) under it, deduplicated
  by PMID; records whose Publication Types are informative (anything beyond "Journal
  Article") are the labelled set; each is copied with publication_types and mesh emptied.

NLM's "Randomized Controlled Trial", "Meta-Analysis" and "Systematic Review" are the truth.
Per flag and data set: positives, TP, FP, FN, sensitivity = TP/(TP+FN), specificity =
TN/(TN+FP), precision = TP/(TP+FP), each with a 95% Wilson score interval.

Split-half check on the development set: the same figures on the even and the odd PMIDs
separately. A rule fitted to one half that does not generalise shows up as a gap between them.

The lower tier ``possible-rct`` (blinded or placebo/sham comparison, randomization not stated)
is never counted as ``rct``; the benchmark reports how often it fires on NLM's RCTs and
non-RCTs, and, for information only, the figures for "rct or possible-rct".

Trial size: ``tests/fixtures/sample_sizes.tsv`` holds 60 development-set RCTs whose abstracts
were read by hand (the number randomized or enrolled, or empty when the abstract gives none);
``sample_sizes_holdout.tsv`` 19 more, labelled after the extractor was written;
``sample_sizes_v3.tsv`` 40 more, labelled before its third version (issue 21), and
``sample_sizes_v3_holdout.tsv`` 20 more, labelled after it and never used to tune it. The benchmark
reports exact-match accuracy of ``evidence.sample_size`` (95% Wilson interval) and the number
of numbers given where the abstract gives none.

Conclusions (issue 20): ``tests/fixtures/conclusions.tsv`` holds 60 records, every k-th in PMID
order of the development set and of the realdata XML files, whose conclusion was picked by hand
(or none) and committed before the extractor was run on them; ``conclusions_holdout.tsv`` 20
more from the same pools, labelled at the same time (scored in the same first run).
Each record is read from the file its row names. A pick agrees when it matches the hand label
exactly or overlaps it (one contains the other, or they share a sentence), or when both are
none; a false pick is text returned where the hand label is none or that shares nothing with
it; a miss is none returned where the hand label has text. ``--conclusions-only`` runs just
this section. First run (untuned rules): 57/60 agree, 0 false picks; holdout 16/20, 0 false
picks. The rules were then changed once (a hedged or present-tense last sentence, "Results
show" without an article, a concluding opener after a missing full stop), after 20 more records
were labelled and committed (``conclusions_fresh.tsv``): the figure on those (16/20, 0 false
picks; the untuned rules 15/20) is the honest estimate, as the 60 were seen while tuning.

Issue 27: ``sample_sizes_v4.tsv`` (101 trials of the development set and realdata, labelled
with the fragment before the candidate extractor, v4, was written: its tuning set) and
``sample_sizes_v4_final.tsv`` (34 realdata trials labelled after v4's last change; its column
``seen`` marks 2 whose output had been printed before they were labelled, left out of the
``_unseen`` figure). Trial size is reported as issue 27 defines it: exact match, precision
(right numbers / numbers given) and coverage (numbers given / trials stating one), each with a
Wilson interval. ``conclusions_v4.tsv`` (30 unstructured abstracts labelled before the
closing-sentence fallback) and ``conclusions_v4_final.tsv`` (50 labelled after its last
change) are scored like the conclusion files above, split structured / unstructured.

Comparators (issue 27 part 2): ``tests/fixtures/comparators*.tsv`` hold hand labels of what
each trial was compared against (placebo, sham, no-treatment, usual-care, active; empty when the
abstract does not say), each file labelled at a stated point of the rules' history (its header).
Scored: the whole set of classes equal to the hand label, and placebo-or-sham as the control
found (precision, recall), 95% Wilson intervals. ``--comparators-only`` runs just this section.

Speed: records/s of compute_flags over the realdata records (best of five passes); against a
baseline commit in one run: ``benchmarks/evidence_speed.py``.
Writes JSON to benchmarks/out/evidence_accuracy.json unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from acutrack import evidence  # noqa: E402
from acutrack.flags import COMPARATOR_NAMES  # noqa: E402
from acutrack.pubmed import records  # noqa: E402

DEFAULT_REALDATA = ROOT.parent / "shared" / "realdata"
DEFAULT_DEV = ROOT.parent / "shared" / "evidence-dev" / "rct-dev.medline.gz"
SIZES = ROOT / "tests" / "fixtures" / "sample_sizes.tsv"
# 19 more RCTs labelled after the extractor was written (its first pass: 16/19).
SIZES_HOLDOUT = ROOT / "tests" / "fixtures" / "sample_sizes_holdout.tsv"
# 40 more, labelled before trial size v3 (issue 21) was written: its "before" and "after".
SIZES_V3 = ROOT / "tests" / "fixtures" / "sample_sizes_v3.tsv"
# 20 more, labelled after v3 was written and never used to tune it: v3's held-out figure.
SIZES_V3_HOLDOUT = ROOT / "tests" / "fixtures" / "sample_sizes_v3_holdout.tsv"
# Issue 27: 101 trials labelled before the candidate extractor (v4) was written (its tuning
# set), and 34 realdata trials labelled after its last change (the reported figure).
SIZES_V4 = ROOT / "tests" / "fixtures" / "sample_sizes_v4.tsv"
SIZES_V4_FINAL = ROOT / "tests" / "fixtures" / "sample_sizes_v4_final.tsv"
LABELS = {
    "rct": ("Randomized Controlled Trial",),
    "meta-analysis": ("Meta-Analysis",),
    "systematic-review": ("Systematic Review",),
}
RCT_PT = "Randomized Controlled Trial"


# --- loading ---------------------------------------------------------------------------------


def load_realdata(data_dir: Path) -> dict[str, dict]:
    articles: dict[str, dict] = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            for article in records.iter_file(path):
                articles.setdefault(article["pmid"], article)
        except (records.NotPubMedData, records.NCBIErrorResponse):
            continue
    return articles


def strip_medline(text: str) -> str:
    """The MEDLINE text as a new user's import would see it before indexing: no PT or MH
    lines (nor their continuation lines), STAT In-Data-Review."""
    out: list[str] = []
    dropping = False
    for line in text.splitlines():
        if line.startswith("      ") and dropping:
            continue
        dropping = line.startswith(("PT  -", "MH  -"))
        if dropping:
            continue
        if line.startswith("STAT-"):
            line = "STAT- In-Data-Review"
        out.append(line)
    return "\n".join(out) + "\n"


def load_dev(path: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """(original records, stripped records), both by PMID (first occurrence kept)."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    original: dict[str, dict] = {}
    for article in records.iter_medline(io.StringIO(text), path.name):
        original.setdefault(article["pmid"], article)
    stripped: dict[str, dict] = {}
    for article in records.iter_medline(io.StringIO(strip_medline(text)), path.name):
        stripped.setdefault(article["pmid"], article)
    assert set(original) == set(stripped)
    return original, stripped


def strip_dict(article: dict) -> dict:
    copy = dict(article)
    copy["publication_types"] = []
    copy["mesh"] = []
    return copy


# --- labels left in conclusions (issue 25 part 10) -----------------------------------------------

# A section heading opening a conclusion, or left inside it with its colon or before a capital
# ("CONCLUSIONS LD and HD screw constructs are ...", "... significantly CONCLUSIONS: CBPs ...").
# Written apart from the rule in evidence.conclusions, which knows only conclusion headings,
# so it can catch more than the rule fixes.
LEAKED_LABEL = re.compile(
    r"^(?:CONCLUSIONS?|Conclusions?|RESULTS|METHODS|INTERPRETATIONS?|IMPLICATIONS?)\b"
    r"(?:\s*:|\s+(?=[A-Z0-9]))"
    r"|\b(?:CONCLUSIONS?|Conclusions?|RESULTS|INTERPRETATIONS?)\b(?:\s*:|\s+(?=[A-Z0-9]))"
)


def leaked_labels(articles: dict[str, dict]) -> tuple[int, list[str]]:
    """(conclusions found, PMIDs whose conclusion carries a section label)."""
    found, leaked = 0, []
    for pmid, article in articles.items():
        text = evidence.conclusion(article)
        found += text is not None
        if text and LEAKED_LABEL.search(text):
            leaked.append(pmid)
    return found, leaked


# --- statistics ------------------------------------------------------------------------------


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """95% Wilson score interval for k successes in n trials."""
    if n == 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k: int, n: int) -> dict:
    ci = wilson(k, n)
    return {
        "value": k / n if n else None,
        "k": k,
        "n": n,
        "ci95": [round(ci[0], 4), round(ci[1], 4)] if ci else None,
    }


def score(
    labelled: list[dict], predictions: dict[str, dict[str, str]], flags: tuple[str, ...]
) -> dict[str, dict]:
    table = {}
    for flag in (*LABELS, "rct or possible-rct"):
        pts = LABELS.get(flag, (RCT_PT,))
        names = flags if flag == "rct or possible-rct" else (flag,)
        tp = fp = fn = tn = 0
        errors = []
        for article in labelled:
            truth = any(pt in article["publication_types"] for pt in pts)
            hit = [n for n in names if n in predictions[article["pmid"]]]
            if truth and hit:
                tp += 1
            elif hit:
                fp += 1
                errors.append(("FP", article["pmid"], predictions[article["pmid"]][hit[0]]))
            elif truth:
                fn += 1
                errors.append(("FN", article["pmid"], article["title"][:90]))
            else:
                tn += 1
        table[flag] = {
            "positives": tp + fn,
            "negatives": tn + fp,
            "TP": tp,
            "FP": fp,
            "FN": fn,
            "TN": tn,
            "sensitivity": rate(tp, tp + fn),
            "specificity": rate(tn, tn + fp),
            "precision": rate(tp, tp + fp),
            "errors": errors,
        }
    return table


def fmt(r: dict) -> str:
    if r["value"] is None:
        return f"{'n/a':>19}"
    lo, hi = r["ci95"]
    return f"{r['value']:.3f} ({lo:.3f}-{hi:.3f})"


def print_table(title: str, n: int, table: dict[str, dict], show_errors: bool) -> None:
    print(f"\n{title} ({n} records)")
    print(
        f"{'flag':<20} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4}  {'sensitivity (95% CI)':>19}  "
        f"{'specificity (95% CI)':>19}  {'precision (95% CI)':>19}"
    )
    for flag, row in table.items():
        label = f"({flag})" if flag == "rct or possible-rct" else flag
        print(
            f"{label:<20} {row['positives']:>4} {row['TP']:>4} {row['FP']:>4} {row['FN']:>4}  "
            f"{fmt(row['sensitivity'])}  {fmt(row['specificity'])}  {fmt(row['precision'])}"
        )
        if show_errors and flag != "rct or possible-rct":
            for kind, pmid, what in row["errors"]:
                print(f"    {kind} {pmid}: {what}")


def tier_counts(labelled: list[dict], predictions: dict[str, dict[str, str]]) -> dict:
    on_rct = sum(
        1
        for a in labelled
        if RCT_PT in a["publication_types"] and "possible-rct" in predictions[a["pmid"]]
    )
    on_other = sum(
        1
        for a in labelled
        if RCT_PT not in a["publication_types"] and "possible-rct" in predictions[a["pmid"]]
    )
    return {"on_nlm_rcts": on_rct, "on_non_rcts": on_other}


# --- trial size ------------------------------------------------------------------------------


def read_sizes(path: Path) -> list[tuple[str, str, int | None, bool]]:
    """(pmid, source, hand label, seen) rows. The v2/v3 files have two columns (development set
    only); the v4 files name the source ("dev" or "realdata"), the fragment and, in the final
    batch, whether the record's extractor output had been seen before it was labelled."""
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith(("#", "pmid")):
            continue
        cells = line.split("\t")
        if len(cells) >= 3 and cells[1] in ("dev", "realdata"):
            pmid, source, number = cells[:3]
            seen = len(cells) > 4 and cells[4].strip() == "yes"
        else:
            (pmid, number), source, seen = (cells + [""])[:2], "dev", False
        rows.append((pmid.strip(), source, int(number) if number.strip() else None, seen))
    return rows


def size_accuracy(
    rows: list[tuple[str, str, int | None, bool]], sources: dict[str, dict[str, dict]]
) -> dict:
    """Exact match over all rows; precision = right numbers / numbers given; coverage =
    numbers given / trials whose abstract states one (issue 27's definitions)."""
    exact = wrong_where_none = missed = wrong = given = right = covered = 0
    errors = []
    for pmid, source, truth, _ in rows:
        got = evidence.sample_size(sources[source][pmid])
        given += got is not None
        right += got is not None and got == truth
        covered += got is not None and truth is not None
        if got == truth:
            exact += 1
            continue
        errors.append((pmid, truth, got))
        if truth is None:
            wrong_where_none += 1
        elif got is None:
            missed += 1
        else:
            wrong += 1
    stated = sum(1 for _, _, t, _ in rows if t is not None)
    return {
        "labelled": len(rows),
        "with_number": stated,
        "exact": exact,
        "accuracy": rate(exact, len(rows)),
        "precision": rate(right, given),
        "coverage": rate(covered, stated),
        "missed": missed,
        "wrong_number": wrong,
        "number_where_abstract_gives_none": wrong_where_none,
        "errors": errors,
    }


def report_sizes(payload: dict, sources: dict[str, dict[str, dict]], show_errors: bool) -> None:
    for key, path in (
        ("sample_size", SIZES),
        ("sample_size_holdout", SIZES_HOLDOUT),
        ("sample_size_v3", SIZES_V3),
        ("sample_size_v3_holdout", SIZES_V3_HOLDOUT),
        ("sample_size_v4", SIZES_V4),
        ("sample_size_v4_final", SIZES_V4_FINAL),
        ("sample_size_v4_final_unseen", SIZES_V4_FINAL),
    ):
        if not path.exists():
            continue
        rows = read_sizes(path)
        if key.endswith("_unseen"):
            rows = [r for r in rows if not r[3]]
        sizes = size_accuracy(rows, sources)
        print(
            f"\nTrial size (sample_size), {path.name}"
            f"{' without the 2 records seen before labelling' if key.endswith('_unseen') else ''}"
            f": {sizes['labelled']} hand-labelled ({sizes['with_number']} give a number): exact "
            f"{sizes['exact']}/{sizes['labelled']} = {fmt(sizes['accuracy'])}; precision "
            f"{sizes['precision']['k']}/{sizes['precision']['n']} = {fmt(sizes['precision'])}; "
            f"coverage {sizes['coverage']['k']}/{sizes['coverage']['n']} = "
            f"{fmt(sizes['coverage'])}; missed {sizes['missed']}, wrong number "
            f"{sizes['wrong_number']}, a number where the abstract gives none "
            f"{sizes['number_where_abstract_gives_none']}"
        )
        if show_errors:
            for pmid, truth, got in sizes["errors"]:
                print(f"    {pmid}: hand {truth}, extracted {got}")
        payload[key] = sizes


# --- conclusions -----------------------------------------------------------------------------

CONCLUSIONS = ROOT / "tests" / "fixtures" / "conclusions.tsv"
CONCLUSIONS_HOLDOUT = ROOT / "tests" / "fixtures" / "conclusions_holdout.tsv"
# Labelled after the first run, before the rules changed: the estimate for the final rules.
CONCLUSIONS_FRESH = ROOT / "tests" / "fixtures" / "conclusions_fresh.tsv"
# Issue 27 part 3: 30 unstructured abstracts labelled before the closing-sentence fallback (its
# tuning set) and 50 records labelled after the last change (the reported figure).
CONCLUSIONS_V4 = ROOT / "tests" / "fixtures" / "conclusions_v4.tsv"
CONCLUSIONS_V4_FINAL = ROOT / "tests" / "fixtures" / "conclusions_v4_final.tsv"
# Each labelled after the rule change that followed the previous batch's score (v4.1 ... v4.4);
# the fifth, labelled after the last change, gives the reported figure (its column "seen" marks
# two records whose output had been printed before they were labelled: left out).
CONCLUSIONS_V4_FINALS = tuple(
    ROOT / "tests" / "fixtures" / f"conclusions_v4_final{n}.tsv" for n in (2, 3, 4, 5)
)
# Session 2026-12-07 (v5): 91 records labelled before v5 was written (its tuning set; the v4.4
# rules, measured once on it before any change: V44_ON_V5_TUNING), and 182 labelled while v5 was
# written, kept sealed until after its last change (two files, two labellers): the figure.
CONCLUSIONS_V5 = ROOT / "tests" / "fixtures" / "conclusions_v5.tsv"
CONCLUSIONS_V5_FINAL = tuple(
    ROOT / "tests" / "fixtures" / f"conclusions_v5_final_{part}.tsv" for part in ("a", "b")
)
V44_ON_V5_TUNING = {"agree": 83, "n": 91, "false_picks": 3}
# v6 was then written from the errors of v5's final batch (fitted since: V5_ON_V5_FINAL is v5's
# figure on it, measured once), and 113 more records, labelled while v6 was written and sealed
# until after its last change, give v6's figure.
V5_ON_V5_FINAL = {"agree": 168, "n": 182, "false_picks": 3}
CONCLUSIONS_V6_FINAL = tuple(
    ROOT / "tests" / "fixtures" / f"conclusions_v6_final_{part}.tsv" for part in ("a", "b")
)
SHARED = ROOT.parent / "shared"


def read_conclusions(path: Path, unseen_only: bool = False) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "pmid\t")):
            continue
        pmid, source, text, seen = (line.split("\t") + ["", "", ""])[:4]
        if unseen_only and seen.strip() == "yes":
            continue
        rows.append((pmid.strip(), source.strip(), text.strip()))
    return rows


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(" .")


def conclusion_match(got: str | None, truth: str) -> str:
    """'exact', 'overlap', 'none' (both none), 'missed' or 'false pick'."""
    if not got:
        return "none" if not truth else "missed"
    if not truth:
        return "false pick"
    a, b = _norm(got), _norm(truth)
    if a == b:
        return "exact"
    if a in b or b in a:
        return "overlap"
    split = evidence.conclusions._sentences
    mine = {_norm(x) for x in split(" ".join(got.split()))}
    theirs = {_norm(x) for x in split(" ".join(truth.split()))}
    return "overlap" if mine & theirs - {""} else "false pick"


def conclusion_accuracy(rows: list[tuple[str, str, str]]) -> dict:
    cache: dict[str, dict[str, dict]] = {}
    outcomes: dict[str, int] = {}
    errors = []
    structured = structured_agree = 0
    for pmid, source, truth in rows:
        if source not in cache:
            cache[source] = {a["pmid"]: a for a in records.iter_file(SHARED / source)}
        article = cache[source][pmid]
        is_structured = any(s["label"] for s in article["abstract_sections"])
        structured += is_structured
        got = evidence.conclusion(article)
        outcome = conclusion_match(got, truth)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        structured_agree += is_structured and outcome in ("exact", "overlap", "none")
        if outcome in ("missed", "false pick"):
            errors.append((pmid, outcome, truth, got))
    agree = sum(outcomes.get(k, 0) for k in ("exact", "overlap", "none"))
    return {
        "labelled": len(rows),
        "structured": structured,
        "with_conclusion": sum(1 for r in rows if r[2]),
        "agree": agree,
        "agreement": rate(agree, len(rows)),
        "structured_agree": structured_agree,
        "unstructured": len(rows) - structured,
        "unstructured_agree": agree - structured_agree,
        "exact": outcomes.get("exact", 0),
        "overlap": outcomes.get("overlap", 0),
        "both_none": outcomes.get("none", 0),
        "missed": outcomes.get("missed", 0),
        "false_picks": outcomes.get("false pick", 0),
        "errors": errors,
    }


def report_conclusions(payload: dict, show_errors: bool) -> None:
    for key, path in (
        ("conclusion", CONCLUSIONS),
        ("conclusion_holdout", CONCLUSIONS_HOLDOUT),
        ("conclusion_fresh", CONCLUSIONS_FRESH),
        ("conclusion_v4", CONCLUSIONS_V4),
        ("conclusion_v4_final", CONCLUSIONS_V4_FINAL),
        *((f"conclusion_v4_final{n}", path) for n, path in enumerate(CONCLUSIONS_V4_FINALS, 2)),
        ("conclusion_v4_final5_unseen", CONCLUSIONS_V4_FINALS[-1]),
        ("conclusion_v5", CONCLUSIONS_V5),
        *((f"conclusion_v5_final_{path.stem[-1]}", path) for path in CONCLUSIONS_V5_FINAL),
        *((f"conclusion_v6_final_{path.stem[-1]}", path) for path in CONCLUSIONS_V6_FINAL),
    ):
        if not path.exists():
            continue
        r = conclusion_accuracy(read_conclusions(path, unseen_only=key.endswith("_unseen")))
        print(
            f"\nConclusion, {path.name}{' (unseen rows)' if key.endswith('_unseen') else ''}: "
            f"{r['labelled']} hand-labelled records "
            f"({r['structured']} structured, {r['with_conclusion']} with a conclusion): agree "
            f"{r['agree']}/{r['labelled']} = {fmt(r['agreement'])} (exact {r['exact']}, "
            f"overlapping {r['overlap']}, both none {r['both_none']}); missed {r['missed']}, "
            f"false picks {r['false_picks']}; structured {r['structured_agree']}/"
            f"{r['structured']}, unstructured {r['unstructured_agree']}/{r['unstructured']}"
        )
        if show_errors:
            for pmid, outcome, truth, got in r["errors"]:
                print(f"    {pmid} {outcome}: hand {truth[:90]!r}, extracted {(got or '')[:90]!r}")
        payload[key] = r
    for name, k in (
        ("the v4.4 rules on conclusions_v5.tsv", V44_ON_V5_TUNING),
        ("the v5 rules on conclusions_v5_final_*.tsv", V5_ON_V5_FINAL),
    ):
        print(
            f"Conclusion, {name} (measured once, before the next change): agree {k['agree']}/"
            f"{k['n']} = {fmt(rate(k['agree'], k['n']))}, false picks {k['false_picks']}"
        )
    for key, version, files in (
        ("conclusion_v5_final", "v5", CONCLUSIONS_V5_FINAL),
        ("conclusion_v6_final", "v6", CONCLUSIONS_V6_FINAL),
    ):
        rows = [row for path in files if path.exists() for row in read_conclusions(path)]
        if not rows:
            continue
        r = conclusion_accuracy(rows)
        print(
            f"Conclusion, {version}'s final batch (both files, labelled before {version}'s last "
            f"change and sealed until after it), today's rules: agree {r['agree']}/"
            f"{r['labelled']} = {fmt(r['agreement'])}; false picks {r['false_picks']}; structured "
            f"{r['structured_agree']}/{r['structured']}, unstructured {r['unstructured_agree']}/"
            f"{r['unstructured']}"
        )
        payload[key] = r


# --- comparators ------------------------------------------------------------------------------

# Issue 27 part 2. Each file's header says when it was labelled; its rows: pmid, source file
# (under ../shared), the hand classes, the fragment they were read from.
COMPARATOR_LABELS = (
    # written before any rule existed; the rules were written from these rows (fitted)
    ("build", ROOT / "tests" / "fixtures" / "comparators.tsv"),
    # written after the round-1 rules; their first measurement is round 1's unseen figure, and
    # round 2 was written from its errors (fitted since)
    ("final", ROOT / "tests" / "fixtures" / "comparators_final.tsv"),
    # written after the round-2 rules: round 2's unseen figure (ROUND2_THIRD); round 3 (session
    # 2026-12-07) was written from its errors (fitted since)
    ("third", ROOT / "tests" / "fixtures" / "comparators_third.tsv"),
    # written while round 3 was written, sealed until after its last change: round 3's figure
    ("v5_final", ROOT / "tests" / "fixtures" / "comparators_v5_final.tsv"),
)
# Round 2's figures on comparators_third.tsv, measured once before round 3 changed the rules.
ROUND2_THIRD = {"equal": 33, "n": 53, "tp": 12, "fp": 2, "fn": 1}
# Round 1's figures on comparators_final.tsv, measured once before round 2 changed the rules.
ROUND1_FINAL = {"equal": 44, "n": 75, "tp": 16, "fp": 4, "fn": 4}


def read_comparator_labels(path: Path) -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "pmid\t")):
            continue
        pmid, source, classes = line.split("\t")[:3]
        rows.append((pmid, source, [c for c in classes.split(",") if c]))
    return rows


def _labelled_record(pmid: str, source: str, cache: dict[str, dict[str, dict]]) -> dict:
    """The record as a new import sees it before NLM indexes it (no PT, no MeSH)."""
    if source not in cache:
        if source.startswith("evidence-dev"):
            cache[source] = load_dev(SHARED / source)[1]
        else:
            cache[source] = {a["pmid"]: a for a in records.iter_file(SHARED / source)}
    article = cache[source][pmid]
    return article if source.startswith("evidence-dev") else strip_dict(article)


def comparator_agreement(rows: list[tuple[str, str, list[str]]], cache: dict) -> dict:
    """Whole set of classes equal to the hand label; placebo-or-sham as the control found
    (precision, recall); per class TP/FP/FN. Every row is scored as a trial (the labels are
    of NLM's RCTs and realdata's trials), whatever the text rules flagged."""
    equal = 0
    errors = []
    per_class = {c: {"TP": 0, "FP": 0, "FN": 0} for c in COMPARATOR_NAMES}
    ps = {"TP": 0, "FP": 0, "FN": 0}
    for pmid, source, truth in rows:
        article = _labelled_record(pmid, source, cache)
        found = evidence.compute_flags(article)
        names = list(found) if {"rct", "possible-rct"} & set(found) else [*found, "rct"]
        got = evidence.comparators(article, names) or []
        if set(got) == set(truth):
            equal += 1
        else:
            errors.append((pmid, truth, got))
        for name, row in per_class.items():
            if name in got or name in truth:
                row["TP" if name in got and name in truth else "FP" if name in got else "FN"] += 1
        said, meant = bool({"placebo", "sham"} & set(got)), bool({"placebo", "sham"} & set(truth))
        if said or meant:
            ps["TP" if said and meant else "FP" if said else "FN"] += 1
    return {
        "labelled": len(rows),
        "equal": equal,
        "agreement": rate(equal, len(rows)),
        "placebo_or_sham": {
            **ps,
            "precision": rate(ps["TP"], ps["TP"] + ps["FP"]),
            "recall": rate(ps["TP"], ps["TP"] + ps["FN"]),
        },
        "per_class": per_class,
        "errors": errors,
    }


def report_comparators(payload: dict, show_errors: bool) -> None:
    cache: dict[str, dict[str, dict]] = {}
    for key, path in COMPARATOR_LABELS:
        if not path.exists():
            continue
        r = comparator_agreement(read_comparator_labels(path), cache)
        ps = r["placebo_or_sham"]
        print(
            f"\nComparators, {path.name}: {r['labelled']} hand-labelled trials; whole set equal "
            f"{r['equal']}/{r['labelled']} = {fmt(r['agreement'])}; placebo-or-sham precision "
            f"{ps['TP']}/{ps['TP'] + ps['FP']} = {fmt(ps['precision'])}, recall "
            f"{ps['TP']}/{ps['TP'] + ps['FN']} = {fmt(ps['recall'])}"
        )
        print(
            "    per class TP/FP/FN: "
            + ", ".join(f"{c} {v['TP']}/{v['FP']}/{v['FN']}" for c, v in r["per_class"].items())
        )
        if show_errors:
            for pmid, truth, got in r["errors"]:
                print(f"    {pmid}: hand {','.join(truth) or '-'}, rules {','.join(got) or '-'}")
        payload[f"comparators_{key}"] = r
    for key, name, k in (
        ("comparators_final_round1", "round 1 on comparators_final.tsv", ROUND1_FINAL),
        ("comparators_third_round2", "round 2 on comparators_third.tsv", ROUND2_THIRD),
    ):
        n = k["n"]
        first = {
            "agreement": rate(k["equal"], n),
            "precision": rate(k["tp"], k["tp"] + k["fp"]),
            "recall": rate(k["tp"], k["tp"] + k["fn"]),
        }
        payload[key] = first
        print(
            f"Comparators, {name} (measured once, before the next round): equal "
            f"{k['equal']}/{n} = {fmt(first['agreement'])}; placebo-or-sham precision "
            f"{fmt(first['precision'])}, recall {fmt(first['recall'])}"
        )


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "out" / "evidence_accuracy.json"
    )
    parser.add_argument("--show-errors", action="store_true", help="list every FP and FN")
    parser.add_argument("--conclusions-only", action="store_true", help="only the conclusions")
    parser.add_argument("--comparators-only", action="store_true", help="only the comparators")
    args = parser.parse_args(argv)
    payload: dict = {}
    if args.conclusions_only:
        report_conclusions(payload, args.show_errors)
        return 0
    if args.comparators_only:
        report_comparators(payload, args.show_errors)
        return 0
    flags = ("rct", "possible-rct")

    # development set
    original, stripped = load_dev(args.dev)
    assert not any(a["publication_types"] or a["mesh"] for a in stripped.values())
    dev_pred = {pmid: evidence.compute_flags(a) for pmid, a in stripped.items()}
    dev = list(original.values())
    print(f"Development set: {len(dev)} unique PubMed records in {args.dev}")
    dev_table = score(dev, dev_pred, flags)
    print_table(
        "Development set, text only (PT/MH stripped, STAT In-Data-Review)",
        len(dev),
        dev_table,
        args.show_errors,
    )
    halves = {}
    for name, parity in (("even PMIDs", 0), ("odd PMIDs", 1)):
        half = [a for a in dev if int(a["pmid"]) % 2 == parity]
        halves[name] = {"n": len(half), "flags": score(half, dev_pred, flags)}
        print_table(f"Split-half check: {name}", len(half), halves[name]["flags"], False)
    dev_tier = tier_counts(dev, dev_pred)
    print(
        f"\npossible-rct (never counted as rct) fires on {dev_tier['on_nlm_rcts']} of NLM's "
        f"RCTs and {dev_tier['on_non_rcts']} non-RCTs of the development set"
    )
    payload["development_set"] = {
        "file": str(args.dev),
        "records": len(dev),
        "flags": dev_table,
        "split_half": halves,
        "possible_rct": dev_tier,
    }

    articles = load_realdata(args.realdata)
    real_stripped = {pmid: strip_dict(a) for pmid, a in articles.items()}

    # trial size (realdata records are read as before indexing, like the development set)
    report_sizes(payload, {"dev": stripped, "realdata": real_stripped}, args.show_errors)
    report_conclusions(payload, args.show_errors)
    report_comparators(payload, args.show_errors)

    # realdata
    predictions = {pmid: evidence.compute_flags(a) for pmid, a in real_stripped.items()}
    elapsed = float("inf")  # best of five passes: the figure is about the code, not the machine
    for _ in range(5):
        started = time.perf_counter()
        for article in real_stripped.values():
            evidence.compute_flags(article)
        elapsed = min(elapsed, time.perf_counter() - started)
    conclusion_time = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for article in articles.values():
            evidence.conclusion(article)
        conclusion_time = min(conclusion_time, time.perf_counter() - started)
    labelled = [a for a in articles.values() if set(a["publication_types"]) - {"Journal Article"}]
    indexed = [a for a in labelled if a["mesh"]]
    print(f"\nrealdata: {len(articles)} unique PubMed records in {args.realdata}")
    print(f"compute_flags: {len(articles) / elapsed:,.0f} records/s (text only)")
    print(f"conclusion: {len(articles) / conclusion_time:,.0f} records/s")
    main_table = score(labelled, predictions, flags)
    indexed_table = score(indexed, predictions, flags)
    print_table(
        "realdata labelled: Publication Types beyond 'Journal Article'",
        len(labelled),
        main_table,
        args.show_errors,
    )
    print_table("realdata labelled and MeSH-indexed", len(indexed), indexed_table, False)
    counts: dict[str, int] = {}
    for found in predictions.values():
        for flag in found:
            counts[flag] = counts.get(flag, 0) + 1
    print(
        "\nrealdata flags raised on all records (text only): "
        + ", ".join(f"{flag} {counts.get(flag, 0)}" for flag in evidence.FLAGS)
    )
    every = {**articles, **{p: a for p, a in original.items() if p not in articles}}
    found, leaked = leaked_labels(every)
    print(
        f"\nconclusions with a section label left in, all {len(every)} real records (realdata "
        f"and development set): {len(leaked)} of {found}"
        + (f": {', '.join(leaked)}" if leaked else "")
    )
    payload["realdata"] = {
        "data_dir": str(args.realdata),
        "records": len(articles),
        "records_per_second": round(len(articles) / elapsed),
        "conclusion_records_per_second": round(len(articles) / conclusion_time),
        "labelled": {"n": len(labelled), "flags": main_table},
        "labelled_mesh_indexed": {"n": len(indexed), "flags": indexed_table},
        "possible_rct": tier_counts(labelled, predictions),
        "flag_counts_all_records": counts,
    }
    payload["leaked_labels"] = {"records": len(every), "conclusions": found, "leaked": leaked}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
