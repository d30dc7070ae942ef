"""Photos in the feed: who receives a processed photo, in which rendition, and how
it renders in event frames.

Sharing writes one ``PhotoAccess`` row per recipient (what the media endpoint
checks on every request) and delivers ``photo.shared`` through the same feed
path as messages, one delivery per rendition, so each frame names exactly the
rendition its recipients may see (rendered by ``messaging.photo_render``). A failed photo tells its uploader with
``photo_upload.failed``.

Recipients until the consent rules land: the group's staff and the uploader,
plus the guardians of the tagged children who are current; an untagged photo
stays with the staff.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag
from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import deliver
from portal.roster.models import Child, Guardianship, Organisation
from portal.uow import UnitOfWork


async def recipients(session: AsyncSession, photo: Photo) -> set[int]:
    organisation = await session.get(Organisation, photo.organisation_id)
    assert organisation is not None
    today = audience.today_for(organisation)
    people = await audience.group_staff(session, photo.group_id)
    if photo.uploader_id is not None:
        people.add(photo.uploader_id)
    guardians = await session.scalars(
        select(Guardianship.user_id)
        .join(PhotoTag, PhotoTag.child_id == Guardianship.child_id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(PhotoTag.photo_id == photo.id, or_(Child.end_date.is_(None), Child.end_date >= today))
    )
    return people | set(guardians)


async def share(uow: UnitOfWork, broker: Broker, photo: Photo, renditions: list[PhotoRendition]) -> None:
    """Deliver a photo whose processing just finished (or tell the uploader it failed)."""
    session = uow.session
    if photo.status is not PhotoStatus.READY:
        if photo.uploader_id is not None:
            await deliver(uow, broker, {photo.uploader_id}, protocol.PHOTO_UPLOAD_FAILED, photo.id)
        return
    unmasked = next(r for r in renditions if r.mask_key == "")
    people = await recipients(session, photo)
    session.add_all(PhotoAccess(photo_id=photo.id, user_id=user_id, rendition_id=unmasked.id) for user_id in people)
    await session.flush()
    await deliver(uow, broker, people, protocol.PHOTO_SHARED, unmasked.id)
