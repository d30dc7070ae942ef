"""The pages people read and write on:

* ``/``: the home page for every role. Parents and staff get their live feed
  (``static/feed.js`` starts from ``home_state`` and resumes over ``/ws``) with the
  forms to write; managers and admins also the organisation's totals and links.
* ``/afwezig``: a guardian reports a child absent. A plain form that works without
  script; it says before sending whether a report for today is past the cut-off,
  and afterwards whether it counted as on time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from messaging import absence
from messaging.home_state import home_state
from portal.errors import DomainError, InvalidInput
from portal.i18n import texts_with_prefix
from portal.roster.dates import today_for
from portal.roster.models import Organisation, Role, User
from portal.roster.queries import children_of, groups_of, totals
from portal.web.requests import form_text, identify, language, read_form, runtime, signed_in
from portal.web.responses import redirect
from portal.web.templating import page_context, render


async def home(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user, organisation = signed_in(caller).user, caller.organisation
        children = await children_of(uow.session, user)
        lang = language(request)
        context = {
            **await page_context(uow.session, organisation, user),
            "children": children,
            "day_children": [{"id": c.id, "first_name": c.first_name} for c in children],
            "groups": await groups_of(uow.session, user) if user.role.is_staff else [],
            "totals": await totals(uow.session, organisation) if user.role in (Role.MANAGER, Role.ADMIN) else None,
            "state": await home_state(uow.session, user, organisation, today_for(organisation)),
            "strings": {**texts_with_prefix("feed.", lang), **texts_with_prefix("day.", lang)},
        }
    return render(request, "home.html", context)


def _now_local(organisation: Organisation) -> dt.datetime:
    return dt.datetime.now(ZoneInfo(organisation.timezone))


def _cutoff_context(organisation: Organisation) -> dict[str, Any]:
    now = _now_local(organisation)
    return {
        "cutoff": organisation.absence_cutoff.strftime("%H:%M"),
        "today": now.date(),
        "past_cutoff_today": now.time() >= organisation.absence_cutoff,
    }


async def _absence_page(
    request: Request,
    user: User,
    organisation: Organisation,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    async with runtime(request).uow() as uow:
        today = today_for(organisation)
        children = [
            c
            for c in await children_of(uow.session, user)
            if c.end_date is None or dt.date.fromisoformat(c.end_date) >= today
        ]
        context = {
            **await page_context(uow.session, organisation, user),
            **_cutoff_context(organisation),
            "children": children,
            "reasons": absence.REASONS,
            "values": values or {"start_date": today.isoformat(), "reason": "ziek"},
            "error": error,
            "sent": request.query_params.get("sent"),
        }
    return render(request, "absence.html", context, status_code=status_code)


async def absence_page(request: Request) -> Response:
    """The form; ``?child=<id>&day=<YYYY-MM-DD>`` fills it in (a day tapped in the planning)."""
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user, organisation = signed_in(caller).user, caller.organisation
    day = request.query_params.get("day", "")
    try:
        start = dt.date.fromisoformat(day).isoformat()
    except ValueError:
        start = today_for(organisation).isoformat()
    values = {"start_date": start, "reason": "ziek", "child_id": request.query_params.get("child", "")}
    return await _absence_page(request, user, organisation, values=values)


async def absence_submit(request: Request) -> Response:
    form = await read_form(request)
    values = {name: form_text(form, name) for name in ("child_id", "start_date", "end_date", "reason", "note")}
    broker = runtime(request).extras["hub"].broker
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user, organisation = signed_in(caller).user, caller.organisation
    try:
        if not values["child_id"].isdigit():
            raise InvalidInput("absence.choose_child")
        start = absence.parse_day(values["start_date"], "start_date")
        assert start is not None
        end = absence.parse_day(values["end_date"], "end_date", required=False)
        async with runtime(request).uow() as uow:
            report = await absence.report_absence(
                uow,
                broker,
                user,
                int(values["child_id"]),
                start=start,
                end=end,
                reason=values["reason"],
                note=values["note"],
            )
            outcome = "on_time" if report.on_time else "late"
    except DomainError as exc:
        return await _absence_page(
            request, user, organisation, values=values, error=exc.message(language(request)), status_code=exc.status
        )
    return redirect(f"/afwezig?sent={outcome}")


routes: list[BaseRoute] = [
    Route("/", home, methods=["GET"]),
    Route("/afwezig", absence_page, methods=["GET"]),
    Route("/afwezig", absence_submit, methods=["POST"]),
]
