"""Where notify meets messaging's events: a broker that, after handing a delivery to
every node, queues the ``notify.push`` job for its recipients. A delivery of a kind
that never notifies queues nothing; photos are announced ``push_batch_seconds`` after
the first of a batch, so a batch is one notification. Losing this trigger (Redis
away) loses nothing: the periodic sweep pushes whatever a cursor has not passed."""

from __future__ import annotations

import time

from messaging.broker.base import Broker, PassingBroker, Published
from notify import kinds
from portal.jobs import JobQueue

NOTIFY_PUSH = "notify.push"
NOTIFY_SWEEP = "notify.sweep"
SWEEP_EVERY_SECS = 60


class NotifyingBroker(PassingBroker):
    """Wraps the node's broker; everything but ``publish`` is passed through."""

    def __init__(self, inner: Broker, queue: JobQueue, *, batch_seconds: int) -> None:
        super().__init__(inner)
        self.queue = queue
        self.batch_seconds = batch_seconds

    async def publish(self, message: Published) -> None:
        await self.inner.publish(message)
        if message.kind not in kinds.NOTIFYING_KINDS or not message.recipients:
            return
        users = sorted({user_id for user_id, _ in message.recipients})
        if message.kind in kinds.DEBOUNCED_KINDS and self.batch_seconds:
            window = int(time.time()) // self.batch_seconds
            await self.queue.enqueue(
                NOTIFY_PUSH, None, job_id=f"{NOTIFY_PUSH}:batch:{window}", defer=self.batch_seconds
            )
            return
        await self.queue.enqueue(NOTIFY_PUSH, users)
