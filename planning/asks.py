"""Whether a family may ask for a day, before anything is sent: the rule set's lead
times and windows, open days, what is booked, the credit at hand. Pure; every
reason is a code with a text in both languages (``planning.why.<code>``), shown on
the calendar before the family taps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from planning.calendar import OpenDays
from planning.rules import DAGDELEN, EARLY, LATE, Rules

SWAP = "swap"
EXTRA = "extra"
KINDS = (SWAP, EXTRA)


@dataclass(frozen=True)
class Ask:
    kind: str
    day: dt.date
    dagdelen: tuple[str, ...]
    gives_up: dt.date | None = None
    use_credit: bool = False


def starts_at(rules: Rules, day: dt.date, dagdelen: tuple[str, ...], zone: ZoneInfo) -> dt.datetime:
    """When the care asked for begins, as an absolute moment (UTC)."""
    first = min((rules.starts(d) for d in dagdelen if d in rules.dagdelen), default=dt.time(0))
    return dt.datetime.combine(day, first, tzinfo=zone).astimezone(dt.UTC)


def why_not(
    rules: Rules,
    calendar: OpenDays,
    zone: ZoneInfo,
    now: dt.datetime,
    ask: Ask,
    *,
    booked_on_day: tuple[str, ...],
    booked_on_gives_up: tuple[str, ...] = (),
    credit: int = 0,
    offers: frozenset[str] = frozenset(),
) -> list[str]:
    """Every reason ``ask`` cannot be made now; empty when it can."""
    today = now.astimezone(zone).date()
    if ask.kind not in KINDS:
        return ["bad_kind"]
    if not ask.dagdelen or any(d not in rules.dagdelen for d in ask.dagdelen):
        return ["bad_dagdeel"]
    if any(d in (EARLY, LATE) and d not in offers for d in ask.dagdelen):
        return ["not_offered"]
    if not any(d in DAGDELEN for d in ask.dagdelen) and ask.kind == SWAP:
        return ["bad_dagdeel"]
    reasons: list[str] = []
    closed = calendar.closed_because(ask.day)
    if closed:
        reasons.append(f"closed_{closed}")
    start = starts_at(rules, ask.day, ask.dagdelen, zone)
    ahead = (ask.day - today).days
    if ask.kind == SWAP:
        if not rules.swaps:
            return ["swaps_off"]
        if ask.day <= today:
            reasons.append("past")
        elif ahead > rules.swap_max_days_ahead:
            reasons.append("too_far")
        if ask.gives_up is None:
            reasons.append("gives_up_missing")
        elif ask.gives_up <= today:
            reasons.append("gives_up_past")
        elif calendar.closed_because(ask.gives_up):
            reasons.append("gives_up_closed")
        elif not set(ask.dagdelen) <= set(booked_on_gives_up):
            reasons.append("not_booked")
    else:
        if start <= now:
            reasons.append("past")
        elif ahead > rules.extra_max_days_ahead:
            reasons.append("too_far")
        elif now > start - dt.timedelta(hours=rules.extra_min_hours_ahead):
            reasons.append("too_soon")
        if ask.use_credit and credit < rules.cost(ask.dagdelen):
            reasons.append("no_credit")
    if set(ask.dagdelen) & set(booked_on_day):
        reasons.append("already_booked")
    return reasons


def why_not_cancel(rules: Rules, zone: ZoneInfo, now: dt.datetime, status: str, ask: Ask) -> str | None:
    """Why a request can no longer be cancelled; None when it can. Pending and waiting
    requests can always be withdrawn; a granted day up to ``extra_cancel_hours`` before."""
    if status in ("pending", "waiting"):
        return None
    if status != "granted":
        return "not_cancellable"
    start = starts_at(rules, ask.day, ask.dagdelen, zone)
    if now >= start:
        return "past"
    if now > start - dt.timedelta(hours=rules.extra_cancel_hours):
        return "late_cancel"
    return None
