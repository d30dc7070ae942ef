"""The structured day (het schriftje): logging a child's meals, bottles, naps,
nappies... for one child or several at once, ending a nap, correcting and
removing an entry, and reading a child's day with its summary.

Who writes: the child's group's staff, any kind the organisation has on; its
guardians, the kinds parents may write (a note). One action for several children
writes one entry per child, each delivered to that child's own guardians and
group staff (``audience.child_audience``), all or nothing. Corrections: a
staff member of the child's group or the entry's author, while it is at most
``CORRECT_DAYS`` old; each reaches whoever received the entry, as
``day_entry.edited`` / ``day_entry.deleted``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.day_kinds import FieldError, Kind, check_details, kind_of, require_enabled
from messaging.day_summary import day_bounds, local_day, summarise, summary_text
from messaging.delivery import deliver, original_recipients
from messaging.models import AbsenceReport, DayEntry, MedicationInstruction
from messaging.render import day_entry_data, render
from messaging.service import check_media, organisation_of
from portal.database import is_id, utcnow
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.roster.models import Child, Organisation, User
from portal.uow import UnitOfWork

MAX_CHILDREN = 40  # a whole group in one action
FUTURE_SLACK = dt.timedelta(minutes=5)  # tablets' clocks differ a little
CORRECT_DAYS = 7  # how far back an entry can be logged or corrected


def _moment(raw: object, organisation: Organisation, now: dt.datetime, field: str) -> dt.datetime:
    """``raw`` as an instant: ISO 8601 with an offset, a local date-time without one, or
    ``HH:MM`` today in the organisation's time zone."""
    zone = ZoneInfo(organisation.timezone)
    if not isinstance(raw, str) or not raw:
        raise InvalidInput("day.bad_time", field=field)
    try:
        if len(raw) == 5 and raw[2] == ":":
            moment = dt.datetime.combine(now.astimezone(zone).date(), dt.time.fromisoformat(raw), tzinfo=zone)
        else:
            moment = dt.datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise InvalidInput("day.bad_time", field=field) from None
    moment = moment.astimezone(dt.UTC)
    if moment > now + FUTURE_SLACK:
        raise InvalidInput("day.in_future")
    if moment < now - dt.timedelta(days=CORRECT_DAYS):
        raise InvalidInput("day.too_old", days=CORRECT_DAYS)
    return moment


def _span(kind: Kind, at: dt.datetime, ends_at: dt.datetime | None) -> None:
    if ends_at is None:
        return
    if not kind.has_end:
        raise FieldError("day.no_end", kind.key, "ends_at")
    if ends_at < at:
        raise InvalidInput("day.ends_before_start")


def _child_ids(raw: object) -> list[int]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_CHILDREN or not all(is_id(c) for c in raw):
        raise InvalidInput("day.bad_children", max=MAX_CHILDREN)
    return list(dict.fromkeys(int(c) for c in raw))


@dataclass(frozen=True)
class NewEntry:
    """What a tablet or a parent sends: the children, the kind, the times and the fields."""

    children: object
    kind: object
    at: object = None
    ends_at: object = None
    details: object = None
    media_ids: object = None
    instruction_id: object = None


async def _instruction(session: AsyncSession, child: Child, raw: object, today: dt.date) -> MedicationInstruction:
    if not is_id(raw):
        raise InvalidInput("day.needs_instruction")
    instruction = await session.get(MedicationInstruction, raw)
    if (
        instruction is None
        or instruction.child_id != child.id
        or instruction.ended_at is not None
        or (instruction.until is not None and instruction.until < today)
    ):
        raise InvalidInput("day.needs_instruction")
    return instruction


async def log(uow: UnitOfWork, broker: Broker, user: User, new: NewEntry) -> list[DayEntry]:
    """One entry per child, each delivered to its own family and group; all or nothing."""
    session = uow.session
    organisation = await organisation_of(session, user)
    now, today = utcnow(), audience.today_for(organisation)
    kind = kind_of(new.kind)
    if not user.role.is_staff and not kind.parents_write:
        raise Forbidden("day.staff_only")
    await require_enabled(session, organisation.id, kind)
    at = _moment(new.at, organisation, now, "at") if new.at is not None else now
    ends_at = _moment(new.ends_at, organisation, now, "ends_at") if new.ends_at is not None else None
    _span(kind, at, ends_at)
    details = check_details(kind, new.details)
    media = new.media_ids or []
    if not isinstance(media, list) or not all(is_id(m) for m in media) or len(media) > 50:
        raise InvalidInput("day.bad_media")
    if media and (not kind.with_photos or not user.role.is_staff):
        raise InvalidInput("day.no_photos_here")
    child_ids = _child_ids(new.children)
    if kind.needs_instruction and len(child_ids) != 1:
        raise InvalidInput("day.medication_one_child")
    children = [await audience.child_for_posting(session, user, child_id, today) for child_id in child_ids]
    if kind.has_end and ends_at is None:
        await _refuse_second_nap(session, children)
    batch = uuid.uuid4().hex
    entries = []
    for child in children:
        await check_media(session, child, [int(m) for m in media])
        entry_details = dict(details)
        if kind.needs_instruction:
            instruction = await _instruction(session, child, new.instruction_id, today)
            entry_details.update(
                instruction_id=instruction.id, name=instruction.name, dose=details.get("dose") or instruction.dose
            )
        entry = DayEntry(
            organisation_id=organisation.id,
            child_id=child.id,
            author_id=user.id,
            kind=kind.key,
            at=at,
            ends_at=ends_at,
            details=entry_details,
            media_ids=[int(m) for m in media],
            batch=batch,
            created_at=now,
        )
        session.add(entry)
        await session.flush()
        recipients = await audience.child_audience(session, child)
        await deliver(uow, broker, recipients, protocol.DAY_ENTRY_CREATED, entry.id, day_entry_data(entry, child, user))
        entries.append(entry)
    return entries


async def _refuse_second_nap(session: AsyncSession, children: list[Child]) -> None:
    sleeping = await session.scalar(
        select(Child.first_name)
        .join(DayEntry, DayEntry.child_id == Child.id)
        .where(
            DayEntry.child_id.in_([c.id for c in children]),
            DayEntry.kind == "sleep",
            DayEntry.ends_at.is_(None),
            DayEntry.deleted_at.is_(None),
        )
        .limit(1)
    )
    if sleeping is not None:
        raise Conflict("day.already_sleeping", child=sleeping)


async def _correctable(uow: UnitOfWork, user: User, entry_id: int) -> DayEntry:
    """The entry, if ``user`` may correct it: its author, or staff of the child's group."""
    session = uow.session
    entry = await session.get(DayEntry, entry_id)
    if entry is None or entry.organisation_id != user.organisation_id or entry.deleted_at is not None:
        raise NotFound()
    organisation = await organisation_of(session, user)
    await audience.child_for_posting(session, user, entry.child_id, audience.today_for(organisation))
    if entry.author_id != user.id and not user.role.is_staff:
        raise NotFound()
    if utcnow() - entry.at > dt.timedelta(days=CORRECT_DAYS):
        raise Forbidden("day.too_old", days=CORRECT_DAYS)
    return entry


async def _tell(uow: UnitOfWork, broker: Broker, entry: DayEntry, kind: str) -> None:
    recipients = await original_recipients(uow.session, protocol.DAY_ENTRY_CREATED, entry.id)
    await deliver(uow, broker, recipients, kind, entry.id)


async def end_naps(uow: UnitOfWork, broker: Broker, user: User, entry_ids: object, at: object = None) -> list[int]:
    """End these running naps now (or at ``at``): "wakker" for one child or several."""
    if not isinstance(entry_ids, list) or not entry_ids or len(entry_ids) > MAX_CHILDREN:
        raise InvalidInput("day.bad_entries")
    if not all(is_id(i) for i in entry_ids):
        raise InvalidInput("day.bad_entries")
    organisation = await organisation_of(uow.session, user)
    now = utcnow()
    ended = _moment(at, organisation, now, "at") if at is not None else now
    done = []
    for entry_id in dict.fromkeys(int(i) for i in entry_ids):
        entry = await _correctable(uow, user, entry_id)
        if entry.kind != "sleep" or entry.ends_at is not None:
            raise Conflict("day.not_sleeping")
        _span(kind_of(entry.kind), entry.at, ended)
        entry.ends_at, entry.edited_at = ended, now
        await uow.session.flush()
        await _tell(uow, broker, entry, protocol.DAY_ENTRY_EDITED)
        done.append(entry.id)
    return done


