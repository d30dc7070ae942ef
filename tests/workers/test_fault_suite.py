"""The fault suite (service stack): two ``serve`` nodes, a real ``schriftje worker``
process, a Redis of the test's own, PostgreSQL and an S3 server with versioning on
(so every write of an object is counted). Three faults, one after the other, each
while photos are on their way:

1. Redis is killed while a batch is uploaded and messages are written, then
   started again, empty;
2. every PostgreSQL connection of the nodes and the worker is terminated
   (``pg_terminate_backend``) while the worker is in the middle of a batch;
3. the worker is killed with SIGKILL in the middle of a batch and started again
   (what the compose file's restart policy does).

At the end every accepted photo is ``ready``; a parent's socket, open on node A
throughout, received every feed item exactly once and in order, the same items the
feed API lists; every photo was recorded once and every object in storage was
written once. The time from each recovery to the last photo final is printed
(``-s``); docs/benchmarks.md records a run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import boto3
import httpx
import pytest
from sqlalchemy import select

from media.models import Photo, PhotoStatus
from portal.settings import Settings
from schriftje.app import create_app
from tests.conftest import PG_DSN, services_settings
from tests.harness import Harness
from tests.media import images
from tests.media.conftest import consenting_world, new_key
from tests.messaging.conftest import World, serving, ws
from tests.private_redis import PrivateRedis
from tests.workers.worker_process import WorkerProcess

ANNA, INGRID = "anna@example.nl", "ingrid@example.nl"
FINAL_WAIT_SECS = 120.0  # a failure bound, far above the minute a photo may be held


class Feed:
    """Anna's socket on node A, read for the whole test: every event frame it got."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.events: list[dict[str, Any]] = []
        self.arrived: dict[int, float] = {}  # photo id -> when its photo.shared arrived
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.connection:
            frame = json.loads(raw)
            async with self._changed:
                if frame["type"] == "event":
                    self.events.append(frame)
                    if frame["kind"] == "photo.shared":
                        self.arrived.setdefault(frame["data"]["id"], time.monotonic())
                self._changed.notify_all()

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(FINAL_WAIT_SECS), self._changed:
            await self._changed.wait_for(done)

    async def photos_shared(self, photo_ids: list[int]) -> float:
        """Wait until each photo reached the socket; when the last did."""
        await self.until(lambda: all(p in self.arrived for p in photo_ids))
        return max(self.arrived[p] for p in photo_ids)

    def bodies(self) -> list[str]:
        return [e["data"]["body"] for e in self.events if e["kind"] == "message.created"]


@dataclasses.dataclass
class Node:
    port: int

    def client(self, world: World) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"host": "kober.localhost", "authorization": f"Bearer {world.tokens[INGRID]}"},
            timeout=30,
        )

    async def upload(self, world: World, count: int) -> list[int]:
        """A batch of ``count`` photos of Noor by Ingrid; their ids (201, whatever is down)."""
        specs = [{"key": new_key(), "children": [world.children["Noor"]]} for _ in range(count)]
        files = [("file", (f"IMG_{i:04d}.JPG", images.jpeg(), "image/jpeg")) for i in range(count)]
        async with self.client(world) as client:
            response = await client.post(
                f"/api/groups/{world.groups['Rupsjes']}/photos", data={"photos": json.dumps(specs)}, files=files
            )
        assert response.status_code == 201, response.text
        return [p["id"] for p in response.json()["photos"]]

    async def message(self, world: World, body: str) -> None:
        """A message to Noor's family, retried as a client would (503, a dropped
        connection), with one Idempotency-Key so it is written once."""
        key = uuid.uuid4().hex
        async with self.client(world) as client:
            for _ in range(20):
                try:
                    response = await client.post(
                        f"/api/children/{world.children['Noor']}/messages",
                        json={"body": body},
                        headers={"idempotency-key": key},
                    )
                except httpx.TransportError:
                    continue
                if response.status_code != 503:
                    assert response.status_code in (200, 201), response.text
                    return
        raise AssertionError(f"{body!r} was never accepted")


