"""The tablet's photo page in a real browser, on both stacks (on the service stack with
a real arq worker): consent marks before upload, masking by dragging, the preview of
who receives what, per-photo status; then the parents' pages: the tagged child's
parent sees the thumbnail with the other child masked, that child's own parent sees
it plain, and a parent of an untagged child sees nothing. A queued upload survives a
reload and a dropped connection without becoming two photos."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from tests.e2e.conftest import ARTIFACTS, WAIT_SECS, LiveServer
from tests.e2e.people import Person, StaffMember, guardians_of, staff_of
from tests.e2e.test_login_browser import PHONE, TABLET
from tests.media.test_photo_consent import LEFT_HALF, left_contrast, striped

pytestmark = pytest.mark.browser

WAIT_MS = int(WAIT_SECS * 1000)
DELIBERATE = "net::ERR_INTERNET_DISCONNECTED"  # the lost answer in the retry test
YES = {"photo": True, "photo_group": True}
OWN = {"photo": True, "photo_group": False}
NO = {"photo": False, "photo_group": False}


class Group:
    """The demo parent's first child (A) and two other families of its group: B (own family
    only) and C (may not appear), with their consents set through the API by every guardian."""

    def __init__(self, server: LiveServer, browser: Any) -> None:
        self.server, self.browser = server, browser
        self.contexts: list[Any] = []
        self.external: list[str] = []
        self.errors: list[str] = []  # script errors and console errors (a CSP violation is one)
        self.parent_a = self.open(PHONE, server.logins.parent[1])
        me = self.parent_a.request.get(f"{server.url}/api/me").json()
        self.a = me["children"][0]
        self.staff: StaffMember = staff_of(server.settings, self.a["id"])
        with httpx.Client(base_url=server.url, headers=self.staff.auth) as api:
            group = api.get(f"/api/groups/{self.staff.group_id}/consents").json()["children"]
        family_a = {p.name for p in guardians_of(server.settings, self.a["id"])}
        others: list[tuple[dict[str, Any], list[Person]]] = []
        for child in group:
            guardians = guardians_of(server.settings, child["id"])
            names = {p.name for p in guardians}
            unrelated = all(not names & {p.name for p in seen} for _, seen in others)
            if child["id"] != self.a["id"] and guardians and not names & family_a and unrelated:
                others.append((child, guardians))
            if len(others) == 2:
                break
        (self.b, self.b_guardians), (self.c, self.c_guardians) = others
        self.consent(self.a["id"], guardians_of(server.settings, self.a["id"]), YES)
        self.consent(self.b["id"], self.b_guardians, OWN)
        self.consent(self.c["id"], self.c_guardians, NO)

    def consent(self, child_id: int, guardians: list[Person], kinds: dict[str, bool]) -> None:
        for person in guardians:
            with httpx.Client(base_url=self.server.url, headers=person.auth) as api:
                response = api.put(f"/api/children/{child_id}/consents", json=kinds)
                assert response.status_code == 200, response.text

    def open(self, viewport: dict[str, int], link: str) -> Page:
        context = self.browser.new_context(viewport=viewport, locale="nl-NL")
        self.contexts.append(context)
        page = context.new_page()
        page.on(
            "request",
            lambda r: self.external.append(r.url) if not r.url.startswith((self.server.url, "blob:")) else None,
        )
        page.on(
            "console", lambda m: self.errors.append(m.text) if m.type == "error" and DELIBERATE not in m.text else None
        )
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(f"{self.server.url}/login/link/{link}")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        assert self.external == [], f"pages requested other origins: {self.external}"
        assert self.errors == [], f"pages logged errors: {self.errors}"


@pytest.fixture
def group(browser: Any, live_server: LiveServer, worker: None) -> Iterator[Group]:
    made = Group(live_server, browser)
    yield made
    made.close()


def tag(card: Any, name: str) -> Any:
    return card.locator(f'button.tag-child:has-text("{name}")')


def first(child: dict[str, Any]) -> str:
    return str(child.get("first_name") or child["name"]).split(" ")[0]


def photo_of(page: Page, server: LiveServer) -> dict[str, Any]:
    """The photo as this person's client received it (the newest photo.shared in their feed)."""
    items = page.request.get(f"{server.url}/api/feed?after=0&limit=200").json()["items"]
    shared = [i["data"] for i in items if i["kind"] == "photo.shared"]
    assert shared, "no photo in this feed"
    return dict(shared[-1])


