"""A local E-utilities-compatible HTTP server for the tests.

It serves real PubMed records from ../shared/realdata (the bytes of each <PubmedArticle>
exactly as NCBI sent them) and real canned responses, answers esearch from registered
result sets filtered by each record's real Entrez date, and injects the faults NCBI
really produces: HTTP 429 with NCBI's JSON body, 5xx, cut-off bodies, <ERROR> elements,
HTML error pages and slow answers. Every request is logged, with the monotonic time it
arrived, for assertions.

The envelope around records (XML declaration, DOCTYPE, <PubmedArticleSet>) and the
esearch answers are written here in NCBI's exact layout (compare realdata's
esearch1.xml), since a search result for our own queries exists in no real file.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

# The project's sibling shared/ folder; ACUTRACK_SHARED points elsewhere (tests of the skip rule).
SHARED = Path(
    os.environ.get("ACUTRACK_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)
REALDATA = SHARED / "realdata"
EVIDENCE_DEV = SHARED / "evidence-dev" / "rct-dev.medline.gz"
VERIFY_SAMPLES = SHARED / "verify-samples"
# Every part of SHARED a test reads (tests/test_shared_skip.py checks that the tests name no
# other): under CI the suite refuses to run if any is missing (conftest.pytest_configure).
SHARED_PARTS = (REALDATA, EVIDENCE_DEV, VERIFY_SAMPLES)
ENTREZ = REALDATA / "biopython" / "Entrez"

EFETCH_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
EFETCH_TAIL = b"</PubmedArticleSet>\n"
ESEARCH_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD '
    'esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
# NCBI's real 429 body (E-utilities documentation, "API Keys").
RATE_LIMIT_BODY = (
    b'{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"4","limit":"3"}\n'
)

ARTICLE_RE = re.compile(
    rb"<PubmedArticle>.*?</PubmedArticle>|<PubmedBookArticle>.*?</PubmedBookArticle>", re.S
)
PMID_RE = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")
# The real <DateRevised> of a record: what PubMed's modification date (MDAT) searches.
MDAT_RE = re.compile(
    rb"<DateRevised>\s*<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*<Day>(\d+)</Day>"
)
# The create date (CRDT: when the record was added) is the PubMedPubDate "entrez", the Entrez
# date (EDAT) the one "pubmed" (NLM Technical Bulletin 2008 Nov-Dec: EDAT is set to the
# publication date for records added more than 12 months after it; CRDT never is).
CRDT_RE = re.compile(
    rb'<PubMedPubDate PubStatus="entrez">\s*'
    rb"<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*<Day>(\d+)</Day>"
)
EDAT_RE = re.compile(
    rb'<PubMedPubDate PubStatus="pubmed">\s*'
    rb"<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*<Day>(\d+)</Day>"
)
PUBDATE_RE = re.compile(
    rb"<PubDate>\s*(?:<Year>(\d{4})</Year>\s*(?:<Month>(\w+)</Month>\s*)?(?:<Day>(\d+)</Day>)?"
    rb"|<MedlineDate>(\d{4}))"
)
MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


@functools.cache
def _date_fields() -> dict[str, str]:
    """Every name PubMed's esearch accepts for a date field -> its tag: the tags and full
    names of PubMed's real EInfo answers (two vintages: "Create Date" and "Date - Create"),
    plus DP, the tag PubMed's own search help uses for the publication date."""
    from xml.etree.ElementTree import parse

    names = {"dp": "PDAT"}
    for info in ("einfo2.xml", "einfo3.xml"):
        for f in parse(ENTREZ / info).getroot().iter("Field"):
            if f.findtext("IsDate") == "Y":
                tag = f.findtext("Name", "")
                names[tag.lower()] = tag
                names[" ".join(f.findtext("FullName", "").lower().split())] = tag
    return names


