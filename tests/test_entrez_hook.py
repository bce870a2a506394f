"""A guard for the one private part of Biopython acutrack relies on.

Bio.Entrez hard-codes NCBI's host in each E-utility function and builds every request with
the private ``Bio.Entrez._build_request(cgi, params, ...)``; ``entrez.configure`` wraps it to
send requests to ACUTRACK_EUTILS_URL. If a new Biopython renames it, changes its signature or
stops routing an E-utility through it, these tests fail with a message saying so (instead of
acutrack quietly asking the real NCBI, or failing somewhere far away).
"""

from __future__ import annotations

import inspect

from Bio import Entrez

from acutrack import entrez
from acutrack.config import DEFAULT_EUTILS_URL, NCBISettings

CHANGED = (
    "Biopython changed Bio.Entrez._build_request, which acutrack.entrez wraps to reach "
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
    entrez.configure(NCBISettings.from_env())
    assert getattr(Entrez._build_request, "__acutrack__", False), _message()
    # The hook rewrites NCBI's base URL to the configured one and nothing else.
    request = Entrez._build_request(DEFAULT_EUTILS_URL + "einfo.fcgi", {"db": "pubmed"})
    assert request.full_url.startswith(eutils.url), _message()
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
        handle = call()  # the real request path: rate limit, parameters, HTTP
        handle.read()
        handle.close()
        assert eutils.calls(endpoint), f"{endpoint}: " + _message()
