"""Logging in: the right password works, nothing reveals whether an address exists,
attempts are rate-limited per account and per IP, and forms need their CSRF token."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from schriftje.app import create_app
from tests.harness import ROSTER, csrf_of, login

PASSWORD = "correct horse battery"


@pytest.fixture
async def anna(harness):
    org = await harness.organisation()
    await harness.import_roster(org, ROSTER)
    async with harness.client() as client:
        await harness.activate(client, "anna@example.nl", PASSWORD)
    return harness


class TestLogin:
    async def test_right_password_opens_a_session(self, anna) -> None:
        async with anna.client() as client:
            response = await login(client, "Anna@Example.nl ", PASSWORD)
            assert response.status_code == 303
            cookie = response.headers["set-cookie"]
            assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
            assert "Secure" not in cookie  # public URL is http in tests
            assert "Hallo Anna Visser" in (await client.get("/")).text

    async def test_anonymous_home_redirects_to_login(self, anna) -> None:
        async with anna.client() as client:
            response = await client.get("/")
            assert response.status_code == 303
            assert response.headers["location"] == "/login"

    async def test_logout_ends_the_session(self, anna) -> None:
        async with anna.client() as client:
            await login(client, "anna@example.nl", PASSWORD)
            cookie = client.cookies.get("schriftje_session")
            home = await client.get("/")
            response = await client.post("/logout", data={"csrf_token": csrf_of(home.text)})
            assert response.status_code == 303
            assert (await client.get("/")).status_code == 303
        async with anna.client(cookies={"schriftje_session": cookie}) as replay:
            assert (await replay.get("/")).status_code == 303  # the old cookie is revoked server-side


class TestNoEnumeration:
    async def test_wrong_password_unknown_email_and_unactivated_look_the_same(self, anna) -> None:
        async with anna.client() as client:
            answers = [
                await login(client, "anna@example.nl", "wrong password!"),
                await login(client, "nobody@example.nl", PASSWORD),
                await login(client, "bram@example.nl", PASSWORD),  # invited, never activated
            ]
        assert {a.status_code for a in answers} == {401}
        assert all("E-mailadres of wachtwoord klopt niet." in a.text for a in answers)

    async def test_forgot_password_answers_the_same_for_unknown_addresses(self, anna) -> None:
        async with anna.client() as client:
            page = await client.get("/forgot")
            known = await client.post("/forgot", data={"csrf_token": csrf_of(page.text), "email": "carla@example.nl"})
            unknown = await client.post(
                "/forgot", data={"csrf_token": csrf_of(page.text), "email": "nobody@example.nl"}
            )
        assert known.status_code == unknown.status_code == 200
        assert csrf_free(known.text) == csrf_free(unknown.text)
        await anna.run_jobs()
        assert [e.to for e in anna.outbox() if "wachtwoord" in e.subject.lower()] == ["carla@example.nl"]


def csrf_free(html: str) -> str:
    import re

    return re.sub(r'(value|content)="[^"]{40,}"', "", html)


class TestRateLimits:
    async def test_account_pauses_after_failures_even_with_the_right_password(self, anna) -> None:
        limit = anna.settings.login_max_failures
        async with anna.client() as client:
            for _ in range(limit):
                assert (await login(client, "anna@example.nl", "wrong password!")).status_code == 401
        async with anna.client() as fresh_ip:
            blocked = await login(fresh_ip, "anna@example.nl", PASSWORD)
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert "Te veel pogingen" in blocked.text

    async def test_unknown_addresses_are_paused_alike(self, anna) -> None:
        async with anna.client() as client:
            for _ in range(anna.settings.login_max_failures):
                await login(client, "nobody@example.nl", "whatever password")
            assert (await login(client, "nobody@example.nl", "whatever password")).status_code == 429

    async def test_success_clears_the_failure_count(self, anna) -> None:
        async with anna.client() as client:
            for _ in range(anna.settings.login_max_failures - 1):
                await login(client, "anna@example.nl", "wrong password!")
            assert (await login(client, "anna@example.nl", PASSWORD)).status_code == 303
        async with anna.client() as client:
            for _ in range(anna.settings.login_max_failures - 1):
                await login(client, "anna@example.nl", "wrong password!")
            assert (await login(client, "anna@example.nl", PASSWORD)).status_code == 303

    async def test_one_ip_is_limited_across_accounts(self, anna) -> None:
        limit = anna.settings.login_max_attempts_per_ip
        async with anna.client(ip="192.0.2.77") as client:
            page = await client.get("/login")
            token = csrf_of(page.text)
            statuses = [
                (
                    await client.post(
                        "/login", data={"csrf_token": token, "email": f"user{i}@example.nl", "password": "x" * 12}
                    )
                ).status_code
                for i in range(limit + 1)
            ]
        assert statuses[:limit] == [401] * limit
        assert statuses[limit] == 429
        async with anna.client(ip="192.0.2.78") as other_ip:
            assert (await login(other_ip, "anna@example.nl", PASSWORD)).status_code == 303

    async def test_successful_logins_from_a_busy_network_never_lock_it_out(self, anna) -> None:
        """One school's address, many good logins: only failures count against the address."""
        busy = dataclasses.replace(anna.settings, login_max_attempts_per_ip=3)
        node = create_app(busy)  # the same backends, a node with a low limit

        def school() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=node, client=("192.0.2.90", 40000))
            return httpx.AsyncClient(transport=transport, base_url="http://kober.localhost")

        async with node.router.lifespan_context(node):
            for _ in range(busy.login_max_attempts_per_ip + 2):
                async with school() as client:
                    assert (await login(client, "anna@example.nl", PASSWORD)).status_code == 303
            async with school() as client:  # failures still count
                for _ in range(busy.login_max_attempts_per_ip):
                    assert (await login(client, "nobody@example.nl", "not the password")).status_code == 401
                assert (await login(client, "anna@example.nl", PASSWORD)).status_code == 429


class TestCsrf:
    async def test_login_without_token_is_refused(self, anna) -> None:
        async with anna.client() as client:
            await client.get("/login")
            response = await client.post("/login", data={"email": "anna@example.nl", "password": PASSWORD})
        assert response.status_code == 403
        assert "verlopen" in response.text

    async def test_token_from_another_browser_is_refused(self, anna) -> None:
        async with anna.client() as victim, anna.client() as attacker:
            attacker_token = csrf_of((await attacker.get("/login")).text)
            await victim.get("/login")
            response = await victim.post(
                "/login", data={"csrf_token": attacker_token, "email": "anna@example.nl", "password": PASSWORD}
            )
        assert response.status_code == 403

    async def test_forged_token_is_refused(self, anna) -> None:
        async with anna.client() as client:
            await client.get("/login")
            seed = client.cookies.get("schriftje_csrf")
            response = await client.post(
                "/login", data={"csrf_token": f"{seed}.forged", "email": "anna@example.nl", "password": PASSWORD}
            )
        assert response.status_code == 403


class TestCookieFlags:
    def test_cookie_is_secure_when_the_public_url_is_https(self) -> None:
        from starlette.responses import Response

        from portal.settings import Settings
        from portal.web.responses import set_session_cookie

        response = Response()
        set_session_cookie(
            response, "token", Settings(public_url="https://kober.example.org", secret_key="k").resolved()
        )
        cookie = response.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
