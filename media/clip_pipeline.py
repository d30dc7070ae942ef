"""The steps of ``media.process_clip`` that belong to media: fetch the original to a
temporary folder, transcode it in the clip sandbox, store the poster's derivatives
(the photo sizes, so everything that shows a photo shows a clip's poster) and each MP4
rendition, then the manifest. The claim, the record and the delivery are the photo
pipeline's (``media.pipeline``): a clip is a photo row with one rendition, the
unmasked one, since a video cannot be masked.

Like a photo's render, this may run again after a crash: with the manifest stored,
a resumed job records that outcome without transcoding again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from media.clip_types import ClipLimits
from media.formats import NotAPhoto
from media.models import Photo
from media.pipeline import CONTENT_TYPE, Outcome, derivative_key, from_manifest, manifest_key, to_manifest
from media.processing import Processed
from media.sandbox import SandboxPool
from media.storage import Storage, object_key
from portal.roster.models import Organisation
from portal.settings import Settings

VIDEO_TYPE = "video/mp4"
CHUNK_BYTES = 1024 * 1024
MARGIN = dt.timedelta(seconds=30)  # starting a sandbox, fetching the original, storing the renditions


def clip_key(organisation_id: int, photo_id: int, name: str) -> str:
    """Where a clip's MP4 rendition ``name`` ("720", "360") is stored."""
    return object_key(organisation_id, "photos", str(photo_id), "r-full", f"{name}.mp4")


def lease(settings: Settings) -> dt.timedelta:
    """How long a clip job may hold its clip: its transcode budget and the storage around it."""
    return dt.timedelta(seconds=settings.clip_transcode_seconds) + MARGIN


def limits_for(settings: Settings, organisation: Organisation | None) -> ClipLimits:
    seconds = settings.clip_max_seconds
    if organisation is not None:
        seconds = min(seconds, organisation.clip_max_seconds)
    return ClipLimits(max_seconds=float(seconds))


async def render_clip(
    storage: Storage,
    sandbox: SandboxPool,
    photo: Photo,
    limits: ClipLimits,
    *,
    resumed: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Transcode and store; a clip that cannot be used is an ``Outcome`` with a failure."""
    keys = [""]
    manifest = manifest_key(photo, {"": []})
    if resumed and await storage.exists(manifest):
        return Outcome(photo.id, from_manifest(await storage.get(manifest), keys), keys)
    with tempfile.TemporaryDirectory(prefix="schriftje-clip-") as folder:
        source = Path(folder) / "original"
        await _fetch(storage, photo.original_key, source)
        out = Path(folder) / "out"
        out.mkdir()
        try:
            clip = await sandbox.transcode(str(source), str(out), limits, progress)
        except NotAPhoto as exc:
            return Outcome(photo.id, None, keys, exc.reason)
        for name, body in clip.poster.files.items():
            await storage.put(derivative_key(photo.organisation_id, photo.id, "", name), body, CONTENT_TYPE)
        for name, path in clip.files.items():
            await storage.put(clip_key(photo.organisation_id, photo.id, name), _chunks(Path(path)), VIDEO_TYPE)
    poster = clip.poster
    processed = Processed(clip.width, clip.height, clip.taken_at, clip.taken_offset, [poster], clip.duration_ms)
    await storage.put(manifest, to_manifest(processed, keys), "application/json")
    return Outcome(photo.id, processed, keys)


async def _fetch(storage: Storage, key: str, target: Path) -> None:
    with target.open("wb") as handle:
        async for chunk in storage.stream(key, CHUNK_BYTES):
            await asyncio.to_thread(handle.write, chunk)


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk
