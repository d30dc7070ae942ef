"""Turning content into the ``data`` of event frames, the same for live delivery and
replay. An event kind is ``<content>.<verb>`` (``message.created``,
``message.edited``, ``message.deleted``); whatever the verb, the data is the
content as it is now. Items are loaded per content type in one query each;
deleted content renders as a tombstone ``{"id": ..., "deleted": true}``, so
nothing of it survives in history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import protocol
from messaging.archive.service import render_archives
from messaging.entitlement import Viewer, withhold, withhold_many
from messaging.models import (
    AbsenceReport,
    DayEntry,
    DiaryEntry,
    FeedItem,
    GroupPost,
    NewsItem,
    PostAck,
    ThreadMessage,
)
from messaging.photo_render import render_photos, render_retractions, render_uploads
from messaging.reads_query import read_by_staff
from portal.roster.models import Child, Group, Location, Role, User

Data = dict[str, Any]
Content = GroupPost | DiaryEntry | DayEntry | ThreadMessage | NewsItem | AbsenceReport
Renderer = Callable[[AsyncSession, set[int]], Awaitable[dict[int, Data]]]


def content_of(kind: str) -> str:
    return kind.split(".", 1)[0]


def _common(item: Content, author: str | None) -> Data:
    return {
        "id": item.id,
        "author": author,
        "author_id": item.author_id,
        "created_at": item.created_at.isoformat(),
        "edited_at": item.edited_at.isoformat() if item.edited_at else None,
    }


# The statements run for every delivered item and every replayed page are built
# once; ``:ids`` expands to the ids asked for.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_GROUP_POSTS = (
    select(GroupPost, Group.name, User.display_name)
    .join(Group, Group.id == GroupPost.group_id)
    .outerjoin(User, User.id == GroupPost.author_id)
    .where(GroupPost.id.in_(_IDS))
)
_ABOUT_CHILD = {
    model: select(model, Child.first_name, Child.last_name, User.display_name, User.role)
    .join(Child, Child.id == model.child_id)
    .outerjoin(User, User.id == model.author_id)
    .where(model.id.in_(_IDS))
    for model in (DiaryEntry, ThreadMessage, AbsenceReport)
}
_DAY_ENTRIES = (
    select(DayEntry, Child.first_name, Child.last_name, User.display_name, User.role)
    .join(Child, Child.id == DayEntry.child_id)
    .outerjoin(User, User.id == DayEntry.author_id)
    .where(DayEntry.id.in_(_IDS))
)
_NEWS = (
    select(NewsItem, Location.name, User.display_name)
    .outerjoin(Location, Location.id == NewsItem.location_id)
    .outerjoin(User, User.id == NewsItem.author_id)
    .where(NewsItem.id.in_(_IDS))
)
_ACKS = (
    select(PostAck, Child.first_name, Child.last_name, User.display_name)
    .join(Child, Child.id == PostAck.child_id)
    .outerjoin(User, User.id == PostAck.user_id)
    .where(PostAck.id.in_(_IDS))
)


async def _group_posts(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    rows = await session.execute(_GROUP_POSTS, {"ids": list(ids)})
    return {post.id: group_post_data(post, group_name, author) for post, group_name, author in rows}


def group_post_data(post: GroupPost, group_name: str, author: str | None) -> Data:
    """A group post's data from the post and the names it shows; a write that has them
    at hand renders with this instead of loading the post again."""
    return _tombstone(post) or {
        **_common(post, author),
        "group": {"id": post.group_id, "name": group_name},
        "body": post.body,
        "requires_ack": post.requires_ack,
    }


async def _about_child(
    session: AsyncSession, model: type[DiaryEntry] | type[ThreadMessage] | type[AbsenceReport], ids: set[int]
) -> dict[int, Data]:
    rows = list(await session.execute(_ABOUT_CHILD[model], {"ids": list(ids)}))
    seen_by_staff = await read_by_staff(session, list(ids)) if model is ThreadMessage else {}
    result: dict[int, Data] = {}
    for row in rows:
        item = cast("DiaryEntry | ThreadMessage | AbsenceReport", row[0])
        first, last, author, role = row[1:]
        result[item.id] = _about_child_data(item, f"{first} {last}", author, role, seen_by_staff.get(item.id))
    return result


def about_child_data(item: DiaryEntry | ThreadMessage, child: Child, author: User) -> Data:
    """A new diary entry's or family message's data from objects at hand (see
    ``group_post_data``); nobody has read it yet."""
    return _about_child_data(item, f"{child.first_name} {child.last_name}", author.display_name, author.role, None)


def _about_child_data(
    item: DiaryEntry | ThreadMessage | AbsenceReport,
    child_name: str,
    author: str | None,
    role: Role | None,
    read_by_staff_at: str | None,
) -> Data:
    if (tombstone := _tombstone(item)) is not None:
        return tombstone
    data = {
        **_common(item, author),
        "child": {"id": item.child_id, "name": child_name},
        "author_role": "staff" if role is not None and role.is_staff else "parent",
    }
    if isinstance(item, AbsenceReport):
        data.update(
            start_date=item.start_date.isoformat(),
            end_date=item.end_date.isoformat(),
            reason=item.reason,
            note=item.note,
            on_time=item.on_time,
            cutoff=item.cutoff.strftime("%H:%M"),
        )
    else:
        data["body"] = item.body
    if isinstance(item, DiaryEntry):
        data["media_ids"] = list(item.media_ids or [])
    if isinstance(item, ThreadMessage):
        data["outside_hours"] = item.outside_hours
        data["reply_to_post_id"] = item.reply_to_post_id
        data["read_by_staff_at"] = read_by_staff_at
    return data


async def _day_entries(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    rows = await session.execute(_DAY_ENTRIES, {"ids": list(ids)})
    return {
        entry.id: _day_entry_data(entry, f"{first} {last}", author, role) for entry, first, last, author, role in rows
    }


def day_entry_data(entry: DayEntry, child: Child, author: User) -> Data:
    """A new day entry's data from objects at hand (see ``group_post_data``)."""
    return _day_entry_data(entry, f"{child.first_name} {child.last_name}", author.display_name, author.role)


