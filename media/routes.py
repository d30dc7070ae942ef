"""Photo and clip endpoints: batch upload from the tablet (photos; a clip one at a time),
upload status for staff, and the one place photo and clip bytes leave the server.

``GET /media/photos/<rendition>/<size>.webp`` is authorised on every request
from current facts (``media.access``), so a URL is no capability: it stops
working the moment the entitlement goes, it works for nobody else, and there is
no public or share URL at all. ``GET /media/clips/<rendition>/<720|360>.mp4`` is
authorised the same way on every (range) request. Originals are never served.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from media import upload
from media.access import may_fetch
from media.clip_pipeline import VIDEO_TYPE, clip_key
from media.clip_types import RENDITIONS
from media.intake import FORM_OVERHEAD_BYTES, UploadAbandoned, read_upload
from media.models import Photo, PhotoRendition, PhotoStatus, PhotoTag, is_clip
from media.pipeline import derivative_key
from media.processing import SIZES
from media.ranges import Unsatisfiable, parse_range
from media.status import blocked_children, reopen_facts, upload_status
from media.storage import Storage
from portal.errors import InvalidInput, NotFound, PayloadTooLarge
from portal.roster.models import Organisation, Role, User
from portal.roster.queries import staff_group_ids
from portal.settings import Settings
from portal.uow import UnitOfWork
from portal.web.requests import identify, language, require_role, runtime
from portal.web.responses import content_length, json_body

MAX_LIST = 200
MEDIA_HEADERS = {
    "Cache-Control": "private, no-cache",
    "Content-Disposition": 'inline; filename="foto.webp"',
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def _too_large(files: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge("photo.batch_too_large", count=files, megabytes=limit // files // (1024 * 1024))


async def _statuses(session: AsyncSession, photos: list[Photo], lang: str) -> list[dict[str, Any]]:
    """Each photo's status for staff of its group; a blocked one also with what re-opening it needs."""
    blocked = await blocked_children(session, photos)
    reopen = await reopen_facts(session, photos)
    return [{**upload_status(p, lang, blocked=blocked.get(p.id, [])), **reopen.get(p.id, {})} for p in photos]


# ``upload.upload_batch`` (for a group) or ``upload.upload_for_child``: who, where, and the checked batch
Store = Callable[
    [UnitOfWork, Storage, upload.Batch, User, int, list[upload.PhotoSpec], list[upload.IncomingFile], Settings],
    Awaitable[list[upload.Uploaded]],
]


async def upload_photos(request: Request) -> Response:
    """The tablet's batch for a group."""
    rt = runtime(request)
    group_id: int = request.path_params["group_id"]
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        await upload.check_group(uow, user, group_id)  # refuse before reading a byte of the body
    return await _receive(request, upload.upload_batch, user, group_id)


async def upload_child_photos(request: Request) -> Response:
    """A guardian's photos of their own child (``media.upload.upload_for_child``)."""
    rt = runtime(request)
    child_id: int = request.path_params["child_id"]
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session), Role.PARENT).user
    return await _receive(request, upload.upload_for_child, user, child_id)


