"""Retention on both stacks, through the real job: a child whose leaving window has
passed is purged (no rows about it, no orphan objects in storage, its family's
account gone when it has no other child here, counts logged, idempotent),
while other families keep their photos; expired archives leave storage."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text, update

from media.models import Photo, PhotoTag
from messaging.archive.models import Archive
from messaging.models import PurgeLog
from messaging.retention import RETENTION
from portal.database import Base
from portal.roster.models import Child
from tests.harness import Harness
from tests.media.conftest import consenting_world, set_consent, upload
from tests.media.test_photo_consent import LEFT_HALF, fetch, left_contrast, received, striped
from tests.messaging.conftest import World


@pytest.fixture
async def world(harness: Harness) -> World:
    return await consenting_world(harness)


async def photo(world: World, children: list[str]) -> int:
    response = await upload(
        world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children[c] for c in children]}]
    )
    assert response.status_code == 201, response.text
    return int(response.json()["photos"][0]["id"])


async def run_retention(world: World) -> None:
    await world.harness.rt.queue.enqueue(RETENTION)
    await world.harness.run_jobs()


async def archive_for(world: World, email: str, child: str) -> dict:
    async with world.client(email) as client:
        asked = await client.post(f"/api/children/{world.children[child]}/archive")
        assert asked.status_code == 202, asked.text
        await world.harness.run_jobs()
        return dict((await client.get(f"/api/archives/{asked.json()['id']}")).json())


async def rows_about(world: World, child_id: int) -> dict[str, int]:
    """Every table with a ``child_id`` column: rows naming this child (the purge log excepted)."""
    found = {}
    async with world.harness.uow() as uow:
        for table in Base.metadata.sorted_tables:
            if "child_id" in table.c and table.name != "purge_log":
                count = await uow.session.scalar(
                    select(func.count()).select_from(table).where(table.c.child_id == child_id)
                )
                if count:
                    found[table.name] = int(count)
        if await uow.session.get(Child, child_id) is not None:
            found["child"] = 1
    return found


async def test_a_child_past_its_window_is_purged_and_nothing_of_it_remains(world: World) -> None:
    pim, noor = world.children["Pim"], world.children["Noor"]
    only_pim = await photo(world, ["Pim"])
    together = await photo(world, ["Noor", "Pim"])
    await world.harness.run_jobs()
    async with world.client("ingrid@example.nl") as staff:
        assert (await staff.post(f"/api/children/{pim}/diary", json={"body": "Pim speelde buiten"})).is_success
        nappy = {"children": [pim], "kind": "nappy", "details": {"state": "wet"}}
        assert (await staff.post("/api/day", json=nappy)).is_success
    async with world.client("piet@example.nl") as piet:
        assert (await piet.post(f"/api/children/{pim}/messages", json={"body": "Oma haalt op"})).is_success
        drops = {"name": "Neusdruppels", "dose": "1 druppel"}
        assert (await piet.post(f"/api/children/{pim}/medication", json=drops)).is_success
        absence = {"start_date": dt.date.today().isoformat(), "reason": "ziek", "note": "koorts"}
        assert (await piet.post(f"/api/children/{pim}/absences", json=absence)).is_success
    pims_archive = await archive_for(world, "piet@example.nl", "Pim")
    assert pims_archive["status"] == "ready"
    storage = world.harness.rt.extras["storage"]
    before = set(await storage.list_keys("org/"))
    assert any(f"/photos/{only_pim}/" in k for k in before) and any("/archives/" in k for k in before)
    assert await rows_about(world, pim)

    async with world.harness.uow() as uow:  # Pim left 100 days ago; the window is 90 days
        left = dt.date.today() - dt.timedelta(days=100)
        await uow.session.execute(update(Child).where(Child.id == pim).values(end_date=left))
    await run_retention(world)

    assert await rows_about(world, pim) == {}
    after = set(await storage.list_keys("org/"))
    assert not any(f"/photos/{only_pim}/" in k or "/archives/" in k for k in after)
    assert {k for k in before if f"/photos/{together}/" in k} <= after  # Noor's family keeps that one
    async with world.harness.uow() as uow:
        assert await uow.session.get(Photo, only_pim) is None
        tags = await uow.session.execute(
            select(PhotoTag.child_id, PhotoTag.former_child_id).where(PhotoTag.photo_id == together)
        )
        assert set(tags) == {(None, pim), (noor, None)}  # Pim's tag: an anonymous tombstone
        (entry,) = list(await uow.session.scalars(select(PurgeLog).where(PurgeLog.child_id == pim)))
        purged = set(await uow.session.scalars(select(PurgeLog.child_id)))
    assert purged == {pim, world.children["Oud"]}  # Oud left in 2020: purged in the same run
    assert entry.child_id == pim
    assert entry.counts | {"objects": 0} == {
        "photos": 1,
        "photo_tags": 2,
        "diary_entries": 1,
        "day_entries": 1,
        "medication_instructions": 1,
        "messages": 1,
        "absences": 1,
        "archives": 1,
        "accounts": 1,
        "objects": 0,
    }
    assert entry.counts["objects"] >= 5  # the original, three derivatives, the archive
    async with world.client("piet@example.nl") as piet:  # no other child here: his account is gone
        assert (await piet.get("/api/feed")).status_code == 401
    anna_photos = {f["data"]["id"] for f in await world.feed("anna@example.nl") if f["kind"] == "photo.shared"}
    assert together in anna_photos
    staff_feed = await world.feed("ingrid@example.nl")  # still readable: purged items are tombstones
    diary = [f["data"] for f in staff_feed if f["kind"] == "diary_entry.created"]
    assert diary and all(d.get("deleted") for d in diary)

    await run_retention(world)  # again: nothing more to do, nothing logged twice
    async with world.harness.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(PurgeLog)) == 2


async def test_a_child_still_in_its_window_is_kept(world: World) -> None:
    pim = world.children["Pim"]
    await photo(world, ["Pim"])
    await world.harness.run_jobs()
    async with world.harness.uow() as uow:
        left = dt.date.today() - dt.timedelta(days=30)
        await uow.session.execute(update(Child).where(Child.id == pim).values(end_date=left))
    await run_retention(world)
    assert (await rows_about(world, pim)).get("child") == 1
    async with world.harness.uow() as uow:
        assert set(await uow.session.scalars(select(PurgeLog.child_id))) == {world.children["Oud"]}
        assert await uow.session.scalar(text("SELECT count(*) FROM photo")) == 1


async def test_an_expired_archive_leaves_storage(world: World) -> None:
    state = await archive_for(world, "anna@example.nl", "Noor")
    storage = world.harness.rt.extras["storage"]
    assert any("/archives/" in k for k in await storage.list_keys("org/"))
    async with world.harness.uow() as uow:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        await uow.session.execute(update(Archive).where(Archive.id == state["id"]).values(expires_at=past))
    await run_retention(world)
    assert not any("/archives/" in k for k in await storage.list_keys("org/"))
    async with world.client("anna@example.nl") as anna:
        assert (await anna.get(f"/api/archives/{state['id']}")).json()["status"] == "expired"
        assert (await anna.get(state["download_url"])).status_code == 410


class TestAPurgeNeverWidens:
    """A purged child's tag lives on as an anonymous tombstone (its mask, no name, no
    consent): sharing the photo again after the purge masks the child (or blocks the
    photo), and a family that got nothing before still gets nothing."""

    async def test_sharing_again_after_the_purge_keeps_the_child_masked(self, world: World) -> None:
        assert (await set_consent(world, "piet@example.nl", "Pim", photo_group=False)).status_code == 200
        spec = {"children": [world.children["Noor"], world.children["Pim"]], "data": striped()}
        spec["masks"] = {str(world.children["Pim"]): LEFT_HALF}
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
        photo_id = response.json()["photos"][0]["id"]
        await world.harness.run_jobs()
        masked = (await received(world, "anna@example.nl"))[photo_id]
        await purge(world, "Pim")
        async with world.client("ingrid@example.nl") as staff:  # staff share it again after the purge
            assert (await staff.post(f"/api/photos/{photo_id}/share", json={})).status_code == 202
        await world.harness.run_jobs()
        again = (await received(world, "anna@example.nl"))[photo_id]
        assert again["rendition"] == masked["rendition"]  # still the one with Pim masked
        picture = (await fetch(world, "anna@example.nl", again["urls"]["large"])).content
        assert left_contrast(picture) < 20  # Pim's half is flat
        for email in ("carla@example.nl", "dirk@example.nl"):  # other groups' families: nothing, as before
            assert photo_id not in await received(world, email)
        async with world.client("ingrid@example.nl") as staff:
            status = (await staff.get(f"/api/photos/{photo_id}")).json()
        assert status["status"] == "ready" and "Pim" not in str(status)  # nothing names him any more

    async def test_a_purged_child_without_a_mask_blocks_the_photo_when_shared_again(self, world: World) -> None:
        spec = {"children": [world.children["Noor"], world.children["Pim"]], "data": striped()}
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
        photo_id = response.json()["photos"][0]["id"]
        await world.harness.run_jobs()
        assert photo_id in await received(world, "anna@example.nl")  # Pim's family consented to the group
        await purge(world, "Pim")
        async with world.client("ingrid@example.nl") as staff:
            assert (await staff.post(f"/api/photos/{photo_id}/share", json={})).status_code == 202
            await world.harness.run_jobs()
            status = (await staff.get(f"/api/photos/{photo_id}")).json()
        assert status["status"] == "blocked"  # no consent behind the tombstone, no mask: nobody gets more


async def purge(world: World, child: str) -> None:
    async with world.harness.uow() as uow:
        long_ago = dt.date.today() - dt.timedelta(days=200)
        await uow.session.execute(update(Child).where(Child.id == world.children[child]).values(end_date=long_ago))
    await run_retention(world)
    async with world.harness.uow() as uow:
        assert await uow.session.get(Child, world.children[child]) is None
