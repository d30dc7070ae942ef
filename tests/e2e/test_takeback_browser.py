"""Take-back in a real browser, on both stacks.

* The admin takes a guardian off a child on ``/rooster/ouders``; the guardian's open
  phone page loses the child's diary within five seconds, without anyone touching it.
* A child is purged after its leaving window: the home pages of the staff who wrote
  about it (and read a family's confirmation of a post) still load and go live with
  every placeholder of the purged content rendered as nothing, and no script error.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from media.storage import open_storage
from messaging import retention
from messaging.broker import LocalBroker, RedisBroker
from portal.database import create_sessionmaker, engine_from_settings
from portal.roster.models import Child
from portal.settings import Settings
from tests.conftest import run_sync
from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.people import guardians_of, staff_of
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser

TAKE_BACK_MS = 5_000  # the promise for an open client
WAIT_MS = 15_000


class Pages:
    """Browser contexts that fail the test on any script or console error."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser, self.server = browser, server
        self.errors: list[str] = []
        self.contexts: list[Any] = []

    def open(self, link: str, viewport: dict[str, int], *, live: bool = True) -> Page:
        context = self.browser.new_context(viewport=viewport, locale="nl-NL")
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(f"{self.server.url}/login/link/{link}")
        if live:
            expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        assert self.errors == [], f"pages logged errors: {self.errors}"


@pytest.fixture
def pages(browser: Any, live_server: LiveServer) -> Iterator[Pages]:
    made = Pages(browser, live_server)
    yield made
    made.close()


def test_a_removed_guardians_open_page_loses_the_child_at_once(pages: Pages, live_server: LiveServer) -> None:
    parent = pages.open(live_server.logins.parent[1], PHONE)
    child = parent.request.get(f"{live_server.url}/api/me").json()["children"][0]
    staff = staff_of(live_server.settings, child["id"])
    with httpx.Client(base_url=live_server.url, headers=staff.auth) as api:
        written = api.post(f"/api/children/{child['id']}/diary", json={"body": "Vandaag de eendjes gevoerd."})
        assert written.status_code == 201, written.text
    diary = parent.get_by_text("Vandaag de eendjes gevoerd.")
    expect(diary).to_be_visible(timeout=WAIT_MS)
    name = parent.request.get(f"{live_server.url}/api/me").json()["name"]

    admin = pages.open(live_server.logins.admin[1], TABLET, live=False)
    admin.goto(f"{live_server.url}/rooster/ouders")
    row = admin.locator(f'tr[data-child="{child["id"]}"]')
    mine = row.locator(".guardian").filter(has_text=name)
    mine.get_by_text("Weghalen bij dit kind").click()
    mine.get_by_label("Reden (voor het logboek)").fill("verkeerd e-mailadres")
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "guardians-remove-tablet.png"), full_page=True)
    mine.get_by_role("button", name=f"Haal {name} weg").click()
    expect(admin.get_by_test_id("done")).to_be_visible()

    expect(parent.get_by_text("Vandaag de eendjes gevoerd.")).to_have_count(0, timeout=TAKE_BACK_MS)
    expect(parent.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    parent.screenshot(path=str(ARTIFACTS / "guardian-removed-phone.png"), full_page=True)
    assert parent.request.get(f"{live_server.url}/archief/{child['id']}").status == 404
    log = admin.request.get(f"{live_server.url}/api/admin/roster-changes").json()["changes"]
    assert (log[0]["action"], log[0]["reason"]) == ("guardian_removed", "verkeerd e-mailadres")


def test_every_placeholder_of_a_purged_child_renders(pages: Pages, live_server: LiveServer) -> None:
    settings = live_server.settings
    parent_page = pages.open(live_server.logins.parent[1], PHONE)
    child = parent_page.request.get(f"{live_server.url}/api/me").json()["children"][0]
    staff = staff_of(settings, child["id"])
    family = guardians_of(settings, child["id"])
    with httpx.Client(base_url=live_server.url, headers=staff.auth) as api:
        post = api.post(f"/api/groups/{staff.group_id}/posts", json={"body": "Paspoort mee", "requires_ack": True})
        assert post.status_code == 201, post.text
        assert api.post(f"/api/children/{child['id']}/diary", json={"body": "Lekker geslapen."}).status_code == 201
    with httpx.Client(base_url=live_server.url, headers=family[0].auth) as api:
        acked = api.post(f"/api/posts/{post.json()['id']}/ack")
        assert acked.status_code == 200, acked.text
        assert api.post(f"/api/children/{child['id']}/messages", json={"body": "Tot morgen!"}).status_code == 201
    staff_page = pages.open(staff.link_token, TABLET)
    expect(staff_page.get_by_text("Lekker geslapen.")).to_be_visible(timeout=WAIT_MS)

    purge(settings, child["id"])

    staff_page.reload()  # everything it had of the child is a placeholder now
    expect(staff_page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(staff_page.get_by_text("Paspoort mee")).to_be_visible()  # group posts stay
    for gone in ("Lekker geslapen.", "Tot morgen!"):
        expect(staff_page.get_by_text(gone)).to_have_count(0)
    staff_page.screenshot(path=str(ARTIFACTS / "after-purge-staff-tablet.png"), full_page=True)


def purge(settings: Settings, child_id: int) -> None:
    """The child left long ago; the hourly housekeeping runs (the real job, on this stack's backends)."""

    async def run() -> None:
        engine = engine_from_settings(settings)
        sessionmaker = create_sessionmaker(engine)
        storage = await open_storage(settings)
        broker = RedisBroker(settings.redis_url, settings.redis_prefix) if settings.redis_url else LocalBroker()
        try:
            async with sessionmaker() as session, session.begin():
                long_ago = dt.date.today() - dt.timedelta(days=400)
                await session.execute(update(Child).where(Child.id == child_id).values(end_date=long_ago))
            done = await retention.run(sessionmaker, storage, broker)
            assert done["children_purged"] >= 1, done
        finally:
            await broker.close()
            await storage.close()
            await engine.dispose()

    run_sync(run())
