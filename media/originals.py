"""Originals: the uploaded bytes, with every piece of metadata (GPS!) the camera
wrote. They are never served; they exist only so the worker can render from them.
So each is kept only while something may still need to render from it:

* a photo that shows children: ``ORIGINALS_KEEP_DAYS`` (default 30) after upload,
  in case staff draw a mask later (``media.upload.add_masks``) or a withdrawn
  consent needs a masked rendition;
* an untagged photo (nothing to mask) and a failed one (nothing to render): none
  once processing ended.

The hourly housekeeping deletes what is due; the row's ``original_key`` is then
empty, and adding a mask says the original is gone. In storage they are
owner-only like everything else (``portal.private_files``; S3: a private bucket).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from media.models import Photo, PhotoStatus, PhotoTag
from media.storage import Storage
from portal.database import utcnow
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 500


async def due(session: AsyncSession, keep_days: int) -> list[Photo]:
    """Photos whose original nothing needs any more."""
    tagged = exists().where(PhotoTag.photo_id == Photo.id)
    final = Photo.status.in_((PhotoStatus.READY, PhotoStatus.BLOCKED, PhotoStatus.FAILED))
    rows = await session.scalars(
        select(Photo)
        .where(
            Photo.original_key != "",
            final,
            or_(
                Photo.status == PhotoStatus.FAILED,
                ~tagged,
                Photo.created_at < utcnow() - dt.timedelta(days=keep_days),
            ),
        )
        .order_by(Photo.id)
        .limit(BATCH)
    )
    return list(rows)


async def delete_due(sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, keep_days: int) -> int:
    """Delete the originals nothing needs any more; returns how many."""
    async with sessionmaker() as session:
        photos = [(p.id, p.original_key) for p in await due(session, keep_days)]
    deleted = []
    for photo_id, key in photos:
        try:
            await storage.delete(key)
        except Exception:  # the next run tries again
            log.warning("could not delete an original; will try again", extra={"photo_id": photo_id})
            continue
        deleted.append(photo_id)
    if deleted:
        async with UnitOfWork(sessionmaker) as uow:
            await uow.session.execute(
                update(Photo)
                .where(and_(Photo.id.in_(deleted)))
                .values(original_key="")
                .execution_options(synchronize_session=False)
            )
    return len(deleted)
