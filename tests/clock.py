"""The suite's clock. Real by default; ``TEST_NOW`` (an ISO moment with its
offset, e.g. ``2027-03-28T01:59:00+01:00``, a minute before the clocks go forward in
Amsterdam) starts the whole run at that moment, time flowing on from it: in this
process (the app, its workers and the test code, through ``time-machine``) and in
every browser context (Playwright's clock). Running the suite that way proves that
no test depends on the day, month, weekday, hour or DST it happens to run in.

Tests about days (a leaving window, a cut-off) run at ``NOON`` through the
``noon`` fixture: a fixed moment with time flowing on, so no midnight, month end
or DST change can fall inside them. Tests that need another moment inject it
(``now=``) or travel there themselves."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

FAKE_NOW_VAR = "TEST_NOW"
# for tests about days: noon in Amsterdam on a Monday, far from midnight, a month's end and DST
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
_travels: list[Any] = []  # the running time-machine travel, if any


def fake_start() -> dt.datetime | None:
    """The moment the run was asked to start at, if any."""
    raw = os.environ.get(FAKE_NOW_VAR, "").strip()
    if not raw:
        return None
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"{FAKE_NOW_VAR} needs an offset, e.g. 2027-03-28T01:59:00+01:00")
    return moment


def start() -> None:
    """Move this process's clock to ``TEST_NOW`` (if set) for the whole run."""
    moment = fake_start()
    if moment is None or _travels:
        return
    import time_machine

    travel = time_machine.travel(moment, tick=True)
    travel.start()
    _travels.append(travel)


def stop() -> None:
    while _travels:
        _travels.pop().stop()


@contextlib.contextmanager
def at_noon() -> Iterator[dt.date]:
    """The clock at ``NOON`` (time flowing on from it) while the block runs; its date."""
    import time_machine

    with time_machine.travel(NOON, tick=True):
        yield NOON.date()


def browser_follows(context: Any) -> Any:
    """A new browser context, on the same clock as this process when the run is faked."""
    if _travels:
        context.clock.install(time=dt.datetime.now(dt.UTC))
    return context