@pytest.fixture
async def stack(private_redis: PrivateRedis, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    s3 = request.getfixturevalue("s3_endpoint")
    settings = services_settings(tmp_path, request.getfixturevalue("postgres_schema"), private_redis.url, s3)
    bucket(settings).put_bucket_versioning(Bucket=settings.s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    yield settings


def bucket(settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
    )


def writes_per_object(settings: Settings) -> Counter[str]:
    client = bucket(settings)
    counts: Counter[str] = Counter()
    for page in client.get_paginator("list_object_versions").paginate(Bucket=settings.s3_bucket, Prefix="org/"):
        for version in page.get("Versions", []):
            counts[version["Key"]] += 1
    return counts


async def terminate_connections(settings: Settings) -> int:
    """End every PostgreSQL connection this stack's nodes and worker hold."""
    admin = await asyncpg.connect(PG_DSN)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
                f"schriftje/{settings.database_schema}",
            )
        )
    finally:
        await admin.close()


async def test_every_photo_finishes_and_the_feed_loses_and_repeats_nothing_through_three_faults(
    stack: Settings, private_redis: PrivateRedis
) -> None:
    async with Harness.open(stack) as harness:
        world = await consenting_world(harness)
        node_b_app = create_app(stack)
        worker = WorkerProcess(stack)
        recovery: dict[str, float] = {}
        accepted: list[int] = []
        async with (
            node_b_app.router.lifespan_context(node_b_app),
            serving(harness.app) as port_a,
            serving(node_b_app) as port_b,
            ws(port_a, token=world.tokens[ANNA]) as socket_,
        ):
            await socket_.until("ready")
            feed = Feed(socket_.connection)
            node_a, node_b = Node(port_a), Node(port_b)
            await worker.start()
            try:
                # 1. Redis goes away while a batch is uploaded and messages are written
                private_redis.kill()
                batch = await node_b.upload(world, 5)
                await node_a.message(world, "tijdens redis 1")
                await node_b.message(world, "tijdens redis 2")
                await asyncio.to_thread(private_redis.start)  # empty: every job and lock is gone
                back = time.monotonic()
                accepted += batch
                recovery["Redis killed and restarted"] = await feed.photos_shared(batch) - back

                # 2. every database connection is terminated mid-batch
                mark = len(worker.lines)
                batch = await node_b.upload(world, 6)
                await worker.said('"msg": "photo processed"', since=mark)
                assert await terminate_connections(stack) > 0
                cut = time.monotonic()
                await asyncio.gather(node_a.message(world, "na de breuk 1"), node_b.message(world, "na de breuk 2"))
                accepted += batch
                recovery["database connections terminated"] = await feed.photos_shared(batch) - cut

                # 3. the worker is killed mid-batch and started again
                mark = len(worker.lines)
                batch = await node_b.upload(world, 8)
                await worker.said('"msg": "photo processed"', since=mark)
                worker.kill()
                killed = time.monotonic()
                await node_a.message(world, "zonder worker")
                await worker.start()
                accepted += batch
                recovery["worker killed (SIGKILL) and restarted"] = await feed.photos_shared(batch) - killed
            finally:
                await worker.stop()

            listed = await world.feed(ANNA)
            await feed.until(lambda: len(feed.events) >= len(listed))

        for fault, seconds in recovery.items():
            print(f"fault suite: {fault}: last photo final {seconds:.1f} s after recovery")

        async with harness.uow() as uow:
            rows = (await uow.session.execute(select(Photo.id, Photo.status))).all()
        statuses = {photo_id: status for photo_id, status in rows}
        assert sorted(statuses) == sorted(accepted) and set(statuses.values()) == {PhotoStatus.READY}

        seqs = [e["seq"] for e in feed.events]
        assert seqs == list(range(1, len(seqs) + 1)), "a feed item was lost, repeated or reordered"
        assert [(e["seq"], e["kind"]) for e in feed.events] == [(item["seq"], item["kind"]) for item in listed]
        assert sorted(feed.bodies()) == sorted(
            ["tijdens redis 1", "tijdens redis 2", "na de breuk 1", "na de breuk 2", "zonder worker"]
        )
        assert Counter(e["data"]["id"] for e in feed.events if e["kind"] == "photo.shared") == Counter(
            {photo_id: 1 for photo_id in accepted}
        )

        # a worker killed between a photo's commit and its log line leaves no line for it (its
        # restarted successor finds the photo final and skips it): none twice is what counts
        recorded = Counter(r["photo_id"] for r in worker.records("photo processed"))
        assert {p: n for p, n in recorded.items() if n > 1} == {}, "a photo was processed twice"
        assert set(recorded) <= set(accepted)
        written = writes_per_object(stack)
        assert len(written) >= 4 * len(accepted)  # the original and three derivatives each, at least
        assert {key: n for key, n in written.items() if n > 1} == {}, "an object was written twice"
