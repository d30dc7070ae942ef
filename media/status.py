"""What staff see about one upload: its status and, if it failed or is blocked, a
reason they can read (a blocked photo names the children that block it and
says that masking them unblocks it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoStatus
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
    if photo.status is PhotoStatus.BLOCKED:
        reason = "photo.blocked"
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
    }
