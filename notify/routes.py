"""Notify's web side, thin: the notifications page under Account and its JSON API
(preferences, this device's subscription, the list of devices), the one-click
unsubscribe of the digest, and the installable app's manifest, service worker and
offline page (``notify.app_shell``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from notify import dispatch, kinds, service
from notify.digest import user_of_token
from notify.models import NotifyPreference
from portal.errors import InvalidInput
from portal.i18n import texts_with_prefix
from portal.roster.models import Role, User
from portal.web.requests import identify, language, require_role, runtime, signed_in
from portal.web.responses import json_body
from portal.web.templating import page_context, render


def _public_key(request: Request) -> str:
    key: str = runtime(request).extras["vapid_public_key"]
    return key


async def _state(request: Request, session: AsyncSession, user: User, endpoint: str | None) -> dict[str, object]:
    prefs = await service.preferences(session, user)
    return {
        "public_key": _public_key(request),
        "categories": list(kinds.categories_for(user.role.is_staff)),
        "preferences": prefs.as_dict(),
        "devices": [service.device_dict(d, endpoint) for d in await service.devices(session, user)],
    }


async def notifications_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = signed_in(caller)
        user = principal.user
        managing = user.role in (Role.MANAGER, Role.ADMIN)
        organisation = await service.organisation_settings(uow.session, caller.organisation.id) if managing else None
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "state": await _state(request, uow.session, user, None),
            "organisation_notify": service.organisation_dict(organisation) if organisation else None,
            "may_change_organisation": user.role is Role.ADMIN,
            "all_categories": list(kinds.ALL_CATEGORIES),
            "strings": texts_with_prefix("notify.", language(request)),
        }
    return render(request, "notifications.html", context)


async def api_state(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        body = await _state(request, uow.session, principal.user, request.query_params.get("endpoint"))
    return JSONResponse(body)


async def api_preferences(request: Request) -> Response:
    data = await json_body(request)
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        prefs = await service.update_preferences(uow.session, principal.user, data)
    return JSONResponse(prefs.as_dict())


async def api_subscribe(request: Request) -> Response:
    data = await json_body(request)
    label = request.headers.get("user-agent", "")
    rt = runtime(request)
    async with rt.uow() as uow:
        principal = require_role(await identify(request, uow.session))
        row = await service.subscribe(
            uow.session, principal.user, principal.session.id, data, label, rt.settings.push_services
        )
        body = service.device_dict(row, row.endpoint)
    return JSONResponse(body, status_code=201)


async def api_test(request: Request) -> Response:
    rt = runtime(request)
    async with rt.uow() as uow:
        principal = require_role(await identify(request, uow.session))
        counts = await dispatch.send_test(uow.session, rt.extras["pusher"], principal.user, language(request))
    return JSONResponse({"sent": counts.pushed, "gone": counts.gone, "failed": counts.failed})


async def api_unsubscribe_endpoint(request: Request) -> Response:
    data = await json_body(request)
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str):
        raise InvalidInput("notify.bad_subscription")
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        await service.remove_endpoint(uow.session, principal.user, endpoint)
    return Response(status_code=204)


async def api_remove_device(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        await service.remove_device(uow.session, principal.user, int(request.path_params["device_id"]))
    return Response(status_code=204)


async def api_organisation(request: Request) -> Response:
    """GET (managers, admins) or PUT (admins): the organisation's urgent categories and digest time."""
    data = await json_body(request) if request.method == "PUT" else {}
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        if request.method == "PUT":
            require_role(caller, Role.ADMIN)
            row = await service.update_organisation(uow.session, caller.organisation.id, data)
        else:
            require_role(caller, Role.MANAGER, Role.ADMIN)
            row = await service.organisation_settings(uow.session, caller.organisation.id)
        body = service.organisation_dict(row)
    return JSONResponse(body)


async def unsubscribe(request: Request) -> Response:
    """GET shows a button (mail scanners follow links); POST (the button, or a mail
    client's RFC 8058 one-click) turns the digest off."""
    rt = runtime(request)
    user_id = user_of_token(rt.settings, request.path_params["token"])
    async with rt.uow() as uow:
        caller = await identify(request, uow.session, authenticate=False)
        user = await uow.session.get(User, user_id) if user_id is not None else None
        if user is None or user.organisation_id != caller.organisation.id:
            return render(request, "unsubscribe.html", {"state": "invalid"}, status_code=404)
        done = False
        if request.method == "POST":
            prefs = await uow.session.get(NotifyPreference, user.id)
            if prefs is not None:
                prefs.digest = False
            done = True
    return render(request, "unsubscribe.html", {"state": "done" if done else "ask"})


routes: list[BaseRoute] = [
    Route("/account/notifications", notifications_page, methods=["GET"]),
    Route("/api/notify", api_state, methods=["GET"]),
    Route("/api/notify/preferences", api_preferences, methods=["PUT"]),
    Route("/api/notify/organisation", api_organisation, methods=["GET", "PUT"]),
    Route("/api/notify/subscriptions", api_subscribe, methods=["POST"]),
    Route("/api/notify/test", api_test, methods=["POST"]),
    Route("/api/notify/subscriptions/by-endpoint", api_unsubscribe_endpoint, methods=["DELETE"]),
    Route("/api/notify/subscriptions/{device_id:int}", api_remove_device, methods=["DELETE"]),
    Route("/notify/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"]),
]
