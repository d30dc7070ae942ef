"""Planning's part of "download everything" (``messaging.archive.extensions``): the
child's contracts, every request with its outcome, and the credit ledger line by line
with the balance. Registered when planning's worker side loads (``workers.jobs``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.archive import extensions
from planning import ledger
from planning.admin import contract_dict
from planning.models import PlanningRequest
from planning.setup import contracts_of
from portal.roster.models import Child, User


async def section(session: AsyncSession, user: User, child: Child) -> dict[str, object]:
    lines = (await ledger.entries(session, [child.id]))[child.id]
    requests = list(
        await session.scalars(
            select(PlanningRequest).where(PlanningRequest.child_id == child.id).order_by(PlanningRequest.created_at)
        )
    )
    return {
        "contracts": [
            {k: v for k, v in contract_dict(c).items() if k not in ("id", "child_id")}
            for c in await contracts_of(session, child.id)
        ],
        "requests": [
            {
                "kind": r.kind,
                "day": r.day.isoformat(),
                "dagdelen": list(r.dagdelen),
                "gives_up": r.gives_up.isoformat() if r.gives_up else None,
                "status": r.status,
                "asked_at": r.created_at.isoformat(),
                "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                "invoiced": r.invoiced,
                "unit": r.unit,
            }
            for r in requests
        ],
        "ledger": [
            {
                "entry": e.entry,
                "amount": e.amount,
                "unit": e.unit,
                "day": e.day.isoformat() if e.day else None,
                "expires_on": e.expires_on.isoformat() if e.expires_on else None,
                "reason": e.reason,
                "at": e.created_at.isoformat(),
            }
            for e in lines
        ],
        "balance": sum(e.amount for e in lines),
    }


extensions.register("planning", section)
