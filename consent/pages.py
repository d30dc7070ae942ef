"""``/toestemming/<child>``: a guardian's consent page for one child. Per kind the
explanation, their own answer (changeable: the form talks to ``PUT
/api/children/<id>/consents``), the other guardians' answers and what holds, and
below it the history of every change. After the child's end date only
withdrawing is possible. Managers and admins get the same page read-only (every
guardian's answer, what holds, the history, the export), from the overview."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from consent import service
from portal.i18n import format_date, texts_with_prefix
from portal.roster.dates import is_current, today_for
from portal.roster.models import Role
from portal.web.requests import identify, language, runtime, signed_in
from portal.web.templating import page_context, render


async def child_consents_page(request: Request) -> Response:
    lang = language(request)
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        user = signed_in(caller, Role.PARENT, Role.MANAGER, Role.ADMIN).user
        managing = user.role is not Role.PARENT
        if managing:
            child = await service.managed_child(uow.session, user, request.path_params["child_id"])
            current = is_current(child, today_for(caller.organisation))
        else:
            child, current = await service.guardian_child(uow.session, user, request.path_params["child_id"])
        answers = await service.answers(uow.session, user, child)
        changes = await service.history(uow.session, child.id)
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "child": child,
            "current": current,
            "managing": managing,
            "answers": answers,
            "labels": {a.kind.key: a.kind.label(lang) for a in answers},
            "changes": [  # newest first, in the organisation's time
                (change, change.changed_at.astimezone(ZoneInfo(caller.organisation.timezone)))
                for change in reversed(changes)
            ],
            "when": lambda at: f"{format_date(at.date(), lang)} {at:%H:%M}",
            "strings": texts_with_prefix("feed.", lang),
        }
    return render(request, "consents.html", context)


routes: list[BaseRoute] = [Route("/toestemming/{child_id:int}", child_consents_page, methods=["GET"])]
