"""The daily e-mail digest through a real SMTP server (aiosmtpd) on both stacks: sent
at the organisation's digest time, only of what the user has not seen, in their
language, with RFC 8058 one-click unsubscribe; a user who saw everything gets none,
and nobody gets two in a day."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from notify.models import NotifyPreference, OrganisationNotify
from notify.trigger import NOTIFY_SWEEP
from portal.roster.models import Organisation, User
from portal.settings import Settings
from tests.harness import Harness
from tests.messaging.conftest import World, build_world
from tests.notify.conftest import ANNA, BRAM, INGRID

CARLA, WILMA = "carla@example.nl", "wilma@example.nl"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
async def mailing_world(noon: dt.date, stack_settings: Settings, inbox: tuple[int, Inbox]) -> AsyncIterator[World]:
    settings = dataclasses.replace(stack_settings, smtp_host="127.0.0.1", smtp_port=inbox[0], smtp_starttls=False)
    async with Harness.open(settings) as harness:
        yield await build_world(harness)


async def sweep(world: World) -> None:
    await world.harness.rt.queue.enqueue(NOTIFY_SWEEP, job_id=f"sweep-{dt.datetime.now().timestamp()}")
    await world.harness.run_jobs()


async def test_the_digest_tells_what_was_not_seen_in_the_users_language_once_a_day(
    mailing_world: World, inbox: tuple[int, Inbox]
) -> None:
    world, box = mailing_world, inbox[1]
    box.messages.clear()  # the invitations of the roster import
    async with world.harness.uow() as uow:
        kober = await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))
        assert kober is not None
        uow.session.add(OrganisationNotify(organisation_id=kober.id, urgent_kinds=[], digest_at=dt.time(13, 0)))
        await uow.session.execute(update(User).where(User.email == CARLA).values(language="en"))
    for email in (ANNA, BRAM, CARLA):
        async with world.client(email) as client:
            assert (await client.put("/api/notify/preferences", json={"digest": True})).status_code == 200
    noor = world.children["Noor"]
    for path, body in (
        (f"/api/children/{noor}/diary", "Noor heeft een toren gebouwd."),
        (f"/api/children/{noor}/messages", "Wilt u morgen laarzen meegeven?"),
    ):
        assert (await world.post(INGRID, path, {"body": body})).status_code == 201
    assert (
        await world.post(WILMA, "/api/news", {"title": "Sinterklaas", "body": "Vrijdag komt de Sint."})
    ).status_code == 201
    await world.harness.run_jobs()
    bram_last = (await world.feed(BRAM))[-1]["seq"]
    assert (await world.post(BRAM, "/api/read", {"feed_seq": bram_last})).status_code in (200, 204)

    await sweep(world)
    assert box.messages == [], "the digest went before the organisation's digest time (13:00)"

    async with world.harness.uow() as uow:  # the organisation moves its digest to before now (noon)
        await uow.session.execute(update(OrganisationNotify).values(digest_at=dt.time(11, 0)))
    await sweep(world)
    await sweep(world)  # a second sweep the same day sends nothing more

    assert box.to(BRAM) == [], "Bram had seen everything"
    (anna,) = box.to(ANNA)
    (carla,) = box.to(CARLA)
    assert anna["Subject"] == "Kober: 3 nieuw in Schriftje"
    text = anna.get_payload(decode=True).decode()
    assert "1 bericht(en) in het gesprek over uw kind" in text and "1 nieuwsbericht(en)" in text
    assert "laarzen meegeven" in text and f"/kind/{noor}" in text
    assert not anna.is_multipart(), "a digest carries no attachments"
    assert (
        carla["Subject"] == "Kober: 1 new in Schriftje" and "1 news item(s)" in carla.get_payload(decode=True).decode()
    )
    assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert anna["List-Unsubscribe"].startswith("<http") and "=?" not in anna["List-Unsubscribe"]
    unsubscribe = httpx.URL(anna["List-Unsubscribe"].strip("<>"))

    async with world.harness.client() as client:
        asked = await client.get(unsubscribe.path)
        assert asked.status_code == 200 and "Afmelden" in asked.text
        assert await _digest(world, ANNA), "a GET (a mail scanner following the link) unsubscribed"
        one_click = await client.post(
            unsubscribe.path,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert one_click.status_code == 200
        assert (await client.get(unsubscribe.path[:-4] + "xxxx")).status_code == 404
    assert not await _digest(world, ANNA)


async def _digest(world: World, email: str) -> bool:
    async with world.harness.uow() as uow:
        user = await uow.session.scalar(select(User).where(User.email == email))
        assert user is not None
        prefs = await uow.session.get(NotifyPreference, user.id)
        return bool(prefs and prefs.digest)
