"""``/rooster``: the admin's roster page. Upload a child roster or a staff list,
see the validation report (every bad line and why, or exactly what applying would
change), then apply it: all or nothing, and the new people are invited. Below, the
staff with the groups they work in (managers may look).

The checked file travels back with the "apply" button (base64 in the form), and is
checked again when applied: what is applied is what was shown, or the new report.
A file that takes guardians off children lists each one, and applying it needs the
"yes, remove them" box ticked. Below: the staff (admins deactivate someone who left
there) and the roster's audit log; ``/rooster/ouders`` lists every child's guardians.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.errors import DomainError, InvalidInput, PayloadTooLarge
from portal.roster import audit
from portal.roster.csvfile import ImportRejected
from portal.roster.file_import import KINDS, Kind, import_file
from portal.roster.models import Organisation, Role, User
from portal.roster.queries import staff_with_groups
from portal.roster.service import ImportReport, RemovalsNeedConfirming
from portal.web.requests import form_text, identify, language, read_form, runtime, signed_in
from portal.web.templating import page_context, render

MAX_IMPORT_BYTES = 1024 * 1024  # about 5,000 children; the apply form carries it as base64


async def _page(
    request: Request, organisation: Organisation, user: User, status_code: int = 200, **result: Any
) -> Response:
    async with runtime(request).uow() as uow:
        context = {
            **await page_context(uow.session, organisation, user),
            "staff": await staff_with_groups(uow.session, organisation),
            "changes": await audit.recent(uow.session, organisation.id),
            "can_import": user.role is Role.ADMIN,
            "me": user.id,
            "done": request.query_params.get("done", ""),
            "max_kb": MAX_IMPORT_BYTES // 1024,
            **result,
        }
    return render(request, "roster.html", context, status_code=status_code)


async def page(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.MANAGER, Role.ADMIN).user
    return await _page(request, caller.organisation, user)


def _kind(value: str) -> Kind:
    for kind in KINDS:
        if value == kind:
            return kind
    raise InvalidInput("roster_page.choose_kind")


async def _run(request: Request, kind: Kind, data: bytes, *, dry_run: bool, confirm_removals: bool = False) -> Response:
    rt = runtime(request)
    async with rt.uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.ADMIN).user
    organisation, lang = caller.organisation, language(request)
    try:
        report = await import_file(
            rt, organisation.slug, kind, data, dry_run=dry_run, actor=user, confirm_removals=confirm_removals
        )
    except RemovalsNeedConfirming as exc:  # shown again, with the box to tick
        return await _page(
            request,
            organisation,
            user,
            exc.status,
            kind=kind,
            report=_report_lines(exc.report),
            people=exc.report,
            checked=base64.b64encode(data).decode(),
            confirm_needed=True,
            applied=False,
        )
    except ImportRejected as exc:
        problems = [(e.line, e.message(lang)) for e in exc.errors]
        return await _page(request, organisation, user, 422, kind=kind, problems=problems)
    except DomainError as exc:
        return await _page(request, organisation, user, exc.status, kind=kind, problems=[(None, exc.message(lang))])
    return await _page(
        request,
        organisation,
        user,
        kind=kind,
        report=_report_lines(report),
        people=report,
        checked=base64.b64encode(data).decode() if dry_run else None,
        confirm_needed=dry_run and bool(report.guardians_removed or report.purging),
        applied=not dry_run,
    )


def _report_lines(report: ImportReport) -> list[tuple[str, int]]:
    """The report's non-zero counts, as (text key, number)."""
    return [(f"roster_page.count.{name}", n) for name, n in report.as_dict().items() if n]


async def check(request: Request) -> Response:
    form = await read_form(request, max_files=1)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("roster_page.choose_file")
        data = await upload.read(MAX_IMPORT_BYTES + 1)
    finally:
        await form.close()
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge()
    return await _run(request, _kind(form_text(form, "kind")), data, dry_run=True)


async def apply(request: Request) -> Response:
    form = await read_form(request, max_part_size=2 * MAX_IMPORT_BYTES)
    try:
        data = base64.b64decode(form_text(form, "checked"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("roster_page.choose_file") from None
    if not data or len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("roster_page.choose_file")
    confirmed = form_text(form, "confirm_removals") == "yes"
    return await _run(request, _kind(form_text(form, "kind")), data, dry_run=False, confirm_removals=confirmed)


routes: list[BaseRoute] = [
    Route("/rooster", page, methods=["GET"]),
    Route("/rooster/check", check, methods=["POST"]),
    Route("/rooster/apply", apply, methods=["POST"]),
]
