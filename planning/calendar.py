"""Which days are days of care: weekends, Dutch public holidays (the ``holidays``
library's list for NL, which follows the Algemene termijnenwet) and a location's
own closing days are not. Working-day arithmetic for lead times and the deadline by
which an absence earns credit, in the organisation's time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from planning.rules import Rules


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("NL", years=year, language="nl"))


def public_holiday(day: dt.date) -> str | None:
    """The holiday's Dutch name, or None."""
    return _public_holidays(day.year).get(day)


class OpenDays:
    """A location's calendar: ``closing`` maps its closing days to their reason."""

    def __init__(self, closing: dict[dt.date, str] | None = None) -> None:
        self.closing = closing or {}

    def closed_because(self, day: dt.date) -> str | None:
        """``weekend``, ``holiday`` or ``closed``; None on a day of care."""
        if day.weekday() >= 5:
            return "weekend"
        if public_holiday(day):
            return "holiday"
        if day in self.closing:
            return "closed"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        """Weekdays that are not public holidays (a location's closing day still counts:
        the office works)."""
        return day.weekday() < 5 and public_holiday(day) is None

    def working_days_before(self, day: dt.date, count: int) -> dt.date:
        """The working day ``count`` working days before ``day`` (0: ``day`` itself)."""
        current = day
        while count > 0:
            current -= dt.timedelta(days=1)
            if self.is_working_day(current):
                count -= 1
        return current

    def open_days(self, days: Iterable[dt.date]) -> list[dt.date]:
        return [d for d in days if self.closed_because(d) is None]


def local(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return at.astimezone(zone)


def earn_deadline(rules: Rules, calendar: OpenDays, day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The moment by which an absence on ``day`` must be reported to earn credit."""
    deadline_day = calendar.working_days_before(day, rules.earn_days_ahead)
    cutoff = rules.cutoff_time()
    if cutoff is None:  # the end of that day
        return dt.datetime.combine(deadline_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return dt.datetime.combine(deadline_day, cutoff, tzinfo=zone)


def earns(
    rules: Rules, calendar: OpenDays, day: dt.date, reported_at: dt.datetime, reason: str, zone: ZoneInfo
) -> bool:
    """Whether an absence reported at ``reported_at`` for ``day`` earns credit: the day
    must be a day of care, the reason one that earns, the report in time."""
    if calendar.closed_because(day) is not None or reason not in rules.earn_reasons:
        return False
    if reason == "vakantie" and rules.holiday_cancel_weeks:  # holiday weeks: weeks ahead, not days
        monday = day - dt.timedelta(days=day.weekday())
        ahead = monday - dt.timedelta(weeks=rules.holiday_cancel_weeks)
        if reported_at >= dt.datetime.combine(ahead, dt.time(0), tzinfo=zone):
            return False
    return reported_at < earn_deadline(rules, calendar, day, zone)


def credit_expires(rules: Rules, day: dt.date) -> dt.date:
    """The last day a credit earned for ``day`` can be used on."""
    if rules.credit_valid_days is None:
        return dt.date(day.year, 12, 31)
    return day + dt.timedelta(days=rules.credit_valid_days)


def invoice_month(rules: Rules, day: dt.date) -> dt.date:
    """The first day of the month whose invoice carries care taken on ``day``."""
    month = day.month - 1 + rules.invoice_months_after
    return dt.date(day.year + month // 12, month % 12 + 1, 1)