async def upload_clip(request: Request) -> Response:
    """The tablet's video clip for a group (one per request: it may be hundreds of MB)."""
    rt = runtime(request)
    group_id: int = request.path_params["group_id"]
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        await upload.check_group(uow, user, group_id)  # refuse before reading a byte of the body
        organisation = await uow.session.get(Organisation, user.organisation_id)
        assert organisation is not None
    max_bytes, seconds = upload.clip_limits(rt.settings, organisation)
    too_large = PayloadTooLarge("video.too_large", name="video", megabytes=max_bytes // (1024 * 1024), seconds=seconds)
    return await _receive(request, upload.upload_clip, user, group_id, Limits(1, max_bytes, "clips", too_large))


@dataclass(frozen=True)
class Limits:
    """What one upload request may carry, and the form field that describes its files."""

    files: int
    file_bytes: int
    field: str
    too_large: PayloadTooLarge

    @classmethod
    def photos(cls, settings: Settings) -> Limits:
        limit = settings.upload_max_bytes * settings.upload_max_files + FORM_OVERHEAD_BYTES
        return cls(
            settings.upload_max_files, settings.upload_max_bytes, "photos", _too_large(settings.upload_max_files, limit)
        )


async def _receive(
    request: Request, store: Store, user: User, target_id: int, limits: Limits | None = None
) -> Response:
    """Read the multipart body within its limits, store the batch whole or not at all, hand
    each new photo to the pipeline after commit; 201 with every photo's status (200 when
    every key was seen before: a retry)."""
    rt = runtime(request)
    settings = rt.settings
    limits = limits or Limits.photos(settings)
    if content_length(request) > limits.file_bytes * limits.files + FORM_OVERHEAD_BYTES:
        raise limits.too_large
    try:
        form = await read_upload(
            request,
            max_files=limits.files,
            max_file_bytes=limits.file_bytes,
            stall_secs=settings.upload_stall_seconds,
            too_large=limits.too_large,
        )
    except UploadAbandoned:
        return Response(status_code=400)  # nobody reads it: the client is gone
    storage: Storage = rt.extras["storage"]
    batch = upload.Batch()
    try:
        raw = form.get(limits.field)
        try:
            specs = upload.parse_specs(json.loads(raw) if isinstance(raw, str) else None)
        except ValueError:
            raise InvalidInput(detail=f"'{limits.field}' must be JSON") from None
        files = [
            upload.IncomingFile(item.filename or "foto", item.file, item.size or 0)
            for item in form.getlist("file")
            if isinstance(item, UploadFile)
        ]
        try:
            async with rt.uow() as uow:
                results = await store(uow, storage, batch, user, target_id, specs, files, settings)
                for result in results:
                    if not result.duplicate:
                        uow.after_commit(_enqueue(request, result.photo))
        except BaseException:
            await batch.discard(storage)
            raise
    finally:
        await form.close()
    lang = language(request)
    async with rt.uow() as uow:
        statuses = await _statuses(uow.session, [r.photo for r in results], lang)
    body = {"photos": [{**status, "duplicate": r.duplicate} for status, r in zip(statuses, results, strict=True)]}
    return JSONResponse(body, status_code=200 if all(r.duplicate for r in results) else 201)


def _enqueue(request: Request, photo: Photo) -> Callable[[], Awaitable[None]]:
    photo_id, clip = photo.id, is_clip(photo)

    async def enqueue() -> None:
        queue = runtime(request).queue
        if clip:
            await queue.enqueue(upload.PROCESS_CLIP, photo_id, job_id=upload.clip_job_id(photo_id))
        else:
            await queue.enqueue(upload.PROCESS_PHOTO, photo_id, job_id=upload.process_job_id(photo_id))

    return enqueue


async def _visible_upload(request: Request, user: User, photo_id: int) -> Photo:
    async with runtime(request).uow() as uow:
        photo = await uow.session.get(Photo, photo_id)
        if photo is None or photo.organisation_id != user.organisation_id:
            raise NotFound()
        if photo.group_id not in await staff_group_ids(uow.session, user):  # the uploader too: only while there
            raise NotFound()
        return photo


async def photo_status(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        user = require_role(await identify(request, uow.session)).user
    photo = await _visible_upload(request, user, request.path_params["photo_id"])
    async with runtime(request).uow() as uow:
        children = [t.shown for t in await uow.session.scalars(select(PhotoTag).where(PhotoTag.photo_id == photo.id))]
        [status] = await _statuses(uow.session, [photo], language(request))
    return JSONResponse({**status, "children": sorted(children)})


async def group_photos(request: Request) -> Response:
    """The group's recent uploads with their status, for the tablet's upload list."""
    rt = runtime(request)
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        group = await upload.check_group(uow, user, request.path_params["group_id"])
        photos = list(
            await uow.session.scalars(
                select(Photo).where(Photo.group_id == group.id).order_by(Photo.id.desc()).limit(MAX_LIST)
            )
        )
        statuses = await _statuses(uow.session, photos, language(request))
    return JSONResponse({"photos": statuses})


async def reshare_photo(request: Request) -> Response:
    """Staff share a processed photo again: the consent policy runs anew (after a new grant),
    optionally with masks added for tagged children that have none (to unblock it)."""
    data = await json_body(request)
    rt = runtime(request)
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        photo = await upload.add_masks(uow, user, request.path_params["photo_id"], data.get("masks", {}))
        uow.after_commit(_enqueue_share(request, photo.id))
        [status] = await _statuses(uow.session, [photo], language(request))
    return JSONResponse(status, status_code=202)


def _enqueue_share(request: Request, photo_id: int) -> Callable[[], Awaitable[None]]:
    async def enqueue() -> None:
        await runtime(request).queue.enqueue(upload.SHARE_PHOTO, photo_id, "share")

    return enqueue


async def _servable(request: Request) -> tuple[PhotoRendition, Photo]:
    """The rendition in the path and its photo, if the caller may fetch it now (else 404)."""
    rendition_id: int = request.path_params["rendition_id"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = require_role(caller).user
        row = (
            await uow.session.execute(
                select(PhotoRendition, Photo)
                .join(Photo, Photo.id == PhotoRendition.photo_id)
                .where(
                    PhotoRendition.id == rendition_id,
                    Photo.organisation_id == caller.organisation.id,
                    Photo.status.in_((PhotoStatus.READY, PhotoStatus.BLOCKED)),
                )
            )
        ).first()
        if row is None:
            raise NotFound()
        rendition, photo = row
        if not await may_fetch(uow.session, user, caller.organisation, photo, rendition):
            raise NotFound()
    return rendition, photo


async def serve_photo(request: Request) -> Response:
    name: str = request.path_params["name"]
    if name not in SIZES:
        raise NotFound()
    rendition, photo = await _servable(request)
    etag = f'"r{rendition.id}-{name}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={**MEDIA_HEADERS, "ETag": etag})
    storage: Storage = runtime(request).extras["storage"]
    body = await storage.get(derivative_key(photo.organisation_id, photo.id, rendition.mask_key, name))
    return Response(body, media_type="image/webp", headers={**MEDIA_HEADERS, "ETag": etag})


async def serve_clip(request: Request) -> Response:
    """A clip's MP4 rendition, authorised on every request (each range a phone asks for
    while seeking is checked again), with byte ranges."""
    name: str = request.path_params["name"]
    if name not in RENDITIONS:
        raise NotFound()
    rendition, photo = await _servable(request)
    if not is_clip(photo):
        raise NotFound()
    storage: Storage = runtime(request).extras["storage"]
    key = clip_key(photo.organisation_id, photo.id, name)
    size = await storage.size(key)
    etag = f'"c{rendition.id}-{name}"'
    headers = {**MEDIA_HEADERS, "Content-Disposition": 'inline; filename="video.mp4"', "ETag": etag}
    headers["Accept-Ranges"] = "bytes"
    wanted = request.headers.get("range")
    if wanted is None and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    try:
        part = parse_range(wanted, size, request.headers.get("if-range"), etag)
    except Unsatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if part is None:
        body = storage.stream(key)
        return StreamingResponse(body, media_type=VIDEO_TYPE, headers={**headers, "Content-Length": str(size)})
    headers.update({"Content-Range": part.content_range(size), "Content-Length": str(part.length)})
    body = storage.stream(key, start=part.start, end=part.end)
    return StreamingResponse(body, status_code=206, media_type=VIDEO_TYPE, headers=headers)


routes: list[BaseRoute] = [
    Route("/api/groups/{group_id:int}/photos", upload_photos, methods=["POST"]),
    Route("/api/children/{child_id:int}/photos", upload_child_photos, methods=["POST"]),
    Route("/api/groups/{group_id:int}/photos", group_photos, methods=["GET"]),
    Route("/api/photos/{photo_id:int}", photo_status, methods=["GET"]),
    Route("/api/photos/{photo_id:int}/share", reshare_photo, methods=["POST"]),
    Route("/media/photos/{rendition_id:int}/{name}.webp", serve_photo, methods=["GET"]),
    Route("/api/groups/{group_id:int}/clips", upload_clip, methods=["POST"]),
    Route("/media/clips/{rendition_id:int}/{name}.mp4", serve_clip, methods=["GET"]),
]
