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

import gzip
import os
import re
import threading
import time
from collections import defaultdict
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
PUBYEAR_RE = re.compile(rb"<PubDate>\s*(?:<Year>|<MedlineDate>)(\d{4})")
# The real <DateRevised> of a record: what PubMed's modification date (mdat) searches.
MDAT_RE = re.compile(
    rb"<DateRevised>\s*<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*<Day>(\d+)</Day>"
)
EDAT_RE = re.compile(
    rb'<PubMedPubDate PubStatus="(?:entrez|pubmed)">\s*'
    rb"<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*<Day>(\d+)</Day>"
)


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
            m = EDAT_RE.search(raw)
            self.edat[pmid] = date(*map(int, m.groups())) if m else date(2000, 1, 1)
            revised = MDAT_RE.search(raw)
            self.mdat[pmid] = date(*map(int, revised.groups())) if revised else self.edat[pmid]
        return list(found)

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
        # A publication-year limit ("2021[dp]", as acutrack verify writes it) is applied to
        # the served records' PubDate, so a search with a wrong year really finds nothing.
        year = re.search(r"\b(\d{4})\[dp\]", term)
        if year:
            ids = [p for p in ids if self._pub_year(p) in (None, year.group(1))]
        if params.get("datetype") in ("edat", "mdat") and params.get("mindate"):
            # Entrez date, or modification date (the record's DateRevised unless a test
            # changed the record: a new MeSH term or a late abstract modifies it).
            dates = self.edat if params["datetype"] == "edat" else self.mdat
            lo = date(*map(int, params["mindate"].split("/")))
            hi = date(*map(int, params.get("maxdate", "3000/12/31").split("/")))
            ids = [p for p in ids if lo <= dates.get(p, date(2000, 1, 1)) <= hi]
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

    def _pub_year(self, pmid: str) -> str | None:
        raw = self.records.get(pmid)
        m = PUBYEAR_RE.search(raw) if raw else None
        return m.group(1).decode() if m else None

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
