"""Read state: which items a user has read, how far they read their feed, unread
counts per thread and for the feed, and the two views built on it: staff see
which families read a group post; parents see that the group read their message.

A user can only mark what reached them (an item in their own feed), so read
marks can neither probe for nor touch other people's items.
"""

from __future__ import annotations

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import protocol
from messaging.broker.base import Broker
from messaging.delivery import deliver, original_recipients
from messaging.feed import last_seq
from messaging.models import FeedCounter, FeedItem, GroupPost, ReadMark, ThreadMessage
from portal.errors import InvalidInput, NotFound
from portal.roster.models import Child, Guardianship, Role, StaffAssignment, User
from portal.uow import UnitOfWork

READABLE = (protocol.GROUP_POST, protocol.MESSAGE, protocol.DIARY_ENTRY, protocol.NEWS, protocol.ABSENCE)
MAX_MARKS = 500


async def mark_read(uow: UnitOfWork, broker: Broker, user: User, items: list[tuple[str, int]]) -> int:
    """Mark items read; items that never reached the user are ignored. Returns how many are new.

    The first time the group's staff read a parent's message, everyone who received
    it gets ``message.read`` (the parent's screen shows "gelezen")."""
    session = uow.session
    if len(items) > MAX_MARKS:
        raise InvalidInput(detail=f"at most {MAX_MARKS} items at once")
    if any(content not in READABLE for content, _ in items):
        raise InvalidInput(detail=f"content must be one of {', '.join(READABLE)}")
    if not items:
        return 0
    wanted = {(protocol.kind(content, protocol.CREATED), ref_id) for content, ref_id in items}
    reached = set(
        await session.execute(
            select(FeedItem.kind, FeedItem.ref_id).where(
                FeedItem.user_id == user.id, tuple_(FeedItem.kind, FeedItem.ref_id).in_(list(wanted))
            )
        )
    )
    already = set(
        await session.execute(
            select(ReadMark.content, ReadMark.ref_id).where(
                ReadMark.user_id == user.id, tuple_(ReadMark.content, ReadMark.ref_id).in_(list(items))
            )
        )
    )
    new = [
        ReadMark(user_id=user.id, content=content, ref_id=ref_id)
        for content, ref_id in sorted(set(items))
        if (protocol.kind(content, protocol.CREATED), ref_id) in reached and (content, ref_id) not in already
    ]
    session.add_all(new)
    await session.flush()
    if user.role.is_staff:
        for mark in new:
            if mark.content == protocol.MESSAGE and await _first_staff_read_of_parent_message(session, mark.ref_id):
                recipients = await original_recipients(session, protocol.MESSAGE_CREATED, mark.ref_id)
                await deliver(uow, broker, recipients - {user.id}, protocol.MESSAGE_READ, mark.ref_id)
    return len(new)


async def _first_staff_read_of_parent_message(session: AsyncSession, message_id: int) -> bool:
    author_role = await session.scalar(
        select(User.role).join(ThreadMessage, ThreadMessage.author_id == User.id).where(ThreadMessage.id == message_id)
    )
    if author_role is not Role.PARENT:
        return False
    staff_marks = await session.scalar(
        select(func.count())
        .select_from(ReadMark)
        .join(User, User.id == ReadMark.user_id)
        .where(ReadMark.content == protocol.MESSAGE, ReadMark.ref_id == message_id, User.role != Role.PARENT)
    )
    return staff_marks == 1


async def mark_feed_read(session: AsyncSession, user: User, seq: int) -> None:
    upto = min(seq, await last_seq(session, user.id))
    await session.execute(
        update(FeedCounter)
        .where(FeedCounter.user_id == user.id, FeedCounter.read_seq < upto)
        .values(read_seq=upto)
        .execution_options(synchronize_session=False)
    )


async def unread_counts(session: AsyncSession, user: User) -> dict[str, object]:
    counter = await session.get(FeedCounter, user.id)
    # only new content counts as unread; edits, deletes, receipts and confirmations do not
    feed_unread = await session.scalar(
        select(func.count())
        .select_from(FeedItem)
        .where(
            FeedItem.user_id == user.id,
            FeedItem.seq > (counter.read_seq if counter else 0),
            FeedItem.kind.in_([protocol.kind(content, protocol.CREATED) for content in protocol.DELETABLE]),
        )
    )
    rows = await session.execute(
        select(ThreadMessage.child_id, func.count())
        .join(FeedItem, (FeedItem.ref_id == ThreadMessage.id) & (FeedItem.kind == protocol.MESSAGE_CREATED))
        .outerjoin(
            ReadMark,
            (ReadMark.user_id == user.id)
            & (ReadMark.content == protocol.MESSAGE)
            & (ReadMark.ref_id == ThreadMessage.id),
        )
        .where(
            FeedItem.user_id == user.id,
            ThreadMessage.deleted_at.is_(None),
            ThreadMessage.author_id.is_distinct_from(user.id),
            ReadMark.id.is_(None),
        )
        .group_by(ThreadMessage.child_id)
    )
    return {"feed": int(feed_unread or 0), "threads": {str(child_id): int(n) for child_id, n in rows}}


async def post_readers(session: AsyncSession, user: User, post_id: int) -> list[dict[str, object]]:
    """For the group's staff: per family (child) whether a guardian read the post."""
    post = await session.get(GroupPost, post_id)
    if post is None or post.organisation_id != user.organisation_id or post.deleted_at is not None:
        raise NotFound()
    works = await session.scalar(
        select(StaffAssignment.id).where(StaffAssignment.user_id == user.id, StaffAssignment.group_id == post.group_id)
    )
    if works is None and user.role not in (Role.MANAGER, Role.ADMIN):
        raise NotFound()
    recipients = select(FeedItem.user_id).where(
        FeedItem.kind == protocol.GROUP_POST_CREATED, FeedItem.ref_id == post.id
    )
    rows = await session.execute(
        select(Child.id, Child.first_name, Child.last_name, ReadMark.read_at)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .outerjoin(
            ReadMark,
            (ReadMark.user_id == Guardianship.user_id)
            & (ReadMark.content == protocol.GROUP_POST)
            & (ReadMark.ref_id == post.id),
        )
        .where(Child.group_id == post.group_id, Guardianship.user_id.in_(recipients))
    )
    families: dict[int, dict[str, object]] = {}
    for child_id, first, last, read_at in rows:
        family = families.setdefault(child_id, {"child": {"id": child_id, "name": f"{first} {last}"}, "read_at": None})
        if read_at is not None and (family["read_at"] is None or read_at.isoformat() < str(family["read_at"])):
            family["read_at"] = read_at.isoformat()
    return sorted(families.values(), key=lambda f: str(f["child"]["name"]))  # type: ignore[index]
