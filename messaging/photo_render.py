"""How photos look in event frames: ``photo.shared`` names one rendition (the one its
recipients may see) with its placeholder colour and media URLs (a clip also its
``video``: length and MP4 URLs, the photo URLs being its poster's); ``photo.retracted``
names the photo a recipient must drop; ``photo_upload.failed`` and
``photo_upload.blocked`` tell staff why a photo went nowhere."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from media.clip_types import RENDITIONS
from media.models import Photo, PhotoRendition, is_clip
from media.processing import SIZES
from media.status import blocked_children, upload_status
from portal.roster.models import Group, User

Data = dict[str, object]


def media_url(rendition_id: int, name: str) -> str:
    return f"/media/photos/{rendition_id}/{name}.webp"


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
            **({"video": clip_data(rendition.id, photo)} if is_clip(photo) else {}),
        }
        for rendition, photo, group_name, author in rows
    }


def clip_data(rendition_id: int, photo: Photo) -> Data:
    """A clip's playable renditions (its ``urls`` are the poster's) and its length."""
    return {
        "duration_ms": photo.duration_ms,
        "urls": {name: f"/media/clips/{rendition_id}/{name}.mp4" for name in RENDITIONS},
    }


async def render_retractions(session: AsyncSession, rendition_ids: set[int]) -> dict[int, Data]:
    """``{"id": <photo>, "rendition": ..., "ref": {"content": "photo", "id": <photo>}}``: nothing of the photo."""
    rows = await session.execute(
        select(PhotoRendition.id, PhotoRendition.photo_id).where(PhotoRendition.id.in_(rendition_ids))
    )
    return {
        rendition_id: {"id": photo_id, "rendition": rendition_id, "ref": {"content": "photo", "id": photo_id}}
        for rendition_id, photo_id in rows
    }


async def render_uploads(session: AsyncSession, photo_ids: set[int]) -> dict[int, Data]:
    photos = list(await session.scalars(select(Photo).where(Photo.id.in_(photo_ids))))
    blocked = await blocked_children(session, photos)
    return {photo.id: upload_status(photo, blocked=blocked.get(photo.id, [])) for photo in photos}
