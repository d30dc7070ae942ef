"""Where planning meets messaging's events: a broker that, after handing a delivery on,
queues the planning sweep for the group of a child whose absence was reported or taken
back. A reported absence frees the child's place, so the wait list for that day is
served within seconds, not at the next five-minute sweep (which still catches
whatever this trigger loses)."""

from __future__ import annotations

import json

from messaging import protocol
from messaging.broker.base import Broker, PassingBroker, Published
from planning.housekeeping import PLANNING_SWEEP
from portal.jobs import JobQueue

TRIGGERING = frozenset([protocol.ABSENCE_CREATED, protocol.kind(protocol.ABSENCE, protocol.DELETED)])


class PlanningBroker(PassingBroker):
    """Wraps the node's broker; everything but ``publish`` is passed through."""

    def __init__(self, inner: Broker, queue: JobQueue) -> None:
        super().__init__(inner)
        self.queue = queue

    async def publish(self, message: Published) -> None:
        await self.inner.publish(message)
        if message.kind not in TRIGGERING:
            return
        child = json.loads(message.data_json).get("child")
        children = [int(child["id"])] if isinstance(child, dict) else None
        await self.queue.enqueue(PLANNING_SWEEP, children)
