"""Video clips end to end on both stacks: an iPad clip (HEVC, HLG HDR, rotated, with
Apple's location/make/model keys) reaches the tagged child's family live with a
poster, plays and seeks with byte ranges, and the served file carries no location,
device or date; a clip with a child without consent is blocked with the reason; a
withdrawal retracts it within 5 s and the archive holds it with its date; hostile
files are refused at upload or failed by the worker, which stays healthy.

Rupsjes: Noor (Anna and Bram), Pim (Piet). Ingrid works there and uploads.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy import update

from portal.roster.models import Organisation
from tests.harness import Harness
from tests.media import clips
from tests.media.conftest import new_key, set_consent
from tests.media.test_photo_consent import NO, RETRACT_WITHIN_SECS, YES, consent
from tests.messaging.conftest import World, build_world, serving, ws


@pytest.fixture(scope="session")
def ipad_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """1.5 s of 640x360 HEVC 10-bit HLG, rotated to portrait, with Apple's metadata keys."""
    path = tmp_path_factory.mktemp("clips") / "IMG_0420.MOV"
    return clips.make_clip(
        path, seconds=1.5, width=640, height=360, codec="hevc", hdr=True, rotation=90, phone="iphone"
    ).read_bytes()


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("clips") / "VID_small.mp4"
    return clips.make_clip(path, seconds=0.5, width=160, height=96, phone="android").read_bytes()


@pytest.fixture
async def world(harness: Harness) -> World:
    return await build_world(harness)


async def send_clip(
    world: World, data: bytes, children: list[str], name: str = "IMG_0420.MOV", key: str | None = None, **spec: Any
):
    body = {"key": key or new_key(), "children": [world.children[c] for c in children], **spec}
    async with world.client("ingrid@example.nl") as client:
        return await client.post(
            f"/api/groups/{world.groups['Rupsjes']}/clips",
            data={"clips": json.dumps([body])},
            files=[("file", (name, data, "video/quicktime"))],
        )


async def fetch(world: World, email: str, url: str, **headers: str):
    async with world.client(email) as client:
        return await client.get(url, headers=headers)


async def shared(world: World, email: str) -> dict[int, dict[str, Any]]:
    items: dict[int, dict[str, Any]] = {}
    for item in await world.feed(email):
        if item["kind"] == "photo.shared":
            items[item["data"]["id"]] = item["data"]
        elif item["kind"] == "photo.retracted" and "ref" in item["data"]:
            items.pop(item["data"]["ref"]["id"], None)
    return items


def assert_stripped(served: bytes) -> None:
    """Every box of the served file: no location, device, date or extra track."""
    found = list(clips.boxes(served))
    kinds = {b.kind for b in found}
    assert not kinds & {b"\xa9xyz", b"loci", b"keys", b"\xa9mak", b"\xa9mod", b"\xa9day", b"\xa9too", b"uuid"}
    assert all(not b.payload for b in found if b.kind == b"ilst")  # the muxer's empty iTunes list, nothing in it
    for marker in (b"52.37", b"4.895", clips.MAKE.encode(), b"iPhone", b"2026-11-23", b"com.apple", b"Lavf"):
        assert marker not in served, marker
    assert clips.handler_types(served) == [b"vide", b"soun"]
    assert set(clips.box_time_fields(served)) == {0}
    top = [b.kind for b in found if "/" not in b.path]
    assert top.index(b"moov") < top.index(b"mdat")  # faststart: playable while it downloads


