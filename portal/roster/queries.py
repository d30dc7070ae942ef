"""Read-only roster questions: a parent's children, a staff member's groups,
an organisation's totals. Always scoped by the organisation of the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.roster.dates import access_until, today_for
from portal.roster.models import (
    Child,
    Group,
    Guardianship,
    Location,
    Organisation,
    Role,
    StaffAssignment,
    User,
)


@dataclass(frozen=True)
class ChildSummary:
    id: int
    first_name: str
    last_name: str
    group: str
    location: str
    end_date: str | None
    group_id: int


@dataclass(frozen=True)
class GroupSummary:
    id: int
    name: str
    location: str
    care_type: str
    children: int


@dataclass(frozen=True)
class OrganisationTotals:
    locations: int
    groups: int
    children: int
    guardians: int
    staff: int


async def children_of(session: AsyncSession, user: User) -> list[ChildSummary]:
    rows = await session.execute(
        select(Child, Group.name, Location.name)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .join(Group, Group.id == Child.group_id)
        .join(Location, Location.id == Group.location_id)
        .where(
            Guardianship.user_id == user.id,
            Child.organisation_id == user.organisation_id,
        )
        .order_by(Child.first_name, Child.id)
    )
    return [
        ChildSummary(
            child.id,
            child.first_name,
            child.last_name,
            group,
            location,
            child.end_date.isoformat() if child.end_date else None,
            child.group_id,
        )
        for child, group, location in rows
    ]


async def groups_of(session: AsyncSession, user: User) -> list[GroupSummary]:
    """The groups a staff member works in; managers and admins see every group."""
    counts = select(Child.group_id, func.count(Child.id).label("n")).group_by(Child.group_id).subquery()
    query = (
        select(Group, Location.name, func.coalesce(counts.c.n, 0))
        .join(Location, Location.id == Group.location_id)
        .outerjoin(counts, counts.c.group_id == Group.id)
        .where(Group.organisation_id == user.organisation_id)
        .order_by(Location.name, Group.name)
    )
    if user.role is Role.STAFF:
        query = query.join(StaffAssignment, StaffAssignment.group_id == Group.id).where(
            StaffAssignment.user_id == user.id
        )
    rows = await session.execute(query)
    return [GroupSummary(g.id, g.name, location, g.care_type.value, int(n)) for g, location, n in rows]


async def totals(session: AsyncSession, organisation: Organisation) -> OrganisationTotals:
    org = organisation.id

    async def count(statement: object) -> int:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]

    return OrganisationTotals(
        locations=await count(select(func.count()).select_from(Location).where(Location.organisation_id == org)),
        groups=await count(select(func.count()).select_from(Group).where(Group.organisation_id == org)),
        children=await count(select(func.count()).select_from(Child).where(Child.organisation_id == org)),
        guardians=await count(
            select(func.count(func.distinct(Guardianship.user_id)))
            .join(User, User.id == Guardianship.user_id)
            .where(User.organisation_id == org)
        ),
        staff=await count(
            select(func.count()).select_from(User).where(User.organisation_id == org, User.role != Role.PARENT)
        ),
    )


async def works_in(session: AsyncSession, user: User, group_id: int) -> bool:
    """Whether ``user`` is staff assigned to the group."""
    if not user.role.is_staff:
        return False
    found = await session.scalar(
        select(StaffAssignment.id).where(StaffAssignment.user_id == user.id, StaffAssignment.group_id == group_id)
    )
    return found is not None


async def staff_group_ids(session: AsyncSession, user: User) -> set[int]:
    """The groups ``user`` works in; managers and admins: every group of the organisation."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return set(await session.scalars(select(Group.id).where(Group.organisation_id == user.organisation_id)))
    if not user.role.is_staff:
        return set()
    return set(await session.scalars(select(StaffAssignment.group_id).where(StaffAssignment.user_id == user.id)))


@dataclass(frozen=True)
class GroupChild:
    """A current child of a group, as the group's staff see it on their page."""

    id: int
    first_name: str
    last_name: str
    group_id: int


