"""The location's inbox: requests a person must decide (pending) and the wait list,
oldest first, each with what granting it would do to the group (children present,
places, the staff the ratio needs with one more child and the staff planned)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from planning.models import PlanningRequest
from planning.requests import PENDING, WAITING, slots_for
from planning.setup import child_facts
from portal.roster.models import Child, Group, User


async def inbox(session: AsyncSession, manager: User, today: dt.date, limit: int = 200) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(PlanningRequest, Child, Group)
        .join(Child, Child.id == PlanningRequest.child_id)
        .join(Group, Group.id == PlanningRequest.group_id)
        .where(
            PlanningRequest.organisation_id == manager.organisation_id,
            PlanningRequest.status.in_((PENDING, WAITING)),
            PlanningRequest.day >= today,
        )
        .order_by(PlanningRequest.created_at, PlanningRequest.id)
        .limit(limit)
    )
    items = []
    for request, child, group in rows:
        facts = await child_facts(session, child)
        slots = await slots_for(session, facts, request.day, tuple(request.dagdelen))
        items.append(
            {
                "id": request.id,
                "child": {"id": child.id, "name": f"{child.first_name} {child.last_name}"},
                "group": {"id": group.id, "name": group.name},
                "kind": request.kind,
                "day": request.day.isoformat(),
                "dagdelen": list(request.dagdelen),
                "gives_up": request.gives_up.isoformat() if request.gives_up else None,
                "use_credit": request.use_credit,
                "status": request.status,
                "note": request.note,
                "created_at": request.created_at.isoformat(),
                "asked_at": request.created_at,  # for the page, in the organisation's zone
                "slots": [s.as_dict() for s in slots],
                "fits": all(s.fits_one_more for s in slots),
            }
        )
    return items
