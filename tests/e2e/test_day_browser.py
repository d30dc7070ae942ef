"""The structured day in a real browser, on both stacks: a staff member on the group
tablet (1180x820) and a parent on a phone (390x844), each in their own context.

* A nap for one child takes two taps after unlock (the child's face, "Slaapt"); the
  parent's open page shows it live as running, then, after two more taps ("Wakker"),
  with its duration.
* A nappy for five children takes six taps (five faces, "Luier nat"): each child gets
  its own entry; the parent sees their own child's only.
* A family with two children switches between them; earlier days are one tap away.
* The parent writes in the schriftje, and the staff see it in the child's day.

Taps are counted by the test (every click goes through ``tap``). The run sits at
``tests.clock.NOON`` (server and both browsers), so no day boundary falls inside
it. Screenshots go to test-artifacts/ (and by hand to docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import update

from portal.database import create_sessionmaker, engine_from_settings
from portal.roster.models import Organisation
from portal.settings import Settings
from portal.uow import UnitOfWork
from tests.conftest import run_sync
from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.people import StaffMember, guardians_of, staff_of
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser

LIVE_MS = 2_000
WAIT_MS = 15_000


class Scene:
    """The parent's phone page and the tablet page of a staff member of the parent's first child's group."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.server = server
        self.errors: list[str] = []
        self.taps = 0
        self.parent_context = self._context(browser, PHONE)
        self.parent = self._open(self.parent_context, server.logins.parent[1])
        me = self.parent.request.get(f"{server.url}/api/me").json()
        self.children = me["children"]
        self.child = self.children[0]
        self.staff_member: StaffMember = staff_of(server.settings, self.child["id"])
        self.staff_context = self._context(browser, TABLET)
        self.tablet = self._open(self.staff_context, self.staff_member.link_token)
        self.api = httpx.Client(base_url=server.url, headers=self.staff_member.auth)
        group = self.tablet.locator("#day-group")
        if group.count():
            group.select_option(str(self.staff_member.group_id))

    @staticmethod
    def _context(browser: Any, viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, locale="nl-NL")
        context.clock.install(time=dt.datetime.now(dt.UTC))  # the browser on the server's (noon) clock
        return context

    def _open(self, context: Any, link: str) -> Page:
        page = context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(f"{self.server.url}/login/link/{link}")
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
        return page

    def tap(self, target: Locator) -> None:
        self.taps += 1
        target.click()

    def face(self, child_id: int) -> Locator:
        return self.tablet.locator(f'[data-testid="face"][data-child="{child_id}"]')

    def action(self, name: str) -> Locator:
        return self.tablet.get_by_test_id("day-staff").get_by_role("button", name=name, exact=True)

    def close(self) -> None:
        self.api.close()
        self.parent_context.close()
        self.staff_context.close()
        assert self.errors == [], f"pages logged errors: {self.errors}"


@pytest.fixture
def scene(noon: dt.date, browser: Any, live_server: LiveServer) -> Iterator[Scene]:
    made = Scene(browser, live_server)
    yield made
    made.close()


def timeline(page: Page) -> Locator:
    return page.get_by_test_id("day-timeline").get_by_test_id("day-entry")


