"""The live feed in a real browser, on both stacks: a parent on a phone and a staff
member on a tablet, each in their own browser context.

* A group post written on the staff page appears on the open parent page within a
  second, without reload, pinned until the parent confirms it; staff see who did.
* The family thread: the parent writes, the staff page shows it live, and once
  staff saw it the parent's page says "read" live.
* Offline and back (Chromium's offline emulation): what was posted meanwhile
  arrives once, in order, and nothing already shown appears twice.
* The absence form past the cut-off says so before and after sending, and the
  report reaches the staff page.
Screenshots go to test-artifacts/ (and a few to docs/screenshots/ by hand)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from portal.database import create_sessionmaker, engine_from_settings
from portal.roster.models import Organisation
from portal.settings import Settings
from portal.uow import UnitOfWork
from tests.conftest import run_sync
from tests.e2e.conftest import ARTIFACTS, LiveServer
from tests.e2e.people import StaffMember, staff_of
from tests.e2e.test_login_browser import PHONE, TABLET

pytestmark = pytest.mark.browser

LIVE_MS = 1_000  # the promise: a staff post shows on an open parent page within a second
WAIT_MS = 15_000


class Pair:
    """A parent's phone page and the tablet page of a staff member of the parent's first child's group."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.server = server
        self.external: list[str] = []
        self.errors: list[str] = []  # script errors and console errors (a CSP violation is one)
        self.parent_context = browser.new_context(viewport=PHONE, locale="nl-NL")
        self.parent = self._open(self.parent_context, server.logins.parent[1])
        me = self.parent.request.get(f"{server.url}/api/me").json()
        self.child = me["children"][0]
        self.staff_member: StaffMember = staff_of(server.settings, self.child["id"])
        self.staff_context = browser.new_context(viewport=TABLET, locale="nl-NL")
        self.staff = self._open(self.staff_context, self.staff_member.link_token)
        self.api = httpx.Client(base_url=server.url, headers=self.staff_member.auth)

    def _open(self, context: Any, link: str) -> Page:
        page = context.new_page()
        page.on("request", lambda r: self.external.append(r.url) if not r.url.startswith(self.server.url) else None)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(f"{self.server.url}/login/link/{link}")
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
        return page

    def diary(self, body: str) -> None:
        response = self.api.post(f"/api/children/{self.child['id']}/diary", json={"body": body})
        assert response.status_code == 201, response.text

    def close(self) -> None:
        self.api.close()
        self.parent_context.close()
        self.staff_context.close()
        assert self.external == [], f"pages requested other origins: {self.external}"
        assert self.errors == [], f"pages logged errors: {self.errors}"


@pytest.fixture
def pair(browser: Any, live_server: LiveServer) -> Iterator[Pair]:
    made = Pair(browser, live_server)
    yield made
    made.close()


def items(page: Page, text: str) -> Any:
    return page.get_by_test_id("feed").locator("li.item").filter(has_text=text)