async def correct(uow: UnitOfWork, broker: Broker, user: User, entry_id: int, changes: dict[str, Any]) -> DayEntry:
    """Change an entry's times or fields (``at``, ``ends_at``, ``details``)."""
    entry = await _correctable(uow, user, entry_id)
    organisation = await organisation_of(uow.session, user)
    kind, now = kind_of(entry.kind), utcnow()
    unknown = set(changes) - {"at", "ends_at", "details"}
    if unknown:
        raise FieldError("day.unknown_field", kind.key, sorted(unknown)[0])
    at = _moment(changes["at"], organisation, now, "at") if changes.get("at") is not None else entry.at
    ends_at = entry.ends_at
    if "ends_at" in changes:
        ends_at = _moment(changes["ends_at"], organisation, now, "ends_at") if changes["ends_at"] else None
    _span(kind, at, ends_at)
    if "details" in changes:
        kept = {k: v for k, v in (entry.details or {}).items() if k in ("instruction_id", "name")}
        entry.details = {**check_details(kind, changes["details"]), **kept}
    entry.at, entry.ends_at, entry.edited_at = at, ends_at, now
    await uow.session.flush()
    await _tell(uow, broker, entry, protocol.DAY_ENTRY_EDITED)
    return entry


async def remove(uow: UnitOfWork, broker: Broker, user: User, entry_id: int) -> None:
    entry = await _correctable(uow, user, entry_id)
    entry.details, entry.media_ids, entry.deleted_at = {}, [], utcnow()
    await uow.session.flush()
    await _tell(uow, broker, entry, protocol.DAY_ENTRY_DELETED)


async def _entries_of_day(session: AsyncSession, child_id: int, day: dt.date, zone: str) -> list[DayEntry]:
    start, end = day_bounds(day, zone)
    return list(
        await session.scalars(
            select(DayEntry)
            .where(
                DayEntry.child_id == child_id,
                DayEntry.at >= start,
                DayEntry.at < end,
                DayEntry.deleted_at.is_(None),
            )
            .order_by(DayEntry.at, DayEntry.id)
        )
    )


async def day_of(session: AsyncSession, user: User, child_id: int, day: dt.date | None, lang: str) -> dict[str, Any]:
    """A child's day for whoever may read the child: its entries in time order (a nap
    belongs to the day it started) and the day's summary."""
    organisation = await organisation_of(session, user)
    today = audience.today_for(organisation)
    child = await audience.readable_child(session, user, child_id, today)
    now = utcnow()
    day = day or local_day(now, organisation.timezone)
    rows = await _entries_of_day(session, child.id, day, organisation.timezone)
    rendered = await render(session, [(protocol.DAY_ENTRY_CREATED, r.id) for r in rows])
    entries = [rendered[(protocol.DAY_ENTRY_CREATED, r.id)] for r in rows]
    summary = summarise(rows, now)
    return {
        "child": {"id": child.id, "name": f"{child.first_name} {child.last_name}"},
        "date": day.isoformat(),
        "today": day == today,
        "entries": entries,
        "summary": summary.as_data(),
        "summary_text": summary_text(summary, lang),
    }


async def group_now(session: AsyncSession, user: User, group_id: int) -> dict[str, Any]:
    """The tablet's picture of its group: the current children, present ones first (an
    absence report for today marks a child absent), and who is sleeping now."""
    group = await audience.group_for_posting(session, user, group_id)
    organisation = await organisation_of(session, user)
    today = audience.today_for(organisation)
    children = [
        c
        for c in await session.scalars(select(Child).where(Child.group_id == group.id).order_by(Child.first_name))
        if audience.is_current(c, today)
    ]
    ids = [c.id for c in children]
    absent = dict(
        (child_id, reason)
        for child_id, reason in await session.execute(
            select(AbsenceReport.child_id, AbsenceReport.reason).where(
                AbsenceReport.child_id.in_(ids),
                AbsenceReport.start_date <= today,
                AbsenceReport.end_date >= today,
                AbsenceReport.deleted_at.is_(None),
            )
        )
    )
    naps = {
        child_id: (entry_id, at)
        for child_id, entry_id, at in await session.execute(
            select(DayEntry.child_id, DayEntry.id, DayEntry.at).where(
                DayEntry.child_id.in_(ids),
                DayEntry.kind == "sleep",
                DayEntry.ends_at.is_(None),
                DayEntry.deleted_at.is_(None),
            )
        )
    }
    ordered = sorted(children, key=lambda c: c.id in absent)  # stable: by first name within each half
    return {
        "group": {"id": group.id, "name": group.name},
        "date": today.isoformat(),
        "children": [
            {
                "id": c.id,
                "name": f"{c.first_name} {c.last_name}",
                "first_name": c.first_name,
                "absent": c.id in absent,
                "absence_reason": absent.get(c.id),
                "sleeping": {"entry_id": naps[c.id][0], "since": naps[c.id][1].isoformat()} if c.id in naps else None,
            }
            for c in ordered
        ],
    }
