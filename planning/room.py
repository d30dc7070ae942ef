"""The room in a group on a day: who is there per dagdeel (contracts, minus absences
and days swapped away, plus granted swaps and extra days), the group's places, the
staff planned, and whether one more child keeps the staff-to-child ratio
(``planning.bkr``). ``lock`` serialises every decision about one group."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import AbsenceReport
from planning import bkr
from planning.models import Contract, GroupRoom, PlanningRequest, StaffPlan
from portal.roster.models import Child, Group

GRANTED = "granted"
OPEN = ("pending", "waiting", GRANTED)


async def lock(session: AsyncSession, group: Group) -> None:
    """Take the group's lock: the FIRST statement of a deciding transaction, so that on
    SQLite it takes the write lock before reading anything, and on PostgreSQL it holds
    the group's row until commit."""
    bumped = await session.execute(
        update(GroupRoom)
        .where(GroupRoom.group_id == group.id)
        .values(version=GroupRoom.version + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(bumped, "rowcount", 0) == 0:
        session.add(GroupRoom(group_id=group.id, organisation_id=group.organisation_id, places=None, version=1))
        await session.flush()


@dataclass
class Slot:
    """One dagdeel of one day in a group, and what one more child would do to it."""

    day: dt.date
    dagdeel: str
    present: int
    places: int | None
    staff: int | None
    needed_now: int | None
    needed_with_one_more: int | None
    rule: str

    @property
    def known(self) -> bool:
        return self.places is not None and self.staff is not None

    @property
    def fits_one_more(self) -> bool:
        return (
            self.known
            and self.present + 1 <= (self.places or 0)
            and self.needed_with_one_more is not None
            and self.needed_with_one_more <= (self.staff or 0)
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "dagdeel": self.dagdeel,
            "present": self.present,
            "places": self.places,
            "staff": self.staff,
            "needed_now": self.needed_now,
            "needed_with_one_more": self.needed_with_one_more,
            "rule": self.rule,
            "fits": self.fits_one_more,
        }


Booking = tuple[dt.date, dt.date | None, dict[str, list[str]]]  # a contract: starts, ends, schedule


class Occupancy:
    """A group's children per day and dagdeel over a span of days, from four queries."""

    def __init__(
        self,
        group: Group,
        places: int | None,
        staff: dict[tuple[int, str], int],
        births: dict[int, dt.date],
        contracts: dict[int, list[Booking]],
        absent: dict[int, list[tuple[dt.date, dt.date]]],
        granted: list[PlanningRequest],
        active: dict[int, tuple[dt.date, dt.date | None]],
    ) -> None:
        self.group = group
        self.open_requests: list[PlanningRequest] = []  # granted, pending and waiting over the span
        self.places = places
        self.staff = staff
        self.births = births
        self.contracts = contracts
        self.absent = absent
        self.active = active
        self.moved_in: dict[tuple[dt.date, str], set[int]] = defaultdict(set)
        self.moved_out: dict[tuple[dt.date, str], set[int]] = defaultdict(set)
        for request in granted:
            for dagdeel in request.dagdelen:
                self.moved_in[(request.day, dagdeel)].add(request.child_id)
                if request.gives_up is not None:
                    self.moved_out[(request.gives_up, dagdeel)].add(request.child_id)

    def _booked(self, child_id: int, day: dt.date, dagdeel: str) -> bool:
        start, end = self.active.get(child_id, (dt.date.max, None))
        if day < start or (end is not None and day > end):
            return False
        return any(
            starts <= day and (ends is None or day <= ends) and dagdeel in schedule.get(str(day.weekday()), ())
            for starts, ends, schedule in self.contracts.get(child_id, ())
        )

    def _is_absent(self, child_id: int, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.absent.get(child_id, ()))

    def present(self, day: dt.date, dagdeel: str) -> set[int]:
        key = (day, dagdeel)
        there = {c for c in self.contracts if self._booked(c, day, dagdeel)} - self.moved_out.get(key, set())
        there |= self.moved_in.get(key, set())
        return {c for c in there if not self._is_absent(c, day)}

    def slot(self, day: dt.date, dagdeel: str, newcomer_birth: dt.date | None = None) -> Slot:
        here = self.present(day, dagdeel)
        ages = [bkr.age_on(self.births[c], day) for c in here if c in self.births]
        care = str(self.group.care_type)
        now = bkr.needed(care, ages)
        with_one = bkr.needed_with(care, ages, bkr.age_on(newcomer_birth, day)) if newcomer_birth else now
        return Slot(
            day=day,
            dagdeel=dagdeel,
            present=len(here),
            places=self.places,
            staff=self.staff.get((day.weekday(), dagdeel)),
            needed_now=now.professionals,
            needed_with_one_more=with_one.professionals,
            rule=with_one.rule,
        )


async def occupancy(session: AsyncSession, group: Group, first: dt.date, last: dt.date) -> Occupancy:
    places: int | None = None
    staff: dict[tuple[int, str], int] = {}
    for room_places, weekday, dagdeel, count in await session.execute(
        select(GroupRoom.places, StaffPlan.weekday, StaffPlan.dagdeel, StaffPlan.staff)
        .select_from(GroupRoom)
        .outerjoin(StaffPlan, StaffPlan.group_id == GroupRoom.group_id)
        .where(GroupRoom.group_id == group.id)
    ):
        places = room_places
        if weekday is not None:
            staff[(weekday, dagdeel)] = count
    requests = list(
        await session.scalars(
            select(PlanningRequest).where(
                PlanningRequest.group_id == group.id,
                PlanningRequest.status.in_(OPEN),
                or_(
                    PlanningRequest.day.between(first, last),
                    PlanningRequest.gives_up.between(first, last),
                ),
            )
        )
    )
    granted = [r for r in requests if r.status == GRANTED]
    births: dict[int, dt.date] = {}
    active: dict[int, tuple[dt.date, dt.date | None]] = {}
    contracts: dict[int, list[Booking]] = defaultdict(list)
    for child_id, birth, start, end, starts_on, ends_on, schedule in await session.execute(
        select(
            Child.id,
            Child.birth_date,
            Child.start_date,
            Child.end_date,
            Contract.starts_on,
            Contract.ends_on,
            Contract.schedule,
        )
        .outerjoin(
            Contract,
            and_(
                Contract.child_id == Child.id,
                Contract.starts_on <= last,
                or_(Contract.ends_on.is_(None), Contract.ends_on >= first),
            ),
        )
        .where(
            Child.group_id == group.id, Child.start_date <= last, or_(Child.end_date.is_(None), Child.end_date >= first)
        )
    ):
        births[child_id] = birth
        active[child_id] = (start, end)
        if starts_on is not None:
            contracts[child_id].append((starts_on, ends_on, schedule))
    others = {r.child_id for r in granted} - set(births)  # a child of another group with a granted day here
    if others:
        for child_id, birth, start, end in await session.execute(
            select(Child.id, Child.birth_date, Child.start_date, Child.end_date).where(Child.id.in_(others))
        ):
            births[child_id] = birth
            active[child_id] = (start, end)
    absent: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for child_id, start, end in await session.execute(
        select(AbsenceReport.child_id, AbsenceReport.start_date, AbsenceReport.end_date)
        .join(Child, Child.id == AbsenceReport.child_id)
        .where(
            or_(Child.group_id == group.id, Child.id.in_(others)),
            AbsenceReport.deleted_at.is_(None),
            AbsenceReport.start_date <= last,
            AbsenceReport.end_date >= first,
        )
    ):
        absent[child_id].append((start, end))
    occupied = Occupancy(
        group=group,
        places=places,
        staff=staff,
        births=births,
        contracts=dict(contracts),
        absent=dict(absent),
        granted=granted,
        active=active,
    )
    occupied.open_requests = requests
    return occupied