def test_a_nap_in_two_taps_live_on_the_parents_phone_and_a_nappy_for_five_in_six(scene: Scene) -> None:
    tablet, parent, child = scene.tablet, scene.parent, scene.child
    expect(scene.face(child["id"])).to_be_visible(timeout=WAIT_MS)
    expect(parent.get_by_test_id("day-parent")).to_contain_text(f"Vandaag bij {child['first_name']}")

    # a nap: the child's face, "Slaapt"
    scene.taps = 0
    scene.tap(scene.face(child["id"]))
    scene.tap(scene.action("Slaapt"))
    assert scene.taps == 2
    expect(tablet.get_by_test_id("day-status")).to_contain_text(f"Vastgelegd: Slapen voor {child['first_name']}")
    expect(scene.face(child["id"]).get_by_test_id("sleeping")).to_contain_text("slaapt sinds")
    running = timeline(parent).filter(has_text="Slapen")
    expect(running).to_have_attribute("data-running", "true", timeout=LIVE_MS)  # live, no reload
    expect(running).to_contain_text("12:00 – slaapt nu")  # in the organisation's time, wherever the browser is
    tablet.screenshot(path=str(ARTIFACTS / "tablet-day-sleeping-tablet.png"), full_page=True)

    # awake: the face, "Wakker"
    scene.taps = 0
    scene.tap(scene.face(child["id"]))
    scene.tap(scene.action("Wakker"))
    assert scene.taps == 2
    expect(scene.face(child["id"]).get_by_test_id("sleeping")).to_have_count(0)
    expect(running).not_to_have_attribute("data-running", "true", timeout=LIVE_MS)
    expect(running).to_contain_text("min)")
    expect(parent.get_by_test_id("day-summary")).to_contain_text("geslapen")

    # a wet nappy for five children: five faces, "Luier nat"
    others = [
        int(face.get_attribute("data-child") or 0)
        for face in tablet.get_by_test_id("face").all()
        if face.get_attribute("data-child") != str(child["id"])
    ][:4]
    assert len(others) == 4
    scene.taps = 0
    for child_id in [child["id"], *others]:
        scene.tap(scene.face(child_id))
    scene.tap(scene.action("Luier nat"))
    assert scene.taps == 6
    expect(tablet.get_by_test_id("day-status")).to_contain_text("Vastgelegd: Luier · nat voor")
    expect(timeline(parent).filter(has_text="Luier")).to_have_count(1, timeout=LIVE_MS)  # their own child's only
    expect(parent.get_by_test_id("day-summary")).to_contain_text("1 luier")
    for child_id in others:
        day = scene.api.get(f"/api/children/{child_id}/day").json()
        assert [e["kind"] for e in day["entries"]] == ["nappy"]
        assert day["entries"][0]["child"]["id"] == child_id
    tablet.screenshot(path=str(ARTIFACTS / "tablet-day-tablet.png"), full_page=True)
    parent.screenshot(path=str(ARTIFACTS / "parent-day-phone.png"), full_page=True)


def test_a_nap_for_five_children_in_one_action_reaches_both_guardians_live(scene: Scene) -> None:
    tablet, parent, child = scene.tablet, scene.parent, scene.child
    expect(scene.face(child["id"])).to_be_visible(timeout=WAIT_MS)
    others = [
        int(face.get_attribute("data-child") or 0)
        for face in tablet.get_by_test_id("face").all()
        if face.get_attribute("data-child") != str(child["id"])
    ]
    five = [child["id"], *others[:4]]
    scene.taps = 0
    for child_id in five:
        scene.tap(scene.face(child_id))
    scene.tap(scene.action("Slaapt"))
    assert scene.taps == 6  # five faces and one action
    expect(tablet.get_by_test_id("day-status")).to_contain_text("Vastgelegd: Slapen voor")
    running = timeline(parent).filter(has_text="Slapen")
    expect(running).to_have_attribute("data-running", "true", timeout=LIVE_MS)  # live on this guardian's phone
    me = parent.request.get(f"{scene.server.url}/api/me").json()["name"]
    other_guardian = next(p for p in guardians_of(scene.server.settings, child["id"]) if p.name != me)
    with httpx.Client(base_url=scene.server.url, headers=other_guardian.auth) as api:
        assert api.get(f"/api/children/{child['id']}/day").json()["summary"]["sleeping"] is True
        for child_id in five[1:]:  # each child its own entry, not theirs to see
            assert api.get(f"/api/children/{child_id}/day").status_code == 404
    for child_id in five:
        [nap] = scene.api.get(f"/api/children/{child_id}/day").json()["entries"]
        assert nap["kind"] == "sleep" and nap["running"] is True and nap["child"]["id"] == child_id

    scene.taps = 0
    for child_id in five:
        scene.tap(scene.face(child_id))
    scene.tap(scene.action("Wakker"))
    assert scene.taps == 6
    expect(running).not_to_have_attribute("data-running", "true", timeout=LIVE_MS)
    expect(running).to_contain_text("min)")
    with httpx.Client(base_url=scene.server.url, headers=other_guardian.auth) as api:
        summary = api.get(f"/api/children/{child['id']}/day").json()["summary"]
    assert summary["naps"] == 1 and summary["sleeping"] is False


