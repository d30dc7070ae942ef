"""Taking back what an entitlement handed out, when it ends: the ``TakeBack`` the
composition root plugs into the roster (``portal.roster.events``), run inside the
transaction that ended the entitlement, so both commit together.

* A guardian taken off a child: their consent answers for the child stop counting
  (deleted; the audit trail keeps every change); every photo they had only through
  that child stops being theirs (the access row goes, and their ``photo.shared``
  items replay as ``photo.retracted``); their archives of the child, and any other
  archive of theirs holding such a photo, go stale; open sockets get
  ``child.retracted``.
* A staff member out of a group: the group's photos leave their access rows; open
  sockets get ``group.retracted``.
* An account deactivated: every archive of theirs goes stale (its sockets close
  because its sessions ended).

Everything else (replay, history, the home page, media URLs, listings, downloads)
is judged at request time from current facts (``messaging.entitlement``), so the
ending is complete the moment it commits, on every node; this module only removes
the stored hand-outs and tells the open sockets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.models import Consent
from media.models import Photo, PhotoAccess, PhotoTag
from media.storage import Storage
from messaging import protocol
from messaging.archive import stale
from messaging.broker.base import Broker
from messaging.delivery import deliver
from messaging.entitlement import viewer_of
from messaging.photos import rewrite_as_retracted
from portal.roster.events import AccountDeactivated, Ended, GuardianRemoved, StaffLeftGroup
from portal.roster.models import Child
from portal.uow import UnitOfWork


class TakeBackService:
    """``portal.roster.events.TakeBack`` for this deployment's broker and storage."""

    def __init__(self, broker: Broker, storage: Storage) -> None:
        self.broker, self.storage = broker, storage

    async def __call__(self, uow: UnitOfWork, events: Sequence[Ended]) -> None:
        for event in events:
            if isinstance(event, GuardianRemoved):
                await self.guardian_removed(uow, event.user_id, event.child_id)
            elif isinstance(event, StaffLeftGroup):
                await self.staff_left_group(uow, event.user_id, event.group_id)
            elif isinstance(event, AccountDeactivated):
                await stale.invalidate(uow, [event.user_id], storage=self.storage)

    async def guardian_removed(self, uow: UnitOfWork, user_id: int, child_id: int) -> None:
        session = uow.session
        await session.execute(delete(Consent).where(Consent.child_id == child_id, Consent.user_id == user_id))
        child = await session.get(Child, child_id)
        groups = [child.group_id] if child is not None else []
        lost = await revoke_photos(session, user_id, group_ids=groups, child_ids=[child_id])
        await stale.invalidate(uow, [user_id], child_id=child_id, storage=self.storage)
        await stale.invalidate(uow, [user_id], photos=lost, storage=self.storage)
        data = {"id": child_id, "ref": {"content": "child", "id": child_id}}
        await deliver(uow, self.broker, {user_id}, protocol.CHILD_RETRACTED, child_id, data)

    async def staff_left_group(self, uow: UnitOfWork, user_id: int, group_id: int) -> None:
        await revoke_photos(uow.session, user_id, group_ids=[group_id])
        data = {"id": group_id, "ref": {"content": "group", "id": group_id}}
        await deliver(uow, self.broker, {user_id}, protocol.GROUP_RETRACTED, group_id, data)


async def revoke_photos(
    session: AsyncSession, user_id: int, *, group_ids: Collection[int] = (), child_ids: Collection[int] = ()
) -> set[int]:
    """Drop the user's access to the photos of these groups (or tagging these children)
    that they no longer qualify for as things are now; their ``photo.shared`` items for
    them become ``photo.retracted``. Returns the photos taken back."""
    if not group_ids and not child_ids:
        return set()
    tagging = select(PhotoTag.photo_id).where(PhotoTag.child_id.in_(list(child_ids)))
    rows = list(
        await session.execute(
            select(PhotoAccess, Photo.group_id)
            .join(Photo, Photo.id == PhotoAccess.photo_id)
            .where(PhotoAccess.user_id == user_id, or_(Photo.group_id.in_(list(group_ids)), Photo.id.in_(tagging)))
        )
    )
    if not rows:
        return set()
    tags: dict[int, set[int]] = defaultdict(set)
    for tag in await session.scalars(select(PhotoTag).where(PhotoTag.photo_id.in_([a.photo_id for a, _ in rows]))):
        tags[tag.photo_id].add(tag.shown)
    viewer = await viewer_of(session, user_id)
    gone = [access for access, group_id in rows if not viewer.sees_photo(group_id, frozenset(tags[access.photo_id]))]
    if not gone:
        return set()
    await session.execute(delete(PhotoAccess).where(PhotoAccess.id.in_([a.id for a in gone])))
    renditions = [a.rendition_id for a in gone if a.rendition_id is not None]
    if renditions:
        await rewrite_as_retracted(session, frozenset({user_id}), renditions)
    return {a.photo_id for a in gone}
