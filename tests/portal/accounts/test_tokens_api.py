"""Bearer tokens for apps and tablets: issued for a password, listed, revocable, and
ending after ``TOKEN_DAYS`` without use (each use extends it); cookie-authenticated
API writes need the CSRF header."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from portal.accounts.models import AuthSession
from portal.database import utcnow
from tests.harness import ROSTER, STAFF, csrf_of, login

PASSWORD = "correct horse battery"


@pytest.fixture
async def staffed(harness):
    org = await harness.organisation()
    await harness.import_roster(org, ROSTER)
    await harness.import_staff(org, STAFF)
    async with harness.client() as client:
        await harness.activate(client, "ingrid@example.nl", PASSWORD)
    return harness


async def issue(client, email: str = "ingrid@example.nl", password: str = PASSWORD, label: str = "Tablet Rupsjes"):
    return await client.post("/api/auth/token", json={"email": email, "password": password, "label": label})


class TestBearerTokens:
    async def test_token_authenticates_api_calls(self, staffed) -> None:
        async with staffed.client() as client:
            response = await issue(client)
            assert response.status_code == 201
            token = response.json()["token"]
            me = await client.get("/api/me", headers={"authorization": f"Bearer {token}"})
        assert me.status_code == 200
        body = me.json()
        assert body["role"] == "staff" and body["email"] == "ingrid@example.nl"
        assert [g["name"] for g in body["groups"]] == ["Rupsjes"]
        assert body["groups"][0]["children"] == 2

    async def test_tokens_are_listed_and_revocable(self, staffed) -> None:
        async with staffed.client() as client:
            first = (await issue(client, label="Tablet Rupsjes")).json()
            second = (await issue(client, label="Telefoon")).json()
            auth = {"authorization": f"Bearer {second['token']}"}
            listed = (await client.get("/api/sessions", headers=auth)).json()["sessions"]
            labels = {s["label"]: s for s in listed}
            assert {"Tablet Rupsjes", "Telefoon"} <= set(labels)
            assert labels["Telefoon"]["current"] and not labels["Tablet Rupsjes"]["current"]
            assert all("token" not in s for s in listed)
            revoked = await client.delete(f"/api/sessions/{first['session']['id']}", headers=auth)
            assert revoked.status_code == 204
            old = await client.get("/api/me", headers={"authorization": f"Bearer {first['token']}"})
            assert old.status_code == 401
            assert old.json()["error"] == "unauthenticated"

    async def test_a_token_ends_after_token_days_without_use_and_each_use_extends_it(self, staffed) -> None:
        days = staffed.settings.token_days
        async with staffed.client() as client:
            issued = (await issue(client)).json()
        expires = dt.datetime.fromisoformat(issued["session"]["expires_at"])
        assert dt.timedelta(days=days - 1) < expires - utcnow() <= dt.timedelta(days=days)
        auth = {"authorization": f"Bearer {issued['token']}"}
        async with staffed.uow() as uow:  # last used 80 days ago: still valid, and this use moves the end
            await uow.session.execute(
                update(AuthSession)
                .where(AuthSession.id == issued["session"]["id"])
                .values(
                    last_seen_at=utcnow() - dt.timedelta(days=80), expires_at=utcnow() + dt.timedelta(days=days - 80)
                )
            )
        async with staffed.client() as client:
            assert (await client.get("/api/me", headers=auth)).status_code == 200
            listed = {s["id"]: s for s in (await client.get("/api/sessions", headers=auth)).json()["sessions"]}
        extended = dt.datetime.fromisoformat(listed[issued["session"]["id"]]["expires_at"])
        assert extended - utcnow() > dt.timedelta(days=days - 1)
        async with staffed.uow() as uow:  # unused for longer than that: over
            await uow.session.execute(
                update(AuthSession)
                .where(AuthSession.id == issued["session"]["id"])
                .values(last_seen_at=utcnow() - dt.timedelta(days=days + 1), expires_at=utcnow() - dt.timedelta(days=1))
            )
        async with staffed.client() as client:
            assert (await client.get("/api/me", headers=auth)).status_code == 401

    async def test_cannot_revoke_someone_elses_session(self, staffed) -> None:
        async with staffed.client() as client:
            await staffed.activate(client, "kees@example.nl", PASSWORD)
            kees = (await issue(client, "kees@example.nl")).json()
            ingrid = (await issue(client)).json()
            response = await client.delete(
                f"/api/sessions/{kees['session']['id']}", headers={"authorization": f"Bearer {ingrid['token']}"}
            )
            assert response.status_code == 404
            assert (
                await client.get("/api/me", headers={"authorization": f"Bearer {kees['token']}"})
            ).status_code == 200

    async def test_wrong_password_gets_the_json_error_shape(self, staffed) -> None:
        async with staffed.client() as client:
            response = await issue(client, password="wrong password!")
        assert response.status_code == 401
        assert response.json() == {"error": "bad_credentials", "detail": "E-mailadres of wachtwoord klopt niet."}

    async def test_english_when_the_client_asks(self, staffed) -> None:
        async with staffed.client(headers={"accept-language": "en-GB,en;q=0.9"}) as client:
            response = await issue(client, password="wrong password!")
        assert response.json()["detail"] == "Email address or password is incorrect."

    async def test_bad_json_is_a_clear_422(self, staffed) -> None:
        async with staffed.client() as client:
            response = await client.post(
                "/api/auth/token", content=b"{nope", headers={"content-type": "application/json"}
            )
        assert response.status_code == 422
        assert response.json()["error"] == "invalid_input"
        assert "JSON" in response.json()["detail"]

    async def test_unauthenticated_api_is_401(self, staffed) -> None:
        async with staffed.client() as client:
            assert (await client.get("/api/me")).status_code == 401
            assert (await client.get("/api/me", headers={"authorization": "Bearer nonsense"})).status_code == 401


class TestCookieApiCsrf:
    async def test_cookie_authenticated_write_needs_the_header(self, staffed) -> None:
        async with staffed.client() as client:
            await login(client, "ingrid@example.nl", PASSWORD)
            home = await client.get("/")
            sessions = (await client.get("/api/sessions")).json()["sessions"]
            target = sessions[0]["id"]
            refused = await client.delete(f"/api/sessions/{target}")
            assert refused.status_code == 403
            assert refused.json()["error"] == "csrf_failed"
            meta_token = home.text.split('name="csrf-token" content="')[1].split('"')[0]
            allowed = await client.delete(f"/api/sessions/{target}", headers={"x-csrf-token": meta_token})
            assert allowed.status_code == 204
            assert csrf_of(home.text) == meta_token
