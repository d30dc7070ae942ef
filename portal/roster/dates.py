"""Roster dates: an organisation's today (in its time zone), whether a child is still
current, and its family's leaving window: read-only access from the day after the
end date up to and including ``access_until``; the purge runs the day after."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.roster.models import Child, Organisation


def today_for(organisation: Organisation) -> dt.date:
    return dt.datetime.now(ZoneInfo(organisation.timezone)).date()


def is_current(child: Child, today: dt.date) -> bool:
    return child.end_date is None or child.end_date >= today


def access_until(child: Child, organisation: Organisation) -> dt.date | None:
    """The family's last day of (read-only) access; ``None`` while no end date is set."""
    if child.end_date is None:
        return None
    return child.end_date + dt.timedelta(days=organisation.leaving_window_days)


def within_leaving_window(child: Child, organisation: Organisation, today: dt.date) -> bool:
    last = access_until(child, organisation)
    return last is None or today <= last
