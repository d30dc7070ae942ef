"""Nieuws: managers and admins write to every family of one location, or of the whole
organisation; the staff there receive it too."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import clean_text, deliver
from messaging.models import NewsItem
from messaging.service import organisation_of
from portal.errors import NotFound
from portal.roster.models import Child, Group, Guardianship, Location, Role, StaffAssignment, User
from portal.uow import UnitOfWork

MAX_TITLE_CHARS = 200


async def news_audience(
    session: AsyncSession, organisation_id: int, location_id: int | None, today: dt.date
) -> set[int]:
    groups = select(Group.id).where(Group.organisation_id == organisation_id)
    if location_id is not None:
        groups = groups.where(Group.location_id == location_id)
    guardians = await session.scalars(
        select(Guardianship.user_id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(Child.group_id.in_(groups), or_(Child.end_date.is_(None), Child.end_date >= today))
    )
    staff = await session.scalars(select(StaffAssignment.user_id).where(StaffAssignment.group_id.in_(groups)))
    managers = await session.scalars(
        select(User.id).where(User.organisation_id == organisation_id, User.role.in_((Role.MANAGER, Role.ADMIN)))
    )
    return set(guardians) | set(staff) | set(managers)


async def publish_news(
    uow: UnitOfWork, broker: Broker, user: User, title: str, body: str, location_id: int | None = None
) -> NewsItem:
    session = uow.session
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise NotFound()
    if location_id is not None:
        location = await session.get(Location, location_id)
        if location is None or location.organisation_id != user.organisation_id:
            raise NotFound()
    item = NewsItem(
        organisation_id=user.organisation_id,
        location_id=location_id,
        author_id=user.id,
        title=clean_text(title, max_chars=MAX_TITLE_CHARS, what="title"),
        body=clean_text(body),
    )
    session.add(item)
    await session.flush()
    today = audience.today_for(await organisation_of(session, user))
    recipients = await news_audience(session, user.organisation_id, location_id, today)
    await deliver(uow, broker, recipients | {user.id}, protocol.NEWS_CREATED, item.id)
    return item
