"""acutrack verify: what PubMed really holds for each reference of a health article.

Each reference found in the input (see references.py) is looked up, cheapest and surest
first, and stops at the first record that plausibly is the one meant:

1. a PMID printed with it: efetch that record (one request for all of them);
2. a DOI: esearch ``"10.x/y"[aid]``;
3. journal, year, volume and first page: ECitMatch (one request for all of them);
4. esearch: title words with first author and year; then journal, volume and first page
   without the year (a wrong year, or one citation reused under another disease name);
   then the title words alone (a wrong author).

The record found is then compared with what the reference says: title (similarity, and
which disease it names), first author, year, journal (abbreviations understood), volume
and pages. ``found`` means nothing differs, ``mismatch`` lists what does, ``not found``
means no record matched, and ``unchecked`` means the lookup itself failed (never reported
as ``not found``) or there was nothing to look up (a study mentioned without a citation).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .. import fileio
from .journals import cited_journal, journals_match
from .references import STOP_WORDS, Reference, fold, split_pages, title_words

if TYPE_CHECKING:  # the client is built by the CLI; verify's own import stays light
    from .entrez import EntrezClient

T = TypeVar("T")
# A record as verify reads it: a fetched article (article.Article) or a stored row with flags.
Article = Mapping[str, Any]

VERDICTS = ("found", "mismatch", "not found", "unchecked")
SEARCH_RETMAX = 5
# Titles at least this similar are the same title (punctuation, spelling, a dropped subtitle).
SAME_TITLE = 0.85
# A searched-for record with a title this similar needs one more detail to agree.
CLOSE_TITLE = 0.6
MENTION_REASON = "a study mentioned without a citation (no authors, title or pages) to look up"

# Diseases a title may name; a reference whose title names one that the record's title
# does not is the "same citation, other disease" pattern of copied reference lists.
DISEASES = (
    ("lupus", r"\blupus\b|\bSLE\b"),
    ("rheumatoid arthritis", r"\brheumatoid\b"),
    ("multiple sclerosis", r"\bmultiple\s+sclerosis\b"),
    ("psoriasis", r"\bpsoria"),
    ("Goodpasture syndrome", r"\bgoodpasture|\banti-?\s?GBM\b|\banti-glomerular\s+basement"),
    ("sepsis", r"\bsepsis\b|\bseptic\b"),
    ("Crohn's disease", r"\bcrohn"),
    ("ulcerative colitis", r"\bulcerative\s+colitis\b"),
    ("inflammatory bowel disease", r"\binflammatory\s+bowel\b"),
    ("irritable bowel syndrome", r"\birritable\s+bowel\b"),
    ("Sjögren's syndrome", r"\bsj[öo]e?gren"),
    ("ankylosing spondylitis", r"\bankylosing\b"),
    ("systemic sclerosis", r"\bsystemic\s+sclerosis\b|\bscleroderma\b"),
    ("myasthenia gravis", r"\bmyasthenia\b"),
    ("Hashimoto's thyroiditis", r"\bhashimoto"),
    ("Graves' disease", r"\bgraves'?\s+(?:disease|orbitopathy|ophthalmopathy)"),
    ("vitiligo", r"\bvitiligo\b"),
    ("alopecia areata", r"\balopecia\s+areata\b"),
    ("celiac disease", r"\bc[oe]eliac\b"),
    ("vasculitis", r"\bvasculitis\b"),
    ("uveitis", r"\buveitis\b"),
    ("atopic dermatitis", r"\batopic\s+dermatitis\b|\beczema\b"),
    ("urticaria", r"\burticaria\b"),
    ("asthma", r"\basthma"),
    ("allergic rhinitis", r"\ballergic\s+rhinitis\b"),
    ("diabetes", r"\bdiabet"),
    ("osteoarthritis", r"\bosteoarthritis\b"),
    ("fibromyalgia", r"\bfibromyalgia\b"),
    ("migraine", r"\bmigraine"),
    ("depression", r"\bdepress(?:ion|ive)\b"),
    ("insomnia", r"\binsomnia\b"),
    ("stroke", r"\bstroke\b"),
    ("cancer", r"\bcancer|\bcarcinoma|\btumou?r"),
    ("COVID-19", r"\bcovid|\bsars-cov-2"),
)
DISEASE_RES = [(name, re.compile(rx, re.I)) for name, rx in DISEASES]


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


# --- input -------------------------------------------------------------------------------


# Read here, defined in fileio (text in any encoding a user's editor saves).
read_input = fileio.read_input
InputError = fileio.InputError


# --- comparing ---------------------------------------------------------------------------


def diseases(title: str | None) -> set[str]:
    if not title:
        return set()
    return {name for name, rx in DISEASE_RES if rx.search(title)}


def _title_fold(title: str) -> str:
    # PubMed puts translated titles in square brackets: "[Acupuncture for ...]."
    title = title.strip()
    if title.startswith("[") and "]" in title:
        title = title[1 : title.rindex("]")]
    return fold(title)


def title_similarity(cited: str, held: str) -> float:
    a, b = _title_fold(cited), _title_fold(held)
    if not a or not b:
        return 0.0
    ratio = SequenceMatcher(None, a, b, autojunk=False).ratio()
    words = set(a.split()) - STOP_WORDS
    if len(words) >= 4:
        # A shortened title (the subtitle left off) is still the same title.
        ratio = max(ratio, len(words & set(b.split())) / len(words) * 0.95)
    return ratio


def _surname(author: str) -> str:
    parts = author.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        parts = parts[:-1]
    return fold(" ".join(parts))


def _years(record: Article) -> set[int]:
    years = {record["year"]} if record.get("year") else set()
    # A reference may cite the year the article appeared online, before its issue.
    for key in ("entrez_date", "pub_date"):
        m = re.match(r"(\d{4})", record.get(key) or "")
        if m:
            years.add(int(m.group(1)))
    return years


def _pages_match(cited: str | None, held: str | None) -> bool | None:
    a_first, a_last = split_pages(cited)
    b_first, b_last = split_pages(held)
    if not a_first or not b_first:
        return None
    if a_first.lower() != b_first.lower():
        return False
    return not (a_last and b_last and a_last.lower() != b_last.lower())


def _same(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    return fold(a) == fold(b)


def _journal_fits(cited: str, record: Article) -> bool:
    journal = cited_journal(cited, record.get("title"))
    return journals_match(journal, record.get("journal"), record.get("journal_abbrev"))


def _held_journal(record: Article) -> str:
    return record.get("journal_abbrev") or record.get("journal") or "?"


def compare(ref: Reference, record: Article) -> list[str]:
    """What the reference says that the record does not, one short phrase each."""
    out: list[str] = []
    if ref.title and record.get("title"):
        named, held = diseases(ref.title), diseases(record["title"])
        extra = named - held
        if extra:
            theirs = f"the record's {', '.join(sorted(held))}" if held else "the record's does not"
            out.append(f"title names {', '.join(sorted(extra))}, {theirs}")
        elif title_similarity(ref.title, record["title"]) < SAME_TITLE:
            out.append("title differs")
    if ref.authors and record.get("authors"):
        mine, theirs = _surname(ref.authors[0]), _surname(record["authors"][0])
        if mine and theirs and mine != theirs:
            out.append(f"first author {ref.authors[0]} (record: {record['authors'][0]})")
    if ref.year and record.get("year") and ref.year not in _years(record):
        out.append(f"year {ref.year} (record: {record['year']})")
    if ref.journal and (record.get("journal") or record.get("journal_abbrev")):
        if not _journal_fits(ref.journal, record):
            out.append(f"journal {ref.journal} (record: {_held_journal(record)})")
    if _same(ref.volume, record.get("volume")) is False:
        out.append(f"volume {ref.volume} (record: {record['volume']})")
    if _pages_match(ref.pages, record.get("pages")) is False:
        out.append(f"pages {ref.pages} (record: {record['pages']})")
    if ref.doi and record.get("doi") and ref.doi.lower() != record["doi"].lower():
        out.append(f"DOI {ref.doi} (record: {record['doi']})")
    return out


def _score(ref: Reference, record: Article) -> tuple[bool, float]:
    """Whether a searched-for record plausibly is the one cited, and how well it fits."""
    sim = title_similarity(ref.title, record.get("title") or "") if ref.title else 0.0
    journal = bool(ref.journal and _journal_fits(ref.journal, record))
    volume = bool(_same(ref.volume, record.get("volume")))
    pages = bool(_pages_match(ref.pages, record.get("pages")))
    author = bool(
        ref.authors
        and record.get("authors")
        and _surname(ref.authors[0]) == _surname(record["authors"][0])
    )
    year = bool(ref.year and ref.year in _years(record))
    plausible = (
        sim >= SAME_TITLE
        or (journal and volume and pages)
        or (sim >= CLOSE_TITLE and (author or journal or year))
    )
    return plausible, sim * 4 + author + journal + year + volume + pages


def similar_citation(a: Reference, b: Reference) -> bool:
    """Same journal, volume and pages (the title aside)."""
    if not (a.journal and b.journal and a.volume and b.volume and a.pages and b.pages):
        return False
    return (
        fold(a.volume) == fold(b.volume)
        and bool(_pages_match(a.pages, b.pages))
        and journals_match(a.journal, b.journal)
    )


# --- looking up --------------------------------------------------------------------------


@dataclass
class Check:
    ref: Reference
    record: Article | None = None
    method: str | None = None
    # A record a printed PMID or DOI pointed at that does not look like the one cited;
    # reported (as a mismatch) only when nothing better turns up.
    fallback: tuple[Article, str] | None = None
    notes: list[str] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)
    error: str | None = None
    duplicate_of: int | None = None
    # An earlier reference with exactly the same details: its lookup is this one's.
    same_as: Check | None = None

    @property
    def open(self) -> bool:
        return (
            self.record is None
            and self.error is None
            and self.ref.kind != "mention"
            and self.same_as is None
        )

    def copy_lookup(self) -> None:
        source = self.same_as
        if source is not None:
            self.record, self.method = source.record, source.method
            self.fallback, self.error = source.fallback, source.error
            self.notes, self.searched = list(source.notes), list(source.searched)

    def identified(self, record: Article, method: str) -> None:
        """The record a printed PMID or DOI leads to: taken unless it is plainly another."""
        self.tried.add(record["pmid"])
        if not self.ref.title or _score(self.ref, record)[0]:
            self.record, self.method = record, method
        else:
            self.fallback = self.fallback or (record, method)


class _Lookups:
    """Runs E-utilities calls for checks; a failure marks them unchecked, never not found.

    After two failed calls in a row, or one that found no network at all, the remaining
    references are not tried: each would only wait out its own retries.
    """

    def __init__(self, client: EntrezClient | None) -> None:
        self._client = client
        self.failures = 0
        self.stopped: str | None = None

    @property
    def client(self) -> EntrezClient:
        # None only when every reference is a mention, which is never looked up.
        assert self._client is not None, "references to look up need an EntrezClient"
        return self._client

    def run(self, checks: Iterable[Check], call: Callable[[], T]) -> T | None:
        from .entrez import EntrezError

        checks = list(checks)
        if self.stopped:
            for c in checks:
                c.error = self.stopped
            return None
        try:
            result = call()
        except EntrezError as exc:
            self.failures += 1
            for c in checks:
                c.error = str(exc)
            if self.failures >= 2 or getattr(exc, "unreachable", False):
                self.stopped = f"not looked up after earlier lookups failed: {exc}"
            return None
        self.failures = 0
        return result


def _fetch(client: EntrezClient, pmids: Iterable[str]) -> dict[str, Article]:
    wanted = sorted(set(pmids), key=int)
    return {a["pmid"]: a for batch in client.fetch_batches(wanted) for a in batch}


def _citmatch_journal(journal: str) -> str:
    return " ".join(journal.replace(".", " ").lower().split())


def _author_term(ref: Reference) -> str | None:
    if not ref.authors:
        return None
    name = ref.authors[0]
    parts = name.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        name = " ".join(parts[:-1]) + " " + parts[-1][0]
    return f"{_quote(name)}[1au]"


def _quote(text: str) -> str:
    return '"' + " ".join(re.sub(r'["\[\]]', " ", text).split()) + '"'


def search_terms(ref: Reference) -> list[str]:
    """The esearch terms to try for a reference, surest first."""
    terms: list[str] = []
    words = title_words(ref.title) if ref.title else []
    title_term = " AND ".join(f"{_quote(w) if '-' in w else w}[ti]" for w in words)
    author = _author_term(ref)
    if title_term and author and ref.year:
        terms.append(f"{title_term} AND {author} AND {ref.year}[dp]")
    if ref.journal and ref.volume and ref.first_page:
        journal = _quote(ref.journal.replace(".", " "))
        terms.append(f"{journal}[ta] AND {ref.volume}[vi] AND {ref.first_page}[pg]")
    if title_term and len(words) >= 3:
        terms.append(title_term)
    elif title_term and author:
        terms.append(f"{title_term} AND {author}")
    return terms


def _best(ref: Reference, records: Iterable[Article]) -> Article | None:
    scored = [(s, r) for r in records for ok, s in [_score(ref, r)] if ok]
    return max(scored, key=lambda x: x[0])[1] if scored else None


def _by_pmid(checks: list[Check], lookups: _Lookups) -> None:
    """Printed PMIDs, all in one efetch."""
    wanted = [c for c in checks if c.open and c.ref.pmid]
    if not wanted:
        return
    found = lookups.run(
        wanted, lambda: _fetch(lookups.client, (c.ref.pmid for c in wanted if c.ref.pmid))
    )
    if found is None:
        return
    for c in wanted:
        pmid = c.ref.pmid or ""
        c.searched.append(f"PMID {pmid}")
        if pmid in found:
            c.identified(found[pmid], "pmid")
        else:
            c.notes.append(f"PMID {pmid} is not in PubMed")


def _by_doi(checks: list[Check], lookups: _Lookups) -> None:
    """Printed DOIs, one esearch each."""
    for c in [c for c in checks if c.open and c.ref.doi]:
        doi = c.ref.doi or ""
        term = f"{_quote(doi)}[aid]"
        result = lookups.run(
            [c], functools.partial(lookups.client.esearch, term, retmax=SEARCH_RETMAX)
        )
        if result is None:
            continue
        c.searched.append(f"DOI {doi}")
        if not result.ids:
            c.notes.append(f"DOI {doi} is not in PubMed")
        ids = [i for i in result.ids if i not in c.tried]
        records = lookups.run([c], functools.partial(_fetch, lookups.client, ids)) if ids else None
        if records:
            same = [r for r in records.values() if (r.get("doi") or "").lower() == doi.lower()]
            if same or len(records) == 1:
                c.identified((same or list(records.values()))[0], "doi")


def _by_citation(checks: list[Check], lookups: _Lookups) -> None:
    """Journal, year, volume and first page: ECitMatch, all in one request."""
    wanted = {
        f"ref{i}": c
        for i, c in enumerate(checks)
        if c.open and c.ref.journal and c.ref.year and c.ref.volume and c.ref.first_page
    }
    if not wanted:
        return
    citations = [
        {
            "journal_title": _citmatch_journal(c.ref.journal or ""),
            "year": str(c.ref.year),
            "volume": c.ref.volume or "",
            "first_page": c.ref.first_page or "",
            "author_name": (c.ref.authors[0] if c.ref.authors else "").lower(),
            "key": key,
        }
        for key, c in wanted.items()
    ]
    answer = lookups.run(wanted.values(), lambda: lookups.client.ecitmatch(citations))
    if answer is None:
        return
    for c in wanted.values():
        c.searched.append("journal, year, volume and first page (ECitMatch)")
    matched = {key: pmid for key, pmid in answer.items() if pmid and key in wanted}
    if not matched:
        return
    records = lookups.run(
        [wanted[k] for k in matched], lambda: _fetch(lookups.client, matched.values())
    )
    for key, pmid in matched.items():
        if records and pmid in records:
            # NCBI matched journal, year, volume and page: this is the record at that
            # place, whatever its title says.
            c = wanted[key]
            c.tried.add(pmid)
            c.record, c.method = records[pmid], "ecitmatch"


def _by_search(c: Check, lookups: _Lookups) -> None:
    """esearch terms, surest first, until one finds a record that fits."""
    for term in search_terms(c.ref):
        result = lookups.run(
            [c], functools.partial(lookups.client.esearch, term, retmax=SEARCH_RETMAX)
        )
        if result is None:
            return
        c.searched.append(f"search {term}")
        ids = [i for i in result.ids if i not in c.tried]
        if not ids:
            continue
        records = lookups.run([c], functools.partial(_fetch, lookups.client, ids))
        if records is None:
            return
        c.tried.update(ids)
        best = _best(c.ref, records.values())
        if best is not None:
            c.record, c.method = best, "search"
            return


def check(
    refs: list[Reference], client: EntrezClient | None, progress: Progress | None = None
) -> list[Check]:
    """Look every reference up in PubMed with ``client``; E-utilities failures end up in
    ``Check.error``. ``client`` may be None when every reference is a mention."""
    checks = [Check(ref) for ref in refs]
    first: dict[tuple[Any, ...], Check] = {}
    for c in checks:
        if c.ref.kind != "mention":
            key = (fold(c.ref.title or ""), *(str(v) for v in c.ref.cited().values()))
            if key in first:
                c.same_as = first[key]
            else:
                first[key] = c
    lookups = _Lookups(client)
    settled = 0

    def advance() -> None:
        nonlocal settled
        now = sum(not c.open for c in checks)
        if progress and now > settled:
            progress.advance(now - settled)
        settled = now

    if progress:
        progress.start("references", len(checks))
    advance()
    for step in (_by_pmid, _by_doi, _by_citation):
        step(checks, lookups)
        advance()
    for c in checks:
        if c.open:
            _by_search(c, lookups)
            advance()
    for c in checks:
        c.copy_lookup()
    _mark_similar(checks)
    if progress:
        progress.finish()
    return checks


def _mark_similar(checks: list[Check]) -> None:
    """Set ``duplicate_of`` to the first earlier reference with the same journal, volume and
    pages but another title (``similar_citation``), in near-linear time.

    Comparing every pair took 21 s for 1,000 references. Only references with the same
    volume and first page can be similar, so each is compared within that block alone; and
    inside a block, references alike in title, journal, volume and pages answer alike, so
    only the first of each kind is compared. The result is the pairwise one exactly."""
    blocks: dict[tuple[str, str], dict[tuple[str, str, str, str], int]] = {}
    for i, c in enumerate(checks):
        ref = c.ref
        first = split_pages(ref.pages)[0] if ref.journal and ref.volume and ref.pages else None
        if not first:
            continue  # similar_citation needs all three, and a first page to compare
        kinds = blocks.setdefault((fold(ref.volume or ""), first.lower()), {})
        title = fold(ref.title or "")
        for (other_title, *_), j in kinds.items():  # in order of first appearance
            if other_title != title and similar_citation(checks[j].ref, ref):
                c.duplicate_of = j
                break
        kinds.setdefault((title, ref.journal or "", ref.volume or "", ref.pages or ""), i)


# --- the report --------------------------------------------------------------------------


def _record_object(record: Article, db: sqlite3.Connection | None) -> dict[str, Any]:
    """The record as ``show`` prints it: every field ``evidence.derive`` stores (trial size,
    conclusion, tier...), and where and when it was first stored when the database has it."""
    from ..article import article_from, public_article, pubmed_url
    from ..evidence import derive

    stored = None
    if db is not None:
        from ..store import get_article

        stored = get_article(db, record["pmid"])
    known = {"conditions": stored.conditions, "first_seen": stored.first_seen} if stored else {}
    url = pubmed_url(record["pmid"])
    return public_article(article_from({**record, **derive(record), **known, "url": url}))


def outcome(c: Check, db: sqlite3.Connection | None = None) -> dict[str, Any]:
    """One reference as the contract's JSON object (plus reason, method and cited)."""
    record = c.record
    method = c.method
    differences: list[str] = []
    reason = None
    if c.ref.kind == "mention":
        verdict, reason = "unchecked", MENTION_REASON
    elif c.error:
        verdict, reason = "unchecked", c.error
    else:
        if record is None and c.fallback:
            record, method = c.fallback
        if record is None:
            verdict = "not found"
            reason = "; ".join(c.notes) or "no PubMed record matches what the reference gives"
        else:
            if c.ref.pmid and c.ref.pmid != record["pmid"]:
                differences.append(
                    next((n for n in c.notes if n.startswith(f"PMID {c.ref.pmid}")), None)
                    or f"PMID {c.ref.pmid} is another article"
                )
            differences += compare(c.ref, record)
            verdict = "mismatch" if differences else "found"
    return {
        "reference": c.ref.text,
        "source": c.ref.source,
        "verdict": verdict,
        "pmid": record["pmid"] if record is not None and verdict != "unchecked" else None,
        "differences": differences,
        "record": _record_object(record, db)
        if record is not None and verdict != "unchecked"
        else None,
        "duplicate_of": c.duplicate_of,
        "reason": reason,
        "lookup_failed": bool(c.error) and c.ref.kind != "mention",
        "method": method if verdict in ("found", "mismatch") else None,
        "searched": c.searched,
        "cited": c.ref.cited(),
    }


