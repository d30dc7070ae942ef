"""The planning pages in a real browser, on both stacks: a parent on a phone opens a
free day in the month, sees what can be asked and why not, asks for an extra day; the
location (deciding by hand) sees it in the inbox with what it does to the ratio and
grants it; the parent's month shows it granted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from planning.models import GroupRoom, LocationPlanning, StaffPlan
from portal.database import create_sessionmaker, engine_from_settings
from portal.roster.models import Location
from portal.uow import UnitOfWork
from tests.conftest import run_sync
from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser


def _decide_by_hand_with_room(live_server: LiveServer) -> None:
    """Every location decides by hand; every group has room and staff to spare."""

    async def change() -> None:
        engine = engine_from_settings(live_server.settings)
        try:
            async with UnitOfWork(create_sessionmaker(engine)) as uow:
                from sqlalchemy import select

                for location_id in await uow.session.scalars(select(Location.id)):
                    uow.session.add(LocationPlanning(location_id=location_id, auto_decide=False))
                await uow.session.execute(update(GroupRoom).values(places=40))
                await uow.session.execute(update(StaffPlan).values(staff=8))
        finally:
            await engine.dispose()

    run_sync(change())


def test_a_parent_asks_and_the_location_grants(browser: Any, live_server: LiveServer) -> None:
    _decide_by_hand_with_room(live_server)
    errors: list[str] = []
    phone = browser.new_context(viewport=PHONE, locale="nl-NL")
    tablet = browser.new_context(viewport=TABLET, locale="nl-NL")
    try:
        page = phone.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/link/{live_server.logins.parent[1]}")
        page.goto(f"{live_server.url}/planning")
        expect(page.get_by_test_id("balance")).to_be_visible()
        free = page.locator('[data-testid="day"]:has([data-testid="ask-extra"])')
        if free.count() == 0:  # late in the month: the next one has free days
            page.get_by_test_id("next-month").click()
        day = free.first
        asked_day = day.get_attribute("data-day")
        day.locator("summary").click()
        expect(day.get_by_role("button", name="Extra dag aanvragen (wordt gefactureerd)")).to_be_visible()
        # days that cannot be asked for say why, before anything is sent
        why = page.locator('[data-testid="why-extra"]')
        if why.count():
            expect(why.first).to_contain_text("Extra dag aanvragen:")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "planning-month-phone.png"), full_page=True)
        day.get_by_role("button", name="Extra dag aanvragen (wordt gefactureerd)").click()
        expect(page.get_by_test_id("planning-done")).to_have_attribute("data-status", "pending")
        expect(page.locator(f'[data-day="{asked_day}"] [data-testid="request-badge"]')).to_have_attribute(
            "data-status", "pending"
        )

        office = tablet.new_page()
        office.on("pageerror", lambda e: errors.append(str(e)))
        office.goto(f"{live_server.url}/login/link/{live_server.logins.admin[1]}")
        office.goto(f"{live_server.url}/planning/inbox")
        item = office.get_by_test_id("inbox-item").first
        expect(item.get_by_test_id("ratio").locator("li").first).to_contain_text("beroepskracht(en) nodig, 8 ingepland")
        office.screenshot(path=str(ARTIFACTS / "planning-inbox-tablet.png"), full_page=True)
        item.get_by_test_id("grant").click()
        expect(office.get_by_test_id("inbox-empty")).to_be_visible()

        # the set-up page: the staff grid and a closing day are kept
        office.goto(f"{live_server.url}/planning/instellingen")
        group = office.get_by_test_id("group-room").first
        group.get_by_label("Beroepskrachten op wo, ochtend").fill("3")
        group.get_by_test_id("save-group").click()
        expect(office.get_by_test_id("setup-saved")).to_be_visible()
        expect(office.get_by_test_id("group-room").first.get_by_label("Beroepskrachten op wo, ochtend")).to_have_value(
            "3"
        )
        location = office.get_by_test_id("location").first
        closing = (dt.date.today() + dt.timedelta(days=200)).isoformat()  # any run's clock: always ahead
        location.get_by_label("Sluitingsdag toevoegen").fill(closing)
        location.get_by_label("Reden (bijvoorbeeld studiedag)").fill("Studiedag")
        location.get_by_test_id("save-location").click()
        expect(office.get_by_test_id("location").first.get_by_test_id("closing-days")).to_contain_text("Studiedag")
        office.screenshot(path=str(ARTIFACTS / "planning-setup-tablet.png"), full_page=True)

        page.goto(f"{live_server.url}/planning?month={asked_day[:7]}")
        expect(page.locator(f'[data-day="{asked_day}"] [data-testid="request-badge"]')).to_have_attribute(
            "data-status", "granted"
        )
    finally:
        phone.close()
        tablet.close()
    assert errors == []
