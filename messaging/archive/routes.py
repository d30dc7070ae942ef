"""Archive endpoints: ask for one (or join the running build), follow its progress,
download it with HTTP Range so a broken download resumes where it stopped.

* ``GET /archief/<child>``: the page (start, live progress, download).
* ``POST /api/children/<id>/archive``: 202 with the archive's state;
  ``GET`` the same: the caller's latest one (building or ready), else 404.
* ``GET /api/archives/<id>``: its state (``progress`` in percent).
* ``GET /api/archives/<id>/download``: the ZIP; ``Range: bytes=a-b`` gives 206,
  an unsatisfiable range 416; ``If-Range`` with an old ETag gives the whole file.
  409 while building, 410 once expired or stale. Only the guardian who asked, and
  only while they may still read about the child (a guardian taken off it, or a
  leaving window that closed, gets 404 from that moment).

An archive a take-back made stale (``messaging.archive.stale``) is rebuilt the
next time its guardian opens the page or asks for their archive: the answer is
the new build, with ``replaces_stale: true`` so the page can say why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from media.storage import Storage
from messaging import audience, feed
from messaging.archive import service
from messaging.archive.models import Archive, ArchiveStatus
from portal.database import utcnow
from portal.errors import Conflict, Gone, NotFound
from portal.i18n import translate
from portal.roster.models import User
from portal.runtime import Runtime
from portal.uow import UnitOfWork
from portal.web.requests import identify, language, require_role, runtime, signed_in
from portal.web.templating import page_context, render

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def ask(request: Request) -> Response:
    rt = runtime(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        user = require_role(caller).user
        archive, created = await service.start(
            uow, user, request.path_params["child_id"], audience.today_for(caller.organisation)
        )
        if created:
            _enqueue_build(rt, uow, archive.id)
        await uow.session.flush()
        body = await service.view(uow.session, archive)
    return JSONResponse(body, status_code=202)


def _enqueue_build(rt: Runtime, uow: UnitOfWork, archive_id: int) -> None:
    async def enqueue() -> None:
        await rt.queue.enqueue(service.BUILD_ARCHIVE, archive_id, job_id=f"{service.BUILD_ARCHIVE}:{archive_id}")

    uow.after_commit(enqueue)


async def status(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = require_role(caller).user
        archive = await service.own_archive(uow.session, user, request.path_params["archive_id"])
        await service.family_child(uow.session, user, archive.child_id, audience.today_for(caller.organisation))
        body = await service.view(uow.session, archive)
    return JSONResponse(body)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a single ``bytes=`` range; ``None`` for the whole file; raises on nonsense."""
    if not header:
        return None
    match = RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: answer with the whole file, as allowed
    first, last = match.groups()
    if first == "":
        if last == "" or int(last) == 0:
            raise ValueError
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError
    return start, end


async def _noting_the_end(rt: Runtime, archive_id: int, body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass the bytes on; once the last one went out, record the archive as downloaded."""
    async for chunk in body:
        yield chunk
    async with rt.uow() as uow:
        await service.mark_downloaded(uow, archive_id)


async def download(request: Request) -> Response:
    rt = runtime(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        user = require_role(caller).user
        archive: Archive = await service.own_archive(uow.session, user, request.path_params["archive_id"])
        await service.family_child(uow.session, user, archive.child_id, audience.today_for(caller.organisation))
    if archive.status is ArchiveStatus.STALE:
        raise Gone("archive.stale")
    if archive.status is ArchiveStatus.EXPIRED:
        raise Gone("archive.expired")
    if archive.status is not ArchiveStatus.READY:
        raise Conflict("archive.not_ready")
    if archive.expires_at is not None and archive.expires_at <= utcnow():
        raise Gone("archive.expired")
    storage: Storage = rt.extras["storage"]
    size = archive.byte_size or await storage.size(archive.object_key)
    etag = f'"archive-{archive.id}-{size}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="schriftje-{archive.child_id}.zip"',
        "X-Content-Type-Options": "nosniff",
    }
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != etag:
        wanted = None  # the file changed since the first part: start over
    try:
        span = _byte_range(wanted, size)
    except ValueError:
        message = translate("archive.bad_range", language(request))
        return Response(message, status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if span is None:
        body = _noting_the_end(rt, archive.id, storage.stream(archive.object_key))
        return StreamingResponse(body, media_type="application/zip", headers={**headers, "Content-Length": str(size)})
    first, last = span
    body = storage.stream(archive.object_key, start=first, end=last)
    if last == size - 1:
        body = _noting_the_end(rt, archive.id, body)
    headers.update({"Content-Range": f"bytes {first}-{last}/{size}", "Content-Length": str(last - first + 1)})
    return StreamingResponse(body, status_code=206, media_type="application/zip", headers=headers)


async def _current(rt: Runtime, uow: UnitOfWork, user: User, child_id: int, today: dt.date) -> dict[str, Any] | None:
    """The guardian's latest archive of the child; a stale one is replaced by a new build."""
    archive = await service.latest(uow.session, user, child_id)
    if archive is None:
        return None
    if archive.status is not ArchiveStatus.STALE:
        return await service.view(uow.session, archive)
    rebuilt, created = await service.start(uow, user, child_id, today)
    if created:
        _enqueue_build(rt, uow, rebuilt.id)
    await uow.session.flush()
    return {**await service.view(uow.session, rebuilt), "replaces_stale": True}


async def mine(request: Request) -> Response:
    """The caller's latest archive of this child (building or ready), or 404."""
    rt = runtime(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        user = require_role(caller).user
        today = audience.today_for(caller.organisation)
        child = await service.family_child(uow.session, user, request.path_params["child_id"], today)
        body = await _current(rt, uow, user, child.id, today)
        if body is None:
            raise NotFound()
    return JSONResponse(body)


async def page(request: Request) -> Response:
    """The "download everything" page: start a build, see it progress live, download."""
    rt = runtime(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller).user
        today = audience.today_for(caller.organisation)
        child = await service.family_child(uow.session, user, request.path_params["child_id"], today)
        state = await _current(rt, uow, user, child.id, today)
        if state is not None and state["expires_at"] is not None:
            state["expires_on"] = dt.datetime.fromisoformat(state["expires_at"]).date()
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "child": child,
            "archive": state,
            "seq": await feed.last_seq(uow.session, user.id),
        }
    return render(request, "archive.html", context)


routes: list[BaseRoute] = [
    Route("/archief/{child_id:int}", page, methods=["GET"]),
    Route("/api/children/{child_id:int}/archive", mine, methods=["GET"]),
    Route("/api/children/{child_id:int}/archive", ask, methods=["POST"]),
    Route("/api/archives/{archive_id:int}", status, methods=["GET"]),
    Route("/api/archives/{archive_id:int}/download", download, methods=["GET"]),
]
