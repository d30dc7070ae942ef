"""The in-process broker: publishing hands messages straight to this node's hub."""

from __future__ import annotations

from messaging.broker.base import Handler, ReconnectHandler


class LocalBroker:
    name = "in-process"

    def __init__(self) -> None:
        self._handler: Handler | None = None
        self._subscribed: set[int] = set()

    async def publish(self, messages: list[tuple[int, str]]) -> None:
        if self._handler is None:
            return
        for user_id, payload in messages:
            if user_id in self._subscribed:
                self._handler(user_id, payload)

    async def subscribe(self, user_id: int) -> None:
        self._subscribed.add(user_id)

    async def unsubscribe(self, user_id: int) -> None:
        self._subscribed.discard(user_id)

    def on_message(self, handler: Handler) -> None:
        self._handler = handler

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        return None  # nothing to lose in-process

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscribed.clear()
