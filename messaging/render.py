"""Turning content into the ``data`` of event frames, the same for live delivery and
replay. Items are loaded per kind in one query each; deleted content renders as a
tombstone ``{"id": ..., "deleted": true}`` so nothing of it survives in history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import protocol
from messaging.models import DiaryEntry, FeedItem, GroupPost, ThreadMessage
from portal.roster.models import Child, Group, User

Data = dict[str, Any]


async def render(session: AsyncSession, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Data]:
    """``{(kind, ref_id): data}`` for every reference."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, ref_id in refs:
        wanted[kind].add(ref_id)
    result: dict[tuple[str, int], Data] = {}
    if ids := wanted.get(protocol.GROUP_POST_CREATED):
        for post, group_name, author in await session.execute(
            select(GroupPost, Group.name, User.display_name)
            .join(Group, Group.id == GroupPost.group_id)
            .outerjoin(User, User.id == GroupPost.author_id)
            .where(GroupPost.id.in_(ids))
        ):
            result[(protocol.GROUP_POST_CREATED, post.id)] = _tombstone(post) or {
                "id": post.id,
                "group": {"id": post.group_id, "name": group_name},
                "author": author,
                "body": post.body,
                "requires_ack": post.requires_ack,
                "created_at": post.created_at.isoformat(),
            }
    if ids := wanted.get(protocol.DIARY_ENTRY_CREATED):
        result.update(await _child_items(session, protocol.DIARY_ENTRY_CREATED, DiaryEntry, ids))
    if ids := wanted.get(protocol.MESSAGE_CREATED):
        result.update(await _child_items(session, protocol.MESSAGE_CREATED, ThreadMessage, ids))
    for ref in refs:  # content removed altogether (purged) still renders, as a tombstone
        result.setdefault(ref, {"id": ref[1], "deleted": True})
    return result


async def _child_items(
    session: AsyncSession, kind: str, model: type[DiaryEntry] | type[ThreadMessage], ids: set[int]
) -> dict[tuple[str, int], Data]:
    """Diary entries and thread messages: content about one child."""
    result: dict[tuple[str, int], Data] = {}
    rows = await session.execute(
        select(model, Child.first_name, Child.last_name, User.display_name, User.role)
        .join(Child, Child.id == model.child_id)
        .outerjoin(User, User.id == model.author_id)
        .where(model.id.in_(ids))
    )
    for row in rows:
        item = cast("DiaryEntry | ThreadMessage", row[0])
        first, last, author, role = row[1:]
        data = _tombstone(item) or {
            "id": item.id,
            "child": {"id": item.child_id, "name": f"{first} {last}"},
            "author": author,
            "author_role": "staff" if role is not None and role.is_staff else "parent",
            "body": item.body,
            "created_at": item.created_at.isoformat(),
        }
        if isinstance(item, DiaryEntry) and "body" in data:
            data["media_ids"] = list(item.media_ids or [])
        result[(kind, item.id)] = data
    return result


def _tombstone(item: GroupPost | DiaryEntry | ThreadMessage) -> Data | None:
    return {"id": item.id, "deleted": True} if item.deleted_at is not None else None


def event_frame(seq: int, kind: str, data: Data) -> Data:
    return {"type": protocol.EVENT, "seq": seq, "kind": kind, "data": data}


async def frames_for(session: AsyncSession, items: Sequence[FeedItem]) -> list[Data]:
    rendered = await render(session, [(i.kind, i.ref_id) for i in items])
    return [event_frame(i.seq, i.kind, rendered[(i.kind, i.ref_id)]) for i in items]
