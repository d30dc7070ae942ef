"""Group tablets over HTTP: setting a device up signs its owner out of it; the lock
screen lists the group's staff; a PIN unlocks it for that person only (what they
post carries their name); wrong PINs are rate limited; the unlock ends when they
lock it, when someone else unlocks, when the device is revoked, and after the
organisation's idle time, which use pushes back."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import select, update

from portal.accounts.models import AuthSession, SessionKind, TabletDevice
from portal.accounts.tablets import PIN_FAILURES_PER_PERSON
from portal.database import utcnow
from portal.roster.models import Group, Organisation, User
from tests.harness import ROSTER, STAFF, csrf_of, login

PASSWORD = "correct horse battery"
PIN = "2580"
MORE_STAFF = STAFF + "Roos Bloem,roos@example.nl,staff,Centrum/Rupsjes\n"


class Staffed:
    def __init__(self, harness) -> None:
        self.harness = harness
        self.groups: dict[str, int] = {}
        self.activated: set[str] = set()

    async def sign_in(self, client: httpx.AsyncClient, email: str) -> None:
        if email in self.activated:
            assert (await login(client, email, PASSWORD)).status_code == 303
        else:
            await self.harness.activate(client, email, PASSWORD)
            self.activated.add(email)

    async def set_pin(self, email: str, pin: str = PIN) -> None:
        async with self.harness.client() as client:
            await self.sign_in(client, email)
            response = await client.post(
                "/api/account/pin",
                json={"current_password": PASSWORD, "pin": pin, "pin2": pin},
                headers={"x-csrf-token": csrf_of((await client.get("/account")).text)},
            )
            assert response.status_code == 200, response.text

    async def tablet(self, email: str = "ingrid@example.nl", group: str = "Rupsjes", org: str = "kober") -> str:
        """Set a device up as the group's tablet, signed in as ``email``; its device cookie."""
        async with self.harness.client(org) as client:
            await self.sign_in(client, email)
            page = await client.get("/tablet")
            assert page.status_code == 200 and 'data-testid="tablet-setup"' in page.text
            response = await client.post(
                "/tablet", data={"csrf_token": csrf_of(page.text), "group_id": self.groups[group], "label": "iPad"}
            )
            assert response.status_code == 303 and response.headers["location"] == "/tablet"
            return str(client.cookies["schriftje_tablet"])


@pytest.fixture
async def staffed(harness) -> Staffed:
    org = await harness.organisation()
    await harness.import_roster(org, ROSTER)
    await harness.import_staff(org, MORE_STAFF)
    result = Staffed(harness)
    async with harness.uow() as uow:
        for group in await uow.session.scalars(select(Group)):
            result.groups[group.name] = group.id
    return result


def device(staffed: Staffed, cookie: str, org: str = "kober") -> httpx.AsyncClient:
    return staffed.harness.client(org, cookies={"schriftje_tablet": cookie})


async def unlock(client: httpx.AsyncClient, user_id: int, pin: str = PIN) -> httpx.Response:
    page = await client.get("/tablet")
    return await client.post("/tablet/unlock", data={"csrf_token": csrf_of(page.text), "user_id": user_id, "pin": pin})


def person_ids(lock_screen: str) -> dict[str, int]:
    """Name -> user id, from the lock screen's radio buttons."""
    found = re.findall(r'name="user_id" value="(\d+)"[^>]*>\s*<span>([^<]+)</span>', lock_screen)
    return {name: int(user_id) for user_id, name in found}


async def tablet_sessions(staffed: Staffed) -> list[AuthSession]:
    async with staffed.harness.uow() as uow:
        rows = await uow.session.scalars(select(AuthSession).where(AuthSession.kind == SessionKind.TABLET))
        return list(rows)