def _day_entry_data(entry: DayEntry, child_name: str, author: str | None, role: Role | None) -> Data:
    if (tombstone := _tombstone(entry)) is not None:
        return tombstone
    return {
        **_common(entry, author),
        "child": {"id": entry.child_id, "name": child_name},
        "author_role": "staff" if role is not None and role.is_staff else "parent",
        "kind": entry.kind,
        "at": entry.at.isoformat(),
        "ends_at": entry.ends_at.isoformat() if entry.ends_at else None,
        "running": entry.kind == "sleep" and entry.ends_at is None,
        "details": dict(entry.details or {}),
        "media_ids": list(entry.media_ids or []),
        "batch": entry.batch,
    }


async def _news(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    rows = await session.execute(_NEWS, {"ids": list(ids)})
    return {
        item.id: _tombstone(item)
        or {
            **_common(item, author),
            "location": {"id": item.location_id, "name": location} if item.location_id else None,
            "title": item.title,
            "body": item.body,
        }
        for item, location, author in rows
    }


async def _diary(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    return await _about_child(session, DiaryEntry, ids)


async def _messages(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    return await _about_child(session, ThreadMessage, ids)


async def _absences(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    return await _about_child(session, AbsenceReport, ids)


async def _acks(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    rows = await session.execute(_ACKS, {"ids": list(ids)})
    return {
        ack.id: {
            "id": ack.id,
            "post_id": ack.post_id,
            "child": {"id": ack.child_id, "name": f"{first} {last}"},
            "author": author,
            "created_at": ack.created_at.isoformat(),
        }
        for ack, first, last, author in rows
    }


RENDERERS: dict[str, Renderer] = {
    protocol.POST_ACK: _acks,
    protocol.GROUP_POST: _group_posts,
    protocol.DIARY_ENTRY: _diary,
    protocol.DAY_ENTRY: _day_entries,
    protocol.MESSAGE: _messages,
    protocol.NEWS: _news,
    protocol.ABSENCE: _absences,
    protocol.PHOTO: render_photos,
    protocol.PHOTO_UPLOAD: render_uploads,
    protocol.ARCHIVE: render_archives,
}


async def _scope_retractions(content: str, ids: set[int]) -> dict[int, Data]:
    """``child.retracted`` / ``group.retracted``: only what is taken back, by id."""
    return {i: {"id": i, "ref": {"content": content, "id": i}} for i in ids}


async def _child_retractions(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    return await _scope_retractions(protocol.CHILD, ids)


async def _group_retractions(session: AsyncSession, ids: set[int]) -> dict[int, Data]:
    return await _scope_retractions(protocol.GROUP, ids)


# kinds whose data is not the content itself: a retraction names what it takes back
KIND_RENDERERS: dict[str, Renderer] = {
    protocol.PHOTO_RETRACTED: render_retractions,
    protocol.CHILD_RETRACTED: _child_retractions,
    protocol.GROUP_RETRACTED: _group_retractions,
}


def register(content: str, renderer: Renderer) -> None:
    """A package above messaging renders its own content type (``planning``): it registers
    here when imported, so live delivery, replay and notify all render it alike."""
    RENDERERS[content] = renderer


def _renderer_key(kind: str) -> str:
    return kind if kind in KIND_RENDERERS else content_of(kind)


async def render(session: AsyncSession, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Data]:
    """``{(kind, ref_id): data}`` for every reference."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, ref_id in refs:
        wanted[_renderer_key(kind)].add(ref_id)
    renderers = {**RENDERERS, **KIND_RENDERERS}
    loaded = {key: await renderers[key](session, ids) for key, ids in wanted.items()}
    # content removed altogether (purged) still renders, as a tombstone
    return {
        (kind, ref_id): loaded[_renderer_key(kind)].get(ref_id, {"id": ref_id, "deleted": True})
        for kind, ref_id in refs
    }


def _tombstone(item: Content) -> Data | None:
    return {"id": item.id, "deleted": True} if item.deleted_at is not None else None


def event_frame(seq: int, kind: str, data: Data) -> Data:
    return {"type": protocol.frame_type(kind), "seq": seq, "kind": kind, "data": data}


async def frames_for(session: AsyncSession, items: Sequence[FeedItem], viewer: Viewer) -> list[Data]:
    """Stored feed items as event frames, with what ``viewer`` may no longer see withheld
    (``messaging.entitlement``)."""
    if not items:
        return []
    rendered = await render(session, [(i.kind, i.ref_id) for i in items])
    frames = [event_frame(i.seq, i.kind, rendered[(i.kind, i.ref_id)]) for i in items]
    return await withhold(session, viewer, frames)


async def frames_for_many(
    session: AsyncSession, items: dict[int, list[FeedItem]], viewers: dict[int, Viewer]
) -> dict[int, list[Data]]:
    """``frames_for`` for many users (``{user id: items}``): one render for all of them,
    and the photos' facts read once."""
    everything = [i for user_items in items.values() for i in user_items]
    if not everything:
        return {}
    rendered = await render(session, [(i.kind, i.ref_id) for i in everything])
    framed = {
        user_id: [event_frame(i.seq, i.kind, rendered[(i.kind, i.ref_id)]) for i in user_items]
        for user_id, user_items in items.items()
    }
    return await withhold_many(session, viewers, framed)
