"""Every stored value of every real record stays exactly as it was (issue 26.3).

Ingest was made faster (the parser, the citation reader, the write path); none of that may
change a stored value. The fixture holds, per record of ../shared/realdata and of the
evidence dev set, two short digests of the row the store writes: its parsed fields and its
derived columns (flags, reasons, tier, trial size and source, conclusion, ...), as JSON
text exactly as stored. A rule change that is meant to change derived values regenerates
the fixture, and its diff names the records it changed:

    python tests/test_ingest_unchanged.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from eutils_server import EVIDENCE_DEV, REALDATA

FIXTURE = Path(__file__).with_name("fixtures") / "ingest_digests.json"
STAMP = "2026-01-01T00:00:00+00:00"


def sources() -> list[Path]:
    """Every file of realdata that acutrack reads as PubMed data, and the dev set."""
    files = [
        p
        for p in sorted(REALDATA.rglob("*"))
        if p.is_file()
        and not p.name.startswith(".")
        and any(p.name.endswith(s) for s in (".xml", ".xml.gz", ".txt", ".nbib"))
    ]
    return [*files, EVIDENCE_DEV]


def _digest(values: list[object]) -> str:
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def digests() -> Iterator[tuple[str, str, str]]:
    """(file and PMID, digest of the parsed fields, digest of the derived columns)."""
    from acutrack.article import ARTICLE_FIELDS
    from acutrack.pubmed.records import NotPubMedData, iter_file
    from acutrack.store.write import _values

    fields = len(ARTICLE_FIELDS)
    for path in sources():
        name = path.relative_to(path.parents[1] if path == EVIDENCE_DEV else REALDATA)
        try:
            for article in iter_file(path):
                row = _values(article, STAMP)
                # the same PMID twice in one file: numbered, so each copy is compared
                yield f"{name}:{article['pmid']}", _digest(row[:fields]), _digest(row[fields:])
        except NotPubMedData:
            continue  # realdata also holds files that are not PubMed data (tested elsewhere)


def current() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, parsed, derived in digests():
        n = 1
        while f"{key}#{n}" in out or (n == 1 and key in out):
            n += 1
        out[key if n == 1 else f"{key}#{n}"] = [parsed, derived]
    return out


def test_every_stored_value_of_every_real_record_is_unchanged():
    expected = json.loads(FIXTURE.read_text())
    got = current()
    assert len(got) > 2000  # realdata and the dev set, every record
    assert sorted(got) == sorted(expected), "records appeared or vanished"
    parsed = [k for k in expected if got[k][0] != expected[k][0]]
    derived = [k for k in expected if got[k][1] != expected[k][1]]
    assert not parsed, f"{len(parsed)} records parse differently, e.g. {parsed[:5]}"
    assert not derived, f"{len(derived)} records derive differently, e.g. {derived[:5]}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit(__doc__)
    rows = sorted(current().items())
    lines = (f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}" for k, v in rows)
    FIXTURE.write_text("{\n" + ",\n".join(lines) + "\n}\n")  # a line per record
    print(f"wrote {FIXTURE}")
