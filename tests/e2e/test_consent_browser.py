"""The consent page on a parent's phone, on both stacks: from the home page to one
child's consents, withdraw photo consent, and the page shows what holds now and
the change at the top of the history."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser


def test_a_parent_withdraws_photo_consent(browser: Any, live_server: LiveServer) -> None:
    errors: list[str] = []
    external: list[str] = []
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    try:
        page = context.new_page()
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/link/{live_server.logins.parent[1]}")
        child = page.request.get(f"{live_server.url}/api/me").json()["children"][0]
        page.get_by_test_id(f"consents-{child['id']}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Toestemming voor {child['first_name']}")

        photo = page.get_by_test_id("kind-photo")
        photo.get_by_role("radio", name="Nee").check()
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_test_id("effective-photo")).to_have_text("Geldt: nee")  # after the page reloaded
        expect(photo.get_by_role("radio", name="Nee")).to_be_checked()
        latest = page.get_by_test_id("history").locator("tbody tr").first
        expect(latest).to_contain_text("Mijn kind mag op foto's")
        expect(latest).to_contain_text("→ Nee")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "parent-consents-phone.png"), full_page=True)
    finally:
        context.close()
    assert external == [], f"the page requested other origins: {external}"
    assert errors == [], f"the page logged errors: {errors}"


def test_the_history_fits_a_phone_one_block_per_change(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/link/{live_server.logins.parent[1]}")
        child = page.request.get(f"{live_server.url}/api/me").json()["children"][0]
        page.goto(f"{live_server.url}/toestemming/{child['id']}")
        page.get_by_test_id("kind-photo").get_by_role("radio", name="Ja").check()
        page.get_by_role("button", name="Opslaan").click()
        row = page.get_by_test_id("history").locator("tbody tr").first
        expect(row).to_contain_text("→ Ja")
        cells = row.locator("td")
        viewport = page.viewport_size
        assert viewport is not None
        for index in range(cells.count()):  # every cell on screen: nothing cut off at the right
            box = cells.nth(index).bounding_box()
            assert box is not None and box["x"] + box["width"] <= viewport["width"], index
        expect(cells.first).to_have_css("display", "block")
    finally:
        context.close()


def test_a_manager_finds_who_has_not_answered_and_reads_a_childs_consents(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport=TABLET, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/link/{live_server.logins.admin[1]}")
        page.get_by_test_id("consent-overview-link").click()
        unanswered = page.get_by_test_id("unanswered").first
        expect(unanswered).to_be_visible()
        unanswered.locator("a").first.click()
        expect(page.get_by_test_id("consent-read-only")).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(0)  # only guardians change answers
        expect(page.get_by_test_id("export-csv")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "admin-child-consents-tablet.png"), full_page=True)
    finally:
        context.close()
