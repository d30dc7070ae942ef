"""Importing staff (medewerkers, managers, admins) from a CSV file.

Columns: ``name, email, role, groups`` and optionally ``status``; ``role`` is
staff, manager or admin; ``groups`` lists ``Location/Group`` pairs separated by
``|`` (or ``;`` in a comma-separated file). Groups must exist already (import the
child roster first). A listed person works in exactly the groups listed: a group
left off is taken away (a move to another group ends access to the old one).
``status`` ``left`` (or ``vertrokken``) says the person has left the organisation:
their account is deactivated (``portal.accounts.deactivation``). People not in
the file are left as they are. All-or-nothing and idempotent like the child
roster; every ended access is logged and returned for the take-back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.deactivation import deactivate
from portal.roster.csvfile import ImportRejected, RowError, RowReader, read_rows
from portal.roster.membership import leave_groups
from portal.roster.models import Organisation, Role, StaffAssignment, User
from portal.roster.service import ImportReport, roster_index

REQUIRED = ("name", "email", "role")
OPTIONAL = ("groups", "status")
STAFF_ROLES = (Role.STAFF, Role.MANAGER, Role.ADMIN)
LEFT = ("left", "vertrokken")
ACTIVE = ("", "active", "actief")
REMOVED_BY_IMPORT = "staff list"


@dataclass(frozen=True)
class StaffPlan:
    line: int
    name: str
    email: str
    role: Role
    groups: tuple[tuple[str, str], ...]
    left: bool = False


def parse_staff(data: bytes | str) -> list[StaffPlan]:
    rows, errors = read_rows(data, REQUIRED, OPTIONAL)
    if errors:
        raise ImportRejected(errors)
    plans: list[StaffPlan] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        r = RowReader(line, row, errors)
        before = len(errors)
        name = r.text("name")
        email = r.email("email")
        role_raw = r.text("role").lower()
        role = Role(role_raw) if role_raw in {x.value for x in STAFF_ROLES} else None
        if role_raw and role is None:
            errors.append(RowError(line, "import.bad_role", {"value": role_raw}))
        groups = []
        for item in row.get("groups", "").replace(";", "|").split("|"):
            if not item.strip():
                continue
            location, sep, group = item.partition("/")
            if not sep or not location.strip() or not group.strip():
                errors.append(RowError(line, "import.unknown_group", {"value": item.strip()}))
                continue
            groups.append((" ".join(location.split()), " ".join(group.split())))
        status = row.get("status", "").strip().lower()
        if status not in LEFT + ACTIVE:
            errors.append(RowError(line, "import.bad_status", {"value": status[:40]}))
        if email and (other := seen.setdefault(email, line)) != line:
            errors.append(RowError(line, "import.duplicate_email", {"other": other}))
        if len(errors) == before and role is not None:
            plans.append(StaffPlan(line, name, email, role, tuple(groups), status in LEFT))
    if errors:
        raise ImportRejected(errors)
    return plans


async def apply_staff(
    session: AsyncSession, organisation: Organisation, plans: list[StaffPlan], *, actor: User | None = None
) -> ImportReport:
    roster = await roster_index(session, organisation)
    errors: list[RowError] = []
    existing = {
        (a.user_id, a.group_id)
        for a in await session.scalars(
            select(StaffAssignment).where(StaffAssignment.user_id.in_([u.id for u in roster.users.values()] or [-1]))
        )
    }
    for plan in plans:
        if plan.left:
            leaving = roster.users.get(plan.email)
            if leaving is not None and leaving.deactivated_at is None:
                roster.report.ended += await deactivate(session, organisation, actor, leaving, REMOVED_BY_IMPORT)
                roster.report.deactivated.append(f"{leaving.display_name} <{leaving.email}>")
                roster.report.accounts_deactivated += 1
            continue
        group_ids = []
        for location, group in plan.groups:
            loc = roster.locations.get(location.lower())
            grp = roster.groups.get((loc.id, group.lower())) if loc else None
            if grp is None:
                errors.append(
                    RowError(
                        plan.line,
                        "import.unknown_group",
                        {"value": f"{location}/{group}"},
                    )
                )
            else:
                group_ids.append(grp.id)
        if errors:
            continue
        user = await roster.user(plan.email, plan.name, plan.role)
        if user.role is not plan.role:
            user.role = plan.role
            roster.report.users_updated += 1
        for group_id in group_ids:
            if (user.id, group_id) not in existing:
                session.add(StaffAssignment(user_id=user.id, group_id=group_id))
                existing.add((user.id, group_id))
                roster.report.links_created += 1
        # the file says where this person works now: a group left off is a group they left
        gone = {g for (u, g) in existing if u == user.id} - set(group_ids)
        if gone:
            roster.report.ended += await leave_groups(session, organisation, actor, user, gone, REMOVED_BY_IMPORT)
            existing -= {(user.id, g) for g in gone}
            roster.report.links_removed += len(gone)
    if errors:
        raise ImportRejected(errors)
    await session.flush()
    return roster.report
