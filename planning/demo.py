"""Demo planning: every demo child is booked on a regular week (most three whole days,
some mornings only), each group has a place or two free and two professionals a
dagdeel, so the family's month shows free days, full days and the holidays. Once:
nothing happens when any contract exists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from planning.models import Contract, GroupRoom, StaffPlan
from planning.rules import AFTERNOON, MORNING
from portal.roster.models import CareType, Child, Group, Organisation

SCHEDULES = (
    {"0": [MORNING, AFTERNOON], "1": [MORNING, AFTERNOON], "3": [MORNING, AFTERNOON]},
    {"1": [MORNING, AFTERNOON], "2": [MORNING, AFTERNOON], "4": [MORNING, AFTERNOON]},
    {"0": [MORNING], "2": [MORNING], "4": [MORNING]},
)


async def seed_demo_planning(session: AsyncSession, organisation: Organisation) -> None:
    children = list(
        await session.scalars(select(Child).where(Child.organisation_id == organisation.id).order_by(Child.id))
    )
    if not children or await session.scalar(
        select(Contract.id).where(Contract.organisation_id == organisation.id).limit(1)
    ):
        return
    start = dt.date(dt.date.today().year - 1, 1, 1)
    per_group: dict[int, int] = {}
    for index, child in enumerate(children):
        per_group[child.group_id] = per_group.get(child.group_id, 0) + 1
        session.add(
            Contract(
                organisation_id=organisation.id,
                child_id=child.id,
                care_type="kdv",
                schedule=SCHEDULES[index % len(SCHEDULES)],
                weeks=52,
                starts_on=start,
            )
        )
    for group in await session.scalars(select(Group).where(Group.organisation_id == organisation.id)):
        count = per_group.get(group.id, 0)
        places = 16 if group.care_type is not CareType.BSO else 20
        session.add(
            GroupRoom(group_id=group.id, organisation_id=organisation.id, places=min(places, count + 2), version=0)
        )
        for weekday in range(5):
            for dagdeel in (MORNING, AFTERNOON):
                session.add(StaffPlan(group_id=group.id, weekday=weekday, dagdeel=dagdeel, staff=2))
    await session.flush()
