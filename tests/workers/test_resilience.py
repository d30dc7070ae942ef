"""Nothing gets stuck: every accepted photo reaches a final state whatever fails.

* A photo accepted while Redis is down is processed once Redis is back (the
  sweeper hands it off again), exactly once.
* A photo whose hand-off was lost (its job gone with a crash) is found by the
  sweeper on both stacks; two jobs for one photo never both process it.
* A worker that dies holds a photo for the photo's budget, not the longest job's:
  long jobs have a queue and a worker of their own.
* A database connection terminated under a job is a transient error (retried);
  anything unexpected ends the photo ``failed`` with a reason staff can read.
* ``schriftje worker`` waits out a Redis outage instead of exiting, and says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from redis import Redis
from sqlalchemy import select, text, update

from media import pipeline
from media.models import Photo, PhotoRendition, PhotoStatus
from media.upload import PROCESS_CLIP, PROCESS_PHOTO, SHARE_PHOTO, process_job_id
from messaging.archive.service import BUILD_ARCHIVE
from messaging.retention import RETENTION
from portal.settings import Settings
from tests.conftest import PG_DSN, services_settings
from tests.harness import Harness, login
from tests.media.conftest import consenting_world, shared, upload
from tests.messaging.conftest import World
from tests.private_redis import PrivateRedis
from tests.workers.worker_process import WorkerProcess
from workers.jobs import SWEEP_PHOTOS, is_transient, sweep_photos
from workers.queues import clip_queue_name, long_queue_name, queue_name
from workers.worker import HealthFile, build_workers

LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PHOTO_HELD_AT_MOST_SECS = 60  # the promise: retried within a minute of a worker's death


async def age(world: World, photo_id: int, *, seconds: int = 120) -> None:
    """Pretend the photo was accepted ``seconds`` ago (longer than a hand-off takes)."""
    async with world.harness.uow() as uow:
        then = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
        await uow.session.execute(update(Photo).where(Photo.id == photo_id).values(created_at=then))


async def sweep(world: World) -> None:
    await world.harness.rt.queue.enqueue(SWEEP_PHOTOS)
    await world.harness.run_jobs()


async def status_of(world: World, photo_id: int) -> PhotoStatus:
    async with world.harness.uow() as uow:
        photo = await uow.session.get(Photo, photo_id)
        assert photo is not None
        return photo.status


class TestLostHandOff:
    async def test_a_photo_nobody_picked_up_is_found_by_the_sweeper(self, harness: Harness) -> None:
        world = await consenting_world(harness)
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        photo_id = response.json()["photos"][0]["id"]
        await harness.run_jobs()
        async with harness.uow() as uow:  # as if the worker died mid-photo and its job was lost
            await uow.session.execute(PhotoRendition.__table__.delete().where(PhotoRendition.photo_id == photo_id))
            await uow.session.execute(
                update(Photo)
                .where(Photo.id == photo_id)
                .values(
                    status=PhotoStatus.PROCESSING,
                    claimed_by="a worker that died",
                    claimed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )
        await sweep(world)
        assert await status_of(world, photo_id) is PhotoStatus.READY

    async def test_a_photo_rendered_by_a_job_that_died_before_recording_is_not_rendered_again(
        self, harness: Harness
    ) -> None:
        world = await consenting_world(harness)
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        photo_id = response.json()["photos"][0]["id"]
        await harness.run_jobs()
        storage = harness.rt.extras["storage"]
        derivatives = [k for k in await storage.list_keys("org/") if f"/photos/{photo_id}/r-" in k]
        for key in derivatives:  # marks: a second render would overwrite them
            await storage.put(key, b"written once")
        async with harness.uow() as uow:  # as if its job died after storing, before recording
            await uow.session.execute(PhotoRendition.__table__.delete().where(PhotoRendition.photo_id == photo_id))
            await uow.session.execute(
                update(Photo)
                .where(Photo.id == photo_id)
                .values(status=PhotoStatus.PROCESSING, claimed_by="a job that died", claimed_at=LONG_AGO)
            )
        await sweep(world)
        assert await status_of(world, photo_id) is PhotoStatus.READY
        assert derivatives and [await storage.get(k) for k in derivatives] == [b"written once"] * len(derivatives)
        async with harness.uow() as uow:
            renditions = list(
                await uow.session.scalars(select(PhotoRendition).where(PhotoRendition.photo_id == photo_id))
            )
        assert [(r.mask_key, r.width > 0, r.placeholder.startswith("#")) for r in renditions] == [("", True, True)]

    async def test_two_jobs_for_one_photo_never_both_process_it(self, harness: Harness) -> None:
        world = await consenting_world(harness)
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        photo_id = response.json()["photos"][0]["id"]
        await harness.run_jobs()
        async with harness.uow() as uow:  # as if nobody had processed it yet
            await uow.session.execute(
                update(Photo)
                .where(Photo.id == photo_id)
                .values(status=PhotoStatus.UPLOADED, claimed_by="", claimed_at=None)
            )
        async with harness.uow() as first:
            assert await pipeline.claim(first, photo_id, "job one") is not None
        async with harness.uow() as second:
            assert await pipeline.claim(second, photo_id, "job two") is None  # held, lease not over
        async with harness.uow() as again:
            assert await pipeline.claim(again, photo_id, "job one") is not None  # the holder's retry may

    @pytest.mark.parametrize("stack_settings", ["services"], indirect=True)
    async def test_a_photo_waiting_behind_a_backlog_is_not_handed_off_twice(self, harness: Harness) -> None:
        world = await consenting_world(harness)
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        photo_id = response.json()["photos"][0]["id"]
        await age(world, photo_id)  # older than the grace, its job still queued (no worker ran yet)
        ctx: Any = {"sessionmaker": harness.rt.sessionmaker, "queue": harness.rt.queue}
        assert await sweep_photos(ctx) == 0
        redis = Redis.from_url(harness.settings.redis_url)
        try:  # the queue loses the job (a Redis without persistence restarted)
            assert redis.delete(f"arq:job:{harness.settings.redis_prefix}:{process_job_id(photo_id)}") == 1
        finally:
            redis.close()
        assert await sweep_photos(ctx) == 1
        await harness.run_jobs()
        assert await status_of(world, photo_id) is PhotoStatus.READY


class TestRedisDown:
    async def test_a_photo_accepted_while_redis_is_down_is_processed_once_it_is_back(
        self, private_redis: PrivateRedis, on_private_redis: World
    ) -> None:
        world = on_private_redis
        private_redis.kill()
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        assert response.status_code == 201  # accepted: the photo and its original are stored
        photo_id = response.json()["photos"][0]["id"]
        assert await status_of(world, photo_id) is PhotoStatus.UPLOADED
        await asyncio.to_thread(private_redis.start)  # an empty Redis: the job is gone for good
        await age(world, photo_id)
        await sweep(world)
        assert await status_of(world, photo_id) is PhotoStatus.READY
        await sweep(world)  # again: nothing more happens
        assert len(shared(await world.feed("anna@example.nl"))) == 1
        keys = await world.harness.rt.extras["storage"].list_keys("org/")
        assert len([k for k in keys if f"/photos/{photo_id}/" in k and k.endswith("small.webp")]) == 1


class TestWorkersAndQueues:
    @pytest.mark.parametrize("stack_settings", ["services"], indirect=True)
    async def test_a_dead_worker_holds_a_photo_for_a_minute_not_for_the_longest_job(
        self, stack_settings: Settings
    ) -> None:
        quick, long, clips = build_workers(stack_settings)
        assert set(quick.functions) >= {PROCESS_PHOTO, SHARE_PHOTO} and not {
            BUILD_ARCHIVE,
            RETENTION,
            PROCESS_CLIP,
        } & set(quick.functions)
        assert set(long.functions) == {BUILD_ARCHIVE, RETENTION}
        assert set(clips.functions) == {PROCESS_CLIP} and clips.max_jobs == 1
        assert quick.in_progress_timeout_s <= PHOTO_HELD_AT_MOST_SECS
        assert long.in_progress_timeout_s > 3600
        # a clip's worker holds its clip for the transcode budget, never a photo
        assert clips.in_progress_timeout_s <= stack_settings.clip_transcode_seconds + 60

    @pytest.mark.parametrize("stack_settings", ["services"], indirect=True)
    async def test_long_jobs_go_to_their_own_queue(self, harness: Harness) -> None:
        await harness.rt.queue.enqueue(BUILD_ARCHIVE, 999_999)
        await harness.rt.queue.enqueue(PROCESS_PHOTO, 999_999)
        await harness.rt.queue.enqueue(PROCESS_CLIP, 999_999)
        prefix = harness.settings.redis_prefix
        redis = Redis.from_url(harness.settings.redis_url)
        try:
            assert redis.zcard(long_queue_name(prefix)) == 1 and redis.zcard(queue_name(prefix)) == 1
            assert redis.zcard(clip_queue_name(prefix)) == 1
        finally:
            redis.close()
        await harness.run_jobs()  # both are no-ops on ids that do not exist


class TestDatabaseFaults:
    @pytest.mark.parametrize("stack_settings", ["services"], indirect=True)
    async def test_a_terminated_database_connection_is_transient(self, harness: Harness) -> None:
        async with harness.rt.engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            admin = await asyncpg.connect(PG_DSN)
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
            finally:
                await admin.close()
            with pytest.raises(Exception) as broken:
                await connection.execute(text("SELECT 1"))
        assert is_transient(broken.value), repr(broken.value)

    async def test_an_unexpected_error_ends_the_photo_failed_with_a_reason(
        self, harness: Harness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Fault injection: the renderer raises something nobody planned for."""

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug")

        world = await consenting_world(harness)
        monkeypatch.setattr(pipeline, "render", broken)
        response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
        photo_id = response.json()["photos"][0]["id"]
        await harness.run_jobs()
        async with world.client("ingrid@example.nl") as staff:
            status = (await staff.get(f"/api/photos/{photo_id}")).json()
        assert status["status"] == "failed" and status["reason"] == "photo.processing_error"
        assert "opnieuw" in status["reason_text"]
        failed = [f for f in await world.feed("ingrid@example.nl") if f["kind"] == "photo_upload.failed"]
        assert [f["data"]["id"] for f in failed] == [photo_id]


