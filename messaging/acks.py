"""Group posts that ask for confirmation ("gelezen en akkoord"), and replies to posts.

A post with ``requires_ack`` stays pinned for a family until one of its guardians
acknowledges; an acknowledgement counts per child, so a guardian with two
children in the group confirms for both at once. Staff see per child who did
and who did not. A reply to a group post is a message in that child's family
thread (private between the family and the group's staff) that names the post.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import clean_text, deliver
from messaging.models import GroupPost, PostAck, ThreadMessage
from messaging.render import about_child_data
from messaging.service import is_outside_hours, organisation_of
from portal.database import insert_row
from portal.errors import InvalidInput, NotFound
from portal.roster.models import Child, Guardianship, Role, User
from portal.uow import UnitOfWork


def _current(today: dt.date) -> ColumnElement[bool]:
    return or_(Child.end_date.is_(None), Child.end_date >= today)


async def _post(session: AsyncSession, user: User, post_id: int) -> GroupPost:
    post = await session.get(GroupPost, post_id)
    if post is None or post.organisation_id != user.organisation_id or post.deleted_at is not None:
        raise NotFound()
    return post


async def _own_children_in_group(session: AsyncSession, user: User, group_id: int, today: dt.date) -> list[Child]:
    rows = await session.scalars(
        select(Child)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.user_id == user.id, Child.group_id == group_id, _current(today))
        .order_by(Child.id)
    )
    return list(rows)


async def acknowledge(uow: UnitOfWork, broker: Broker, user: User, post_id: int) -> list[int]:
    """Acknowledge for every own child in the post's group; returns those child ids. Safe to repeat."""
    session = uow.session
    post = await _post(session, user, post_id)
    today = audience.today_for(await organisation_of(session, user))
    children = await _own_children_in_group(session, user, post.group_id, today)
    if not children:
        raise NotFound()
    if not post.requires_ack:
        raise InvalidInput(detail="this post does not ask for confirmation")
    done = set(
        await session.scalars(
            select(PostAck.child_id).where(PostAck.post_id == post.id, PostAck.child_id.in_([c.id for c in children]))
        )
    )
    for child in children:
        if child.id in done:
            continue
        ack = PostAck(post_id=post.id, child_id=child.id, user_id=user.id)
        session.add(ack)
        await session.flush()
        await deliver(uow, broker, await audience.child_audience(session, child), protocol.POST_ACK_CREATED, ack.id)
    return [c.id for c in children]


async def ack_overview(session: AsyncSession, user: User, post_id: int, today: dt.date) -> list[dict[str, object]]:
    """For the group's staff: per current child, who confirmed and when (or nobody yet)."""
    post = await _post(session, user, post_id)
    if not (user.role in (Role.MANAGER, Role.ADMIN) or await audience.works_in(session, user, post.group_id)):
        raise NotFound()
    acks = {
        ack.child_id: (ack, name)
        for ack, name in await session.execute(
            select(PostAck, User.display_name)
            .outerjoin(User, User.id == PostAck.user_id)
            .where(PostAck.post_id == post.id)
        )
    }
    children = await session.scalars(
        select(Child).where(Child.group_id == post.group_id, _current(today)).order_by(Child.first_name)
    )
    overview: list[dict[str, object]] = []
    for child in children:
        found = acks.get(child.id)
        overview.append(
            {
                "child": {"id": child.id, "name": child.full_name},
                "acknowledged": found is not None,
                "by": found[1] if found else None,
                "at": found[0].created_at.isoformat() if found else None,
            }
        )
    return overview


async def pinned_posts(session: AsyncSession, user: User, today: dt.date) -> list[int]:
    """Posts asking for confirmation that one of the user's children still lacks."""
    own = (
        select(Child.id, Child.group_id)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.user_id == user.id, _current(today))
        .subquery()
    )
    rows = await session.scalars(
        select(GroupPost.id)
        .join(own, own.c.group_id == GroupPost.group_id)
        .outerjoin(PostAck, (PostAck.post_id == GroupPost.id) & (PostAck.child_id == own.c.id))
        .where(GroupPost.requires_ack.is_(True), GroupPost.deleted_at.is_(None), PostAck.id.is_(None))
        .distinct()
        .order_by(GroupPost.id.desc())
    )
    return list(rows)


async def reply_to_post(
    uow: UnitOfWork, broker: Broker, user: User, post_id: int, child_id: int, body: str
) -> ThreadMessage:
    session = uow.session
    post = await _post(session, user, post_id)
    organisation = await organisation_of(session, user)
    child = await audience.child_for_posting(session, user, child_id, audience.today_for(organisation))
    if child.group_id != post.group_id or not await audience.is_guardian(session, user, child.id):
        raise NotFound()
    message = ThreadMessage(
        organisation_id=user.organisation_id,
        child_id=child.id,
        author_id=user.id,
        body=clean_text(body),
        reply_to_post_id=post.id,
        outside_hours=is_outside_hours(organisation, dt.datetime.now(dt.UTC)),
    )
    await insert_row(session, message)
    recipients = await audience.child_audience(session, child)
    data = about_child_data(message, child, user)
    await deliver(uow, broker, recipients, protocol.MESSAGE_CREATED, message.id, data)
    return message
