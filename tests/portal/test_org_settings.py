"""Organisation settings: admins change them (API and the /instellingen form), each
value is checked with a clear reason and a change is all or nothing; managers may
look; nobody else, and nobody from another organisation, may do either."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import SessionKind
from portal.accounts.service import start_session
from portal.roster.models import Organisation, Role, User
from tests.harness import Harness, csrf_of
from tests.messaging.conftest import World, build_world

DEFAULTS = {
    "absence_cutoff": "07:30",
    "opens_at": "07:00",
    "closes_at": "18:30",
    "edit_window_minutes": 15,
    "tablet_lock_minutes": 5,
    "timezone": "Europe/Amsterdam",
    "clip_max_seconds": 90,
    "clip_max_megabytes": 500,
}


@pytest.fixture
async def world(harness: Harness) -> World:
    return await build_world(harness)


@pytest.fixture
async def admin(world: World) -> str:
    """An admin of Kober, with a bearer token in the world."""
    async with world.harness.uow() as uow:
        kober = await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))
        assert kober is not None
        user = User(organisation_id=kober.id, email="arjen@example.nl", display_name="Arjen Beheer", role=Role.ADMIN)
        uow.session.add(user)
        await uow.session.flush()
        world.tokens[user.email], _ = await start_session(uow.session, user, SessionKind.BEARER)
        world.orgs[user.email] = "kober"
    return "arjen@example.nl"


async def patch(world: World, email: str, body: dict):
    async with world.client(email) as client:
        return await client.patch("/api/admin/organisation", json=body)


async def settings_of(world: World, email: str) -> dict:
    async with world.client(email) as client:
        response = await client.get("/api/admin/organisation")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_admin_changes_settings_and_they_take_effect(world: World, admin: str) -> None:
    assert await settings_of(world, admin) == DEFAULTS
    response = await patch(world, admin, {"absence_cutoff": "08:15", "tablet_lock_minutes": 10})
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"absence_cutoff": "08:15", "tablet_lock_minutes": 10}
    assert await settings_of(world, "wilma@example.nl") == response.json()  # managers may look
    async with world.client("anna@example.nl") as parent:
        form = (await parent.get("/afwezig")).text
    assert "08:15" in form and "07:30" not in form  # the absence form follows at once


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"absence_cutoff": "half acht"}, "Vul een tijd in als 07:30."),
        ({"opens_at": "19:00"}, "De openingstijd moet vóór de sluitingstijd liggen."),
        ({"tablet_lock_minutes": 0}, "van 1 tot en met 60"),
        ({"tablet_lock_minutes": "5"}, None),  # a form's string of digits is fine
        ({"edit_window_minutes": 99999}, "van 0 tot en met 1440"),
        ({"edit_window_minutes": True}, "van 0 tot en met 1440"),
        ({"clip_max_seconds": 4}, "van 5 tot en met 600"),
        ({"timezone": "Mars/Olympus"}, "Deze tijdzone kennen we niet"),
        ({"timezone": "../../etc/passwd"}, "Deze tijdzone kennen we niet"),
        ({"language": "de"}, "Deze instellingen bestaan niet: language"),
        ({"leaving_window_days": 1}, "Deze instellingen bestaan niet: leaving_window_days"),
    ],
)
async def test_each_value_is_checked(world: World, admin: str, body: dict, message: str | None) -> None:
    response = await patch(world, admin, body)
    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422 and message in response.json()["detail"]
    assert await settings_of(world, admin) == DEFAULTS


async def test_a_change_is_all_or_nothing(world: World, admin: str) -> None:
    response = await patch(world, admin, {"absence_cutoff": "09:00", "tablet_lock_minutes": 600})
    assert response.status_code == 422
    assert await settings_of(world, admin) == DEFAULTS


@pytest.mark.parametrize(
    ("email", "read", "write"),
    [
        ("wilma@example.nl", 200, 403),  # manager
        ("ingrid@example.nl", 403, 403),  # staff
        ("anna@example.nl", 403, 403),  # parent
        ("xenia@example.nl", 401, 401),  # another organisation's token on this host
    ],
)
async def test_who_may_read_and_change(world: World, admin: str, email: str, read: int, write: int) -> None:
    headers = {"authorization": f"Bearer {world.tokens[email]}"}
    async with world.harness.client("kober", headers=headers) as client:
        assert (await client.get("/api/admin/organisation")).status_code == read
        assert (await client.patch("/api/admin/organisation", json={"tablet_lock_minutes": 9})).status_code == write
    assert (await settings_of(world, admin))["tablet_lock_minutes"] == 5


async def test_the_settings_form(world: World, admin: str) -> None:
    async with world.client(admin) as client:
        page = await client.get("/instellingen")
        assert page.status_code == 200 and 'value="07:30"' in page.text
        form = DEFAULTS | {"csrf_token": csrf_of(page.text), "closes_at": "06:00", "timezone": "Europe/Brussels"}
        wrong = await client.post("/instellingen", data=form)
        assert wrong.status_code == 422
        assert "De openingstijd moet vóór de sluitingstijd liggen." in wrong.text
        assert 'value="Europe/Brussels"' in wrong.text  # what was typed stays
        right = await client.post("/instellingen", data=form | {"closes_at": "18:00"})
        assert right.status_code == 303 and right.headers["location"] == "/instellingen?saved=1"
    assert await settings_of(world, admin) == DEFAULTS | {"closes_at": "18:00", "timezone": "Europe/Brussels"}


async def test_managers_see_the_form_without_changing_it(world: World, admin: str) -> None:
    async with world.client("wilma@example.nl") as client:
        page = await client.get("/instellingen")
        assert page.status_code == 200 and "<fieldset disabled>" in page.text
        refused = await client.post("/instellingen", data=DEFAULTS | {"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403
