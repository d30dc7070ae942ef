"""In a real browser, on both stacks: a parent asks for "download everything", sees it
finish live, downloads the ZIP; the book inside opens from disk with every image
loading and no request leaving the folder, and prints. Screenshots and the printed
PDF go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

from tests.e2e.conftest import ARTIFACTS, WAIT_SECS, LiveServer
from tests.e2e.people import staff_of
from tests.e2e.test_login_browser import PHONE, TABLET
from tests.media import images

pytestmark = pytest.mark.browser


def post_content(server: LiveServer, child_id: int) -> None:
    """A diary entry and an activity photo (untagged: every family of the group), processed.
    The photo is taken the moment the entry was written (by the server's clock, in the
    organisation's time zone), so both land on the same page of the book on any day."""
    staff = staff_of(server.settings, child_id)
    group_id, token, auth = staff.group_id, staff.token, staff.auth
    ws_url = server.url.replace("http://", "ws://") + "/ws"
    with connect(ws_url, open_timeout=WAIT_SECS) as socket, httpx.Client(base_url=server.url, headers=auth) as http:
        socket.send(json.dumps({"type": "hello", "after": 0, "token": token}))
        diary = http.post(f"/api/children/{child_id}/diary", json={"body": "Vandaag hutten gebouwd in de tuin."})
        assert diary.status_code == 201, diary.text
        written = dt.datetime.fromisoformat(diary.json()["created_at"]).astimezone(ZoneInfo("Europe/Amsterdam"))
        spec = [{"key": str(uuid.uuid4()), "children": [], "caption": "De hut"}]
        files = [("file", ("IMG_0001.JPG", images.jpeg(taken=written), "image/jpeg"))]
        uploaded = http.post(f"/api/groups/{group_id}/photos", data={"photos": json.dumps(spec)}, files=files)
        assert uploaded.status_code == 201, uploaded.text
        while True:  # the uploader hears when the photo is processed and shared
            frame = json.loads(socket.recv(timeout=WAIT_SECS))
            if frame.get("kind") == "photo.shared":
                break


def test_download_everything_and_read_the_book_offline(browser, live_server, worker, tmp_path: Path) -> None:
    context = browser.new_context(viewport=PHONE, locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/login/link/{live_server.logins.parent[1]}")
    child_id = page.request.get(f"{live_server.url}/api/me").json()["children"][0]["id"]
    post_content(live_server, child_id)

    page.goto(f"{live_server.url}/archief/{child_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("downloaden")
    page.get_by_test_id("archive-start").click()
    link = page.get_by_test_id("archive-download")
    expect(link).to_be_visible(timeout=WAIT_SECS * 1000)  # archive.ready over the socket, without reload
    expect(page.get_by_text("1 foto's")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "archive-page-phone.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    zip_path = tmp_path / "archive.zip"
    download.value.save_as(zip_path)
    assert external == [], f"pages requested other origins: {external}"

    book = tmp_path / "book"
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        archive.extractall(book)
    assert [n for n in names if n.startswith("photos/")] and "index.html" in names and "export.json" in names

    reader = context.new_page()  # the book, opened from disk like a family would, years later
    outside: list[str] = []
    failed: list[str] = []
    folder = book.resolve().as_uri()
    reader.on("request", lambda r: outside.append(r.url) if not r.url.startswith(folder) else None)
    reader.on("requestfailed", lambda r: failed.append(r.url))
    reader.goto(f"{folder}/index.html")
    expect(reader.get_by_role("heading", level=1)).to_be_visible()
    reader.locator("ol.months a").first.click()
    expect(reader.get_by_text("Vandaag hutten gebouwd in de tuin.")).to_be_visible()
    images_loaded = reader.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert images_loaded and all(images_loaded), images_loaded
    reader.screenshot(path=str(ARTIFACTS / "archive-book-month-phone.png"), full_page=True)
    reader.emulate_media(media="print")
    reader.pdf(path=str(ARTIFACTS / "archive-book-month.pdf"))
    assert outside == [] and failed == [], (outside, failed)
    context.close()


def test_the_admin_sees_who_is_leaving_on_a_tablet(browser, live_server) -> None:
    context = browser.new_context(viewport=TABLET, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/link/{live_server.logins.admin[1]}")
    page.get_by_test_id("leaving-overview-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vertrekkende kinderen")
    rows = page.get_by_test_id("leaving").locator("tbody tr")
    expect(rows.first).to_be_visible()  # the demo has children with a last day
    page.get_by_label("Laatste dag (leeg laten wist hem)").fill("2099-12-31")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_test_id("saved")).to_have_text("Opgeslagen.")
    page.screenshot(path=str(ARTIFACTS / "admin-leaving-tablet.png"), full_page=True)
    context.close()
