"""Storage backends behind one Protocol; ``open_storage`` picks one from the settings.

The S3 backend (aiobotocore, ~26 MB of memory once imported) is imported only when
S3 is configured, so the embedded default and its worker never load it."""

from __future__ import annotations

from media.storage.base import Storage, object_key
from media.storage.local import LocalStorage
from portal.settings import Settings

__all__ = ["LocalStorage", "Storage", "object_key", "open_storage"]


async def open_storage(settings: Settings, *, attempts: int = 3) -> Storage:
    """The configured storage; ``attempts`` bounds S3 retries (1 for a start-up check, whose
    reason must name the first failure rather than time out in botocore's backoff)."""
    if settings.storage == "s3":
        from media.storage.s3 import S3Storage

        return await S3Storage.open(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id or None,
            secret_access_key=settings.s3_secret_access_key or None,
            attempts=attempts,
        )
    return LocalStorage(settings.media_dir)
