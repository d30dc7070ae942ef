"""Photo fixtures: the messaging world (families, groups, staff, another organisation)
with every family consenting, a ``set_consent`` helper, and an ``upload`` helper
that posts a batch the way the tablet does."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx
import pytest

from tests.harness import Harness
from tests.media import images
from tests.messaging.conftest import World, build_world

_keys = itertools.count(1)


GUARDIANS = [
    ("anna@example.nl", "Noor"),
    ("bram@example.nl", "Noor"),
    ("piet@example.nl", "Pim"),
    ("carla@example.nl", "Lina"),
    ("dirk@example.nl", "Mats"),
]


@pytest.fixture
async def world(harness: Harness) -> World:
    return await consenting_world(harness)


async def consenting_world(harness: Harness) -> World:
    """The messaging world where every current family consents to everything."""
    built = await build_world(harness)
    for email, child in GUARDIANS:
        response = await set_consent(built, email, child, photo=True, photo_group=True)
        assert response.status_code == 200, response.text
    return built


async def set_consent(world: World, email: str, child: str, **kinds: bool) -> httpx.Response:
    """A guardian's answers for a child, through the API."""
    async with world.client(email) as client:
        return await client.put(f"/api/children/{world.children.get(child, 999_999)}/consents", json=kinds)


def new_key() -> str:
    return f"tablet-key-{next(_keys):06d}"


async def upload(
    world: World,
    email: str,
    group: str,
    photos: list[dict[str, Any]],
) -> httpx.Response:
    """``photos``: dicts with ``data`` (bytes, default a JPEG), ``name`` and the spec fields."""
    specs, files = [], []
    for index, photo in enumerate(photos):
        spec = {k: v for k, v in photo.items() if k not in ("data", "name")}
        spec.setdefault("key", new_key())
        specs.append(spec)
        data = photo.get("data", images.jpeg())
        files.append(("file", (photo.get("name", f"IMG_{index:04d}.JPG"), data, "image/jpeg")))
    group_id = world.groups.get(group, 999_999)
    async with world.client(email) as client:
        return await client.post(f"/api/groups/{group_id}/photos", data={"photos": json.dumps(specs)}, files=files)


def shared(feed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f["data"] for f in feed if f["kind"] == "photo.shared"]
