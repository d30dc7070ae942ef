"""Group tablet endpoints: set a device up for a group, its lock screen, unlock
with a PIN, lock, "still here" pings from the page's idle timer, and the list of
tablets for staff and managers (revocable when a tablet is lost).

Thin: the rules live in ``portal.accounts.tablets``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from portal.accounts import tablets
from portal.accounts.invitations import pin_locked_after_commit
from portal.errors import BadCredentials, InvalidInput, RateLimited
from portal.roster.models import Organisation, Role
from portal.roster.queries import groups_of
from portal.web.requests import (
    TABLET_COOKIE,
    form_id,
    form_text,
    identify,
    language,
    read_form,
    require_role,
    runtime,
    signed_in,
)
from portal.web.responses import (
    clear_session_cookie,
    clear_tablet_cookie,
    redirect,
    set_session_cookie,
    set_tablet_cookie,
    to_login,
)
from portal.web.templating import page_context, render

STAFF_ROLES = (Role.STAFF, Role.MANAGER, Role.ADMIN)


async def tablet_page(request: Request) -> Response:
    """The lock screen on a registered tablet; elsewhere, setting this device up."""
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        tablet = await tablets.find(uow.session, caller.organisation, request.cookies.get(TABLET_COOKIE))
        if tablet is not None:
            if caller.principal is not None and caller.principal.session.device_id == tablet.device.id:
                return redirect("/")
            return render(request, "tablet.html", await _lock_screen(uow.session, caller.organisation, tablet))
        if request.cookies.get(TABLET_COOKIE):  # revoked or from another organisation
            response = to_login(request) if caller.principal is None else redirect("/tablet")
            clear_tablet_cookie(response, runtime(request).settings)
            return response
        user = signed_in(caller, *STAFF_ROLES).user
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "setup_groups": await groups_of(uow.session, user),
            "lock_minutes": caller.organisation.tablet_lock_minutes,
        }
    return render(request, "tablet.html", context)


async def _lock_screen(
    session: AsyncSession, organisation: Organisation, tablet: tablets.Tablet, **extra: Any
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "tablet": tablet,
        "unlockers": await tablets.unlockers(session, tablet),
        "lock_minutes": organisation.tablet_lock_minutes,
        **extra,
    }


async def tablet_setup(request: Request) -> Response:
    rt = runtime(request)
    form = await read_form(request)
    group_id = form_id(form, "group_id")
    if group_id is None:
        raise InvalidInput("tablet.choose_group")
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        principal = signed_in(caller, *STAFF_ROLES)
        raw, _ = await tablets.register(
            uow.session, principal, group_id, form_text(form, "label"), form_text(form, "password")
        )
    response = redirect("/tablet")
    set_tablet_cookie(response, raw, rt.settings)
    clear_session_cookie(response, rt.settings)
    return response


async def tablet_unlock(request: Request) -> Response:
    rt = runtime(request)
    form = await read_form(request)
    user_id = form_id(form, "user_id") or 0
    outcome: tuple[str, object] | BadCredentials | RateLimited | tablets.PinLocked
    async with rt.uow() as uow:  # the attempt is counted and committed before the PIN is looked at
        caller = await identify(request, uow.session, authenticate=False)
        tablet = await tablets.find(uow.session, caller.organisation, request.cookies.get(TABLET_COOKIE))
        if tablet is None:
            return redirect("/tablet")
        try:
            attempt = await tablets.count_attempt(uow.session, rt.limiter, tablet, user_id)
        except (BadCredentials, RateLimited, tablets.PinLocked) as exc:
            outcome, attempt = exc, 0
    if attempt:
        async with rt.uow() as uow:
            outcome = await tablets.unlock(
                uow.session,
                rt.limiter,
                caller.organisation,
                tablet,
                user_id,
                attempt,
                form_text(form, "pin"),
                rt.settings.secret_key,
            )
            if isinstance(outcome, tablets.PinLocked) and outcome.just_now:
                pin_locked_after_commit(uow, rt.queue, user_id, tablet.device.id)
    if isinstance(outcome, tuple):
        response = redirect("/")
        set_session_cookie(response, outcome[0], rt.settings, persistent=False)
        return response
    async with rt.uow() as uow:  # show the lock screen again, saying why
        context = await _lock_screen(
            uow.session, caller.organisation, tablet, error=outcome.message(language(request)), selected=user_id
        )
    return render(request, "tablet.html", context, status_code=outcome.status, headers=outcome.headers())


async def tablet_lock(request: Request) -> Response:
    rt = runtime(request)
    await read_form(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        if caller.principal is not None:
            tablets.lock(caller.principal)  # its sockets close within a second (messaging.hub)
    response = redirect("/tablet")
    clear_session_cookie(response, rt.settings)
    return response


async def api_tablet_activity(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        locks_at = tablets.keep_unlocked(principal)
    return JSONResponse({"locks_at": locks_at.isoformat()})


def _tablet_json(tablet: tablets.Tablet) -> dict[str, object]:
    device = tablet.device
    return {
        "id": device.id,
        "label": device.label,
        "group": {"id": device.group_id, "name": tablet.group_name, "location": tablet.location_name},
        "created_at": device.created_at.isoformat(),
        "last_unlocked_at": device.last_seen_at.isoformat(),
    }


async def api_tablets(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *STAFF_ROLES)
        listed = await tablets.listed(uow.session, principal)
    return JSONResponse({"tablets": [_tablet_json(t) for t in listed]})


async def api_revoke_tablet(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *STAFF_ROLES)
        await tablets.revoke(uow.session, principal, request.path_params["device_id"])
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/tablet", tablet_page, methods=["GET"]),
    Route("/tablet", tablet_setup, methods=["POST"]),
    Route("/tablet/unlock", tablet_unlock, methods=["POST"]),
    Route("/tablet/lock", tablet_lock, methods=["POST"]),
    Route("/api/tablet/activity", api_tablet_activity, methods=["POST"]),
    Route("/api/tablets", api_tablets, methods=["GET"]),
    Route("/api/tablets/{device_id:int}", api_revoke_tablet, methods=["DELETE"]),
]
