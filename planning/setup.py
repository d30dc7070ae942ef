"""The facts a decision reads: the organisation's rule set, a location's choices and
calendar (closing days), a group's room row, a child's contract."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from planning import rules as rule_sets
from planning.calendar import OpenDays
from planning.models import ClosingDay, Contract, LocationPlanning, PlanningSettings
from planning.rules import Rules
from portal.roster.models import Child, Group, Organisation


async def rules_for(session: AsyncSession, organisation_id: int) -> Rules:
    row = await session.get(PlanningSettings, organisation_id)
    return _rules(json.dumps(row.rules, sort_keys=True)) if row else rule_sets.PRESETS[rule_sets.DEFAULT_PRESET]


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


_FACTS = (
    select(Group, Organisation, PlanningSettings, LocationPlanning)
    .join(Organisation, Organisation.id == Group.organisation_id)
    .outerjoin(PlanningSettings, PlanningSettings.organisation_id == Organisation.id)
    .outerjoin(LocationPlanning, LocationPlanning.location_id == Group.location_id)
)


@lru_cache(maxsize=256)
def _rules(stored: str) -> Rules:
    return rule_sets.from_dict(json.loads(stored))


async def child_facts(session: AsyncSession, given: Child | int) -> ChildFacts:
    """The child (given, or by id), its organisation, group, rule set and location choices
    (one query) and its contracts (another)."""
    child: Child
    if isinstance(given, int):
        statement = _FACTS.add_columns(Child).join(Child, Child.group_id == Group.id).where(Child.id == given)
        group, organisation, settings, location, child = (await session.execute(statement)).one()
    else:
        child = given
        statement = _FACTS.where(Group.id == child.group_id)
        group, organisation, settings, location = (await session.execute(statement)).one()
    if settings:
        rules = _rules(json.dumps(settings.rules, sort_keys=True))
    else:
        rules = rule_sets.PRESETS[rule_sets.DEFAULT_PRESET]
    return ChildFacts(
        organisation=organisation,
        child=child,
        group=group,
        rules=rules,
        zone=ZoneInfo(organisation.timezone),
        contracts=await contracts_of(session, child.id),
        location=location
        or LocationPlanning(location_id=group.location_id, auto_decide=True, early_care=False, late_care=False),
    )
