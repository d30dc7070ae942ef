"""Notify fixtures: the messaging world, at a fixed Monday noon (outside everyone's
default quiet hours), with the tests' own push service listening beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.harness import Harness
from tests.messaging.conftest import World, build_world, serving
from tests.notify.push_service import Device, PushService

ANNA, BRAM, PIET, INGRID = "anna@example.nl", "bram@example.nl", "piet@example.nl", "ingrid@example.nl"


@dataclass
class Scene:
    world: World
    push: PushService

    async def subscribe(self, email: str, device: Device) -> Any:
        async with self.world.client(email) as client:
            return await client.post("/api/notify/subscriptions", json=device.subscription())

    async def state(self, email: str) -> dict[str, Any]:
        async with self.world.client(email) as client:
            response = await client.get("/api/notify")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def preferences(self, email: str, **changes: Any) -> Any:
        async with self.world.client(email) as client:
            return await client.put("/api/notify/preferences", json=changes)

    async def write(self, email: str, path: str, body: str) -> None:
        response = await self.world.post(email, path, {"body": body})
        assert response.status_code == 201, response.text
        await self.world.harness.run_jobs()

    async def sweep(self) -> None:
        from notify.trigger import NOTIFY_SWEEP

        await self.world.harness.rt.queue.enqueue(NOTIFY_SWEEP, job_id=f"sweep-{dt.datetime.now().timestamp()}")
        await self.world.harness.run_jobs()


@pytest.fixture
async def scene(noon: dt.date, harness: Harness) -> AsyncIterator[Scene]:
    world = await build_world(harness)
    push = PushService()
    async with serving(push.app) as port:  # type: ignore[arg-type]
        push.port = port
        yield Scene(world, push)
