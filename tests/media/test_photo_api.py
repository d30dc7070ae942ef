"""Photos through the real stack (both stacks): upload, worker, feed, media endpoint.

Every family consents here (``tests/media/conftest.py``), so these tests are about
the pipeline: the guardians of tagged children, the group's staff and the
uploader receive a photo; an untagged one goes to every family of the group.
The consent rules themselves are tested in ``test_photo_consent.py``.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from media.upload import PROCESS_PHOTO
from portal.roster.models import Organisation
from tests.harness import Harness
from tests.media import images
from tests.media.conftest import new_key, shared, upload
from tests.media.webp_check import assert_clean, decode
from tests.messaging.conftest import World, serving, ws

EVERYONE = [
    "anna@example.nl",
    "bram@example.nl",
    "piet@example.nl",
    "carla@example.nl",
    "dirk@example.nl",
    "ingrid@example.nl",
    "kees@example.nl",
    "wilma@example.nl",
]


async def ready_photo(world: World, **spec) -> dict:
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    assert response.status_code == 201, response.text
    await world.harness.run_jobs()
    (item,) = shared(await world.feed("ingrid@example.nl"))
    return item


async def get_media(world: World, email: str, url: str, org: str | None = None):
    async with world.harness.client(
        org or world.orgs[email], headers={"authorization": f"Bearer {world.tokens[email]}"}
    ) as c:
        return await c.get(url)


async def test_a_tagged_photo_reaches_exactly_its_family_and_the_group_staff(world: World) -> None:
    photo = await ready_photo(world, children=[world.children["Noor"]], caption="Buiten spelen")
    receivers = {email for email in EVERYONE if shared(await world.feed(email))}
    assert receivers == {"anna@example.nl", "bram@example.nl", "ingrid@example.nl"}
    assert photo["caption"] == "Buiten spelen"
    assert photo["taken_at"] == "2026-11-20T09:11:12+00:00"
    assert photo["placeholder"].startswith("#")
    for email in ("anna@example.nl", "bram@example.nl", "ingrid@example.nl"):
        for url in photo["urls"].values():
            response = await get_media(world, email, url)
            assert response.status_code == 200, (email, url)
            assert response.headers["content-type"] == "image/webp"
            assert "private" in response.headers["cache-control"]
            assert response.headers["content-disposition"] == 'inline; filename="foto.webp"'
            assert_clean(response.content)
    assert decode((await get_media(world, "anna@example.nl", photo["urls"]["small"])).content).size == (
        120,
        80,
    )  # never enlarged


async def test_media_is_refused_to_everyone_not_entitled(world: World) -> None:
    photo = await ready_photo(world, children=[world.children["Noor"]])
    url = photo["urls"]["display"]
    for email in ("piet@example.nl", "carla@example.nl", "dirk@example.nl", "kees@example.nl", "wilma@example.nl"):
        assert (await get_media(world, email, url)).status_code == 404, email
    assert (await get_media(world, "xenia@example.nl", url)).status_code == 404  # another organisation
    assert (await get_media(world, "anna@example.nl", url, org="other")).status_code == 401  # her token, other host
    async with world.harness.client("kober") as anonymous:
        assert (await anonymous.get(url)).status_code == 401
    for bad in (url.replace("display", "original"), url.replace(f"/{photo['rendition']}/", "/999999/")):
        assert (await get_media(world, "anna@example.nl", bad)).status_code == 404


async def test_an_untagged_photo_goes_to_every_family_of_the_group(world: World) -> None:
    await ready_photo(world)
    receivers = {email for email in EVERYONE if shared(await world.feed(email))}
    assert receivers == {"anna@example.nl", "bram@example.nl", "piet@example.nl", "ingrid@example.nl"}


async def test_a_retried_upload_returns_the_same_photo(world: World) -> None:
    spec = {"key": new_key(), "children": [world.children["Noor"]]}
    first = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    second = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["photos"][0]["id"] == second.json()["photos"][0]["id"]
    assert second.json()["photos"][0]["duplicate"] is True
    await world.harness.run_jobs()
    assert len(shared(await world.feed("anna@example.nl"))) == 1
    keys = await world.harness.rt.extras["storage"].list_keys("org/")
    assert len([k for k in keys if k.endswith("/original")]) == 1


async def test_the_same_key_with_other_bytes_is_refused_and_keeps_the_first(world: World) -> None:
    key = new_key()
    first = await upload(world, "ingrid@example.nl", "Rupsjes", [{"key": key, "data": images.jpeg()}])
    other = await upload(world, "ingrid@example.nl", "Rupsjes", [{"key": key, "data": images.png(), "name": "b.png"}])
    assert first.status_code == 201 and other.status_code == 409
    assert "uploadsleutel" in other.json()["detail"] and "b.png" in other.json()["detail"]
    async with world.client("ingrid@example.nl") as staff:
        listed = (await staff.get(f"/api/groups/{world.groups['Rupsjes']}/photos")).json()["photos"]
    assert [p["id"] for p in listed] == [first.json()["photos"][0]["id"]]


async def test_upload_keys_belong_to_their_uploader(world: World) -> None:
    """Another staff member reusing a key gets a photo of their own, never the first one's status."""
    key = new_key()
    mine = await upload(world, "ingrid@example.nl", "Rupsjes", [{"key": key, "children": [world.children["Noor"]]}])
    theirs = await upload(world, "kees@example.nl", "Boomhut", [{"key": key}])
    assert mine.status_code == 201 and theirs.status_code == 201
    ours, its = mine.json()["photos"][0], theirs.json()["photos"][0]
    assert ours["id"] != its["id"] and its["duplicate"] is False and its["blocked_by"] == []
    async with world.client("kees@example.nl") as kees:  # and the status of hers is not his to read
        assert (await kees.get(f"/api/photos/{ours['id']}")).status_code == 404


