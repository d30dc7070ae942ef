"""Asking for an archive and reading its state: a guardian of the child (also during
the leaving window) starts a build, or joins the one already running for them and
that child. Only the guardian who asked sees or downloads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import audience
from messaging.archive.models import Archive, ArchiveStatus
from portal.database import utcnow
from portal.errors import NotFound
from portal.roster.models import Child, User
from portal.uow import UnitOfWork

BUILD_ARCHIVE = "messaging.build_archive"
STALE_AFTER = dt.timedelta(hours=1)  # a build still "building" after this is taken to have died


def building_key(user_id: int, child_id: int) -> str:
    return f"{user_id}:{child_id}"


async def family_child(session: AsyncSession, user: User, child_id: int, today: dt.date) -> Child:
    """The child, if ``user`` is its guardian and may still read about it (also while leaving)."""
    child = await audience.readable_child(session, user, child_id, today)
    if not await audience.is_guardian(session, user, child.id):
        raise NotFound()
    return child


async def start(uow: UnitOfWork, user: User, child_id: int, today: dt.date) -> tuple[Archive, bool]:
    """The running build for this guardian and child, or a new one; and whether it is new."""
    session = uow.session
    child = await family_child(session, user, child_id, today)
    key = building_key(user.id, child.id)
    running = await session.scalar(select(Archive).where(Archive.building == key).with_for_update())
    if running is not None and utcnow() - running.created_at < STALE_AFTER:
        return running, False
    if running is not None:  # its worker died long ago: give up on it
        running.status, running.building, running.finished_at = ArchiveStatus.FAILED, None, utcnow()
        await session.flush()
    archive = Archive(
        building=key,
        organisation_id=child.organisation_id,
        child_id=child.id,
        user_id=user.id,
        status=ArchiveStatus.BUILDING,
    )
    try:
        async with session.begin_nested():
            session.add(archive)
    except IntegrityError:  # another request started it a moment ago: join that one
        running = await session.scalar(select(Archive).where(Archive.building == key))
        if running is None:
            raise
        return running, False
    return archive, True


async def own_archive(session: AsyncSession, user: User, archive_id: int) -> Archive:
    archive = await session.get(Archive, archive_id)
    if archive is None or archive.user_id != user.id or archive.organisation_id != user.organisation_id:
        raise NotFound()
    return archive


async def mark_downloaded(uow: UnitOfWork, archive_id: int) -> None:
    """The first time the last byte went out: the admin's "downloaded" (resumes count too)."""
    await uow.session.execute(
        update(Archive).where(Archive.id == archive_id, Archive.downloaded_at.is_(None)).values(downloaded_at=utcnow())
    )


async def latest(session: AsyncSession, user: User, child_id: int) -> Archive | None:
    """This guardian's most recent archive of the child that is not gone (or went stale)."""
    return await session.scalar(
        select(Archive)
        .where(
            Archive.user_id == user.id,
            Archive.child_id == child_id,
            Archive.status.in_((ArchiveStatus.BUILDING, ArchiveStatus.READY, ArchiveStatus.STALE)),
        )
        .order_by(Archive.id.desc())
        .limit(1)
    )


async def view(session: AsyncSession, archive: Archive) -> dict[str, Any]:
    child = await session.get(Child, archive.child_id)
    return {
        "id": archive.id,
        "child": {"id": archive.child_id, "name": f"{child.first_name} {child.last_name}" if child else None},
        "status": archive.status.value,
        "progress": archive.progress,
        "photo_count": archive.photo_count,
        "byte_size": archive.byte_size,
        "created_at": archive.created_at.isoformat(),
        "expires_at": archive.expires_at.isoformat() if archive.expires_at else None,
        "downloaded_at": archive.downloaded_at.isoformat() if archive.downloaded_at else None,
        "download_url": f"/api/archives/{archive.id}/download" if archive.status is ArchiveStatus.READY else None,
    }


async def render_archives(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    """``archive.ready`` frames: the archive's state."""
    return {a.id: await view(session, a) for a in await session.scalars(select(Archive).where(Archive.id.in_(ids)))}
