"""Accepting a batch of photos (or one video clip) from a staff tablet.

Everything is checked before anything is kept: the uploader works in the
group, every tagged child is a current child of a group the uploader works
in, mask rectangles lie inside the photo, every file is a JPEG, PNG, HEIC or
WebP by its bytes, within the byte and pixel caps. Then the rows are written
and each original is streamed to storage. A retried upload (same idempotency
key) returns the photo that already exists instead of making a second one.
The caller discards stored originals if the transaction does not commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.exc import IntegrityError

from media.clip_header import read_clip_header
from media.formats import NotAPhoto, read_header
from media.models import Photo, PhotoStatus, PhotoTag, is_clip
from media.processing import Rect
from media.storage import Storage, object_key
from portal.database import is_id
from portal.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from portal.roster.models import Child, Group, Guardianship, Organisation, User
from portal.roster.queries import staff_group_ids
from portal.settings import Settings
from portal.uow import UnitOfWork

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
MAX_CAPTION_CHARS = 2000
MAX_TAGS = 60
CHUNK_BYTES = 1024 * 1024
PROCESS_PHOTO = "media.process_photo"
PROCESS_CLIP = "media.process_clip"
SHARE_PHOTO = "media.share_photo"  # args: photo id, mode ("share" or "narrow")


def process_job_id(photo_id: int) -> str:
    return f"{PROCESS_PHOTO}:{photo_id}"


def clip_job_id(photo_id: int) -> str:
    return f"{PROCESS_CLIP}:{photo_id}"


@dataclass(frozen=True)
class PhotoSpec:
    """What the tablet says about one photo of the batch."""

    key: str
    children: list[int] = field(default_factory=list)
    caption: str = ""
    diary_entry_id: int | None = None
    masks: dict[int, Rect] = field(default_factory=dict)


@dataclass
class IncomingFile:
    name: str
    file: IO[bytes]
    size: int


@dataclass(frozen=True)
class Uploaded:
    photo: Photo
    duplicate: bool


@dataclass
class Batch:
    """The originals stored so far, to delete if the transaction fails."""

    stored: list[str] = field(default_factory=list)

    async def discard(self, storage: Storage) -> None:
        for key in self.stored:
            await storage.delete(key)
        self.stored.clear()


def parse_specs(raw: object) -> list[PhotoSpec]:
    """``[{"key": ..., "children": [...], "caption": ..., "diary_entry_id": ..., "masks": {child: {x,y,w,h}}}]``."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(detail="'photos' must be a non-empty list")
    specs = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(detail=f"photo {index}: must be an object")
        key, children = item.get("key"), item.get("children", [])
        caption, diary = item.get("caption", ""), item.get("diary_entry_id")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise InvalidInput(detail=f"photo {index}: 'key' must be 8-100 letters, digits, '-' or '_'")
        if not isinstance(children, list) or not all(is_id(c) for c in children) or len(children) > MAX_TAGS:
            raise InvalidInput(detail=f"photo {index}: 'children' must be a list of child ids")
        if not isinstance(caption, str) or len(caption) > MAX_CAPTION_CHARS:
            raise InvalidInput(
                detail=f"photo {index}: 'caption' must be text of at most {MAX_CAPTION_CHARS} characters"
            )
        if diary is not None and not is_id(diary):
            raise InvalidInput(detail=f"photo {index}: 'diary_entry_id' must be a number")
        specs.append(PhotoSpec(key, sorted(set(children)), caption.strip(), diary, _masks(index, item, children)))
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise InvalidInput(detail="two photos of the batch have the same 'key'")
    return specs


def _masks(index: int, item: dict[str, object], children: list[int]) -> dict[int, Rect]:
    raw = item.get("masks", {})
    if not isinstance(raw, dict):
        raise InvalidInput(detail=f"photo {index}: 'masks' must map child ids to rectangles")
    masks: dict[int, Rect] = {}
    for child, box in raw.items():
        try:
            child_id = int(child)
            assert isinstance(box, dict)
            rect = Rect(*(box[k] for k in ("x", "y", "w", "h")))
        except (ValueError, AssertionError, KeyError, TypeError):
            raise InvalidInput(detail=f"photo {index}: a mask must be {{'x','y','w','h'}} for a tagged child") from None
        if child_id not in children or not rect.is_valid():
            raise InvalidInput(
                detail=f"photo {index}: a mask must lie inside the photo (fractions 0-1) and belong to a tagged child"
            )
        masks[child_id] = rect
    return masks


