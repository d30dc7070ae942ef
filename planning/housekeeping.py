"""The planning sweep (the worker's cron, the embedded loop): per group under its lock,
credit earned by absences is written, lots past their last day expire (an ``expired``
line), wait-list requests whose day has passed are refused, and places freed since
(an absence, a cancellation, more staff planned) go to the wait list, oldest first."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging.broker.base import Broker
from planning import earning, ledger, requests
from planning.models import Contract, PlanningRequest
from planning.room import lock
from planning.setup import child_facts
from portal.roster.models import Child, Group, Organisation
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)
PLANNING_SWEEP = "planning_sweep"
SWEEP_EVERY_SECS = 300


async def _groups(session: AsyncSession, child_ids: list[int] | None) -> list[tuple[int, int, str]]:
    """The groups to sweep: every group with contracts or a wait list, or only the groups
    of ``child_ids``."""
    query = select(Group.id, Group.organisation_id, Organisation.timezone).join(
        Organisation, Organisation.id == Group.organisation_id
    )
    if child_ids is not None:
        query = query.where(Group.id.in_(select(Child.group_id).where(Child.id.in_(child_ids))))
    else:
        query = query.where(
            Group.id.in_(select(Child.group_id).join(Contract, Contract.child_id == Child.id))
            | Group.id.in_(select(PlanningRequest.group_id).where(PlanningRequest.status == requests.WAITING))
        )
    return [(g, o, z) for g, o, z in await session.execute(query)]


async def sweep_group(
    uow: UnitOfWork, broker: Broker, group_id: int, organisation_id: int, now: dt.datetime, zone: ZoneInfo
) -> dict[str, int]:
    session = uow.session
    await lock(session, Group(id=group_id, organisation_id=organisation_id))
    group = await session.get_one(Group, group_id)
    today = now.astimezone(zone).date()
    counts = {"earned": 0, "expired": 0, "granted": 0, "lapsed": 0}
    children = list(
        await session.scalars(select(Child).where(Child.group_id == group_id, Child.id.in_(select(Contract.child_id))))
    )
    for child in children:
        counts["earned"] += await earning.sync_child(session, await child_facts(session, child), today)
    counts["expired"] += await ledger.expire_due(session, [c.id for c in children], today)
    waiting = list(
        await session.scalars(
            select(PlanningRequest).where(
                PlanningRequest.group_id == group_id, PlanningRequest.status == requests.WAITING
            )
        )
    )
    for request in waiting:
        if request.day < today:
            await requests._close(uow, broker, request, requests.REFUSED, "wait_ended", None, now)
            counts["lapsed"] += 1
    for day in sorted({r.day for r in waiting if r.day >= today}):
        counts["granted"] += len(await requests.promote_waiting(uow, broker, group, day, today, now))
    return counts


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    broker: Broker,
    child_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Sweep every group (the cron), or the groups of ``child_ids`` (an absence's trigger)."""
    now = now or dt.datetime.now(dt.UTC)
    async with sessionmaker() as session:
        groups = await _groups(session, child_ids)
    totals = {"earned": 0, "expired": 0, "granted": 0, "lapsed": 0}
    for group_id, organisation_id, zone in groups:
        try:
            async with UnitOfWork(sessionmaker) as uow:
                counts = await sweep_group(uow, broker, group_id, organisation_id, now, ZoneInfo(zone))
        except IntegrityError:  # a family's page wrote the same earned credit meanwhile: next sweep
            log.info("planning sweep met a concurrent write", extra={"group_id": group_id})
            continue
        for key, value in counts.items():
            totals[key] += value
    log.info("planning sweep", extra=totals)
    return totals
