"""What the organisation sets up: its rule set, each location's choices and closing
days, each group's places and staff plan (a week grid per dagdeel), the children's
contracts (one at a time, or a CSV for all, all-or-nothing) and corrections of a
child's credit, always with a reason."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from planning import rules as rule_sets
from planning.models import ClosingDay, Contract, GroupRoom, LocationPlanning, PlanningSettings, StaffPlan
from planning.rules import AFTERNOON, DAGDELEN, EXTRAS, MORNING, Rules
from portal.errors import InvalidInput, NotFound
from portal.roster.models import CareType, Child, Group, Location, User

WEEKDAYS = ("ma", "di", "wo", "do", "vr")
MAX_STAFF = 12
MAX_PLACES = 200
WEEKS = (40, 46, 48, 52)
ORDER = (*DAGDELEN, *EXTRAS)


async def set_rules(session: AsyncSession, organisation_id: int, data: dict[str, Any]) -> Rules:
    rules = rule_sets.from_dict(data)
    row = await session.get(PlanningSettings, organisation_id)
    if row is None:
        session.add(PlanningSettings(organisation_id=organisation_id, rules=rules.as_dict()))
    else:
        row.rules = rules.as_dict()
        row.updated_at = dt.datetime.now(dt.UTC)
    await session.flush()
    return rules


async def _location(session: AsyncSession, user: User, location_id: int) -> Location:
    location = await session.get(Location, location_id)
    if location is None or location.organisation_id != user.organisation_id:
        raise NotFound()
    return location


async def _group(session: AsyncSession, user: User, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    if group is None or group.organisation_id != user.organisation_id:
        raise NotFound()
    return group


async def set_location(session: AsyncSession, user: User, location_id: int, data: dict[str, Any]) -> LocationPlanning:
    await _location(session, user, location_id)
    row = await session.get(LocationPlanning, location_id)
    if row is None:
        row = LocationPlanning(location_id=location_id, auto_decide=True, early_care=False, late_care=False)
        session.add(row)
    for flag in ("auto_decide", "early_care", "late_care"):
        if flag in data:
            setattr(row, flag, bool(data[flag]))
    await session.flush()
    return row


async def add_closing_day(session: AsyncSession, user: User, location_id: int, day: dt.date, reason: str) -> ClosingDay:
    await _location(session, user, location_id)
    existing = await session.scalar(
        select(ClosingDay).where(ClosingDay.location_id == location_id, ClosingDay.day == day)
    )
    if existing is not None:
        existing.reason = reason.strip()[:200]
        return existing
    row = ClosingDay(
        organisation_id=user.organisation_id, location_id=location_id, day=day, reason=reason.strip()[:200]
    )
    session.add(row)
    await session.flush()
    return row


async def remove_closing_day(session: AsyncSession, user: User, location_id: int, day: dt.date) -> None:
    await _location(session, user, location_id)
    await session.execute(delete(ClosingDay).where(ClosingDay.location_id == location_id, ClosingDay.day == day))


async def set_room(session: AsyncSession, user: User, group_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """``{"places": 16, "staff": {"0": {"ochtend": 2, "middag": 2}, ...}}``: the group's
    kindplaatsen and its staff per weekday and dagdeel (a regular week)."""
    group = await _group(session, user, group_id)
    if "places" in data:
        places = data["places"]
        if places is not None and (
            not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= MAX_PLACES
        ):
            raise InvalidInput("planning.room.bad_places", max=MAX_PLACES)
        room = await session.get(GroupRoom, group.id)
        if room is None:
            session.add(GroupRoom(group_id=group.id, organisation_id=group.organisation_id, places=places, version=0))
        else:
            room.places = places
    if "staff" in data:
        grid = data["staff"]
        if not isinstance(grid, dict):
            raise InvalidInput("planning.room.bad_staff", max=MAX_STAFF)
        rows = []
        for weekday, parts in grid.items():
            if str(weekday) not in {str(i) for i in range(5)} or not isinstance(parts, dict):
                raise InvalidInput("planning.room.bad_staff", max=MAX_STAFF)
            for dagdeel, staff in parts.items():
                if dagdeel not in (*DAGDELEN, *EXTRAS) or not isinstance(staff, int) or not 0 <= staff <= MAX_STAFF:
                    raise InvalidInput("planning.room.bad_staff", max=MAX_STAFF)
                rows.append(StaffPlan(group_id=group.id, weekday=int(weekday), dagdeel=dagdeel, staff=staff))
        await session.execute(delete(StaffPlan).where(StaffPlan.group_id == group.id))
        session.add_all(rows)
    await session.flush()
    return await room_dict(session, group)


async def room_dict(session: AsyncSession, group: Group) -> dict[str, Any]:
    room = await session.get(GroupRoom, group.id)
    staff: dict[str, dict[str, int]] = {}
    for row in await session.scalars(select(StaffPlan).where(StaffPlan.group_id == group.id)):
        staff.setdefault(str(row.weekday), {})[row.dagdeel] = row.staff
    return {"group": {"id": group.id, "name": group.name}, "places": room.places if room else None, "staff": staff}


def parse_schedule(text: str) -> dict[str, list[str]]:
    """``ma di:ochtend do:middag+laat``: weekdays (whole days) or weekday:dagdelen."""
    schedule: dict[str, list[str]] = {}
    for token in text.replace(",", " ").replace(";", " ").split():
        name, _, parts = token.partition(":")
        if name.lower() not in WEEKDAYS:
            raise InvalidInput("planning.contract.bad_schedule", part=token)
        dagdelen = [MORNING, AFTERNOON] if not parts else parts.lower().split("+")
        if any(d not in (*DAGDELEN, *EXTRAS) for d in dagdelen) or not any(d in DAGDELEN for d in dagdelen):
            raise InvalidInput("planning.contract.bad_schedule", part=token)
        schedule[str(WEEKDAYS.index(name.lower()))] = sorted(set(dagdelen), key=ORDER.index)
    if not schedule:
        raise InvalidInput("planning.contract.bad_schedule", part=text or "-")
    return schedule


def contract_values(data: dict[str, Any]) -> dict[str, Any]:
    care_type = str(data.get("care_type", "kdv"))
    if care_type not in {c.value for c in CareType}:
        raise InvalidInput("planning.contract.bad_care_type")
    schedule = data.get("schedule")
    parsed = parse_schedule(schedule) if isinstance(schedule, str) else None
    if parsed is None:
        raise InvalidInput("planning.contract.bad_schedule", part="-")
    weeks = data.get("weeks", 52)
    try:
        weeks = int(weeks)
    except (TypeError, ValueError):
        weeks = -1
    if weeks not in WEEKS:
        raise InvalidInput("planning.contract.bad_weeks", allowed=", ".join(map(str, WEEKS)))
    try:
        starts = dt.date.fromisoformat(str(data.get("starts_on")))
        ends = dt.date.fromisoformat(str(data["ends_on"])) if data.get("ends_on") else None
    except ValueError:
        raise InvalidInput("planning.contract.bad_date") from None
    if ends is not None and ends < starts:
        raise InvalidInput("planning.contract.bad_date")
    return {"care_type": care_type, "schedule": parsed, "weeks": weeks, "starts_on": starts, "ends_on": ends}


async def set_contract(session: AsyncSession, user: User, child_id: int, data: dict[str, Any]) -> Contract:
    """The child's contract from ``starts_on``: replaces one starting that day, ends the
    one before it the day before."""
    child = await session.get(Child, child_id)
    if child is None or child.organisation_id != user.organisation_id:
        raise NotFound()
    values = contract_values(data)
    return await put_contract(session, child, values)


async def put_contract(session: AsyncSession, child: Child, values: dict[str, Any]) -> Contract:
    contracts = list(await session.scalars(select(Contract).where(Contract.child_id == child.id)))
    for old in contracts:
        if old.starts_on >= values["starts_on"]:
            await session.delete(old)
        elif old.ends_on is None or old.ends_on >= values["starts_on"]:
            old.ends_on = values["starts_on"] - dt.timedelta(days=1)
    contract = Contract(organisation_id=child.organisation_id, child_id=child.id, **values)
    session.add(contract)
    await session.flush()
    return contract


CSV_COLUMNS = ("child_ref", "care_type", "schedule", "weeks", "starts_on", "ends_on")


async def import_contracts(session: AsyncSession, user: User, text: str) -> int:
    """Contracts for many children from CSV (``docs/planning.md``): every line is checked
    first; one bad line and nothing is written, with every bad line named."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("planning.contract.columns", columns=", ".join(missing))
    children = {
        c.external_ref: c
        for c in await session.scalars(select(Child).where(Child.organisation_id == user.organisation_id))
        if c.external_ref
    }
    parsed: list[tuple[Child, dict[str, Any]]] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        child = children.get((row.get("child_ref") or "").strip())
        if child is None:
            problems.append(f"{line}: child_ref")
            continue
        try:
            parsed.append((child, contract_values(row)))
        except InvalidInput as exc:
            problems.append(f"{line}: {exc.key.rsplit('.', 1)[-1]}")
    if problems:
        raise InvalidInput("planning.contract.bad_lines", lines="; ".join(problems[:20]))
    for child, values in parsed:
        await put_contract(session, child, values)
    return len(parsed)


def contract_dict(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "child_id": contract.child_id,
        "care_type": contract.care_type,
        "schedule": contract.schedule,
        "weeks": contract.weeks,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
    }
