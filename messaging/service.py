"""Writing group posts, diary entries and family-thread messages.

Each use case checks who may write, stores the content and delivers it through
``messaging.delivery`` (feed rows in the transaction, live publication after
commit). A parent's message sent while the location is closed is marked
``outside_hours`` so the parent's screen can say it will be read tomorrow; its
delivery is neither delayed nor changed. Services never see HTTP.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoTag
from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import clean_text, deliver
from messaging.models import DiaryEntry, GroupPost, ThreadMessage
from messaging.render import about_child_data, group_post_data
from portal.database import insert_row, is_id
from portal.errors import InvalidInput
from portal.roster.models import Child, Organisation, User
from portal.uow import UnitOfWork

MAX_MEDIA_PER_ENTRY = 50
WEEKEND = (5, 6)


async def check_media(session: AsyncSession, child: Child, media: list[int]) -> None:
    """A diary entry's photos are photos of the child's group that show the child (or
    no child at all): never another group's, never one only of other children."""
    if not media:
        return
    shows_other = exists().where(PhotoTag.photo_id == Photo.id, PhotoTag.child_id != child.id)
    shows_child = exists().where(PhotoTag.photo_id == Photo.id, PhotoTag.child_id == child.id)
    found = set(
        await session.scalars(
            select(Photo.id).where(
                Photo.id.in_(media),
                Photo.organisation_id == child.organisation_id,
                Photo.group_id == child.group_id,
                or_(shows_child, ~shows_other),
            )
        )
    )
    if found != set(media):
        raise InvalidInput("diary.bad_media")


async def organisation_of(session: AsyncSession, user: User) -> Organisation:
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    return organisation


def is_outside_hours(organisation: Organisation, at: dt.datetime) -> bool:
    local = at.astimezone(ZoneInfo(organisation.timezone))
    return local.weekday() in WEEKEND or not organisation.opens_at <= local.time() < organisation.closes_at


async def post_to_group(
    uow: UnitOfWork, broker: Broker, user: User, group_id: int, body: str, *, requires_ack: bool = False
) -> GroupPost:
    session = uow.session
    group = await audience.group_for_posting(session, user, group_id)
    post = GroupPost(
        organisation_id=user.organisation_id,
        group_id=group.id,
        author_id=user.id,
        body=clean_text(body),
        requires_ack=requires_ack,
    )
    await insert_row(session, post)
    today = audience.today_for(await organisation_of(session, user))
    recipients = await audience.group_audience(session, group, today) | {user.id}
    data = group_post_data(post, group.name, user.display_name)
    await deliver(uow, broker, recipients, protocol.GROUP_POST_CREATED, post.id, data)
    return post


async def write_diary_entry(
    uow: UnitOfWork, broker: Broker, user: User, child_id: int, body: str, media_ids: list[int] | None = None
) -> DiaryEntry:
    session = uow.session
    today = audience.today_for(await organisation_of(session, user))
    child = await audience.child_for_posting(session, user, child_id, today)
    media = list(media_ids or [])
    if len(media) > MAX_MEDIA_PER_ENTRY or not all(is_id(m) for m in media):
        raise InvalidInput(detail="media_ids must be a short list of photo ids")
    await check_media(session, child, media)
    entry = DiaryEntry(
        organisation_id=user.organisation_id,
        child_id=child.id,
        author_id=user.id,
        body=clean_text(body),
        media_ids=media,
    )
    await insert_row(session, entry)
    recipients = await audience.child_audience(session, child)
    await deliver(uow, broker, recipients, protocol.DIARY_ENTRY_CREATED, entry.id, about_child_data(entry, child, user))
    return entry


async def send_family_message(uow: UnitOfWork, broker: Broker, user: User, child_id: int, body: str) -> ThreadMessage:
    session = uow.session
    organisation = await organisation_of(session, user)
    child = await audience.child_for_posting(session, user, child_id, audience.today_for(organisation))
    message = ThreadMessage(
        organisation_id=user.organisation_id,
        child_id=child.id,
        author_id=user.id,
        body=clean_text(body),
        outside_hours=not user.role.is_staff and is_outside_hours(organisation, dt.datetime.now(dt.UTC)),
    )
    await insert_row(session, message)
    recipients = await audience.child_audience(session, child)
    data = about_child_data(message, child, user)
    await deliver(uow, broker, recipients, protocol.MESSAGE_CREATED, message.id, data)
    return message