def test_tag_mask_preview_upload_and_who_sees_what(group: Group, tmp_path: Path) -> None:
    server = group.server
    parent_b = group.open(PHONE, group.b_guardians[0].link_token)
    parent_c = group.open(PHONE, group.c_guardians[0].link_token)
    for page in (group.parent_a, parent_b, parent_c):
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)

    tablet = group.open(TABLET, group.staff.link_token)
    tablet.get_by_test_id("photos-link").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Foto's delen")
    tablet.get_by_label("Groep").select_option(str(group.staff.group_id))
    shot = tmp_path / "IMG_0042.JPG"
    shot.write_bytes(striped())
    tablet.locator("#upload-files").set_input_files(str(shot))
    card = tablet.get_by_test_id("upload")
    expect(card).to_have_count(1)

    # the consent status of every child is on the tagging screen before anything is sent
    expect(tag(card, first(group.c))).to_have_attribute("data-status", "may_not_appear")
    expect(tag(card, first(group.c))).to_contain_text("Mag niet op foto's")
    expect(tag(card, first(group.b))).to_contain_text("Alleen voor eigen gezin")
    expect(tag(card, first(group.a))).to_contain_text("Mag op foto's")

    tag(card, first(group.c)).click()
    expect(card.get_by_test_id("receives")).to_contain_text(first(group.c))  # blocked: says who blocks it
    tag(card, first(group.c)).click()
    tag(card, first(group.a)).click()
    tag(card, first(group.b)).click()
    receives = card.get_by_test_id("receives")
    family_a = receives.locator("li").filter(has_text=f"Gezin van {first(group.a)}")
    family_b = receives.locator("li").filter(has_text=f"Gezin van {first(group.b)}")
    expect(family_a).to_contain_text("ontvangt deze foto niet")  # B is own family only and not masked yet
    expect(family_b).to_contain_text("ontvangt de foto")

    card.get_by_role("button", name=f"Maskeer {first(group.b)}").click()
    card.locator(".shot").scroll_into_view_if_needed()
    box = card.locator(".shot").bounding_box()
    assert box is not None
    tablet.mouse.move(box["x"] + 2, box["y"] + 2)
    tablet.mouse.down()
    tablet.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5, steps=5)
    tablet.mouse.move(box["x"] + box["width"] * 0.48, box["y"] + box["height"] - 2, steps=5)
    tablet.mouse.up()
    expect(card.get_by_test_id("mask")).to_have_count(1)
    drawn = card.get_by_test_id("mask").bounding_box()
    assert drawn is not None and drawn["width"] > box["width"] * 0.4 and drawn["height"] > box["height"] * 0.9
    expect(family_a).to_contain_text(f"ontvangt de foto met {first(group.b)} gemaskeerd")
    ARTIFACTS.mkdir(exist_ok=True)
    tablet.screenshot(path=str(ARTIFACTS / "staff-upload-tablet.png"), full_page=True)

    tablet.get_by_test_id("upload-send").click()
    expect(card.get_by_test_id("upload-status")).to_have_text("Gedeeld", timeout=WAIT_MS)

    # the tagged child's parent: the thumbnail, live, with B masked
    photo_a = group.parent_a.get_by_test_id("item-photo")
    expect(photo_a).to_have_count(1, timeout=WAIT_MS)
    expect(photo_a.locator("img")).to_have_js_property("complete", True)
    assert photo_a.locator("img").evaluate("img => img.naturalWidth") > 0
    expect(parent_b.get_by_test_id("item-photo")).to_have_count(1, timeout=WAIT_MS)
    seen_a, seen_b = photo_of(group.parent_a, server), photo_of(parent_b, server)
    with httpx.Client(base_url=server.url, headers=group.staff.auth) as api:
        plain = [
            i["data"] for i in api.get("/api/feed?after=0&limit=200").json()["items"] if i["kind"] == "photo.shared"
        ]
    assert seen_a["id"] == seen_b["id"] == plain[-1]["id"]
    assert seen_b["rendition"] == plain[-1]["rendition"] and seen_a["rendition"] != seen_b["rendition"]
    masked_bytes = group.parent_a.request.get(server.url + seen_a["urls"]["large"]).body()
    plain_bytes = parent_b.request.get(server.url + seen_b["urls"]["large"]).body()
    assert left_contrast(masked_bytes) < left_contrast(plain_bytes) / 4
    group.parent_a.screenshot(path=str(ARTIFACTS / "parent-photo-phone.png"), full_page=True)

    # the parent of a child not in the photo: nothing, on the page and in the feed
    expect(parent_c.get_by_test_id("item-photo")).to_have_count(0)
    items_c = parent_c.request.get(f"{server.url}/api/feed?after=0&limit=200").json()["items"]
    assert not [i for i in items_c if i["kind"].startswith("photo")]
    assert parent_c.request.get(server.url + seen_a["urls"]["small"]).status == 404

    # the lightbox shows the display version
    photo_a.locator("button.photo-open").click()
    lightbox = group.parent_a.locator("#lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox.locator("img")).to_have_attribute("src", seen_a["urls"]["display"])
    group.parent_a.screenshot(path=str(ARTIFACTS / "parent-lightbox-phone.png"))


def test_a_photo_whose_answer_was_lost_survives_a_reload_and_is_stored_once(group: Group, tmp_path: Path) -> None:
    server = group.server
    tablet = group.open(TABLET, group.staff.link_token)
    tablet.goto(f"{server.url}/fotos")
    tablet.get_by_label("Groep").select_option(str(group.staff.group_id))
    shot = tmp_path / "IMG_0043.JPG"
    shot.write_bytes(striped())
    tablet.locator("#upload-files").set_input_files(str(shot))
    card = tablet.get_by_test_id("upload")
    tag(card, first(group.a)).click()
    expect(card.get_by_test_id("receives")).to_contain_text(first(group.a))

    key = card.get_attribute("data-key")

    def server_gets_it_but_the_answer_is_lost(route: Any) -> None:
        # Playwright cannot forward a FormData blob, so the same upload (same key, same bytes,
        # same uploader) goes to the server from here; the tablet then loses the answer.
        spec = [{"key": key, "children": [group.a["id"]], "caption": ""}]
        with httpx.Client(base_url=server.url, headers=group.staff.auth) as api:
            files = [("file", (shot.name, shot.read_bytes(), "image/jpeg"))]
            sent = api.post(route.request.url, data={"photos": json.dumps(spec)}, files=files)
        assert sent.status_code == 201, sent.text
        route.abort("internetdisconnected")

    tablet.route("**/api/groups/*/photos", server_gets_it_but_the_answer_is_lost)
    tablet.get_by_test_id("upload-send").click()
    expect(card.get_by_test_id("upload-status")).to_contain_text("geen verbinding")

    tablet.unroute("**/api/groups/*/photos")
    with httpx.Client(base_url=server.url, headers=group.staff.auth) as api:
        stored = api.get(f"/api/groups/{group.staff.group_id}/photos").json()["photos"]
    assert [p["key"] for p in stored].count(key) == 1  # the server has it; the tablet does not know
    tablet.reload()  # the queue is in IndexedDB: the photo comes back and is sent again with its key
    restored = tablet.get_by_test_id("upload")
    expect(restored).to_have_count(1)
    assert restored.get_attribute("data-key") == key
    expect(restored.get_by_test_id("upload-status")).to_have_text("Gedeeld", timeout=WAIT_MS)

    tablet.reload()  # confirmed photos leave the queue: nothing is sent again
    expect(tablet.get_by_test_id("upload")).to_have_count(0)
    with httpx.Client(base_url=server.url, headers=group.staff.auth) as api:
        uploads = api.get(f"/api/groups/{group.staff.group_id}/photos").json()["photos"]
    assert [p["key"] for p in uploads].count(key) == 1
    expect(group.parent_a.get_by_test_id("item-photo")).to_have_count(1, timeout=WAIT_MS)


def test_a_blocked_photo_is_reopened_masked_and_shared_again(group: Group) -> None:
    """A photo with a child who may not appear is blocked; on the photo page staff find it
    under "Niet gedeeld", mask that child and share again: the other family gets it live,
    with the child masked."""
    server = group.server
    expect(group.parent_a.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    spec = [{"key": "reopen-0001", "children": [group.a["id"], group.c["id"]], "caption": "Samen"}]
    ws_url = server.url.replace("http://", "ws://") + "/ws"
    with (
        connect(ws_url, open_timeout=WAIT_SECS) as socket,
        httpx.Client(base_url=server.url, headers=group.staff.auth) as api,
    ):
        socket.send(json.dumps({"type": "hello", "after": 0, "token": group.staff.token}))
        files = [("file", ("IMG_0050.JPG", striped(), "image/jpeg"))]
        sent = api.post(f"/api/groups/{group.staff.group_id}/photos", data={"photos": json.dumps(spec)}, files=files)
        assert sent.status_code == 201, sent.text
        photo_id = sent.json()["photos"][0]["id"]
        while json.loads(socket.recv(timeout=WAIT_SECS)).get("kind") != "photo_upload.blocked":
            pass  # the uploader hears when the worker blocked it

    tablet = group.open(TABLET, group.staff.link_token)
    tablet.goto(f"{server.url}/fotos")
    tablet.get_by_label("Groep").select_option(str(group.staff.group_id))
    blocked = tablet.get_by_test_id("blocked-photos")
    card = blocked.get_by_test_id("upload")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(f"{first(group.c)}")
    expect(card.locator("img")).to_have_js_property("complete", True)
    assert card.locator("img").evaluate("img => img.naturalWidth") > 0  # staff see the photo to mask it
    plain = tablet.request.get(server.url + str(card.locator("img").get_attribute("src"))).body()
    expect(card.get_by_role("button", name=f"Maskeer {first(group.a)}")).to_have_count(1)

    card.get_by_role("button", name=f"Maskeer {first(group.c)}").click()
    box = card.locator(".shot").bounding_box()
    assert box is not None
    tablet.mouse.move(box["x"] + 2, box["y"] + 2)
    tablet.mouse.down()
    tablet.mouse.move(box["x"] + box["width"] * 0.48, box["y"] + box["height"] - 2, steps=5)
    tablet.mouse.up()
    expect(card.get_by_test_id("mask")).to_have_count(1)
    tablet.screenshot(path=str(ARTIFACTS / "staff-reopen-tablet.png"), full_page=True)
    card.get_by_test_id("reshare").click()
    expect(card.get_by_test_id("upload-status")).to_have_text("Gedeeld", timeout=WAIT_MS)

    photo_a = group.parent_a.get_by_test_id("item-photo")
    expect(photo_a).to_have_count(1, timeout=WAIT_MS)  # live, no reload
    seen = photo_of(group.parent_a, server)
    assert seen["id"] == photo_id
    masked = group.parent_a.request.get(server.url + seen["urls"]["large"]).body()
    assert left_contrast(masked) < left_contrast(plain) / 4  # the child who may not appear is masked
    tablet.reload()
    expect(tablet.get_by_test_id("blocked-photos")).to_be_hidden()


def test_an_ipads_heic_shows_on_the_tagging_screen_so_it_can_be_masked(group: Group, tmp_path: Path) -> None:
    from tests.media import images

    tablet = group.open(TABLET, group.staff.link_token)
    tablet.goto(f"{group.server.url}/fotos")
    shot = tmp_path / "IMG_0077.HEIC"
    shot.write_bytes(images.heic(orientation=6))
    tablet.locator("#upload-files").set_input_files(str(shot))
    card = tablet.get_by_test_id("upload")
    image = card.locator(".shot img")
    expect(image).to_have_attribute("src", re.compile(r"^blob:"))
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [120, 80]  # upright, like the photo


def test_a_photo_shared_again_after_a_withdrawal_stays_where_it_was_in_the_feed(group: Group) -> None:
    """B's family narrows consent: A's family loses the plain photo at once and gets it
    again with B masked; on A's page the photo keeps its place below a newer diary entry,
    live and after a reload."""
    server, parent = group.server, group.parent_a
    group.consent(group.b["id"], group.b_guardians, YES)
    expect(parent.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    spec = [{"key": "again-0001", "children": [group.a["id"], group.b["id"]], "masks": {str(group.b["id"]): LEFT_HALF}}]
    with httpx.Client(base_url=server.url, headers=group.staff.auth) as api:
        files = [("file", ("IMG_0060.JPG", striped(), "image/jpeg"))]
        sent = api.post(f"/api/groups/{group.staff.group_id}/photos", data={"photos": json.dumps(spec)}, files=files)
        assert sent.status_code == 201, sent.text
        photo = parent.get_by_test_id("feed").get_by_test_id("item-photo")
        expect(photo).to_have_count(1, timeout=WAIT_MS)
        diary = api.post(f"/api/children/{group.a['id']}/diary", json={"body": "Na de foto geschreven."})
        assert diary.status_code == 201, diary.text
    cards = parent.get_by_test_id("feed").locator("li.item")
    expect(cards.first).to_contain_text("Na de foto geschreven.", timeout=WAIT_MS)
    plain_src = photo.locator("img").get_attribute("src")

    group.consent(group.b["id"], group.b_guardians, OWN)  # B's photos stay with B's own family now
    expect(photo.locator("img")).not_to_have_attribute("src", str(plain_src), timeout=WAIT_MS)  # masked, live
    expect(photo).to_have_count(1)
    expect(cards.first).to_contain_text("Na de foto geschreven.")  # the photo did not jump to the top
    expect(cards.nth(1)).to_have_attribute("data-testid", "item-photo")
    parent.reload()
    expect(parent.get_by_test_id("feed").locator("li.item").first).to_contain_text("Na de foto geschreven.")
    expect(parent.get_by_test_id("feed").get_by_test_id("item-photo")).to_have_count(1)


def test_a_clip_from_the_tablet_plays_and_seeks_on_the_parents_phone(group: Group, tmp_path: Path) -> None:
    from tests.media import clips

    server = group.server
    parent_c = group.open(PHONE, group.c_guardians[0].link_token)
    for page in (group.parent_a, parent_c):
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    clip_requests: list[dict[str, str]] = []
    group.parent_a.on("request", lambda r: clip_requests.append(r.headers) if "/media/clips/" in r.url else None)

    tablet = group.open(TABLET, group.staff.link_token)
    tablet.get_by_test_id("photos-link").click()
    tablet.get_by_label("Groep").select_option(str(group.staff.group_id))
    path = clips.make_clip(tmp_path / "VID_0007.mp4", seconds=3, width=320, height=240, phone="android")
    tablet.locator("#upload-files").set_input_files(str(path))
    card = tablet.get_by_test_id("upload")
    expect(card.locator("video")).to_have_count(1)  # the clip itself on the tagging screen
    expect(card).to_contain_text("Een video kan niet worden afgeschermd")
    expect(card.get_by_role("button", name=re.compile("Maskeer"))).to_have_count(0)
    tag(card, first(group.a)).click()
    expect(card.get_by_test_id("receives").locator("li")).not_to_have_count(0)
    tablet.get_by_test_id("upload-send").click()
    expect(card.get_by_test_id("upload-status")).to_have_text("Gedeeld", timeout=WAIT_MS)

    item = group.parent_a.get_by_test_id("item-photo")
    expect(item).to_have_count(1, timeout=WAIT_MS)
    poster = item.locator("button.clip-play img")
    expect(poster).to_have_js_property("complete", True)
    assert poster.evaluate("img => img.naturalWidth") > 0
    expect(item.locator(".clip-badge")).to_have_text("▶ 0:03")
    assert clip_requests == []  # nothing of the video loads before the tap
    item.get_by_test_id("play").click()
    video = item.get_by_test_id("video")
    expect(video).to_have_count(1)
    group.parent_a.wait_for_function(
        "v => v.readyState >= 2 && v.duration > 2.5", arg=video.element_handle(), timeout=WAIT_MS
    )
    seeked = video.evaluate(
        """v => new Promise(resolve => {
            v.pause();
            v.addEventListener("seeked", () => resolve(v.currentTime), { once: true });
            v.currentTime = 2.0;
        })"""
    )
    assert 1.9 <= seeked <= 2.1
    assert clip_requests and any("range" in headers for headers in clip_requests)
    group.parent_a.screenshot(path=str(ARTIFACTS / "parent-clip-phone.png"))

    expect(parent_c.get_by_test_id("item-photo")).to_have_count(0)
    seen = photo_of(group.parent_a, server)
    assert parent_c.request.get(server.url + seen["video"]["urls"]["720"]).status == 404
