"""The in-process broker: publishing hands the message straight to this node's hub."""

from __future__ import annotations

from messaging.broker.base import Handler, Published, ReconnectHandler


class LocalBroker:
    name = "in-process"

    def __init__(self) -> None:
        self._handler: Handler | None = None

    async def publish(self, message: Published) -> None:
        if self._handler is not None:
            self._handler(message)

    def on_message(self, handler: Handler) -> None:
        self._handler = handler

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        return None  # nothing to lose in-process

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._handler = None
