"""Planning's JSON API, thin: a child's month and requests for its family, the inbox
and decisions for managers, the set-up for admins and managers, and the month's
export for invoicing. Deciding transactions are opened after the caller is known, so
the group's lock is their first statement (``planning.room.lock``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from planning import admin, ledger, requests
from planning.asks import Ask
from planning.calendar import credit_expires
from planning.export import month_csv
from planning.inbox import inbox
from planning.month import current_month, parse_month
from planning.notices import request_data
from planning.rules import PRESETS
from planning.setup import child_facts, rules_for
from portal.errors import InvalidInput, NotFound
from portal.roster.dates import today_for
from portal.roster.models import Child, Role
from portal.web.requests import identify, require_role, runtime
from portal.web.responses import json_body

MANAGING = (Role.MANAGER, Role.ADMIN)


def parse_ask(data: dict[str, Any]) -> tuple[Ask, bool, str]:
    try:
        day = dt.date.fromisoformat(str(data.get("day")))
        gives_up = dt.date.fromisoformat(str(data["gives_up"])) if data.get("gives_up") else None
    except ValueError:
        raise InvalidInput("planning.bad_day") from None
    dagdelen = data.get("dagdelen") or ["ochtend", "middag"]
    if isinstance(dagdelen, str):
        dagdelen = dagdelen.split("+")
    if not isinstance(dagdelen, list) or not all(isinstance(d, str) for d in dagdelen):
        raise InvalidInput("planning.why.bad_dagdeel")
    unique = tuple(dict.fromkeys(dagdelen))  # "ochtend+ochtend" is one morning, not two
    ask = Ask(str(data.get("kind", "")), day, unique, gives_up, bool(data.get("use_credit")))
    return ask, bool(data.get("wait")), str(data.get("note") or "")


def _lot(lot: ledger.Lot) -> dict[str, Any]:
    return {
        "id": lot.id,
        "day": lot.day.isoformat() if lot.day else None,
        "remaining": lot.remaining,
        "expires_on": lot.expires_on.isoformat(),
        "care_type": lot.care_type,
    }


async def api_month(request: Request) -> Response:
    now = dt.datetime.now(dt.UTC)
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), Role.PARENT)
        target = await requests.target_for_guardian(uow.session, principal.user, request.path_params["child_id"])
    locked, view = await current_month(runtime(request).uow, target, request.query_params.get("month"), now)
    facts = locked.facts
    return JSONResponse(
        {
            "child": {"id": facts.child.id, "name": facts.child.first_name},
            "unit": view["unit"],
            "balance": view["balance"],
            "lots": [_lot(lot) for lot in view["lots"]],
            "days": [
                {
                    "day": d.day.isoformat(),
                    "closed": d.closed,
                    "closed_name": d.closed_name,
                    "booked": list(d.booked),
                    "absence": d.absence,
                    "swapped_away": d.swapped_away,
                    "room": d.room,
                    "requests": d.requests,
                    "why_not": {"extra": d.extra, "credit": d.credit, "swap": d.swap},
                    "swap_from": d.swap_from,
                }
                for week in view["weeks"]
                for d in week
                if d.in_month
            ],
        }
    )


async def api_submit(request: Request) -> Response:
    data = await json_body(request)
    ask, wait, note = parse_ask(data)
    rt = runtime(request)
    async with rt.uow() as uow:
        principal = require_role(await identify(request, uow.session), Role.PARENT)
        target = await requests.target_for_guardian(uow.session, principal.user, request.path_params["child_id"])
    async with rt.uow() as uow:
        made = await requests.submit(uow, rt.extras["hub"].broker, principal.user, target, ask, wait=wait, note=note)
        child = await uow.session.get_one(Child, made.child_id)
        body = request_data(made, child)
    return JSONResponse(body, status_code=201)


async def api_cancel(request: Request) -> Response:
    rt = runtime(request)
    async with rt.uow() as uow:
        principal = require_role(await identify(request, uow.session), Role.PARENT)
        target, family = await requests.target_of_request(
            uow.session, principal.user, request.path_params["request_id"]
        )
        if not family:
            raise NotFound()
    async with rt.uow() as uow:
        done = await requests.cancel(
            uow, rt.extras["hub"].broker, principal.user, target, request.path_params["request_id"]
        )
        body = request_data(done, await uow.session.get_one(Child, done.child_id))
    return JSONResponse(body)


async def api_inbox(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller, *MANAGING)
        today = today_for(caller.organisation)
        items = await inbox(uow.session, principal.user, today)
    return JSONResponse({"requests": [{k: v for k, v in i.items() if k != "asked_at"} for i in items]})


async def api_decide(request: Request) -> Response:
    data = await json_body(request)
    rt = runtime(request)
    async with rt.uow() as uow:
        principal = require_role(await identify(request, uow.session), *MANAGING)
        target, _ = await requests.target_of_request(uow.session, principal.user, request.path_params["request_id"])
    async with rt.uow() as uow:
        done = await requests.decide(
            uow,
            rt.extras["hub"].broker,
            principal.user,
            target,
            request.path_params["request_id"],
            grant=bool(data.get("grant")),
            reason=str(data.get("reason") or ""),
        )
        body = request_data(done, await uow.session.get_one(Child, done.child_id))
    return JSONResponse(body)


async def api_rules(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        if request.method == "PUT":
            require_role(caller, Role.ADMIN)
            rules = await admin.set_rules(uow.session, caller.organisation.id, await json_body(request))
        else:
            require_role(caller, *MANAGING)
            rules = await rules_for(uow.session, caller.organisation.id)
    return JSONResponse({**rules.as_dict(), "presets": sorted(PRESETS)})


async def api_location(request: Request) -> Response:
    data = await json_body(request)
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *MANAGING)
        row = await admin.set_location(uow.session, principal.user, request.path_params["location_id"], data)
        body = {
            "location_id": row.location_id,
            "auto_decide": row.auto_decide,
            "early_care": row.early_care,
            "late_care": row.late_care,
        }
    return JSONResponse(body)


async def api_closing_day(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *MANAGING)
        location_id = request.path_params["location_id"]
        data = await json_body(request)
        try:
            day = dt.date.fromisoformat(str(data.get("day")))
        except ValueError:
            raise InvalidInput("planning.bad_day") from None
        if request.method == "DELETE":
            await admin.remove_closing_day(uow.session, principal.user, location_id, day)
            return Response(status_code=204)
        row = await admin.add_closing_day(uow.session, principal.user, location_id, day, str(data.get("reason") or ""))
        body = {"location_id": row.location_id, "day": row.day.isoformat(), "reason": row.reason}
    return JSONResponse(body, status_code=201)


async def api_room(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *MANAGING)
        if request.method == "PUT":
            body = await admin.set_room(
                uow.session, principal.user, request.path_params["group_id"], await json_body(request)
            )
        else:
            group = await admin._group(uow.session, principal.user, request.path_params["group_id"])
            body = await admin.room_dict(uow.session, group)
    return JSONResponse(body)


async def api_contract(request: Request) -> Response:
    data = await json_body(request)
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *MANAGING)
        contract = await admin.set_contract(uow.session, principal.user, request.path_params["child_id"], data)
        body = admin.contract_dict(contract)
    return JSONResponse(body)


MAX_CSV_BYTES = 2 * 1024 * 1024


async def api_import_contracts(request: Request) -> Response:
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise InvalidInput("planning.contract.too_big")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("planning.contract.not_utf8") from None
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session), *MANAGING)
        count = await admin.import_contracts(uow.session, principal.user, text)
    return JSONResponse({"imported": count})


async def api_ledger(request: Request) -> Response:
    """A child's ledger (its family and managers may read it); a correction (admin only)."""
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        user = principal.user
        child_id = request.path_params["child_id"]
        if user.role is Role.PARENT:
            await requests.target_for_guardian(uow.session, user, child_id)
        elif user.role not in MANAGING:
            raise NotFound()
        child = await uow.session.get(Child, child_id)
        if child is None or child.organisation_id != user.organisation_id:
            raise NotFound()
        if request.method == "POST":
            require_role(caller, Role.ADMIN)
            data = await json_body(request)
            facts = await child_facts(uow.session, child)
            today = facts.today(dt.datetime.now(dt.UTC))
            amount = data.get("amount")
            if not isinstance(amount, int) or isinstance(amount, bool) or abs(amount) > 100_000:
                raise InvalidInput("planning.ledger.bad_amount")
            await ledger.correct(
                uow.session,
                organisation_id=child.organisation_id,
                child_id=child.id,
                amount=amount,
                care_type=facts.care_type(),
                reason=str(data.get("reason") or ""),
                by_user_id=user.id,
                by_name=user.display_name,
                today=today,
                expires_on=credit_expires(facts.rules, today),
                rules=facts.rules,
            )
        lines = await ledger.history(uow.session, child.id)
        body = {
            "balance": await ledger.balance(uow.session, child.id),
            "entries": [
                {
                    "id": e.id,
                    "entry": e.entry,
                    "amount": e.amount,
                    "unit": e.unit,
                    "day": e.day.isoformat() if e.day else None,
                    "expires_on": e.expires_on.isoformat() if e.expires_on else None,
                    "lot_id": e.lot_id,
                    "request_id": e.request_id,
                    "by": e.by_name,
                    "reason": e.reason,
                    "created_at": e.created_at.isoformat(),
                }
                for e in lines
            ],
        }
    return JSONResponse(body, status_code=201 if request.method == "POST" else 200)


