"""A child's own page (``/kind/<id>``), for its guardians and its group's staff: the
child's day (``static/day.js``), the conversation between family and group with a
form to write, the diary and the photos of the child this reader may see, all
following the live feed (``static/child.js``). ``GET /api/children/<id>/photos``
lists those photos: the renditions this reader was given of photos the child is
tagged in, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from media.models import Photo, PhotoAccess, PhotoStatus, PhotoTag
from messaging import audience, feed
from messaging.photo_render import render_photos
from portal.i18n import texts_with_prefix
from portal.roster.dates import today_for
from portal.roster.models import Child, Group, User
from portal.web.requests import identify, language, runtime, signed_in
from portal.web.templating import page_context, render

MAX_PHOTOS = 200


async def photos_of_child(session: AsyncSession, user: User, child: Child) -> list[dict[str, Any]]:
    """The renditions ``user`` has of photos ``child`` is tagged in, newest first."""
    rendition_ids = list(
        await session.scalars(
            select(PhotoAccess.rendition_id)
            .join(Photo, Photo.id == PhotoAccess.photo_id)
            .join(PhotoTag, PhotoTag.photo_id == Photo.id)
            .where(
                PhotoAccess.user_id == user.id,
                PhotoAccess.rendition_id.is_not(None),
                PhotoTag.child_id == child.id,
                Photo.status.in_((PhotoStatus.READY, PhotoStatus.BLOCKED)),
            )
            .order_by(Photo.id.desc())
            .limit(MAX_PHOTOS)
        )
    )
    rendered = await render_photos(session, {r for r in rendition_ids if r is not None})
    return [rendered[r] for r in rendition_ids if r in rendered]


async def child_photos(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller).user
        child = await audience.readable_child(
            uow.session, user, request.path_params["child_id"], today_for(caller.organisation)
        )
        photos = await photos_of_child(uow.session, user, child)
    return JSONResponse({"photos": photos})


async def child_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user, organisation = signed_in(caller).user, caller.organisation
        today = today_for(organisation)
        child = await audience.readable_child(uow.session, user, request.path_params["child_id"], today)
        group = await uow.session.get(Group, child.group_id)
        lang = language(request)
        context = {
            **await page_context(uow.session, organisation, user),
            "child": child,
            "group": group.name if group else "",
            "writable": audience.is_current(child, today),
            "day_children": [{"id": child.id, "first_name": child.first_name}],
            "page_state": {
                "child": {"id": child.id, "name": f"{child.first_name} {child.last_name}"},
                "user": {"id": user.id, "role": user.role.value},
                "seq": await feed.last_seq(uow.session, user.id),
            },
            "strings": {
                **texts_with_prefix("feed.", lang),
                **texts_with_prefix("day.", lang),
                **texts_with_prefix("child_page.", lang),
            },
        }
    return render(request, "child.html", context)


routes: list[BaseRoute] = [
    Route("/kind/{child_id:int}", child_page, methods=["GET"]),
    Route("/api/children/{child_id:int}/photos", child_photos, methods=["GET"]),
]