class TestSetUp:
    async def test_setting_up_signs_the_owner_out_and_shows_the_lock_screen(self, staffed) -> None:
        async with staffed.harness.client() as client:
            await staffed.sign_in(client, "ingrid@example.nl")
            own_session = client.cookies["schriftje_session"]
            page = await client.get("/tablet")
            assert "Centrum" in page.text and "Rupsjes" in page.text and "Boomhut" not in page.text
            response = await client.post(
                "/tablet", data={"csrf_token": csrf_of(page.text), "group_id": staffed.groups["Rupsjes"]}
            )
            assert response.status_code == 303
            assert "schriftje_session" not in client.cookies
            lock_screen = await client.get("/tablet")
        assert 'data-testid="lock-screen"' in lock_screen.text
        assert set(person_ids(lock_screen.text)) == {"Ingrid Pauw"}  # Roos has no account yet
        assert "nog geen pincode" in lock_screen.text
        async with staffed.harness.client(cookies={"schriftje_session": own_session}) as old:
            assert (await old.get("/api/me")).status_code == 401  # not left signed in on a shared device

    async def test_staff_cannot_set_up_a_tablet_for_another_group(self, staffed) -> None:
        async with staffed.harness.client() as client:
            await staffed.sign_in(client, "kees@example.nl")
            page = await client.get("/tablet")
            response = await client.post(
                "/tablet", data={"csrf_token": csrf_of(page.text), "group_id": staffed.groups["Rupsjes"]}
            )
        assert response.status_code == 404 and "schriftje_tablet" not in response.headers.get("set-cookie", "")

    async def test_parents_cannot_set_up_a_tablet(self, staffed) -> None:
        async with staffed.harness.client() as client:
            await staffed.sign_in(client, "anna@example.nl")
            response = await client.get("/tablet")
        assert response.status_code == 403

    async def test_a_visitor_is_asked_to_log_in_first(self, staffed) -> None:
        async with staffed.harness.client() as client:
            response = await client.get("/tablet")
        assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Ftablet"