async def test_an_uploader_who_left_the_group_no_longer_sees_its_status(world: World) -> None:
    photo = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
    photo_id = photo.json()["photos"][0]["id"]
    async with world.client("ingrid@example.nl") as staff:
        assert (await staff.get(f"/api/photos/{photo_id}")).status_code == 200
    org = await _org(world)
    await world.harness.import_staff(org, "name,email,role,groups\nIngrid Pauw,ingrid@example.nl,staff,Oost/Boomhut\n")
    async with world.client("ingrid@example.nl") as staff:
        assert (await staff.get(f"/api/photos/{photo_id}")).status_code == 404


async def test_a_photo_links_only_to_a_diary_entry_of_its_group_and_child(world: World) -> None:
    lina = await world.post("carla@example.nl", f"/api/children/{world.children['Lina']}/diary", {"body": "x"})
    pim = await world.post("piet@example.nl", f"/api/children/{world.children['Pim']}/diary", {"body": "y"})
    assert lina.status_code == pim.status_code == 201
    other_group = await upload(world, "ingrid@example.nl", "Rupsjes", [{"diary_entry_id": lina.json()["id"]}])
    assert other_group.status_code == 422, other_group.text
    not_shown = [{"diary_entry_id": pim.json()["id"], "children": [world.children["Noor"]]}]
    assert (await upload(world, "ingrid@example.nl", "Rupsjes", not_shown)).status_code == 422
    fits = [{"diary_entry_id": pim.json()["id"], "children": [world.children["Pim"]]}]
    assert (await upload(world, "ingrid@example.nl", "Rupsjes", fits)).status_code == 201


async def test_a_jpeg_scan_bomb_is_refused_before_anything_decodes_it(world: World) -> None:
    """A progressive JPEG with thousands of scans held a decoder for a minute: its scans
    are counted at upload, and a file with absurdly many is refused with the reason."""
    normal = images.jpeg(progressive=True)
    sof_end = normal.index(b"\xff\xda")  # everything before the first scan: a valid header
    bomb = normal[:sof_end] + (b"\xff\xda\x00\x08\x01\x01\x00\x00\x00\x00" + b"\x00" * 20) * 2000 + b"\xff\xd9"
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"data": bomb, "name": "bom.jpg"}])
    assert response.status_code == 422 and "bom.jpg" in response.json()["detail"]
    assert await world.harness.rt.extras["storage"].list_keys("org/") == []  # nothing kept
    fine = await upload(world, "ingrid@example.nl", "Rupsjes", [{"data": normal}])
    assert fine.status_code == 201  # an ordinary progressive JPEG (10 scans) is welcome


async def test_running_the_job_again_changes_nothing(world: World) -> None:
    photo = await ready_photo(world, children=[world.children["Noor"]])
    before = await world.feed("anna@example.nl")
    await world.harness.rt.queue.enqueue(PROCESS_PHOTO, photo["id"], job_id=f"again-{photo['id']}")
    await world.harness.run_jobs()
    assert await world.feed("anna@example.nl") == before


@pytest.mark.parametrize("name", sorted(images.NOT_PHOTOS))
async def test_files_that_are_not_photos_get_415(world: World, name: str) -> None:
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"data": images.NOT_PHOTOS[name], "name": name}])
    assert response.status_code == 415, response.text
    assert name in response.json()["detail"] and "JPEG, PNG, HEIC" in response.json()["detail"]


