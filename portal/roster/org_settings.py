"""The organisation's own settings, as an admin changes them: the absence cut-off,
opening hours (quiet hours for staff), the edit window, the group tablet's lock
time, the time zone and the longest and largest video clip staff may share.

Each value is checked and explained in words people understand; a change is all
or nothing. The leaving window is left out on purpose: shortening it would purge
children's data at the next hourly run, so it is not a setting to change in passing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.errors import InvalidInput
from portal.roster.models import Organisation

EDIT_WINDOW_MAX_MINUTES = 24 * 60
TABLET_LOCK_MAX_MINUTES = 60
# video clips: the organisation's limits (the server's SCHRIFTJE_CLIP_MAX_* cap them further)
CLIP_MIN_SECONDS, CLIP_MAX_SECONDS = 5, 600
CLIP_MIN_MEGABYTES, CLIP_MAX_MEGABYTES = 10, 2000


@dataclass(frozen=True)
class Field:
    name: str
    parse: Callable[[object], Any]
    show: Callable[[Any], object]


def _time(value: object) -> dt.time:
    try:
        parsed = dt.time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput("settings.bad_time")
    return parsed.replace(second=0, microsecond=0)


def _minutes(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if type(value) is not int or not low <= value <= high:
            raise InvalidInput("settings.bad_minutes", low=low, high=high)
        return value

    return parse


def _number(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if type(value) is not int or not low <= value <= high:
            raise InvalidInput("settings.bad_number", low=low, high=high)
        return value

    return parse


def _timezone(value: object) -> str:
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return value
    raise InvalidInput("settings.bad_timezone")


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


FIELDS = {
    f.name: f
    for f in (
        Field("absence_cutoff", _time, _hhmm),
        Field("opens_at", _time, _hhmm),
        Field("closes_at", _time, _hhmm),
        Field("edit_window_minutes", _minutes(0, EDIT_WINDOW_MAX_MINUTES), int),
        Field("tablet_lock_minutes", _minutes(1, TABLET_LOCK_MAX_MINUTES), int),
        Field("timezone", _timezone, str),
        Field("clip_max_seconds", _number(CLIP_MIN_SECONDS, CLIP_MAX_SECONDS), int),
        Field("clip_max_megabytes", _number(CLIP_MIN_MEGABYTES, CLIP_MAX_MEGABYTES), int),
    )
}


def current(organisation: Organisation) -> dict[str, object]:
    """The settings as the API and the form show them."""
    return {name: f.show(getattr(organisation, name)) for name, f in FIELDS.items()}


def change(organisation: Organisation, changes: Mapping[str, object]) -> dict[str, object]:
    """Apply ``changes`` (any subset of ``FIELDS``) or none of them; returns the settings."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput("settings.unknown", names=", ".join(unknown))
    parsed = {name: FIELDS[name].parse(value) for name, value in changes.items()}
    opens = parsed.get("opens_at", organisation.opens_at)
    closes = parsed.get("closes_at", organisation.closes_at)
    if opens >= closes:
        raise InvalidInput("settings.hours_order")
    for name, value in parsed.items():
        setattr(organisation, name, value)
    return current(organisation)
