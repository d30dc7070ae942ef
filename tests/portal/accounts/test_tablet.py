"""Group tablets over HTTP: setting a device up needs the password, is logged, and
signs its owner out of it; the lock screen lists the group's staff; a PIN unlocks
it for that person only (what they post carries their name); wrong PINs count per
person over every tablet and lock the PIN until the password is entered, also
under fifty guesses at once; the unlock ends when they lock it, when someone else
unlocks, when the device is revoked, and after the organisation's idle time,
which use pushes back."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import select, update

from portal.accounts.models import AuthSession, SessionKind, TabletDevice
from portal.accounts.tablets import PIN_FAILURES_PER_ACCOUNT
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
            form = {
                "csrf_token": csrf_of(page.text),
                "group_id": self.groups[group],
                "label": "iPad",
                "password": PASSWORD,
            }
            response = await client.post("/tablet", data=form)
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
            form = {"csrf_token": csrf_of(page.text), "group_id": staffed.groups["Rupsjes"], "password": PASSWORD}
            response = await client.post("/tablet", data=form)
            assert response.status_code == 303
            assert "schriftje_session" not in client.cookies
            lock_screen = await client.get("/tablet")
        assert 'data-testid="lock-screen"' in lock_screen.text
        assert set(person_ids(lock_screen.text)) == {"Ingrid Pauw"}  # Roos has no account yet
        assert "nog geen pincode" in lock_screen.text
        async with staffed.harness.client(cookies={"schriftje_session": own_session}) as old:
            assert (await old.get("/api/me")).status_code == 401  # not left signed in on a shared device

    async def test_setting_up_needs_the_password_and_is_logged_for_the_admin(self, staffed) -> None:
        async with staffed.harness.client() as client:
            await staffed.sign_in(client, "ingrid@example.nl")
            page = await client.get("/tablet")
            form = {"csrf_token": csrf_of(page.text), "group_id": staffed.groups["Rupsjes"], "password": "not it"}
            refused = await client.post("/tablet", data=form)
            assert refused.status_code == 401 and "schriftje_tablet" not in client.cookies
            assert (await client.get("/api/me")).status_code == 200  # still signed in: nothing happened
        await staffed.tablet()
        async with staffed.harness.client() as admin:
            await staffed.sign_in(admin, "wilma@example.nl")
            changes = (await admin.get("/api/admin/roster-changes")).json()["changes"]
        assert [(c["action"], c["by"], c["group"], c["reason"]) for c in changes] == [
            ("tablet_registered", "Ingrid Pauw", "Rupsjes", "iPad")
        ]

    async def test_staff_cannot_set_up_a_tablet_for_another_group(self, staffed) -> None:
        async with staffed.harness.client() as client:
            await staffed.sign_in(client, "kees@example.nl")
            page = await client.get("/tablet")
            form = {"csrf_token": csrf_of(page.text), "group_id": staffed.groups["Rupsjes"], "password": PASSWORD}
            response = await client.post("/tablet", data=form)
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

    async def test_wrong_pins_count_per_person_over_every_tablet_and_lock_the_pin(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        await staffed.set_pin("roos@example.nl", "7391")
        cookies = [await staffed.tablet("roos@example.nl") for _ in range(3)]  # a colleague with three devices
        guesses = iter(["0852", "1397", "4680", "9731", "2468"])
        for attempt in range(PIN_FAILURES_PER_ACCOUNT):
            async with device(staffed, cookies[attempt % 3]) as tablet:
                ids = person_ids((await tablet.get("/tablet")).text)
                wrong = await unlock(tablet, ids["Ingrid Pauw"], next(guesses))
                assert wrong.status_code == (401 if attempt < PIN_FAILURES_PER_ACCOUNT - 1 else 423)
        async with device(staffed, cookies[0]) as tablet:
            blocked = await unlock(tablet, ids["Ingrid Pauw"])  # even the right PIN, on any device
            assert blocked.status_code == 423 and "geblokkeerd" in blocked.text
            assert (await unlock(tablet, ids["Roos Bloem"], "7391")).status_code == 303  # others still can
        assert [s.user_id for s in await tablet_sessions(staffed)] == [ids["Roos Bloem"]]
        await staffed.harness.run_jobs()
        assert (
            len([m for m in staffed.harness.outbox() if m.to == "ingrid@example.nl" and "geblokkeerd" in m.subject])
            == 1
        )
        async with staffed.harness.client() as admin:
            await staffed.sign_in(admin, "wilma@example.nl")
            changes = (await admin.get("/api/admin/roster-changes")).json()["changes"]
        assert [c["person"] for c in changes if c["action"] == "pin_locked"] == ["Ingrid Pauw <ingrid@example.nl>"]

        async with staffed.harness.client() as own_phone:  # her password lifts the lock
            await staffed.sign_in(own_phone, "ingrid@example.nl")
        async with device(staffed, cookies[1]) as tablet:
            assert (await unlock(tablet, ids["Ingrid Pauw"])).status_code == 303

    async def test_fifty_guesses_at_once_evaluate_at_most_the_limit(self, staffed) -> None:
        await staffed.set_pin("ingrid@example.nl")
        cookie = await staffed.tablet()
        async with device(staffed, cookie) as tablet:
            ids = person_ids((await tablet.get("/tablet")).text)
            page = await tablet.get("/tablet")
            form = {"csrf_token": csrf_of(page.text), "user_id": ids["Ingrid Pauw"]}
            answers = await asyncio.gather(
                *(tablet.post("/tablet/unlock", data={**form, "pin": f"{1000 + 7 * n:04d}"}) for n in range(50))
            )
        codes = sorted(a.status_code for a in answers)
        assert codes == [401] * (PIN_FAILURES_PER_ACCOUNT - 1) + [423] * (51 - PIN_FAILURES_PER_ACCOUNT), codes
        async with staffed.harness.uow() as uow:
            ingrid = await uow.session.scalar(select(User).where(User.email == "ingrid@example.nl"))
            assert ingrid is not None
            # an attempt is counted before its PIN is looked at: no more than the limit were looked at
            assert ingrid.pin_failures == PIN_FAILURES_PER_ACCOUNT and ingrid.pin_locked_at is not None

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
