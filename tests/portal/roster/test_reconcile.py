"""The roster as the full truth, on both stacks: a child roster takes off the guardians
it no longer names (listed first, applied only when confirmed, logged, and taken back
like a removal by hand); a staff list can say someone has left (their account ends);
a guardian added to a child is reported, and new photos of the child wait for them
while what was shared stays. The same through ``schriftje import`` and the admin's
page, and the ``deactivate`` / ``remove-guardian`` commands."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from sqlalchemy import select

from portal.accounts.models import SessionKind
from portal.accounts.passwords import hash_password
from portal.accounts.service import start_session
from portal.database import utcnow
from portal.roster.csvfile import ImportRejected
from portal.roster.file_import import import_file
from portal.roster.models import Guardianship, Organisation, Role, RosterChange, User
from portal.roster.service import RemovalsNeedConfirming
from portal.settings import env_name
from schriftje.cli import main
from tests.harness import ROSTER, STAFF, Harness, csrf_of, logged_in
from tests.media.conftest import consenting_world, set_consent, upload
from tests.messaging.conftest import WORLD, build_world
from tests.portal.roster.test_import_cli import truncate

WITHOUT_BRAM = WORLD.replace(",Bram Visser,bram@example.nl,vader", ",,,")
WITH_OMA = WORLD.replace(",Bram Visser,bram@example.nl,vader", ",Oma Visser,oma@example.nl,oma")


async def links(harness: Harness) -> set[tuple[str, str]]:
    async with harness.uow() as uow:
        rows = await uow.session.execute(
            select(User.email, Guardianship.child_id).join(Guardianship, Guardianship.user_id == User.id)
        )
        return {(email, str(child)) for email, child in rows}


class TestGuardiansNoLongerListed:
    async def test_a_check_lists_them_and_applying_needs_a_confirmation(self, harness: Harness) -> None:
        world = await consenting_world(harness)
        noor = str(world.children["Noor"])
        before = await links(harness)
        assert ("bram@example.nl", noor) in before

        checked = await import_file(harness.rt, "kober", "roster", WITHOUT_BRAM, dry_run=True)
        assert checked.guardians_removed == [("Noor Visser", "Bram Visser <bram@example.nl>")]
        assert await links(harness) == before  # a check changes nothing

        with pytest.raises(RemovalsNeedConfirming) as refused:
            await import_file(harness.rt, "kober", "roster", WITHOUT_BRAM, dry_run=False)
        assert refused.value.report.guardians_removed == checked.guardians_removed
        assert await links(harness) == before  # nothing applied without the confirmation

        applied = await import_file(harness.rt, "kober", "roster", WITHOUT_BRAM, dry_run=False, confirm_removals=True)
        assert applied.links_removed == 1
        assert await links(harness) == before - {("bram@example.nl", noor)}
        async with world.client("bram@example.nl") as bram:  # taken back like a removal by hand
            assert (await bram.get(f"/api/children/{noor}/diary")).status_code == 404
        [retract] = [f for f in await world.feed("bram@example.nl") if f["type"] == "retract"]
        assert retract["kind"] == "child.retracted" and retract["data"]["id"] == int(noor)
        async with harness.uow() as uow:
            [line] = list(await uow.session.scalars(select(RosterChange)))
        assert (line.action, line.reason, line.child_name) == ("guardian_removed", "roster import", "Noor Visser")

    async def test_the_admin_page_shows_the_list_and_applies_only_when_the_box_is_ticked(
        self, harness: Harness
    ) -> None:
        world = await consenting_world(harness)
        await _activate_admin(harness)
        async with logged_in(harness, "ad@example.nl") as (page, _):
            form = await page.get("/rooster")
            files = {"file": ("rooster.csv", WITHOUT_BRAM.encode(), "text/csv")}
            checked = await page.post(
                "/rooster/check", data={"csrf_token": csrf_of(form.text), "kind": "roster"}, files=files
            )
            assert checked.status_code == 200
            assert 'data-testid="guardians-removed"' in checked.text and "Bram Visser" in checked.text
            assert 'data-testid="confirm-removals"' in checked.text
            data = {
                "csrf_token": csrf_of(checked.text),
                "kind": "roster",
                "checked": base64.b64encode(WITHOUT_BRAM.encode()).decode(),
            }
            unconfirmed = await page.post("/rooster/apply", data=data)
            assert unconfirmed.status_code == 409 and 'data-testid="confirm-removals"' in unconfirmed.text
            assert ("bram@example.nl", str(world.children["Noor"])) in await links(harness)
            confirmed = await page.post("/rooster/apply", data={**data, "confirm_removals": "yes"})
            assert confirmed.status_code == 200 and 'data-testid="guardians-removed"' in confirmed.text
        assert ("bram@example.nl", str(world.children["Noor"])) not in await links(harness)


class TestANewGuardian:
    async def test_is_reported_and_new_photos_wait_for_their_consent_while_old_ones_stay(
        self, harness: Harness
    ) -> None:
        world = await consenting_world(harness)
        noor = world.children["Noor"]
        first = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [noor]}])
        await harness.run_jobs()
        report = await import_file(harness.rt, "kober", "roster", WITH_OMA, dry_run=False, confirm_removals=True)
        assert ("Noor Visser", "Oma Visser <oma@example.nl>") in report.guardians_added
        second = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [noor]}])
        await harness.run_jobs()
        shared = {f["data"]["id"] for f in await world.feed("anna@example.nl") if f["kind"] == "photo.shared"}
        assert first.json()["photos"][0]["id"] in shared  # what was shared stays shared
        async with world.client("ingrid@example.nl") as staff:
            status = (await staff.get(f"/api/photos/{second.json()['photos'][0]['id']}")).json()
        assert status["status"] == "blocked" and status["blocked_by"] == [{"id": noor, "name": "Noor Visser"}]
        async with harness.uow() as uow:  # the new guardian answers: the child may appear again
            oma = await uow.session.scalar(select(User).where(User.email == "oma@example.nl"))
            assert oma is not None
        world.tokens["oma@example.nl"] = await _token(harness, oma)
        world.orgs["oma@example.nl"] = "kober"
        assert (await set_consent(world, "oma@example.nl", "Noor", photo=True, photo_group=True)).status_code == 200
        third = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [noor]}])
        await harness.run_jobs()
        async with world.client("ingrid@example.nl") as staff:
            assert (await staff.get(f"/api/photos/{third.json()['photos'][0]['id']}")).json()["status"] == "ready"


class TestStaffWhoLeft:
    async def test_status_left_ends_the_account(self, harness: Harness) -> None:
        world = await build_world(harness)
        org = await _org(harness)
        report = await harness.import_staff(
            org, "name,email,role,groups,status\nIngrid Pauw,ingrid@example.nl,staff,,vertrokken\n"
        )
        assert report.deactivated == ["Ingrid Pauw <ingrid@example.nl>"] and report.accounts_deactivated == 1
        async with world.client("ingrid@example.nl") as gone:
            assert (await gone.get("/api/me")).status_code == 401
        async with harness.uow() as uow:
            ingrid = await uow.session.scalar(select(User).where(User.email == "ingrid@example.nl"))
            assert ingrid is not None and ingrid.deactivated_at is not None

    async def test_an_unknown_status_is_a_bad_line(self, harness: Harness) -> None:
        await build_world(harness)
        with pytest.raises(ImportRejected) as rejected:
            await harness.import_staff(
                await _org(harness), "name,email,role,groups,status\nX,x@example.nl,staff,,weg\n"
            )
        assert [e.line for e in rejected.value.errors] == [2]


class TestCommands:
    def test_deactivate_and_remove_guardian_from_the_shell(self, stack_settings, monkeypatch, tmp_path) -> None:
        for field in dataclasses.fields(stack_settings):
            monkeypatch.setenv(env_name(field.name), str(getattr(stack_settings, field.name)))
        roster, staff = tmp_path / "roster.csv", tmp_path / "staff.csv"
        roster.write_text(ROSTER)
        staff.write_text(STAFF)
        if stack_settings.is_postgres:
            truncate(stack_settings)
        assert main(["create-org", "kober", "--name", "Kober"]) == 0
        assert main(["import", str(roster), "--org", "kober"]) == 0
        assert main(["import-staff", str(staff), "--org", "kober"]) == 0
        assert main(["deactivate", "kees@example.nl", "--org", "kober", "--reason", "x"]) == 1  # a reason says why
        assert main(["deactivate", "kees@example.nl", "--org", "kober", "--reason", "uit dienst"]) == 0
        assert main(["deactivate", "nobody@example.nl", "--org", "kober", "--reason", "uit dienst"]) == 1
        assert (
            main(["remove-guardian", "bram@example.nl", "--org", "kober", "--child", "C1", "--reason", "verhuisd"]) == 0
        )
        assert (
            main(["remove-guardian", "bram@example.nl", "--org", "kober", "--child", "C1", "--reason", "verhuisd"]) == 1
        )
        assert main(["import", str(roster), "--org", "kober"]) == 0  # the file names Bram again: he is back
        roster.write_text(ROSTER.replace(",Bram Visser,bram@example.nl,vader", ",,,"))
        assert main(["import", str(roster), "--org", "kober"]) == 1  # would take Bram off: confirm first
        assert main(["import", str(roster), "--org", "kober", "--confirm-removals"]) == 0


# ---- helpers ----------------------------------------------------------------------------


async def _org(harness: Harness) -> Organisation:
    async with harness.uow() as uow:
        return await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))


async def _token(harness: Harness, user: User) -> str:
    async with harness.uow() as uow:
        token, _ = await start_session(uow.session, user, SessionKind.BEARER, label="test")
    return token


async def _activate_admin(harness: Harness) -> None:
    org = await _org(harness)
    async with harness.uow() as uow:
        uow.session.add(
            User(
                organisation_id=org.id,
                email="ad@example.nl",
                display_name="Ad Min",
                role=Role.ADMIN,
                password_hash=hash_password("correct horse battery"),
                activated_at=utcnow(),
            )
        )
