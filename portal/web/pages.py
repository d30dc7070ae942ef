"""The landing page per role: parents see their children, staff their groups,
managers and admins the organisation's totals. The full UI comes later."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.roster.models import Role
from portal.roster.queries import children_of, groups_of, totals
from portal.web.requests import identify, runtime
from portal.web.responses import redirect
from portal.web.templating import page_context, render


async def home(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        if caller.principal is None:
            return redirect("/login")
        user = caller.principal.user
        context = {
            **await page_context(uow.session, caller.organisation, user),
            "children": await children_of(uow.session, user),
            "groups": await groups_of(uow.session, user) if user.role.is_staff else [],
            "totals": await totals(uow.session, caller.organisation)
            if user.role in (Role.MANAGER, Role.ADMIN)
            else None,
        }
    return render(request, "home.html", context)


routes: list[BaseRoute] = [Route("/", home, methods=["GET"])]