async def export(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller, *MANAGING)
        month = parse_month(request.query_params.get("month"), today_for(caller.organisation))
        rules = await rules_for(uow.session, principal.user.organisation_id)
        text = await month_csv(uow.session, principal.user.organisation_id, month, rules)
    name = f"extra-opvang-{month.strftime('%Y-%m')}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


routes: list[BaseRoute] = [
    Route("/api/planning/children/{child_id:int}", api_month, methods=["GET"]),
    Route("/api/planning/children/{child_id:int}/requests", api_submit, methods=["POST"]),
    Route("/api/planning/children/{child_id:int}/ledger", api_ledger, methods=["GET", "POST"]),
    Route("/api/planning/children/{child_id:int}/contract", api_contract, methods=["PUT"]),
    Route("/api/planning/requests/{request_id:int}", api_cancel, methods=["DELETE"]),
    Route("/api/planning/requests/{request_id:int}/decision", api_decide, methods=["POST"]),
    Route("/api/planning/inbox", api_inbox, methods=["GET"]),
    Route("/api/planning/rules", api_rules, methods=["GET", "PUT"]),
    Route("/api/planning/locations/{location_id:int}", api_location, methods=["PUT"]),
    Route("/api/planning/locations/{location_id:int}/closing-days", api_closing_day, methods=["POST", "DELETE"]),
    Route("/api/planning/groups/{group_id:int}/room", api_room, methods=["GET", "PUT"]),
    Route("/api/planning/contracts", api_import_contracts, methods=["POST"]),
    Route("/planning/export.csv", export, methods=["GET"]),
]
