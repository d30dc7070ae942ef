"""The planning half end to end on both stacks: a sick day reported at 07:10 earns a
credit with its expiry, spent on a free Wednesday and granted at once because the
ratio allows it; a second family asking for the last place at the same moment gets a
clear no and a place on the wait list, and the place when it frees; 20 requests at
once never spend one credit twice; other families, groups and organisations see
nothing; the administration exports the month."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.harness import Harness
from tests.messaging.conftest import World, add_admin, build_world

AMS = ZoneInfo("Europe/Amsterdam")
ANNA, PIET, CARLA, XENIA = "anna@example.nl", "piet@example.nl", "carla@example.nl", "xenia@example.nl"


async def call(world: World, email: str, method: str, path: str, body: Any = None) -> Any:
    async with world.client(email) as client:
        return await client.request(method, path, json=body)


async def set_up(world: World, admin: str) -> None:
    """Rupsjes: one place, one professional per dagdeel; Noor and Pim booked Monday,
    Tuesday and Thursday (so Wednesday has exactly one place)."""
    rupsjes = world.groups["Rupsjes"]
    response = await call(
        world,
        admin,
        "PUT",
        f"/api/planning/groups/{rupsjes}/room",
        {"places": 1, "staff": {str(d): {"ochtend": 1, "middag": 1} for d in range(5)}},
    )
    assert response.status_code == 200, response.text
    contracts = "child_ref,care_type,schedule,weeks,starts_on,ends_on\nC1,kdv,ma di do,52,2026-01-01,\nC2,kdv,ma di do,52,2026-01-01,\n"
    async with world.client(admin) as client:
        response = await client.post("/api/planning/contracts", content=contracts.encode())
    assert response.status_code == 200 and response.json() == {"imported": 2}, response.text


@pytest.fixture
async def world(noon: dt.date, harness: Harness) -> tuple[World, str]:
    built = await build_world(harness)
    admin = await add_admin(built)
    await set_up(built, admin)
    return built, admin


async def test_the_sick_day_the_credit_the_last_place_and_the_export(world: tuple[World, str]) -> None:
    world_, admin = world
    noor, pim = world_.children["Noor"], world_.children["Pim"]
    monday = dt.date(2026, 11, 30)
    with time_machine.travel(dt.datetime(2026, 11, 30, 7, 10, tzinfo=AMS), tick=True):
        response = await call(
            world_, ANNA, "POST", f"/api/children/{noor}/absences", {"start_date": monday.isoformat(), "reason": "ziek"}
        )
        assert response.status_code == 201, response.text
        month = (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}?month=2026-12")).json()
    assert month["balance"] == 1
    assert month["lots"] == [
        {
            "id": month["lots"][0]["id"],
            "day": "2026-11-30",
            "remaining": 1,
            "expires_on": "2026-12-30",
            "care_type": "kdv",
        }
    ]
    wednesday = "2026-12-09"
    days = {d["day"]: d for d in month["days"]}
    assert days[wednesday]["why_not"]["credit"] == [] and days[wednesday]["room"] is True
    assert days["2026-12-25"]["closed"] == "holiday" and days["2026-12-10"]["why_not"]["extra"] == ["already_booked"]

    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=AMS), tick=True):
        both = await asyncio.gather(
            call(
                world_,
                ANNA,
                "POST",
                f"/api/planning/children/{noor}/requests",
                {"kind": "extra", "day": wednesday, "use_credit": True, "wait": True},
            ),
            call(
                world_,
                PIET,
                "POST",
                f"/api/planning/children/{pim}/requests",
                {"kind": "extra", "day": wednesday, "wait": True},
            ),
        )
    assert [r.status_code for r in both] == [201, 201], [r.text for r in both]
    statuses = sorted(r.json()["status"] for r in both)
    assert statuses == ["granted", "waiting"]  # one place: one yes, one wait list
    noor_request, pim_request = both[0].json(), both[1].json()
    assert (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}/ledger")).json()["balance"] == (
        0 if noor_request["status"] == "granted" else 1
    )
    # the families heard of it in their feed, and only they
    kinds = [i["kind"] for i in await world_.feed(PIET)]
    assert "planning.decided" in kinds
    assert all(i["data"]["child"]["id"] != pim for i in await world_.feed(ANNA) if i["kind"] == "planning.decided")

    loser, loser_email = (pim_request, PIET) if noor_request["status"] == "granted" else (noor_request, ANNA)
    winner, winner_email = (noor_request, ANNA) if loser is pim_request else (pim_request, PIET)
    assert loser["status"] == "waiting"
    # the winner cancels in time: the place goes to the wait list at once, the credit back
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=AMS), tick=True):
        response = await call(world_, winner_email, "DELETE", f"/api/planning/requests/{winner['id']}")
        assert response.status_code == 200 and response.json()["status"] == "cancelled", response.text
        promoted = (
            await call(world_, loser_email, "GET", f"/api/planning/children/{loser['child']['id']}?month=2026-12")
        ).json()
        await world_.harness.run_jobs()
    assert [r["status"] for r in {d["day"]: d for d in promoted["days"]}[wednesday]["requests"]] == ["granted"]
    assert (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}/ledger")).json()["balance"] == (
        1 if winner is noor_request else 0
    )

    response = await call(world_, admin, "GET", "/planning/export.csv?month=2026-12")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    if loser is pim_request:  # Pim's extra day is paid for, Noor's was credit
        assert [(r["voornaam"], r["datum"], r["aantal"], r["factuurmaand"]) for r in rows] == [
            ("Pim", wednesday, "1", "2027-01")
        ]
    else:
        assert rows == []
    # a parent may not export, nor see the inbox
    assert (await call(world_, PIET, "GET", "/planning/export.csv?month=2026-12")).status_code == 403


async def test_twenty_requests_at_once_never_spend_one_credit_twice(world: tuple[World, str]) -> None:
    world_, admin = world
    noor = world_.children["Noor"]
    rupsjes = world_.groups["Rupsjes"]
    await call(world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"places": 16})
    response = await call(
        world_, admin, "POST", f"/api/planning/children/{noor}/ledger", {"amount": 1, "reason": "welkom"}
    )
    assert response.status_code == 201, response.text
    assert (
        await call(world_, admin, "POST", f"/api/planning/children/{noor}/ledger", {"amount": 1, "reason": " "})
    ).status_code == 422
    wednesdays_and_fridays = [
        d for d in (dt.date(2026, 11, 26) + dt.timedelta(days=n) for n in range(30)) if d.weekday() in (2, 4)
    ][:8]
    asks = [{"kind": "extra", "day": d.isoformat(), "use_credit": True} for d in wednesdays_and_fridays]
    asks += [asks[0]] * (20 - len(asks))  # and the same day again and again
    answers = await asyncio.gather(
        *(call(world_, ANNA, "POST", f"/api/planning/children/{noor}/requests", a) for a in asks)
    )
    codes = [a.status_code for a in answers]
    granted = [a for a in answers if a.status_code == 201 and a.json()["status"] == "granted"]
    assert len(granted) == 1, codes
    assert set(codes) <= {201, 409, 422}, [a.text for a in answers]
    ledger = (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}/ledger")).json()
    assert ledger["balance"] == 0 == sum(e["amount"] for e in ledger["entries"])
    assert [e["entry"] for e in ledger["entries"]].count("spent") == 1


async def test_others_see_nothing_and_bad_input_is_refused_in_words(world: tuple[World, str]) -> None:
    world_, admin = world
    noor = world_.children["Noor"]
    for email in (PIET, CARLA, XENIA):  # another family, another group, another organisation
        assert (await call(world_, email, "GET", f"/api/planning/children/{noor}")).status_code == 404
        assert (await call(world_, email, "GET", f"/api/planning/children/{noor}/ledger")).status_code == 404
        response = await call(
            world_, email, "POST", f"/api/planning/children/{noor}/requests", {"kind": "extra", "day": "2026-12-09"}
        )
        assert response.status_code == 404
    assert (await call(world_, XENIA, "GET", "/api/planning/inbox")).status_code == 403
    assert (await call(world_, ANNA, "PUT", "/api/planning/rules", {"preset": "kdv_regulier"})).status_code == 403
    response = await call(
        world_, ANNA, "POST", f"/api/planning/children/{noor}/requests", {"kind": "extra", "day": "2026-11-24"}
    )
    assert response.status_code == 422 and "te laat" in response.json()["detail"]
    response = await call(
        world_, ANNA, "POST", f"/api/planning/children/{noor}/requests", {"kind": "extra", "day": "2026-12-25"}
    )
    assert response.status_code == 422 and "feestdag" in response.json()["detail"]
    async with world_.client(admin) as client:
        response = await client.post(
            "/api/planning/contracts",
            content=b"child_ref,care_type,schedule,weeks,starts_on\nC1,kdv,ma,52,2026-01-01\nC9,kdv,zo,52,2026-01-01\n",
        )
    assert response.status_code == 422 and "3: child_ref" in response.json()["detail"]
    # nothing was written: Noor's contract is still Monday, Tuesday and Thursday
    month = (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}?month=2026-12")).json()
    assert {d["day"]: d["booked"] for d in month["days"]}["2026-12-03"] == ["ochtend", "middag"]


async def test_the_manager_decides_the_inbox_with_the_ratio_in_view(world: tuple[World, str]) -> None:
    world_, admin = world
    noor = world_.children["Noor"]
    rupsjes = world_.groups["Rupsjes"]
    # manual decisions, and room for more children than the one professional may have
    await call(world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"places": 16})
    location = await _location_of(world_, rupsjes)
    assert (
        await call(world_, admin, "PUT", f"/api/planning/locations/{location}", {"auto_decide": False})
    ).status_code == 200
    response = await call(
        world_,
        ANNA,
        "POST",
        f"/api/planning/children/{noor}/requests",
        {"kind": "extra", "day": "2026-12-09", "note": "oma is jarig"},
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    inbox = (await call(world_, admin, "GET", "/api/planning/inbox")).json()["requests"]
    assert [(i["child"]["name"], i["status"], i["fits"]) for i in inbox] == [("Noor Visser", "pending", True)]
    await world_.harness.run_jobs()
    # who decides hears of it in their feed (and by push); the group's staff and the families do not
    requested = [i for i in await world_.feed("wilma@example.nl") if i["kind"] == "planning.requested"]
    assert [(i["data"]["id"], i["data"]["status"]) for i in requested] == [(inbox[0]["id"], "pending")]
    for email in ("ingrid@example.nl", ANNA, PIET):
        assert all(i["kind"] != "planning.requested" for i in await world_.feed(email))
    assert inbox[0]["slots"][0]["needed_with_one_more"] == 1 and inbox[0]["slots"][0]["staff"] == 1
    # no staff planned on Wednesdays now: granting would break the ratio, and says so
    await call(
        world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"staff": {"2": {"ochtend": 0, "middag": 0}}}
    )
    response = await call(world_, admin, "POST", f"/api/planning/requests/{inbox[0]['id']}/decision", {"grant": True})
    assert response.status_code == 409 and "beroepskracht-kindratio" in response.json()["detail"]
    await call(
        world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"staff": {"2": {"ochtend": 1, "middag": 1}}}
    )
    response = await call(world_, admin, "POST", f"/api/planning/requests/{inbox[0]['id']}/decision", {"grant": True})
    assert response.status_code == 200 and response.json()["status"] == "granted"
    assert (await call(world_, admin, "GET", "/api/planning/inbox")).json()["requests"] == []
    assert (
        await call(world_, admin, "POST", f"/api/planning/requests/{inbox[0]['id']}/decision", {"grant": False})
    ).status_code == 409


async def _location_of(world: World, group_id: int) -> int:
    from portal.roster.models import Group

    async with world.harness.uow() as uow:
        group = await uow.session.get_one(Group, group_id)
        return group.location_id


async def _sweep(world: World) -> None:
    from planning.housekeeping import PLANNING_SWEEP

    await world.harness.rt.queue.enqueue(PLANNING_SWEEP, None, job_id=f"sweep-{dt.datetime.now().timestamp()}")
    await world.harness.run_jobs()


async def test_an_absence_frees_the_place_for_the_wait_list(world: tuple[World, str]) -> None:
    world_, admin = world
    noor, pim = world_.children["Noor"], world_.children["Pim"]
    wednesday = "2026-12-09"
    response = await call(
        world_,
        admin,
        "PUT",
        f"/api/planning/children/{pim}/contract",
        {"care_type": "kdv", "schedule": "ma di wo do", "weeks": 52, "starts_on": "2026-01-01"},
    )
    assert response.status_code == 200, response.text
    response = await call(
        world_,
        ANNA,
        "POST",
        f"/api/planning/children/{noor}/requests",
        {"kind": "extra", "day": wednesday, "wait": True},
    )
    assert response.status_code == 201 and response.json()["status"] == "waiting", response.text
    request_id = response.json()["id"]
    assert (await call(world_, admin, "GET", "/api/planning/inbox")).json()["requests"][0]["status"] == "waiting"
    # Pim will be away: his place goes to Noor as soon as the absence is in (its trigger)
    response = await call(
        world_, PIET, "POST", f"/api/children/{pim}/absences", {"start_date": wednesday, "reason": "vakantie"}
    )
    assert response.status_code == 201, response.text
    await world_.harness.run_jobs()
    decided = [i for i in await world_.feed(ANNA) if i["kind"] == "planning.decided" and i["data"]["id"] == request_id]
    assert len(decided) == 2 and decided[-1]["data"]["status"] == "granted"  # told twice; the data is as it is now
    assert (await call(world_, admin, "GET", "/api/planning/inbox")).json()["requests"] == []


async def test_credit_expires_by_the_housekeeping_and_is_never_spent_after(world: tuple[World, str]) -> None:
    world_, admin = world
    noor = world_.children["Noor"]
    response = await call(
        world_, admin, "POST", f"/api/planning/children/{noor}/ledger", {"amount": 1, "reason": "goodwill"}
    )
    assert response.status_code == 201
    lot = response.json()["entries"][0]
    assert lot["by"] == "Ad Min" and lot["expires_on"] == "2026-12-23"  # 30 days from Monday 23 November
    await _sweep(world_)
    assert (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}/ledger")).json()["balance"] == 1
    with time_machine.travel(dt.datetime(2026, 12, 24, 9, 0, tzinfo=AMS), tick=True):
        await _sweep(world_)
        ledger = (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}/ledger")).json()
        response = await call(
            world_,
            ANNA,
            "POST",
            f"/api/planning/children/{noor}/requests",
            {"kind": "extra", "day": "2026-12-30", "use_credit": True},
        )
        await world_.harness.run_jobs()
    assert [e["entry"] for e in ledger["entries"]] == ["expired", "corrected"] and ledger["balance"] == 0
    assert response.status_code == 422 and "tegoed" in response.json()["detail"]


ROSTER_WITH_CONTRACTS = """location,group,care_type,child_ref,child_first_name,child_last_name,birth_date,start_date,guardian1_name,guardian1_email,contract_schedule,contract_weeks
Noord,Egeltjes,kdv,E1,Eva,Egel,2024-05-01,2025-01-06,Erik Egel,erik@example.nl,ma:ochtend wo,46
Noord,Egeltjes,kdv,E2,Ed,Egel,2024-06-01,2025-01-06,Erik Egel,erik@example.nl,,
"""


async def test_contracts_come_with_the_roster_file_all_or_nothing(world: tuple[World, str]) -> None:
    from sqlalchemy import select

    from planning.models import Contract
    from portal.roster.csvfile import ImportRejected
    from portal.roster.models import Child, Organisation

    world_, _ = world
    harness = world_.harness
    async with harness.uow() as uow:
        kober = await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))
    assert kober is not None
    bad = ROSTER_WITH_CONTRACTS.replace("ma:ochtend wo,46", "zo,46")
    with pytest.raises(ImportRejected) as rejected:
        await harness.import_roster(kober, bad)
    assert [(e.line, e.key) for e in rejected.value.errors] == [(2, "import.contract.bad_schedule")]
    async with harness.uow() as uow:
        assert await uow.session.scalar(select(Child).where(Child.external_ref == "E1")) is None  # nothing at all
    await harness.import_roster(kober, ROSTER_WITH_CONTRACTS)
    async with harness.uow() as uow:
        rows = (
            await uow.session.execute(
                select(Child.external_ref, Contract)
                .join(Contract, Contract.child_id == Child.id)
                .where(Child.external_ref.in_(["E1", "E2"]))
            )
        ).all()
    assert [(ref, c.schedule, c.weeks, c.starts_on) for ref, c in rows] == [
        ("E1", {"0": ["ochtend"], "2": ["ochtend", "middag"]}, 46, dt.date(2025, 1, 6))
    ]


async def test_a_decision_notifies_and_a_booked_day_leads_to_the_absence_form(world: tuple[World, str]) -> None:
    from notify import kinds

    world_, _ = world
    noor = world_.children["Noor"]
    assert kinds.category("planning.decided", {"id": 1, "status": "granted"}) == kinds.PLANNING
    assert kinds.PLANNING in kinds.categories_for(is_staff=False)
    assert kinds.category("planning.requested", {"id": 1, "status": "pending"}) == kinds.PLANNING
    assert kinds.PLANNING in kinds.categories_for(is_staff=True)  # managers hear of the inbox
    async with world_.client(ANNA) as client:
        page = await client.get(f"/planning?child={noor}&month=2026-12")
        assert page.status_code == 200
        assert f'href="/afwezig?child={noor}&amp;day=2026-12-03"' in page.text  # Thursday 3 December is booked
        form = await client.get(f"/afwezig?child={noor}&day=2026-12-03")
    assert 'name="start_date" required value="2026-12-03"' in form.text, form.text[form.text.find("absence-start") :][
        :300
    ]


async def test_twenty_families_at_once_for_the_last_place(world: tuple[World, str]) -> None:
    """20 families ask for the last place on the same day at the same moment, each paying
    with a credit: one is granted, nobody else's credit is touched, the rest wait."""
    from sqlalchemy import select

    from portal.accounts.models import SessionKind
    from portal.accounts.service import start_session
    from portal.roster.models import Child, Organisation, User

    world_, admin = world
    harness = world_.harness
    header = "location,group,care_type,child_ref,child_first_name,child_last_name,birth_date,start_date,guardian1_name,guardian1_email"
    rows = [
        f"Centrum,Rupsjes,kdv,R{n},Kind{n},Rups,2024-0{1 + n % 9}-01,2025-01-06,Ouder {n},ouder{n}@example.nl"
        for n in range(20)
    ]
    async with harness.uow() as uow:
        kober = await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))
    assert kober is not None
    await harness.import_roster(kober, "\n".join([header, *rows]) + "\n")
    families: list[tuple[int, str]] = []
    async with harness.uow() as uow:
        for n in range(20):
            user = await uow.session.scalar(select(User).where(User.email == f"ouder{n}@example.nl"))
            child = await uow.session.scalar(select(Child).where(Child.external_ref == f"R{n}"))
            assert user is not None and child is not None
            token, _ = await start_session(uow.session, user, SessionKind.BEARER, label="test")
            world_.tokens[user.email], world_.orgs[user.email] = token, "kober"
            families.append((child.id, user.email))
    rupsjes = world_.groups["Rupsjes"]
    # Wednesday 9 December: nobody is booked, one place, staff for everyone
    await call(
        world_,
        admin,
        "PUT",
        f"/api/planning/groups/{rupsjes}/room",
        {"places": 1, "staff": {"2": {"ochtend": 4, "middag": 4}}},
    )
    for child_id, _ in families:
        response = await call(
            world_, admin, "POST", f"/api/planning/children/{child_id}/ledger", {"amount": 1, "reason": "test"}
        )
        assert response.status_code == 201
    answers = await asyncio.gather(
        *(
            call(
                world_,
                email,
                "POST",
                f"/api/planning/children/{child_id}/requests",
                {"kind": "extra", "day": "2026-12-09", "use_credit": True, "wait": True},
            )
            for child_id, email in families
        )
    )
    await harness.run_jobs()
    assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers if a.status_code != 201]
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["granted"] + ["waiting"] * 19
    balances = [
        (await call(world_, admin, "GET", f"/api/planning/children/{c}/ledger")).json()["balance"] for c, _ in families
    ]
    assert sorted(balances) == [0] + [1] * 19  # one credit spent, once
    inbox = (await call(world_, admin, "GET", "/api/planning/inbox")).json()["requests"]
    assert len(inbox) == 19 and all(not i["fits"] for i in inbox)


