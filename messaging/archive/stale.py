"""Archives follow every take-back: a built ZIP is deleted and a running build starts
over once something in it may no longer be handed to its guardian.

Which archives: those of the affected guardians that hold (or are writing) an
affected photo (``ArchivePhoto``), or every archive of a guardian taken off a
child. In the take-back's own transaction, one UPDATE each: a ``ready`` archive
becomes ``stale`` (refused from that moment; the download page builds a new one
when the guardian comes back to it, and says so) and a ``building`` one gets a new
``generation``, so its build, which publishes only the generation it started on,
starts again with what may be handed out now. The stale ZIP is deleted from
storage right after commit, and by the hourly housekeeping if that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from media.storage import Storage
from messaging.archive.models import Archive, ArchivePhoto, ArchiveStatus
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)


async def invalidate(
    uow: UnitOfWork,
    users: Collection[int],
    *,
    photos: Collection[int] | None = None,
    child_id: int | None = None,
    storage: Storage | None = None,
) -> list[int]:
    """Make the archives of ``users`` stale that hold one of ``photos`` (or, with
    ``child_id``, every archive of that child); returns the archives that were ready,
    whose ZIPs are deleted from ``storage`` after commit."""
    if not users or (photos is not None and not photos):
        return []
    where: list[ColumnElement[bool]] = [Archive.user_id.in_(list(users))]
    if photos is not None:
        where.append(Archive.id.in_(select(ArchivePhoto.archive_id).where(ArchivePhoto.photo_id.in_(list(photos)))))
    if child_id is not None:
        where.append(Archive.child_id == child_id)
    session = uow.session
    ready = list(
        await session.scalars(
            update(Archive)
            .where(*where, Archive.status == ArchiveStatus.READY)
            .values(status=ArchiveStatus.STALE, generation=Archive.generation + 1)
            .returning(Archive.id)
            .execution_options(synchronize_session=False)
        )
    )
    if ready and storage is not None:
        delete_after_commit(uow, storage, ready)
    await session.execute(
        update(Archive)
        .where(*where, Archive.status == ArchiveStatus.BUILDING)
        .values(generation=Archive.generation + 1, progress=0)
        .execution_options(synchronize_session=False)
    )
    return ready


def delete_after_commit(uow: UnitOfWork, storage: Storage, archive_ids: list[int]) -> None:
    """Once the take-back is committed, delete these stale archives' ZIPs."""

    async def run() -> None:
        await delete_stale_objects(uow.sessionmaker, storage, archive_ids)

    uow.after_commit(run)


async def delete_stale_objects(
    sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, archive_ids: Collection[int] | None = None
) -> int:
    """Delete the ZIPs of stale archives (these, or all) that are still in storage."""
    async with sessionmaker() as session:
        query = select(Archive).where(Archive.status == ArchiveStatus.STALE, Archive.object_key != "")
        if archive_ids is not None:
            query = query.where(Archive.id.in_(list(archive_ids)))
        stale = list(await session.scalars(query))
    deleted = []
    for archive in stale:
        try:
            await storage.delete(archive.object_key)
        except Exception:  # the housekeeping tries again
            log.warning("could not delete a stale archive; will try again", extra={"archive_id": archive.id})
            continue
        deleted.append(archive.id)
    if deleted:
        async with UnitOfWork(sessionmaker) as uow:
            await uow.session.execute(
                update(Archive)
                .where(and_(Archive.id.in_(deleted), Archive.status == ArchiveStatus.STALE))
                .values(object_key="")
                .execution_options(synchronize_session=False)
            )
    return len(deleted)


async def record_photos(session: AsyncSession, archive_id: int, photos: Collection[tuple[int, str]]) -> None:
    """What a build is about to write, ``(photo, mask key)``: replaces what was recorded."""
    await session.execute(delete(ArchivePhoto).where(ArchivePhoto.archive_id == archive_id))
    if photos:
        await session.execute(
            insert(ArchivePhoto), [{"archive_id": archive_id, "photo_id": p, "mask_key": k} for p, k in photos]
        )
