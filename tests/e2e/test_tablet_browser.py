"""Tablet mode in a real browser, on both stacks.

A staff member sets a PIN on the account page, makes the tablet the group's tablet
and is signed out of it; the lock screen takes a wrong PIN with a clear message,
the right one unlocks it for that person, and what they post reaches the parent's
open page with their name. Left alone, the tablet warns in its last 30 seconds
(a touch keeps it open) and then locks itself: back to the lock screen, and the
page is gone. Time on the tablet runs on Playwright's clock, so the five minutes
pass without waiting for them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.people import staff_of
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
PIN = "2580"


def watch(page: Page, server: LiveServer, errors: list[str], external: list[str]) -> Page:
    """Collect requests to other origins and console errors, except the one this test
    causes on purpose: Chromium logs the 401 of the wrong PIN's answer page."""

    def console(message: Any) -> None:
        wrong_pin = message.location.get("url", "").endswith("/tablet/unlock") and "401" in message.text
        if message.type == "error" and not wrong_pin:
            errors.append(message.text)

    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(server.url) else None)
    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def test_pin_unlock_posts_under_the_name_and_auto_lock(browser: Any, live_server: LiveServer) -> None:
    server = live_server
    errors: list[str] = []
    external: list[str] = []
    parent_context = browser.new_context(viewport=PHONE, locale="nl-NL")
    tablet_context = browser.new_context(viewport=TABLET, locale="nl-NL")
    try:
        parent = watch(parent_context.new_page(), server, errors, external)
        parent.goto(f"{server.url}/login/link/{server.logins.parent[1]}")
        child = parent.request.get(f"{server.url}/api/me").json()["children"][0]
        staff_member = staff_of(server.settings, child["id"])

        tablet = watch(tablet_context.new_page(), server, errors, external)
        tablet.clock.install()  # the tablet's timers run on a clock the test can move forward
        tablet.goto(f"{server.url}/login/link/{staff_member.link_token}")

        # 1. a PIN, set on the account page with the password
        tablet.get_by_test_id("account-link").click()
        form = tablet.get_by_test_id("pin-form")
        form.get_by_label("Huidig wachtwoord").fill(DEMO_PASSWORD)
        form.get_by_label("Pincode", exact=True).fill(PIN)
        form.get_by_label("Herhaal pincode").fill(PIN)
        form.get_by_role("button", name="Opslaan").click()
        expect(tablet.get_by_test_id("pin-state")).to_have_text("Je hebt een pincode. Een nieuwe vervangt de oude.")
        tablet.screenshot(path=str(ARTIFACTS / "staff-account-tablet.png"), full_page=True)

        # 2. this device becomes the group's tablet, and nobody is signed in on it any more
        tablet.goto(f"{server.url}/tablet")
        tablet.get_by_label("Groep").select_option(str(staff_member.group_id))
        tablet.get_by_label("Je wachtwoord (ter bevestiging)").fill(DEMO_PASSWORD)
        tablet.get_by_role("button", name="Maak dit de groepstablet").click()
        lock_screen = tablet.get_by_test_id("lock-screen")
        expect(lock_screen).to_be_visible()
        tablet.goto(f"{server.url}/")
        expect(lock_screen).to_be_visible()  # the home page is locked too
        ARTIFACTS.mkdir(exist_ok=True)
        tablet.screenshot(path=str(ARTIFACTS / "tablet-locked-tablet.png"), full_page=True)

        # 3. a wrong PIN, then the right one
        lock_screen.get_by_text(staff_member.name).click()
        tablet.get_by_label("Pincode", exact=True).fill("1357")
        tablet.get_by_role("button", name="Ontgrendelen").click()
        expect(tablet.get_by_test_id("unlock-error")).to_have_text("Deze pincode klopt niet.")
        expect(tablet.get_by_role("radio", name=staff_member.name)).to_be_checked()  # still chosen
        tablet.get_by_label("Pincode", exact=True).fill(PIN)
        tablet.get_by_role("button", name="Ontgrendelen").click()
        expect(tablet.get_by_test_id("unlocked-by")).to_have_text(f"Ontgrendeld door {staff_member.name}")
        expect(tablet.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)

        # 4. a post from the tablet carries the unlocker's name on the parent's phone
        tablet.get_by_label("Tekst").first.fill("Vandaag naar de kinderboerderij")
        tablet.get_by_test_id("post-form").get_by_role("button", name="Versturen").click()
        expect(tablet.get_by_test_id("post-form").get_by_role("status")).to_have_text("Verstuurd.")
        parent.goto(f"{server.url}/")
        card = parent.get_by_test_id("feed").locator("li.item").filter(has_text="kinderboerderij")
        expect(card).to_contain_text(staff_member.name, timeout=WAIT_MS)

        # 5. left alone: a warning in the last 30 seconds, which a touch dismisses ...
        tablet.clock.run_for("04:35")
        warning = tablet.locator("#tablet-warning")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("De tablet vergrendelt over")
        tablet.screenshot(path=str(ARTIFACTS / "tablet-locking-soon-tablet.png"))
        tablet.get_by_role("heading").first.click()
        expect(warning).to_be_hidden()
        # ... and after five quiet minutes it locks itself
        tablet.clock.run_for("05:01")
        expect(lock_screen).to_be_visible()
        assert tablet.url.endswith("/tablet")
        expect(tablet.get_by_text("kinderboerderij")).to_have_count(0)
        assert tablet.request.get(f"{server.url}/api/me").status == 401  # locked on the server too
    finally:
        parent_context.close()
        tablet_context.close()
    assert external == [], f"pages requested other origins: {external}"
    assert errors == [], f"pages logged errors: {errors}"
