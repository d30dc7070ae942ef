"""Swap and extra-day requests, from asking to deciding.

``submit`` judges a request by the rules (``planning.asks``), then by the room
(``planning.room``): one that fits both is granted at once where the location
decides automatically; one the group has no room for is refused, or put on the wait
list when the family asked for that; the rest wait in the location's inbox, oldest
first. Every decision about a group runs under its lock, so the last place and the
last credit are given once. Families hear of each decision through their feed."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.broker.base import Broker
from planning import earning, ledger, notices
from planning.asks import EXTRA, SWAP, Ask, why_not, why_not_cancel
from planning.calendar import OpenDays
from planning.models import PlanningRequest
from planning.room import Slot, lock, occupancy
from planning.rules import EARLY, LATE
from planning.setup import ChildFacts, child_facts, open_days
from portal.errors import Conflict, InvalidInput, NotFound
from portal.roster.models import Child, Group, Guardianship, Role, User
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)
PENDING, WAITING, GRANTED, REFUSED, CANCELLED = "pending", "waiting", "granted", "refused", "cancelled"
OPEN = (PENDING, WAITING, GRANTED)
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class Target:
    """What a deciding transaction locks: the child's group (read in an earlier unit of work)."""

    child_id: int
    group_id: int
    organisation_id: int


async def target_for_guardian(session: AsyncSession, user: User, child_id: int) -> Target:
    row = (
        await session.execute(
            select(Child.id, Child.group_id, Child.organisation_id)
            .join(Guardianship, Guardianship.child_id == Child.id)
            .where(Child.id == child_id, Guardianship.user_id == user.id, Child.organisation_id == user.organisation_id)
        )
    ).first()
    if row is None:
        raise NotFound()
    return Target(row[0], row[1], row[2])


async def target_of_request(session: AsyncSession, user: User, request_id: int) -> tuple[Target, bool]:
    """The request's target and whether ``user`` may act on it as its family (False: as the
    organisation's manager or admin). Anyone else: not found."""
    request = await session.get(PlanningRequest, request_id)
    if request is None or request.organisation_id != user.organisation_id:
        raise NotFound()
    target = Target(request.child_id, request.group_id, request.organisation_id)
    if user.role in (Role.MANAGER, Role.ADMIN):
        return target, False
    if user.role is Role.PARENT:
        found = await session.scalar(
            select(Guardianship.id).where(Guardianship.user_id == user.id, Guardianship.child_id == request.child_id)
        )
        if found is not None:
            return target, True
    raise NotFound()


@dataclass
class Locked:
    """A child's facts read under its group's lock, with its ledger brought up to date."""

    facts: ChildFacts
    today: dt.date
    lots: list[ledger.Lot]
    calendar: OpenDays  # the location's closing days a year either side of today
    balance: int  # the sum of every line of the child's ledger


async def _calendar(session: AsyncSession, facts: ChildFacts, today: dt.date) -> OpenDays:
    return await open_days(
        session,
        facts.group.location_id,
        today - dt.timedelta(days=earning.LOOKBACK_DAYS),
        today + dt.timedelta(days=400),
    )


async def read_facts(session: AsyncSession, target: Target, now: dt.datetime) -> Locked | None:
    """The child's facts and ledger read without the group's lock (a page that only shows
    them); None when the ledger needs a line written first (credit an absence earned, a
    lot that expired), which only ``locked_facts`` may do."""
    facts = await child_facts(session, target.child_id)
    today = facts.today(now)
    calendar = await _calendar(session, facts, today)
    lines = (await ledger.entries(session, [target.child_id]))[target.child_id]
    if ledger.expiring(lines, today) or await earning.due(session, facts, today, lines, calendar):
        return None
    return Locked(facts, today, ledger.lots_of(lines), calendar, sum(line.amount for line in lines))


async def locked_facts(session: AsyncSession, target: Target, now: dt.datetime) -> Locked:
    """Lock the group (the first statement), then read the child's facts and bring its
    ledger up to date (earned credit, expiry): one read of the ledger unless that wrote."""
    group = Group(id=target.group_id, organisation_id=target.organisation_id)
    await lock(session, group)
    facts = await child_facts(session, target.child_id)
    child = facts.child
    today = facts.today(now)
    calendar = await _calendar(session, facts, today)
    lines = (await ledger.entries(session, [child.id]))[child.id]
    written = await earning.sync_child(session, facts, today, lines, calendar)
    if written:
        lines = (await ledger.entries(session, [child.id]))[child.id]
    if ledger.expire_lines(session, lines, today):
        await session.flush()
        lines = (await ledger.entries(session, [child.id]))[child.id]
    return Locked(facts, today, ledger.lots_of(lines), calendar, sum(line.amount for line in lines))


def _offers(facts: ChildFacts) -> frozenset[str]:
    offered = set()
    if facts.location.early_care:
        offered.add(EARLY)
    if facts.location.late_care:
        offered.add(LATE)
    return frozenset(offered)


