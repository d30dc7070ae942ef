"""The organisation's planning rules as data: two presets ("Lange Keizer", per-day
credit; "KDV regulier", an hour budget) and the numbers an organisation may change
(cut-offs, validity, lead times, units, what earns credit). Pure: no database, no
clock; the service asks and passes the facts in."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from portal.errors import InvalidInput

DAY = "day"  # a credit is a day of care
MINUTES = "minutes"  # a budget of care time (shown in hours)
UNITS = (DAY, MINUTES)

MORNING = "ochtend"
AFTERNOON = "middag"
EARLY = "vroeg"
LATE = "laat"
DAGDELEN = (MORNING, AFTERNOON)
EXTRAS = (EARLY, LATE)

END_OF_DAY = "24:00"


def _time(value: str) -> dt.time | None:
    """``HH:MM``; ``24:00`` (the end of the day) is ``None``."""
    if value == END_OF_DAY:
        return None
    return dt.time.fromisoformat(value)


@dataclass(frozen=True)
class Rules:
    """Every number a rule depends on. ``earn_*``: an absence earns credit when it was
    reported before ``earn_cutoff`` on the working day ``earn_days_ahead`` working days
    before the day of care (0: the day itself; ``24:00``: the end of that day)."""

    preset: str
    unit: str = DAY
    earn_days_ahead: int = 0
    earn_cutoff: str = "07:30"
    earn_reasons: tuple[str, ...] = ("ziek", "vakantie", "anders")
    credit_valid_days: int | None = 30  # None: until 31 December of the day's year
    swaps: bool = True
    swap_max_days_ahead: int = 30
    extra_max_days_ahead: int = 30
    extra_min_hours_ahead: int = 48
    extra_cancel_hours: int = 24
    holiday_cancel_weeks: int = 0  # a vakantie absence must be reported this many weeks ahead (0: any time)
    invoice_months_after: int = 1
    cross_kind: bool = False  # never spend a day-care credit on after-school care
    dagdelen: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            MORNING: ("07:30", "12:45"),
            AFTERNOON: ("12:45", "18:00"),
            EARLY: ("07:00", "07:30"),
            LATE: ("18:00", "19:00"),
        }
    )

    def cutoff_time(self) -> dt.time | None:
        return _time(self.earn_cutoff)

    def starts(self, dagdeel: str) -> dt.time:
        return dt.time.fromisoformat(self.dagdelen[dagdeel][0])

    def minutes(self, dagdeel: str) -> int:
        start, end = (dt.datetime.combine(dt.date.min, dt.time.fromisoformat(t)) for t in self.dagdelen[dagdeel])
        return int((end - start).total_seconds() // 60)

    def cost(self, dagdelen: tuple[str, ...]) -> int:
        """What a day of care with these dagdelen is worth in this rule set's unit."""
        return 1 if self.unit == DAY else sum(self.minutes(d) for d in dagdelen)

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["earn_reasons"] = list(self.earn_reasons)
        data["dagdelen"] = {k: list(v) for k, v in self.dagdelen.items()}
        return data


LANGE_KEIZER = Rules(preset="lange_keizer")
KDV_REGULIER = Rules(
    preset="kdv_regulier",
    unit=MINUTES,
    earn_days_ahead=2,
    earn_cutoff=END_OF_DAY,
    credit_valid_days=None,
    swaps=False,
    swap_max_days_ahead=0,
    extra_max_days_ahead=21,
    extra_min_hours_ahead=0,
    extra_cancel_hours=48,
    holiday_cancel_weeks=4,
    invoice_months_after=2,
)
PRESETS = {r.preset: r for r in (LANGE_KEIZER, KDV_REGULIER)}
DEFAULT_PRESET = LANGE_KEIZER.preset

_INTS = {
    "earn_days_ahead": (0, 10),
    "swap_max_days_ahead": (0, 365),
    "extra_max_days_ahead": (0, 365),
    "extra_min_hours_ahead": (0, 24 * 30),
    "extra_cancel_hours": (0, 24 * 30),
    "holiday_cancel_weeks": (0, 26),
    "invoice_months_after": (0, 12),
}


def from_dict(data: dict[str, Any]) -> Rules:
    """A rule set from stored or submitted settings: a preset's numbers with the
    organisation's changes on top; anything out of range is refused in words."""
    preset = str(data.get("preset", DEFAULT_PRESET))
    if preset not in PRESETS:
        raise InvalidInput("planning.rules.bad_preset")
    changes: dict[str, Any] = {}
    for name, (low, high) in _INTS.items():
        if name in data:
            value = data[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InvalidInput("planning.rules.bad_number", field=name, low=low, high=high)
            changes[name] = value
    if "unit" in data:
        if data["unit"] not in UNITS:
            raise InvalidInput("planning.rules.bad_unit")
        changes["unit"] = data["unit"]
    if "earn_cutoff" in data:
        try:
            _time(str(data["earn_cutoff"]))
        except ValueError:
            raise InvalidInput("planning.rules.bad_time", field="earn_cutoff") from None
        changes["earn_cutoff"] = str(data["earn_cutoff"])
    if "credit_valid_days" in data:
        value = data["credit_valid_days"]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 366):
            raise InvalidInput("planning.rules.bad_number", field="credit_valid_days", low=1, high=366)
        changes["credit_valid_days"] = value
    for flag in ("swaps", "cross_kind"):
        if flag in data:
            changes[flag] = bool(data[flag])
    if "earn_reasons" in data:
        reasons = tuple(str(r) for r in data["earn_reasons"])
        if not set(reasons) <= {"ziek", "vakantie", "anders"}:
            raise InvalidInput("planning.rules.bad_reason")
        changes["earn_reasons"] = reasons
    if "dagdelen" in data:
        dagdelen = {}
        for name, span in dict(data["dagdelen"]).items():
            if name not in (*DAGDELEN, *EXTRAS):
                raise InvalidInput("planning.rules.bad_dagdeel")
            try:
                start, end = (dt.time.fromisoformat(str(t)) for t in span)
            except (ValueError, TypeError):
                raise InvalidInput("planning.rules.bad_time", field=name) from None
            if end <= start:
                raise InvalidInput("planning.rules.bad_time", field=name)
            dagdelen[name] = (start.strftime("%H:%M"), end.strftime("%H:%M"))
        changes["dagdelen"] = {**PRESETS[preset].dagdelen, **dagdelen}
    return dataclasses.replace(PRESETS[preset], **changes)
