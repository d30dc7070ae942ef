"""Building one archive: a streaming ZIP (ZIP64 where needed, ``stream-zip``) written
straight into storage (S3 multipart, or a file), one photo in memory at a time,
so memory stays bounded whatever the archive's size.

Members: ``photos/<YYYY-MM-DD_HHMM_id>.jpg`` (dated JPEGs, entry time = capture
time; a clip is its 720p ``.mp4`` there, with the same name and time, and its poster
in ``posters/`` for the printed book), ``thumbs/`` (the book's thumbnails), the HTML book (``index.html``, one
page per month, ``book.html`` the whole book to print, ``book.css``) and ``export.json``. Progress is written to the
row as it goes; when done the guardian gets ``archive.ready`` in their feed.
A take-back while it runs makes it start again (``messaging.archive.stale``).
Safe to run again: a row that is no longer ``building`` is left alone, and the
object key is fixed per archive, so a rerun overwrites.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import stat
import zlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stream_zip import NO_COMPRESSION_64, ZIP_64, AsyncMemberFile, async_stream_zip

from media.clip_pipeline import clip_key
from media.pipeline import derivative_key
from media.storage import Storage, object_key
from messaging import protocol
from messaging.archive.book import pages
from messaging.archive.contents import Contents, PhotoItem, TextItem, read_contents
from messaging.archive.models import Archive, ArchiveStatus
from messaging.archive.photo_file import dated_jpeg, thumbnail_jpeg
from messaging.archive.service import family_child
from messaging.archive.stale import record_photos
from messaging.broker.base import Broker
from messaging.delivery import announce, deliver
from portal.database import utcnow
from portal.errors import NotFound
from portal.roster.dates import today_for
from portal.roster.models import Child, Organisation, User
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)

FILE_MODE = stat.S_IFREG | 0o644
# one thread for the image work of every build: off the event loop, one photo at a time
# even when several builds run in one worker
_IMAGES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-images")
PROGRESS_STEP = 5  # percent between progress writes
KEEP_DAYS = 7  # a download made before leaving stays this long


def archive_key(archive: Archive) -> str:
    return object_key(archive.organisation_id, "archives", str(archive.id), f"schriftje-{archive.child_id}.zip")


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _stored(name: str, at: dt.datetime, data: bytes) -> AsyncMemberFile:
    """Already compressed (JPEG): stored as is, size and CRC known up front."""
    return (name, at, FILE_MODE, NO_COMPRESSION_64(len(data), zlib.crc32(data)), _one(data))


async def _streamed(storage: Storage, key: str, photo: PhotoItem) -> AsyncMemberFile:
    """A clip's MP4 as a stored member, never whole in memory: one pass for its CRC, then
    the member streams it (an MP4 does not compress)."""
    size, crc = 0, 0
    async for chunk in storage.stream(key):
        size, crc = size + len(chunk), zlib.crc32(chunk, crc)
    method = NO_COMPRESSION_64(size, crc)
    return (f"photos/{photo.file_name}", photo.taken, FILE_MODE, method, storage.stream(key))


def _deflated(name: str, at: dt.datetime, data: bytes) -> AsyncMemberFile:
    return (name, at, FILE_MODE, ZIP_64, _one(data))


def export_json(contents: Contents) -> bytes:
    data = {
        "format": "schriftje-archive/1",
        "organisation": contents.organisation,
        "child": {"id": contents.child_id, "name": contents.child_name},
        "made_for": contents.guardian,
        "made_at": contents.made_at.isoformat(),
        "photos": [
            {
                "file": f"photos/{p.file_name}",
                "photo_id": p.photo_id,
                "taken_at": p.taken.isoformat(),
                "caption": p.caption,
                "masked_children": [int(c) for c in p.mask_key.split(",")] if p.mask_key else [],
                "kind": "video" if p.video else "photo",
            }
            for p in contents.photos
        ],
        "diary": [_text(t) for t in contents.texts if t.kind == "diary"],
        "messages": [_text(t) for t in contents.texts if t.kind == "message"],
        "days": [
            {
                "date": day.date.isoformat(),
                "summary": day.summary,
                "entries": [
                    {
                        "kind": m.kind,
                        "at": m.at.isoformat(),
                        "ends_at": m.ends_at.isoformat() if m.ends_at else None,
                        "details": m.details,
                        "author": m.author,
                    }
                    for m in day.moments
                ],
            }
            for day in contents.days
        ],
        **contents.sections,
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _text(item: TextItem) -> dict[str, object]:
    return {
        "id": item.id,
        "at": item.at.isoformat(),
        "author": item.author,
        "author_role": item.author_role,
        "body": item.body,
    }


class _Progress:
    """Every PROGRESS_STEP percent: the row (for HTTP readers) and a ``progress`` frame (for open sockets)."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], broker: Broker, archive_id: int, user_id: int, total: int
    ) -> None:
        self.sessionmaker, self.broker, self.total, self.written = sessionmaker, broker, max(total, 1), 0
        self.archive_id, self.user_id = archive_id, user_id

    async def done(self, count: int) -> None:
        percent = min(99, count * 100 // self.total)
        if percent - self.written < PROGRESS_STEP:
            return
        self.written = percent
        async with UnitOfWork(self.sessionmaker) as uow:
            archive = await uow.session.get(Archive, self.archive_id)
            if archive is None or archive.status is not ArchiveStatus.BUILDING:
                return
            archive.progress = percent
        data: dict[str, object] = {"id": self.archive_id, "status": ArchiveStatus.BUILDING.value, "progress": percent}
        await announce(self.broker, {self.user_id}, protocol.ARCHIVE_PROGRESS, data)  # the broker never raises


MAX_ROUNDS = 5  # builds started over because a take-back touched them while they ran


@dataclass(frozen=True)
class _Round:
    """One attempt: what it writes, read in the transaction that recorded it."""

    contents: Contents
    generation: int
    key: str
    organisation_id: int
    lang: str
    expires: dt.datetime
    user_id: int
    photos: frozenset[tuple[int, str]]


async def build(
    sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, broker: Broker, archive_id: int
) -> ArchiveStatus | None:
    """Build the archive; ``None`` if there is nothing (left) to build.

    A round reads what the guardian may have now and records it (``ArchivePhoto``);
    it publishes only if no take-back touched the archive meanwhile (the same
    ``generation``) and the photos it wrote are still exactly what the guardian may
    have. Otherwise it starts again."""
    for _ in range(MAX_ROUNDS):
        started = await _start_round(sessionmaker, archive_id)
        if started is None:
            return None
        progress = _Progress(sessionmaker, broker, archive_id, started.user_id, len(started.contents.photos))
        size = await storage.put(started.key, async_stream_zip(_members(storage, started, progress)), "application/zip")
        outcome = await _publish(sessionmaker, broker, archive_id, started, size)
        if outcome != _AGAIN:
            return None if outcome is None else ArchiveStatus(outcome)
        log.info("archive changed while it was built; building it again", extra={"archive_id": archive_id})
    await fail(sessionmaker, archive_id)
    return ArchiveStatus.FAILED


async def _start_round(sessionmaker: async_sessionmaker[AsyncSession], archive_id: int) -> _Round | None:
    async with UnitOfWork(sessionmaker) as uow:
        session = uow.session
        archive = await session.get(Archive, archive_id, with_for_update=True, populate_existing=True)
        if archive is None or archive.status is not ArchiveStatus.BUILDING:
            return None
        user = await session.get(User, archive.user_id)
        child = await session.get(Child, archive.child_id)
        organisation = await session.get(Organisation, archive.organisation_id)
        assert user is not None and child is not None and organisation is not None
        try:  # the guardian may have been taken off the child since asking
            await family_child(session, user, child.id, today_for(organisation))
        except NotFound:
            archive.status, archive.building, archive.finished_at = ArchiveStatus.STALE, None, utcnow()
            return None
        contents = await read_contents(session, user, child)
        photos = frozenset((p.photo_id, p.mask_key) for p in contents.photos)
        await record_photos(session, archive.id, photos)
        archive.progress = 0
        return _Round(
            contents,
            archive.generation,
            archive_key(archive),
            organisation.id,
            user.language or organisation.language,
            _expiry(child, organisation),
            user.id,
            photos,
        )


async def _members(storage: Storage, started: _Round, progress: _Progress) -> AsyncIterator[AsyncMemberFile]:
    contents, organisation_id = started.contents, started.organisation_id
    for index, photo in enumerate(contents.photos, start=1):
        display = await storage.get(derivative_key(organisation_id, photo.photo_id, photo.mask_key, "display"))
        small = await storage.get(derivative_key(organisation_id, photo.photo_id, photo.mask_key, "small"))
        dated = await asyncio.to_thread(dated_jpeg, display, photo.taken)
        if photo.video:  # the clip itself, streamed; its poster for the printed book
            yield await _streamed(storage, clip_key(organisation_id, photo.photo_id, CLIP_FILE), photo)
            yield _stored(f"posters/{photo.image_name}", photo.taken, dated)
        else:
            yield _stored(f"photos/{photo.file_name}", photo.taken, dated)
        yield _stored(f"thumbs/{photo.image_name}", photo.taken, await asyncio.to_thread(thumbnail_jpeg, small))
        await progress.done(index)
    for name, body in pages(contents, started.lang).items():
        yield _deflated(name, contents.made_at, body)
    yield _deflated("export.json", contents.made_at, export_json(contents))
    for name, section in contents.sections.items():
        body = json.dumps(section, ensure_ascii=False, indent=2).encode()
        yield _deflated(f"{name}.json", contents.made_at, body)


_AGAIN: Final = "again"
CLIP_FILE = "720"  # the rendition of a clip the archive keeps


async def _publish(
    sessionmaker: async_sessionmaker[AsyncSession], broker: Broker, archive_id: int, started: _Round, size: int
) -> ArchiveStatus | Literal["again"] | None:
    async with UnitOfWork(sessionmaker) as uow:
        session = uow.session
        archive = await session.get(Archive, archive_id, with_for_update=True, populate_existing=True)
        if archive is None or archive.status is not ArchiveStatus.BUILDING:
            return None
        if archive.generation != started.generation:
            return _AGAIN
        user = await session.get(User, archive.user_id)
        child = await session.get(Child, archive.child_id)
        assert user is not None and child is not None
        now = await read_contents(session, user, child)
        if frozenset((p.photo_id, p.mask_key) for p in now.photos) != started.photos:
            return _AGAIN
        archive.status, archive.progress, archive.object_key, archive.building = (
            ArchiveStatus.READY,
            100,
            started.key,
            None,
        )
        archive.byte_size, archive.photo_count = size, len(started.contents.photos)
        archive.finished_at, archive.expires_at = utcnow(), started.expires
        await session.flush()
        await deliver(uow, broker, {archive.user_id}, protocol.ARCHIVE_READY, archive.id)
    return ArchiveStatus.READY


def _expiry(child: Child, organisation: Organisation) -> dt.datetime:
    """With the leaving window if the child has an end date, else ``KEEP_DAYS`` from now."""
    if child.end_date is not None:
        last_day = child.end_date + dt.timedelta(days=organisation.leaving_window_days + 1)
        return dt.datetime.combine(last_day, dt.time(), tzinfo=dt.UTC)
    return utcnow() + dt.timedelta(days=KEEP_DAYS)


async def fail(sessionmaker: async_sessionmaker[AsyncSession], archive_id: int) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        archive = await uow.session.get(Archive, archive_id)
        if archive is not None and archive.status is ArchiveStatus.BUILDING:
            archive.status, archive.finished_at, archive.building = ArchiveStatus.FAILED, utcnow(), None