class TestUnlock:
    async def test_the_right_pin_unlocks_for_that_person_and_posts_carry_their_name(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        cookie = await staffed.tablet()
        async with device(staffed, cookie) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            response = await unlock(tablet, ids["Ingrid Pauw"])
            assert response.status_code == 303 and response.headers["location"] == "/"
            assert "Max-Age" not in response.headers["set-cookie"]  # gone when the browser closes
            home = await tablet.get("/")
            assert home.status_code == 200
            assert "Ontgrendeld door Ingrid Pauw" in home.text and 'data-tablet-lock="300"' in home.text
            assert 'href="/account"' not in home.text  # no account settings on a shared device
            post = await tablet.post(
                f"/api/groups/{staffed.groups['Rupsjes']}/posts",
                json={"body": "Zwemkleding mee"},
                headers={"x-csrf-token": csrf_of(home.text)},
            )
        assert post.status_code == 201 and post.json()["author"] == "Ingrid Pauw"

    async def test_a_wrong_pin_shows_the_lock_screen_again(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        async with device(staffed, await staffed.tablet()) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            response = await unlock(tablet, ids["Ingrid Pauw"], "9999")
            assert response.status_code == 401
            assert "Deze pincode klopt niet." in response.text and 'data-testid="lock-screen"' in response.text
            assert (await tablet.get("/")).headers["location"] == "/tablet"
        assert await tablet_sessions(staffed) == []

    async def test_wrong_pins_are_limited_per_person_on_the_device(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        await staffed.set_pin("roos@example.nl", "7391")
        async with device(staffed, await staffed.tablet()) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            for _ in range(PIN_FAILURES_PER_PERSON):
                assert (await unlock(tablet, ids["Ingrid Pauw"], "0852")).status_code == 401
            blocked = await unlock(tablet, ids["Ingrid Pauw"])  # even the right PIN
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
            assert "Te veel pogingen" in blocked.text
            assert (await unlock(tablet, ids["Roos Bloem"], "7391")).status_code == 303  # others still can
        assert [s.user_id for s in await tablet_sessions(staffed)] == [ids["Roos Bloem"]]

    async def test_staff_of_another_group_and_parents_cannot_unlock(self, staffed) -> None:
        await staffed.set_pin("kees@example.nl")
        await staffed.set_pin("ingrid@example.nl")
        async with staffed.harness.uow() as uow:
            users = {u.email: u.id for u in await uow.session.scalars(select(User))}
        async with device(staffed, await staffed.tablet()) as tablet:
            assert "Kees" not in (await tablet.get("/tablet")).text
            for outsider in ("kees@example.nl", "anna@example.nl"):
                response = await unlock(tablet, users[outsider])
                assert response.status_code == 401 and "Deze pincode klopt niet." in response.text
        assert await tablet_sessions(staffed) == []

    async def test_a_tablet_cookie_is_worthless_at_another_organisation(self, staffed) -> None:
        await staffed.harness.organisation("other", "Andere Opvang")
        cookie = await staffed.tablet()
        async with device(staffed, cookie, org="other") as elsewhere:
            page = await elsewhere.get("/tablet")
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
            assert 'schriftje_tablet=""' in page.headers["set-cookie"]  # forgotten, not trusted

    async def test_unlocking_ends_the_previous_persons_unlock(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        await staffed.set_pin("roos@example.nl", "7391")
        cookie = await staffed.tablet()
        async with device(staffed, cookie) as tablet, device(staffed, cookie) as second_tab:
            ids = person_ids((await tablet.get("/tablet")).text)
            await unlock(tablet, ids["Ingrid Pauw"])
            ingrid = tablet.cookies["schriftje_session"]
            assert (await unlock(second_tab, ids["Roos Bloem"], "7391")).status_code == 303
        async with staffed.harness.client(cookies={"schriftje_session": ingrid}) as old:
            assert (await old.get("/api/me")).status_code == 401


class TestLocking:
    async def test_the_lock_button_ends_the_unlock(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        async with device(staffed, await staffed.tablet()) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            await unlock(tablet, ids["Ingrid Pauw"])
            home = await tablet.get("/")
            session = tablet.cookies["schriftje_session"]
            response = await tablet.post("/tablet/lock", data={"csrf_token": csrf_of(home.text)})
            assert response.status_code == 303 and response.headers["location"] == "/tablet"
            assert (await tablet.get("/")).headers["location"] == "/tablet"
        async with staffed.harness.client(cookies={"schriftje_session": session}) as replay:
            assert (await replay.get("/api/me")).status_code == 401

    async def test_idle_time_locks_and_use_pushes_it_back(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        async with staffed.harness.uow() as uow:
            await uow.session.execute(update(Organisation).values(tablet_lock_minutes=2))
        async with device(staffed, await staffed.tablet()) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            await unlock(tablet, ids["Ingrid Pauw"])
            home = await tablet.get("/")
            assert 'data-tablet-lock="120"' in home.text
            [session] = await tablet_sessions(staffed)
            assert dt.timedelta(seconds=110) < session.expires_at - utcnow() <= dt.timedelta(seconds=120)

            # someone used it 100 s ago and touches it now: the lock moves to 120 s from now
            await _age(staffed, session.id, seconds=100)
            ping = await tablet.post("/api/tablet/activity", headers={"x-csrf-token": csrf_of(home.text)})
            assert ping.status_code == 200
            locks_at = dt.datetime.fromisoformat(ping.json()["locks_at"])
            assert dt.timedelta(seconds=110) < locks_at - utcnow() <= dt.timedelta(seconds=120)

            # nobody touched it for the whole idle time: locked, back to the lock screen
            await _age(staffed, session.id, seconds=121)
            assert (await tablet.get("/")).headers["location"] == "/tablet"
            assert (
                await tablet.post("/api/tablet/activity", headers={"x-csrf-token": csrf_of(home.text)})
            ).status_code == 401

    async def test_a_revoked_device_loses_its_lock_screen_and_its_unlock(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        cookie = await staffed.tablet()
        async with device(staffed, cookie) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            await unlock(tablet, ids["Ingrid Pauw"])
            async with staffed.harness.client() as manager:
                await staffed.sign_in(manager, "wilma@example.nl")
                headers = {"x-csrf-token": csrf_of((await manager.get("/account")).text)}
                [listed] = (await manager.get("/api/tablets")).json()["tablets"]
                assert listed["group"]["name"] == "Rupsjes" and listed["label"] == "iPad"
                assert (await manager.delete(f"/api/tablets/{listed['id']}", headers=headers)).status_code == 204
            assert (await tablet.get("/api/me")).status_code == 401
            page = await tablet.get("/tablet")
            assert page.status_code == 303 and 'schriftje_tablet=""' in page.headers["set-cookie"]

    async def test_staff_of_another_group_cannot_list_or_revoke_the_tablet(self, staffed) -> None:
        cookie = await staffed.tablet()
        async with staffed.harness.client() as kees:
            await staffed.sign_in(kees, "kees@example.nl")
            headers = {"x-csrf-token": csrf_of((await kees.get("/account")).text)}
            assert (await kees.get("/api/tablets")).json() == {"tablets": []}
            async with staffed.harness.uow() as uow:
                device_id = await uow.session.scalar(select(TabletDevice.id))
            assert (await kees.delete(f"/api/tablets/{device_id}", headers=headers)).status_code == 404
        async with device(staffed, cookie) as tablet:
            assert 'data-testid="lock-screen"' in (await tablet.get("/tablet")).text


async def _age(staffed: Staffed, session_id: int, *, seconds: int) -> None:
    """Pretend the session was last used ``seconds`` ago (its lock time moves along)."""
    async with staffed.harness.uow() as uow:
        auth = await uow.session.get(AuthSession, session_id)
        assert auth is not None and auth.idle_seconds is not None
        then = utcnow() - dt.timedelta(seconds=seconds)
        auth.last_seen_at = then
        auth.expires_at = then + dt.timedelta(seconds=auth.idle_seconds)