async def test_the_export_cannot_be_read_as_a_formula(world: tuple[World, str]) -> None:
    from sqlalchemy import update

    from portal.roster.models import Child

    world_, admin = world
    pim = world_.children["Pim"]
    async with world_.harness.uow() as uow:
        await uow.session.execute(
            update(Child).where(Child.id == pim).values(last_name='=HYPERLINK("http://x")', first_name="@Pim")
        )
    await call(world_, admin, "PUT", f"/api/planning/groups/{world_.groups['Rupsjes']}/room", {"places": 16})
    response = await call(
        world_, PIET, "POST", f"/api/planning/children/{pim}/requests", {"kind": "extra", "day": "2026-12-09"}
    )
    assert response.status_code == 201 and response.json()["status"] == "granted"
    await world_.harness.run_jobs()
    rows = list(
        csv.DictReader(io.StringIO((await call(world_, admin, "GET", "/planning/export.csv?month=2026-12")).text))
    )
    assert [(r["voornaam"], r["achternaam"], r["aantal"], r["factuurmaand"]) for r in rows] == [
        ("'@Pim", '\'=HYPERLINK("http://x")', "1", "2027-01")
    ]


async def test_a_swap_moves_the_day_and_cannot_be_undone_into_a_full_day(world: tuple[World, str]) -> None:
    world_, admin = world
    noor = world_.children["Noor"]
    rupsjes = world_.groups["Rupsjes"]
    await call(world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"places": 2})
    response = await call(
        world_,
        ANNA,
        "POST",
        f"/api/planning/children/{noor}/requests",
        {"kind": "swap", "day": "2026-12-09", "gives_up": "2026-12-10"},
    )
    assert response.status_code == 201 and response.json()["status"] == "granted", response.text
    swap = response.json()
    days = {
        d["day"]: d
        for d in (await call(world_, ANNA, "GET", f"/api/planning/children/{noor}?month=2026-12")).json()["days"]
    }
    assert days["2026-12-10"]["swapped_away"] is True and days["2026-12-09"]["requests"][0]["status"] == "granted"
    # a swap needs a booked day to give up, and the new day free
    response = await call(
        world_,
        ANNA,
        "POST",
        f"/api/planning/children/{noor}/requests",
        {"kind": "swap", "day": "2026-12-11", "gives_up": "2026-12-09"},
    )
    assert response.status_code == 422 and "geen opvang" in response.json()["detail"]
    # Thursday fills up meanwhile (one place, Pim): the swap cannot go back
    await call(world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"places": 1})
    response = await call(world_, ANNA, "DELETE", f"/api/planning/requests/{swap['id']}")
    assert response.status_code == 409 and "vol" in response.json()["detail"]
    await call(world_, admin, "PUT", f"/api/planning/groups/{rupsjes}/room", {"places": 2})
    response = await call(world_, ANNA, "DELETE", f"/api/planning/requests/{swap['id']}")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    await world_.harness.run_jobs()