async def test_an_ipad_clip_reaches_the_tagged_family_live_plays_seeks_and_is_stripped(
    world: World, ipad_clip: bytes
) -> None:
    await consent(world, Noor=YES, Pim=YES)
    async with (
        serving(world.harness.app) as port,
        ws(port, token=world.tokens["anna@example.nl"]) as anna,
        ws(port, token=world.tokens["ingrid@example.nl"]) as ingrid,
    ):
        await anna.until("ready")
        await ingrid.until("ready")
        response = await send_clip(world, ipad_clip, ["Noor"], caption="Eerste stapjes")
        assert response.status_code == 201, response.text
        [status] = response.json()["photos"]
        assert status["kind"] == "video" and status["status"] == "uploaded"
        await world.harness.run_jobs()
        _, event = await anna.until("event")
        staff_frames = await ingrid.drain()
    clip = event["data"]
    assert event["kind"] == "photo.shared" and clip["id"] == status["id"] and clip["caption"] == "Eerste stapjes"
    percentages = [f["data"]["progress"] for f in staff_frames if f.get("kind") == "photo_upload.progress"]
    assert percentages and percentages == sorted(percentages) and all(0 < p < 100 for p in percentages)
    assert (clip["width"], clip["height"]) == (360, 640)  # portrait: the rotation became pixels
    assert 1400 <= clip["video"]["duration_ms"] <= 1600
    assert clip["taken_at"] == "2026-11-23T09:15:00+00:00"  # the phone's date, kept in the database only
    poster = await fetch(world, "anna@example.nl", clip["urls"]["large"])
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/webp"

    url = clip["video"]["urls"]["720"]
    whole = await fetch(world, "anna@example.nl", url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert whole.headers["cache-control"].startswith("private") and whole.headers["accept-ranges"] == "bytes"
    served = whole.content
    size = len(served)
    first = await fetch(world, "anna@example.nl", url, range="bytes=0-1")  # what Safari asks first
    assert first.status_code == 206 and first.content == served[:2]
    assert first.headers["content-range"] == f"bytes 0-1/{size}"
    middle = await fetch(world, "anna@example.nl", url, range=f"bytes={size // 2}-")  # a seek
    assert middle.status_code == 206 and middle.content == served[size // 2 :]
    tail = await fetch(world, "anna@example.nl", url, range="bytes=-100")
    assert tail.content == served[-100:]
    past = await fetch(world, "anna@example.nl", url, range=f"bytes={size}-")
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"

    assert_stripped(served)
    with av.open(io.BytesIO(served)) as played:
        video = played.streams.video[0]
        assert video.codec_context.name == "h264" and (video.width, video.height) == (360, 640)
        assert played.streams.audio[0].codec_context.name == "aac"
        frame = next(played.decode(video=0))
        assert frame.rotation == 0 and frame.color_trc == 1  # upright pixels, SDR BT.709
    small = await fetch(world, "anna@example.nl", clip["video"]["urls"]["360"])
    with av.open(io.BytesIO(small.content)) as played:
        assert max(played.streams.video[0].width, played.streams.video[0].height) == 360

    # nobody else: the other family, another group's parent, another organisation's staff
    for email in ("piet@example.nl", "carla@example.nl", "kees@example.nl"):
        assert status["id"] not in await shared(world, email), email
        assert (await fetch(world, email, url)).status_code == 404, email
        assert (await fetch(world, email, url, range="bytes=0-1")).status_code == 404, email
    assert (await fetch(world, "anna@example.nl", url.replace("720.mp4", "original.mp4"))).status_code == 404


async def test_a_clip_with_a_child_without_consent_is_blocked_with_the_reason(world: World, small_clip: bytes) -> None:
    await consent(world, Noor=YES, Pim=NO)
    masked = await send_clip(
        world, small_clip, ["Noor", "Pim"], masks={str(world.children["Pim"]): {"x": 0, "y": 0, "w": 0.5, "h": 1}}
    )
    assert masked.status_code == 422 and "niet worden afgeschermd" in masked.json()["detail"]
    key = new_key()
    response = await send_clip(world, small_clip, ["Noor", "Pim"], key=key)
    assert response.status_code == 201, response.text
    clip_id = response.json()["photos"][0]["id"]
    again = await send_clip(world, small_clip, ["Noor", "Pim"], key=key)  # the tablet's retry: the same clip
    repeated = again.json()["photos"][0]
    assert again.status_code == 200 and (repeated["id"], repeated["kind"], repeated["duplicate"]) == (
        clip_id,
        "video",
        True,
    )
    other = await send_clip(world, small_clip + b"\0", ["Noor", "Pim"], key=key)  # the same key, other bytes
    assert other.status_code == 409
    await world.harness.run_jobs()
    for email in ("anna@example.nl", "bram@example.nl", "piet@example.nl"):
        assert clip_id not in await shared(world, email), email
    async with world.client("ingrid@example.nl") as client:
        status = (await client.get(f"/api/photos/{clip_id}")).json()
        assert status["status"] == "blocked" and status["reason"] == "video.blocked"
        assert "Pim" in status["reason_text"] and "video" in status["reason_text"]
        again = await client.post(
            f"/api/photos/{clip_id}/share",
            json={"masks": {str(world.children["Pim"]): {"x": 0, "y": 0, "w": 1, "h": 1}}},
        )
        assert again.status_code == 422


async def test_an_untagged_clip_goes_to_the_group_like_an_untagged_photo(world: World, small_clip: bytes) -> None:
    await consent(world, Noor=NO, Pim=NO)  # nobody tagged: consent is not asked, as for a photo
    response = await send_clip(world, small_clip, [])
    clip_id = response.json()["photos"][0]["id"]
    await world.harness.run_jobs()
    for email in ("anna@example.nl", "bram@example.nl", "piet@example.nl"):
        assert clip_id in await shared(world, email), email
    assert clip_id not in await shared(world, "carla@example.nl")  # another group
    url = (await shared(world, "piet@example.nl"))[clip_id]["video"]["urls"]["360"]
    assert (await fetch(world, "carla@example.nl", url)).status_code == 404


async def test_withdrawal_retracts_a_clip_within_5_s_and_the_archive_held_it_with_its_date(
    world: World, small_clip: bytes
) -> None:
    await consent(world, Noor=YES)
    response = await send_clip(world, small_clip, ["Noor"], name="VID_20261123.mp4")
    assert response.status_code == 201, response.text
    clip_id = response.json()["photos"][0]["id"]
    await world.harness.run_jobs()
    clip = (await shared(world, "anna@example.nl"))[clip_id]

    asked = await fetch(world, "anna@example.nl", "/")  # warm the client; then build the archive
    assert asked.status_code in (200, 303)
    async with world.client("anna@example.nl") as client:
        started = await client.post(f"/api/children/{world.children['Noor']}/archive")
    assert started.status_code == 202, started.text
    await world.harness.run_jobs()
    state = (await fetch(world, "anna@example.nl", f"/api/archives/{started.json()['id']}")).json()
    archive = zipfile.ZipFile(io.BytesIO((await fetch(world, "anna@example.nl", state["download_url"])).content))
    name = f"photos/2026-11-23_1015_{clip_id}.mp4"  # 09:15 UTC is 10:15 in Amsterdam
    assert name in archive.namelist()
    assert archive.getinfo(name).date_time == (2026, 11, 23, 10, 15, 0)
    assert archive.read(name) == (await fetch(world, "anna@example.nl", clip["video"]["urls"]["720"])).content
    assert f"posters/2026-11-23_1015_{clip_id}.jpg" in archive.namelist()
    assert f'src="posters/2026-11-23_1015_{clip_id}.jpg"' in archive.read("book.html").decode()
    exported = json.loads(archive.read("export.json"))["photos"]
    assert [p["kind"] for p in exported if p["photo_id"] == clip_id] == ["video"]

    async with serving(world.harness.app) as port, ws(port, token=world.tokens["anna@example.nl"]) as socket:
        await socket.until("ready")
        loop = asyncio.get_running_loop()
        began = loop.time()
        assert (await set_consent(world, "anna@example.nl", "Noor", photo=False)).status_code == 200
        async with asyncio.timeout(RETRACT_WITHIN_SECS):
            _, retract = await socket.until("retract")
        assert loop.time() - began < RETRACT_WITHIN_SECS
    assert retract["data"]["ref"] == {"content": "photo", "id": clip_id}
    for url in (clip["video"]["urls"]["720"], clip["video"]["urls"]["360"], clip["urls"]["small"]):
        assert (await fetch(world, "anna@example.nl", url)).status_code == 404, url
        assert (await fetch(world, "anna@example.nl", url, range="bytes=0-1")).status_code == 404, url
    assert (await fetch(world, "anna@example.nl", state["download_url"])).status_code in (404, 410)


def _hostile(kind: str, tmp: Path, good: bytes) -> bytes:
    if kind == "truncated":
        return clips.truncated(good)
    if kind == "moov_of_4_gb":
        return clips.absurd_moov(good)
    if kind == "13_years_long":
        return clips.absurd_duration(good)
    if kind == "16k_by_16k":
        return clips.declared_size(good, 16384, 16384)
    if kind == "1000_tracks":
        return clips.many_tracks(good, 1000)
    if kind == "script_in_a_wrapper":
        return clips.script_in_wrapper()
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("truncated", "video.truncated"),
        ("moov_of_4_gb", "video.truncated"),
        ("13_years_long", "video.too_long"),
        ("16k_by_16k", "video.too_many_pixels"),
        ("1000_tracks", "video.too_many_tracks"),
        ("script_in_a_wrapper", "video.truncated"),
    ],
)
async def test_hostile_clips_are_refused_at_upload_with_a_reason(
    world: World, small_clip: bytes, tmp_path: Path, kind: str, reason: str
) -> None:
    await consent(world, Noor=YES)
    response = await send_clip(world, _hostile(kind, tmp_path, small_clip), ["Noor"], name=f"{kind}.mp4")
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "invalid_input" and f"{kind}.mp4" in error["detail"], error
    async with world.client("ingrid@example.nl") as client:
        listed = (await client.get(f"/api/groups/{world.groups['Rupsjes']}/photos")).json()["photos"]
    assert listed == []  # nothing kept


