"""Ending an account (a colleague who left, a parent who must no longer have access) and
undoing that by mistake.

Deactivating takes the person off every child and out of every group (each logged,
each handed to the take-back), ends every session, app token and tablet unlock
(their sockets close within seconds on every node), makes unused links worthless
and clears the tablet PIN. A deactivated account cannot sign in, is not invited
and receives nothing. Reactivating lets the person sign in again with their
password; their children and groups come back only through the roster.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import OneTimeToken
from portal.accounts.service import revoke_all_sessions
from portal.database import utcnow
from portal.errors import Conflict, NotFound
from portal.roster import audit
from portal.roster.events import AccountDeactivated, Ended
from portal.roster.membership import groups_of_staff, leave_groups, remove_guardian
from portal.roster.models import Guardianship, Organisation, User


async def member(session: AsyncSession, organisation: Organisation, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or user.organisation_id != organisation.id:
        raise NotFound()
    return user


async def deactivate(
    session: AsyncSession, organisation: Organisation, actor: User | None, user: User, reason: str
) -> list[Ended]:
    """End ``user``'s account; returns what to take back. Deactivating twice changes nothing."""
    if actor is not None and actor.id == user.id:
        raise Conflict("account.not_yourself")
    if user.deactivated_at is not None:
        return []
    events: list[Ended] = []
    for child_id in list(await session.scalars(select(Guardianship.child_id).where(Guardianship.user_id == user.id))):
        events += await remove_guardian(session, organisation, actor, child_id, user.id, reason)
    events += await leave_groups(session, organisation, actor, user, await groups_of_staff(session, user.id), reason)
    now = utcnow()
    user.deactivated_at = now
    user.pin_hash, user.pin_failures, user.pin_locked_at = None, 0, None
    await revoke_all_sessions(session, user)
    await session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(session, organisation.id, audit.Action.ACCOUNT_DEACTIVATED, actor=actor, subject=user, reason=reason)
    await session.flush()
    return [*events, AccountDeactivated(user.id)]


async def reactivate(session: AsyncSession, organisation: Organisation, actor: User | None, user: User) -> None:
    if user.deactivated_at is None:
        return
    user.deactivated_at = None
    audit.record(session, organisation.id, audit.Action.ACCOUNT_REACTIVATED, actor=actor, subject=user)
    await session.flush()
