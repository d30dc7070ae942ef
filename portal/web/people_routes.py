"""Ending someone's access by hand, for admins: deactivate (or reactivate) an account,
take a guardian off a child, and read the roster's audit log.

JSON API (``/api/admin/...``) and the forms of ``/rooster`` and ``/rooster/ouders``
call the same use cases (``portal.accounts.deactivation``, ``portal.roster.membership``)
and hand what ended to the runtime's take-back in the same transaction, so an
account's sessions and sockets, and a guardian's feed, photos and archives, are
taken back the moment the change commits. Managers may read; only admins change.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from portal.accounts.deactivation import deactivate, member, reactivate
from portal.roster import audit
from portal.roster.membership import check_reason, guardians_of_child, remove_guardian
from portal.roster.models import Role, RosterChange
from portal.roster.queries import children_with_guardians
from portal.web.requests import Caller, form_text, identify, read_form, require_role, runtime, signed_in
from portal.web.responses import json_body, json_text, redirect
from portal.web.templating import page_context, render

READERS = (Role.MANAGER, Role.ADMIN)


def _change_json(line: RosterChange) -> dict[str, Any]:
    return {
        "id": line.id,
        "at": line.at.isoformat(),
        "action": line.action,
        "by": line.actor_name or None,
        "person": line.subject_name or None,
        "child": line.child_name or None,
        "group": line.group_name or None,
        "reason": line.reason,
    }


async def _deactivate(request: Request, caller: Caller, user_id: int, reason: str) -> None:
    rt = runtime(request)
    async with rt.uow() as uow:
        actor = require_role(caller, Role.ADMIN).user
        user = await member(uow.session, caller.organisation, user_id)
        await rt.take_back(uow, await deactivate(uow.session, caller.organisation, actor, user, check_reason(reason)))


async def _reactivate(request: Request, caller: Caller, user_id: int) -> None:
    async with runtime(request).uow() as uow:
        actor = require_role(caller, Role.ADMIN).user
        await reactivate(
            uow.session, caller.organisation, actor, await member(uow.session, caller.organisation, user_id)
        )


async def _remove_guardian(request: Request, caller: Caller, child_id: int, user_id: int, reason: str) -> None:
    rt = runtime(request)
    async with rt.uow() as uow:
        actor = require_role(caller, Role.ADMIN).user
        ended = await remove_guardian(uow.session, caller.organisation, actor, child_id, user_id, check_reason(reason))
        await rt.take_back(uow, ended)


async def _caller(request: Request) -> Caller:
    async with runtime(request).uow() as uow:
        return await identify(request, uow.session)


# ---- JSON API ------------------------------------------------------------------------


async def api_deactivate(request: Request) -> Response:
    data = await json_body(request)
    await _deactivate(request, await _caller(request), request.path_params["user_id"], json_text(data, "reason"))
    return Response(status_code=204)


async def api_reactivate(request: Request) -> Response:
    await _reactivate(request, await _caller(request), request.path_params["user_id"])
    return Response(status_code=204)


async def api_guardians(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, *READERS)
        child, users = await guardians_of_child(uow.session, caller.organisation, request.path_params["child_id"])
    return JSONResponse(
        {
            "child": {"id": child.id, "name": child.full_name},
            "guardians": [{"id": u.id, "name": u.display_name, "email": u.email, "active": u.is_active} for u in users],
        }
    )


async def api_remove_guardian(request: Request) -> Response:
    data = await json_body(request)
    params = request.path_params
    await _remove_guardian(
        request, await _caller(request), params["child_id"], params["user_id"], json_text(data, "reason")
    )
    return Response(status_code=204)


async def api_roster_changes(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, *READERS)
        lines = await audit.recent(uow.session, caller.organisation.id)
    return JSONResponse({"changes": [_change_json(line) for line in lines]})


# ---- page forms ------------------------------------------------------------------------


async def form_deactivate(request: Request) -> Response:
    form = await read_form(request)
    caller = await _caller(request)
    signed_in(caller, Role.ADMIN)
    await _deactivate(request, caller, request.path_params["user_id"], form_text(form, "reason"))
    return redirect("/rooster?done=deactivated#staff-title")


async def form_reactivate(request: Request) -> Response:
    await read_form(request)
    caller = await _caller(request)
    signed_in(caller, Role.ADMIN)
    await _reactivate(request, caller, request.path_params["user_id"])
    return redirect("/rooster?done=reactivated#staff-title")


async def guardians_page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, *READERS).user
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "children": await children_with_guardians(uow.session, caller.organisation),
            "can_change": user.role is Role.ADMIN,
            "done": request.query_params.get("done") == "removed",
        }
    return render(request, "guardians.html", context)


async def form_remove_guardian(request: Request) -> Response:
    form = await read_form(request)
    caller = await _caller(request)
    signed_in(caller, Role.ADMIN)
    params = request.path_params
    await _remove_guardian(request, caller, params["child_id"], params["user_id"], form_text(form, "reason"))
    return redirect(f"/rooster/ouders?done=removed#child-{params['child_id']}")


routes: list[BaseRoute] = [
    Route("/api/admin/users/{user_id:int}/deactivate", api_deactivate, methods=["POST"]),
    Route("/api/admin/users/{user_id:int}/reactivate", api_reactivate, methods=["POST"]),
    Route("/api/admin/children/{child_id:int}/guardians", api_guardians, methods=["GET"]),
    Route("/api/admin/children/{child_id:int}/guardians/{user_id:int}/remove", api_remove_guardian, methods=["POST"]),
    Route("/api/admin/roster-changes", api_roster_changes, methods=["GET"]),
    Route("/rooster/mensen/{user_id:int}/deactiveren", form_deactivate, methods=["POST"]),
    Route("/rooster/mensen/{user_id:int}/heractiveren", form_reactivate, methods=["POST"]),
    Route("/rooster/ouders", guardians_page, methods=["GET"]),
    Route("/rooster/ouders/{child_id:int}/{user_id:int}/ontkoppelen", form_remove_guardian, methods=["POST"]),
]
