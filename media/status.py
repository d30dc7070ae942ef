"""What staff see about one upload: its status and, if it failed, a reason they can read."""

from __future__ import annotations

from typing import Any

from media.models import Photo
from portal.i18n import translate

# the pixel cap is checked at upload; a photo failing it in the worker names the default
DEFAULT_MEGAPIXELS = 100


def upload_status(photo: Photo, lang: str = "nl", megapixels: int = DEFAULT_MEGAPIXELS) -> dict[str, Any]:
    reason = photo.failure_reason
    return {
        "id": photo.id,
        "key": photo.idempotency_key,
        "file_name": photo.file_name,
        "status": photo.status.value,
        "created_at": photo.created_at.isoformat(),
        "reason": reason,
        "reason_text": translate(reason, lang, name=photo.file_name, megapixels=megapixels) if reason else None,
    }
