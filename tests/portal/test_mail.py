"""E-mail: the SMTP mailer against a real SMTP server (aiosmtpd) and the outbox reader."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from portal.mail import OutboxMailer, SmtpMailer, compose, read_outbox


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        )
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server accepts connections
    yield port, inbox
    controller.stop()


class TestSmtpMailer:
    async def test_sends_through_a_real_smtp_server(self, smtp_server) -> None:
        port, inbox = smtp_server
        mailer = SmtpMailer("127.0.0.1", port, "", "", starttls=False)
        await mailer.send(compose("Schriftje <no-reply@kober.nl>", "anna@example.nl", "Welkom", "Hallo Anna\n"))
        [(sender, recipients, message)] = inbox.messages
        assert sender == "no-reply@kober.nl"
        assert recipients == ["anna@example.nl"]
        assert message["Subject"] == "Welkom"
        assert message.get_payload(decode=True).decode().splitlines() == ["Hallo Anna"]  # SMTP sends CRLF


class TestOutbox:
    async def test_outbox_round_trip_with_links(self, tmp_path) -> None:
        mailer = OutboxMailer(tmp_path)
        await mailer.send(compose("a@b.nl", "anna@example.nl", "Één link", "Klik: https://kober.example.org/x/y\n"))
        [entry] = read_outbox(tmp_path)
        assert entry.to == "anna@example.nl"
        assert entry.subject == "Één link"
        assert entry.links == ["https://kober.example.org/x/y"]
        assert list(tmp_path.glob("*.tmp")) == []

    def test_missing_outbox_is_empty(self, tmp_path) -> None:
        assert read_outbox(tmp_path / "nope") == []
