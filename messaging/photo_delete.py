"""``DELETE /api/photos/<id>``: staff delete a photo they posted (a wrong child, a
blurry one); thin, the rules are ``messaging.photos.delete_photo``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from messaging.hub import Hub
from messaging.photos import delete_photo
from portal.web.requests import identify, require_role, runtime


async def delete_photo_route(request: Request) -> Response:
    rt = runtime(request)
    hub: Hub = rt.extras["hub"]
    async with rt.uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        await delete_photo(uow, hub.broker, rt.extras["storage"], user, request.path_params["photo_id"])
    return Response(status_code=204)


routes: list[BaseRoute] = [Route("/api/photos/{photo_id:int}", delete_photo_route, methods=["DELETE"])]
