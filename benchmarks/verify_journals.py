"""False mismatches of `verify` on exact citations of real records, per citation style.

Every record of ../shared/realdata's PubMed XML that an exact citation can be written for is
written in the common styles (tests/citation_styles.py: Vancouver as PubMed cites it,
Vancouver with NLM's dotted ISO abbreviation, APA, AMA), then read back the way `verify`
reads a reference list (``references.extract``) and compared with the record
(``verify.compare``). An exact citation should differ in nothing: every difference is a
false mismatch. Prints, per style, the citations, how many were not read as one citation,
how many got any difference and how many a journal difference, with a few examples; and,
as the check that the comparison did not just become lenient, how many citations naming
another record's journal (the next record with another MedlineTA and title) are still
reported as a journal mismatch.

Run: python benchmarks/verify_journals.py [--examples N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from citation_styles import STYLES, Cited, citation, exact_records  # noqa: E402

from acutrack.pubmed import references, verify  # noqa: E402


def measure(examples: int = 3) -> dict[str, dict[str, object]]:
    cited = list(exact_records())
    out: dict[str, dict[str, object]] = {}
    for style in STYLES:
        unread = mismatched = journal = 0
        shown: list[dict[str, object]] = []
        for c in cited:
            text = citation(c, style)
            refs = references.extract(text, "bench")
            if len(refs) != 1 or refs[0].kind != "citation":
                unread += 1
                if len(shown) < examples:
                    shown.append({"citation": text, "read as": [r.kind for r in refs]})
                continue
            differences = verify.compare(refs[0], c.record)
            if differences:
                mismatched += 1
                journal += any(d.startswith("journal ") for d in differences)
                if len(shown) < examples:
                    shown.append({"citation": text, "differences": differences})
        caught = swapped = 0
        for i, c in enumerate(cited):
            k = 1
            while (other := cited[(i + k) % len(cited)]).ta == c.ta or other.title == c.title:
                k += 1
            wrong = Cited(c.record, c.raw, other.iso, other.ta, other.title)
            refs = references.extract(citation(wrong, style), "bench")
            if len(refs) == 1 and refs[0].kind == "citation":
                swapped += 1
                differences = verify.compare(refs[0], c.record)
                caught += any(d.startswith("journal ") for d in differences)
        out[style] = {
            "another journal cited": swapped,
            "another journal caught": caught,
            "citations": len(cited),
            "not read as one citation": unread,
            "false mismatches": mismatched,
            "journal mismatches": journal,
            "examples": shown,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.examples), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
