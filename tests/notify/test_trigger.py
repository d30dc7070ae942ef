"""What a delivery hands to notify: a job for the recipients of what notifies, one
shared, deferred job for a batch of photos, nothing for the rest."""

from __future__ import annotations

from messaging import protocol
from messaging.broker import LocalBroker
from messaging.broker.base import Published
from notify.trigger import NOTIFY_PUSH, NotifyingBroker


class Recorded:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[object, ...], str | None, float]] = []

    async def enqueue(self, name: str, *args: object, job_id: str | None = None, defer: float = 0) -> None:
        self.jobs.append((name, args, job_id, defer))

    async def pending(self, job_id: str) -> bool:
        return False


async def test_deliveries_become_push_jobs_and_photos_wait_for_their_batch(noon: object) -> None:
    """At noon: the batch window (10 s) has just begun, whatever the real time is."""
    inner, queue = LocalBroker(), Recorded()
    seen: list[Published] = []
    inner.on_message(seen.append)
    broker = NotifyingBroker(inner, queue, batch_seconds=10)
    await broker.publish(Published(protocol.DIARY_ENTRY_CREATED, "{}", ((7, 3), (9, 1))))
    await broker.publish(Published(protocol.MESSAGE_READ, "{}", ((7, 4),)))
    await broker.publish(Published(protocol.PHOTO_SHARED, "{}", ((7, 5),)))
    await broker.publish(Published(protocol.PHOTO_SHARED, "{}", ((9, 2),)))
    assert len(seen) == 4, "every delivery still reaches the hub"
    diary, first_photo, second_photo = queue.jobs
    assert diary == (NOTIFY_PUSH, ([7, 9],), None, 0)
    assert first_photo[1] == (None,) and first_photo[3] == 10
    assert first_photo[2] == second_photo[2], "photos of one batch are one job (the queue keeps one per id)"