async def test_the_wrong_kind_of_file_and_a_clip_over_the_organisations_limits(
    world: World, small_clip: bytes, tmp_path: Path
) -> None:
    jpeg = await send_clip(world, b"\xff\xd8\xff\xe0" + b"\0" * 2000, ["Noor"], name="foto.jpg")
    assert jpeg.status_code == 415 and "MP4 of MOV" in jpeg.json()["detail"]
    async with world.client("ingrid@example.nl") as client:  # a video is not a photo
        as_photo = await client.post(
            f"/api/groups/{world.groups['Rupsjes']}/photos",
            data={"photos": json.dumps([{"key": new_key(), "children": []}])},
            files=[("file", ("clip.mp4", small_clip, "video/mp4"))],
        )
    assert as_photo.status_code == 415
    async with world.harness.uow() as uow:
        await uow.session.execute(update(Organisation).values(clip_max_seconds=5, clip_max_megabytes=10))
    long = clips.make_clip(tmp_path / "long.mp4", seconds=6.5, width=64, height=64, fps=10, audio=False).read_bytes()
    too_long = await send_clip(world, long, ["Noor"], name="long.mp4")
    assert too_long.status_code == 422 and "tot 5 seconden" in too_long.json()["detail"]
    too_big = await send_clip(world, small_clip + b"\0" * (11 * 1024 * 1024), ["Noor"], name="groot.mp4")
    assert too_big.status_code == 413 and "10 MB" in too_big.json()["detail"]


