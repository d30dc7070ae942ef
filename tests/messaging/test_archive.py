""" "Download everything" on both stacks: the archive holds exactly what the guardian
may see (a withdrawn photo is absent, a masked rendition is there instead of the
plain one), photos carry only a capture date, the book has no external
references, a broken download resumes with Range, a second request joins the
running build, and nobody else gets at it."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from PIL import Image, ImageStat
from sqlalchemy import update

from messaging.archive.models import Archive
from tests.harness import Harness
from tests.media.conftest import consenting_world, set_consent, upload
from tests.media.test_photo_consent import LEFT_HALF, striped
from tests.messaging.conftest import World, ws

EXIF_IFD, DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x8769, 0x9003, 0x9011


@pytest.fixture
async def world(harness: Harness) -> World:
    return await consenting_world(harness)


async def photo(world: World, children: list[str], masks: dict[str, dict] | None = None, caption: str = "") -> int:
    spec: dict = {"children": [world.children[c] for c in children], "data": striped(), "caption": caption}
    if masks:
        spec["masks"] = {str(world.children[c]): box for c, box in masks.items()}
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    assert response.status_code == 201, response.text
    return int(response.json()["photos"][0]["id"])


async def ask(world: World, email: str, child: str):
    async with world.client(email) as client:
        return await client.post(f"/api/children/{world.children.get(child, 999_999)}/archive")


async def fetch(world: World, email: str, url: str, **headers: str):
    async with world.client(email) as client:
        return await client.get(url, headers=headers)


async def built(world: World, email: str = "anna@example.nl", child: str = "Noor") -> dict:
    response = await ask(world, email, child)
    assert response.status_code == 202, response.text
    await world.harness.run_jobs()
    state = (await fetch(world, email, f"/api/archives/{response.json()['id']}")).json()
    assert state["status"] == "ready", state
    return dict(state)


def left_contrast(jpeg: bytes) -> float:
    image = Image.open(io.BytesIO(jpeg)).convert("L")
    w, h = image.size
    return float(ImageStat.Stat(image.crop((0, 0, w // 2 - 2, h))).stddev[0])


async def test_the_archive_holds_exactly_what_the_guardian_may_see(world: World) -> None:
    together = await photo(world, ["Noor", "Pim"], {"Pim": LEFT_HALF}, caption="Samen bouwen")
    only_pim = await photo(world, ["Pim"])
    withdrawn = await photo(world, ["Noor", "Pim"])  # no mask for Pim: gone for Anna after the withdrawal
    await world.harness.run_jobs()
    assert (await set_consent(world, "piet@example.nl", "Pim", photo_group=False)).status_code == 200
    await world.harness.run_jobs()  # the rendition with Pim masked, for Noor's parents
    async with world.client("ingrid@example.nl") as staff:
        await staff.post(f"/api/children/{world.children['Noor']}/diary", json={"body": "Noor heeft goed gegeten"})
    async with world.client("anna@example.nl") as anna:
        await anna.post(f"/api/children/{world.children['Noor']}/messages", json={"body": "Oma haalt op"})
        gone = (await anna.post(f"/api/children/{world.children['Noor']}/messages", json={"body": "geheim"})).json()
        assert (await anna.delete(f"/api/messages/{gone['id']}")).status_code in (200, 204)

    state = await built(world)
    assert state["photo_count"] == 1
    data = (await fetch(world, "anna@example.nl", state["download_url"])).content
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    photos = [n for n in names if n.startswith("photos/")]
    assert len(photos) == 1 and photos[0].endswith(f"_{together}.jpg")
    assert not any(n.endswith((f"_{only_pim}.jpg", f"_{withdrawn}.jpg")) for n in names)
    assert re.fullmatch(r"photos/\d{4}-\d{2}-\d{2}_\d{4}_\d+\.jpg", photos[0])
    assert {"index.html", "book.css", "export.json", photos[0].replace("photos/", "thumbs/")} <= set(names)

    jpeg = archive.read(photos[0])
    assert left_contrast(jpeg) < 20  # Pim is masked in what Noor's parents may see
    image = Image.open(io.BytesIO(jpeg))
    exif = image.getexif()
    assert set(exif) == {EXIF_IFD}
    assert set(exif.get_ifd(EXIF_IFD)) <= {DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL}
    assert exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] == "2026:11:20 10:11:12"  # the camera's time, kept
    assert "icc_profile" not in image.info and "comment" not in image.info
    assert archive.getinfo(photos[0]).date_time == (2026, 11, 20, 10, 11, 12)

    export = json.loads(archive.read("export.json"))
    assert [m["body"] for m in export["messages"]] == ["Oma haalt op"]  # the deleted one is not kept
    assert [d["body"] for d in export["diary"]] == ["Noor heeft goed gegeten"]
    assert export["photos"][0]["caption"] == "Samen bouwen"
    assert export["photos"][0]["masked_children"] == [world.children["Pim"]]
    pages = [archive.read(n).decode() for n in names if n.endswith(".html")]
    joined = "\n".join(pages)
    assert "Noor heeft goed gegeten" in joined and "Oma haalt op" in joined and "geheim" not in joined
    for page in pages:
        for ref in re.findall(r'(?:src|href)="([^"]*)"', page):
            assert not re.match(r"^(?:[a-z]+:|//)", ref), ref  # nothing outside the ZIP
            assert ref in names, ref  # and nothing missing from it

    feed = await world.feed("anna@example.nl")
    assert [f["data"]["id"] for f in feed if f["kind"] == "archive.ready"] == [state["id"]]


async def test_a_broken_download_resumes_with_identical_bytes(world: World) -> None:
    await photo(world, ["Noor"])
    await world.harness.run_jobs()
    state = await built(world)
    url = state["download_url"]
    whole = await fetch(world, "anna@example.nl", url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    assert size == state["byte_size"]
    first = await fetch(world, "anna@example.nl", url, range="bytes=0-999")
    assert first.status_code == 206 and first.headers["content-range"] == f"bytes 0-999/{size}"
    rest = await fetch(world, "anna@example.nl", url, range="bytes=1000-", **{"if-range": whole.headers["etag"]})
    assert rest.status_code == 206
    assert first.content + rest.content == whole.content
    tail = await fetch(world, "anna@example.nl", url, range="bytes=-100")
    assert tail.status_code == 206 and tail.content == whole.content[-100:]
    changed = await fetch(world, "anna@example.nl", url, range="bytes=1000-", **{"if-range": '"old"'})
    assert changed.status_code == 200 and changed.content == whole.content
    beyond = await fetch(world, "anna@example.nl", url, range=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"


async def test_open_sockets_see_the_build_progress_and_then_the_finished_archive(world: World, port: int) -> None:
    for _ in range(3):
        await photo(world, ["Noor"])
    await world.harness.run_jobs()
    async with (
        ws(port, token=world.tokens["anna@example.nl"]) as anna,
        ws(port, token=world.tokens["bram@example.nl"]) as bram,
    ):
        await anna.until("ready")
        await bram.until("ready")
        archive_id = (await ask(world, "anna@example.nl", "Noor")).json()["id"]
        await world.harness.run_jobs()
        progress, done = await anna.until("event")
        assert done["kind"] == "archive.ready" and done["data"]["id"] == archive_id
        assert [f["type"] for f in progress] == ["progress"] * 3 and all("seq" not in f for f in progress)
        assert [f["data"] for f in progress] == [
            {"id": archive_id, "status": "building", "progress": p} for p in (33, 66, 99)
        ]
        assert not [f for f in await bram.drain() if "archive" in f.get("kind", "")]  # only for who asked
    feed = await world.feed("anna@example.nl")
    assert not [f for f in feed if f["kind"] == "archive.progress"]  # never stored, never replayed


async def test_a_second_request_joins_the_running_build(world: World) -> None:
    first, second = await ask(world, "anna@example.nl", "Noor"), await ask(world, "anna@example.nl", "Noor")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"] and second.json()["status"] == "building"
    building = await fetch(world, "anna@example.nl", f"/api/archives/{first.json()['id']}/download")
    assert building.status_code == 409
    other = await ask(world, "bram@example.nl", "Noor")  # the other parent gets their own
    assert other.json()["id"] != first.json()["id"]
    await world.harness.run_jobs()
    again = await ask(world, "anna@example.nl", "Noor")  # once done, a new request builds anew
    assert again.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(
    ("email", "child"),
    [
        ("piet@example.nl", "Noor"),  # another family
        ("ingrid@example.nl", "Noor"),  # staff do not download families' archives
        ("xenia@example.nl", "Noor"),  # another organisation
        ("olga@example.nl", "Oud"),  # left long ago: past the window
    ],
)
async def test_nobody_else_can_ask_for_a_childs_archive(world: World, email: str, child: str) -> None:
    assert (await ask(world, email, child)).status_code == 404


async def test_an_archive_is_only_for_the_guardian_who_asked_and_expires(world: World) -> None:
    state = await built(world)
    for email in ("bram@example.nl", "piet@example.nl", "ingrid@example.nl"):
        assert (await fetch(world, email, state["download_url"])).status_code == 404, email
        assert (await fetch(world, email, f"/api/archives/{state['id']}")).status_code == 404, email
    async with world.harness.client("kober") as anonymous:
        assert (await anonymous.get(state["download_url"])).status_code == 401
    async with world.harness.uow() as uow:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        await uow.session.execute(update(Archive).where(Archive.id == state["id"]).values(expires_at=past))
    expired = await fetch(world, "anna@example.nl", state["download_url"])
    assert expired.status_code == 410 and "verlopen" in expired.json()["detail"]


@pytest.mark.usefixtures("noon")
async def test_the_book_and_the_export_hold_the_structured_day(world: World) -> None:
    noor, pim = world.children["Noor"], world.children["Pim"]
    async with world.client("ingrid@example.nl") as staff:
        for body in (
            {"children": [noor], "kind": "bottle", "at": "09:00", "details": {"ml": 180}},
            {"children": [noor], "kind": "sleep", "at": "10:00", "ends_at": "11:30"},
            {"children": [pim], "kind": "activity", "at": "10:00", "details": {"what": "Pims eigen dag"}},
        ):
            assert (await staff.post("/api/day", json=body)).status_code == 201
        wrong = (
            await staff.post("/api/day", json={"children": [noor], "kind": "nappy", "details": {"state": "dirty"}})
        ).json()
        assert (await staff.delete(f"/api/day/{wrong['entries'][0]['id']}")).status_code == 204
    state = await built(world)
    archive = zipfile.ZipFile(io.BytesIO((await fetch(world, "anna@example.nl", state["download_url"])).content))
    export = json.loads(archive.read("export.json"))
    [day] = export["days"]
    assert day["date"] == dt.date(2026, 11, 23).isoformat()
    assert [(e["kind"], e["details"]) for e in day["entries"]] == [("bottle", {"ml": 180}), ("sleep", {})]
    assert day["summary"] == "1 u 30 min geslapen · 1 fles, 180 ml"
    book = archive.read("book.html").decode()
    assert "maandag 23 november 2026" in book and "1 u 30 min geslapen · 1 fles, 180 ml" in book
    assert "10:00–11:30 (1 u 30 min)" in book and "Pims eigen dag" not in book and "vuil" not in book
    month = archive.read("2026-11.html").decode()
    assert "180 ml" in month
    assert 'href="book.html"' in archive.read("index.html").decode()
