"""The admin's roster page: a file is checked first (the report shows exactly what
would change, and nothing changes), then applied (and the new people invited);
a bad file names every bad line and changes nothing; the staff list decides the
groups people work in; only admins import, managers may look."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from sqlalchemy import func, select

from portal.roster.models import Child, StaffAssignment
from portal.web.roster_page import MAX_IMPORT_BYTES
from tests.harness import ROSTER, STAFF, Harness, logged_in

PASSWORD = "correct horse battery"
ADMINS = "name,email,role,groups\nArjen Beheer,arjen@example.nl,admin,\nWilma Manders,wilma@example.nl,manager,\n"


@pytest.fixture
async def org(harness: Harness) -> Harness:
    organisation = await harness.organisation()
    await harness.import_staff(organisation, ADMINS)
    async with harness.client() as client:
        await harness.activate(client, "arjen@example.nl", PASSWORD)
        await harness.activate(client, "wilma@example.nl", PASSWORD)
    return harness


async def check(client: httpx.AsyncClient, csrf: str, kind: str, text: str | bytes) -> httpx.Response:
    return await client.post(
        "/rooster/check",
        data={"csrf_token": csrf, "kind": kind},
        files={"file": ("lijst.csv", text.encode() if isinstance(text, str) else text, "text/csv")},
    )


def apply_form(html: str) -> dict[str, str]:
    form = html[html.index('data-testid="apply-form"') :]
    return dict(re.findall(r'name="(kind|checked|csrf_token)" value="([^"]*)"', form))


def counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">([^<]+)<', html))


async def children(harness: Harness) -> int:
    async with harness.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Child)) or 0)


async def test_check_then_apply(org: Harness) -> None:
    mails_before = len(org.outbox())
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        checked = await check(client, csrf, "roster", ROSTER)
        assert checked.status_code == 200
        assert counts(checked.text)["children_created"] == "4 nieuw(e) kind(eren)"
        assert counts(checked.text)["invitations"] == "5 uitnodiging(en)"
        await org.run_jobs()
        assert await children(org) == 0 and len(org.outbox()) == mails_before  # a check changes nothing
        applied = await client.post("/rooster/apply", data=apply_form(checked.text))
        assert applied.status_code == 200 and "Toegepast." in applied.text
        assert 'data-testid="apply-form"' not in applied.text
    await org.run_jobs()
    assert await children(org) == 4
    assert {entry.to for entry in org.outbox()} >= {"anna@example.nl", "carla@example.nl"}


async def test_applying_the_same_file_again_changes_nothing(org: Harness) -> None:
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        first = await check(client, csrf, "roster", ROSTER)
        await client.post("/rooster/apply", data=apply_form(first.text))
        again = await check(client, csrf, "roster", ROSTER)
    assert counts(again.text) == {"children_unchanged": "4 kind(eren) ongewijzigd"}


async def test_a_bad_file_names_every_bad_line_and_changes_nothing(org: Harness) -> None:
    bad = ROSTER + (
        "Centrum,Rupsjes,kdv,C9,Nieuw,Kind,2024-01-01,2024-06-01,,Nieuwe Ouder,nieuw@example.nl,,,,\n"
        "Centrum,Rupsjes,kdv,C10,,Kind,2024-01-01,2024-06-01,,Ouder,ouder@example.nl,,,,\n"
        "Centrum,Rupsjes,kdv,C11,Kind,Drie,gisteren,2024-06-01,,Ouder Drie,drie@example.nl,,,,\n"
    )
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        response = await check(client, csrf, "roster", bad)
    assert response.status_code == 422
    problems = response.text[response.text.index('data-testid="problems"') :]
    assert "2 probleem of problemen" in problems
    assert re.search(r"Regel 7:</strong> child_first_name is verplicht", problems)
    assert re.search(r"Regel 8:</strong> birth_date &#39;gisteren&#39; is geen datum", problems)
    assert 'data-testid="apply-form"' not in response.text
    assert await children(org) == 0


async def test_the_staff_list_decides_who_works_where(org: Harness) -> None:
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        await client.post("/rooster/apply", data=apply_form((await check(client, csrf, "roster", ROSTER)).text))
        await client.post("/rooster/apply", data=apply_form((await check(client, csrf, "staff", STAFF)).text))
        moved = STAFF.replace("ingrid@example.nl,staff,Centrum/Rupsjes", "ingrid@example.nl,staff,Centrum/Vlinders")
        checked = await check(client, csrf, "staff", moved)
        assert counts(checked.text)["links_removed"] == "1 groep(en) weggehaald bij medewerkers"
        await client.post("/rooster/apply", data=apply_form(checked.text))
        page = (await client.get("/rooster")).text
    ingrid = page[page.index("Ingrid Pauw") :].split("</tr>")[0]
    assert "Centrum/Vlinders" in ingrid and "Rupsjes" not in ingrid
    async with org.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(StaffAssignment)) == 2


async def test_mistakes_in_the_request_get_a_clear_answer(org: Harness) -> None:
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        no_file = await client.post("/rooster/check", data={"csrf_token": csrf, "kind": "roster"})
        assert no_file.status_code == 422 and "Kies een CSV-bestand." in no_file.text
        no_kind = await check(client, csrf, "cats", ROSTER)
        assert no_kind.status_code == 422 and "Kies welke lijst dit is." in no_kind.text
        too_big = await check(client, csrf, "roster", b"x" * (MAX_IMPORT_BYTES + 1))
        assert too_big.status_code == 413
        tampered = await client.post(
            "/rooster/apply", data={"csrf_token": csrf, "kind": "roster", "checked": "not base64!"}
        )
        assert tampered.status_code == 422
        no_csrf = await client.post(
            "/rooster/apply",
            data={"kind": "roster", "checked": base64.b64encode(ROSTER.encode()).decode()},
        )
        assert no_csrf.status_code == 403
    assert await children(org) == 0


async def test_managers_look_but_do_not_import(org: Harness) -> None:
    async with logged_in(org, "wilma@example.nl") as (client, csrf):
        page = await client.get("/rooster")
        assert page.status_code == 200 and 'data-testid="import-form"' not in page.text
        assert "Arjen Beheer" in page.text and "alle groepen" in page.text
        assert (await check(client, csrf, "roster", ROSTER)).status_code == 403
        applied = await client.post(
            "/rooster/apply",
            data={"csrf_token": csrf, "kind": "roster", "checked": base64.b64encode(ROSTER.encode()).decode()},
        )
        assert applied.status_code == 403
    assert await children(org) == 0


async def test_staff_and_parents_have_no_roster_page(org: Harness) -> None:
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        await client.post("/rooster/apply", data=apply_form((await check(client, csrf, "roster", ROSTER)).text))
        await client.post("/rooster/apply", data=apply_form((await check(client, csrf, "staff", STAFF)).text))
    await org.run_jobs()
    for email in ("ingrid@example.nl", "anna@example.nl"):
        async with org.client() as client:
            await org.activate(client, email, PASSWORD)
            assert (await client.get("/rooster")).status_code == 403


@pytest.mark.usefixtures("noon")
async def test_a_last_day_in_the_past_is_shown_and_ending_a_child_for_good_needs_confirming(org: Harness) -> None:
    """2026-11-23 is today: Noor's last day a week ago keeps her family's access for the
    leaving period; Mats's last day a year ago ends him for good, so it needs a tick."""
    async with logged_in(org, "arjen@example.nl") as (client, csrf):
        first = await check(client, csrf, "roster", ROSTER)
        await client.post("/rooster/apply", data=apply_form(first.text))
        lines = ROSTER.splitlines()
        lines[1] = lines[1].replace("2024-09-01,,Anna", "2024-09-01,2026-11-16,Anna")
        lines[4] = lines[4].replace("2022-08-22,,Dirk", "2022-08-22,2025-11-01,Dirk")
        ending = "\n".join(lines) + "\n"
        checked = await check(client, csrf, "roster", ending)
        assert checked.status_code == 200
        listed = checked.text[checked.text.index('data-testid="leaving-past"') :]
        listed = listed[: listed.index("</ul>")]
        assert "Noor Visser: laatste dag 16 november 2026. De ouders houden nog toegang" in listed
        assert "Mats de Wit: laatste dag 1 november 2025, ook na de vertrekperiode" in listed
        assert 'data-testid="confirm-removals"' in checked.text and "beëindig deze 1 kind(eren)" in checked.text
        unconfirmed = await client.post("/rooster/apply", data=apply_form(checked.text))
        assert unconfirmed.status_code == 409  # nothing applied without the tick
        async with org.uow() as uow:
            assert await uow.session.scalar(select(Child.end_date).where(Child.first_name == "Mats")) is None
        confirmed = await client.post("/rooster/apply", data=apply_form(checked.text) | {"confirm_removals": "yes"})
        assert confirmed.status_code == 200
    async with org.uow() as uow:
        assert str(await uow.session.scalar(select(Child.end_date).where(Child.first_name == "Mats"))) == "2025-11-01"
