"""A guardian's photos of their own child, on both stacks: through the same pipeline,
tagged with that child only whatever the request says, delivered to the child's other
guardian and its group's staff and to nobody else; only for a current child of theirs;
a retry with the same key is the same photo."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.harness import Harness
from tests.media import images
from tests.media.conftest import consenting_world, shared
from tests.messaging.conftest import World


@pytest.fixture
async def world(harness: Harness) -> World:
    return await consenting_world(harness)


async def send(world: World, email: str, child: str, key: str = "ouder-foto-0001", **spec: object) -> httpx.Response:
    body = {"photos": json.dumps([{"key": key, "caption": "Thuis in de tuin", **spec}])}
    files = [("file", ("IMG_2001.JPG", images.jpeg(), "image/jpeg"))]
    async with world.client(email) as client:
        return await client.post(f"/api/children/{world.children.get(child, 999_999)}/photos", data=body, files=files)


async def test_a_parents_photo_reaches_the_other_guardian_and_the_group_only(world: World) -> None:
    response = await send(world, "anna@example.nl", "Noor", children=[world.children["Pim"]])  # asks for Pim: ignored
    assert response.status_code == 201, response.text
    photo_id = response.json()["photos"][0]["id"]
    await world.harness.run_jobs()
    for email in ("bram@example.nl", "ingrid@example.nl", "anna@example.nl"):
        assert [p["id"] for p in shared(await world.feed(email))] == [photo_id], email
    for email in ("piet@example.nl", "carla@example.nl", "kees@example.nl", "xenia@example.nl"):
        assert shared(await world.feed(email)) == [], email
    async with world.client("ingrid@example.nl") as staff:
        status = (await staff.get(f"/api/photos/{photo_id}")).json()
    assert status["status"] == "ready" and status["children"] == [world.children["Noor"]]
    async with world.client("bram@example.nl") as bram:  # on Noor's own page too
        listed = (await bram.get(f"/api/children/{world.children['Noor']}/photos")).json()["photos"]
    assert [p["id"] for p in listed] == [photo_id] and listed[0]["caption"] == "Thuis in de tuin"

    again = await send(world, "anna@example.nl", "Noor")
    assert again.status_code == 200 and again.json()["photos"][0]["id"] == photo_id  # a retry: the same photo


@pytest.mark.parametrize(
    ("email", "child", "status"),
    [
        ("anna@example.nl", "Pim", 404),  # another family's child
        ("olga@example.nl", "Oud", 404),  # left in 2020
        ("ingrid@example.nl", "Noor", 403),  # staff use the tablet's page
        ("xenia@example.nl", "Noor", 404),  # another organisation
    ],
)
async def test_only_for_a_current_child_of_ones_own(world: World, email: str, child: str, status: int) -> None:
    assert (await send(world, email, child)).status_code == status
