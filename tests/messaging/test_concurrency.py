"""Many concurrent writers with overlapping audiences: every user's seq stays 1..n with
no gap, no duplicate and no deadlock (a bounded stress test)."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import select

from messaging import service
from messaging.models import FeedItem
from portal.roster.models import User
from tests.messaging.conftest import World

WRITES = 60


async def test_concurrent_writers_never_break_a_users_sequence(world: World) -> None:
    harness = world.harness
    broker = harness.rt.extras["hub"].broker
    async with harness.uow() as uow:
        users = {u.email: u for u in await uow.session.scalars(select(User))}
    plans = [
        ("ingrid@example.nl", "group", world.groups["Rupsjes"]),
        ("ingrid@example.nl", "diary", world.children["Noor"]),
        ("anna@example.nl", "message", world.children["Noor"]),
        ("piet@example.nl", "message", world.children["Pim"]),
        ("wilma@example.nl", "group", world.groups["Rupsjes"]),
        ("kees@example.nl", "group", world.groups["Boomhut"]),
        ("carla@example.nl", "diary", world.children["Lina"]),
    ]
    rng = random.Random(7)
    chosen = [rng.choice(plans) for _ in range(WRITES)]

    async def write(i: int, email: str, what: str, target: int) -> None:
        async with harness.uow() as uow:
            user = await uow.session.get(User, users[email].id)
            assert user is not None
            if what == "group":
                await service.post_to_group(uow, broker, user, target, f"post {i}")
            elif what == "diary":
                await service.write_diary_entry(uow, broker, user, target, f"entry {i}")
            else:
                await service.send_family_message(uow, broker, user, target, f"message {i}")

    await asyncio.gather(*(write(i, *plan) for i, plan in enumerate(chosen)))

    async with harness.uow() as uow:
        rows = (await uow.session.execute(select(FeedItem.user_id, FeedItem.seq))).all()
    by_user: dict[int, list[int]] = {}
    for user_id, seq in rows:
        by_user.setdefault(user_id, []).append(seq)
    assert by_user, "nothing was written"
    for user_id, seqs in by_user.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), user_id
    anna = by_user[users["anna@example.nl"].id]
    annas = {("group", world.groups["Rupsjes"]), ("diary", world.children["Noor"]), ("message", world.children["Noor"])}
    expected = sum(1 for _, what, target in chosen if (what, target) in annas)
    assert len(anna) == expected
