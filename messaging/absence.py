"""Afwezigheid: a guardian reports that a child will be absent (ziek, vakantie,
anders) for a day or a range of days. The report reaches the group's staff and
the child's guardians like a message and records whether it came in before the
organisation's cut-off (default 07:30) on the first day, in the organisation's
time zone: that decides whether the family earns tegoed for the day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import deliver
from messaging.models import AbsenceReport
from messaging.service import organisation_of
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import format_date
from portal.roster.models import Organisation, User
from portal.uow import UnitOfWork

REASONS = ("ziek", "vakantie", "anders")
MAX_DAYS = 60
MAX_NOTE_CHARS = 1000


def parse_day(value: object, name: str, *, required: bool = True) -> dt.date | None:
    """A date from a JSON body or a form field; empty is ``None`` where it is optional."""
    if value in (None, "") and not required:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("absence.bad_date", field=name) from None


def reported_on_time(organisation: Organisation, start: dt.date, at: dt.datetime) -> bool:
    zone = ZoneInfo(organisation.timezone)
    return at.astimezone(zone) < dt.datetime.combine(start, organisation.absence_cutoff, tzinfo=zone)


async def report_absence(
    uow: UnitOfWork,
    broker: Broker,
    user: User,
    child_id: int,
    *,
    start: dt.date,
    end: dt.date | None,
    reason: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> AbsenceReport:
    session = uow.session
    organisation = await organisation_of(session, user)
    today = audience.today_for(organisation)
    child = await audience.child_for_posting(session, user, child_id, today)
    if not await audience.is_guardian(session, user, child.id):
        raise NotFound()
    last = end or start
    if reason not in REASONS:
        raise InvalidInput("absence.bad_reason")
    if last < start:
        raise InvalidInput("absence.ends_before_start")
    if (last - start).days >= MAX_DAYS:
        raise InvalidInput("absence.too_long", days=MAX_DAYS)
    if start < today - dt.timedelta(days=7):
        raise InvalidInput("absence.too_old")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput("absence.note_too_long", max=MAX_NOTE_CHARS)
    lang = user.language or organisation.language
    overlapping = await session.scalar(
        select(AbsenceReport)
        .where(
            AbsenceReport.child_id == child.id,
            AbsenceReport.deleted_at.is_(None),
            AbsenceReport.start_date <= last,
            AbsenceReport.end_date >= start,
        )
        .limit(1)
    )
    if overlapping is not None:  # a second report for the same day says nothing new and would count twice
        raise Conflict(
            "absence.duplicate",
            child=child.first_name,
            start=format_date(overlapping.start_date, lang),
            end=format_date(overlapping.end_date, lang),
        )
    report = AbsenceReport(
        organisation_id=user.organisation_id,
        child_id=child.id,
        author_id=user.id,
        start_date=start,
        end_date=last,
        reason=reason,
        note=note.strip(),
        on_time=reported_on_time(organisation, start, now or dt.datetime.now(dt.UTC)),
        cutoff=organisation.absence_cutoff,
    )
    session.add(report)
    await session.flush()
    await deliver(uow, broker, await audience.child_audience(session, child), protocol.ABSENCE_CREATED, report.id)
    return report
