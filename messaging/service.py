"""Writing messages: group posts, diary entries and family-thread messages.

Each use case checks who may write, stores the content, appends it to every
recipient's feed inside the same transaction and registers the live
publication with the unit of work, so it goes out only after commit (a rolled
back write publishes nothing). Services never see HTTP.
"""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from messaging import audience, feed, protocol
from messaging.broker.base import Broker
from messaging.models import DiaryEntry, GroupPost, ThreadMessage
from messaging.render import event_frame, render
from portal.errors import InvalidInput
from portal.roster.models import Organisation, User
from portal.uow import UnitOfWork

MAX_BODY_CHARS = 10_000
MAX_MEDIA_PER_ENTRY = 50


def clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput(detail="the message is empty")
    if len(text) > MAX_BODY_CHARS:
        raise InvalidInput(detail=f"the message is longer than {MAX_BODY_CHARS} characters")
    return text


async def _deliver(
    uow: UnitOfWork, broker: Broker, recipients: set[int], kind: str, ref_id: int
) -> list[feed.FeedEvent]:
    events = await feed.append(uow.session, recipients, kind, ref_id)
    data = (await render(uow.session, [(kind, ref_id)]))[(kind, ref_id)]

    async def publish() -> None:
        await broker.publish([(e.user_id, json.dumps(event_frame(e.seq, kind, data))) for e in events])

    uow.after_commit(publish)
    return events


async def _organisation(session: AsyncSession, user: User) -> Organisation:
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    return organisation


async def post_to_group(
    uow: UnitOfWork, broker: Broker, user: User, group_id: int, body: str, *, requires_ack: bool = False
) -> GroupPost:
    session = uow.session
    group = await audience.group_for_posting(session, user, group_id)
    post = GroupPost(
        organisation_id=user.organisation_id,
        group_id=group.id,
        author_id=user.id,
        body=clean_body(body),
        requires_ack=requires_ack,
    )
    session.add(post)
    await session.flush()
    today = audience.today_for(await _organisation(session, user))
    recipients = await audience.group_audience(session, group, today) | {user.id}
    await _deliver(uow, broker, recipients, protocol.GROUP_POST_CREATED, post.id)
    return post


async def write_diary_entry(
    uow: UnitOfWork, broker: Broker, user: User, child_id: int, body: str, media_ids: list[int] | None = None
) -> DiaryEntry:
    session = uow.session
    today = audience.today_for(await _organisation(session, user))
    child = await audience.child_for_posting(session, user, child_id, today)
    media = list(media_ids or [])
    if len(media) > MAX_MEDIA_PER_ENTRY or not all(isinstance(m, int) and m > 0 for m in media):
        raise InvalidInput(detail="media_ids must be a short list of photo ids")
    entry = DiaryEntry(
        organisation_id=user.organisation_id,
        child_id=child.id,
        author_id=user.id,
        body=clean_body(body),
        media_ids=media,
    )
    session.add(entry)
    await session.flush()
    await _deliver(uow, broker, await audience.child_audience(session, child), protocol.DIARY_ENTRY_CREATED, entry.id)
    return entry


async def send_family_message(uow: UnitOfWork, broker: Broker, user: User, child_id: int, body: str) -> ThreadMessage:
    session = uow.session
    today = audience.today_for(await _organisation(session, user))
    child = await audience.child_for_posting(session, user, child_id, today)
    message = ThreadMessage(
        organisation_id=user.organisation_id, child_id=child.id, author_id=user.id, body=clean_body(body)
    )
    session.add(message)
    await session.flush()
    await _deliver(uow, broker, await audience.child_audience(session, child), protocol.MESSAGE_CREATED, message.id)
    return message
