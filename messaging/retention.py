"""Keeping nothing the organisation no longer needs: archives are deleted when they
expire, and a child is purged once its leaving window has passed.

The purge removes, for that child: every photo showing only that child (its
original and every rendition in storage, and its rows); its diary, family
thread, absences, confirmations, consents and their audit trail, archives
(objects and rows); the child itself; and the accounts of guardians who have no
other child here (their sockets close within seconds: the hubs notice the
sessions are gone). On a photo that shows other children too, the child's tag
becomes an anonymous tombstone: its mask rectangle stays, it has no name and no
consent, so every later decision still masks it (or blocks the photo) and a
purge never widens who sees a photo. Guardians who keep an account lose what
they had through this child (``messaging.takeback``, as if taken off it). Group
posts stay. Storage goes first and the rows after it in one transaction, so a
rerun after a failure finishes the job; a child already purged is simply not
found (idempotent). A ``PurgeLog`` row keeps the counts, never content.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from media.models import Photo, PhotoTag
from media.originals import delete_due as delete_due_originals
from media.storage import Storage, object_key
from messaging import feed
from messaging.archive.build import archive_key
from messaging.archive.models import Archive, ArchiveStatus
from messaging.archive.stale import delete_stale_objects
from messaging.broker.base import Broker
from messaging.models import (
    AbsenceReport,
    DayEntry,
    DiaryEntry,
    MedicationInstruction,
    PurgeLog,
    ThreadMessage,
)
from messaging.takeback import TakeBackService
from portal.database import utcnow
from portal.roster.dates import today_for
from portal.roster.models import Child, Guardianship, Organisation, User
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)

RETENTION = "messaging.retention"
ORIGINALS_KEEP_DAYS = 30  # SCHRIFTJE_ORIGINALS_KEEP_DAYS's default


@dataclass
class Plan:
    child_id: int
    organisation_id: int
    photos: list[int] = field(default_factory=list)  # showing only this child
    archives: list[Archive] = field(default_factory=list)
    guardians_leaving: list[int] = field(default_factory=list)


async def due_children(session: AsyncSession) -> list[int]:
    """Children whose leaving window has passed, in every organisation."""
    result = []
    for organisation in await session.scalars(select(Organisation)):
        last_day = today_for(organisation) - dt.timedelta(days=organisation.leaving_window_days)
        result += list(
            await session.scalars(
                select(Child.id).where(Child.organisation_id == organisation.id, Child.end_date < last_day)
            )
        )
    return sorted(result)


async def _plan(session: AsyncSession, child: Child) -> Plan:
    plan = Plan(child.id, child.organisation_id)
    others = select(PhotoTag.photo_id).where(PhotoTag.child_id != child.id)
    plan.photos = sorted(
        await session.scalars(
            select(PhotoTag.photo_id).where(PhotoTag.child_id == child.id, PhotoTag.photo_id.not_in(others))
        )
    )
    plan.archives = list(await session.scalars(select(Archive).where(Archive.child_id == child.id)))
    guardians = set(await session.scalars(select(Guardianship.user_id).where(Guardianship.child_id == child.id)))
    elsewhere = set(
        await session.scalars(
            select(Guardianship.user_id).where(Guardianship.user_id.in_(guardians), Guardianship.child_id != child.id)
        )
    )
    plan.guardians_leaving = sorted(guardians - elsewhere)
    return plan


async def _count(
    session: AsyncSession,
    model: type[DiaryEntry] | type[DayEntry] | type[MedicationInstruction] | type[ThreadMessage] | type[AbsenceReport],
    child_id: int,
) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(model.child_id == child_id)) or 0)


async def purge_child(
    sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, broker: Broker, child_id: int
) -> dict[str, int] | None:
    """Purge one child whose window has passed; ``None`` if it is gone already or not due."""
    async with UnitOfWork(sessionmaker) as uow:
        if child_id not in await due_children(uow.session):
            return None
        child = await uow.session.get(Child, child_id)
        assert child is not None
        plan = await _plan(uow.session, child)
    objects = 0
    for photo_id in plan.photos:
        objects += await storage.delete_prefix(object_key(plan.organisation_id, "photos", str(photo_id)) + "/")
    for archive in plan.archives:
        if archive.object_key:
            await storage.delete(archive_key(archive))
            objects += 1
    async with UnitOfWork(sessionmaker) as uow:
        session = uow.session
        child = await session.get(Child, child_id, with_for_update=True)
        if child is None:
            return None
        counts = {
            "photos": len(plan.photos),
            "photo_tags": int(
                await session.scalar(select(func.count()).select_from(PhotoTag).where(PhotoTag.child_id == child_id))
                or 0
            ),
            "diary_entries": await _count(session, DiaryEntry, child_id),
            "day_entries": await _count(session, DayEntry, child_id),
            "medication_instructions": await _count(session, MedicationInstruction, child_id),
            "messages": await _count(session, ThreadMessage, child_id),
            "absences": await _count(session, AbsenceReport, child_id),
            "archives": len(plan.archives),
            "accounts": len(plan.guardians_leaving),
            "objects": objects,
        }
        if plan.photos:
            await session.execute(delete(Photo).where(Photo.id.in_(plan.photos)))
        # the tags that stay (other children are in those photos) keep their mask, anonymously
        await session.execute(update(PhotoTag).where(PhotoTag.child_id == child_id).values(former_child_id=child_id))
        staying = sorted(
            set(await session.scalars(select(Guardianship.user_id).where(Guardianship.child_id == child_id)))
            - set(plan.guardians_leaving)
        )
        await session.execute(delete(Guardianship).where(Guardianship.child_id == child_id))
        take_back = TakeBackService(broker, storage)
        for user_id in staying:
            await take_back.guardian_removed(uow, user_id, child_id)
        # the database cascades: diary, thread, absences, acks, consents, trail, archives (tags: set to null)
        await session.execute(delete(Child).where(Child.id == child_id))
        if plan.guardians_leaving:
            await feed.forget_users(session, plan.guardians_leaving)
            await session.execute(delete(User).where(User.id.in_(plan.guardians_leaving)))
        session.add(PurgeLog(organisation_id=plan.organisation_id, child_id=child_id, counts=counts))
    log.info("child purged", extra={"child_id": child_id, **counts})
    return counts


async def expire_archives(sessionmaker: async_sessionmaker[AsyncSession], storage: Storage) -> int:
    """Delete archives past their expiry from storage; the rows stay as ``expired``."""
    async with UnitOfWork(sessionmaker) as uow:
        expired = list(
            await uow.session.scalars(
                select(Archive).where(Archive.status == ArchiveStatus.READY, Archive.expires_at <= utcnow())
            )
        )
    for archive in expired:
        await storage.delete(archive_key(archive))
    async with UnitOfWork(sessionmaker) as uow:
        for archive in expired:
            row = await uow.session.get(Archive, archive.id)
            if row is not None and row.status is ArchiveStatus.READY:
                row.status, row.object_key = ArchiveStatus.EXPIRED, ""
    return len(expired)


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: Storage,
    broker: Broker,
    originals_keep_days: int = ORIGINALS_KEEP_DAYS,
) -> dict[str, int]:
    """The hourly housekeeping: expire archives, delete stale ones that are still stored and
    originals nothing needs any more, purge every child that is due."""
    expired = await expire_archives(sessionmaker, storage)
    stale_deleted = await delete_stale_objects(sessionmaker, storage)
    originals = await delete_due_originals(sessionmaker, storage, originals_keep_days)
    async with sessionmaker() as session:
        due = await due_children(session)
    purged = 0
    for child_id in due:
        purged += await purge_child(sessionmaker, storage, broker, child_id) is not None
    return {
        "archives_expired": expired,
        "stale_archives_deleted": stale_deleted,
        "originals_deleted": originals,
        "children_purged": purged,
    }
