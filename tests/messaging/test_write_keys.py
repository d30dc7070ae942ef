"""Writes a client may retry (both stacks): with an ``Idempotency-Key`` a post, diary
entry, message or reply sent again (a lost answer, a dropped connection, a 503) is
the same item, once in every feed, also when the attempts race."""

from __future__ import annotations

import asyncio

import pytest

from tests.messaging.conftest import World

INGRID, ANNA = "ingrid@example.nl", "anna@example.nl"


async def send(world: World, email: str, path: str, body: dict, key: str | None):
    async with world.client(email) as client:
        return await client.post(path, json=body, headers={"idempotency-key": key} if key else {})


def writes(world: World) -> list[tuple[str, str, dict]]:
    noor, rupsjes = world.children["Noor"], world.groups["Rupsjes"]
    return [
        (INGRID, f"/api/groups/{rupsjes}/posts", {"body": "Zwemkleding mee"}),
        (INGRID, f"/api/children/{noor}/diary", {"body": "Lekker geslapen"}),
        (ANNA, f"/api/children/{noor}/messages", {"body": "Oma haalt op"}),
    ]


class TestIdempotencyKey:
    @pytest.mark.parametrize("which", [0, 1, 2])
    async def test_a_retry_is_the_same_item_once(self, world: World, which: int) -> None:
        email, path, body = writes(world)[which]
        first = await send(world, email, path, body, "retry-key-0001")
        again = await send(world, email, path, body, "retry-key-0001")
        assert first.status_code == 201 and again.status_code == 200
        assert again.json() == first.json()
        ids = [f["data"]["id"] for f in await world.feed("bram@example.nl") if f["data"].get("body") == body["body"]]
        assert ids == [first.json()["id"]]

    async def test_attempts_at_once_make_one_item(self, world: World) -> None:
        email, path, body = writes(world)[1]
        answers = await asyncio.gather(*(send(world, email, path, body, "racing-key-0001") for _ in range(6)))
        assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
        assert len({a.json()["id"] for a in answers}) == 1
        ids = [f["data"]["id"] for f in await world.feed(ANNA) if f["kind"] == "diary_entry.created"]
        assert len(ids) == 1

    async def test_keys_are_per_person_and_without_one_every_send_is_new(self, world: World) -> None:
        noor = world.children["Noor"]
        mine = await send(world, ANNA, f"/api/children/{noor}/messages", {"body": "a"}, "shared-key-0001")
        theirs = await send(
            world, "bram@example.nl", f"/api/children/{noor}/messages", {"body": "b"}, "shared-key-0001"
        )
        assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]
        plain = [await send(world, ANNA, f"/api/children/{noor}/messages", {"body": "c"}, None) for _ in range(2)]
        assert [p.status_code for p in plain] == [201, 201] and plain[0].json()["id"] != plain[1].json()["id"]

    async def test_a_key_that_cannot_be_one_is_refused(self, world: World) -> None:
        email, path, body = writes(world)[0]
        response = await send(world, email, path, body, "short")
        assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]