# A date, or a range of dates, limited to a field in the term, as PubMed reads them:
# "2026/11/17"[CRDT] : "2026/11/22"[CRDT], 2026/11/17:2026/11/22[crdt], 2021[dp],
# "2020/03"[Date - Publication]. A date may be a year, a month or a day.
_DAY = r'"?(\d{4}(?:/\d{1,2}(?:/\d{1,2})?)?)"?'
_FIELD = r"\[([A-Za-z][A-Za-z0-9 -]*)\]"
DATE_CLAUSE_RE = re.compile(
    rf"{_DAY}\s*{_FIELD}\s*:\s*{_DAY}\s*{_FIELD}"  # "A"[F] : "B"[F]
    rf"|{_DAY}\s*:\s*{_DAY}\s*{_FIELD}"  # A:B[F]
    rf"|{_DAY}\s*{_FIELD}"  # A[F]
)


def _bound(text: str, end: bool) -> date:
    """The first (or last) day of a year, month or day written as PubMed dates are."""
    parts = [int(x) for x in text.split("/")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        if not end:
            return date(parts[0], parts[1], 1)
        following = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)


@dataclass(frozen=True)
class DateRange:
    """One date clause of a term: a field and the days it spans (both ends included)."""

    field: str
    low: date
    high: date


def date_clauses(term: str) -> list[DateRange]:
    """The date clauses written in a term, in order (for tests reading what was asked)."""
    return [clause for _, clause in _clauses(term)]


def _clauses(term: str) -> list[tuple[re.Match[str], DateRange]]:
    fields = _date_fields()
    out = []
    for m in DATE_CLAUSE_RE.finditer(term):
        g = m.groups()
        if g[0] is not None:
            low, f1, high, f2 = g[0:4]
            if fields.get(f1.lower().strip()) != fields.get(f2.lower().strip()):
                continue  # "A"[CRDT] : "B"[MDAT] is no range PubMed knows
        elif g[4] is not None:
            low, high, f1 = g[4:7]
        else:
            low, f1 = g[7:9]
            high = low
        tag = fields.get(" ".join(f1.lower().split()))
        if tag:
            out.append((m, DateRange(tag, _bound(low, False), _bound(high, True))))
    return out


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def split_records(path: Path) -> dict[str, bytes]:
    """PMID -> the raw bytes of its <PubmedArticle> element, from a real file."""
    out: dict[str, bytes] = {}
    for m in ARTICLE_RE.finditer(read_bytes(path)):
        pmid = PMID_RE.search(m.group(0))
        if pmid:
            out.setdefault(pmid.group(1).decode(), m.group(0))
    return out


@dataclass
class Logged:
    endpoint: str
    method: str
    params: dict[str, str]
    # When the request arrived (time.monotonic()), for rate-limit assertions.
    at: float = field(default_factory=time.monotonic)

    def windows(self) -> list[tuple[str, str, str]]:
        """The date limits the term carries: (field, first day, last day) as YYYY/MM/DD."""
        return [
            (c.field, c.low.strftime("%Y/%m/%d"), c.high.strftime("%Y/%m/%d"))
            for c in date_clauses(self.params.get("term", ""))
        ]


@dataclass
class Fault:
    # "429", "500", "502", "503", "truncate", "error", "html", "slow", "drop", or "hold"
    # (answered only once the test calls FakeEutils.release(): a request in flight, on cue)
    kind: str
    seconds: float = 0.0
    retry_after: int | None = None  # a Retry-After header on a 429 or 5xx
    message: str = "Search Backend failed: Database is not supported: pubmed"


