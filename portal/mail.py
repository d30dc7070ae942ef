"""Outgoing e-mail behind one seam: SMTP (aiosmtplib) when configured, otherwise
an outbox folder of ``.eml`` files that ``schriftje outbox`` lists.

Logs name the recipient's domain and the subject kind only, never the body
(it holds one-time links).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import aiosmtplib

from portal.private_files import open_private, private_dir

if TYPE_CHECKING:
    from portal.settings import Settings

log = logging.getLogger(__name__)

LINK_RE = re.compile(r"https?://\S+")


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = dt.datetime.now(dt.UTC)
    message["Message-ID"] = f"<{uuid.uuid4()}@schriftje>"
    message.set_content(body)
    return message


class OutboxMailer:
    """Writes each message to ``<dir>/<timestamp>-<id>.eml`` (embedded default, tests)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    async def send(self, message: EmailMessage) -> None:
        private_dir(self.directory)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        tmp = path.with_suffix(".tmp")
        with open_private(tmp) as handle:
            handle.write(bytes(message))
        tmp.rename(path)  # readers never see half a message
        log.info("mail written to outbox", extra={"to_domain": _domain(message["To"])})


class SmtpMailer:
    def __init__(self, host: str, port: int, username: str, password: str, starttls: bool) -> None:
        self._options = {
            "hostname": host,
            "port": port,
            "username": username or None,
            "password": password or None,
            "start_tls": starttls,
        }

    async def send(self, message: EmailMessage) -> None:
        # flattened with the message's own policy: aiosmtplib's would fold (and RFC 2047-encode)
        # a header a message allows to be long, such as a List-Unsubscribe URL
        raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        sender = parseaddr(message["From"])[1]
        recipients = [address for _, address in getaddresses(message.get_all("To", []))]
        await aiosmtplib.send(raw, sender=sender, recipients=recipients, **self._options)  # type: ignore[arg-type]
        log.info("mail sent", extra={"to_domain": _domain(message["To"])})


@dataclass(frozen=True)
class OutboxEntry:
    path: Path
    to: str
    subject: str
    date: str
    links: list[str]
    body: str


def read_outbox(directory: str | Path) -> list[OutboxEntry]:
    """Messages in the outbox, oldest first, with the links in their bodies."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("*.eml")):
        message = BytesParser(policy=default_policy).parsebytes(path.read_bytes())
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        entries.append(
            OutboxEntry(
                path,
                str(message["To"]),
                str(message["Subject"]),
                str(message["Date"]),
                LINK_RE.findall(body),
                body,
            )
        )
    return entries


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].rstrip(">")


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_starttls,
        )
    return OutboxMailer(settings.outbox_dir)
