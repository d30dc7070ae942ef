"""The coalescer that turns a flood of single look-ups into a few batches: a lone call
is served at once, calls arriving while a batch runs go together in the next one, a
batch's failure reaches each of its callers and no other, and a caller that gives up
does not hurt the rest. No sleeps: each batch waits on an event the test sets."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from portal.coalesce import Coalescer


class Gate:
    """A batch function that records its batches and holds each until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.fail_with: Exception | None = None

    async def __call__(self, keys: Sequence[int]) -> list[int]:
        self.batches.append(list(keys))
        self.started.set()
        await self.release.wait()
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        return [key * 10 for key in keys]


async def test_a_lone_call_is_a_batch_of_one() -> None:
    gate = Gate()
    gate.release.set()
    coalescer = Coalescer(gate, max_batch=10, concurrency=1)
    assert await coalescer(4) == 40
    assert gate.batches == [[4]]


async def test_calls_arriving_while_a_batch_runs_go_together_in_the_next() -> None:
    gate = Gate()
    coalescer = Coalescer(gate, max_batch=100, concurrency=1)
    first = asyncio.create_task(coalescer(1))
    await gate.started.wait()  # the first batch is in the database
    rest = [asyncio.create_task(coalescer(k)) for k in range(2, 52)]
    await asyncio.sleep(0)  # let them queue (not a wait for an outcome: the gate is still shut)
    gate.release.set()
    assert await first == 10
    assert await asyncio.gather(*rest) == [k * 10 for k in range(2, 52)]
    assert gate.batches == [[1], list(range(2, 52))]
    assert coalescer.batches == 2


async def test_batches_are_at_most_max_batch_and_at_most_concurrency_run_at_once() -> None:
    running = 0
    most = 0
    sizes: list[int] = []

    async def run(keys: Sequence[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        sizes.append(len(keys))
        await asyncio.sleep(0)
        running -= 1
        return list(keys)

    coalescer = Coalescer(run, max_batch=7, concurrency=2)
    results = await asyncio.gather(*(coalescer(k) for k in range(50)))
    assert results == list(range(50))
    assert max(sizes) <= 7 and sum(sizes) == 50
    assert most <= 2


async def test_a_failing_batch_fails_its_callers_and_the_next_batch_works() -> None:
    gate = Gate()
    gate.fail_with = ConnectionError("database away")
    coalescer = Coalescer(gate, max_batch=10, concurrency=1)
    callers = [asyncio.create_task(coalescer(k)) for k in (1, 2, 3)]
    await gate.started.wait()
    gate.release.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    assert await coalescer(5) == 50  # the database is back


async def test_a_batch_returning_the_wrong_number_of_results_fails_loudly() -> None:
    async def short(keys: Sequence[int]) -> list[int]:
        return list(keys)[:-1]

    with pytest.raises(RuntimeError, match="returned"):
        await Coalescer(short)(1)


async def test_a_caller_that_gives_up_leaves_the_others_served() -> None:
    gate = Gate()
    coalescer = Coalescer(gate, max_batch=10, concurrency=1)
    first = asyncio.create_task(coalescer(1))
    await gate.started.wait()
    leaving = asyncio.create_task(coalescer(2))
    staying = asyncio.create_task(coalescer(3))
    await asyncio.sleep(0)
    leaving.cancel()
    gate.release.set()
    assert await first == 10 and await staying == 30
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert gate.batches == [[1], [3]]  # the one that left was not looked up
