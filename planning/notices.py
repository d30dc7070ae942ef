"""Telling a family of a decision: a ``planning.decided`` item in the guardians' feed
(live on the socket, replayed later, pushed by notify like any feed item). Its data is
rendered here and registered with messaging's renderer by the composition root."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import protocol, render
from messaging.broker.base import Broker
from messaging.delivery import deliver
from planning.models import PlanningRequest
from portal.roster.models import Child, Group, Guardianship, Role, User
from portal.uow import UnitOfWork

Data = dict[str, Any]


def request_data(request: PlanningRequest, child: Child, group: Group | None = None) -> Data:
    return {
        "id": request.id,
        "child": {"id": child.id, "name": child.first_name},
        "group": {"id": request.group_id, "name": group.name if group else ""},
        "kind": request.kind,
        "day": request.day.isoformat(),
        "dagdelen": list(request.dagdelen),
        "gives_up": request.gives_up.isoformat() if request.gives_up else None,
        "status": request.status,
        "reason": request.reason,
        "note": request.note,
        "created_at": request.created_at.isoformat(),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
    }


async def render_requests(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    rows = await session.execute(
        select(PlanningRequest, Child)
        .join(Child, Child.id == PlanningRequest.child_id)
        .where(PlanningRequest.id.in_(ids))
    )
    return {request.id: request_data(request, child) for request, child in rows}


async def tell_family(uow: UnitOfWork, broker: Broker, request: PlanningRequest) -> None:
    guardians = set(
        await uow.session.scalars(
            select(Guardianship.user_id)
            .join(User, User.id == Guardianship.user_id)
            .where(Guardianship.child_id == request.child_id, User.deactivated_at.is_(None))
        )
    )
    if guardians:
        child = await uow.session.get_one(Child, request.child_id)
        group = await uow.session.get_one(Group, request.group_id)
        await deliver(
            uow, broker, guardians, protocol.PLANNING_DECIDED, request.id, request_data(request, child, group)
        )


async def tell_managers(uow: UnitOfWork, broker: Broker, request: PlanningRequest) -> None:
    """A request waits in the inbox: the organisation's managers and admins hear of it."""
    managers = set(
        await uow.session.scalars(
            select(User.id).where(
                User.organisation_id == request.organisation_id,
                User.role.in_((Role.MANAGER, Role.ADMIN)),
                User.deactivated_at.is_(None),
            )
        )
    )
    if managers:
        child = await uow.session.get_one(Child, request.child_id)
        group = await uow.session.get_one(Group, request.group_id)
        await deliver(
            uow, broker, managers, protocol.PLANNING_REQUESTED, request.id, request_data(request, child, group)
        )


render.register(protocol.PLANNING, render_requests)
