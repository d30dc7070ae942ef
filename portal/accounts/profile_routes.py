"""The account page (``/account``) and its API: change the password, set the tablet
PIN (staff), see signed-in devices and sign them out.

Thin: the rules live in ``portal.accounts.profile`` and ``portal.accounts.service``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from portal.accounts import profile, service
from portal.i18n import texts_with_prefix
from portal.web.requests import identify, language, require_role, runtime, signed_in
from portal.web.responses import json_body, json_text
from portal.web.templating import page_context, render


async def account_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = signed_in(caller)
        context = {
            **await page_context(uow.session, caller.organisation, principal.user),
            "sessions": await service.list_sessions(uow.session, principal.user),
            "current_session_id": principal.session.id,
            "has_pin": principal.user.pin_hash is not None,
            "device_name": profile.device_name,
            "strings": texts_with_prefix("feed.", language(request)) | texts_with_prefix("account.", language(request)),
        }
    return render(request, "account.html", context)


async def api_change_password(request: Request) -> Response:
    data = await json_body(request)
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        ended = await profile.change_password(
            uow.session,
            principal,
            json_text(data, "current_password"),
            json_text(data, "password"),
            json_text(data, "password2"),
        )
    return JSONResponse({"other_sessions_ended": ended})


async def api_set_pin(request: Request) -> Response:
    data = await json_body(request)
    rt = runtime(request)
    async with rt.uow() as uow:
        principal = require_role(await identify(request, uow.session))
        profile.set_pin(
            principal,
            json_text(data, "current_password"),
            json_text(data, "pin", max_len=32),
            json_text(data, "pin2", max_len=32),
            rt.settings.secret_key,
        )
    return JSONResponse({"has_pin": True})


async def api_clear_pin(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        profile.clear_pin(require_role(await identify(request, uow.session)))
    return Response(status_code=204)


async def api_end_other_sessions(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        ended = await service.revoke_all_sessions(uow.session, principal.user, keep=principal.session.id)
    return JSONResponse({"ended": ended})


routes: list[BaseRoute] = [
    Route("/account", account_page, methods=["GET"]),
    Route("/api/account/password", api_change_password, methods=["POST"]),
    Route("/api/account/pin", api_set_pin, methods=["POST"]),
    Route("/api/account/pin", api_clear_pin, methods=["DELETE"]),
    Route("/api/sessions/others", api_end_other_sessions, methods=["DELETE"]),
]
