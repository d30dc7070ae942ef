"""The broker seam. One message per written item: its kind, its rendered data (JSON,
encoded once) and every recipient with their ``seq``. Every node receives every
message once and hands it to its hub, which keeps the recipients it holds sockets
for; so a post to 2,000 families costs one publish and one parse per node, not
2,000. The broker is not the source of truth: everything it carries is already
committed to the feed, so a lost message is repaired by replay."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Published:
    kind: str
    data_json: str
    recipients: tuple[tuple[int, int], ...]  # (user id, seq)

    def encode(self) -> str:
        return json.dumps({"kind": self.kind, "data": self.data_json, "to": self.recipients})

    @classmethod
    def decode(cls, text: str | bytes) -> Published:
        raw = json.loads(text)
        return cls(str(raw["kind"]), str(raw["data"]), tuple((int(u), int(s)) for u, s in raw["to"]))


Handler = Callable[[Published], None]
ReconnectHandler = Callable[[], Awaitable[None]]


class Broker(Protocol):
    name: str

    async def publish(self, message: Published) -> None:
        """Send one written item to every node."""

    def on_message(self, handler: Handler) -> None:
        """Register the node's receiver (the hub)."""

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        """Called after the connection to other nodes was lost and restored."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class PassingBroker:
    """A broker around another that passes everything through: a package above messaging
    subclasses it to act after ``publish`` (notify's pushes, planning's wait list)."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.name = inner.name

    async def publish(self, message: Published) -> None:
        await self.inner.publish(message)

    def on_message(self, handler: Handler) -> None:
        self.inner.on_message(handler)

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        self.inner.on_reconnect(handler)

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()