def test_a_group_post_reaches_the_parent_live_and_is_confirmed(pair: Pair) -> None:
    parent, staff = pair.parent, pair.staff
    staff.get_by_label("Tekst").first.fill("Morgen zwemles: zwemkleding meenemen!")
    staff.get_by_label("Ouders moeten bevestigen dat ze het gelezen hebben").check()
    staff.get_by_test_id("post-form").get_by_role("button", name="Versturen").click()
    expect(staff.get_by_test_id("post-form").get_by_role("status")).to_have_text("Verstuurd.")

    pinned = parent.get_by_test_id("pinned").locator("li.item")
    expect(pinned).to_contain_text("Morgen zwemles", timeout=LIVE_MS)  # live, no reload
    assert pinned.evaluate("li => getComputedStyle(li.parentElement).listStyleType") == "none"  # no stray bullet
    expect(pinned.get_by_text("Nieuw")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    parent.screenshot(path=str(ARTIFACTS / "parent-feed-pinned-phone.png"), full_page=True)

    post = items(staff, "Morgen zwemles")
    post.get_by_role("button", name="Wie heeft bevestigd?").click()
    expect(post).to_contain_text("0 van")

    pinned.get_by_role("button", name="Gelezen en akkoord").click()
    expect(parent.get_by_test_id("pinned").locator("li.item")).to_have_count(0)
    confirmed = items(parent, "Morgen zwemles")
    expect(confirmed).to_contain_text("Bevestigd door")
    expect(post).to_contain_text("1 van", timeout=WAIT_MS)  # the staff page follows the confirmation live
    staff.screenshot(path=str(ARTIFACTS / "staff-feed-tablet.png"), full_page=True)

    reloaded = parent.reload()
    assert reloaded is not None and reloaded.ok
    expect(parent.get_by_test_id("pinned").locator("li.item")).to_have_count(0)  # stays confirmed
    expect(items(parent, "Morgen zwemles")).to_have_count(1)


def test_staff_see_which_families_read_a_group_post(pair: Pair) -> None:
    parent, staff = pair.parent, pair.staff
    # the read's response, not only its request: staff look as soon as it is stored
    with parent.expect_response(
        lambda r: r.url.endswith("/api/read") and '"group_post"' in (r.request.post_data or "") and r.ok,
        timeout=WAIT_MS,
    ):
        staff.get_by_label("Tekst").first.fill("Vrijdag is het feest in de groep.")
        staff.get_by_test_id("post-form").get_by_role("button", name="Versturen").click()
        expect(items(parent, "Vrijdag is het feest")).to_have_count(1, timeout=LIVE_MS)
        items(parent, "Vrijdag is het feest").scroll_into_view_if_needed()  # on screen: read after a second
    post = items(staff, "Vrijdag is het feest")
    post.get_by_test_id("readers").click()
    expect(post).to_contain_text("Gelezen door 1 van")
    expect(post).to_contain_text("Nog niet gelezen:")
    staff.screenshot(path=str(ARTIFACTS / "staff-readers-tablet.png"), full_page=True)


def test_the_author_edits_and_deletes_and_staff_answer_a_parent_from_the_card(pair: Pair) -> None:
    parent, staff = pair.parent, pair.staff
    staff.get_by_label("Tekst").first.fill("Morgen gaan we naar het bos.")
    staff.get_by_test_id("post-form").get_by_role("button", name="Versturen").click()
    mine = items(staff, "naar het bos")
    expect(items(parent, "naar het bos")).to_have_count(1, timeout=LIVE_MS)
    expect(items(parent, "naar het bos").get_by_test_id("edit")).to_have_count(0)  # not the parent's to edit
    mine.get_by_test_id("edit").click()
    mine.get_by_label("Nieuwe tekst").fill("Morgen gaan we naar het park.")
    mine.get_by_role("button", name="Opslaan").click()
    expect(items(parent, "naar het park")).to_contain_text("bewerkt", timeout=LIVE_MS)  # live, in place
    expect(items(parent, "naar het bos")).to_have_count(0)
    edited = items(staff, "naar het park")
    edited.get_by_test_id("delete").click()
    expect(edited.get_by_test_id("delete")).to_have_text("Zeker weten? Tik nog eens om te verwijderen")
    edited.get_by_test_id("delete").click()
    expect(items(parent, "naar het park")).to_have_count(0, timeout=LIVE_MS)
    expect(items(staff, "naar het park")).to_have_count(0)

    form = parent.get_by_test_id("message-form")
    if form.get_by_label("Kind").count():
        form.get_by_label("Kind").select_option(str(pair.child["id"]))
    form.get_by_label("Tekst").fill("Mag Emma morgen later komen?")
    form.get_by_role("button", name="Versturen").click()
    question = items(staff, "later komen")
    expect(question).to_have_count(1, timeout=LIVE_MS)
    question.get_by_text("Antwoorden").click()
    question.get_by_test_id("answer-form").locator("textarea").fill("Ja hoor, tot tien uur.")
    question.get_by_test_id("answer-form").get_by_role("button", name="Versturen").click()
    answer = items(parent, "tot tien uur")
    expect(answer).to_have_count(1, timeout=LIVE_MS)
    expect(answer).to_contain_text(pair.staff_member.name)


def test_the_family_thread_with_a_live_read_receipt(pair: Pair) -> None:
    parent, staff = pair.parent, pair.staff
    form = parent.get_by_test_id("message-form")
    if form.get_by_label("Kind").count():
        form.get_by_label("Kind").select_option(str(pair.child["id"]))
    form.get_by_label("Tekst").fill("Oma haalt vandaag op.")
    form.get_by_role("button", name="Versturen").click()
    mine = items(parent, "Oma haalt vandaag op.")
    expect(mine).to_have_count(1)  # back over the socket, shown once

    expect(items(staff, "Oma haalt vandaag op.")).to_have_count(1, timeout=LIVE_MS)
    # the staff page is visible, so it marks the message read; the parent sees that live
    expect(mine.get_by_text("Gelezen door de groep")).to_be_visible(timeout=WAIT_MS)
    parent.screenshot(path=str(ARTIFACTS / "parent-thread-read-phone.png"), full_page=True)


def test_offline_and_back_catches_up_once_in_order(pair: Pair) -> None:
    parent = pair.parent
    pair.diary("Eerste: buiten gespeeld.")
    expect(items(parent, "Eerste: buiten gespeeld.")).to_have_count(1, timeout=LIVE_MS)

    pair.parent_context.set_offline(True)
    expect(parent.get_by_test_id("live-status")).to_have_attribute("data-state", "offline")
    for n in ("Tweede", "Derde", "Vierde"):
        pair.diary(f"{n}: terwijl de telefoon offline was.")
    expect(items(parent, "terwijl de telefoon offline was")).to_have_count(0)  # the socket is really gone

    pair.parent_context.set_offline(False)
    expect(parent.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    caught_up = items(parent, "terwijl de telefoon offline was")
    expect(caught_up).to_have_count(3)
    assert [caught_up.nth(i).locator("p.body").inner_text() for i in range(3)] == [
        "Vierde: terwijl de telefoon offline was.",
        "Derde: terwijl de telefoon offline was.",
        "Tweede: terwijl de telefoon offline was.",
    ]  # newest first
    expect(items(parent, "Eerste: buiten gespeeld.")).to_have_count(1)

    pair.diary("Vijfde: weer live.")
    expect(items(parent, "Vijfde: weer live.")).to_have_count(1, timeout=LIVE_MS)
    expect(items(parent, "Dagboek")).to_have_count(5)
    parent.screenshot(path=str(ARTIFACTS / "parent-feed-phone.png"), full_page=True)


async def _set_cutoff(settings: Settings, cutoff: dt.time) -> None:
    engine = engine_from_settings(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.session.execute(update(Organisation).values(absence_cutoff=cutoff))
    finally:
        await engine.dispose()


def test_an_absence_past_the_cutoff_says_so(pair: Pair) -> None:
    run_sync(_set_cutoff(pair.server.settings, dt.time(0, 0)))  # every report for today is late now
    parent = pair.parent
    parent.get_by_test_id("absence-link").click()
    expect(parent.get_by_role("heading", level=1)).to_have_text("Ziek of afwezig melden")
    expect(parent.get_by_test_id("past-cutoff")).to_contain_text("Het is nu na 00:00")
    form = parent.get_by_test_id("absence-form")
    if form.get_by_label("Kind").count():
        form.get_by_label("Kind").select_option(str(pair.child["id"]))
    form.get_by_label("Toelichting (niet verplicht)").fill("Koorts sinds vannacht.")
    parent.screenshot(path=str(ARTIFACTS / "absence-form-phone.png"), full_page=True)
    form.get_by_role("button", name="Melden").click()
    result = parent.get_by_test_id("absence-result")
    expect(result).to_have_attribute("data-on-time", "false")
    expect(result).to_contain_text("kwam na 00:00: deze dag telt niet voor tegoed")

    report = items(pair.staff, "Koorts sinds vannacht.")
    expect(report).to_contain_text("Na 00:00 gemeld: telt niet voor tegoed", timeout=LIVE_MS)

    tomorrow = parent.get_by_label("Eerste dag", exact=True)
    tomorrow.fill((dt.date.fromisoformat(tomorrow.input_value()) + dt.timedelta(days=1)).isoformat())
    parent.get_by_label("Toelichting (niet verplicht)").fill("Opa is jarig.")
    parent.get_by_label("vakantie").check()
    parent.get_by_role("button", name="Melden").click()
    expect(result).to_have_attribute("data-on-time", "true")
    expect(items(pair.staff, "Opa is jarig.")).to_contain_text("Op tijd gemeld (vóór 00:00)", timeout=LIVE_MS)

    parent.get_by_label("Toelichting (niet verplicht)").fill("Toch nog een keer?")  # the same day again
    parent.get_by_role("button", name="Melden").click()
    expect(parent.get_by_role("alert")).to_contain_text(f"{pair.child['first_name']} is al afgemeld van")
    expect(items(pair.staff, "Toch nog een keer?")).to_have_count(0)
    pair.errors.remove("Failed to load resource: the server responded with a status of 409 (Conflict)")  # that page


def test_a_bad_absence_keeps_what_was_typed(pair: Pair) -> None:
    parent = pair.parent
    parent.goto(f"{pair.server.url}/afwezig")
    form = parent.get_by_test_id("absence-form")
    if form.get_by_label("Kind").count():
        form.get_by_label("Kind").select_option(str(pair.child["id"]))
    parent.get_by_label("Eerste dag", exact=True).fill("2026-11-20")
    parent.get_by_label("Laatste dag (leeg: alleen de eerste dag)").fill("2026-11-10")
    parent.get_by_label("Toelichting (niet verplicht)").fill("Deze tekst mag niet verloren gaan.")
    parent.get_by_role("button", name="Melden").click()
    expect(parent.get_by_role("alert")).to_contain_text("De laatste dag ligt voor de eerste dag.")  # in Dutch
    expect(parent.get_by_label("Toelichting (niet verplicht)")).to_have_value("Deze tekst mag niet verloren gaan.")
    expect(items(pair.staff, "Deze tekst mag niet verloren gaan.")).to_have_count(0)
    assert [e for e in pair.errors if "422" in e] == pair.errors != []  # the refused form, nothing else
    pair.errors.clear()


def test_older_items_load_on_request_without_duplicates(browser: Any, live_server: LiveServer) -> None:
    """The page starts with the newest 40; "load older" brings the rest, each once."""
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/link/{live_server.logins.parent[1]}")
        child = page.request.get(f"{live_server.url}/api/me").json()["children"][0]
        staff_member = staff_of(live_server.settings, child["id"])
        with httpx.Client(base_url=live_server.url, headers=staff_member.auth) as api:
            for n in range(45):
                response = api.post(f"/api/children/{child['id']}/diary", json={"body": f"Dagboek nummer {n:02d}"})
                assert response.status_code == 201, response.text
        page.goto(f"{live_server.url}/")
        diary = page.get_by_test_id("feed").locator("li.item").filter(has_text="Dagboek nummer")
        expect(diary.filter(has_text="Dagboek nummer 44")).to_have_count(1)
        expect(diary).to_have_count(40)
        page.get_by_role("button", name="Oudere berichten laden").click()
        expect(diary).to_have_count(45)
        texts = diary.all_inner_texts()
        numbers = [line for text in texts for line in text.splitlines() if line.startswith("Dagboek nummer")]
        assert numbers == [f"Dagboek nummer {n:02d}" for n in reversed(range(45))]  # each once, newest first
    finally:
        context.close()
