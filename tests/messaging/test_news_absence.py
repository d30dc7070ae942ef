"""News to a location or the whole organisation; absence reports with the cut-off;
parent messages outside opening hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from messaging.absence import reported_on_time
from messaging.service import is_outside_hours
from portal.roster.models import Location, Organisation
from tests.messaging.conftest import World

KOBER_STAFF = {"ingrid@example.nl", "kees@example.nl", "wilma@example.nl"}
AMS = ZoneInfo("Europe/Amsterdam")


class TestNews:
    async def test_organisation_wide_news_reaches_every_current_family_and_the_staff(self, world: World) -> None:
        response = await world.post("wilma@example.nl", "/api/news", {"title": "Studiedag", "body": "Vrijdag dicht"})
        assert response.status_code == 201
        receivers = {
            email for email in world.tokens if [i["kind"] for i in await world.feed(email)] == ["news.created"]
        }
        families = {"anna@example.nl", "bram@example.nl", "piet@example.nl", "carla@example.nl", "dirk@example.nl"}
        assert families | KOBER_STAFF <= receivers
        assert "olga@example.nl" not in receivers  # her child left
        assert "xenia@example.nl" not in receivers  # another organisation

    async def test_location_news_stays_at_that_location(self, world: World) -> None:
        async with world.harness.uow() as uow:
            from sqlalchemy import select

            oost = await uow.session.scalar(select(Location.id).where(Location.name == "Oost"))
        body = {"title": "Oost", "body": "Nieuwe zandbak", "location_id": oost}
        assert (await world.post("wilma@example.nl", "/api/news", body)).status_code == 201
        for email, expected in (("dirk@example.nl", 1), ("kees@example.nl", 1), ("anna@example.nl", 0)):
            assert len(await world.feed(email)) == expected, email
        async with world.client("dirk@example.nl") as client:
            assert [n["title"] for n in (await client.get("/api/news")).json()["items"]] == ["Oost"]

    @pytest.mark.parametrize("email", ["ingrid@example.nl", "anna@example.nl"])
    async def test_only_managers_and_admins_write_news(self, world: World, email: str) -> None:
        assert (await world.post(email, "/api/news", {"title": "x", "body": "y"})).status_code == 404

    async def test_another_organisations_location_is_404(self, world: World) -> None:
        async with world.harness.uow() as uow:
            from sqlalchemy import select

            elders = await uow.session.scalar(select(Location.id).where(Location.name == "Elders"))
        body = {"title": "x", "body": "y", "location_id": elders}
        assert (await world.post("wilma@example.nl", "/api/news", body)).status_code == 404


class TestAbsence:
    async def test_report_reaches_staff_and_the_other_guardian(self, world: World) -> None:
        tomorrow = (dt.datetime.now(AMS).date() + dt.timedelta(days=1)).isoformat()
        response = await world.post(
            "anna@example.nl",
            f"/api/children/{world.children['Noor']}/absences",
            {"start_date": tomorrow, "reason": "ziek", "note": "Koorts"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["on_time"] is True and body["cutoff"] == "07:30" and body["end_date"] == tomorrow
        for email in ("ingrid@example.nl", "bram@example.nl"):
            [item] = await world.feed(email)
            assert item["kind"] == "absence.created" and item["data"]["reason"] == "ziek"
        assert await world.feed("piet@example.nl") == []

    @pytest.mark.parametrize(
        ("body", "detail"),
        [
            ({"start_date": "morgen", "reason": "ziek"}, "is geen datum"),
            ({"start_date": "2099-01-02", "end_date": "2099-01-01", "reason": "ziek"}, "voor de eerste dag"),
            ({"start_date": "2099-01-01", "reason": "verveeld"}, "Kies een reden"),
            ({"start_date": "2099-01-01", "end_date": "2099-06-01", "reason": "vakantie"}, "hoogstens 60 dagen"),
        ],
    )
    async def test_bad_reports_are_clear_422s(self, world: World, body: dict[str, str], detail: str) -> None:
        response = await world.post("anna@example.nl", f"/api/children/{world.children['Noor']}/absences", body)
        assert response.status_code == 422 and detail in response.json()["detail"]

    async def test_a_second_report_for_the_same_days_is_refused_in_words(self, world: World) -> None:
        path = f"/api/children/{world.children['Noor']}/absences"
        first = {"start_date": "2099-01-04", "end_date": "2099-01-06", "reason": "vakantie"}
        assert (await world.post("anna@example.nl", path, first)).status_code == 201
        overlap = {"start_date": "2099-01-06", "reason": "ziek"}
        again = await world.post("bram@example.nl", path, overlap)  # the other guardian, the same day
        assert again.status_code == 409
        assert again.json()["detail"].startswith("Noor is al afgemeld van 4 januari 2099 tot en met 6 januari 2099")
        later = {"start_date": "2099-01-07", "reason": "ziek"}
        assert (await world.post("bram@example.nl", path, later)).status_code == 201
        assert len([i for i in await world.feed("ingrid@example.nl") if i["kind"] == "absence.created"]) == 2

    @pytest.mark.parametrize("email", ["ingrid@example.nl", "piet@example.nl", "xenia@example.nl"])
    async def test_only_guardians_report(self, world: World, email: str) -> None:
        body = {"start_date": "2099-01-01", "reason": "ziek"}
        response = await world.post(email, f"/api/children/{world.children['Noor']}/absences", body)
        assert response.status_code == 404


class TestCutoff:
    organisation = Organisation(slug="x", name="x", timezone="Europe/Amsterdam", absence_cutoff=dt.time(7, 30))

    @pytest.mark.parametrize(
        ("start", "reported_local", "on_time"),
        [
            (dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 7, 29), True),
            (dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 7, 30), False),
            (dt.date(2026, 11, 23), dt.datetime(2026, 11, 22, 23, 0), True),
            (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 7, 15), True),  # the night the clocks go forward
            (dt.date(2026, 11, 20), dt.datetime(2026, 11, 23, 6, 0), False),  # reported afterwards
        ],
    )
    def test_on_time_is_judged_in_the_organisations_time_zone(
        self, start: dt.date, reported_local: dt.datetime, on_time: bool
    ) -> None:
        at = reported_local.replace(tzinfo=AMS).astimezone(dt.UTC)
        assert reported_on_time(self.organisation, start, at) is on_time


class TestQuietHours:
    organisation = Organisation(
        slug="x", name="x", timezone="Europe/Amsterdam", opens_at=dt.time(7), closes_at=dt.time(18, 30)
    )

    @pytest.mark.parametrize(
        ("local", "outside"),
        [
            (dt.datetime(2026, 11, 23, 9, 0), False),  # Monday morning
            (dt.datetime(2026, 11, 23, 18, 30), True),
            (dt.datetime(2026, 11, 23, 6, 59), True),
            (dt.datetime(2026, 11, 28, 10, 0), True),  # Saturday
        ],
    )
    def test_opening_hours(self, local: dt.datetime, outside: bool) -> None:
        assert is_outside_hours(self.organisation, local.replace(tzinfo=AMS)) is outside

    async def test_parent_message_after_hours_is_marked_and_delivered_at_once(self, world: World) -> None:
        async with world.harness.uow() as uow:  # a location that is never open
            await uow.session.execute(update(Organisation).values(opens_at=dt.time(0), closes_at=dt.time(0)))
        path = f"/api/children/{world.children['Noor']}/messages"
        parent = (await world.post("anna@example.nl", path, {"body": "Morgen later"})).json()
        staff = (await world.post("ingrid@example.nl", path, {"body": "Prima"})).json()
        assert parent["outside_hours"] is True and staff["outside_hours"] is False
        assert [i["data"]["body"] for i in await world.feed("ingrid@example.nl")] == ["Morgen later", "Prima"]
