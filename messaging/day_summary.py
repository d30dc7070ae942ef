"""A child's day in numbers: how long it slept and in how many naps, its bottles and
drinks, meals and nappies, for the parents at pick-up and for the archive's book.

Days are the organisation's local calendar days. An entry belongs to the day on
which it happened (a nap: the day it started, so a nap from 23:30 to 00:40 is
70 minutes of the day it began). Durations are taken between instants, so a
night across a DST change counts the hours that really passed. Pure: no
database, no clock of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from portal.i18n import translate


class Moment(Protocol):
    kind: str
    at: dt.datetime
    ends_at: dt.datetime | None
    details: dict[str, object]


def local_day(at: dt.datetime, zone: str) -> dt.date:
    return at.astimezone(ZoneInfo(zone)).date()


def day_bounds(day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the local ``day`` starts and the next one starts."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def _ml(details: dict[str, object]) -> int:
    value = details.get("ml")
    return value if isinstance(value, int) else 0


@dataclass
class Summary:
    naps: int = 0
    slept_minutes: int = 0
    sleeping: bool = False  # a nap is running now
    bottles: int = 0
    bottle_ml: int = 0
    drinks: int = 0
    drink_ml: int = 0
    meals: int = 0
    nappies: int = 0
    wet: int = 0
    dirty: int = 0
    medication: int = 0

    def as_data(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summarise(entries: Iterable[Moment], now: dt.datetime) -> Summary:
    """The numbers of one day's entries; a running nap counts up to ``now``."""
    summary = Summary()
    for entry in entries:
        details = entry.details or {}
        if entry.kind == "sleep":
            summary.naps += 1
            end = entry.ends_at or now
            summary.sleeping |= entry.ends_at is None
            summary.slept_minutes += max(0, int((end - entry.at).total_seconds() // 60))
        elif entry.kind == "bottle":
            summary.bottles += 1
            summary.bottle_ml += _ml(details)
        elif entry.kind == "drink":
            summary.drinks += 1
            summary.drink_ml += _ml(details)
        elif entry.kind == "meal":
            summary.meals += 1
        elif entry.kind == "nappy":
            summary.nappies += 1
            summary.wet += details.get("state") == "wet"
            summary.dirty += details.get("state") == "dirty"
        elif entry.kind == "medication":
            summary.medication += 1
    return summary


def _counted(key: str, count: int, lang: str, **params: object) -> str:
    return translate(f"{key}.{'one' if count == 1 else 'other'}", lang, count=count, **params)


def duration_text(minutes: int, lang: str) -> str:
    """``2 u 10 min`` / ``40 min``."""
    hours, rest = divmod(minutes, 60)
    return (
        translate("day.hours_minutes", lang, hours=hours, minutes=rest)
        if hours
        else translate("day.minutes", lang, minutes=rest)
    )


def summary_text(summary: Summary, lang: str) -> str:
    """``2 u 10 min geslapen in 2 slaapjes · 3 flessen, 540 ml · 4 luiers``; empty
    when nothing was logged."""
    parts = []
    if summary.naps:
        parts.append(_counted("day.sum.sleep", summary.naps, lang, duration=duration_text(summary.slept_minutes, lang)))
    if summary.bottles:
        parts.append(_counted("day.sum.bottles", summary.bottles, lang, ml=summary.bottle_ml))
    if summary.drinks:
        parts.append(_counted("day.sum.drinks", summary.drinks, lang))
    if summary.meals:
        parts.append(_counted("day.sum.meals", summary.meals, lang))
    if summary.nappies:
        parts.append(_counted("day.sum.nappies", summary.nappies, lang))
    return " · ".join(parts)
