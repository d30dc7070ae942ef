"""The account page and its API: a password change needs the current password and
signs out the other devices; staff set a tablet PIN under the PIN rules; the
signed-in devices are listed by a name people recognise and can be signed out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from portal.accounts.profile import device_name
from tests.harness import ROSTER, STAFF, logged_in, login

PASSWORD = "correct horse battery"
NEW_PASSWORD = "paarse olifant zingt"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)


@pytest.fixture
async def people(harness):
    org = await harness.organisation()
    await harness.import_roster(org, ROSTER)
    await harness.import_staff(org, STAFF)
    async with harness.client() as client:
        await harness.activate(client, "anna@example.nl", PASSWORD)
        await harness.activate(client, "ingrid@example.nl", PASSWORD)
    return harness


@asynccontextmanager
async def signed_in(harness, email: str, **kwargs) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A client logged in as ``email``, and the CSRF header for its API calls."""
    async with logged_in(harness, email, PASSWORD, **kwargs) as (client, csrf):
        yield client, {"x-csrf-token": csrf}


class TestPassword:
    async def test_a_new_password_signs_out_the_other_devices_only(self, people) -> None:
        async with (
            signed_in(people, "anna@example.nl") as (phone, headers),
            signed_in(people, "anna@example.nl") as (laptop, _),
        ):
            response = await phone.post(
                "/api/account/password",
                json={"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
                headers=headers,
            )
            # the laptop, and the session the activation link opened
            assert response.status_code == 200 and response.json() == {"other_sessions_ended": 2}
            assert (await phone.get("/api/me")).status_code == 200
            assert (await laptop.get("/api/me")).status_code == 401
        async with people.client() as fresh:
            assert (await login(fresh, "anna@example.nl", PASSWORD)).status_code == 401
            assert (await login(fresh, "anna@example.nl", NEW_PASSWORD)).status_code == 303

    @pytest.mark.parametrize(
        ("current", "new", "repeat", "status", "message"),
        [
            ("wrong password!", NEW_PASSWORD, NEW_PASSWORD, 401, "Je huidige wachtwoord klopt niet."),
            (PASSWORD, "kort", "kort", 422, "minstens 10 tekens"),
            (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", 422, "niet gelijk"),
        ],
    )
    async def test_mistakes_change_nothing(self, people, current, new, repeat, status, message) -> None:
        async with signed_in(people, "anna@example.nl") as (client, headers):
            response = await client.post(
                "/api/account/password",
                json={"current_password": current, "password": new, "password2": repeat},
                headers=headers,
            )
        assert response.status_code == status and message in response.json()["detail"]
        async with people.client() as fresh:
            assert (await login(fresh, "anna@example.nl", PASSWORD)).status_code == 303

    async def test_a_cookie_call_without_the_csrf_header_is_refused(self, people) -> None:
        async with signed_in(people, "anna@example.nl") as (client, _):
            response = await client.post(
                "/api/account/password",
                json={"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
            )
        assert response.status_code == 403 and response.json()["error"] == "csrf_failed"


class TestPin:
    @pytest.mark.parametrize(
        ("pin", "repeat", "message"),
        [
            ("12a4", "12a4", "4 tot 8 cijfers"),
            ("123", "123", "4 tot 8 cijfers"),
            ("123456789", "123456789", "4 tot 8 cijfers"),
            ("٣٤٥٦", "٣٤٥٦", "4 tot 8 cijfers"),  # digits, but not the ones on a keypad
            ("1111", "1111", "te makkelijk"),
            ("3456", "3456", "te makkelijk"),
            ("9876", "9876", "te makkelijk"),
            ("2580", "2581", "niet gelijk"),
        ],
    )
    async def test_the_pin_rules(self, people, pin, repeat, message) -> None:
        async with signed_in(people, "ingrid@example.nl") as (client, headers):
            response = await client.post(
                "/api/account/pin", json={"current_password": PASSWORD, "pin": pin, "pin2": repeat}, headers=headers
            )
            assert response.status_code == 422 and message in response.json()["detail"]
            assert "nog geen pincode" in (await client.get("/account")).text

    async def test_setting_a_pin_needs_the_password(self, people) -> None:
        async with signed_in(people, "ingrid@example.nl") as (client, headers):
            wrong = await client.post(
                "/api/account/pin", json={"current_password": "guess", "pin": "2580", "pin2": "2580"}, headers=headers
            )
            assert wrong.status_code == 401
            right = await client.post(
                "/api/account/pin", json={"current_password": PASSWORD, "pin": "2580", "pin2": "2580"}, headers=headers
            )
            assert right.status_code == 200
            assert "Je hebt een pincode." in (await client.get("/account")).text
            assert (await client.delete("/api/account/pin", headers=headers)).status_code == 204
            assert "nog geen pincode" in (await client.get("/account")).text

    async def test_parents_have_no_pin(self, people) -> None:
        async with signed_in(people, "anna@example.nl") as (client, headers):
            page = await client.get("/account")
            response = await client.post(
                "/api/account/pin", json={"current_password": PASSWORD, "pin": "2580", "pin2": "2580"}, headers=headers
            )
        assert 'data-testid="pin-form"' not in page.text
        assert response.status_code == 403


class TestDevices:
    async def test_devices_are_listed_by_name_and_can_be_signed_out(self, people) -> None:
        async with (
            signed_in(people, "anna@example.nl", headers={"user-agent": PHONE_UA}) as (phone, _),
            signed_in(people, "anna@example.nl") as (laptop, headers),
        ):
            page = (await laptop.get("/account")).text
            assert "Chrome · Android" in page and "dit apparaat" in page
            sessions = (await laptop.get("/api/sessions")).json()["sessions"]
            [other] = [s for s in sessions if "Android" in s["label"]]
            assert (await laptop.delete(f"/api/sessions/{other['id']}", headers=headers)).status_code == 204
            assert (await phone.get("/api/me")).status_code == 401
            assert (await laptop.get("/api/me")).status_code == 200

    async def test_log_out_everywhere_but_here(self, people) -> None:
        async with (
            signed_in(people, "anna@example.nl") as (first, _),
            signed_in(people, "anna@example.nl") as (second, _),
            signed_in(people, "anna@example.nl") as (here, headers),
        ):
            response = await here.delete("/api/sessions/others", headers=headers)
            assert response.status_code == 200 and response.json() == {"ended": 3}  # and the activation's
            assert [(await c.get("/api/me")).status_code for c in (first, second, here)] == [401, 401, 200]

    async def test_the_account_page_asks_a_visitor_to_log_in(self, people) -> None:
        async with people.client() as client:
            response = await client.get("/account")
        assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Faccount"


@pytest.mark.parametrize(
    ("label", "name"),
    [
        (PHONE_UA, "Chrome · Android"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1",
            "Safari · iPad",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge · Windows",
        ),
        ("Tablet Rupsjes", "Tablet Rupsjes"),
        ("", ""),
    ],
)
def test_device_names(label: str, name: str) -> None:
    assert device_name(label) == name
