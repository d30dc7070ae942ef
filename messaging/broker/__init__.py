"""Live delivery between nodes behind one seam: in-process for the embedded default,
Redis pub/sub when several ``serve`` nodes share the work."""

from __future__ import annotations

from messaging.broker.base import Broker, Handler, Published, ReconnectHandler
from messaging.broker.local import LocalBroker
from messaging.broker.redis import RedisBroker

__all__ = ["Broker", "Handler", "LocalBroker", "Published", "ReconnectHandler", "RedisBroker"]
