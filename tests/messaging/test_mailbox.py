"""The socket's mailbox: asyncio.Queue's behaviour for one reader, bounded."""

from __future__ import annotations

import asyncio

from messaging.mailbox import Mailbox


async def test_items_come_out_in_order_and_a_full_mailbox_refuses_more() -> None:
    box: Mailbox[int] = Mailbox(2)
    assert box.put_nowait(1) and box.put_nowait(2)
    assert box.full() and not box.put_nowait(3)
    assert [await box.get(), await box.get()] == [1, 2]
    assert box.qsize() == 0 and not box.full()
    assert box.put_nowait(4) and await box.get() == 4


async def test_a_waiting_reader_is_woken_by_the_next_item() -> None:
    box: Mailbox[str] = Mailbox(5)
    reader = asyncio.create_task(box.get())
    await asyncio.sleep(0)  # the reader is waiting now
    assert not reader.done()
    assert box.put_nowait("frame")
    assert await asyncio.wait_for(reader, 5) == "frame"


async def test_a_cancelled_reader_leaves_the_items_for_the_next() -> None:
    box: Mailbox[str] = Mailbox(5)
    reader = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    assert box.put_nowait("kept")
    assert await asyncio.wait_for(box.get(), 5) == "kept"


async def test_no_bound_when_the_size_is_zero() -> None:
    box: Mailbox[int] = Mailbox(0)
    assert all(box.put_nowait(i) for i in range(1000))
    assert box.qsize() == 1000 and not box.full()
