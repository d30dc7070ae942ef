"""What a user may see NOW, as facts read from the roster: the children they are a
guardian of and may still read about (current, or within the leaving window), the
groups of those children, the groups they work in now and those groups' current
children. Read once per request or replayed page; every copy of something already
handed out (a feed item read back, a photo URL, a listing) is judged against it,
so an entitlement that ended is over everywhere the moment its change commits,
and a leaving window that closed is over the moment it closes.

* a guardian sees what is about their readable children, the posts and activity
  photos of those children's groups, and a tagged photo only while one of the
  tagged children is theirs;
* staff see what is about the current children of the groups they work in now,
  and those groups' posts, photos and upload states; managers and admins see
  every group's posts, photos and upload states;
* an ended (deactivated) account sees nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.roster.dates import today_for, within_leaving_window
from portal.roster.models import Child, Guardianship, Organisation, Role, StaffAssignment, User


@dataclass(frozen=True)
class Viewer:
    user_id: int
    every_group: bool  # managers and admins
    staff_groups: frozenset[int]
    staff_children: frozenset[int]  # current children of staff_groups
    family_children: frozenset[int]  # guardian of, and still readable (current or leaving)
    family_groups: frozenset[int]  # the groups of family_children

    def sees_child(self, child_id: int) -> bool:
        return child_id in self.family_children or child_id in self.staff_children

    def sees_group(self, group_id: int) -> bool:
        return self.every_group or group_id in self.staff_groups or group_id in self.family_groups

    def works_in(self, group_id: int) -> bool:
        return self.every_group or group_id in self.staff_groups

    def sees_photo(self, group_id: int, tagged: frozenset[int]) -> bool:
        """A photo in its group's feed: staff of the group, or a family whose child it shows
        (an untagged activity photo: a family of the group)."""
        if self.works_in(group_id):
            return True
        return bool(tagged & self.family_children) if tagged else group_id in self.family_groups


async def viewer_of(session: AsyncSession, user_id: int, today: dt.date | None = None) -> Viewer:
    """The user's facts as they are now (nothing at all for an account that ended)."""
    row = (
        await session.execute(
            select(User, Organisation)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.id == user_id)
        )
    ).first()
    if row is None or row[0].deactivated_at is not None:
        return Viewer(user_id, False, frozenset(), frozenset(), frozenset(), frozenset())
    user, organisation = row
    today = today or today_for(organisation)
    family = [
        child
        for child in await session.scalars(
            select(Child).join(Guardianship, Guardianship.child_id == Child.id).where(Guardianship.user_id == user_id)
        )
        if within_leaving_window(child, organisation, today)
    ]
    staff_groups: frozenset[int] = frozenset()
    staff_children: frozenset[int] = frozenset()
    if user.role.is_staff:
        staff_groups = frozenset(
            await session.scalars(select(StaffAssignment.group_id).where(StaffAssignment.user_id == user_id))
        )
        if staff_groups:
            staff_children = frozenset(
                await session.scalars(
                    select(Child.id).where(
                        Child.group_id.in_(staff_groups), or_(Child.end_date.is_(None), Child.end_date >= today)
                    )
                )
            )
    return Viewer(
        user_id,
        user.role in (Role.MANAGER, Role.ADMIN),
        staff_groups,
        staff_children,
        frozenset(c.id for c in family),
        frozenset(c.group_id for c in family),
    )


async def viewers_of(session: AsyncSession, user_ids: list[int]) -> dict[int, Viewer]:
    """``viewer_of`` for many users at once, in four queries whatever their number (a
    notification fan-out judges thousands of recipients)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = {
        user.id: (user, organisation)
        for user, organisation in await session.execute(
            select(User, Organisation)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.id.in_(ids))
        )
        if user.deactivated_at is None
    }
    days = {organisation.id: today_for(organisation) for _, organisation in users.values()}
    family: dict[int, list[Child]] = {user_id: [] for user_id in users}
    for user_id, child in await session.execute(
        select(Guardianship.user_id, Child)
        .join(Child, Child.id == Guardianship.child_id)
        .where(Guardianship.user_id.in_(list(users)))
    ):
        organisation = users[user_id][1]
        if within_leaving_window(child, organisation, days[organisation.id]):
            family[user_id].append(child)
    staff_ids = [user_id for user_id, (user, _) in users.items() if user.role.is_staff]
    assignments: dict[int, set[int]] = {user_id: set() for user_id in staff_ids}
    if staff_ids:
        for user_id, group_id in await session.execute(
            select(StaffAssignment.user_id, StaffAssignment.group_id).where(StaffAssignment.user_id.in_(staff_ids))
        ):
            assignments[user_id].add(group_id)
    group_children: dict[int, list[tuple[int, dt.date | None, int]]] = {}
    every_group_id = sorted({g for groups in assignments.values() for g in groups})
    if every_group_id:
        for child_id, group_id, end_date, organisation_id in await session.execute(
            select(Child.id, Child.group_id, Child.end_date, Child.organisation_id).where(
                Child.group_id.in_(every_group_id)
            )
        ):
            group_children.setdefault(group_id, []).append((child_id, end_date, organisation_id))
    result: dict[int, Viewer] = {}
    for user_id in ids:
        if user_id not in users:
            result[user_id] = Viewer(user_id, False, frozenset(), frozenset(), frozenset(), frozenset())
            continue
        user, organisation = users[user_id]
        today = days[organisation.id]
        groups = frozenset(assignments.get(user_id, ()))
        children = frozenset(
            child_id
            for group_id in groups
            for child_id, end_date, _ in group_children.get(group_id, ())
            if end_date is None or end_date >= today
        )
        result[user_id] = Viewer(
            user_id,
            user.role in (Role.MANAGER, Role.ADMIN),
            groups,
            children,
            frozenset(c.id for c in family[user_id]),
            frozenset(c.group_id for c in family[user_id]),
        )
    return result
