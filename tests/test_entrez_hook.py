"""A guard for the one private part of Biopython acutrack relies on.

Bio.Entrez hard-codes NCBI's host in each E-utility function and builds every request with
the private ``Bio.Entrez._build_request(cgi, params, ...)``; ``entrez.EntrezClient`` wraps it
to send its requests to its base URL, with its identity and its own timeout. If a new
Biopython renames it, changes its signature or stops routing an E-utility through it (or
urllib stops honouring the request's timeout), these tests fail with a message saying so
(instead of acutrack quietly asking the real NCBI, or failing somewhere far away).
"""

from __future__ import annotations

import inspect
import socket

import pytest
from Bio import Entrez
from conftest import SECRET_KEY

from acutrack.config import DEFAULT_EUTILS_URL, NCBISettings
from acutrack.pubmed import entrez

CHANGED = (
    "Biopython changed Bio.Entrez._build_request, which acutrack.pubmed.entrez wraps to reach "
    "ACUTRACK_EUTILS_URL; adapt entrez._rebased_build_request to Biopython {version}"
)


def _message() -> str:
    import Bio

    return CHANGED.format(version=Bio.__version__)


def test_build_request_keeps_the_signature_acutrack_wraps():
    hook = getattr(Entrez, "_build_request", None)
    assert callable(hook), _message()
    params = list(inspect.signature(hook).parameters)  # follows the wrapper's __wrapped__
    assert params[:2] == ["cgi", "params"], _message()
    assert {"post", "ecitmatch"} <= set(params), _message()


def test_every_eutility_acutrack_uses_goes_through_the_wrapped_hook(eutils):
    client = entrez.EntrezClient(NCBISettings.from_env())
    assert getattr(Entrez._build_request, "__acutrack__", False), _message()
    # Outside a client's request the hook leaves Bio.Entrez's own request alone.
    request = Entrez._build_request(
        DEFAULT_EUTILS_URL + "einfo.fcgi", {"db": "pubmed", "email": "x@y"}
    )
    assert request.full_url.startswith(DEFAULT_EUTILS_URL), _message()
    calls = {
        "esearch": lambda: Entrez.esearch(db="pubmed", term="lupus", retmax=0),
        "efetch": lambda: Entrez.efetch(db="pubmed", id="29768149", retmode="xml"),
        "epost": lambda: Entrez.epost(db="pubmed", id="29768149"),
        "einfo": lambda: Entrez.einfo(db="pubmed"),
        "espell": lambda: Entrez.espell(db="pubmed", term="acupuncure"),
        "ecitmatch": lambda: Entrez.ecitmatch(
            db="pubmed",
            bdata=[{"journal_title": "Lupus", "year": "2018", "key": "x"}],
        ),
    }
    for endpoint, call in calls.items():
        # The real request path (rate limit, parameters, HTTP), as the client runs it; the
        # hook sent it to the local server, not to NCBI.
        client.call(endpoint, call, lambda handle: handle.read())
        assert eutils.calls(endpoint), f"{endpoint}: " + _message()
        # The client's identity reaches every E-utility, ecitmatch included (Bio.Entrez
        # drops its extra keywords, so the hook adds them).
        params = eutils.calls(endpoint)[-1].params
        assert params.get("tool") == "acutrack", f"{endpoint}: " + _message()
        assert params.get("email") == "tests@example.org", f"{endpoint}: " + _message()
        assert params.get("api_key") == SECRET_KEY, f"{endpoint}: " + _message()


def test_the_client_changes_no_process_wide_setting(eutils):
    email, api_key, default_timeout = Entrez.email, Entrez.api_key, socket.getdefaulttimeout()
    eutils.add_search("lupus", ["29768149", "10052247"])
    client = entrez.EntrezClient(NCBISettings.from_env())
    found = client.esearch("lupus", retmax=10)
    assert (found.count, found.ids) == (2, ["29768149", "10052247"])
    assert (Entrez.email, Entrez.api_key) == (email, api_key)
    assert socket.getdefaulttimeout() == default_timeout is None
    # A second client with other settings in the same process: each asks its own server.
    closed = entrez.EntrezClient(
        NCBISettings(base_url="http://127.0.0.1:9/", email="tests@example.org", retries=1)
    )
    with pytest.raises(entrez.OfflineError, match="connection refused at 127.0.0.1"):
        closed.esearch("lupus")
    before = len(eutils.calls("esearch"))
    client.esearch("lupus")
    assert len(eutils.calls("esearch")) == before + 1


def test_the_timeout_applies_per_request_without_a_socket_default(eutils):
    # The answer comes after 2 s; the client gives up after 0.3 s, with no process-wide
    # socket default set (urlopen's own default would wait for ever).
    assert socket.getdefaulttimeout() is None
    eutils.fail("esearch", "slow", seconds=2)
    client = entrez.EntrezClient(
        NCBISettings(
            base_url=eutils.url, email="tests@example.org", timeout=0.3, retries=1, retry_delay=0
        )
    )
    with pytest.raises(entrez.EntrezError, match=r"after 1 try \(timed out\)"):
        client.esearch("lupus")
    assert socket.getdefaulttimeout() is None


def test_the_api_key_stays_out_of_repr_and_errors(eutils, monkeypatch):
    monkeypatch.setenv("ACUTRACK_RETRIES", "1")
    client = entrez.EntrezClient(NCBISettings.from_env())
    assert client.settings.api_key == SECRET_KEY
    assert SECRET_KEY not in repr(client) and SECRET_KEY not in str(client)
    assert eutils.url in repr(client)
    eutils.fail("esearch", "503")
    with pytest.raises(entrez.EntrezError) as failed:
        client.esearch("lupus")
    assert "HTTP 503" in str(failed.value)
    assert SECRET_KEY not in str(failed.value) and SECRET_KEY not in repr(failed.value)
    assert failed.value.__cause__ is None and failed.value.__suppress_context__


def test_the_client_owns_two_process_wide_things_and_sets_them_once(eutils, monkeypatch):
    # What the client does change in Bio.Entrez: _build_request wrapped (once, however many
    # clients), and max_tries = 1 (Bio.Entrez's own loop would repeat a 5xx at once, past
    # its rate limiter; every retry is the client's). Bio.Entrez as it is before any client:
    unwrapped = getattr(Entrez._build_request, "__wrapped__", Entrez._build_request)
    monkeypatch.setattr(Entrez, "_build_request", unwrapped)
    monkeypatch.setattr(Entrez, "max_tries", 3)
    monkeypatch.setattr(Entrez, "sleep_between_tries", 0)  # a failure here fails fast
    entrez.EntrezClient(NCBISettings.from_env())
    wrapped = Entrez._build_request
    assert getattr(wrapped, "__acutrack__", False) and wrapped.__wrapped__ is unwrapped
    assert Entrez.max_tries == 1
    client = entrez.EntrezClient(
        NCBISettings(base_url=eutils.url, email="tests@example.org", retries=1, retry_delay=0)
    )
    assert Entrez._build_request is wrapped  # not wrapped twice
    # One try per client attempt: a 503 reaches the server once, not max_tries times.
    eutils.fail("esearch", "503", times=3)
    with pytest.raises(entrez.EntrezError, match="HTTP 503"):
        client.esearch("lupus")
    assert len(eutils.calls("esearch")) == 1
