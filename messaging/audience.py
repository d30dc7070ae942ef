"""Who may write what, and who receives it. Pure roster questions, no HTTP.

* Group post: written by staff of the group (or a manager/admin of the
  organisation); received by the guardians of the group's current children and
  the group's staff.
* Diary entry and family-thread message about a child: written by the child's
  guardians or its group's staff while the child is current; received by the
  same people.
* Reading a child's diary or thread: its guardians (also during the leaving
  window after the child's end date) and its current group's staff. Managers
  and admins do not read family threads.

"Does not exist" and "not yours" both raise ``NotFound``; writing about a child
that has left, by its family during the window, raises ``Conflict`` saying so.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Exists, bindparam, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from portal.errors import Conflict, NotFound
from portal.i18n import format_date
from portal.roster.dates import access_until, is_current, today_for, within_leaving_window
from portal.roster.models import Child, Group, Guardianship, Organisation, Role, StaffAssignment, User
from portal.roster.queries import works_in

__all__ = ["is_current", "today_for", "within_leaving_window", "works_in"]


async def is_guardian(session: AsyncSession, user: User, child_id: int) -> bool:
    found = await session.scalar(
        select(Guardianship.id).where(Guardianship.user_id == user.id, Guardianship.child_id == child_id)
    )
    return found is not None


# The statements every group post, diary entry and family message runs: built once
# (see portal.accounts.service._CALLER_AT).
_GROUP_STAFF = select(StaffAssignment.user_id).where(StaffAssignment.group_id == bindparam("group_id"))


def _assigned_to(group_id: InstrumentedAttribute[int]) -> Exists:
    """Whether the user (``:user_id``) works in the group."""
    return (
        select(StaffAssignment.id)
        .where(StaffAssignment.user_id == bindparam("user_id"), StaffAssignment.group_id == group_id)
        .exists()
    )


_GROUP_AUDIENCE = union(
    select(Guardianship.user_id)
    .join(Child, Child.id == Guardianship.child_id)
    .where(
        Child.group_id == bindparam("group_id"),
        or_(Child.end_date.is_(None), Child.end_date >= bindparam("today")),
    ),
    _GROUP_STAFF,
)
_GROUP_WITH_ASSIGNMENT = select(Group, _assigned_to(Group.id)).where(
    Group.id == bindparam("group_id"), Group.organisation_id == bindparam("organisation_id")
)
_CHILD_AUDIENCE = union(
    select(Guardianship.user_id).where(Guardianship.child_id == bindparam("child_id")),
    _GROUP_STAFF,
)
_CHILD_WITH_RELATION = select(
    Child,
    select(Guardianship.id)
    .where(Guardianship.user_id == bindparam("user_id"), Guardianship.child_id == Child.id)
    .exists(),
    _assigned_to(Child.group_id),
).where(Child.id == bindparam("child_id"), Child.organisation_id == bindparam("organisation_id"))


async def group_staff(session: AsyncSession, group_id: int) -> set[int]:
    return set(await session.scalars(_GROUP_STAFF, {"group_id": group_id}))


async def group_audience(session: AsyncSession, group: Group, today: dt.date) -> set[int]:
    """The guardians of the group's current children and the group's staff."""
    return set(await session.scalars(_GROUP_AUDIENCE, {"group_id": group.id, "today": today}))


async def child_audience(session: AsyncSession, child: Child) -> set[int]:
    """The child's guardians and its group's staff."""
    return set(await session.scalars(_CHILD_AUDIENCE, {"child_id": child.id, "group_id": child.group_id}))


async def group_for_posting(session: AsyncSession, user: User, group_id: int) -> Group:
    params = {"user_id": user.id, "group_id": group_id, "organisation_id": user.organisation_id}
    row = (await session.execute(_GROUP_WITH_ASSIGNMENT, params)).first()
    if row is None:
        raise NotFound()
    group, works_here = row
    if user.role in (Role.MANAGER, Role.ADMIN) or (user.role.is_staff and works_here):
        return group
    raise NotFound()


async def child_for_posting(session: AsyncSession, user: User, child_id: int, today: dt.date) -> Child:
    """The child, if ``user`` may write about it now (guardian or its group's staff, child current)."""
    child = await readable_child(session, user, child_id, today)
    if not is_current(child, today):  # only its family can still read it: say why posting stopped
        organisation = await session.get(Organisation, child.organisation_id)
        last = access_until(child, organisation) if organisation is not None else None
        lang = user.language or (organisation.language if organisation else "nl")
        raise Conflict("leaving.not_postable", child=child.first_name, date=format_date(last, lang) if last else "")
    return child


async def readable_child(session: AsyncSession, user: User, child_id: int, today: dt.date) -> Child:
    params = {"child_id": child_id, "user_id": user.id, "organisation_id": user.organisation_id}
    row = (await session.execute(_CHILD_WITH_RELATION, params)).first()
    if row is None:
        raise NotFound()
    child, guardian, assigned = row
    if guardian:
        organisation = await session.get(Organisation, child.organisation_id)
        if organisation is not None and within_leaving_window(child, organisation, today):
            return child
        raise NotFound()
    if is_current(child, today) and user.role.is_staff and assigned:
        return child
    raise NotFound()


async def readable_group(session: AsyncSession, user: User, group_id: int, today: dt.date) -> Group:
    """A group whose posts ``user`` may list: its staff, managers/admins, guardians of a current child."""
    group = await session.get(Group, group_id)
    if group is None or group.organisation_id != user.organisation_id:
        raise NotFound()
    if user.role in (Role.MANAGER, Role.ADMIN) or await works_in(session, user, group.id):
        return group
    guardian = await session.scalar(
        select(Guardianship.id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(
            Guardianship.user_id == user.id,
            Child.group_id == group.id,
            or_(Child.end_date.is_(None), Child.end_date >= today),
        )
        .limit(1)
    )
    if guardian is None:
        raise NotFound()
    return group