async def test_a_clip_that_lies_in_its_header_fails_in_the_worker_which_stays_healthy(
    world: World, small_clip: bytes, tmp_path: Path
) -> None:
    await consent(world, Noor=YES)
    wide = clips.make_clip(tmp_path / "wide.mp4", seconds=0.2, width=4608, height=64, fps=10, audio=False)
    lying = clips.declared_size(wide.read_bytes(), 320, 64)  # the header says 320 wide; the stream is 4608
    response = await send_clip(world, lying, ["Noor"], name="wide.mp4")
    assert response.status_code == 201, response.text
    good = await send_clip(world, small_clip, ["Noor"], name="good.mp4")
    await world.harness.run_jobs()
    async with world.client("ingrid@example.nl") as client:
        failed = (await client.get(f"/api/photos/{response.json()['photos'][0]['id']}")).json()
        fine = (await client.get(f"/api/photos/{good.json()['photos'][0]['id']}")).json()
    assert failed["status"] == "failed" and failed["reason"] == "video.too_many_pixels", failed
    assert "4K" in failed["reason_text"]
    assert fine["status"] == "ready", fine


@pytest.mark.parametrize("stack_settings", ["services"], indirect=True)
async def test_a_clip_whose_job_was_lost_or_whose_worker_died_is_finished_by_the_sweeper(
    world: World, small_clip: bytes
) -> None:
    from redis import Redis

    from media import pipeline
    from media.models import Photo, PhotoStatus
    from media.upload import clip_job_id
    from portal.database import utcnow
    from workers.jobs import sweep_photos

    await consent(world, Noor=YES)
    response = await send_clip(world, small_clip, ["Noor"])
    clip_id = response.json()["photos"][0]["id"]
    harness = world.harness
    redis = Redis.from_url(harness.settings.redis_url)
    try:  # the queue loses the job
        assert redis.delete(f"arq:job:{harness.settings.redis_prefix}:{clip_job_id(clip_id)}") == 1
    finally:
        redis.close()
    async with harness.uow() as uow:  # and a worker claimed it, then died: within its lease it is left alone
        await uow.session.execute(
            update(Photo)
            .where(Photo.id == clip_id)
            .values(status=PhotoStatus.PROCESSING, claimed_by="dead", claimed_at=utcnow())
        )
    ctx: Any = {"sessionmaker": harness.rt.sessionmaker, "queue": harness.rt.queue, "settings": harness.settings}
    assert await sweep_photos(ctx) == 0  # a photo's minute is not a clip's lease
    lease = pipeline.CLAIM_LEASE * 10
    async with harness.uow() as uow:
        await uow.session.execute(update(Photo).where(Photo.id == clip_id).values(claimed_at=utcnow() - lease))
    assert await sweep_photos(ctx) == 1
    await harness.run_jobs()
    async with harness.uow() as uow:
        clip = await uow.session.get(Photo, clip_id)
        assert clip is not None and clip.status is PhotoStatus.READY
    assert clip_id in await shared(world, "anna@example.nl")


async def test_staff_delete_a_clip_and_every_file_of_it_goes(world: World, small_clip: bytes) -> None:
    await consent(world, Noor=YES)
    response = await send_clip(world, small_clip, ["Noor"])
    clip_id = response.json()["photos"][0]["id"]
    await world.harness.run_jobs()
    clip = (await shared(world, "anna@example.nl"))[clip_id]
    storage = world.harness.rt.extras["storage"]
    from media.models import Photo

    async with world.harness.uow() as uow:
        row = await uow.session.get(Photo, clip_id)
        assert row is not None
    folder = f"org/{row.organisation_id}/photos/{clip_id}/"
    assert {k.rsplit("/", 1)[-1] for k in await storage.list_keys(folder)} >= {"720.mp4", "360.mp4", "original"}
    async with world.client("ingrid@example.nl") as client:
        assert (await client.delete(f"/api/photos/{clip_id}")).status_code == 204
    await world.harness.run_jobs()
    assert clip_id not in await shared(world, "anna@example.nl")
    assert (await fetch(world, "anna@example.nl", clip["video"]["urls"]["720"])).status_code == 404
    assert await storage.list_keys(folder) == []
