"""The organisation's settings for admins: ``GET``/``PATCH /api/admin/organisation``
and the page ``/instellingen`` (a plain form that works without script; a mistake
shows the form again with what was typed and the reason). Managers may look."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from portal.errors import InvalidInput
from portal.roster import org_settings
from portal.roster.models import Role
from portal.web.requests import form_text, identify, language, read_form, require_role, runtime, signed_in
from portal.web.responses import json_body, redirect
from portal.web.templating import page_context, render


async def api_settings(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, Role.MANAGER, Role.ADMIN)
        return JSONResponse(org_settings.current(caller.organisation))


async def api_change_settings(request: Request) -> Response:
    data = await json_body(request)
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, Role.ADMIN)
        result = org_settings.change(caller.organisation, data)
    return JSONResponse(result)


async def page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.MANAGER, Role.ADMIN).user
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "values": org_settings.current(caller.organisation),
            "can_edit": user.role is Role.ADMIN,
            "saved": request.query_params.get("saved") == "1",
        }
    return render(request, "settings.html", context)


async def page_submit(request: Request) -> Response:
    form = await read_form(request)
    typed = {name: form_text(form, name) for name in org_settings.FIELDS}
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.ADMIN).user
        try:
            org_settings.change(caller.organisation, typed)
        except InvalidInput as exc:  # nothing was changed
            context = {
                **await page_context(uow.session, caller.organisation, user),
                "values": typed,
                "can_edit": True,
                "error": exc.message(language(request)),
            }
            return render(request, "settings.html", context, status_code=exc.status)
    return redirect("/instellingen?saved=1")


routes: list[BaseRoute] = [
    Route("/api/admin/organisation", api_settings, methods=["GET"]),
    Route("/api/admin/organisation", api_change_settings, methods=["PATCH"]),
    Route("/instellingen", page, methods=["GET"]),
    Route("/instellingen", page_submit, methods=["POST"]),
]
