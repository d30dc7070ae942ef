"""Roster dates: an organisation's today (in its time zone), whether a child is still
current, and whether its family is still inside the leaving window."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.roster.models import Child, Organisation


def today_for(organisation: Organisation) -> dt.date:
    return dt.datetime.now(ZoneInfo(organisation.timezone)).date()


def is_current(child: Child, today: dt.date) -> bool:
    return child.end_date is None or child.end_date >= today


def within_leaving_window(child: Child, organisation: Organisation, today: dt.date) -> bool:
    return child.end_date is None or today <= child.end_date + dt.timedelta(days=organisation.leaving_window_days)
