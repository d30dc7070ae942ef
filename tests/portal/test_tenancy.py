"""Organisations are tenants: a user, cookie, token or link of one is worthless at another."""

from __future__ import annotations

import dataclasses

import pytest

from portal.settings import Settings
from portal.tenancy import organisation_url, slug_from_host
from tests.harness import ROSTER, login

PASSWORD = "correct horse battery"


class TestSlugFromHost:
    settings = Settings(public_url="https://schriftje.example.org", secret_key="x").resolved()

    @pytest.mark.parametrize(
        ("host", "slug"),
        [
            ("kober.schriftje.example.org", "kober"),
            ("KOBER.schriftje.example.org:443", "kober"),
            ("schriftje.example.org", None),
            ("a.b.schriftje.example.org", None),
            ("evil-schriftje.example.org", None),
            ("kober.schriftje.example.org.evil.com", None),
            ("127.0.0.1:8000", None),
            ("[::1]:8000", None),
            ("-bad.schriftje.example.org", None),
        ],
    )
    def test_host(self, host: str, slug: str | None) -> None:
        assert slug_from_host(host, self.settings) == slug

    def test_localhost_subdomains_work_for_local_installs(self) -> None:
        local = Settings(public_url="http://127.0.0.1:8000", secret_key="x").resolved()
        assert slug_from_host("kober.localhost:8000", local) == "kober"

    def test_organisation_url(self) -> None:
        assert organisation_url(self.settings, "kober", "/login") == "https://kober.schriftje.example.org/login"
        single = dataclasses.replace(self.settings, default_org="kober")
        assert organisation_url(single, "kober", "/login") == "https://schriftje.example.org/login"
        ip = Settings(public_url="http://127.0.0.1:8000", secret_key="x").resolved()
        assert organisation_url(ip, "kober", "/") == "http://127.0.0.1:8000/"


@pytest.fixture
async def two_orgs(harness):
    kober = await harness.organisation("kober", "Kober")
    other = await harness.organisation("other", "Andere Opvang")
    await harness.import_roster(kober, ROSTER)
    await harness.import_roster(other, ROSTER.replace("Noor", "Pim").replace("anna@", "anna2@"))
    async with harness.client("kober") as client:
        await harness.activate(client, "anna@example.nl", PASSWORD)
    async with harness.client("other") as client:
        await harness.activate(client, "carla@example.nl", "other org password")
    return harness


class TestOtherOrganisation:
    async def test_password_of_one_org_does_not_log_in_at_another(self, two_orgs) -> None:
        async with two_orgs.client("other") as client:
            assert (await login(client, "anna@example.nl", PASSWORD)).status_code == 401
        async with two_orgs.client("kober") as client:
            # the same address exists in both organisations with separate passwords
            assert (await login(client, "carla@example.nl", "other org password")).status_code == 401

    async def test_session_cookie_of_one_org_is_anonymous_at_another(self, two_orgs) -> None:
        async with two_orgs.client("kober") as client:
            await login(client, "anna@example.nl", PASSWORD)
            cookie = client.cookies.get("schriftje_session")
        async with two_orgs.client("other", cookies={"schriftje_session": cookie}) as client:
            response = await client.get("/")
            assert response.status_code == 303
            assert (await client.get("/api/me")).status_code == 401

    async def test_bearer_token_of_one_org_is_refused_at_another(self, two_orgs) -> None:
        async with two_orgs.client("kober") as client:
            token = (
                await client.post("/api/auth/token", json={"email": "anna@example.nl", "password": PASSWORD})
            ).json()["token"]
            assert (await client.get("/api/me", headers={"authorization": f"Bearer {token}"})).status_code == 200
        async with two_orgs.client("other") as client:
            response = await client.get("/api/me", headers={"authorization": f"Bearer {token}"})
            assert response.status_code == 401

    async def test_pages_show_only_the_own_organisations_children(self, two_orgs) -> None:
        async with two_orgs.client("kober") as client:
            await login(client, "anna@example.nl", PASSWORD)
            me = (await client.get("/api/me")).json()
        assert {c["first_name"] for c in me["children"]} == {"Noor", "Sem"}
        assert me["organisation"]["slug"] == "kober"

    async def test_unknown_organisation_is_404(self, two_orgs) -> None:
        async with two_orgs.client("nope") as client:
            page = await client.get("/login")
            assert page.status_code == 404
            assert "bestaat niet" in page.text
            api = await client.get("/api/me")
            assert api.status_code == 404 and api.json()["error"] == "not_found"


class TestFallbackOrganisation:
    async def test_bare_host_uses_the_only_organisation(self, harness) -> None:
        await harness.organisation("solo", "Solo Opvang")
        async with harness.client() as client:
            client.base_url = "http://127.0.0.1:8000"
            page = await client.get("/login")
        assert page.status_code == 200
        assert "Solo Opvang" in page.text

    async def test_bare_host_with_several_organisations_and_no_default_is_404(self, harness) -> None:
        await harness.organisation("one", "Een")
        await harness.organisation("two", "Twee")
        async with harness.client() as client:
            client.base_url = "http://127.0.0.1:8000"
            assert (await client.get("/login")).status_code == 404
