"""Consent endpoints, except changing one (``messaging.consent_changes``: a change
takes photos back at once, which is messaging's work).

* ``GET /api/children/<id>/consents``: a guardian's answers, the other
  guardians' answers and the effective consent, with the explanation texts.
* ``GET /api/children/<id>/consents/history``: every change for the child.
* ``GET /api/consent-kinds``: the kinds with their texts.
* ``GET /api/groups/<id>/consents``: the tagging screen: the group's children
  with their photo status.
* ``POST /api/groups/<id>/photos/preview``: what each family would receive for
  the tags and masks drawn, before uploading.
* ``GET /api/admin/children/<id>/consent-history.<csv|json>``: the audit export.
* ``GET /toestemming``: a printable per-group overview for managers.
"""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from consent import service
from consent.evaluate import facts_for
from consent.policy import decide
from consent.views import answers_view, change_view, child_ref, preview_view
from portal.database import is_id
from portal.errors import InvalidInput, NotFound
from portal.i18n import translate
from portal.roster.dates import today_for
from portal.roster.models import Child, Group, Location, Role
from portal.web.requests import identify, language, require_role, runtime, signed_in
from portal.web.responses import json_body
from portal.web.templating import page_context, render

MAX_PREVIEW_PHOTOS = 50
EXPORT_FIELDS = ["child_id", "child", "changed_at", "by_user_id", "by", "kind", "old", "new", "client"]


async def my_consents(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        child, current = await service.guardian_child(uow.session, user, request.path_params["child_id"])
        answers = await service.answers(uow.session, user, child)
    return JSONResponse(answers_view(child, answers, language(request), current=current))


async def consent_history(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        child, _ = await service.guardian_child(uow.session, user, request.path_params["child_id"])
        changes = await service.history(uow.session, child.id)
    return JSONResponse({"child": child_ref(child), "changes": [change_view(c) for c in changes]})


async def consent_kinds(request: Request) -> Response:
    lang = language(request)
    async with runtime(request).uow() as uow:
        require_role(await identify(request, uow.session))
        kinds = await service.kinds(uow.session)
    return JSONResponse(
        {"kinds": [{"key": k.key, "label": k.label(lang), "explanation": k.explanation(lang)} for k in kinds]}
    )


async def group_consents(request: Request) -> Response:
    lang = language(request)
    async with runtime(request).uow() as uow:
        user = require_role(await identify(request, uow.session)).user
        rows = await service.group_children(uow.session, user, request.path_params["group_id"])
    return JSONResponse(
        {
            "children": [
                {**child_ref(child), "status": c.status, "status_text": translate(f"consent.status.{c.status}", lang)}
                for child, c in rows
            ]
        }
    )


def _preview_tags(raw: object, group_children: dict[int, Child]) -> list[dict[int, bool]]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_PREVIEW_PHOTOS:
        raise InvalidInput(detail=f"'photos' must be a list of 1-{MAX_PREVIEW_PHOTOS} photos")
    result = []
    for index, item in enumerate(raw, start=1):
        children = item.get("children", []) if isinstance(item, dict) else None
        masks = item.get("masks", {}) if isinstance(item, dict) else None
        if not isinstance(children, list) or not all(is_id(c) for c in children) or not isinstance(masks, dict):
            raise InvalidInput(detail=f"photo {index}: 'children' must be child ids and 'masks' an object")
        if any(c not in group_children for c in children):
            raise InvalidInput("photo.bad_tags")
        masked = {str(k) for k in masks}
        result.append({c: str(c) in masked for c in children})
    return result


async def preview(request: Request) -> Response:
    """What each family would receive, per photo, for the tags and masks on the tagging screen."""
    data = await json_body(request)
    lang = language(request)
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = require_role(caller).user
        group_id: int = request.path_params["group_id"]
        children = {child.id: child for child, _ in await service.group_children(uow.session, user, group_id)}
        today = today_for(caller.organisation)
        photos = []
        for tags in _preview_tags(data.get("photos"), children):
            facts = await facts_for(uow.session, group_id, tags, today)
            photos.append(preview_view(facts, decide(facts), children, lang))
    return JSONResponse({"photos": photos})


async def export_history(request: Request) -> Response:
    fmt: str = request.path_params["format"]
    if fmt not in ("csv", "json"):
        raise NotFound()
    async with runtime(request).uow() as uow:
        user = require_role(await identify(request, uow.session), Role.MANAGER, Role.ADMIN).user
        child = await service.managed_child(uow.session, user, request.path_params["child_id"])
        rows = service.export_rows(await service.history(uow.session, child.id), child)
    name = f"toestemming-kind-{child.id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}
    if fmt == "json":
        body = json.dumps({"child": child_ref(child), "changes": rows}, ensure_ascii=False, indent=2)
        return Response(body, media_type="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a cell that starts a formula once a spreadsheet splits the text at ';' (Dutch Excel) or ','
_FORMULA_AFTER_SEPARATOR = re.compile(r"([;,]\s*)([=+\-@\t\r])")


def _csv_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in free text (names, client strings): a cell that
    would start with ``= + - @``, a tab or a carriage return gets a leading ``'``, also
    where a spreadsheet that splits at ``;`` or ``,`` would start a cell; every cell is
    quoted too, so neither separator splits one."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", value)
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_START else text


async def overview_page(request: Request) -> Response:
    """Printable, per group: who may not appear in photos, whose photos stay with the own family."""
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.MANAGER, Role.ADMIN).user
        groups = list(
            await uow.session.execute(
                select(Group, Location.name)
                .join(Location, Location.id == Group.location_id)
                .where(Group.organisation_id == user.organisation_id)
                .order_by(Location.name, Group.name)
            )
        )
        sections = []
        for group, location in groups:
            rows = await service.group_children(uow.session, user, group.id)
            sections.append(
                {
                    "id": group.id,
                    "name": group.name,
                    "location": location,
                    "may_not_appear": [c for c, s in rows if s.status == "may_not_appear"],
                    "own_family_only": [c for c, s in rows if s.status == "own_family_only"],
                    "unanswered": await service.unanswered(uow.session, [c for c, _ in rows]),
                }
            )
        today = today_for(caller.organisation)
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "sections": sections,
            "today": today,
        }
    return render(request, "consent_overview.html", context)


routes: list[BaseRoute] = [
    Route("/api/consent-kinds", consent_kinds, methods=["GET"]),
    Route("/api/children/{child_id:int}/consents", my_consents, methods=["GET"]),
    Route("/api/children/{child_id:int}/consents/history", consent_history, methods=["GET"]),
    Route("/api/groups/{group_id:int}/consents", group_consents, methods=["GET"]),
    Route("/api/groups/{group_id:int}/photos/preview", preview, methods=["POST"]),
    Route("/api/admin/children/{child_id:int}/consent-history.{format}", export_history, methods=["GET"]),
    Route("/toestemming", overview_page, methods=["GET"]),
]
