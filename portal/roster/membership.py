"""Ending a person's links to the roster: a guardian taken off a child (a court order,
a mistyped address), a staff member taken out of groups (a move, leaving).

Each removal is written to the audit log and returns the events the caller hands
to the take-back (``portal.roster.events``) in the same transaction, so the link
and what it had handed out go together. A staff member's tablet unlocks on the
groups they left end at once. "Does not exist" and "not yours" are ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import AuthSession, TabletDevice
from portal.database import utcnow
from portal.errors import InvalidInput, NotFound
from portal.roster import audit
from portal.roster.events import Ended, GuardianRemoved, StaffLeftGroup
from portal.roster.models import Child, Group, Guardianship, Organisation, StaffAssignment, User

MIN_REASON_CHARS = 3


def check_reason(reason: str) -> str:
    """A removal by hand says why (it goes into the audit log)."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < MIN_REASON_CHARS:
        raise InvalidInput("roster.reason_needed")
    return cleaned[: audit.MAX_REASON_CHARS]


async def guardians_of_child(
    session: AsyncSession, organisation: Organisation, child_id: int
) -> tuple[Child, list[User]]:
    child = await session.get(Child, child_id)
    if child is None or child.organisation_id != organisation.id:
        raise NotFound()
    users = await session.scalars(
        select(User)
        .join(Guardianship, Guardianship.user_id == User.id)
        .where(Guardianship.child_id == child.id)
        .order_by(User.display_name, User.id)
    )
    return child, list(users)


async def remove_guardian(
    session: AsyncSession, organisation: Organisation, actor: User | None, child_id: int, user_id: int, reason: str
) -> list[Ended]:
    """Take ``user_id`` off the child; their access to it ends with this transaction."""
    row = (
        await session.execute(
            select(Guardianship, Child, User)
            .join(Child, Child.id == Guardianship.child_id)
            .join(User, User.id == Guardianship.user_id)
            .where(
                Guardianship.child_id == child_id,
                Guardianship.user_id == user_id,
                Child.organisation_id == organisation.id,
            )
        )
    ).first()
    if row is None:
        raise NotFound()
    link, child, user = row
    await session.delete(link)
    audit.record(
        session, organisation.id, audit.Action.GUARDIAN_REMOVED, actor=actor, subject=user, child=child, reason=reason
    )
    await session.flush()
    return [GuardianRemoved(user.id, child.id)]


async def leave_groups(
    session: AsyncSession,
    organisation: Organisation,
    actor: User | None,
    user: User,
    group_ids: Collection[int],
    reason: str,
) -> list[Ended]:
    """Take a staff member out of these groups (those they are in): the groups' children,
    posts, photos and tablets are no longer theirs from this transaction on."""
    rows = await session.execute(
        select(StaffAssignment, Group)
        .join(Group, Group.id == StaffAssignment.group_id)
        .where(StaffAssignment.user_id == user.id, StaffAssignment.group_id.in_(list(group_ids)))
    )
    left = list(rows)
    if not left:
        return []
    ids = [group.id for _, group in left]
    await session.execute(
        delete(StaffAssignment).where(StaffAssignment.user_id == user.id, StaffAssignment.group_id.in_(ids))
    )
    await end_tablet_unlocks(session, user.id, ids)
    for _, group in left:
        audit.record(
            session,
            organisation.id,
            audit.Action.STAFF_LEFT_GROUP,
            actor=actor,
            subject=user,
            group=group,
            reason=reason,
        )
    await session.flush()
    return [StaffLeftGroup(user.id, group_id) for group_id in ids]


async def end_tablet_unlocks(session: AsyncSession, user_id: int, group_ids: Collection[int]) -> None:
    """The person's unlocks of these groups' tablets end (their sockets close within seconds)."""
    devices = select(TabletDevice.id).where(TabletDevice.group_id.in_(list(group_ids)))
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.device_id.in_(devices), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def groups_of_staff(session: AsyncSession, user_id: int) -> list[int]:
    return list(await session.scalars(select(StaffAssignment.group_id).where(StaffAssignment.user_id == user_id)))
