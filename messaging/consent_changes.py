"""``PUT /api/children/<id>/consents``: a guardian changes their answers, and a
withdrawal takes effect at once, backwards.

In the same transaction as the change (so the answer and its effect commit
together) every photo showing the child is re-judged with ``messaging.photos``
in ``NARROW`` mode: recipients who may no longer see it lose access and get a
``retract``, and those who now need a masked rendition get it (or, if it
still has to be made, the worker is asked after commit). Media URLs stop
working at commit. A grant changes nothing already shared; staff re-share.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from consent import service
from consent.views import answers_view
from media.upload import SHARE_PHOTO
from messaging import photos
from messaging.hub import Hub
from portal.web.requests import identify, language, require_role, runtime
from portal.web.responses import json_body


def client_label(request: Request) -> str:
    """Which client made the change, for the audit trail: the app's name if it sends one, else the browser."""
    named = request.headers.get("x-schriftje-client")
    return (named or request.headers.get("user-agent") or "onbekend")[: service.MAX_CLIENT_CHARS]


async def change_consents(request: Request) -> Response:
    data = await json_body(request)
    rt = runtime(request)
    hub: Hub = rt.extras["hub"]
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        child, withdrawn = await service.set_consents(
            uow, user, request.path_params["child_id"], data, client_label(request)
        )
        if withdrawn:
            for photo_id in await photos.withdraw(uow, hub.broker, child.id, rt.extras["storage"]):
                uow.after_commit(_enqueue_share(request, photo_id))
        _, current = await service.guardian_child(uow.session, user, child.id)
        answers = await service.answers(uow.session, user, child)
    return JSONResponse(answers_view(child, answers, language(request), current=current))


def _enqueue_share(request: Request, photo_id: int) -> Callable[[], Awaitable[None]]:
    async def enqueue() -> None:
        await runtime(request).queue.enqueue(SHARE_PHOTO, photo_id, photos.Mode.NARROW.value)

    return enqueue


routes: list[BaseRoute] = [Route("/api/children/{child_id:int}/consents", change_consents, methods=["PUT"])]
