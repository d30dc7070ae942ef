"""The facts a decision reads: the organisation's rule set, a location's choices and
calendar (closing days), a group's room row, a child's contract."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from planning import rules as rule_sets
from planning.calendar import OpenDays
from planning.models import ClosingDay, Contract, GroupRoom, LocationPlanning, PlanningSettings
from planning.rules import Rules
from portal.roster.models import Child, Group, Organisation


async def rules_for(session: AsyncSession, organisation_id: int) -> Rules:
    row = await session.get(PlanningSettings, organisation_id)
    return rule_sets.from_dict(row.rules) if row else rule_sets.PRESETS[rule_sets.DEFAULT_PRESET]


async def location_planning(session: AsyncSession, location_id: int) -> LocationPlanning:
    row = await session.get(LocationPlanning, location_id)
    return row or LocationPlanning(location_id=location_id, auto_decide=True, early_care=False, late_care=False)


async def open_days(session: AsyncSession, location_id: int, first: dt.date, last: dt.date) -> OpenDays:
    rows = await session.execute(
        select(ClosingDay.day, ClosingDay.reason).where(
            ClosingDay.location_id == location_id, ClosingDay.day >= first, ClosingDay.day <= last
        )
    )
    return OpenDays({day: reason for day, reason in rows})


async def contract_of(session: AsyncSession, child_id: int, day: dt.date | None = None) -> Contract | None:
    """The child's contract in force on ``day`` (or the latest)."""
    query = select(Contract).where(Contract.child_id == child_id).order_by(Contract.starts_on.desc())
    for contract in await session.scalars(query):
        if day is None or (contract.starts_on <= day and (contract.ends_on is None or contract.ends_on >= day)):
            return contract
    return None


async def contracts_of(session: AsyncSession, child_id: int) -> list[Contract]:
    return list(
        await session.scalars(select(Contract).where(Contract.child_id == child_id).order_by(Contract.starts_on))
    )


async def room_of(session: AsyncSession, group: Group) -> GroupRoom | None:
    return await session.get(GroupRoom, group.id)


@dataclass
class ChildFacts:
    """Everything about one child that the rules and the room need, read once."""

    organisation: Organisation
    child: Child
    group: Group
    rules: Rules
    zone: ZoneInfo
    contracts: list[Contract]
    location: LocationPlanning

    def dagdelen_on(self, day: dt.date) -> tuple[str, ...]:
        for contract in self.contracts:
            booked = contract.dagdelen_on(day)
            if booked:
                return booked
        return ()

    def care_type(self) -> str:
        return self.contracts[-1].care_type if self.contracts else str(self.group.care_type)

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.zone).date()


async def child_facts(session: AsyncSession, child: Child) -> ChildFacts:
    organisation = await session.get_one(Organisation, child.organisation_id)
    group = await session.get_one(Group, child.group_id)
    return ChildFacts(
        organisation=organisation,
        child=child,
        group=group,
        rules=await rules_for(session, organisation.id),
        zone=ZoneInfo(organisation.timezone),
        contracts=await contracts_of(session, child.id),
        location=await location_planning(session, group.location_id),
    )