async def test_download_everything_holds_the_planning(world: tuple[World, str]) -> None:
    import json
    import zipfile

    world_, admin = world
    noor = world_.children["Noor"]
    await call(world_, admin, "POST", f"/api/planning/children/{noor}/ledger", {"amount": 1, "reason": "welkom"})
    response = await call(
        world_,
        ANNA,
        "POST",
        f"/api/planning/children/{noor}/requests",
        {"kind": "extra", "day": "2026-12-09", "use_credit": True},
    )
    assert response.status_code == 201 and response.json()["status"] == "granted"
    asked = await call(world_, ANNA, "POST", f"/api/children/{noor}/archive")
    assert asked.status_code == 202, asked.text
    await world_.harness.run_jobs()
    state = (await call(world_, ANNA, "GET", f"/api/archives/{asked.json()['id']}")).json()
    assert state["status"] == "ready", state
    async with world_.client(ANNA) as client:
        archive = zipfile.ZipFile(io.BytesIO((await client.get(state["download_url"])).content))
    planning = json.loads(archive.read("export.json"))["planning"]
    assert planning == json.loads(archive.read("planning.json"))
    assert [c["schedule"] for c in planning["contracts"]] == [
        {"0": ["ochtend", "middag"], "1": ["ochtend", "middag"], "3": ["ochtend", "middag"]}
    ]
    assert [(r["kind"], r["day"], r["status"]) for r in planning["requests"]] == [("extra", "2026-12-09", "granted")]
    assert [(e["entry"], e["amount"]) for e in planning["ledger"]] == [("corrected", 1), ("spent", -1)]
    assert planning["balance"] == 0
