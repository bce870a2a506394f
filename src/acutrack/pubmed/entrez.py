"""NCBI E-utilities through Bio.Entrez, asked by an explicit ``EntrezClient``.

The CLI builds one ``EntrezClient`` from the validated settings (base URL, email, API key,
tool, timeout, retries, retry delay) and passes it to the code that asks NCBI (sync, verify,
the queries check). Nothing here is a process-wide setting: Bio.Entrez's ``email`` and
``api_key`` globals and the socket default timeout are left alone.

Every request goes through Bio.Entrez's own functions, so its rate limiting (3 requests a
second, 10 with an API key), its ``tool``/``email``/``api_key`` parameters and its POST for
long id lists all apply. Bio.Entrez makes one try per call (its own retries would follow a
429 or 5xx at once, in a burst); every retry is the client's, with backoff, jitter and
NCBI's Retry-After, and each one goes through Bio.Entrez's rate limiter again. On top of
that the client adds what a nightly job needs: a timeout per request, retries for HTTP 429,
5xx, timeouts, cut-off bodies and transient <ERROR> answers, an immediate stop when NCBI
cannot be reached at all, and errors that say what happened without ever showing the
request URL (it carries the API key).
"""

from __future__ import annotations

import errno
import functools
import http.client
import random
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any, TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request
from xml.etree.ElementTree import ParseError, fromstring

from Bio import Entrez

from ..config import DEFAULT_EUTILS_URL, NCBISettings
from ..errors import WorkError
from .records import Article, NCBIErrorResponse, NotPubMedData, iter_xml

T = TypeVar("T")

TOOL = "acutrack"
# PubMed answers at most this many ids for one esearch; larger results are split by date.
ESEARCH_LIMIT = 9999
EFETCH_BATCH = 500
# The longest pause between two tries, whatever the backoff or a Retry-After asks: a
# nightly job waits minutes, not days (and time.sleep never sees an absurd number).
MAX_RETRY_WAIT = 600.0


