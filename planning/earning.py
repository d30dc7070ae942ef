"""Credit earned by absences: every contracted day of an absence report that came in
before the rule set's deadline earns a lot (``planning.calendar.earns``), written
once (its source names the report and the day); a report taken back withdraws what
its lots still hold. Run when a child's planning is read and by the housekeeping, so
an absence reported at 07:10 shows its credit on the next look."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import AbsenceReport
from planning import ledger
from planning.calendar import OpenDays, credit_expires, earns
from planning.models import LedgerEntry
from planning.setup import ChildFacts, open_days

LOOKBACK_DAYS = 400  # reports older than this have nothing left to earn or withdraw


def _source(report_id: int, day: dt.date) -> str:
    return f"absence:{report_id}:{day.isoformat()}"


async def due(
    session: AsyncSession,
    facts: ChildFacts,
    today: dt.date,
    lines: list[LedgerEntry] | None = None,
    calendar: OpenDays | None = None,
) -> list[LedgerEntry]:
    """The lines the child's absence reports call for and the ledger lacks: credit earned,
    and what reports taken back had earned (withdrawn). Nothing is written here.
    ``lines``: the child's ledger, ``calendar``: the location's closing days over the
    reports' span, if read already."""
    child = facts.child
    if lines is None:
        lines = (await ledger.entries(session, [child.id]))[child.id]
    reports = list(
        await session.scalars(
            select(AbsenceReport).where(
                AbsenceReport.child_id == child.id,
                AbsenceReport.end_date >= today - dt.timedelta(days=LOOKBACK_DAYS),
            )
        )
    )
    if not reports:
        return []
    if calendar is None:
        first = min(r.start_date for r in reports)
        last = max(r.end_date for r in reports)
        calendar = await open_days(session, facts.group.location_id, first, last)
    existing = {e.source: e for e in lines if e.source and e.source.startswith("absence:")}
    withdrawn = {e.source for e in lines if e.source and e.source.startswith("withdrawn:")}
    remaining = {lot.id: lot.remaining for lot in ledger.lots_of(lines)}
    missing: list[LedgerEntry] = []
    for report in reports:
        day = report.start_date
        while day <= report.end_date:
            source = _source(report.id, day)
            if report.deleted_at is None:
                booked = facts.dagdelen_on(day)
                if (
                    source not in existing
                    and booked
                    and earns(facts.rules, calendar, day, report.created_at, report.reason, facts.zone)
                ):
                    missing.append(
                        LedgerEntry(
                            organisation_id=child.organisation_id,
                            child_id=child.id,
                            entry=ledger.EARNED,
                            amount=facts.rules.cost(booked),
                            unit=facts.rules.unit,
                            care_type=facts.care_type(),
                            day=day,
                            expires_on=credit_expires(facts.rules, day),
                            source=source,
                            reason=report.reason,
                        )
                    )
            elif source in existing and f"withdrawn:{source}" not in withdrawn:
                lot = existing[source]
                left = remaining.get(lot.id, 0)
                if left > 0:
                    missing.append(
                        LedgerEntry(
                            organisation_id=child.organisation_id,
                            child_id=child.id,
                            entry=ledger.WITHDRAWN,
                            amount=-left,
                            unit=lot.unit,
                            care_type=lot.care_type,
                            day=day,
                            lot_id=lot.id,
                            source=f"withdrawn:{source}",
                        )
                    )
            day += dt.timedelta(days=1)
    return missing


async def sync_child(
    session: AsyncSession,
    facts: ChildFacts,
    today: dt.date,
    lines: list[LedgerEntry] | None = None,
    calendar: OpenDays | None = None,
) -> int:
    """Write what ``due`` finds missing; how many lines. The caller holds the group's lock
    (``planning.room.lock``) or is the sweep."""
    missing = await due(session, facts, today, lines, calendar)
    if missing:
        session.add_all(missing)
        await session.flush()
    return len(missing)