def test_a_family_switches_children_looks_back_and_writes_in_the_schriftje(scene: Scene) -> None:
    parent, child = scene.parent, scene.child
    assert len(scene.children) == 2, "the demo's first family has two children"
    box = parent.get_by_test_id("day-parent")
    form = parent.get_by_test_id("day-note")
    form.get_by_label("Schrijf zelf in het schriftje").fill("Vannacht slecht geslapen, tandjes.")
    form.get_by_role("button", name="Schrijven").click()
    mine = timeline(parent).filter(has_text="tandjes")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Notitie")
    staff_view = scene.api.get(f"/api/children/{child['id']}/day").json()
    assert [e["details"]["note"] for e in staff_view["entries"]] == ["Vannacht slecht geslapen, tandjes."]

    second = scene.children[1]
    box.get_by_role("tab", name=second["first_name"]).click()
    expect(box).to_contain_text(f"Vandaag bij {second['first_name']}")
    expect(timeline(parent)).to_have_count(0)
    box.get_by_role("tab", name=child["first_name"]).click()
    expect(mine).to_have_count(1)

    box.get_by_role("button", name="Eerder").click()
    expect(box.get_by_role("heading")).to_contain_text(f"{child['first_name']} op")
    expect(timeline(parent)).to_have_count(0)
    expect(form).to_be_hidden()  # a note is written today
    box.get_by_role("button", name="Later").click()
    expect(box).to_contain_text(f"Vandaag bij {child['first_name']}")
    expect(box.get_by_role("button", name="Later")).to_be_disabled()


