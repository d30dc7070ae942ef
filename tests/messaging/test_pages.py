"""The home page's starting state and the absence form, over HTTP on both stacks: what
the page embeds for its script is exactly what the user may see (own feed, own
children, own groups), and the absence form reports on time or late, keeps what
was typed when something is wrong, and refuses another family's child."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sqlalchemy import func, select, update

from messaging.models import AbsenceReport
from portal.roster.models import Organisation
from tests.harness import csrf_of
from tests.messaging.conftest import World

STATE_RE = re.compile(r'<script type="application/json" id="feed-state">(.*?)</script>', re.S)


async def home_state(world: World, email: str) -> dict[str, Any]:
    async with world.client(email) as client:
        page = await client.get("/")
    assert page.status_code == 200, page.text
    match = STATE_RE.search(page.text)
    assert match, "the home page embeds no feed state"
    return dict(json.loads(match.group(1)))


async def set_cutoff(world: World, cutoff: dt.time) -> None:
    async with world.harness.uow() as uow:
        await uow.session.execute(update(Organisation).values(absence_cutoff=cutoff))


async def absences(world: World) -> int:
    async with world.harness.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(AbsenceReport)) or 0)


class TestHomeState:
    async def test_a_parent_starts_from_their_own_feed_with_pins_and_children(self, world: World) -> None:
        noor, pim, rupsjes = world.children["Noor"], world.children["Pim"], world.groups["Rupsjes"]
        ingrid = "ingrid@example.nl"
        assert (await world.post(ingrid, f"/api/children/{pim}/diary", {"body": "Pim at zijn bord leeg"})).is_success
        assert (await world.post(ingrid, f"/api/children/{noor}/diary", {"body": "Noor sliep goed"})).is_success
        post = await world.post(ingrid, f"/api/groups/{rupsjes}/posts", {"body": "Zwemles", "requires_ack": True})
        assert post.status_code == 201
        state = await home_state(world, "anna@example.nl")
        bodies = [item["data"].get("body") for item in state["items"]]
        assert bodies == ["Noor sliep goed", "Zwemles"]  # oldest first; nothing about Pim
        assert state["seq"] == state["items"][-1]["seq"] == 2 and state["read_seq"] == 0
        assert [p["id"] for p in state["pinned"]] == [post.json()["id"]]
        assert state["children"] == [{"id": noor, "name": "Noor", "group_id": rupsjes}]
        assert state["groups"] == [] and state["user"]["role"] == "parent"
        assert state["unread"]["feed"] == 2

    async def test_a_family_whose_child_left_can_read_but_gets_no_form(self, world: World) -> None:
        state = await home_state(world, "olga@example.nl")
        assert state["children"] == []
        async with world.client("olga@example.nl") as client:
            page = await client.get("/")
        assert 'data-testid="message-form"' not in page.text and 'data-testid="feed"' in page.text

    async def test_staff_start_with_their_groups_and_its_current_children_only(self, world: World) -> None:
        state = await home_state(world, "ingrid@example.nl")
        assert [g["name"] for g in state["groups"]] == ["Rupsjes"]
        assert sorted(c["name"] for c in state["children"]) == ["Noor", "Pim"]  # not Oud (left), not Lina
        assert state["pinned"] == [] and state["locations"] == []

    async def test_a_manager_gets_every_group_and_location_for_posts_and_news(self, world: World) -> None:
        state = await home_state(world, "wilma@example.nl")
        assert sorted(g["name"] for g in state["groups"]) == ["Boomhut", "Rupsjes", "Vlinders"]
        assert sorted(loc["name"] for loc in state["locations"]) == ["Centrum", "Oost"]
        assert state["children"] == []

    async def test_the_page_escapes_what_people_wrote(self, world: World) -> None:
        noor = world.children["Noor"]
        body = "</script><script>alert(1)</script>"
        assert (await world.post("anna@example.nl", f"/api/children/{noor}/messages", {"body": body})).is_success
        async with world.client("bram@example.nl") as client:
            page = await client.get("/")
        assert "<script>alert(1)" not in page.text
        assert (await home_state(world, "bram@example.nl"))["items"][0]["data"]["body"] == body


class TestAbsenceForm:
    async def submit(self, world: World, email: str, **fields: str) -> Any:
        async with world.client(email) as client:
            form = await client.get("/afwezig")
            assert form.status_code == 200
            data = {"csrf_token": csrf_of(form.text), "reason": "ziek", "note": "", "end_date": "", **fields}
            response = await client.post("/afwezig", data=data)
            if response.status_code == 303:
                return await client.get(response.headers["location"])
            return response

    async def test_late_and_on_time_are_said_before_and_after(self, world: World) -> None:
        await set_cutoff(world, dt.time(0, 0))
        noor = str(world.children["Noor"])
        async with world.client("anna@example.nl") as client:
            form = await client.get("/afwezig")
        assert "Het is nu na 00:00" in form.text
        today = dt.date.fromisoformat(re.search(r'name="start_date" required value="([\d-]+)"', form.text)[1])  # type: ignore[index]
        late = await self.submit(world, "anna@example.nl", child_id=noor, start_date=today.isoformat())
        assert 'data-on-time="false"' in late.text and "deze dag telt niet voor tegoed" in late.text
        tomorrow = (today + dt.timedelta(days=1)).isoformat()
        on_time = await self.submit(world, "anna@example.nl", child_id=noor, start_date=tomorrow, reason="vakantie")
        assert 'data-on-time="true"' in on_time.text
        kinds = [(i["data"]["on_time"], i["data"]["reason"]) for i in await world.feed("ingrid@example.nl")]
        assert kinds == [(False, "ziek"), (True, "vakantie")]

    async def test_a_mistake_keeps_what_was_typed_and_writes_nothing(self, world: World) -> None:
        noor = str(world.children["Noor"])
        page = await self.submit(
            world,
            "anna@example.nl",
            child_id=noor,
            start_date="2026-11-20",
            end_date="2026-11-10",
            note="Niet kwijtraken",
        )
        assert page.status_code == 422
        assert "Niet kwijtraken</textarea>" in page.text and 'role="alert"' in page.text
        assert await absences(world) == 0

    async def test_another_familys_child_is_not_found(self, world: World) -> None:
        for child in ("Pim", "Lina", "Xander"):
            page = await self.submit(
                world, "anna@example.nl", child_id=str(world.children[child]), start_date="2026-11-23"
            )
            assert page.status_code == 404, child
        assert await absences(world) == 0

    async def test_without_csrf_nothing_is_reported(self, world: World) -> None:
        async with world.client("anna@example.nl") as client:
            response = await client.post(
                "/afwezig", data={"child_id": str(world.children["Noor"]), "start_date": "2026-11-23", "reason": "ziek"}
            )
        assert response.status_code == 403
        assert await absences(world) == 0
