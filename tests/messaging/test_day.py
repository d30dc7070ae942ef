"""The structured day through the API, on both stacks: one action for several
children writes one entry each, delivered only to that child's guardians and group
staff; a running nap goes live and ends live; the day and its summary; kinds as
the organisation's data; medication only under a guardian's instruction; and the
denial paths (other group, other family, other organisation, parents' kinds)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from messaging.models import DayEntry
from portal.roster.models import User
from tests.messaging.conftest import World, add_admin, ws

AMS = ZoneInfo("Europe/Amsterdam")
INGRID, KEES, ANNA, BRAM, PIET, CARLA, XENIA = (
    "ingrid@example.nl",
    "kees@example.nl",
    "anna@example.nl",
    "bram@example.nl",
    "piet@example.nl",
    "carla@example.nl",
    "xenia@example.nl",
)


async def log(world: World, email: str, body: dict[str, Any], key: str | None = None) -> Any:
    async with world.client(email) as client:
        return await client.post("/api/day", json=body, headers={"idempotency-key": key} if key else {})


async def day_of(world: World, email: str, child: str, date: str | None = None) -> Any:
    async with world.client(email) as client:
        return await client.get(f"/api/children/{world.children[child]}/day", params={"date": date} if date else {})


async def entries_in_db(world: World) -> int:
    async with world.harness.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(DayEntry)) or 0)


def local(hhmm: str, days_back: int = 0) -> str:
    day = dt.datetime.now(AMS).date() - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=AMS).isoformat()


@pytest.mark.usefixtures("noon")
class TestLogging:
    async def test_one_action_for_two_children_reaches_each_family_only(self, world: World) -> None:
        kids = [world.children["Noor"], world.children["Pim"]]
        response = await log(world, INGRID, {"children": kids, "kind": "nappy", "details": {"state": "wet"}})
        assert response.status_code == 201, response.text
        entries = response.json()["entries"]
        assert [e["child"]["id"] for e in entries] == kids
        assert len({e["id"] for e in entries}) == 2 and len({e["batch"] for e in entries}) == 1
        for email, child in ((ANNA, "Noor"), (BRAM, "Noor"), (PIET, "Pim")):
            [item] = await world.feed(email)
            assert item["kind"] == "day_entry.created"
            assert item["data"]["child"]["id"] == world.children[child]
            assert item["data"]["details"] == {"state": "wet"}
        assert len(await world.feed(INGRID)) == 2
        assert await world.feed(CARLA) == [] and await world.feed(KEES) == []

    async def test_a_nap_runs_live_and_ends_live(self, world: World, port: int) -> None:
        noor = world.children["Noor"]
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            started = await log(world, INGRID, {"children": [noor], "kind": "sleep", "at": local("11:40")})
            assert started.status_code == 201, started.text
            [entry] = started.json()["entries"]
            [live] = await socket.events(1)
            assert live["kind"] == "day_entry.created" and live["data"]["running"] is True
            assert live["data"]["ends_at"] is None
            async with world.client(INGRID) as client:
                ended = await client.post("/api/day/end", json={"entries": [entry["id"]]})
            assert ended.status_code == 200, ended.text
            [woke] = await socket.events(1)
        assert woke["kind"] == "day_entry.edited" and woke["data"]["id"] == entry["id"]
        assert woke["data"]["running"] is False and woke["data"]["ends_at"] is not None
        day = (await day_of(world, ANNA, "Noor")).json()
        assert day["summary"]["naps"] == 1 and day["summary"]["sleeping"] is False
        assert day["summary"]["slept_minutes"] >= 20

    async def test_a_child_cannot_fall_asleep_twice_and_the_action_writes_nothing(self, world: World) -> None:
        noor, pim = world.children["Noor"], world.children["Pim"]
        assert (await log(world, INGRID, {"children": [noor], "kind": "sleep"})).status_code == 201
        again = await log(world, INGRID, {"children": [pim, noor], "kind": "sleep"})
        assert again.status_code == 409 and "Noor" in again.json()["detail"]
        assert await entries_in_db(world) == 1  # Pim got nothing either

    async def test_a_retry_with_the_same_key_answers_the_same_entries(self, world: World) -> None:
        body = {"children": [world.children["Noor"], world.children["Pim"]], "kind": "bottle", "details": {"ml": 180}}
        first = await log(world, INGRID, body, key="fles-1234-abcd")
        again = await log(world, INGRID, body, key="fles-1234-abcd")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert await entries_in_db(world) == 2

    BAD: ClassVar[list[tuple[dict[str, Any], int, str]]] = [
        ({"kind": "dance", "details": {}}, 422, "Onbekend soort"),
        ({"kind": "meal", "details": {"what": "brood"}}, 422, "'amount'"),
        ({"kind": "meal", "details": {"amount": "heaps"}}, 422, "alles"),
        ({"kind": "bottle", "details": {"ml": 5000}}, 422, "1-1000"),
        ({"kind": "bottle", "details": {"ml": True}}, 422, "'ml'"),
        ({"kind": "temperature", "details": {"celsius": "NaN"}}, 422, "'celsius'"),
        ({"kind": "nappy", "details": {"state": "wet", "colour": "x"}}, 422, "'colour'"),
        ({"kind": "nappy", "details": {"state": "wet"}, "at": "morgen"}, 422, "geen tijd"),
        ({"kind": "nappy", "details": {"state": "wet"}, "at": "2020-01-01T10:00:00+01:00"}, 422, "7 dagen"),
        ({"kind": "nappy", "details": {"state": "wet"}, "ends_at": "12:00"}, 422, "geen eindtijd"),
        ({"kind": "sleep", "at": "11:00", "ends_at": "10:00"}, 422, "voor de begintijd"),
        ({"kind": "medication", "details": {}}, 422, "instructie"),
    ]

    async def test_bad_input_is_refused_in_words_and_writes_nothing(self, world: World) -> None:
        for body, status, says in self.BAD:  # one world for every case: each is refused before anything is written
            response = await log(world, INGRID, {"children": [world.children["Noor"]], **body})
            assert response.status_code == status, (body, response.text)
            assert says in response.json()["detail"], body
        assert await entries_in_db(world) == 0

    async def test_a_time_in_the_future_is_refused(self, world: World) -> None:
        later = (dt.datetime.now(AMS) + dt.timedelta(hours=2)).isoformat()
        response = await log(
            world, INGRID, {"children": [world.children["Noor"]], "kind": "note", "details": {"note": "x"}, "at": later}
        )
        assert response.status_code == 422 and "toekomst" in response.json()["detail"]


@pytest.mark.usefixtures("noon")
class TestWhoMay:
    async def test_staff_of_another_group_and_other_organisations_cannot_log_or_read(self, world: World) -> None:
        noor = world.children["Noor"]
        for email in (KEES, XENIA, CARLA):
            assert (
                await log(world, email, {"children": [noor], "kind": "note", "details": {"note": "x"}})
            ).status_code == 404
            assert (await day_of(world, email, "Noor")).status_code == 404
        mixed = await log(
            world, INGRID, {"children": [noor, world.children["Mats"]], "kind": "note", "details": {"note": "x"}}
        )
        assert mixed.status_code == 404 and await entries_in_db(world) == 0

    async def test_parents_write_a_note_about_their_own_child_only(self, world: World) -> None:
        noor, pim = world.children["Noor"], world.children["Pim"]
        nappy = await log(world, ANNA, {"children": [noor], "kind": "nappy", "details": {"state": "wet"}})
        assert nappy.status_code == 403 and "notitie" in nappy.json()["detail"]
        other = await log(world, ANNA, {"children": [pim], "kind": "note", "details": {"note": "hoi"}})
        assert other.status_code == 404
        note = await log(
            world, ANNA, {"children": [noor], "kind": "note", "details": {"note": "Slecht geslapen vannacht"}}
        )
        assert note.status_code == 201
        for email in (BRAM, INGRID):
            [item] = await world.feed(email)
            assert item["data"]["details"]["note"] == "Slecht geslapen vannacht"
            assert item["data"]["author_role"] == "parent"
        assert await world.feed(PIET) == []
        assert (await day_of(world, ANNA, "Pim")).status_code == 404

    async def test_corrections_reach_whoever_got_the_entry_and_a_parent_cannot_correct_staff(
        self, world: World
    ) -> None:
        noor = world.children["Noor"]
        [entry] = (await log(world, INGRID, {"children": [noor], "kind": "bottle", "details": {"ml": 120}})).json()[
            "entries"
        ]
        async with world.client(ANNA) as client:
            assert (await client.patch(f"/api/day/{entry['id']}", json={"details": {"ml": 10}})).status_code == 404
            assert (await client.delete(f"/api/day/{entry['id']}")).status_code == 404
        async with world.client(INGRID) as client:
            fixed = await client.patch(f"/api/day/{entry['id']}", json={"details": {"ml": 150}})
            assert fixed.status_code == 200 and fixed.json()["details"] == {"ml": 150}
            assert (await client.delete(f"/api/day/{entry['id']}")).status_code == 204
        feed = await world.feed(BRAM)  # history shows each item as it is now: deleted
        assert [i["kind"] for i in feed] == ["day_entry.created", "day_entry.edited", "day_entry.deleted"]
        assert all(i["data"] == {"id": entry["id"], "deleted": True} for i in feed)
        assert (await day_of(world, ANNA, "Noor")).json()["entries"] == []


@pytest.mark.usefixtures("noon")
class TestTheDay:
    async def test_the_day_in_order_with_its_summary_and_a_late_nap_in_the_day_it_began(self, world: World) -> None:
        noor = world.children["Noor"]
        writes = [
            {"kind": "sleep", "at": local("23:30", 1), "ends_at": local("00:40")},
            {"kind": "bottle", "at": local("08:00"), "details": {"ml": 180}},
            {"kind": "nappy", "at": local("09:00"), "details": {"state": "dirty"}},
            {"kind": "sleep", "at": local("10:00"), "ends_at": local("11:00")},
            {"kind": "bottle", "at": local("11:15"), "details": {"ml": 150}},
            {"kind": "nappy", "at": local("11:20"), "details": {"state": "wet"}},
            {"kind": "sleep", "at": local("11:30"), "ends_at": local("11:40")},
            {"kind": "meal", "at": local("11:45"), "details": {"what": "pap", "amount": "more_than_half"}},
        ]
        for body in writes:
            response = await log(world, INGRID, {"children": [noor], **body})
            assert response.status_code == 201, response.text
        today = (await day_of(world, ANNA, "Noor")).json()
        assert [e["kind"] for e in today["entries"]] == ["bottle", "nappy", "sleep", "bottle", "nappy", "sleep", "meal"]
        summary = today["summary"]
        assert (summary["naps"], summary["slept_minutes"], summary["bottles"], summary["bottle_ml"]) == (2, 70, 2, 330)
        assert (summary["nappies"], summary["wet"], summary["dirty"], summary["meals"]) == (2, 1, 1, 1)
        assert today["summary_text"] == "1 u 10 min geslapen in 2 slaapjes · 2 flessen, 330 ml · 1 maaltijd · 2 luiers"
        yesterday = dt.datetime.now(AMS).date() - dt.timedelta(days=1)
        before = (await day_of(world, ANNA, "Noor", yesterday.isoformat())).json()
        assert [e["kind"] for e in before["entries"]] == ["sleep"]
        assert before["summary"]["slept_minutes"] == 70 and before["today"] is False

    async def test_the_tablet_sees_present_children_first_and_who_sleeps(self, world: World) -> None:
        today = dt.datetime.now(AMS).date().isoformat()
        absent = await world.post(
            ANNA, f"/api/children/{world.children['Noor']}/absences", {"start_date": today, "reason": "ziek"}
        )
        assert absent.status_code == 201, absent.text
        assert (await log(world, INGRID, {"children": [world.children["Pim"]], "kind": "sleep"})).status_code == 201
        async with world.client(INGRID) as client:
            now = (await client.get(f"/api/groups/{world.groups['Rupsjes']}/now")).json()
        assert [(c["first_name"], c["absent"], c["sleeping"] is not None) for c in now["children"]] == [
            ("Pim", False, True),
            ("Noor", True, False),
        ]
        assert [c["absence_reason"] for c in now["children"]] == [None, "ziek"]
        async with world.client(KEES) as client:
            assert (await client.get(f"/api/groups/{world.groups['Rupsjes']}/now")).status_code == 404


@pytest.mark.usefixtures("noon")
class TestKindsAndMedication:
    async def test_an_organisation_switches_kinds_off_and_renames_them(self, world: World) -> None:
        admin = await add_admin(world)
        change = {"kinds": [{"kind": "mood", "enabled": False}, {"kind": "sleep", "enabled": True, "label": "Rusten"}]}
        async with world.client(INGRID) as client:
            assert (await client.put("/api/day-kinds", json=change)).status_code == 403
        async with world.client(admin) as client:
            assert (await client.put("/api/day-kinds", json=change)).status_code == 200
        async with world.client(INGRID) as client:
            kinds = {k["kind"]: k for k in (await client.get("/api/day-kinds")).json()["kinds"]}
        assert kinds["sleep"]["label"] == "Rusten" and kinds["mood"]["enabled"] is False
        assert kinds["meal"]["label"] == "Eten" and kinds["meal"]["fields"][1]["choices"][0]["label"] == "alles"
        mood = await log(
            world, INGRID, {"children": [world.children["Noor"]], "kind": "mood", "details": {"mood": "happy"}}
        )
        assert mood.status_code == 422 and "staat uit" in mood.json()["detail"]

    async def test_medication_only_under_a_guardians_instruction_in_force(self, world: World) -> None:
        noor, pim = world.children["Noor"], world.children["Pim"]
        given = await world.post(
            ANNA, f"/api/children/{noor}/medication", {"name": "Paracetamol", "dose": "2,5 ml", "when": "bij koorts"}
        )
        assert given.status_code == 201, given.text
        instruction = given.json()["id"]
        assert (
            await world.post(INGRID, f"/api/children/{noor}/medication", {"name": "x", "dose": "y"})
        ).status_code == 404
        async with world.client(INGRID) as client:
            shown = (await client.get(f"/api/children/{noor}/medication")).json()["instructions"]
        assert [i["name"] for i in shown] == ["Paracetamol"]
        wrong_child = await log(world, INGRID, {"children": [pim], "kind": "medication", "instruction_id": instruction})
        assert wrong_child.status_code == 422
        dose = await log(world, INGRID, {"children": [noor], "kind": "medication", "instruction_id": instruction})
        assert dose.status_code == 201, dose.text
        assert dose.json()["entries"][0]["details"] == {
            "instruction_id": instruction,
            "name": "Paracetamol",
            "dose": "2,5 ml",
        }
        async with world.client(ANNA) as client:
            assert (await client.delete(f"/api/medication/{instruction}")).status_code == 204
        after = await log(world, INGRID, {"children": [noor], "kind": "medication", "instruction_id": instruction})
        assert after.status_code == 422


@pytest.mark.usefixtures("noon")
async def test_a_guardian_taken_off_the_child_loses_its_day_in_history_and_reading(world: World) -> None:
    noor = world.children["Noor"]
    assert (await log(world, INGRID, {"children": [noor], "kind": "bottle", "details": {"ml": 90}})).status_code == 201
    async with world.harness.uow() as uow:
        bram = await uow.session.scalar(select(User.id).where(User.email == BRAM))
    admin = await add_admin(world)
    removed = await world.post(admin, f"/api/admin/children/{noor}/guardians/{bram}/remove", {"reason": "typfout"})
    assert removed.status_code == 204, removed.text
    [item] = [i for i in await world.feed(BRAM) if i["kind"] == "day_entry.created"]
    assert item["data"] == {"id": item["data"]["id"], "deleted": True}
    assert (await day_of(world, BRAM, "Noor")).status_code == 404
    assert (await day_of(world, ANNA, "Noor")).json()["entries"][0]["details"] == {"ml": 90}
