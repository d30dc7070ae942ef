"""The parent's month, server-side: per day whether it is a day of care (or a weekend,
a holiday, a closing day), what is booked, absences, requests and their state, and
for each thing a family could ask for that day either "yes" or the reason why not,
before anything is sent. Plus the credit or budget: balance, lots and when they
expire. One occupancy read for the whole month."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import AbsenceReport
from planning import ledger
from planning.asks import EXTRA, SWAP, Ask, why_not
from planning.calendar import public_holiday
from planning.requests import OPEN, Locked, Target, _offers, locked_facts, read_facts, requests_of
from planning.room import occupancy
from planning.rules import AFTERNOON, DAGDELEN, MORNING
from planning.setup import ChildFacts, open_days
from portal.errors import InvalidInput
from portal.uow import UnitOfWork

WHOLE_DAY = (MORNING, AFTERNOON)


@dataclass
class DayView:
    day: dt.date
    in_month: bool
    closed: str | None = None
    closed_name: str = ""
    booked: tuple[str, ...] = ()
    absence: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    swapped_away: bool = False
    room: bool | None = None  # a place for one more child for the whole day (None: not known)
    extra: list[str] = field(default_factory=list)  # why an extra day cannot be asked (empty: it can)
    credit: list[str] = field(default_factory=list)
    swap: list[str] = field(default_factory=list)
    swap_from: list[str] = field(default_factory=list)  # booked days this day could replace


def parse_month(value: str | None, today: dt.date) -> dt.date:
    """``YYYY-MM`` (the month of ``today`` when empty), refused in words when it is not one."""
    if not value:
        return today.replace(day=1)
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise InvalidInput("planning.bad_month") from None


async def current_month(
    uow_factory: Callable[[], UnitOfWork], target: Target, month: str | None, now: dt.datetime
) -> tuple[Locked, dict[str, Any]]:
    """The month as a page shows it, read without the group's lock; only when the ledger
    needs a line first (credit an absence earned, a lot that expired) is the lock taken,
    in a transaction of its own, so looking never queues behind deciding."""
    async with uow_factory() as uow:
        found = await read_facts(uow.session, target, now)
        if found is not None:
            return found, await month_view(
                uow.session, found.facts, parse_month(month, found.today), now, found.lots, found.balance
            )
    async with uow_factory() as uow:
        locked = await locked_facts(uow.session, target, now)
        return locked, await month_view(
            uow.session, locked.facts, parse_month(month, locked.today), now, locked.lots, locked.balance
        )


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=cal.monthrange(first.year, first.month)[1])


async def month_view(
    session: AsyncSession,
    facts: ChildFacts,
    month: dt.date,
    now: dt.datetime,
    lots: list[ledger.Lot],
    balance: int,
) -> dict[str, Any]:
    """``lots`` and ``balance``: the child's ledger as ``planning.requests`` read it."""
    first, last = month_bounds(month)
    grid_first = first - dt.timedelta(days=first.weekday())
    grid_last = last + dt.timedelta(days=6 - last.weekday())
    today = facts.today(now)
    rules = facts.rules
    horizon = today + dt.timedelta(days=max(rules.swap_max_days_ahead, rules.extra_max_days_ahead) + 1)
    calendar = await open_days(session, facts.group.location_id, grid_first, max(grid_last, horizon))
    occupied = await occupancy(session, facts.group, grid_first, grid_last)
    requests = await requests_of(session, facts.child.id, grid_first, grid_last)
    absences = list(
        await session.execute(
            select(AbsenceReport.start_date, AbsenceReport.end_date, AbsenceReport.reason).where(
                AbsenceReport.child_id == facts.child.id,
                AbsenceReport.deleted_at.is_(None),
                AbsenceReport.start_date <= grid_last,
                AbsenceReport.end_date >= grid_first,
            )
        )
    )
    offers = _offers(facts)
    care = facts.care_type()
    swap_candidates = [
        today + dt.timedelta(days=n)
        for n in range(1, rules.swap_max_days_ahead + 1)
        if facts.dagdelen_on(today + dt.timedelta(days=n))
        and calendar.closed_because(today + dt.timedelta(days=n)) is None
    ]
    given_up = {r.gives_up for r in requests if r.gives_up and r.status == "granted"}
    swap_candidates = [d for d in swap_candidates if d not in given_up]
    days: list[DayView] = []
    day = grid_first
    while day <= grid_last:
        view = DayView(day=day, in_month=first <= day <= last)
        view.closed = calendar.closed_because(day)
        if view.closed == "holiday":
            view.closed_name = public_holiday(day) or ""
        elif view.closed == "closed":
            view.closed_name = calendar.closing.get(day, "")
        view.booked = facts.dagdelen_on(day)
        view.absence = next((reason for start, end, reason in absences if start <= day <= end), None)
        view.requests = [
            {
                "id": r.id,
                "kind": r.kind,
                "status": r.status,
                "dagdelen": list(r.dagdelen),
                "day": r.day.isoformat(),
                "gives_up": r.gives_up.isoformat() if r.gives_up else None,
                "reason": r.reason,
            }
            for r in requests
            if day in (r.day, r.gives_up)
        ]
        view.swapped_away = day in given_up
        if view.in_month and view.closed is None and day > today:
            slots = [occupied.slot(day, d, facts.child.birth_date) for d in DAGDELEN]
            view.room = all(s.fits_one_more for s in slots) if all(s.known for s in slots) else None
            booked_now = () if view.swapped_away else view.booked
            has_open = any(r["status"] in OPEN and r["day"] == day.isoformat() for r in view.requests)
            ask_days = WHOLE_DAY
            view.extra = why_not(
                rules, calendar, facts.zone, now, Ask(EXTRA, day, ask_days), booked_on_day=booked_now, offers=offers
            )
            credit = ledger.available(lots, care, day, today, rules)
            view.credit = why_not(
                rules,
                calendar,
                facts.zone,
                now,
                Ask(EXTRA, day, ask_days, use_credit=True),
                credit=credit,
                booked_on_day=booked_now,
                offers=offers,
            )
            if rules.swaps:
                view.swap_from = [d.isoformat() for d in swap_candidates if d != day and not booked_now]
                view.swap = why_not(
                    rules,
                    calendar,
                    facts.zone,
                    now,
                    Ask(SWAP, day, ask_days, swap_candidates[0] if swap_candidates else None),
                    booked_on_gives_up=facts.dagdelen_on(swap_candidates[0]) if swap_candidates else (),
                    booked_on_day=booked_now,
                    offers=offers,
                )
                if not view.swap_from and "already_booked" not in view.swap:
                    view.swap = [*view.swap, "no_day_to_swap"]
            if has_open:
                view.extra = view.credit = view.swap = ["duplicate"]
        days.append(view)
        day += dt.timedelta(days=1)
    usable_lots = [lot for lot in lots if lot.remaining > 0 and lot.expires_on >= today]
    return {
        "first": first,
        "last": last,
        "today": today,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "balance": balance,
        "lots": usable_lots,
        "unit": rules.unit,
        "rules": rules,
    }
