"""Across nodes and outages (service stack): a post through node A reaches a socket on
node B, and a Redis restart mid-stream ends with every item delivered exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from portal.settings import Settings
from schriftje.app import create_app
from tests.harness import Harness
from tests.messaging.conftest import World, build_world, serving, ws
from tests.private_redis import PrivateRedis

ANNA = "anna@example.nl"


async def post_over_http(port: int, world: World, body: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        response = await client.post(
            f"/api/children/{world.children['Noor']}/messages",
            json={"body": body},
            headers={"host": "kober.localhost", "authorization": f"Bearer {world.tokens['ingrid@example.nl']}"},
        )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("stack_settings", ["services"], indirect=True)
async def test_a_post_through_node_a_reaches_a_socket_on_node_b(world: World, port: int) -> None:
    node_b = create_app(world.harness.settings)
    async with (
        node_b.router.lifespan_context(node_b),
        serving(node_b) as port_b,
        ws(port_b, token=world.tokens[ANNA]) as on_b,
    ):
        await on_b.until("ready")
        await post_over_http(port, world, "via A")
        [event] = await on_b.events(1)
        assert event["seq"] == 1 and event["data"]["body"] == "via A"
        await post_over_http(port_b, world, "via B")
        [event] = await on_b.events(1)
        assert event["seq"] == 2


@pytest.fixture
async def world_on_private_redis(
    private_redis: PrivateRedis, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[World]:
    from tests.conftest import services_settings

    settings: Settings = services_settings(
        tmp_path,
        request.getfixturevalue("postgres_schema"),
        private_redis.url,
        request.getfixturevalue("s3_endpoint"),
    )
    async with Harness.open(dataclasses.replace(settings)) as harness:
        yield await build_world(harness)


async def test_redis_restart_mid_stream_loses_nothing_and_repeats_nothing(
    world_on_private_redis: World, private_redis: PrivateRedis
) -> None:
    world = world_on_private_redis
    async with serving(world.harness.app) as port, ws(port, token=world.tokens[ANNA]) as socket_:
        await socket_.until("ready")
        await post_over_http(port, world, "voor")
        assert [e["seq"] for e in await socket_.events(1)] == [1]

        private_redis.kill()
        for body in ("tijdens 1", "tijdens 2"):  # committed while Redis is down; the live publish fails
            await post_over_http(port, world, body)
        await asyncio.to_thread(private_redis.start)

        # the broker reconnects and the hub replays from the database what the socket missed
        caught_up = await socket_.events(2)
        await post_over_http(port, world, "na")
        [after] = await socket_.events(1)
        leftovers = await socket_.drain()
    assert [e["seq"] for e in caught_up] == [2, 3]
    assert [e["data"]["body"] for e in caught_up] == ["tijdens 1", "tijdens 2"]
    assert after["seq"] == 4 and after["data"]["body"] == "na"
    assert leftovers == []
