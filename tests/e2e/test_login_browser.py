"""In a real browser: the demo's printed parent link leads to a logged-in page; log
out, log in with the password, switch to English. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.people import invite_guardian

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
TABLET = {"width": 1024, "height": 768}


def test_parent_link_password_login_and_language(browser, live_server) -> None:
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)

    email, token = live_server.logins.parent
    page.goto(f"{live_server.url}/login/link/{token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hallo")
    children = page.get_by_test_id("children").locator("li")
    expect(children).to_have_count(2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "parent-home-phone.png"), full_page=True)

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("status")).to_have_text("Je bent uitgelogd.")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord klopt niet.")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(children).to_have_count(2)

    page.get_by_role("link", name="Language: English").click()
    expect(page.get_by_role("heading", level=2, name="Your children")).to_be_visible()
    expect(page.get_by_role("heading", name="Message to the group")).to_be_visible()  # the feed's texts too
    assert external == [], f"pages requested other origins: {external}"
    context.close()


def test_staff_and_admin_landing_pages_on_a_tablet(browser, live_server) -> None:
    context = browser.new_context(viewport=TABLET, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/link/{live_server.logins.staff[1]}")
    expect(page.get_by_test_id("groups").locator("h3")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "staff-home-tablet.png"), full_page=True)
    context.clear_cookies()
    page.goto(f"{live_server.url}/login/link/{live_server.logins.admin[1]}")
    expect(page.get_by_test_id("totals")).to_contain_text("50")
    page.screenshot(path=str(ARTIFACTS / "admin-home-tablet.png"), full_page=True)
    context.close()


def test_activation_sets_a_password_once(browser, live_server) -> None:
    """The invitation's link: a password (with the rules explained on a mistake), then
    the family's page; the same link a second time says it was used."""
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/link/{live_server.logins.parent[1]}")
    child = page.request.get(f"{live_server.url}/api/me").json()["children"][0]
    context.clear_cookies()
    token = invite_guardian(live_server.settings, child["id"], "oma.test@example.nl", "Oma Test")

    page.goto(f"{live_server.url}/activate/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord instellen")
    page.get_by_label("Wachtwoord", exact=True).fill("lange zin voor oma")
    page.get_by_label("Herhaal wachtwoord").fill("lange zin voor opa")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("niet gelijk")
    page.get_by_label("Wachtwoord", exact=True).fill("lange zin voor oma")
    page.get_by_label("Herhaal wachtwoord").fill("lange zin voor oma")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hallo Oma Test")
    expect(page.get_by_test_id("children")).to_contain_text(child["first_name"])

    context.clear_cookies()
    page.goto(f"{live_server.url}/activate/{token}")
    expect(page.get_by_role("alert")).to_contain_text("Deze link is al gebruikt.")
    context.close()
