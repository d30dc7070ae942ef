"""Both presets' rules at their boundaries, table-driven: when an absence earns credit
(07:29:59 and 07:30:00; two working days across a weekend, King's Day and Easter
Monday; holiday weeks four weeks ahead), how long credit lasts (30 and 31 days; 31
December to 1 January), the windows for swaps and extra days (30 and 31 days, 48 hours
minus a minute, the DST weekends), cancelling, closed days and invoicing months."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from planning import rules as rule_sets
from planning.asks import EXTRA, SWAP, Ask, why_not, why_not_cancel
from planning.calendar import OpenDays, credit_expires, earns, invoice_month, public_holiday
from planning.rules import AFTERNOON, MORNING, from_dict

AMS = ZoneInfo("Europe/Amsterdam")
LK = rule_sets.LANGE_KEIZER
KDV = rule_sets.KDV_REGULIER
OPEN = OpenDays()
WHOLE = (MORNING, AFTERNOON)


def at(text: str) -> dt.datetime:
    """A wall-clock moment in Amsterdam."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("rules", "care_day", "reported", "reason", "earned"),
    [
        # Lange Keizer: before 07:30 on the day itself, also when sick
        (LK, "2027-03-03", "2027-03-03T07:29:59", "ziek", True),
        (LK, "2027-03-03", "2027-03-03T07:30:00", "ziek", False),
        (LK, "2027-03-03", "2027-03-02T18:00:00", "vakantie", True),
        (LK, "2027-03-06", "2027-03-01T09:00:00", "ziek", False),  # a Saturday is no day of care
        (LK, "2027-04-27", "2027-04-20T09:00:00", "ziek", False),  # King's Day
        # the DST weekends: 07:29 on the Monday after the clocks moved is still before 07:30
        (LK, "2027-03-29", "2027-03-29T07:29:00", "ziek", False),  # Easter Monday: closed anyway
        (LK, "2027-03-30", "2027-03-30T07:29:00", "ziek", True),
        (LK, "2027-11-01", "2027-11-01T07:29:59", "ziek", True),
        (LK, "2027-11-01", "2027-11-01T07:30:00", "ziek", False),
        # KDV regulier: at least two working days ahead, also for sickness
        (KDV, "2027-03-03", "2027-03-01T23:59:59", "ziek", True),  # Wednesday: Monday counts
        (KDV, "2027-03-03", "2027-03-02T00:00:00", "ziek", False),  # Tuesday is one working day ahead
        (
            KDV,
            "2027-03-09",
            "2027-03-05T23:00:00",
            "ziek",
            True,
        ),  # Tuesday: Friday counts (the weekend is not working days)
        (KDV, "2027-03-09", "2027-03-06T10:00:00", "ziek", False),  # Saturday is too late for Tuesday
        (KDV, "2027-04-29", "2027-04-26T20:00:00", "ziek", True),  # Thursday after King's Day: Monday counts
        (KDV, "2027-04-29", "2027-04-27T10:00:00", "ziek", False),  # King's Day is no working day
        (KDV, "2027-03-31", "2027-03-26T12:00:00", "ziek", False),  # Easter: Good Friday is no working day either
        (KDV, "2027-03-31", "2027-03-25T23:59:00", "ziek", True),  # Thursday before Easter is two working days ahead
        (KDV, "2027-03-31", "2027-03-29T09:00:00", "ziek", False),  # Easter Monday is no working day
        # KDV: holiday weeks at least four weeks ahead (from the Monday of the week)
        (KDV, "2027-07-21", "2027-06-20T23:59:00", "vakantie", True),
        (KDV, "2027-07-21", "2027-06-21T00:00:00", "vakantie", False),
        (KDV, "2027-07-21", "2027-06-21T00:00:00", "ziek", True),  # sickness: two working days
    ],
)
def test_when_an_absence_earns_credit(
    rules: rule_sets.Rules, care_day: str, reported: str, reason: str, earned: bool
) -> None:
    assert earns(rules, OPEN, day(care_day), at(reported), reason, AMS) is earned


def test_a_closing_day_earns_nothing_and_the_holiday_list_is_the_libraries() -> None:
    closed = OpenDays({day("2027-03-03"): "studiedag"})
    assert not earns(LK, closed, day("2027-03-03"), at("2027-03-01T07:00:00"), "ziek", AMS)
    assert public_holiday(day("2027-04-27")) and public_holiday(day("2027-03-29"))
    assert public_holiday(day("2027-03-30")) is None


