"""The admin's pages on a tablet, on both stacks: a roster file is checked (the
report says what would change) and then applied; the organisation's settings
form keeps what was typed when a value is wrong and says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.test_login_browser import TABLET

pytestmark = pytest.mark.browser

EXAMPLE_ROSTER = Path(__file__).resolve().parents[2] / "docs" / "examples" / "roster.csv"


def test_roster_import_and_settings(browser: Any, live_server: LiveServer) -> None:
    errors: list[str] = []
    context = browser.new_context(viewport=TABLET, locale="nl-NL")
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/link/{live_server.logins.admin[1]}")

        page.get_by_test_id("roster-link").click()
        page.get_by_label("Kinderlijst (met ouders)").check()
        page.get_by_label("CSV-bestand").set_input_files(str(EXAMPLE_ROSTER))
        page.get_by_role("button", name="Controleren").click()
        report = page.get_by_test_id("report")
        expect(report).to_contain_text("Het bestand is in orde.")
        expect(report.locator('[data-count="children_created"]')).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-roster-checked-tablet.png"), full_page=True)
        page.get_by_role("button", name="Toepassen").click()
        expect(page.get_by_test_id("report")).to_contain_text("Toegepast.")

        page.goto(f"{live_server.url}/instellingen")
        page.get_by_label("Open vanaf").fill("19:00")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_test_id("settings-error")).to_have_text("De openingstijd moet vóór de sluitingstijd liggen.")
        expect(page.get_by_label("Open vanaf")).to_have_value("19:00")  # what was typed stays
        page.get_by_label("Open vanaf").fill("06:45")
        page.get_by_label("Minuten zonder gebruik waarna de groepstablet vergrendelt").fill("3")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_test_id("saved")).to_be_visible()
        expect(page.get_by_label("Open vanaf")).to_have_value("06:45")
        page.screenshot(path=str(ARTIFACTS / "admin-settings-tablet.png"), full_page=True)
    finally:
        context.close()
    assert errors == []