async def check_group(uow: UnitOfWork, user: User, group_id: int) -> Group:
    group = await uow.session.get(Group, group_id)
    if group is None or group.organisation_id != user.organisation_id:
        raise NotFound()
    if group.id not in await staff_group_ids(uow.session, user):
        raise NotFound()
    return group


async def check_files(files: list[IncomingFile], settings: Settings) -> list[str]:
    """The sniffed kind of every file; raise for the first that is not acceptable."""
    kinds = []
    for incoming in files:
        if incoming.size > settings.upload_max_bytes:
            raise PayloadTooLarge(
                "photo.too_large", name=incoming.name, megabytes=settings.upload_max_bytes // (1024 * 1024)
            )
        try:
            header = await asyncio.to_thread(read_header, incoming.file, settings.upload_max_pixels)
        except NotAPhoto as exc:
            params = {"name": incoming.name, "megapixels": settings.upload_max_pixels // 1_000_000}
            if exc.reason == "photo.unsupported_type":
                raise UnsupportedMediaType(exc.reason, **params) from None
            raise InvalidInput(exc.reason, **params) from None
        kinds.append(header.kind)
    return kinds


async def check_clips(files: list[IncomingFile], settings: Settings, organisation: Organisation) -> list[str]:
    """The sniffed kind (``mp4``/``mov``) of every clip, its boxes checked against the
    organisation's limits; raise for the first that is not acceptable."""
    max_bytes, max_seconds = clip_limits(settings, organisation)
    kinds = []
    for incoming in files:
        params = {"name": incoming.name, "megabytes": max_bytes // (1024 * 1024), "seconds": max_seconds}
        if incoming.size > max_bytes:
            raise PayloadTooLarge("video.too_large", **params)
        try:
            header = await asyncio.to_thread(read_clip_header, incoming.file, max_seconds=max_seconds)
        except NotAPhoto as exc:
            if exc.reason == "video.unsupported_type":
                raise UnsupportedMediaType(exc.reason, **params) from None
            raise InvalidInput(exc.reason, **params) from None
        kinds.append(header.kind)
    return kinds


def clip_limits(settings: Settings, organisation: Organisation) -> tuple[int, int]:
    """(bytes, seconds): the organisation's clip limits within the server's."""
    return (
        min(settings.clip_max_bytes, organisation.clip_max_megabytes * 1024 * 1024),
        min(settings.clip_max_seconds, organisation.clip_max_seconds),
    )


async def _checked_for_group(
    uow: UnitOfWork, user: User, group_id: int, specs: list[PhotoSpec], files: list[IncomingFile], what: str
) -> Group:
    """A tablet's upload to a group: one description per file, the uploader works in the
    group, the tagged children and linked diary entries are that group's."""
    if len(specs) != len(files):
        raise InvalidInput(detail=f"{len(specs)} {what} descriptions for {len(files)} files")
    group = await check_group(uow, user, group_id)
    await _check_children(uow, user, specs)
    await _check_diary_entries(uow, user, group_id, specs)
    return group


async def upload_clip(
    uow: UnitOfWork,
    storage: Storage,
    batch: Batch,
    user: User,
    group_id: int,
    specs: list[PhotoSpec],
    files: list[IncomingFile],
    settings: Settings,
) -> list[Uploaded]:
    """A clip from the tablet: checked like a photo batch of one, without masks (a video
    cannot be masked, so a child without consent blocks it)."""
    if any(spec.masks for spec in specs):
        raise InvalidInput("video.no_masks")
    group = await _checked_for_group(uow, user, group_id, specs, files, "clip")
    organisation = await uow.session.get(Organisation, user.organisation_id)
    assert organisation is not None

    async def check(fresh: list[IncomingFile]) -> list[str]:
        return await check_clips(fresh, settings, organisation)

    return await _store(uow, storage, batch, user, group, specs, files, settings, check)


async def upload_batch(
    uow: UnitOfWork,
    storage: Storage,
    batch: Batch,
    user: User,
    group_id: int,
    specs: list[PhotoSpec],
    files: list[IncomingFile],
    settings: Settings,
) -> list[Uploaded]:
    group = await _checked_for_group(uow, user, group_id, specs, files, "photo")
    return await _store(uow, storage, batch, user, group, specs, files, settings)


async def upload_for_child(
    uow: UnitOfWork,
    storage: Storage,
    batch: Batch,
    user: User,
    child_id: int,
    specs: list[PhotoSpec],
    files: list[IncomingFile],
    settings: Settings,
) -> list[Uploaded]:
    """A guardian's photos of their own current child: each tagged with that child only (no
    masks, no diary link), so the consent rules give them to the child's guardians and its
    group's staff and nobody else; through the same pipeline as the tablet's."""
    if len(specs) != len(files):
        raise InvalidInput(detail=f"{len(specs)} photo descriptions for {len(files)} files")
    session = uow.session
    child = await session.get(Child, child_id)
    guardian = await session.scalar(
        select(Guardianship.id).where(Guardianship.user_id == user.id, Guardianship.child_id == child_id)
    )
    if child is None or child.organisation_id != user.organisation_id or guardian is None:
        raise NotFound()
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    if child.end_date is not None and child.end_date < dt.datetime.now(ZoneInfo(organisation.timezone)).date():
        raise NotFound()  # after the last day nothing new is shared about the child
    group = await session.get(Group, child.group_id)
    assert group is not None
    own = [PhotoSpec(s.key, [child.id], s.caption) for s in specs]
    return await _store(uow, storage, batch, user, group, own, files, settings)


async def _store(
    uow: UnitOfWork,
    storage: Storage,
    batch: Batch,
    user: User,
    group: Group,
    specs: list[PhotoSpec],
    files: list[IncomingFile],
    settings: Settings,
    check: Callable[[list[IncomingFile]], Awaitable[list[str]]] | None = None,
) -> list[Uploaded]:
    """Store the originals and the photo rows of a checked batch; a key seen before is that
    photo. ``check`` gives each new file's kind (photos: ``check_files``)."""
    session = uow.session
    existing = {
        photo.idempotency_key: photo
        for photo in await session.scalars(
            select(Photo).where(Photo.uploader_id == user.id, Photo.idempotency_key.in_([s.key for s in specs]))
        )
    }
    digests = [await asyncio.to_thread(_sha256, incoming.file) for incoming in files]
    for spec, incoming, digest in zip(specs, files, digests, strict=True):
        if (same := existing.get(spec.key)) is not None and (
            same.group_id != group.id or same.content_sha256 != digest
        ):
            raise Conflict("photo.key_reused", name=_clean_name(incoming.name))
    fresh = [(s, f, d) for s, f, d in zip(specs, files, digests, strict=True) if s.key not in existing]
    incoming_files = [incoming for _, incoming, _ in fresh]
    kinds = await (check(incoming_files) if check is not None else check_files(incoming_files, settings))
    created: list[Photo] = []
    for (spec, incoming, digest), kind in zip(fresh, kinds, strict=True):
        photo = Photo(
            organisation_id=user.organisation_id,
            group_id=group.id,
            uploader_id=user.id,
            idempotency_key=spec.key,
            file_name=_clean_name(incoming.name),
            caption=spec.caption,
            diary_entry_id=spec.diary_entry_id,
            kind=kind,
            byte_size=incoming.size,
            content_sha256=digest,
            status=PhotoStatus.UPLOADED,
        )
        session.add(photo)
        created.append(photo)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("photo.upload_race") from None
    for photo, (spec, incoming, _) in zip(created, fresh, strict=True):
        for child_id in spec.children:
            mask = spec.masks.get(child_id)
            session.add(
                PhotoTag(
                    photo_id=photo.id,
                    child_id=child_id,
                    **({"mask_x": mask.x, "mask_y": mask.y, "mask_w": mask.w, "mask_h": mask.h} if mask else {}),
                )
            )
        photo.original_key = object_key(user.organisation_id, "photos", str(photo.id), "original")
        batch.stored.append(photo.original_key)
        await storage.put(photo.original_key, _chunks(incoming.file))
    await session.flush()
    by_key = {p.idempotency_key: Uploaded(p, False) for p in created}
    by_key.update({key: Uploaded(p, True) for key, p in existing.items()})
    return [by_key[spec.key] for spec in specs]


async def _check_children(uow: UnitOfWork, user: User, specs: list[PhotoSpec]) -> None:
    """Every tagged child is a current child of a group the uploader works in."""
    wanted = {c for spec in specs for c in spec.children}
    if not wanted:
        return
    organisation = await uow.session.get(Organisation, user.organisation_id)
    assert organisation is not None
    today = dt.datetime.now(ZoneInfo(organisation.timezone)).date()
    found = set(
        await uow.session.scalars(
            select(Child.id).where(
                Child.id.in_(sorted(wanted)),
                Child.organisation_id == user.organisation_id,
                Child.group_id.in_(sorted(await staff_group_ids(uow.session, user))),
                or_(Child.end_date.is_(None), Child.end_date >= today),
            )
        )
    )
    if found != wanted:
        raise InvalidInput("photo.bad_tags")


_DIARY_ENTRIES = text(
    "SELECT d.id, d.child_id FROM diary_entry d JOIN child c ON c.id = d.child_id"
    " WHERE d.organisation_id = :org AND d.deleted_at IS NULL AND c.group_id = :group AND d.id IN :ids"
).bindparams(bindparam("ids", expanding=True))


async def _check_diary_entries(uow: UnitOfWork, user: User, group_id: int, specs: list[PhotoSpec]) -> None:
    """A linked diary entry is one about a child of this group, and if the photo shows
    children, that child is one of them (messaging owns the table; no import upwards)."""
    wanted = {s.diary_entry_id for s in specs if s.diary_entry_id is not None}
    if not wanted:
        return
    params = {"org": user.organisation_id, "group": group_id, "ids": sorted(wanted)}
    about = {entry: child for entry, child in await uow.session.execute(_DIARY_ENTRIES, params)}
    for spec in specs:
        entry = spec.diary_entry_id
        if entry is not None and (entry not in about or (spec.children and about[entry] not in spec.children)):
            raise InvalidInput("photo.bad_diary_entry")


def _sha256(handle: IO[bytes]) -> str:
    """The SHA-256 of a spooled upload, read in chunks (the file is left at its start)."""
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK_BYTES):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _clean_name(name: str) -> str:
    cleaned = "".join(ch for ch in name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if ch.isprintable())
    return cleaned[:100] or "foto"


async def _chunks(handle: IO[bytes]) -> AsyncIterator[bytes]:
    await asyncio.to_thread(handle.seek, 0)
    while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
        yield chunk


async def add_masks(uow: UnitOfWork, user: User, photo_id: int, raw: object) -> Photo:
    """Before a re-share: masks for tagged children that have none yet (an existing mask
    is never changed, since renditions made with it are already out)."""
    session = uow.session
    photo = await session.get(Photo, photo_id, with_for_update=True)
    if photo is None or photo.organisation_id != user.organisation_id:
        raise NotFound()
    if photo.group_id not in await staff_group_ids(session, user):
        raise NotFound()
    if not photo.status.is_final or photo.status is PhotoStatus.FAILED:
        raise Conflict("photo.not_shareable")
    if raw and is_clip(photo):
        raise InvalidInput("video.no_masks")
    if raw and not photo.original_key:  # a new mask needs a rendition made from the original
        raise Conflict("photo.original_gone")
    tags = {t.shown: t for t in await session.scalars(select(PhotoTag).where(PhotoTag.photo_id == photo.id))}
    masks = _masks(1, {"masks": raw}, list(tags))
    for child_id, rect in masks.items():
        tag = tags[child_id]
        if tag.mask_x is not None:
            raise Conflict("photo.not_blocked_mask")
        tag.mask_x, tag.mask_y, tag.mask_w, tag.mask_h = rect.x, rect.y, rect.w, rect.h
    await session.flush()
    return photo
