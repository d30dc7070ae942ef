"""The planning set-up page (``/planning/instellingen``) for managers and admins,
without script: the rule set (admins change it), each location's choices and closing
days, each group's places and staff week grid, and the contracts CSV. Every form
posts back here; a wrong value is said in words and nothing of that form is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from planning import admin, rules
from planning.models import ClosingDay, LocationPlanning
from planning.routes import MANAGING
from planning.setup import rules_for
from portal.errors import DomainError, Forbidden, InvalidInput
from portal.roster.dates import today_for
from portal.roster.models import Group, Location, Role, User
from portal.web.requests import form_text, identify, language, read_form, runtime, signed_in
from portal.web.responses import redirect
from portal.web.templating import page_context, render

WEEKDAY_KEYS = ("ma", "di", "wo", "do", "vr")
NUMBERS = (
    "swap_max_days_ahead",
    "extra_max_days_ahead",
    "extra_min_hours_ahead",
    "extra_cancel_hours",
    "earn_days_ahead",
    "holiday_cancel_weeks",
    "invoice_months_after",
)
MAX_CSV_BYTES = 2 * 1024 * 1024


async def setup_page(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, *MANAGING).user
        session = uow.session
        org_id = caller.organisation.id
        locations = list(
            await session.scalars(select(Location).where(Location.organisation_id == org_id).order_by(Location.name))
        )
        choices = {
            row.location_id: row
            for row in await session.scalars(
                select(LocationPlanning).where(LocationPlanning.location_id.in_([loc.id for loc in locations]))
            )
        }
        today = today_for(caller.organisation)
        closing: dict[int, list[ClosingDay]] = {}
        for row in await session.scalars(
            select(ClosingDay)
            .where(ClosingDay.organisation_id == org_id, ClosingDay.day >= today)
            .order_by(ClosingDay.day)
        ):
            closing.setdefault(row.location_id, []).append(row)
        groups = list(await session.scalars(select(Group).where(Group.organisation_id == org_id).order_by(Group.name)))
        rooms = {g.id: await admin.room_dict(session, g) for g in groups}
        context: dict[str, Any] = {
            **await page_context(session, caller.organisation, user),
            "rules": await rules_for(session, org_id),
            "presets": sorted(rules.PRESETS),
            "numbers": NUMBERS,
            "may_change_rules": user.role is Role.ADMIN,
            "locations": locations,
            "choices": choices,
            "closing": closing,
            "groups": groups,
            "rooms": rooms,
            "weekdays": list(enumerate(WEEKDAY_KEYS)),
            "dagdelen": rules.DAGDELEN,
            "error": error,
            "saved": request.query_params.get("saved", ""),
            "today": today.isoformat(),
        }
    return render(request, "planning_setup.html", context, status_code=status_code)


async def _user(request: Request, *roles: Role) -> User:
    async with runtime(request).uow() as uow:
        return signed_in(await identify(request, uow.session), *(roles or MANAGING)).user


def _int(form: FormData, name: str) -> int | None:
    text = form_text(form, name).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("planning.rules.bad_number", field=name, low=0, high=999) from None


async def _saving(request: Request, what: str, work: Any) -> Response:
    """Run ``work(uow, user)``; back to the page with what was saved, or the error."""
    try:
        async with runtime(request).uow() as uow:
            caller = await identify(request, uow.session)
            user = signed_in(caller, *MANAGING).user
            await work(uow, user, caller)
    except DomainError as exc:
        return await setup_page(request, error=exc.message(language(request)), status_code=exc.status)
    return redirect(f"/planning/instellingen?saved={what}")


async def save_rules(request: Request) -> Response:
    form = await read_form(request)

    async def work(uow: Any, user: User, caller: Any) -> None:
        if user.role is not Role.ADMIN:
            raise Forbidden()
        data: dict[str, Any] = {"preset": form_text(form, "preset")}
        current = await rules_for(uow.session, caller.organisation.id)
        if data["preset"] == current.preset:  # the numbers only count for the preset they were shown with
            for name in NUMBERS:
                value = _int(form, name)
                if value is not None:
                    data[name] = value
            valid = form_text(form, "credit_valid_days").strip()
            data["credit_valid_days"] = None if valid in ("", "0") else _int(form, "credit_valid_days")
            if form_text(form, "earn_cutoff"):
                data["earn_cutoff"] = form_text(form, "earn_cutoff")
        await admin.set_rules(uow.session, caller.organisation.id, data)

    return await _saving(request, "rules", work)


async def save_location(request: Request) -> Response:
    form = await read_form(request)
    location_id = request.path_params["location_id"]

    async def work(uow: Any, user: User, caller: Any) -> None:
        await admin.set_location(
            uow.session,
            user,
            location_id,
            {flag: form_text(form, flag) == "1" for flag in ("auto_decide", "early_care", "late_care")},
        )
        if form_text(form, "closing_day"):
            try:
                day = dt.date.fromisoformat(form_text(form, "closing_day"))
            except ValueError:
                raise InvalidInput("planning.bad_day") from None
            await admin.add_closing_day(uow.session, user, location_id, day, form_text(form, "closing_reason"))

    return await _saving(request, "location", work)


async def remove_closing(request: Request) -> Response:
    form = await read_form(request)
    location_id = request.path_params["location_id"]

    async def work(uow: Any, user: User, caller: Any) -> None:
        try:
            day = dt.date.fromisoformat(form_text(form, "day"))
        except ValueError:
            raise InvalidInput("planning.bad_day") from None
        await admin.remove_closing_day(uow.session, user, location_id, day)

    return await _saving(request, "location", work)


async def save_group(request: Request) -> Response:
    form = await read_form(request)
    group_id = request.path_params["group_id"]

    async def work(uow: Any, user: User, caller: Any) -> None:
        grid: dict[str, dict[str, int]] = {}
        for index, key in enumerate(WEEKDAY_KEYS):
            for dagdeel in rules.DAGDELEN:
                value = _int(form, f"staff-{key}-{dagdeel}")
                if value is not None:
                    grid.setdefault(str(index), {})[dagdeel] = value
        await admin.set_room(uow.session, user, group_id, {"places": _int(form, "places"), "staff": grid})

    return await _saving(request, "group", work)


async def import_contracts(request: Request) -> Response:
    form = await read_form(request, max_files=1)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("roster_page.choose_file")
        data = await upload.read(MAX_CSV_BYTES + 1)
    except DomainError as exc:
        return await setup_page(request, error=exc.message(language(request)), status_code=exc.status)
    finally:
        await form.close()

    async def work(uow: Any, user: User, caller: Any) -> None:
        if len(data) > MAX_CSV_BYTES:
            raise InvalidInput("planning.contract.too_big")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("planning.contract.not_utf8") from None
        await admin.import_contracts(uow.session, user, text)

    return await _saving(request, "contracts", work)


routes: list[BaseRoute] = [
    Route("/planning/instellingen", setup_page, methods=["GET"]),
    Route("/planning/instellingen/regels", save_rules, methods=["POST"]),
    Route("/planning/instellingen/locatie/{location_id:int}", save_location, methods=["POST"]),
    Route("/planning/instellingen/locatie/{location_id:int}/sluitingsdag", remove_closing, methods=["POST"]),
    Route("/planning/instellingen/groep/{group_id:int}", save_group, methods=["POST"]),
    Route("/planning/instellingen/contracten", import_contracts, methods=["POST"]),
]
