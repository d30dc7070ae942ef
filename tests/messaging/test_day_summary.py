"""The day's numbers (``messaging.day_summary``): a nap belongs to the day it began,
durations are real time across DST changes, and the text reads in both languages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from messaging.day_summary import day_bounds, local_day, summarise, summary_text

AMS = "Europe/Amsterdam"


@dataclass
class Entry:
    kind: str
    at: dt.datetime
    ends_at: dt.datetime | None = None
    details: dict[str, object] = field(default_factory=dict)


def ams(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(AMS)).astimezone(dt.UTC)


def test_a_nap_from_half_past_eleven_to_twenty_to_one_is_seventy_minutes_of_the_day_it_began() -> None:
    nap = Entry("sleep", ams(2027, 1, 14, 23, 30), ams(2027, 1, 15, 0, 40))
    assert local_day(nap.at, AMS) == dt.date(2027, 1, 14)
    start, end = day_bounds(dt.date(2027, 1, 14), AMS)
    assert start <= nap.at < end
    assert summarise([nap], now=ams(2027, 1, 15, 9, 0)).slept_minutes == 70


def test_durations_across_dst_are_the_time_that_really_passed() -> None:
    # clocks go back at 03:00 on 31 October 2027: 01:30 to 03:30 on the clock is three hours
    autumn = Entry("sleep", ams(2027, 10, 31, 1, 30), ams(2027, 10, 31, 3, 30))
    # clocks go forward at 02:00 on 28 March 2027: 01:30 to 03:30 on the clock is one hour
    spring = Entry("sleep", ams(2027, 3, 28, 1, 30), ams(2027, 3, 28, 3, 30))
    assert summarise([autumn], now=ams(2027, 11, 1, 0, 0)).slept_minutes == 180
    assert summarise([spring], now=ams(2027, 3, 29, 0, 0)).slept_minutes == 60
    long_start, long_end = day_bounds(dt.date(2027, 10, 31), AMS)
    short_start, short_end = day_bounds(dt.date(2027, 3, 28), AMS)
    assert (long_end - long_start, short_end - short_start) == (dt.timedelta(hours=25), dt.timedelta(hours=23))


def test_a_running_nap_counts_up_to_now_and_says_so() -> None:
    nap = Entry("sleep", ams(2027, 1, 14, 12, 30))
    summary = summarise([nap], now=ams(2027, 1, 14, 13, 15))
    assert (summary.naps, summary.slept_minutes, summary.sleeping) == (1, 45, True)


def test_the_text_in_dutch_and_english() -> None:
    entries = [
        Entry("sleep", ams(2027, 1, 14, 9, 0), ams(2027, 1, 14, 10, 30)),
        Entry("sleep", ams(2027, 1, 14, 13, 0), ams(2027, 1, 14, 13, 40)),
        *(Entry("bottle", ams(2027, 1, 14, h, 0), details={"ml": 180}) for h in (8, 11, 15)),
        *(Entry("nappy", ams(2027, 1, 14, h, 0), details={"state": "wet"}) for h in (8, 10, 12, 14)),
    ]
    summary = summarise(entries, now=ams(2027, 1, 14, 17, 0))
    assert summary_text(summary, "nl") == "2 u 10 min geslapen in 2 slaapjes · 3 flessen, 540 ml · 4 luiers"
    assert summary_text(summary, "en") == "slept 2 h 10 min in 2 naps · 3 bottles, 540 ml · 4 nappies"
    assert summary_text(summarise([], now=ams(2027, 1, 14, 17, 0)), "nl") == ""
