"""The structured day's JSON API (``messaging.day``): the kinds an organisation uses,
logging for one or several children (with an ``Idempotency-Key``: a retry answers
200 with the same entries), ending naps, corrections, a child's day with its
summary, the tablet's view of its group, and medication instructions. Thin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from messaging import day, day_kinds, medication, protocol
from messaging.models import DayEntry
from messaging.render import render
from messaging.routes import Acting, acting, write_once
from portal.errors import Forbidden, InvalidInput
from portal.roster.models import Role
from portal.web.requests import language
from portal.web.responses import json_body


def _lang(request: Request, act: Acting) -> str:
    return act.user.language or language(request)


async def _batch(act: Acting, first_id: int) -> list[dict[str, Any]]:
    batch = await act.session.scalar(select(DayEntry.batch).where(DayEntry.id == first_id))
    ids = list(await act.session.scalars(select(DayEntry.id).where(DayEntry.batch == batch).order_by(DayEntry.id)))
    rendered = await render(act.session, [(protocol.DAY_ENTRY_CREATED, i) for i in ids])
    return [rendered[(protocol.DAY_ENTRY_CREATED, i)] for i in ids]


async def kinds(request: Request) -> Response:
    async with acting(request) as act:
        body = await day_kinds.catalogue(act.session, act.user.organisation_id, _lang(request, act))
    return JSONResponse({"kinds": body})


async def configure_kinds(request: Request) -> Response:
    data = await json_body(request)
    async with acting(request) as act:
        if act.user.role not in (Role.MANAGER, Role.ADMIN):
            raise Forbidden()
        await day_kinds.configure(act.session, act.user.organisation_id, data.get("kinds"))
        body = await day_kinds.catalogue(act.session, act.user.organisation_id, _lang(request, act))
    return JSONResponse({"kinds": body})


async def log_entries(request: Request) -> Response:
    data = await json_body(request)
    new = day.NewEntry(
        children=data.get("children"),
        kind=data.get("kind"),
        at=data.get("at"),
        ends_at=data.get("ends_at"),
        details=data.get("details"),
        media_ids=data.get("media_ids"),
        instruction_id=data.get("instruction_id"),
    )

    async def write(act: Acting) -> int:
        return (await day.log(act.uow, act.broker, act.user, new))[0].id

    async def answer(act: Acting, kind: str, first_id: int) -> dict[str, Any]:
        return {"entries": await _batch(act, first_id)}

    return await write_once(request, protocol.DAY_ENTRY_CREATED, write, answer)


async def _rendered(act: Acting, ids: list[int]) -> list[dict[str, Any]]:
    rendered = await render(act.session, [(protocol.DAY_ENTRY_EDITED, i) for i in ids])
    return [rendered[(protocol.DAY_ENTRY_EDITED, i)] for i in ids]


async def end_naps(request: Request) -> Response:
    data = await json_body(request)
    async with acting(request) as act:
        ended = await day.end_naps(act.uow, act.broker, act.user, data.get("entries"), data.get("at"))
        body = await _rendered(act, ended)
    return JSONResponse({"entries": body})


async def correct_entry(request: Request) -> Response:
    data = await json_body(request)
    async with acting(request) as act:
        entry = await day.correct(act.uow, act.broker, act.user, request.path_params["entry_id"], data)
        [body] = await _rendered(act, [entry.id])
    return JSONResponse(body)


async def remove_entry(request: Request) -> Response:
    async with acting(request) as act:
        await day.remove(act.uow, act.broker, act.user, request.path_params["entry_id"])
    return Response(status_code=204)


def _date(request: Request) -> dt.date | None:
    raw = request.query_params.get("date")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("day.bad_date") from None


async def child_day(request: Request) -> Response:
    async with acting(request) as act:
        body = await day.day_of(
            act.session, act.user, request.path_params["child_id"], _date(request), _lang(request, act)
        )
    return JSONResponse(body)


async def group_now(request: Request) -> Response:
    async with acting(request) as act:
        body = await day.group_now(act.session, act.user, request.path_params["group_id"])
    return JSONResponse(body)


async def give_medication(request: Request) -> Response:
    data = await json_body(request)
    async with acting(request) as act:
        instruction = await medication.give(act.uow, act.user, request.path_params["child_id"], data)
        body = medication.instruction_data(instruction)
    return JSONResponse(body, status_code=201)


async def medication_in_force(request: Request) -> Response:
    async with acting(request) as act:
        rows = await medication.in_force(act.session, act.user, request.path_params["child_id"])
    return JSONResponse({"instructions": [medication.instruction_data(r) for r in rows]})


async def end_medication(request: Request) -> Response:
    async with acting(request) as act:
        await medication.end(act.uow, act.user, request.path_params["instruction_id"])
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/day-kinds", kinds, methods=["GET"]),
    Route("/api/day-kinds", configure_kinds, methods=["PUT"]),
    Route("/api/day", log_entries, methods=["POST"]),
    Route("/api/day/end", end_naps, methods=["POST"]),
    Route("/api/day/{entry_id:int}", correct_entry, methods=["PATCH"]),
    Route("/api/day/{entry_id:int}", remove_entry, methods=["DELETE"]),
    Route("/api/children/{child_id:int}/day", child_day, methods=["GET"]),
    Route("/api/groups/{group_id:int}/now", group_now, methods=["GET"]),
    Route("/api/children/{child_id:int}/medication", give_medication, methods=["POST"]),
    Route("/api/children/{child_id:int}/medication", medication_in_force, methods=["GET"]),
    Route("/api/medication/{instruction_id:int}", end_medication, methods=["DELETE"]),
]
