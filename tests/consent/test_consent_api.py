"""Consents over HTTP on both stacks: a guardian's answers and the effective consent,
the audit trail (append-only, exported for admins), the tagging screen, the
preview and the manager's overview; and every way of reaching a child that is
not yours."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from portal.roster.models import Child
from tests.media.conftest import set_consent
from tests.messaging.conftest import World


async def get(world: World, email: str, path: str, **kwargs):
    async with world.client(email) as client:
        return await client.get(path, **kwargs)


def kinds_of(body: dict) -> dict[str, dict]:
    return {k["key"]: k for k in body["kinds"]}


async def test_consent_holds_only_when_every_guardian_says_yes(world: World) -> None:
    noor = world.children["Noor"]
    start = kinds_of((await get(world, "anna@example.nl", f"/api/children/{noor}/consents")).json())
    assert start["photo"]["mine"] is None and start["photo"]["effective"] is False  # unanswered is no
    assert start["photo"]["label"] == "Mijn kind mag op foto's"
    assert "onherkenbaar" in start["photo"]["explanation"]

    after_anna = kinds_of((await set_consent(world, "anna@example.nl", "Noor", photo=True, photo_group=True)).json())
    assert after_anna["photo"]["mine"] is True and after_anna["photo"]["effective"] is False  # Bram has not answered
    assert {g["name"]: g["granted"] for g in after_anna["photo"]["guardians"]} == {
        "Anna Visser": True,
        "Bram Visser": None,
    }
    after_bram = kinds_of((await set_consent(world, "bram@example.nl", "Noor", photo=True, photo_group=False)).json())
    assert after_bram["photo"]["effective"] is True
    assert after_bram["photo_group"]["effective"] is False  # the two disagree: no

    english = (
        await get(world, "bram@example.nl", f"/api/children/{noor}/consents", headers={"accept-language": "en"})
    ).json()
    assert kinds_of(english)["photo"]["label"] == "My child may appear in photos"
    assert any("not shared again by themselves" in note for note in english["notes"])


async def test_every_change_is_in_the_history_with_who_when_and_which_client(world: World) -> None:
    noor = world.children["Noor"]
    async with world.client("anna@example.nl") as client:
        headers = {"x-schriftje-client": "Schriftje iOS 1.2"}
        assert (await client.put(f"/api/children/{noor}/consents", json={"photo": True}, headers=headers)).is_success
        assert (await client.put(f"/api/children/{noor}/consents", json={"photo": True}, headers=headers)).is_success
        assert (await client.put(f"/api/children/{noor}/consents", json={"photo": False})).is_success
    changes = (await get(world, "bram@example.nl", f"/api/children/{noor}/consents/history")).json()["changes"]
    assert [(c["by"], c["kind"], c["old"], c["new"]) for c in changes] == [
        ("Anna Visser", "photo", None, True),
        ("Anna Visser", "photo", True, False),  # the repeated answer changed nothing and is not a change
    ]
    assert changes[0]["client"] == "Schriftje iOS 1.2"
    assert changes[1]["client"].startswith("python-httpx")
    assert dt.datetime.fromisoformat(changes[0]["changed_at"]) <= dt.datetime.fromisoformat(changes[1]["changed_at"])


async def test_the_audit_trail_cannot_be_rewritten_in_the_database(world: World) -> None:
    await set_consent(world, "anna@example.nl", "Noor", photo=True)
    with pytest.raises(DBAPIError, match="append-only"):
        async with world.harness.uow() as uow:
            await uow.session.execute(text("UPDATE consent_change SET new = false"))
    async with world.harness.uow() as uow:
        assert (await uow.session.execute(text("SELECT new FROM consent_change"))).scalars().all() == [True]


@pytest.mark.parametrize(
    ("email", "child", "status"),
    [
        ("piet@example.nl", "Noor", 404),  # another family's child
        ("xenia@example.nl", "Noor", 404),  # another organisation (on her own host it does not exist)
        ("anna@example.nl", "Xander", 404),  # a child of another organisation
        ("olga@example.nl", "Oud", 404),  # left long ago: past the window
        ("ingrid@example.nl", "Noor", 404),  # staff do not answer for families
        ("anna@example.nl", "Nobody", 404),
    ],
)
async def test_nobody_answers_for_a_child_that_is_not_theirs(world: World, email: str, child: str, status: int) -> None:
    response = await set_consent(world, email, child, photo=True, photo_group=True)
    assert response.status_code == status, response.text
    if child in world.children:
        assert (await get(world, email, f"/api/children/{world.children[child]}/consents")).status_code == status
        history = await get(world, email, f"/api/children/{world.children[child]}/consents/history")
        assert history.status_code == status
    async with world.harness.uow() as uow:
        assert (await uow.session.execute(text("SELECT count(*) FROM consent_change"))).scalar() == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"photo": "yes"}, "true of false"),
        ({"instagram": True}, "Onbekende toestemming: instagram"),
        ({}, "JSON-object"),
    ],
)
async def test_a_bad_answer_is_refused_with_a_readable_message(world: World, body: dict, fragment: str) -> None:
    async with world.client("anna@example.nl") as client:
        response = await client.put(f"/api/children/{world.children['Noor']}/consents", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


async def test_after_leaving_a_family_can_withdraw_but_not_grant(world: World) -> None:
    await set_consent(world, "piet@example.nl", "Pim", photo=True)
    async with world.harness.uow() as uow:
        yesterday = dt.date.today() - dt.timedelta(days=2)
        await uow.session.execute(update(Child).where(Child.id == world.children["Pim"]).values(end_date=yesterday))
    grant = await set_consent(world, "piet@example.nl", "Pim", photo_group=True)
    assert grant.status_code == 403
    assert "niet meer geven" in grant.json()["detail"]
    withdraw = await set_consent(world, "piet@example.nl", "Pim", photo=False)
    assert withdraw.status_code == 200 and withdraw.json()["can_grant"] is False


async def test_the_tagging_screen_shows_each_childs_photo_status(world: World) -> None:
    await set_consent(world, "anna@example.nl", "Noor", photo=True, photo_group=True)
    await set_consent(world, "bram@example.nl", "Noor", photo=True, photo_group=True)
    await set_consent(world, "piet@example.nl", "Pim", photo=True, photo_group=False)
    response = await get(world, "ingrid@example.nl", f"/api/groups/{world.groups['Rupsjes']}/consents")
    assert response.status_code == 200
    statuses = {c["name"]: (c["status"], c["status_text"]) for c in response.json()["children"]}
    assert statuses == {
        "Noor Visser": ("may_appear", "Mag op foto's"),
        "Pim Jansen": ("own_family_only", "Alleen voor eigen gezin"),
    }  # Oud left: not listed
    for email in ("kees@example.nl", "anna@example.nl"):
        assert (await get(world, email, f"/api/groups/{world.groups['Rupsjes']}/consents")).status_code == 404


async def test_the_preview_says_who_receives_what_before_uploading(world: World) -> None:
    noor, pim = world.children["Noor"], world.children["Pim"]
    for email in ("anna@example.nl", "bram@example.nl"):
        await set_consent(world, email, "Noor", photo=True, photo_group=True)
    await set_consent(world, "piet@example.nl", "Pim", photo=True, photo_group=False)
    box = {"x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3}
    body = {
        "photos": [
            {"children": [noor, pim]},
            {"children": [noor, pim], "masks": {str(pim): box}},
            {"children": []},
        ]
    }
    response = await world.post("ingrid@example.nl", f"/api/groups/{world.groups['Rupsjes']}/photos/preview", body)
    assert response.status_code == 200, response.text
    plain, masked, untagged = response.json()["photos"]
    by_child = {tuple(c["name"] for c in f["children"]): f for f in plain["families"]}
    assert by_child[("Noor Visser",)]["receives"] == "nothing"
    assert by_child[("Pim Jansen",)]["receives"] == "unmasked"
    by_child = {tuple(c["name"] for c in f["children"]): f for f in masked["families"]}
    assert by_child[("Noor Visser",)]["receives"] == "masked"
    assert by_child[("Noor Visser",)]["text"] == "ontvangt de foto met Pim gemaskeerd"
    assert untagged["families"][0]["receives"] == "unmasked"

    await set_consent(world, "piet@example.nl", "Pim", photo=False)
    blocked = (
        await world.post("ingrid@example.nl", f"/api/groups/{world.groups['Rupsjes']}/photos/preview", body)
    ).json()["photos"][0]
    assert blocked["blocked_by"] == [{"id": pim, "name": "Pim Jansen"}]
    assert "Maskeer dit kind" in blocked["message"]
    other_group = {"photos": [{"children": [world.children["Lina"]]}]}
    bad = await world.post("ingrid@example.nl", f"/api/groups/{world.groups['Rupsjes']}/photos/preview", other_group)
    assert bad.status_code == 422


async def test_admins_export_a_childs_history_as_csv_and_json(world: World) -> None:
    noor = world.children["Noor"]
    async with world.client("anna@example.nl") as client:
        await client.put(f"/api/children/{noor}/consents", json={"photo": True}, headers={"user-agent": "=HYPERLINK()"})
    response = await get(world, "wilma@example.nl", f"/api/admin/children/{noor}/consent-history.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["by"], r["kind"], r["old"], r["new"]) for r in rows] == [("Anna Visser", "photo", "", "True")]
    assert rows[0]["client"] == "'=HYPERLINK()"  # no formula reaches a spreadsheet
    data = (await get(world, "wilma@example.nl", f"/api/admin/children/{noor}/consent-history.json")).json()
    assert data["child"]["name"] == "Noor Visser" and data["changes"][0]["new"] is True
    assert (await get(world, "ingrid@example.nl", f"/api/admin/children/{noor}/consent-history.csv")).status_code == 403
    assert (await get(world, "anna@example.nl", f"/api/admin/children/{noor}/consent-history.json")).status_code == 403
    xander = world.children["Xander"]
    assert (
        await get(world, "wilma@example.nl", f"/api/admin/children/{xander}/consent-history.csv")
    ).status_code == 404


@pytest.mark.parametrize("separator", [",", ";"])
async def test_no_cell_of_the_export_starts_a_formula_in_any_spreadsheet(world: World, separator: str) -> None:
    """Free text a parent controls (the client string), split the way a spreadsheet in a
    Dutch locale (';') or an English one (',') may split it, even one that ignores the
    quotes: no cell may start a formula."""
    noor = world.children["Noor"]
    clients = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "a;=HYPERLINK(x)", "b, +cmd", " =1"]
    for n, client in enumerate(clients):
        async with world.client("anna@example.nl") as anna:
            granted = n % 2 == 0
            await anna.put(
                f"/api/children/{noor}/consents", json={"photo": granted}, headers={"x-schriftje-client": client}
            )
    text = (await get(world, "wilma@example.nl", f"/api/admin/children/{noor}/consent-history.csv")).text
    cells = [cell.lstrip(' "') for line in text.split("\r\n") for cell in line.split(separator)]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    exported = [row["client"] for row in csv.DictReader(io.StringIO(text))]
    assert len(exported) == len(clients) and all(e.lstrip("' ").lstrip() for e in exported)


async def test_the_manager_overview_lists_who_may_not_appear_per_group(world: World) -> None:
    await set_consent(world, "piet@example.nl", "Pim", photo=True, photo_group=False)
    response = await get(world, "wilma@example.nl", "/toestemming")
    assert response.status_code == 200
    page = response.text
    rupsjes = (
        page[page.index("Rupsjes") : page.index("Vlinders")] if page.index("Rupsjes") < page.index("Vlinders") else ""
    )
    assert "Mag niet op foto&#39;s" in rupsjes or "Mag niet op foto's" in rupsjes
    assert "Noor Visser" in rupsjes and "Pim Jansen" in rupsjes
    assert rupsjes.index("Noor Visser") < rupsjes.index("Alleen voor eigen gezin") < rupsjes.index("Pim Jansen")
    assert "Oud Kind" not in page  # left
    assert "Xander" not in page  # another organisation
    assert (await get(world, "ingrid@example.nl", "/toestemming")).status_code == 403
    assert 'href="/toestemming"' in (await get(world, "wilma@example.nl", "/")).text