VERDICT_STYLE = {
    "found": "bold green",
    "mismatch": "bold yellow",
    "not found": "bold red",
    "unchecked": "bold magenta",
}


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def table(rows: list[dict[str, Any]]) -> Any:
    """The terminal report: every piece of input or PubMed text printed literally."""
    from rich.table import Table
    from rich.text import Text

    from ..article import clean, pubmed_url

    several = len({r["source"] for r in rows}) > 1
    out = Table(title="acutrack verify", show_lines=True)
    out.add_column("#", justify="right")
    out.add_column("verdict", no_wrap=True)
    out.add_column("reference", ratio=3)
    out.add_column("PMID", no_wrap=True)
    out.add_column("PubMed holds", ratio=3)
    out.add_column("what differs", ratio=2)
    for i, row in enumerate(rows, 1):
        ref = Text()
        if several:
            ref.append(clean(Path(row["source"]).name) + "\n", style="dim")
        ref.append(clean(_short(row["reference"], 130)))
        held = Text()
        record = row["record"]
        if record:
            held.append(clean(_short(record["title"], 140)))
            where = " ".join(
                str(x)
                for x in (record.get("journal_abbrev") or record["journal"], record["year"])
                if x
            )
            held.append("\n" + clean(where), style="dim")
            for flag in record["flags"]:
                held.append(" " + flag, style="bold red" if flag == "retracted" else "cyan")
        notes = Text()
        for d in row["differences"]:
            notes.append(("\n" if notes else "") + clean(d))
        if row["reason"] and row["verdict"] != "found":
            notes.append(("\n" if notes else "") + clean(_short(row["reason"], 200)), style="dim")
        if row["duplicate_of"] is not None:
            notes.append(
                ("\n" if notes else "")
                + f"same journal, volume and pages as #{row['duplicate_of'] + 1}, another title",
                style="bold cyan",
            )
        pmid = row["pmid"]
        out.add_row(
            str(i),
            Text(row["verdict"], style=VERDICT_STYLE[row["verdict"]]),
            ref,
            Text(pmid, style=f"link {pubmed_url(pmid)}") if pmid else Text("-"),
            held,
            notes,
        )
    return out


def summary(rows: list[dict[str, Any]]) -> str:
    counts = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    return ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no references"