class EntrezError(WorkError, RuntimeError):
    """NCBI could not be asked, or answered with an error: the work failed (exit 1).

    ``unreachable`` is true when no answer came at all (connection refused, timeouts), so
    callers need not try the next query against a dead network.
    """

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class OfflineError(EntrezError):
    """The first request found no route or no name: nothing was asked, nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, unreachable=True)


# The client whose request Bio.Entrez is building right now (set only around one call of a
# Bio.Entrez function, in EntrezClient.call). Bio.Entrez's functions take no client, so its
# request builder finds the settings here instead of in module globals.
_active: ContextVar[EntrezClient | None] = ContextVar("acutrack_entrez_client", default=None)


class _TimedRequest(Request):
    """A request that keeps its own timeout.

    Bio.Entrez opens requests with ``urlopen(request)``, which stores its ``timeout``
    argument (the process default) on the request, and urllib's handlers connect with
    ``request.timeout``. This request ignores that assignment, so the client's timeout
    applies to this request (and its redirects) without touching the process default.
    """

    def __init__(self, request: Request, timeout: float) -> None:
        super().__init__(
            request.full_url,
            data=request.data,
            headers=dict(request.header_items()),
            method=request.get_method(),
        )
        self._acutrack_timeout = timeout

    @property
    def timeout(self) -> float:
        return self._acutrack_timeout

    @timeout.setter
    def timeout(self, value: object) -> None:
        pass  # urlopen's default; the client's timeout stands


def _rebased_build_request(original: Callable[..., Any]) -> Callable[..., Any]:
    # Bio.Entrez hard-codes NCBI's host in each function and passes it to _build_request;
    # rewriting it there sends every E-utility to the client's base URL while the rest of
    # Bio.Entrez's request path (parameters, POST choice, rate limit) stays its own. The
    # client's tool, email and API key join the parameters here too, as defaults, so
    # ecitmatch (which drops extra keywords) sends them as well.
    @functools.wraps(original)
    def build(cgi: str, params: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> Any:
        client = _active.get()
        if client is None:  # Bio.Entrez used directly, not by acutrack: left untouched
            return original(cgi, params, *args, **kwargs)
        settings = client.settings
        if cgi.startswith(DEFAULT_EUTILS_URL):
            cgi = settings.base_url + cgi[len(DEFAULT_EUTILS_URL) :]
        params = dict(params or {})
        for key, value in client.identity().items():
            params.setdefault(key, value)
        return _TimedRequest(original(cgi, params, *args, **kwargs), settings.timeout)

    build.__acutrack__ = True  # type: ignore[attr-defined]
    return build


def _install() -> None:
    """Route Bio.Entrez's requests through the client hook (once per process).

    ``max_tries = 1`` is acutrack's policy, not a setting: Bio.Entrez's own loop would
    repeat a 429 or 5xx at once, past its rate limiter, in a burst. Every retry is
    EntrezClient.call's, and passes the rate limiter again.
    """
    if not getattr(Entrez._build_request, "__acutrack__", False):
        Entrez._build_request = _rebased_build_request(Entrez._build_request)
    Entrez.max_tries = 1


def _describe(exc: BaseException) -> str:
    """A short cause without URLs (they carry the API key)."""
    if isinstance(exc, HTTPError):
        return f"HTTP {exc.code} {exc.reason}".strip()
    if isinstance(exc, URLError):
        reason = exc.reason
        if isinstance(reason, socket.timeout | TimeoutError):
            return "timed out"
        return str(getattr(reason, "strerror", None) or reason)
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ParseError | http.client.IncompleteRead):
        return "the answer was cut off or is not XML"
    if isinstance(exc, NCBIErrorResponse):
        return f"NCBI error: {exc}"
    if isinstance(exc, NotPubMedData):
        return "the answer was not PubMed data"
    return exc.__class__.__name__


_OFFLINE_ERRNOS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
}


def _offline(exc: BaseException, base_url: str) -> str | None:
    """Why no request can get through (no name, no route, refused), or None."""
    reason = exc.reason if isinstance(exc, URLError) and not isinstance(exc, HTTPError) else exc
    host = urlsplit(base_url).hostname or "the E-utilities host"
    if isinstance(reason, socket.gaierror):
        return f"no address for {host}"
    if isinstance(reason, OSError) and reason.errno in _OFFLINE_ERRNOS:
        return f"{_OFFLINE_ERRNOS[reason.errno]} at {host}"
    return None


def _retry_after(exc: BaseException, attempt: int, first_delay: float) -> float:
    delay = first_delay * (2**attempt)
    if isinstance(exc, HTTPError) and exc.headers is not None:
        value = exc.headers.get("Retry-After")
        if value and value.isdigit():
            delay = max(delay, float(value))
    return min(delay * (1 + random.random() * 0.25), MAX_RETRY_WAIT)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, HTTPError):
        return exc.code == 429 or exc.code >= 500
    return isinstance(
        exc,
        URLError
        | TimeoutError
        | socket.timeout
        | ConnectionError
        | http.client.HTTPException
        | ParseError
        | NCBIErrorResponse
        | NotPubMedData,
    )


# --- esearch -----------------------------------------------------------------------------


class FoundIds(list[str]):
    """The PMIDs a search found, with PubMed's translation of the query (``QueryTranslation``:
    how PubMed read it, MeSH mapping included), which the update records as provenance."""

    translation: str = ""


@dataclass
class SearchResult:
    count: int
    ids: list[str]
    webenv: str | None = None
    query_key: str | None = None
    translation: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # How PubMed mapped each phrase ("cancer" -> '"neoplasms"[MeSH Terms] OR ...').
    translation_set: list[tuple[str, str]] = field(default_factory=list)
    # Per-term counts (TermSet), which older and some non-PubMed answers still carry.
    term_counts: list[tuple[str, int]] = field(default_factory=list)


def parse_esearch(handle: IO[Any]) -> SearchResult:
    data = handle.read()
    root = fromstring(data)
    if root.tag != "eSearchResult":
        raise NotPubMedData(f"esearch answered <{root.tag}>")
    error = root.findtext("ERROR")
    if error:
        raise NCBIErrorResponse(" ".join(error.split()))
    count_text = root.findtext("Count")
    if count_text is None:
        raise NCBIErrorResponse("esearch answer has no Count")
    return SearchResult(
        count=int(count_text),
        ids=[e.text.strip() for e in root.iterfind("IdList/Id") if e.text],
        webenv=root.findtext("WebEnv"),
        query_key=root.findtext("QueryKey"),
        translation=root.findtext("QueryTranslation") or "",
        errors=[(e.tag, (e.text or "").strip()) for e in root.iterfind("ErrorList/*")],
        warnings=[(e.tag, (e.text or "").strip()) for e in root.iterfind("WarningList/*")],
        translation_set=[
            (" ".join(t.findtext("From", "").split()), " ".join(t.findtext("To", "").split()))
            for t in root.iterfind("TranslationSet/Translation")
        ],
        term_counts=[
            (" ".join(t.findtext("Term", "").split()), int(t.findtext("Count", "").strip()))
            for t in root.iterfind("TranslationStack/TermSet")
            if t.findtext("Count", "").strip().isdigit()
        ],
    )


def _fmt(day: date) -> str:
    return day.strftime("%Y/%m/%d")


# PubMed's date fields an update searches. The create date is when a record was added:
# NLM sets the Entrez date (EDAT) to the publication date for records added more than 12
# months after publication (NLM Technical Bulletin, Nov-Dec 2008), so an EDAT window would
# never see them arrive. The modification date moves when NLM adds MeSH terms or an
# abstract arrives, which is when an older record can start matching a query.
CREATED = "CRDT"
MODIFIED = "MDAT"
DATE_VERBS = {CREATED: "added to PubMed", MODIFIED: "changed"}


def date_window(mindate: date, maxdate: date, fields: tuple[str, ...]) -> str:
    """The term part limiting a search to any of ``fields`` between two dates (inclusive):
    ``("A"[CRDT] : "B"[CRDT])``, or several such ranges ORed in parentheses."""
    ranges = [f'("{_fmt(mindate)}"[{f}] : "{_fmt(maxdate)}"[{f}])' for f in fields]
    return ranges[0] if len(ranges) == 1 else "(" + " OR ".join(ranges) + ")"


# A date limit as the term carries it or as PubMed's QueryTranslation writes it back
# ("2026/11/17"[CRDT] : "2026/11/22"[CRDT], 2026/11/17:2026/11/22[crdt]), ORed, bracketed.
_RANGE = r'\(?\s*"?[\d/]+"?(?:\[\w+\])?\s*:\s*"?[\d/]+"?\[\w+\]\s*\)?'
_WINDOW_RE = re.compile(rf"\s+AND\s+\(?\s*{_RANGE}(?:\s+OR\s+{_RANGE})*\s*\)?\s*$", re.I)


def without_window(translation: str) -> str:
    """PubMed's translation of ``(QUERY) AND WINDOW`` as the translation of QUERY alone (the
    provenance reports show); unchanged when it does not end in a date window."""
    m = _WINDOW_RE.search(translation)
    if not m:
        return translation
    query = translation[: m.start()].strip()
    if query.startswith("(") and query.endswith(")") and _balanced(query[1:-1]):
        query = query[1:-1].strip()
    return query


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# --- efetch ------------------------------------------------------------------------------


def _collect(handle: IO[Any]) -> list[Article]:
    # A whole batch is read before any of it is used, so a body cut off half-way is
    # retried as a whole and never stored in part.
    return list(iter_xml(handle, "the efetch answer"))


# --- ecitmatch ---------------------------------------------------------------------------

ECITMATCH_BATCH = 100
ECITMATCH_KEYS = ("journal_title", "year", "volume", "first_page", "author_name", "key")


def parse_ecitmatch(handle: IO[Any]) -> dict[str, str]:
    """ECitMatch's plain-text answer as {key: PMID or NCBI's status, e.g. NOT_FOUND}.

    Each line echoes the citation sent (journal|year|volume|first page|author|key) and adds
    the result, so the key is the next-to-last field whatever the journal title held.
    """
    data = handle.read()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if text.lstrip().startswith("<"):
        error = re.search(r"<ERROR>(.*?)</ERROR>", text, re.S)
        if error:
            raise NCBIErrorResponse(" ".join(error.group(1).split()))
        raise NotPubMedData("ecitmatch answered with a web page")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < 7:
            raise NotPubMedData("ecitmatch answered a line that is not a citation")
        out[fields[-2].strip()] = fields[-1].strip()
    return out


# --- the client ----------------------------------------------------------------------


class EntrezClient:
    """Asks NCBI's E-utilities with one set of settings, through Bio.Entrez.

    Built once per command at the CLI edge from ``NCBISettings.from_env()`` and passed to
    the code that needs NCBI. Its repr shows the settings without the API key.
    """

    def __init__(self, settings: NCBISettings) -> None:
        self.settings = settings
        # Whether any request of this client got an answer; until one has, an error that
        # means "no network" (no name, no route, refused) stops the command instead of
        # being retried.
        self.reached = False
        _install()

    def __repr__(self) -> str:
        return f"EntrezClient({self.settings!r})"

    def identity(self) -> dict[str, str | None]:
        """The parameters NCBI asks of every client (None ones are left out by Bio.Entrez)."""
        return {"tool": TOOL, "email": self.settings.email, "api_key": self.settings.api_key}

    def call(self, what: str, request: Callable[[], IO[Any]], parse: Callable[[IO[Any]], T]) -> T:
        """Open and parse one E-utilities answer, retrying what is worth retrying.

        Each try is one Bio.Entrez request (rate limited there); between tries this waits
        retry_delay * 2**attempt plus up to 25 % jitter, or longer if NCBI's Retry-After
        asks, never more than MAX_RETRY_WAIT.
        """
        last: BaseException | None = None
        attempts = self.settings.retries
        for attempt in range(attempts):
            try:
                token = _active.set(self)
                try:
                    handle = request()
                finally:
                    _active.reset(token)
                self.reached = True
                try:
                    return parse(handle)
                finally:
                    handle.close()
            except Exception as exc:  # noqa: BLE001 - sorted below, never shown raw
                # An HTTP error is an answer, if an unhappy one.
                self.reached = self.reached or isinstance(exc, HTTPError)
                cause = None if self.reached else _offline(exc, self.settings.base_url)
                if cause:
                    raise OfflineError(
                        f"cannot reach NCBI ({cause}): check the network; nothing was changed"
                    ) from None
                if not _retryable(exc):
                    raise EntrezError(f"NCBI refused {what}: {_describe(exc)}") from None
                last = exc
                if attempt + 1 < attempts:
                    time.sleep(_retry_after(exc, attempt, self.settings.retry_delay))
        assert last is not None
        unreachable = isinstance(
            last, URLError | ConnectionError | TimeoutError
        ) and not isinstance(last, HTTPError)
        raise EntrezError(
            f"NCBI did not answer {what} after {attempts} "
            f"{'try' if attempts == 1 else 'tries'} ({_describe(last)}); "
            "nothing was lost, run again later",
            unreachable=unreachable,
        ) from None

    def esearch(self, term: str, retmax: int = 0, **params: Any) -> SearchResult:
        return self.call(
            "the search",
            lambda: Entrez.esearch(db="pubmed", term=term, retmax=retmax, **params),
            parse_esearch,
        )

    def search_ids(
        self, term: str, mindate: date, maxdate: date, fields: tuple[str, ...] = (CREATED,)
    ) -> FoundIds:
        """All PMIDs for ``term`` with any of the date ``fields`` between two dates
        (inclusive), however many, in one esearch when they fit.

        The dates are written into the term (``date_window``), so one search asks several
        date fields at once (an update asks records created or modified in its window).
        PubMed stops at 9,999 ids for one esearch, so a larger result is split into date
        halves until each part fits, as NCBI's own EDirect does (each half asks every field
        over the same half, so the halves together are the whole). Ids come straight from
        esearch rather than from the history server: an incremental run then fetches only
        the ids it does not hold yet, and no WebEnv can expire between search and fetch.
        """
        result = self.esearch(
            f"({term}) AND {date_window(mindate, maxdate, fields)}", retmax=ESEARCH_LIMIT
        )
        if result.count <= ESEARCH_LIMIT:
            if len(result.ids) < result.count:
                raise EntrezError(
                    f"NCBI counted {result.count} records but listed {len(result.ids)}; "
                    "nothing was stored, run again later"
                )
            found = FoundIds(result.ids)
            found.translation = without_window(result.translation)
            return found
        if mindate >= maxdate:
            raise EntrezError(
                f"more than {ESEARCH_LIMIT} records "
                f"{' or '.join(DATE_VERBS.get(f, f) for f in fields)} on {_fmt(mindate)} "
                "for one query; narrow the query"
            )
        middle = mindate + timedelta(days=(maxdate - mindate).days // 2)
        ids = self.search_ids(term, mindate, middle, fields)
        seen = set(ids)
        later = self.search_ids(term, middle + timedelta(days=1), maxdate, fields)
        ids.extend(i for i in later if i not in seen)
        return ids

    def fetch(self, ids: list[str]) -> list[Article]:
        """One batch of PubMed records by id (Bio.Entrez POSTs long id lists)."""
        if not ids:
            return []
        return self.call(
            f"the fetch of {len(ids)} record{'' if len(ids) == 1 else 's'}",
            lambda: Entrez.efetch(db="pubmed", id=",".join(ids), retmode="xml"),
            _collect,
        )

    def fetch_batches(self, ids: list[str], batch: int | None = None) -> Iterator[list[Article]]:
        batch = batch or EFETCH_BATCH
        for start in range(0, len(ids), batch):
            yield self.fetch(ids[start : start + batch])

    def ecitmatch(self, citations: list[dict[str, str]]) -> dict[str, str | None]:
        """PMIDs for citations given as journal, year, volume and first page (plus author,
        key).

        Returns {key: PMID}, with None where NCBI found none (NOT_FOUND, INVALID_JOURNAL,
        AMBIGUOUS). Bio.Entrez joins the citations with CR and leaves the pipes unescaped,
        as NCBI asks; pipes and line breaks inside a field would break that, so they are
        removed.
        """
        out: dict[str, str | None] = {}
        for start in range(0, len(citations), ECITMATCH_BATCH):
            batch = [
                {
                    k: " ".join(re.sub(r"[|\r\n]", " ", c.get(k) or "").split())
                    for k in ECITMATCH_KEYS
                }
                for c in citations[start : start + ECITMATCH_BATCH]
            ]
            answer = self.call(
                f"the citation match of {len(batch)} references",
                functools.partial(Entrez.ecitmatch, db="pubmed", bdata=batch),
                parse_ecitmatch,
            )
            for c in batch:
                result = answer.get(c["key"], "")
                out[c["key"]] = result if result.isdigit() else None
        return out