async def test_a_batch_with_one_bad_file_keeps_nothing(world: World) -> None:
    response = await upload(
        world, "ingrid@example.nl", "Rupsjes", [{}, {"data": images.NOT_PHOTOS["page.jpg"], "name": "x.jpg"}]
    )
    assert response.status_code == 415
    assert await world.harness.rt.extras["storage"].list_keys("org/") == []
    async with world.client("ingrid@example.nl") as client:
        listing = await client.get(f"/api/groups/{world.groups['Rupsjes']}/photos")
    assert listing.json()["photos"] == []


async def test_size_pixel_and_count_caps(world: World) -> None:
    rt = world.harness.rt
    rt.settings = dataclasses.replace(
        rt.settings, upload_max_bytes=20_000, upload_max_files=2, upload_max_pixels=500 * 500
    )
    big = images.jpeg(image=images.canonical(300, 200), trailer=b"x" * 30_000)
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"data": big, "name": "groot.jpg"}])
    assert response.status_code == 413 and "groot.jpg" in response.json()["detail"]
    many = await upload(world, "ingrid@example.nl", "Rupsjes", [{}, {}, {}])
    assert many.status_code in (400, 413)
    huge = images.png(images.canonical(600, 500), trailer=b"")
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"data": huge, "name": "veel.png"}])
    assert response.status_code == 422 and "megapixel" in response.json()["detail"]


@pytest.mark.parametrize(
    ("email", "children", "status"),
    [
        ("ingrid@example.nl", ["Lina"], 422),  # a child of another group
        ("ingrid@example.nl", ["Oud"], 422),  # a child who left
        ("ingrid@example.nl", ["Xander"], 422),  # another organisation's child
        ("kees@example.nl", ["Noor"], 404),  # staff of another group
        ("anna@example.nl", ["Noor"], 404),  # a parent
    ],
)
async def test_tagging_and_uploading_is_checked(world: World, email: str, children: list[str], status: int) -> None:
    response = await upload(world, email, "Rupsjes", [{"children": [world.children[c] for c in children]}])
    assert response.status_code == status, response.text
    assert await world.harness.rt.extras["storage"].list_keys("org/") == []


@pytest.mark.parametrize(
    "spec",
    [
        {"key": "short"},
        {"children": "Noor"},
        {"masks": {"1": {"x": 0.5, "y": 0.5, "w": 0.6, "h": 0.1}}},
        {"caption": "x" * 3000},
    ],
)
async def test_bad_descriptions_are_refused(world: World, spec: dict) -> None:
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    assert response.status_code == 422, response.text


async def test_a_damaged_photo_fails_with_a_reason_for_the_uploader(world: World) -> None:
    damaged = images.truncated(images.jpeg(image=images.canonical(1200, 800), trailer=b""), 0.4)
    response = await upload(
        world,
        "ingrid@example.nl",
        "Rupsjes",
        [{"data": damaged, "name": "IMG_9.JPG", "children": [world.children["Noor"]]}],
    )
    photo_id = response.json()["photos"][0]["id"]
    await world.harness.run_jobs()
    async with world.client("ingrid@example.nl") as client:
        status = (await client.get(f"/api/photos/{photo_id}")).json()
    assert status["status"] == "failed" and status["reason"] == "photo.unreadable"
    assert "IMG_9.JPG" in status["reason_text"] and "beschadigd" in status["reason_text"]
    events = [f for f in await world.feed("ingrid@example.nl") if f["kind"] == "photo_upload.failed"]
    assert [e["data"]["id"] for e in events] == [photo_id]
    assert shared(await world.feed("anna@example.nl")) == []
    async with world.client("piet@example.nl") as client:
        assert (await client.get(f"/api/photos/{photo_id}")).status_code == 404
    await ready_photo(world)  # the worker carries on


async def test_a_connected_parent_sees_the_photo_arrive(world: World) -> None:
    async with serving(world.harness.app) as port, ws(port, token=world.tokens["anna@example.nl"]) as socket:
        await socket.until("ready")
        await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        await world.harness.run_jobs()
        (event,) = await socket.events(1)
    assert event["kind"] == "photo.shared"
    assert event["data"]["urls"]["small"].endswith("/small.webp")


async def test_stored_objects_are_keyed_by_organisation(world: World, harness: Harness) -> None:
    photo = await ready_photo(world, children=[world.children["Noor"]])
    keys = await harness.rt.extras["storage"].list_keys("org/")
    assert keys and all(k.startswith("org/") and f"/photos/{photo['id']}/" in k for k in keys)
    assert len(keys) == 5  # the original, three derivatives and the render's manifest (media.pipeline)


async def _org(world: World) -> Organisation:
    async with world.harness.uow() as uow:
        found = await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))
    assert found is not None
    return found