async def test_the_worker_waits_out_a_redis_outage(private_redis: PrivateRedis, on_private_redis: World) -> None:
    worker = WorkerProcess(on_private_redis.harness.settings)
    await worker.start()
    try:
        private_redis.kill()
        await worker.said("waits for it")  # it says so once, and stays up
        assert worker.running
        mark = len(worker.lines)
        await asyncio.to_thread(private_redis.start)
        await worker.said("worker running", since=mark)
        response = await upload(on_private_redis, "ingrid@example.nl", "Rupsjes", [{}])
        photo_id = response.json()["photos"][0]["id"]
        await worker.said('"msg": "photo processed"')  # the worker process did it
        assert await status_of(on_private_redis, photo_id) is PhotoStatus.READY
        assert len([line for line in worker.lines if "waits for it" in line]) == 1
    finally:
        await worker.stop()


@pytest.fixture
async def on_private_redis(
    private_redis: PrivateRedis, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[World]:
    settings = services_settings(
        tmp_path, request.getfixturevalue("postgres_schema"), private_redis.url, request.getfixturevalue("s3_endpoint")
    )
    async with Harness.open(settings) as harness:
        yield await consenting_world(harness)


class TestLoginWhileRedisIsDown:
    async def test_logins_go_on_and_failures_are_still_limited(
        self, private_redis: PrivateRedis, on_private_redis: World
    ) -> None:
        harness = on_private_redis.harness
        async with harness.client() as client:
            await harness.activate(client, "anna@example.nl", "correct horse battery")
        private_redis.kill()
        async with harness.client() as client:
            assert (await login(client, "anna@example.nl", "correct horse battery")).status_code == 303
        async with harness.client(ip="192.0.2.44") as client:
            codes = [
                (await login(client, "bram@example.nl", "not the password")).status_code
                for _ in range(harness.settings.login_max_failures + 1)
            ]
        assert codes[-1] == 429 and set(codes[:-1]) == {401}  # counted in the process meanwhile
        await asyncio.to_thread(private_redis.start)


class TestWorkerHealth:
    def test_health_says_running_only_when_the_worker_said_so_lately(self, tmp_path: Path) -> None:
        health = HealthFile(Settings(data_dir=str(tmp_path)))
        assert health.healthy()[0] is False  # no worker here
        health.write("running")
        assert health.healthy() == (True, "the worker is running")
        health.write("waiting for redis")
        assert health.healthy() == (False, "the worker is waiting for redis")
        health.path.write_text('{"state": "running", "at": 0}')
        assert health.healthy()[0] is False  # it stopped saying anything