async def current_children(session: AsyncSession, group_ids: set[int], today: dt.date) -> list[GroupChild]:
    """The children still in the groups (no end date, or one not yet passed), by first name."""
    if not group_ids:
        return []
    rows = await session.scalars(
        select(Child)
        .where(Child.group_id.in_(group_ids), (Child.end_date.is_(None)) | (Child.end_date >= today))
        .order_by(Child.first_name, Child.id)
    )
    return [GroupChild(c.id, c.first_name, c.last_name, c.group_id) for c in rows]


@dataclass(frozen=True)
class Deadline:
    """A guardian's child with an end date: until when the family can read and download."""

    child_id: int
    first_name: str
    end_date: dt.date
    access_until: dt.date
    left: bool


async def deadlines_for(session: AsyncSession, user: User, organisation: Organisation) -> list[Deadline]:
    """The guardian's children with an end date whose window is not over, soonest first."""
    today = today_for(organisation)
    earliest_end = today - dt.timedelta(days=organisation.leaving_window_days)
    children = await session.scalars(
        select(Child)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(
            Guardianship.user_id == user.id, Child.organisation_id == organisation.id, Child.end_date >= earliest_end
        )
        .order_by(Child.end_date, Child.id)
    )
    result = []
    for child in children:
        last = access_until(child, organisation)
        assert last is not None and child.end_date is not None
        result.append(Deadline(child.id, child.first_name, child.end_date, last, child.end_date < today))
    return result


@dataclass(frozen=True)
class StaffRow:
    """A member of staff as the admin's roster page lists them."""

    name: str
    email: str
    role: str
    activated: bool
    groups: list[str]
    id: int = 0
    deactivated: bool = False


async def staff_with_groups(session: AsyncSession, organisation: Organisation) -> list[StaffRow]:
    """Everyone who is not a parent, by name, with the groups they work in ("Location/Group")."""
    users = list(
        await session.scalars(
            select(User)
            .where(User.organisation_id == organisation.id, User.role != Role.PARENT)
            .order_by(User.display_name, User.id)
        )
    )
    assignments = await session.execute(
        select(StaffAssignment.user_id, Location.name, Group.name)
        .join(Group, Group.id == StaffAssignment.group_id)
        .join(Location, Location.id == Group.location_id)
        .where(Group.organisation_id == organisation.id)
        .order_by(Location.name, Group.name)
    )
    groups: dict[int, list[str]] = {}
    for user_id, location, group in assignments:
        groups.setdefault(user_id, []).append(f"{location}/{group}")
    return [
        StaffRow(u.display_name, u.email, u.role.value, u.is_activated, groups.get(u.id, []), u.id, not u.is_active)
        for u in users
    ]


@dataclass(frozen=True)
class GuardianRow:
    id: int
    name: str
    email: str
    relation: str
    deactivated: bool


@dataclass(frozen=True)
class ChildGuardians:
    """A child with the people who are its guardians, for the admin's page."""

    id: int
    name: str
    group: str
    end_date: dt.date | None
    guardians: list[GuardianRow]


async def children_with_guardians(session: AsyncSession, organisation: Organisation) -> list[ChildGuardians]:
    """Every child of the organisation that is not purged, by group and name, with its guardians."""
    children = list(
        await session.execute(
            select(Child, Location.name, Group.name)
            .join(Group, Group.id == Child.group_id)
            .join(Location, Location.id == Group.location_id)
            .where(Child.organisation_id == organisation.id)
            .order_by(Location.name, Group.name, Child.first_name, Child.last_name, Child.id)
        )
    )
    links = await session.execute(
        select(Guardianship.child_id, User, Guardianship.relation)
        .join(User, User.id == Guardianship.user_id)
        .where(User.organisation_id == organisation.id)
        .order_by(User.display_name, User.id)
    )
    guardians: dict[int, list[GuardianRow]] = {}
    for child_id, user, relation in links:
        guardians.setdefault(child_id, []).append(
            GuardianRow(user.id, user.display_name, user.email, relation, not user.is_active)
        )
    return [
        ChildGuardians(c.id, c.full_name, f"{location}/{group}", c.end_date, guardians.get(c.id, []))
        for c, location, group in children
    ]