async def _set_hours(settings: Settings, opens: dt.time, closes: dt.time) -> None:
    engine = engine_from_settings(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.session.execute(update(Organisation).values(opens_at=opens, closes_at=closes))
    finally:
        await engine.dispose()


def test_a_message_before_opening_says_it_is_read_today_and_only_to_the_parent(scene: Scene) -> None:
    """Monday 12:00 with the location opening at 13:00: read today, not "tomorrow"."""
    run_sync(_set_hours(scene.server.settings, dt.time(13, 0), dt.time(18, 0)))
    parent = scene.parent
    parent.reload()
    form = parent.get_by_test_id("message-form")
    if form.get_by_label("Kind").count():
        form.get_by_label("Kind").select_option(str(scene.child["id"]))
    form.get_by_label("Tekst").fill("Ze heeft slecht geslapen.")
    form.get_by_role("button", name="Versturen").click()
    card = parent.get_by_test_id("feed").locator("li.item").filter(has_text="slecht geslapen")
    expect(card).to_contain_text("Verstuurd voor openingstijd: de groep leest het vandaag vanaf 13:00.")
    staff_card = scene.tablet.get_by_test_id("feed").locator("li.item").filter(has_text="slecht geslapen")
    expect(staff_card).to_have_count(1, timeout=LIVE_MS)
    expect(staff_card.locator('[data-part="outside-hours"]')).to_have_count(0)


def test_the_childs_own_page_follows_the_day_the_conversation_and_the_diary_live(scene: Scene) -> None:
    parent, child = scene.parent, scene.child
    parent.get_by_test_id(f"child-page-{child['id']}").click()
    expect(parent.get_by_role("heading", level=1)).to_contain_text(child["first_name"])
    expect(parent.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(parent.get_by_test_id("photos")).to_contain_text("Nog geen foto's")

    message = scene.api.post(f"/api/children/{child['id']}/messages", json={"body": "Ze heeft vandaag goed gegeten."})
    assert message.status_code == 201, message.text
    diary = scene.api.post(f"/api/children/{child['id']}/diary", json={"body": "Buiten in de zandbak gespeeld."})
    assert diary.status_code == 201, diary.text
    nap = scene.api.post("/api/day", json={"children": [child["id"]], "kind": "sleep"})
    assert nap.status_code == 201, nap.text
    expect(parent.get_by_test_id("thread")).to_contain_text("Ze heeft vandaag goed gegeten.", timeout=LIVE_MS)
    expect(parent.get_by_test_id("diary")).to_contain_text("Buiten in de zandbak gespeeld.", timeout=LIVE_MS)
    expect(timeline(parent).filter(has_text="Slapen")).to_have_attribute("data-running", "true", timeout=LIVE_MS)

    form = parent.get_by_test_id("thread-form")
    form.get_by_label("Schrijf een bericht").fill("Dank je, fijn om te horen!")
    form.get_by_role("button", name="Versturen").click()
    conversation = parent.get_by_test_id("thread").get_by_test_id("child-item")
    expect(conversation).to_have_count(2)
    expect(conversation.last).to_contain_text("Dank je, fijn om te horen!")  # oldest first, like a conversation
    thread = scene.api.get(f"/api/children/{child['id']}/messages").json()["items"]
    assert [m["body"] for m in thread] == ["Dank je, fijn om te horen!", "Ze heeft vandaag goed gegeten."]
    parent.screenshot(path=str(ARTIFACTS / "parent-child-page-phone.png"), full_page=True)


def test_a_parent_gives_a_medication_instruction_and_staff_log_a_dose_under_it(scene: Scene) -> None:
    parent, tablet, child = scene.parent, scene.tablet, scene.child
    parent.goto(f"{scene.server.url}/kind/{child['id']}")
    box = parent.get_by_test_id("medication")
    expect(box).to_contain_text("Geen medicijnen opgegeven.")
    box.get_by_text("Medicijn opgeven").click()
    box.get_by_label("Naam van het medicijn").fill("Paracetamol")
    box.get_by_label("Dosis").fill("2,5 ml")
    box.get_by_label("Wanneer (bijvoorbeeld: bij koorts boven 38,5)").fill("bij koorts")
    box.get_by_role("button", name="Opgeven").click()
    expect(box.get_by_test_id("instruction")).to_contain_text("Paracetamol · 2,5 ml · bij koorts")

    scene.face(child["id"]).click()
    scene.action("Meer…").click()
    tablet.get_by_label("Soort").select_option("medication")
    instruction = tablet.get_by_label("Volgens de instructie van de ouder")
    expect(instruction.locator("option")).to_have_count(1)
    expect(instruction.locator("option")).to_have_text("Paracetamol · 2,5 ml · bij koorts")
    tablet.get_by_test_id("day-staff").get_by_role("button", name="Vastleggen").click()
    expect(tablet.get_by_test_id("day-status")).to_contain_text("Vastgelegd: Medicijn")
    expect(timeline(parent).filter(has_text="Medicijn")).to_contain_text("Paracetamol · 2,5 ml", timeout=LIVE_MS)


def test_a_parent_shares_a_photo_of_their_own_child_from_its_page(scene: Scene, worker: None, tmp_path: Path) -> None:
    from tests.media import images

    parent, child = scene.parent, scene.child
    parent.goto(f"{scene.server.url}/kind/{child['id']}")
    expect(parent.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    shot = tmp_path / "IMG_3001.JPG"
    shot.write_bytes(images.jpeg())
    form = parent.get_by_test_id("share-photos")
    form.get_by_label(f"Foto's van {child['first_name']} delen").set_input_files(str(shot))
    form.get_by_role("button", name="Delen", exact=True).click()
    expect(form).to_contain_text("Verstuurd.")
    expect(parent.get_by_test_id("child-photo")).to_have_count(1, timeout=WAIT_MS)  # processed, then live here
    photos = scene.api.get(f"/api/children/{child['id']}/photos").json()["photos"]  # the group's staff see it
    assert len(photos) == 1
