"""The tablet's photo page, ``/fotos``: staff choose photos from the camera roll, tag
the children on each (every child marked with its consent status before anything is
sent), drag a rectangle over a child to mask it, see who will receive what, and send.
The page itself is a shell; ``static/upload.js`` does the work against the photo and
consent APIs, keeping sent-but-unconfirmed photos in the browser's IndexedDB so a
reload or a dropped connection never loses or duplicates one (idempotency keys)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.errors import Forbidden
from portal.i18n import texts_with_prefix
from portal.roster.queries import groups_of
from portal.web.requests import identify, language, runtime, signed_in
from portal.web.templating import page_context, render


async def upload_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller).user
        if not user.role.is_staff:
            raise Forbidden()
        lang = language(request)
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "groups": await groups_of(uow.session, user),
            "strings": texts_with_prefix("upload.", lang) | texts_with_prefix("feed.", lang),
        }
    return render(request, "upload.html", context)


routes: list[BaseRoute] = [Route("/fotos", upload_page, methods=["GET"])]