async def slots_for(session: AsyncSession, facts: ChildFacts, day: dt.date, dagdelen: tuple[str, ...]) -> list[Slot]:
    occupied = await occupancy(session, facts.group, day, day)
    return [occupied.slot(day, d, facts.child.birth_date) for d in dagdelen]


async def submit(
    uow: UnitOfWork,
    broker: Broker,
    user: User,
    target: Target,
    ask: Ask,
    *,
    wait: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
) -> PlanningRequest:
    """Judge and record a family's request; decided at once where the rules and room allow."""
    now = now or dt.datetime.now(dt.UTC)
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput("planning.note_too_long", max=MAX_NOTE_CHARS)
    session = uow.session
    locked = await locked_facts(session, target, now)
    facts, today = locked.facts, locked.today
    calendar = locked.calendar
    credit = ledger.available(locked.lots, facts.care_type(), ask.day, today, facts.rules)
    reasons = why_not(
        facts.rules,
        calendar,
        facts.zone,
        now,
        ask,
        booked_on_day=facts.dagdelen_on(ask.day),
        booked_on_gives_up=facts.dagdelen_on(ask.gives_up) if ask.gives_up else (),
        credit=credit,
        offers=_offers(facts),
    )
    if reasons:
        raise InvalidInput(f"planning.why.{reasons[0]}", **_reason_params(facts, ask.kind))
    occupied = await occupancy(session, facts.group, ask.day, ask.day)
    if any(r.child_id == facts.child.id and r.day == ask.day for r in occupied.open_requests):
        raise Conflict("planning.why.duplicate")
    cost = facts.rules.cost(ask.dagdelen) if ask.kind == EXTRA else 0
    request = PlanningRequest(
        organisation_id=facts.child.organisation_id,
        child_id=facts.child.id,
        group_id=facts.group.id,
        kind=ask.kind,
        day=ask.day,
        dagdelen=list(ask.dagdelen),
        gives_up=ask.gives_up,
        use_credit=ask.use_credit,
        wait=wait,
        status=PENDING,
        note=note.strip(),
        cost=cost,
        unit=facts.rules.unit,
        requested_by=user.id,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    slots = [occupied.slot(ask.day, d, facts.child.birth_date) for d in ask.dagdelen]
    if all(s.known for s in slots) and not all(s.fits_one_more for s in slots):
        await _close(uow, broker, request, WAITING if wait else REFUSED, "full", None, now)
    elif all(s.fits_one_more for s in slots) and facts.location.auto_decide:
        await _grant(uow, broker, facts, request, today, None, now, locked.lots)
    else:  # the inbox: a person decides (a manual location, or places or staff not entered)
        await notices.tell_managers(uow, broker, request)
    return request


def _reason_params(facts: ChildFacts, kind: str) -> dict[str, object]:
    """What the reasons' texts name: the numbers of this rule set (``days``: the window of this kind)."""
    rules = facts.rules
    return {
        "cutoff": rules.earn_cutoff,
        "days": rules.swap_max_days_ahead if kind == SWAP else rules.extra_max_days_ahead,
        "swap_days": rules.swap_max_days_ahead,
        "extra_days": rules.extra_max_days_ahead,
        "hours": rules.extra_min_hours_ahead,
        "cancel_hours": rules.extra_cancel_hours,
    }


async def _grant(
    uow: UnitOfWork,
    broker: Broker,
    facts: ChildFacts,
    request: PlanningRequest,
    today: dt.date,
    by: User | None,
    now: dt.datetime,
    lots: list[ledger.Lot] | None = None,
) -> None:
    covered = 0
    if request.kind == EXTRA and request.use_credit:
        covered = await ledger.spend(
            uow.session,
            organisation_id=request.organisation_id,
            child_id=request.child_id,
            amount=request.cost,
            care_type=facts.care_type(),
            on_day=request.day,
            today=today,
            rules=facts.rules,
            request_id=request.id,
            current=lots,
        )
        if covered < request.cost:  # the credit went meanwhile (expired): nothing is half-paid
            raise Conflict("planning.why.no_credit")
    request.invoiced = request.cost - covered if request.kind == EXTRA else 0
    await _close(uow, broker, request, GRANTED, "", by, now)
    if request.gives_up is not None:  # the day swapped away frees the child's place there
        await promote_waiting(uow, broker, facts.group, request.gives_up, today, now)


async def _close(
    uow: UnitOfWork,
    broker: Broker,
    request: PlanningRequest,
    status: str,
    reason: str,
    by: User | None,
    now: dt.datetime,
) -> None:
    request.status = status
    request.reason = reason
    request.decided_by = by.id if by else None
    request.decided_at = now
    await uow.session.flush()
    log.info(
        "planning request decided",
        extra={"request_id": request.id, "group_id": request.group_id, "status": status, "by_person": by is not None},
    )
    await notices.tell_family(uow, broker, request)


async def decide(
    uow: UnitOfWork,
    broker: Broker,
    manager: User,
    target: Target,
    request_id: int,
    *,
    grant: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> PlanningRequest:
    """A manager's decision on a request in the inbox (or on the wait list). Granting needs
    the room: a place and the ratio with the staff planned (plan more staff first)."""
    now = now or dt.datetime.now(dt.UTC)
    session = uow.session
    locked = await locked_facts(session, target, now)
    facts, today = locked.facts, locked.today
    request = await session.get_one(PlanningRequest, request_id, populate_existing=True)
    if request.status not in (PENDING, WAITING):
        raise Conflict("planning.already_decided")
    if not grant:
        if len(reason) > MAX_NOTE_CHARS:
            raise InvalidInput("planning.note_too_long", max=MAX_NOTE_CHARS)
        await _close(uow, broker, request, REFUSED, reason.strip()[:60] or "refused", manager, now)
        return request
    slots = await slots_for(session, facts, request.day, tuple(request.dagdelen))
    for slot in slots:
        if slot.places is not None and slot.present + 1 > slot.places:
            raise Conflict("planning.room.no_place", places=slot.places, dagdeel=slot.dagdeel)
        if slot.needed_with_one_more is None or (slot.staff is not None and slot.needed_with_one_more > slot.staff):
            raise Conflict(
                "planning.room.ratio",
                needed=slot.needed_with_one_more or "?",
                staff=slot.staff if slot.staff is not None else "?",
                dagdeel=slot.dagdeel,
            )
    await _grant(uow, broker, facts, request, today, manager, now, locked.lots)
    return request


async def cancel(
    uow: UnitOfWork, broker: Broker, user: User, target: Target, request_id: int, *, now: dt.datetime | None = None
) -> PlanningRequest:
    """The family withdraws a request, or cancels a granted day in time: its credit goes
    back, and the place it held goes to the wait list."""
    now = now or dt.datetime.now(dt.UTC)
    session = uow.session
    locked = await locked_facts(session, target, now)
    facts, today = locked.facts, locked.today
    request = await session.get_one(PlanningRequest, request_id, populate_existing=True)
    ask = Ask(request.kind, request.day, tuple(request.dagdelen), request.gives_up, request.use_credit)
    why = why_not_cancel(facts.rules, facts.zone, now, request.status, ask)
    if why:
        raise Conflict(f"planning.why.{why}", **_reason_params(facts, request.kind))
    was_granted = request.status == GRANTED
    if was_granted and request.gives_up is not None:  # back to the day given up: only if it still has room
        back = await slots_for(session, facts, request.gives_up, tuple(request.dagdelen))
        if any(slot.known and not slot.fits_one_more for slot in back):
            raise Conflict("planning.why.swap_back_full")
    await ledger.give_back(session, request.id)
    request.invoiced = 0
    request.status = CANCELLED
    request.decided_at = now
    await session.flush()
    if was_granted:
        await promote_waiting(uow, broker, facts.group, request.day, today, now)
    return request


async def promote_waiting(
    uow: UnitOfWork, broker: Broker, group: Group, day: dt.date, today: dt.date, now: dt.datetime
) -> list[PlanningRequest]:
    """Grant the wait list of ``group`` on ``day``, oldest first, while there is room. The
    caller holds the group's lock."""
    if day < today:
        return []
    session = uow.session
    waiting = list(
        await session.scalars(
            select(PlanningRequest)
            .where(PlanningRequest.group_id == group.id, PlanningRequest.day == day, PlanningRequest.status == WAITING)
            .order_by(PlanningRequest.created_at, PlanningRequest.id)
        )
    )
    granted = []
    for request in waiting:
        child = await session.get_one(Child, request.child_id)
        facts = await child_facts(session, child)
        slots = await slots_for(session, facts, day, tuple(request.dagdelen))
        if not all(s.fits_one_more for s in slots):
            continue
        if request.use_credit:
            lots = await ledger.lots(session, child.id)
            if ledger.available(lots, facts.care_type(), day, today, facts.rules) < request.cost:
                await _close(uow, broker, request, REFUSED, "no_credit", None, now)
                continue
        await _grant(uow, broker, facts, request, today, None, now)
        granted.append(request)
    return granted


async def requests_of(session: AsyncSession, child_id: int, first: dt.date, last: dt.date) -> list[PlanningRequest]:
    return list(
        await session.scalars(
            select(PlanningRequest)
            .where(
                PlanningRequest.child_id == child_id,
                PlanningRequest.day.between(first, last) | PlanningRequest.gives_up.between(first, last),
            )
            .order_by(PlanningRequest.created_at)
        )
    )


__all__ = ["EXTRA", "SWAP", "Ask", "Target"]
