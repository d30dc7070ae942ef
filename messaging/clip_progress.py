"""A clip's transcode progress for the staff who wait for it: a transient
``photo_upload.progress`` frame (no ``seq``, never stored or replayed) to the
uploader and the group's staff every few percent, like an archive build's. A
client that was not connected reads the status over HTTP instead."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo
from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import announce


async def progress_audience(session: AsyncSession, photo: Photo) -> set[int]:
    staff = await audience.group_staff(session, photo.group_id)
    return staff | ({photo.uploader_id} if photo.uploader_id is not None else set())


class ProgressAnnouncer:
    """Called with a percentage from the transcode (in the event loop); publishes without
    holding the transcode up. ``flush`` waits for what is still being sent."""

    def __init__(self, broker: Broker, photo: Photo, recipients: set[int]) -> None:
        self.broker, self.recipients = broker, recipients
        self.photo_id, self.group_id = photo.id, photo.group_id
        self._sending: set[asyncio.Task[None]] = set()

    def __call__(self, percent: int) -> None:
        data: dict[str, object] = {"id": self.photo_id, "group": self.group_id, "progress": percent}
        task = asyncio.get_running_loop().create_task(
            announce(self.broker, self.recipients, protocol.PHOTO_UPLOAD_PROGRESS, data)
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def flush(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
