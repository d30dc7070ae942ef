"""The broker seam. Publishing is per user: a message is the JSON of one event frame
for one user. A node subscribes to the users it holds sockets for and hands what
arrives to its hub. The broker is not the source of truth: everything it carries
is already committed to the feed, so a lost message is repaired by replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

Handler = Callable[[int, str], None]
ReconnectHandler = Callable[[], Awaitable[None]]


class Broker(Protocol):
    name: str

    async def publish(self, messages: list[tuple[int, str]]) -> None:
        """Send ``(user_id, frame_json)`` pairs to every node subscribed to those users."""

    async def subscribe(self, user_id: int) -> None: ...

    async def unsubscribe(self, user_id: int) -> None: ...

    def on_message(self, handler: Handler) -> None:
        """Register the node's receiver (the hub)."""

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        """Called after the connection to other nodes was lost and restored."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...
