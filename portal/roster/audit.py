"""The roster's audit log: every removed guardian, every staff member who left a group
or the organisation, every deactivated or reactivated account and every registered
tablet, with who did it, when and why. Admins read it on ``/rooster``; nothing in
it is ever changed."""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.database import utcnow
from portal.roster.models import Child, Group, RosterChange, User

MAX_REASON_CHARS = 500
SHOWN = 200


class Action(enum.StrEnum):
    GUARDIAN_REMOVED = "guardian_removed"
    GUARDIAN_ADDED = "guardian_added"
    STAFF_LEFT_GROUP = "staff_left_group"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    TABLET_REGISTERED = "tablet_registered"
    PIN_LOCKED = "pin_locked"


def record(
    session: AsyncSession,
    organisation_id: int,
    action: Action,
    *,
    actor: User | None,
    subject: User | None = None,
    child: Child | None = None,
    group: Group | None = None,
    reason: str = "",
) -> RosterChange:
    """Add one line to the log (flushed with the caller's transaction)."""
    line = RosterChange(
        organisation_id=organisation_id,
        at=utcnow(),
        action=action.value,
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "",
        subject_id=subject.id if subject else None,
        subject_name=f"{subject.display_name} <{subject.email}>" if subject else "",
        child_id=child.id if child else None,
        child_name=child.full_name if child else "",
        group_id=group.id if group else None,
        group_name=group.name if group else "",
        reason=reason.strip()[:MAX_REASON_CHARS],
    )
    session.add(line)
    return line


async def recent(session: AsyncSession, organisation_id: int, limit: int = SHOWN) -> list[RosterChange]:
    return list(
        await session.scalars(
            select(RosterChange)
            .where(RosterChange.organisation_id == organisation_id)
            .order_by(RosterChange.id.desc())
            .limit(limit)
        )
    )