@pytest.mark.parametrize(
    ("rules", "earned_on", "last_day"),
    [
        (LK, "2027-03-01", "2027-03-31"),  # 30 days
        (LK, "2026-12-15", "2027-01-14"),
        (KDV, "2027-03-01", "2027-12-31"),  # until 31 December; new budgets on 1 January
        (KDV, "2026-12-31", "2026-12-31"),
        (KDV, "2027-01-01", "2027-12-31"),
    ],
)
def test_how_long_credit_lasts(rules: rule_sets.Rules, earned_on: str, last_day: str) -> None:
    assert credit_expires(rules, day(earned_on)) == day(last_day)


def ask_extra(rules: rule_sets.Rules, now: str, on: str, **kwargs: object) -> list[str]:
    return why_not(rules, OPEN, AMS, at(now), Ask(EXTRA, day(on), WHOLE), booked_on_day=(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rules", "now", "on", "reasons"),
    [
        # Lange Keizer: from 30 days to 48 hours ahead (weekends count)
        (LK, "2027-03-01T07:30:00", "2027-03-31", []),  # 30 days
        (LK, "2027-03-01T07:30:00", "2027-04-01", ["too_far"]),  # 31 days
        (LK, "2027-03-01T07:30:00", "2027-03-03", []),  # exactly 48 hours before 07:30
        (LK, "2027-03-01T07:31:00", "2027-03-03", ["too_soon"]),  # 48 hours minus a minute
        (LK, "2027-03-05T09:00:00", "2027-03-08", []),  # the weekend counts as hours
        # across the spring DST change 48 wall-clock hours are only 47 real ones, in autumn 49
        (LK, "2028-03-25T07:30:00", "2028-03-27", ["too_soon"]),
        (LK, "2028-03-25T06:30:00", "2028-03-27", []),
        (LK, "2027-10-30T08:30:00", "2027-11-01", []),
        (LK, "2027-10-30T08:31:00", "2027-11-01", ["too_soon"]),
        (LK, "2027-03-01T07:30:00", "2027-03-06", ["closed_weekend"]),
        (LK, "2027-04-01T07:30:00", "2027-04-27", ["closed_holiday"]),
        (LK, "2027-03-03T08:00:00", "2027-03-03", ["past"]),
        # KDV regulier: not earlier than 21 days ahead, no minimum
        (KDV, "2027-03-01T09:00:00", "2027-03-22", []),
        (KDV, "2027-03-01T09:00:00", "2027-03-23", ["too_far"]),
        (KDV, "2027-03-02T07:29:00", "2027-03-02", []),
        (KDV, "2027-03-02T07:30:00", "2027-03-02", ["past"]),
    ],
)
def test_when_an_extra_day_can_be_asked(rules: rule_sets.Rules, now: str, on: str, reasons: list[str]) -> None:
    assert ask_extra(rules, now, on) == reasons


def test_credit_must_be_there_and_the_day_must_be_free() -> None:
    assert ask_extra(LK, "2027-03-01T09:00:00", "2027-03-10", credit=0) == []
    spend = Ask(EXTRA, day("2027-03-10"), WHOLE, use_credit=True)
    assert why_not(LK, OPEN, AMS, at("2027-03-01T09:00:00"), spend, booked_on_day=(), credit=0) == ["no_credit"]
    assert why_not(LK, OPEN, AMS, at("2027-03-01T09:00:00"), spend, booked_on_day=(), credit=1) == []
    assert why_not(LK, OPEN, AMS, at("2027-03-01T09:00:00"), spend, booked_on_day=WHOLE, credit=1) == ["already_booked"]
    # a budget in minutes: a whole day costs 10.5 hours
    assert KDV.cost(WHOLE) == 630 and KDV.cost((MORNING,)) == 315
    kdv = Ask(EXTRA, day("2027-03-10"), (MORNING,), use_credit=True)
    assert why_not(KDV, OPEN, AMS, at("2027-03-01T09:00:00"), kdv, booked_on_day=(), credit=314) == ["no_credit"]
    assert why_not(KDV, OPEN, AMS, at("2027-03-01T09:00:00"), kdv, booked_on_day=(), credit=315) == []


@pytest.mark.parametrize(
    ("now", "on", "gives_up", "reasons"),
    [
        ("2027-03-01T09:00:00", "2027-03-31", "2027-03-04", []),  # 30 days ahead
        ("2027-03-01T09:00:00", "2027-04-01", "2027-03-04", ["too_far"]),
        ("2027-03-01T09:00:00", "2027-03-01", "2027-03-04", ["past"]),  # only in the future
        ("2027-03-01T09:00:00", "2027-03-03", "2027-03-01", ["gives_up_past"]),
        ("2027-04-01T09:00:00", "2027-04-28", "2027-04-27", ["gives_up_closed"]),  # never to replace a holiday
        ("2027-04-01T09:00:00", "2027-04-27", "2027-04-26", ["closed_holiday"]),
        ("2027-03-01T09:00:00", "2027-03-03", "2027-03-05", ["not_booked"]),
    ],
)
def test_when_a_swap_can_be_asked(now: str, on: str, gives_up: str, reasons: list[str]) -> None:
    booked = {day("2027-03-04"): WHOLE, day("2027-04-26"): WHOLE, day("2027-04-27"): WHOLE, day("2027-03-01"): WHOLE}
    swap = Ask(SWAP, day(on), WHOLE, day(gives_up))
    assert (
        why_not(LK, OPEN, AMS, at(now), swap, booked_on_day=(), booked_on_gives_up=booked.get(day(gives_up), ()))
        == reasons
    )
    assert why_not(KDV, OPEN, AMS, at(now), swap, booked_on_day=()) == ["swaps_off"]


@pytest.mark.parametrize(
    ("now", "status", "reason"),
    [
        ("2027-03-09T07:30:00", "granted", None),  # 24 hours before 07:30
        ("2027-03-09T07:31:00", "granted", "late_cancel"),
        ("2027-03-10T08:00:00", "granted", "past"),
        ("2027-03-10T07:00:00", "pending", None),  # a request not yet decided can always be withdrawn
        ("2027-03-01T07:00:00", "refused", "not_cancellable"),
    ],
)
def test_cancelling_an_extra_day(now: str, status: str, reason: str | None) -> None:
    ask = Ask(EXTRA, day("2027-03-10"), WHOLE)
    assert why_not_cancel(LK, AMS, at(now), status, ask) == reason


def test_early_and_late_care_only_where_offered() -> None:
    late = Ask(EXTRA, day("2027-03-10"), (AFTERNOON, "laat"))
    assert why_not(KDV, OPEN, AMS, at("2027-03-01T09:00:00"), late, booked_on_day=()) == ["not_offered"]
    assert why_not(KDV, OPEN, AMS, at("2027-03-01T09:00:00"), late, booked_on_day=(), offers=frozenset({"laat"})) == []
    assert KDV.cost((AFTERNOON, "laat")) == 315 + 60


@pytest.mark.parametrize(
    ("rules", "care", "month"),
    [(KDV, "2027-03-31", "2027-05-01"), (KDV, "2027-11-15", "2028-01-01"), (LK, "2027-12-01", "2028-01-01")],
)
def test_the_invoice_comes_months_after_the_care(rules: rule_sets.Rules, care: str, month: str) -> None:
    assert invoice_month(rules, day(care)) == day(month)


def test_presets_are_numbers_an_organisation_can_change() -> None:
    mine = from_dict(
        {"preset": "lange_keizer", "earn_cutoff": "08:00", "credit_valid_days": 60, "extra_min_hours_ahead": 24}
    )
    assert mine.credit_valid_days == 60 and mine.extra_min_hours_ahead == 24
    assert earns(mine, OPEN, day("2027-03-03"), at("2027-03-03T07:59:00"), "ziek", AMS)
    assert from_dict(LK.as_dict()) == LK and from_dict(KDV.as_dict()) == KDV
    from portal.errors import InvalidInput

    for bad in (
        {"preset": "mine"},
        {"swap_max_days_ahead": -1},
        {"earn_cutoff": "7 uur"},
        {"unit": "weeks"},
        {"dagdelen": {"ochtend": ["12:00", "08:00"]}},
    ):
        with pytest.raises(InvalidInput):
            from_dict(bad)
