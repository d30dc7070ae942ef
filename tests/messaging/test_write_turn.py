"""Big feed writes take turns on a node (messaging/write_turn.py): the second waits
outside the database until the first's transaction ends, seqs stay gap-free, a
rollback gives the turn back, and nothing can deadlock on it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Literal

import pytest
from sqlalchemy import select

from messaging import feed, write_turn
from messaging.models import FeedItem
from portal.roster.models import User
from portal.uow import UnitOfWork
from tests.messaging.conftest import World

WAIT_SECS = 30.0
# turns are taken on PostgreSQL only (SQLite has one writer at a time anyway)
ON_POSTGRES = pytest.mark.parametrize("stack_settings", ["services"], indirect=True)


class ObservedLock(asyncio.Lock):
    """The node's turn, telling the test when a write starts waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.contended = asyncio.Event()

    async def acquire(self) -> Literal[True]:
        if self.locked():
            self.contended.set()
        return await super().acquire()


@pytest.fixture
async def small_turns(monkeypatch: pytest.MonkeyPatch) -> ObservedLock:
    """A "big" audience is three feeds here (the real threshold is hundreds)."""
    monkeypatch.setattr(write_turn, "TURN_AUDIENCE", 3)
    turn = write_turn._turn()
    turn.lock = ObservedLock()
    return turn.lock


async def user_ids(world: World) -> list[int]:
    async with world.harness.uow() as uow:
        return sorted(await uow.session.scalars(select(User.id).where(User.email.like("%@example.nl"))))


@contextlib.asynccontextmanager
async def open_append(world: World, users: list[int], ref_id: int) -> AsyncIterator[UnitOfWork]:
    """A transaction that has appended to ``users``' feeds and stays open in the block."""
    async with world.harness.uow() as uow:
        await feed.append(uow.session, users, "group_post.created", ref_id)
        yield uow


async def seqs(world: World, user_id: int) -> list[tuple[int, int]]:
    async with world.harness.uow() as uow:
        rows = await uow.session.execute(
            select(FeedItem.seq, FeedItem.ref_id).where(FeedItem.user_id == user_id).order_by(FeedItem.seq)
        )
        return [(seq, ref) for seq, ref in rows]


async def test_a_second_big_write_waits_for_the_first_to_commit(world: World, small_turns: ObservedLock) -> None:
    users = await user_ids(world)
    async with open_append(world, users, 1):
        second = asyncio.create_task(append_in_own_transaction(world, users, 2))
        if world.harness.settings.is_postgres:
            await asyncio.wait_for(small_turns.contended.wait(), WAIT_SECS)
            assert write_turn.waiting() == 1
            assert not second.done(), "the second big write went ahead while the first was open"
        else:
            assert write_turn.waiting() == 0  # SQLite: one writer at a time anyway, no turns
    await asyncio.wait_for(second, WAIT_SECS)
    for user_id in users:
        assert await seqs(world, user_id) == [(1, 1), (2, 2)]


async def append_in_own_transaction(world: World, users: list[int], ref_id: int, *, fail: bool = False) -> None:
    async with world.harness.uow() as uow:
        await feed.append(uow.session, users, "group_post.created", ref_id)
        if fail:
            raise RuntimeError("the service failed after its append")


@ON_POSTGRES
async def test_a_rolled_back_big_write_gives_the_turn_back(world: World, small_turns: ObservedLock) -> None:
    users = await user_ids(world)
    with pytest.raises(RuntimeError):
        await append_in_own_transaction(world, users, 1, fail=True)
    assert not small_turns.locked()
    async with open_append(world, users, 2):
        assert small_turns.locked() and not small_turns.contended.is_set()
    assert not small_turns.locked()
    for user_id in users:
        assert await seqs(world, user_id) == [(1, 2)], "the rolled-back append left a seq behind"


@ON_POSTGRES
async def test_a_transaction_that_already_appended_does_not_wait_for_a_turn(
    world: World, small_turns: ObservedLock
) -> None:
    """Its counter rows may be what the turn's holder waits for: it must not wait too."""
    users = await user_ids(world)
    first, rest = users[:4], users[4:]
    assert len(rest) >= 4
    async with open_append(world, first, 1):  # holds the turn
        async with asyncio.timeout(WAIT_SECS):
            async with world.harness.uow() as uow:
                await feed.append(uow.session, rest[:1], "group_post.created", 2)  # small: no turn
                await feed.append(uow.session, rest, "group_post.created", 3)  # big, but not the first
                assert not small_turns.contended.is_set()
    assert await seqs(world, rest[0]) == [(1, 2), (2, 3)]
    assert await seqs(world, first[0]) == [(1, 1)]


@ON_POSTGRES
@pytest.mark.usefixtures("small_turns")
async def test_a_write_that_waits_too_long_goes_ahead_and_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(write_turn, "TURN_WAIT_SECONDS", 0.05)
    users = await user_ids(world)
    first, rest = users[:4], users[4:]
    with caplog.at_level(logging.WARNING, logger="messaging.write_turn"):
        async with open_append(world, first, 1):
            await asyncio.wait_for(append_in_own_transaction(world, rest, 2), WAIT_SECS)
    assert await seqs(world, rest[0]) == [(1, 2)]
    assert [r.getMessage() for r in caplog.records] == ["big feed write went ahead without its turn"]
