"""Activation links: set a password once, within the lifetime, at the right organisation."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import update

from portal.accounts.models import OneTimeToken
from portal.roster.models import User
from tests.harness import ROSTER, csrf_of, login


class TestInvitation:
    async def test_import_sends_one_activation_mail_per_new_guardian(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        recipients = sorted(entry.to for entry in harness.outbox())
        assert recipients == sorted(
            ["anna@example.nl", "bram@example.nl", "carla@example.nl", "dirk@example.nl", "eva@example.nl"]
        )
        mail = next(e for e in harness.outbox() if e.to == "anna@example.nl")
        assert mail.subject == "Welkom bij Schriftje van Kober"
        assert mail.links[0].startswith("http://kober.localhost:8000/activate/")

    async def test_activation_sets_password_and_logs_in(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        async with harness.client() as client:
            await harness.activate(client, "anna@example.nl", "a long enough password")
            home = await client.get("/")
            assert home.status_code == 200
            assert "Hallo Anna Visser" in home.text
            assert "Noor Visser" in home.text and "Sem Visser" in home.text
        async with harness.client() as other:
            assert (await login(other, "anna@example.nl", "a long enough password")).status_code == 303

    async def test_viewing_the_link_does_not_use_it(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        link = httpx.URL(harness.links_for("carla@example.nl")[0]).path
        async with harness.client() as client:
            assert (await client.get(link)).status_code == 200
            assert (await client.get(link)).status_code == 200  # mail scanners may prefetch links

    async def test_short_password_is_refused_and_link_stays_valid(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        link = httpx.URL(harness.links_for("carla@example.nl")[0]).path
        async with harness.client() as client:
            page = await client.get(link)
            response = await client.post(
                link, data={"csrf_token": csrf_of(page.text), "password": "kort", "password2": "kort"}
            )
            assert response.status_code == 422
            assert "minstens 10 tekens" in response.text
            mismatch = await client.post(
                link,
                data={"csrf_token": csrf_of(page.text), "password": "long enough 123", "password2": "long enough 124"},
            )
            assert mismatch.status_code == 422
            assert "niet gelijk" in mismatch.text
            await harness.activate(client, "carla@example.nl")


class TestUsedLink:
    async def test_second_use_is_refused(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        link = httpx.URL(harness.links_for("dirk@example.nl")[0]).path
        async with harness.client() as client:
            await harness.activate(client, "dirk@example.nl")
        async with harness.client() as attacker:
            page = await attacker.get(link)
            assert page.status_code == 410
            assert "al gebruikt" in page.text
            # posting anyway (with a valid CSRF pair of its own) does not reset the password
            login_page = await attacker.get("/login")
            response = await attacker.post(
                link,
                data={
                    "csrf_token": csrf_of(login_page.text),
                    "password": "attacker password",
                    "password2": "attacker password",
                },
            )
            assert response.status_code == 410
            assert (await login(attacker, "dirk@example.nl", "attacker password")).status_code == 401


class TestExpiredLink:
    async def test_expired_link_is_refused_with_a_way_forward(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        async with harness.uow() as uow:
            await uow.session.execute(
                update(OneTimeToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
            )
        link = httpx.URL(harness.links_for("eva@example.nl")[0]).path
        async with harness.client() as client:
            page = await client.get(link)
            assert page.status_code == 410
            assert "verlopen" in page.text
            assert 'href="/forgot"' in page.text
        async with harness.uow() as uow:
            user = (await uow.session.execute(User.__table__.select().where(User.email == "eva@example.nl"))).one()
            assert user.activated_at is None


class TestWrongOrganisation:
    async def test_link_of_one_organisation_is_unknown_at_another(self, harness) -> None:
        org = await harness.organisation()
        await harness.organisation("other", "Andere Opvang")
        await harness.import_roster(org, ROSTER)
        link = httpx.URL(harness.links_for("anna@example.nl")[0]).path
        async with harness.client("other") as client:
            page = await client.get(link)
            assert page.status_code == 404
            assert "ongeldig" in page.text
        async with harness.client("kober") as client:
            assert (await client.get(link)).status_code == 200

    async def test_garbage_token_is_not_found(self, harness) -> None:
        await harness.organisation()
        async with harness.client() as client:
            assert (await client.get("/activate/not-a-real-token")).status_code == 404
