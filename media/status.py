"""What staff see about one upload: its status and, if it failed or is blocked, a
reason they can read (a blocked photo names the children that block it and
says that masking them unblocks it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoRendition, PhotoStatus, PhotoTag, is_clip
from portal.i18n import translate
from portal.roster.models import Child

# the pixel cap is checked at upload; a photo failing it in the worker names the default
DEFAULT_MEGAPIXELS = 100

ChildRef = dict[str, Any]


async def blocked_children(session: AsyncSession, photos: Iterable[Photo]) -> dict[int, list[ChildRef]]:
    """Photo id -> the children blocking it, ``[{"id", "name"}]``."""
    wanted = {p.id: [int(c) for c in p.blocked_by.split(",")] for p in photos if p.blocked_by}
    ids = {c for children in wanted.values() for c in children}
    if not ids:
        return {}
    names = {
        c.id: f"{c.first_name} {c.last_name}" for c in await session.scalars(select(Child).where(Child.id.in_(ids)))
    }
    return {photo: [{"id": c, "name": names.get(c, "?")} for c in children] for photo, children in wanted.items()}


def upload_status(
    photo: Photo, lang: str = "nl", megapixels: int = DEFAULT_MEGAPIXELS, blocked: list[ChildRef] | None = None
) -> dict[str, Any]:
    reason = photo.failure_reason
    text = translate(reason, lang, name=photo.file_name, megapixels=megapixels) if reason else None
    blocked = blocked or []
    clip = is_clip(photo)
    if photo.status is PhotoStatus.BLOCKED:
        reason = "video.blocked" if clip else "photo.blocked"
        text = translate(reason, lang, children=", ".join(str(c["name"]) for c in blocked))
    return {
        "id": photo.id,
        "group_id": photo.group_id,
        "key": photo.idempotency_key,
        "file_name": photo.file_name,
        "status": photo.status.value,
        "created_at": photo.created_at.isoformat(),
        "reason": reason,
        "reason_text": text,
        "blocked_by": blocked,
        "kind": "video" if clip else "photo",
        **({"duration_ms": photo.duration_ms} if clip else {}),
    }


async def reopen_facts(session: AsyncSession, photos: Iterable[Photo]) -> dict[int, dict[str, Any]]:
    """For a blocked photo, what the page to re-open it needs: the plain rendition to draw
    masks on (``preview_url``; staff of the group may fetch it) and every tagged child
    with whether it has a mask (``tags``; a mask once drawn stays)."""
    blocked = [p.id for p in photos if p.status is PhotoStatus.BLOCKED]
    if not blocked:
        return {}
    plain = {
        photo_id: rendition_id
        for photo_id, rendition_id in await session.execute(
            select(PhotoRendition.photo_id, PhotoRendition.id).where(
                PhotoRendition.photo_id.in_(blocked), PhotoRendition.mask_key == ""
            )
        )
    }
    rows = await session.execute(
        select(PhotoTag, Child.first_name)
        .join(Child, Child.id == PhotoTag.child_id)
        .where(PhotoTag.photo_id.in_(blocked))
        .order_by(Child.first_name)
    )
    tags: dict[int, list[dict[str, Any]]] = {p: [] for p in blocked}
    for tag, first_name in rows:
        tags[tag.photo_id].append({"id": tag.child_id, "name": first_name, "masked": tag.mask_x is not None})
    return {
        p: {"preview_url": f"/media/photos/{plain[p]}/large.webp" if p in plain else None, "tags": tags[p]}
        for p in blocked
    }
