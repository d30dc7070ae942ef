"""Photos in the feed: who receives a processed photo, in which rendition, and how
it renders in event frames.

Sharing writes one ``PhotoAccess`` row per recipient (what the media endpoint
checks on every request) and delivers ``photo.shared`` through the same feed
path as messages, one delivery per rendition, so each frame names exactly the
rendition its recipients may see. A failed photo tells its uploader with
``photo_upload.failed``.

Recipients until the consent rules land: the group's staff and the uploader,
plus the guardians of the tagged children who are current; an untagged photo
stays with the staff.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag
from media.processing import SIZES
from media.status import upload_status
from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import deliver
from portal.roster.models import Child, Group, Guardianship, Organisation, User
from portal.uow import UnitOfWork

Data = dict[str, object]


def media_url(rendition_id: int, name: str) -> str:
    return f"/media/photos/{rendition_id}/{name}.webp"


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


async def render_photos(session: AsyncSession, rendition_ids: set[int]) -> dict[int, Data]:
    rows = await session.execute(
        select(PhotoRendition, Photo, Group.name, User.display_name)
        .join(Photo, Photo.id == PhotoRendition.photo_id)
        .join(Group, Group.id == Photo.group_id)
        .outerjoin(User, User.id == Photo.uploader_id)
        .where(PhotoRendition.id.in_(rendition_ids))
    )
    return {
        rendition.id: {
            "id": photo.id,
            "rendition": rendition.id,
            "author": author,
            "created_at": photo.created_at.isoformat(),
            "edited_at": None,
            "group": {"id": photo.group_id, "name": group_name},
            "caption": photo.caption,
            "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
            "width": rendition.width,
            "height": rendition.height,
            "placeholder": rendition.placeholder,
            "urls": {name: media_url(rendition.id, name) for name in SIZES},
            "diary_entry_id": photo.diary_entry_id,
        }
        for rendition, photo, group_name, author in rows
    }


async def render_uploads(session: AsyncSession, photo_ids: set[int]) -> dict[int, Data]:
    return {
        photo.id: upload_status(photo) for photo in await session.scalars(select(Photo).where(Photo.id.in_(photo_ids)))
    }
