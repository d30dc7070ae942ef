"""Leaving, for managers and admins: the overview (who leaves when, did the family
download, when is the purge) as JSON and as a printable page, and setting a
child's last day (admins only).

* ``GET /api/admin/leaving``: ``{"children": [...]}``, soonest purge first.
* ``PUT /api/admin/children/<id>/end-date`` with ``{"end_date": "YYYY-MM-DD" | null}``.
* ``GET /vertrek``: the page; ``POST /vertrek``: its form.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from messaging.leaving.overview import leaving_children
from portal.errors import InvalidInput
from portal.roster.dates import today_for
from portal.roster.models import Child, Group, Role
from portal.roster.service import set_end_date
from portal.web.requests import identify, read_form, require_role, runtime, signed_in
from portal.web.responses import redirect
from portal.web.templating import page_context, render

VIEWERS = (Role.MANAGER, Role.ADMIN)


def _parse_date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(detail="end_date must be a date (YYYY-MM-DD) or null")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(detail=f"'{value}' is not a date (YYYY-MM-DD)") from None


async def overview(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, *VIEWERS)
        organisation = caller.organisation
        rows = await leaving_children(uow.session, organisation, today_for(organisation))
    return JSONResponse({"children": [row.as_json() for row in rows]})


async def put_end_date(request: Request) -> Response:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise InvalidInput(detail="the body is not JSON") from None
    if not isinstance(body, dict) or "end_date" not in body:
        raise InvalidInput(detail='send {"end_date": "YYYY-MM-DD"} or {"end_date": null}')
    end_date = _parse_date(body["end_date"])
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, Role.ADMIN)
        organisation = caller.organisation
        child = await set_end_date(
            uow.session, organisation, request.path_params["child_id"], end_date, today_for(organisation)
        )
        result = {"id": child.id, "end_date": child.end_date.isoformat() if child.end_date else None}
    return JSONResponse(result)


async def page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, *VIEWERS).user
        organisation = caller.organisation
        today = today_for(organisation)
        current = list(
            await uow.session.execute(
                select(Child, Group.name)
                .join(Group, Group.id == Child.group_id)
                .where(Child.organisation_id == organisation.id)
                .where((Child.end_date.is_(None)) | (Child.end_date >= today))
                .order_by(Group.name, Child.first_name, Child.id)
            )
        )
        context = {
            **await page_context(uow.session, organisation, user),
            "rows": await leaving_children(uow.session, organisation, today),
            "current": current,
            "can_edit": user.role is Role.ADMIN,
            "saved": request.query_params.get("saved") == "1",
            "window_days": organisation.leaving_window_days,
        }
    return render(request, "leaving_overview.html", context)


async def page_submit(request: Request) -> Response:
    form = await read_form(request)
    child_id, end_date = form.get("child_id"), form.get("end_date")
    if not isinstance(child_id, str) or not child_id.isdigit():
        raise InvalidInput("leaving.choose_child")
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        require_role(caller, Role.ADMIN)
        organisation = caller.organisation
        await set_end_date(uow.session, organisation, int(child_id), _parse_date(end_date), today_for(organisation))
    return redirect("/vertrek?saved=1")


routes: list[BaseRoute] = [
    Route("/api/admin/leaving", overview, methods=["GET"]),
    Route("/api/admin/children/{child_id:int}/end-date", put_end_date, methods=["PUT"]),
    Route("/vertrek", page, methods=["GET"]),
    Route("/vertrek", page_submit, methods=["POST"]),
]