@dataclass
class FakeEutils:
    records: dict[str, bytes] = field(default_factory=dict)
    # Per PMID its create date (CRDT: added to PubMed), Entrez date (EDAT) and modification
    # date (MDAT), read from the real record; tests move them (``arrive``, ``mdat[...]``).
    crdt: dict[str, date] = field(default_factory=dict)
    edat: dict[str, date] = field(default_factory=dict)
    mdat: dict[str, date] = field(default_factory=dict)
    searches: list[tuple[str, list[str]]] = field(default_factory=list)
    canned: dict[str, dict[str, bytes]] = field(default_factory=lambda: defaultdict(dict))
    citmatch: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    requests: list[Logged] = field(default_factory=list)
    esearch_limit: int = 9999
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    # Events for tests that coordinate processes: a request arrived; held requests may go.
    arrived: threading.Condition = field(default_factory=threading.Condition)
    released: threading.Event = field(default_factory=threading.Event)

    # --- setting up ---------------------------------------------------------------------

    def add_file(self, path: Path) -> list[str]:
        """Serve every record of a real PubMed XML file; returns their PMIDs."""
        found = split_records(path)
        for pmid, raw in found.items():
            self.records[pmid] = raw
            created, entered = CRDT_RE.search(raw), EDAT_RE.search(raw)
            self.crdt[pmid] = (
                date(*map(int, (created or entered).groups()))
                if (created or entered)
                else date(2000, 1, 1)
            )
            self.edat[pmid] = date(*map(int, entered.groups())) if entered else self.crdt[pmid]
            revised = MDAT_RE.search(raw)
            self.mdat[pmid] = date(*map(int, revised.groups())) if revised else self.crdt[pmid]
        return list(found)

    def arrive(self, pmid: str, day: date) -> None:
        """The record enters PubMed on ``day``: its create and Entrez dates (equal for a
        record added near its publication, as most are)."""
        self.crdt[pmid] = self.edat[pmid] = day

    def replace_record(self, pmid: str, raw: bytes) -> None:
        self.records[pmid] = raw

    def add_search(self, key: str, pmids: list[str]) -> None:
        """A query whose term contains ``key`` finds these PMIDs (newest first)."""
        self.searches.append((key, list(pmids)))

    def add_canned(self, endpoint: str, key: str, body: bytes) -> None:
        """Answer ``endpoint`` with a real response when the term contains ``key``."""
        self.canned[endpoint][key] = body

    def fail(self, endpoint: str, kind: str, times: int = 1, **kw: object) -> None:
        """The next ``times`` requests to ``endpoint`` ("esearch", "efetch", ...) fail so."""
        self.faults[endpoint].extend(Fault(kind, **kw) for _ in range(times))  # type: ignore[arg-type]

    def calls(self, endpoint: str) -> list[Logged]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def wait_for(self, endpoint: str, count: int = 1, timeout: float = 60) -> bool:
        """Block until ``count`` requests to ``endpoint`` have arrived (False on timeout)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.calls(endpoint)) >= count, timeout)

    def release(self) -> None:
        """Let every "hold" request (and any later one) be answered."""
        self.released.set()

    # --- answering ----------------------------------------------------------------------

    def _search(self, params: dict[str, str]) -> bytes:
        term = params.get("term", "")
        for key, body in self.canned["esearch"].items():
            if key in term:
                return body
        ids: list[str] = []
        for key, pmids in self.searches:
            if key in term:
                ids += [p for p in pmids if p not in ids]
        # Date limits written in the term ("2021[dp]", as acutrack verify writes them; the
        # update's create/modification date window) apply to each served record's own dates,
        # so a search with a wrong year or a past window really finds nothing.
        keep = self._date_filter(term)
        ids = [p for p in ids if keep(p)]
        if params.get("datetype") and params.get("mindate"):
            # The older form: datetype, mindate and maxdate as parameters.
            lo = _bound(params["mindate"], False)
            hi = _bound(params.get("maxdate", "3000/12/31"), True)
            tag = _date_fields().get(params["datetype"].lower(), "EDAT")
            ids = [p for p in ids if self._in_range(p, DateRange(tag, lo, hi))]
        ids.sort(key=lambda p: (self.edat.get(p, date(2000, 1, 1)), int(p)), reverse=True)
        retmax = min(int(params.get("retmax", "20")), self.esearch_limit)
        retstart = int(params.get("retstart", "0"))
        page = ids[retstart : retstart + retmax]
        id_xml = "".join(f"<Id>{p}</Id>\n" for p in page)
        body = (
            f"<eSearchResult><Count>{len(ids)}</Count><RetMax>{len(page)}</RetMax>"
            f"<RetStart>{retstart}</RetStart><IdList>\n{id_xml}</IdList><TranslationSet/>"
            f"<QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>\n"
        )
        return (ESEARCH_HEAD + body).encode()

    def _pub_dates(self, pmid: str) -> tuple[date, date] | None:
        """The first and last day of a record's publication date (a year, month or day)."""
        raw = self.records.get(pmid)
        m = PUBDATE_RE.search(raw) if raw else None
        if not m:
            return None
        year, month, day, medline_year = (g.decode() if g else None for g in m.groups())
        if medline_year:
            return _bound(medline_year, False), _bound(medline_year, True)
        number = MONTHS.get((month or "")[:3].lower()) or (
            int(month) if month and month.isdigit() else None
        )
        text = "/".join(str(x) for x in (year, number, day if number else None) if x)
        return _bound(text, False), _bound(text, True)

    def _in_range(self, pmid: str, clause: DateRange) -> bool:
        if clause.field == "PDAT":
            span = self._pub_dates(pmid)
            # A record without a publication date is not ruled out by one (as before).
            return span is None or (span[0] <= clause.high and clause.low <= span[1])
        dates = {"CRDT": self.crdt, "EDAT": self.edat, "MDAT": self.mdat}.get(clause.field)
        if dates is None:
            return True  # a date field the server does not model (MeSH date, ...) limits nothing
        return clause.low <= dates.get(pmid, date(2000, 1, 1)) <= clause.high

    def _date_filter(self, term: str) -> Callable[[str], bool]:
        """Whether a record meets the term's date clauses, combined as written.

        Each clause becomes a token; parenthesised tokens and ``A OR B`` / ``A AND B`` of
        tokens are folded left to right (PubMed's order, no precedence) until nothing
        folds. What is left is ANDed with the rest of the term, as in ``(QUERY) AND (...)``,
        the only place acutrack writes dates.
        """
        tests: list[Callable[[str], bool]] = []

        def token(check: Callable[[str], bool]) -> str:
            tests.append(check)
            return f"\x00{len(tests) - 1}\x00"

        text = term
        for m, clause in reversed(_clauses(term)):
            check = functools.partial(lambda c, p: self._in_range(p, c), clause)
            text = text[: m.start()] + token(check) + text[m.end() :]
        tok = r"\x00(\d+)\x00"
        folds = [
            (re.compile(rf"\(\s*{tok}\s*\)"), None),
            (re.compile(rf"{tok}\s+OR\s+{tok}"), any),
            (re.compile(rf"{tok}\s+AND\s+{tok}"), all),
        ]
        folded = True
        while folded:
            folded = False
            for pattern, join in folds:
                m = pattern.search(text)
                if not m:
                    continue
                parts = [tests[int(g)] for g in m.groups()]
                if join is None:
                    new = f"\x00{m.group(1)}\x00"
                else:
                    new = token(
                        functools.partial(lambda j, ps, p: j(t(p) for t in ps), join, parts)
                    )
                text = text[: m.start()] + new + text[m.end() :]
                folded = True
                break
        left = [tests[int(g)] for g in re.findall(tok, text)]
        return lambda pmid: all(check(pmid) for check in left)

    def _fetch(self, params: dict[str, str]) -> bytes:
        ids = [i.strip() for i in params.get("id", "").split(",") if i.strip()]
        if not ids:
            return (
                b'<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n'
                b"\t<ERROR>Empty id list - nothing todo</ERROR>\n</eFetchResult>\n"
            )
        parts = [self.records[i] + b"\n" for i in ids if i in self.records]
        return EFETCH_HEAD + b"".join(parts) + EFETCH_TAIL

    def answer(self, endpoint: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        if endpoint == "esearch":
            return 200, "text/xml; charset=UTF-8", self._search(params)
        if endpoint == "efetch":
            return 200, "text/xml; charset=UTF-8", self._fetch(params)
        if endpoint == "ecitmatch":
            # Bio.Entrez.ecitmatch sends journal|year|volume|first_page|author|key lines joined
            # by CR (no trailing pipe; NCBI's documented form has one, which parses the same).
            # NCBI echoes each line and appends the PMID, NOT_FOUND, or
            # NOT_FOUND;INVALID_JOURNAL when it does not know the journal at all.
            journals = {k[0] for k in self.citmatch}
            lines = []
            for line in params.get("bdata", "").split("\r"):
                if not line.strip():
                    continue
                fields = line.split("|")
                key = tuple(f.strip().lower() for f in fields[:4])
                missing = "NOT_FOUND" if key[0] in journals else "NOT_FOUND;INVALID_JOURNAL"
                pmid = self.citmatch.get(key, missing)  # type: ignore[arg-type]
                lines.append("|".join(fields[:6]) + "|" + pmid)
            return 200, "text/plain; charset=UTF-8", ("\n".join(lines) + "\n").encode()
        for key, body in self.canned[endpoint].items():
            if key in params.get("term", "") or key == "*":
                return 200, "text/xml; charset=UTF-8", body
        if endpoint == "espell":
            return 200, "text/xml; charset=UTF-8", (ENTREZ / "espell.xml").read_bytes()
        if endpoint == "einfo":
            return 200, "text/xml; charset=UTF-8", (ENTREZ / "einfo1.xml").read_bytes()
        if endpoint == "epost":
            return 200, "text/xml; charset=UTF-8", (ENTREZ / "epost1.xml").read_bytes()
        return 404, "text/plain", b"unknown E-utility\n"


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def _handle(self, method: str) -> None:
        fake: FakeEutils = self.server.fake  # type: ignore[attr-defined]
        url = urlparse(self.path)
        query = url.query
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            query = self.rfile.read(length).decode()
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        endpoint = url.path.rsplit("/", 1)[-1].split(".")[0]
        with fake.lock:
            fake.requests.append(Logged(endpoint, method, params))
            fault = fake.faults[endpoint].pop(0) if fake.faults[endpoint] else None
        with fake.arrived:
            fake.arrived.notify_all()
        if fault and fault.kind == "hold":
            fake.released.wait(timeout=120)  # a safety net only: the test releases it
            fault = None
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
            fault = None
        if fault and fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        extra = {"Retry-After": str(fault.retry_after)} if fault and fault.retry_after else {}
        if fault and fault.kind == "429":
            return self._send(429, "application/json", RATE_LIMIT_BODY, extra)
        if fault and fault.kind.isdigit():
            body = b"<html><body><h1>Server Error</h1></body></html>\n"
            return self._send(int(fault.kind), "text/html", body, extra)
        if fault and fault.kind == "html":
            return self._send(200, "text/html", (ENTREZ / "pubmed3.html").read_bytes())
        if fault and fault.kind == "error":
            root = {"esearch": "eSearchResult", "efetch": "eFetchResult"}.get(endpoint, "eResult")
            body = (
                f'<?xml version="1.0" encoding="UTF-8" ?>\n<{root}>\n\t<ERROR>'
                f"{escape(fault.message)}</ERROR>\n</{root}>\n"
            ).encode()
            return self._send(200, "text/xml; charset=UTF-8", body)
        status, ctype, body = fake.answer(endpoint, params)
        if fault and fault.kind == "truncate":
            # Promise the whole body, send 60% of it, hang up: what a dropped connection does.
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: int(len(body) * 0.6)])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, ctype, body)

    def _send(
        self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up on a fault we injected is expected; the default handler
        # would print a traceback into the output of the command under test.
        pass


class Server:
    """Start with ``with Server() as fake:``; ``fake.url`` is the base URL."""

    def __init__(self) -> None:
        self.fake = FakeEutils()
        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self.fake  # type: ignore[attr-defined]
        host, port = self.httpd.server_address[:2]
        self.fake.url = f"http://{host}:{port}/entrez/eutils/"
        # A short poll interval: shutdown() waits up to one interval, and every test stops a server.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeEutils:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
