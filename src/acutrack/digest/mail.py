"""Sending a digest by e-mail through the server named in ``ACUTRACK_SMTP_URL``.

URL forms (user and password are optional and percent-encoded like any URL part):

* ``smtp://[user[:password]@]host[:port]`` -- port 25 by default; STARTTLS is used whenever
  the server offers it;
* ``smtp+starttls://...`` -- port 587 by default; STARTTLS is required;
* ``smtps://...`` -- port 465 by default; TLS from the first byte.

A ``?from=address`` query sets the sender. TLS certificates are checked against the system's
trust store (``SSL_CERT_FILE`` points it elsewhere). The password is never sent over a
connection without TLS, except to a server on this machine (a local relay). The user name and
password live only in memory: they are not part of any repr, message or exception text.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from ..config import ConfigError, mask
from ..errors import WorkError

ENV_VAR = "ACUTRACK_SMTP_URL"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
TIMEOUT = 60.0
# A deliberately plain check: something@domain, no spaces, no angle brackets, no newlines.
ADDRESS_RE = re.compile(r"^[^@\s<>,;\"()\[\]\\]+@[^@\s<>,;\"()\[\]\\]+$")


class MailSettingError(ConfigError):
    """ACUTRACK_SMTP_URL or an address is unusable (exit 2, like any bad setting)."""


class MailError(WorkError, RuntimeError):
    """The mail server could not be reached or did not accept the message (exit 1)."""


@dataclass(frozen=True)
class SMTPSettings:
    scheme: str
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    sender: str | None = None

    def describe(self) -> str:
        """Where mail goes, without credentials: safe for output, logs and the database."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def redact(self, text: str, *, reply: bool = False) -> str:
        """``text`` with the user name and password removed, however they were spelled.

        ``reply``: text from the server, where a short password may stand as a plain word
        ("bad password server"); in acutrack's own sentences it does not ("the mail
        server"), see ``config.mask``."""
        for secret in (self.password, self.username):
            if secret:
                for form in {secret, unquote(secret)}:
                    if len(form) >= 3:
                        text = mask(text, form, words_too=reply)
        return text


def parse_smtp_url(url: str) -> SMTPSettings:
    """Parse ``ACUTRACK_SMTP_URL``; errors name the variable and never echo its value."""
    expected = (
        f"{ENV_VAR} must look like smtp://user:password@host:587, smtps://host or "
        "smtp+starttls://host"
    )
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:  # a port that is not a number, a broken [IPv6] host
        raise MailSettingError(expected) from None
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        raise MailSettingError(expected)
    sender = None
    if parts.query:
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"from"}
        if unknown:
            raise MailSettingError(
                f"{ENV_VAR} has an unknown option '{sorted(unknown)[0]}'; the only one is ?from="
            )
        sender = check_address(query["from"][-1], what=f"the ?from= address in {ENV_VAR}")
    return SMTPSettings(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def settings_from_env() -> SMTPSettings:
    url = os.environ.get(ENV_VAR, "").strip()
    if not url:
        raise MailSettingError(
            f"Set {ENV_VAR} to send digests by mail, e.g. smtp://user:password@mail.example.org:587"
        )
    return parse_smtp_url(url)


def check_address(address: str, what: str = "the address") -> str:
    address = address.strip()
    if not ADDRESS_RE.match(address):
        shown = address if len(address) <= 80 and address.isprintable() else "(unprintable)"
        raise MailSettingError(f"{what} '{shown}' is not an e-mail address like you@example.org")
    return address


def parse_addresses(values: Iterable[str], what: str = "the --to address") -> list[str]:
    """Checked addresses from repeated and comma-separated values."""
    return [
        check_address(part, what) for value in values for part in value.split(",") if part.strip()
    ]


def default_sender(settings: SMTPSettings) -> str:
    if settings.sender:
        return settings.sender
    if settings.username and ADDRESS_RE.match(settings.username):
        return settings.username
    host = socket.gethostname() or "localhost"
    if "." not in host:
        host += ".localdomain"
    return f"acutrack@{host}"


def build_message(
    subject: str, text: str, html: str, sender: str, recipients: list[str]
) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML as the richer part."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = Address(display_name="acutrack", addr_spec=sender)
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send(
    settings: SMTPSettings,
    message: EmailMessage,
    sender: str,
    recipients: list[str],
    timeout: float = TIMEOUT,
) -> None:
    """Hand the message to the server; returns only when every recipient was accepted."""
    where = settings.describe()
    try:
        _send(settings, message, sender, recipients, timeout)
    except MailError as exc:
        raise MailError(settings.redact(str(exc))) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(
            settings.redact(_refused(settings, where, exc.recipients, all_=True))
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            settings.redact(
                f"the mail server {where} rejected the login ({_reply(settings, exc)}); "
                f"check the user and password in {ENV_VAR}"
            )
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(
            settings.redact(
                f"the mail server {where} refused the message ({_reply(settings, exc)})"
            )
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise MailError(
            f"the TLS certificate of the mail server {where} could not be verified "
            f"({exc.verify_message}); point SSL_CERT_FILE at its CA if it is a private one"
        ) from None
    except ssl.SSLError as exc:
        raise MailError(f"TLS with the mail server {where} failed ({exc.reason})") from None
    except TimeoutError:
        raise MailError(f"the mail server {where} did not answer within {timeout:.0f} s") from None
    except smtplib.SMTPException as exc:
        raise MailError(
            settings.redact(
                f"talking to the mail server {where} failed "
                f"({settings.redact(str(exc), reply=True)})"
            )
        ) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise MailError(f"cannot connect to the mail server {where} ({reason})") from None


def _send(
    settings: SMTPSettings,
    message: EmailMessage,
    sender: str,
    recipients: list[str],
    timeout: float,
) -> None:
    context = ssl.create_default_context()
    where = settings.describe()
    if settings.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    with client:
        client.ehlo()
        secure = settings.scheme == "smtps"
        if not secure:
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                secure = True
            elif settings.scheme == "smtp+starttls":
                raise MailError(
                    f"the mail server {where} does not offer STARTTLS, which smtp+starttls:// "
                    "requires"
                )
        if settings.username or settings.password:
            if not secure and settings.host.lower() not in LOOPBACK:
                raise MailError(
                    f"the mail server {where} offers no TLS, so the password was not sent; "
                    f"use smtps:// or a server that supports STARTTLS in {ENV_VAR}"
                )
            if not client.has_extn("auth"):
                raise MailError(
                    f"the mail server {where} does not accept a login; remove the user and "
                    f"password from {ENV_VAR}"
                )
            client.login(settings.username or "", settings.password or "")
        refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
        if refused:
            raise MailError(_refused(settings, where, refused, all_=False))


def _reply(settings: SMTPSettings, exc: smtplib.SMTPResponseException) -> str:
    """The server's reply, one line, with any echo of the login removed."""
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    text = " ".join(str(text).split())
    return settings.redact(f"{exc.smtp_code} {text}".strip(), reply=True)


def _refused(settings: SMTPSettings, where: str, refused: dict, all_: bool) -> str:
    parts = []
    for address, (code, reply) in refused.items():
        reply = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        reply = settings.redact(" ".join(reply.split()), reply=True)
        parts.append(f"{address}: {code} {reply}")
    others = "" if all_ else "; the other recipients did receive it"
    return f"the mail server {where} refused {', '.join(parts)}{others}"
