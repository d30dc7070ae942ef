"""Originals and deleting a photo (both stacks).

* An original is kept only while something may render from it: a photo with tagged
  children for ORIGINALS_KEEP_DAYS, an untagged or failed one not after processing.
  Once gone, adding a mask says so (409).
* Staff delete a photo they posted: it is taken back from everyone who had it (feed,
  replay, URL, archive) and every rendition and the original leave storage.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from media.models import Photo
from messaging.retention import RETENTION
from tests.media import images
from tests.media.conftest import upload
from tests.media.test_photo_consent import LEFT_HALF, fetch, received, striped
from tests.messaging.conftest import World


async def housekeeping(world: World) -> None:
    await world.harness.rt.queue.enqueue(RETENTION)
    await world.harness.run_jobs()


async def originals(world: World) -> set[str]:
    return {k for k in await world.harness.rt.extras["storage"].list_keys("org/") if k.endswith("/original")}


async def post_photo(world: World, children: list[str], data: bytes | None = None) -> int:
    spec: dict = {"children": [world.children[c] for c in children], "data": data or striped()}
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    assert response.status_code == 201, response.text
    await world.harness.run_jobs()
    return int(response.json()["photos"][0]["id"])


class TestOriginals:
    async def test_kept_only_while_a_mask_may_still_need_them(self, world: World) -> None:
        tagged = await post_photo(world, ["Noor", "Pim"])
        untagged = await post_photo(world, [])
        damaged = images.truncated(images.jpeg(image=images.canonical(1200, 800), trailer=b""), 0.4)
        failed = await post_photo(world, [], data=damaged)  # its header reads, its pixels do not
        assert len(await originals(world)) == 3
        await housekeeping(world)
        left = await originals(world)
        assert [k for k in left if f"/photos/{tagged}/" in k] and not [
            k for k in left if f"/photos/{untagged}/" in k or f"/photos/{failed}/" in k
        ]
        async with world.client("ingrid@example.nl") as staff:  # within the time: a mask can be added
            ok = await staff.post(
                f"/api/photos/{tagged}/share", json={"masks": {str(world.children["Pim"]): LEFT_HALF}}
            )
            assert ok.status_code == 202
        async with world.harness.uow() as uow:  # 31 days later
            then = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
            await uow.session.execute(update(Photo).where(Photo.id == tagged).values(created_at=then))
        await housekeeping(world)
        assert await originals(world) == set()
        async with world.client("ingrid@example.nl") as staff:
            late = await staff.post(
                f"/api/photos/{tagged}/share", json={"masks": {str(world.children["Noor"]): LEFT_HALF}}
            )
        assert late.status_code == 409 and "origineel" in late.json()["detail"]


class TestDeletingAPhoto:
    async def test_the_uploader_takes_it_back_from_everyone(self, world: World) -> None:
        photo_id = await post_photo(world, ["Noor"])
        url = (await received(world, "anna@example.nl"))[photo_id]["urls"]["small"]
        async with world.client("anna@example.nl") as anna:
            assert (await anna.post(f"/api/children/{world.children['Noor']}/archive")).status_code == 202
        await world.harness.run_jobs()
        for outsider in ("anna@example.nl", "kees@example.nl"):
            async with world.client(outsider) as client:
                assert (await client.delete(f"/api/photos/{photo_id}")).status_code == 404
        async with world.client("ingrid@example.nl") as staff:
            assert (await staff.delete(f"/api/photos/{photo_id}")).status_code == 204
        assert photo_id not in await received(world, "anna@example.nl")
        retracts = [f for f in await world.feed("anna@example.nl") if f["kind"] == "photo.retracted"]
        assert retracts and all(f["type"] == "retract" for f in retracts)
        assert (await fetch(world, "anna@example.nl", url)).status_code == 404
        keys = await world.harness.rt.extras["storage"].list_keys("org/")
        assert not [k for k in keys if f"/photos/{photo_id}/" in k]
        async with world.client("anna@example.nl") as anna:
            state = (await anna.get(f"/api/children/{world.children['Noor']}/archive")).json()
        assert state.get("replaces_stale") is True  # the archive that held it went stale
