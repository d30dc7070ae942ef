"""Planning's pages, phone first and without script: the family's month (``/planning``)
where a tap on a day opens what can be asked for it, or why not, and the
location's inbox (``/planning/inbox``) with what granting does to the ratio."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from planning import requests
from planning.inbox import inbox
from planning.month import current_month
from planning.routes import MANAGING, parse_ask
from portal.errors import DomainError, InvalidInput
from portal.roster.dates import today_for
from portal.roster.models import Child, Guardianship, Role
from portal.web.requests import form_text, identify, language, read_form, runtime, signed_in
from portal.web.responses import redirect
from portal.web.templating import page_context, render


def _month_link(child_id: int, month: dt.date) -> str:
    return f"/planning?child={child_id}&month={month.strftime('%Y-%m')}"


async def planning_page(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    now = dt.datetime.now(dt.UTC)
    rt = runtime(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.PARENT).user
        children = list(
            await uow.session.scalars(
                select(Child)
                .join(Guardianship, Guardianship.child_id == Child.id)
                .where(Guardianship.user_id == user.id)
                .order_by(Child.first_name)
            )
        )
        base = await page_context(uow.session, caller.organisation, user)
    wanted = request.query_params.get("child", "")
    child = next((c for c in children if str(c.id) == wanted), children[0] if children else None)
    context: dict[str, object] = {
        **base,
        "children": children,
        "child": child,
        "error": error,
        "done": request.query_params.get("done", ""),
    }
    if child is not None:
        target = await _target(request, child.id)
        _, view = await current_month(rt.uow, target, request.query_params.get("month"), now)
        month = view["first"]
        previous = (view["first"] - dt.timedelta(days=1)).replace(day=1)
        following = view["last"] + dt.timedelta(days=1)
        context.update(
            view=view, previous=_month_link(child.id, previous), following=_month_link(child.id, following), month=month
        )
    return render(request, "planning.html", context, status_code=status_code)


async def _target(request: Request, child_id: int) -> requests.Target:
    async with runtime(request).uow() as uow:
        user = signed_in(await identify(request, uow.session), Role.PARENT).user
        return await requests.target_for_guardian(uow.session, user, child_id)


async def planning_ask(request: Request) -> Response:
    form = await read_form(request)
    rt = runtime(request)
    async with rt.uow() as uow:
        user = signed_in(await identify(request, uow.session), Role.PARENT).user
    child_id = form_text(form, "child_id")
    try:
        if not child_id.isdigit():
            raise InvalidInput("planning.bad_day")
        target = await _target(request, int(child_id))
        ask, wait, note = parse_ask(
            {
                "kind": form_text(form, "kind"),
                "day": form_text(form, "day"),
                "dagdelen": form_text(form, "dagdelen") or "ochtend+middag",
                "gives_up": form_text(form, "gives_up") or None,
                "use_credit": form_text(form, "use_credit") == "1",
                "wait": form_text(form, "wait") == "1",
                "note": form_text(form, "note"),
            }
        )
        async with rt.uow() as uow:
            made = await requests.submit(uow, rt.extras["hub"].broker, user, target, ask, wait=wait, note=note)
            status = made.status
    except DomainError as exc:
        return await planning_page(request, error=exc.message(language(request)), status_code=exc.status)
    return redirect(f"{_month_link(int(child_id), ask.day)}&done={status}")


async def planning_cancel(request: Request) -> Response:
    form = await read_form(request)
    rt = runtime(request)
    request_id = request.path_params["request_id"]
    try:
        async with rt.uow() as uow:
            user = signed_in(await identify(request, uow.session), Role.PARENT).user
            target, _ = await requests.target_of_request(uow.session, user, request_id)
        async with rt.uow() as uow:
            done = await requests.cancel(uow, rt.extras["hub"].broker, user, target, request_id)
            child_id, day = done.child_id, done.day
    except DomainError as exc:
        return await planning_page(request, error=exc.message(language(request)), status_code=exc.status)
    del form
    return redirect(f"{_month_link(child_id, day)}&done=cancelled")


async def inbox_page(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, *MANAGING).user
        items = await inbox(uow.session, user, today_for(caller.organisation))
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "items": items,
            "error": error,
            "month": today_for(caller.organisation).strftime("%Y-%m"),
        }
    return render(request, "planning_inbox.html", context, status_code=status_code)


async def inbox_decide(request: Request) -> Response:
    form = await read_form(request)
    rt = runtime(request)
    request_id = request.path_params["request_id"]
    try:
        async with rt.uow() as uow:
            user = signed_in(await identify(request, uow.session), *MANAGING).user
            target, _ = await requests.target_of_request(uow.session, user, request_id)
        async with rt.uow() as uow:
            await requests.decide(
                uow,
                rt.extras["hub"].broker,
                user,
                target,
                request_id,
                grant=form_text(form, "decision") == "grant",
                reason=form_text(form, "reason"),
            )
    except DomainError as exc:
        return await inbox_page(request, error=exc.message(language(request)), status_code=exc.status)
    return redirect("/planning/inbox")


routes: list[BaseRoute] = [
    Route("/planning", planning_page, methods=["GET"]),
    Route("/planning/ask", planning_ask, methods=["POST"]),
    Route("/planning/requests/{request_id:int}/cancel", planning_cancel, methods=["POST"]),
    Route("/planning/inbox", inbox_page, methods=["GET"]),
    Route("/planning/inbox/{request_id:int}", inbox_decide, methods=["POST"]),
]
