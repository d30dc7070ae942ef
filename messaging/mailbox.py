"""A socket's bounded queue of frames waiting for its pump.

``asyncio.Queue`` would do, but it costs every socket three deques and an
``Event`` (with a fourth deque) from the moment it connects, about 2.5 KB, and a
socket of the live hub is idle nearly all its life: with the direct send
(``messaging.hub``) its queue is used only while it is busy. A mailbox has one
reader (the pump) and holds a deque only while something waits in it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """A FIFO of at most ``maxsize`` items (none: no bound, as ``asyncio.Queue``) with one reader."""

    __slots__ = ("_items", "_maxsize", "_waiter")

    def __init__(self, maxsize: int) -> None:
        self._items: deque[T] | None = None
        self._maxsize = maxsize
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: T) -> bool:
        """Add ``item``; False (and nothing added) when the mailbox is full."""
        if self.full():
            return False
        items = self._items
        if items is None:
            items = self._items = deque()
        items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return True

    async def get(self) -> T:
        """The oldest item, waiting for one if there is none."""
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        items = self._items
        item = items.popleft()
        if not items:
            self._items = None
        return item

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def full(self) -> bool:
        return 0 < self._maxsize <= self.qsize()
