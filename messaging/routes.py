"""Messaging's JSON API: feed history, posting, listings, edits, news, absences,
confirmations, replies and read state. Thin: authenticate, call a service,
render. Posts, diary entries, messages and replies take an ``Idempotency-Key``
(``messaging.write_keys``). The live feed itself is ``messaging.ws``."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from messaging import absence, acks, audience, edits, feed, news, protocol, reads, service, write_keys
from messaging.broker.base import Broker
from messaging.delivery import delivered
from messaging.entitlement import viewer_of
from messaging.hub import Hub
from messaging.models import AbsenceReport, DiaryEntry, FeedItem, GroupPost, NewsItem, ThreadMessage
from messaging.render import frames_for, render
from portal.database import MAX_ID, is_count, is_id
from portal.errors import InvalidInput
from portal.roster.models import User
from portal.uow import UnitOfWork
from portal.web.requests import identify, require_role, runtime
from portal.web.responses import json_body, json_text

MAX_PAGE = 200
DEFAULT_PAGE = 50
MAX_BODY_JSON_CHARS = 20_000


@dataclass(frozen=True)
class Acting:
    """A request's unit of work with the signed-in user, their organisation's today and the broker."""

    uow: UnitOfWork
    user: User
    today: dt.date
    broker: Broker

    @property
    def session(self) -> AsyncSession:
        return self.uow.session


@asynccontextmanager
async def acting(request: Request) -> AsyncIterator[Acting]:
    hub: Hub = runtime(request).extras["hub"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        yield Acting(uow, principal.user, audience.today_for(caller.organisation), hub.broker)


async def rendered(session: AsyncSession, kind: str, ref_id: int) -> dict[str, Any]:
    """The item as its event frame shows it: what was just delivered, else rendered now."""
    if (data := delivered(session, kind, ref_id)) is not None:
        return data
    return (await render(session, [(kind, ref_id)]))[(kind, ref_id)]


def _int_param(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(detail=f"'{name}' must be a whole number") from None
    if value < 0:
        raise InvalidInput(detail=f"'{name}' must not be negative")
    if value > MAX_ID:
        raise InvalidInput(detail=f"'{name}' is larger than any {name} can be")
    return min(value, maximum) if maximum is not None else value


def _page(request: Request) -> int:
    return _int_param(request, "limit", DEFAULT_PAGE, MAX_PAGE) or DEFAULT_PAGE


def _body(data: dict[str, Any]) -> str:
    return json_text(data, "body", max_len=MAX_BODY_JSON_CHARS)


# ---- feed and posting ----------------------------------------------------------------


async def feed_history(request: Request) -> Response:
    """``?after=<seq>``: the items after a cursor, oldest first, ``more`` if the page is full.
    ``?before=<seq>``: the items just before it (reading history backwards), oldest first,
    ``more`` if older ones exist."""
    limit = _page(request)
    async with acting(request) as act:
        if request.query_params.get("before"):
            before = _int_param(request, "before", 0)
            items = await feed.items_before(act.session, act.user.id, before, limit + 1)
            more, items = len(items) > limit, items[-limit:]
        else:
            items = await feed.items_after(act.session, act.user.id, _int_param(request, "after", 0), limit + 1)
            more, items = len(items) > limit, items[:limit]
        frames = await frames_for(act.session, items, await viewer_of(act.session, act.user.id, act.today))
        current = await feed.last_seq(act.session, act.user.id)
    return JSONResponse({"items": frames, "last_seq": current, "more": more})


Answer = Callable[[Acting, str, int], Awaitable[Any]]


async def _as_rendered(act: Acting, kind: str, ref_id: int) -> dict[str, Any]:
    return await rendered(act.session, kind, ref_id)


async def write_once(
    request: Request, kind: str, write: Callable[[Acting], Awaitable[int]], answer: Answer = _as_rendered
) -> Response:
    """Do ``write`` (it returns the new item's id) and answer 201 with ``answer`` (the item,
    by default); with an ``Idempotency-Key`` that already wrote something, answer 200 with
    that instead, also when another attempt with the key committed first."""
    key = write_keys.parse(request.headers.get(write_keys.HEADER))
    try:
        async with acting(request) as act:
            if key and (done := await write_keys.find(act.session, act.user.id, key)) is not None:
                return JSONResponse(await answer(act, done.kind, done.ref_id))
            ref_id = await write(act)
            if key:
                await write_keys.remember(act.session, act.user.id, key, kind, ref_id)
            body = await answer(act, kind, ref_id)
    except IntegrityError:
        if key is None:
            raise
        async with acting(request) as act:  # another attempt with this key committed first
            done = await write_keys.find(act.session, act.user.id, key)
            if done is None:
                raise
            return JSONResponse(await answer(act, done.kind, done.ref_id))
    return JSONResponse(body, status_code=201)


async def create_group_post(request: Request) -> Response:
    data = await json_body(request)
    requires_ack = data.get("requires_ack", False)
    if not isinstance(requires_ack, bool):
        raise InvalidInput(detail="'requires_ack' must be true or false")

    async def write(act: Acting) -> int:
        post = await service.post_to_group(
            act.uow, act.broker, act.user, request.path_params["group_id"], _body(data), requires_ack=requires_ack
        )
        return post.id

    return await write_once(request, protocol.GROUP_POST_CREATED, write)


async def create_diary_entry(request: Request) -> Response:
    data = await json_body(request)
    media_ids = data.get("media_ids", [])
    if not isinstance(media_ids, list):
        raise InvalidInput(detail="'media_ids' must be a list")

    async def write(act: Acting) -> int:
        entry = await service.write_diary_entry(
            act.uow, act.broker, act.user, request.path_params["child_id"], _body(data), media_ids
        )
        return entry.id

    return await write_once(request, protocol.DIARY_ENTRY_CREATED, write)


async def create_message(request: Request) -> Response:
    data = await json_body(request)

    async def write(act: Acting) -> int:
        message = await service.send_family_message(
            act.uow, act.broker, act.user, request.path_params["child_id"], _body(data)
        )
        return message.id

    return await write_once(request, protocol.MESSAGE_CREATED, write)


# ---- listings ------------------------------------------------------------------------


async def _listing(
    session: AsyncSession, request: Request, kind: str, model: Any, owner_column: Any, owner_id: int
) -> dict[str, Any]:
    before, limit = _int_param(request, "before", 0), _page(request)
    query = select(model.id).where(owner_column == owner_id, model.deleted_at.is_(None))
    if before:
        query = query.where(model.id < before)
    ids = list(await session.scalars(query.order_by(model.id.desc()).limit(limit + 1)))
    items = await render(session, [(kind, i) for i in ids[:limit]])
    return {"items": [items[(kind, i)] for i in ids[:limit]], "more": len(ids) > limit}


CHILD_LISTINGS: dict[str, tuple[str, type[DiaryEntry] | type[ThreadMessage] | type[AbsenceReport]]] = {
    "diary": (protocol.DIARY_ENTRY_CREATED, DiaryEntry),
    "messages": (protocol.MESSAGE_CREATED, ThreadMessage),
    "absences": (protocol.ABSENCE_CREATED, AbsenceReport),
}


async def list_about_child(request: Request) -> Response:
    """A child's diary, family thread or absences, newest first."""
    child_id = request.path_params["child_id"]
    segment = request.url.path.rsplit("/", 1)[1]
    kind, model = CHILD_LISTINGS[segment]
    async with acting(request) as act:
        await audience.readable_child(act.session, act.user, child_id, act.today)
        body = await _listing(act.session, request, kind, model, model.child_id, child_id)
    return JSONResponse(body)


async def list_group_posts(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    async with acting(request) as act:
        await audience.readable_group(act.session, act.user, group_id, act.today)
        body = await _listing(
            act.session, request, protocol.GROUP_POST_CREATED, GroupPost, GroupPost.group_id, group_id
        )
    return JSONResponse(body)


# ---- edit and delete ---------------------------------------------------------------------

SEGMENTS = {
    "posts": protocol.GROUP_POST,
    "diary": protocol.DIARY_ENTRY,
    "messages": protocol.MESSAGE,
    "news": protocol.NEWS,
    "absences": protocol.ABSENCE,
}


def _content(request: Request) -> str:
    return SEGMENTS[request.url.path.split("/")[2]]


async def edit_item(request: Request) -> Response:
    data = await json_body(request)
    content, item_id = _content(request), request.path_params["item_id"]
    async with acting(request) as act:
        await edits.edit(act.uow, act.broker, act.user, content, item_id, _body(data))
        body = await rendered(act.session, protocol.kind(content, protocol.EDITED), item_id)
    return JSONResponse(body)


async def delete_item(request: Request) -> Response:
    async with acting(request) as act:
        await edits.delete(act.uow, act.broker, act.user, _content(request), request.path_params["item_id"])
    return Response(status_code=204)


# ---- news and absences -------------------------------------------------------------------


async def create_news(request: Request) -> Response:
    data = await json_body(request)
    location_id = data.get("location_id")
    if location_id is not None and not is_id(location_id):
        raise InvalidInput(detail="'location_id' must be a number or null")
    async with acting(request) as act:
        item = await news.publish_news(
            act.uow, act.broker, act.user, json_text(data, "title", max_len=1000), _body(data), location_id
        )
        body = await rendered(act.session, protocol.NEWS_CREATED, item.id)
    return JSONResponse(body, status_code=201)


async def list_news(request: Request) -> Response:
    """News from the user's own feed: exactly what reached them, newest first."""
    async with acting(request) as act:
        ids = list(
            await act.session.scalars(
                select(FeedItem.ref_id)
                .join(NewsItem, NewsItem.id == FeedItem.ref_id)
                .where(
                    FeedItem.user_id == act.user.id,
                    FeedItem.kind == protocol.NEWS_CREATED,
                    NewsItem.deleted_at.is_(None),
                )
                .order_by(FeedItem.ref_id.desc())
                .limit(MAX_PAGE)
            )
        )
        items = await render(act.session, [(protocol.NEWS_CREATED, i) for i in ids])
    return JSONResponse({"items": [items[(protocol.NEWS_CREATED, i)] for i in ids]})


async def create_absence(request: Request) -> Response:
    data = await json_body(request)
    start = absence.parse_day(data.get("start_date"), "start_date")
    assert start is not None
    async with acting(request) as act:
        report = await absence.report_absence(
            act.uow,
            act.broker,
            act.user,
            request.path_params["child_id"],
            start=start,
            end=absence.parse_day(data.get("end_date"), "end_date", required=False),
            reason=json_text(data, "reason", max_len=20),
            note=json_text(data, "note", max_len=2000),
        )
        body = await rendered(act.session, protocol.ABSENCE_CREATED, report.id)
    return JSONResponse(body, status_code=201)


# ---- confirmations, replies, read state -------------------------------------------------------


async def acknowledge_post(request: Request) -> Response:
    async with acting(request) as act:
        children = await acks.acknowledge(act.uow, act.broker, act.user, request.path_params["post_id"])
    return JSONResponse({"acknowledged_for": children})


async def post_acks(request: Request) -> Response:
    async with acting(request) as act:
        overview = await acks.ack_overview(act.session, act.user, request.path_params["post_id"], act.today)
    return JSONResponse({"families": overview})


async def pinned(request: Request) -> Response:
    async with acting(request) as act:
        ids = await acks.pinned_posts(act.session, act.user, act.today)
        items = await render(act.session, [(protocol.GROUP_POST_CREATED, i) for i in ids])
    return JSONResponse({"items": [items[(protocol.GROUP_POST_CREATED, i)] for i in ids]})


async def reply_to_post(request: Request) -> Response:
    data = await json_body(request)
    child_id = data.get("child_id")
    if not is_id(child_id):
        raise InvalidInput(detail="'child_id' must be a number")

    async def write(act: Acting) -> int:
        message = await acks.reply_to_post(
            act.uow, act.broker, act.user, request.path_params["post_id"], child_id, _body(data)
        )
        return message.id

    return await write_once(request, protocol.MESSAGE_CREATED, write)


async def post_readers(request: Request) -> Response:
    async with acting(request) as act:
        families = await reads.post_readers(act.session, act.user, request.path_params["post_id"])
    return JSONResponse({"families": families})


async def mark_read(request: Request) -> Response:
    """``{"items": [{"content": "message", "id": 7}], "feed_seq": 42}``; both optional."""
    data = await json_body(request)
    raw_items = data.get("items", [])
    feed_seq = data.get("feed_seq")
    if not isinstance(raw_items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("content"), str) and is_id(i.get("id")) for i in raw_items
    ):
        raise InvalidInput(detail="'items' must be a list of {content, id}")
    if feed_seq is not None and not is_count(feed_seq):
        raise InvalidInput(detail="'feed_seq' must be a whole number")
    async with acting(request) as act:
        await reads.mark_read(act.uow, act.broker, act.user, [(i["content"], i["id"]) for i in raw_items])
        if feed_seq is not None:
            await reads.mark_feed_read(act.session, act.user, feed_seq)
        counts = await reads.unread_counts(act.session, act.user)
    return JSONResponse(counts)


async def unread(request: Request) -> Response:
    async with acting(request) as act:
        counts = await reads.unread_counts(act.session, act.user)
    return JSONResponse(counts)


routes: list[BaseRoute] = [
    Route("/api/feed", feed_history, methods=["GET"]),
    Route("/api/groups/{group_id:int}/posts", create_group_post, methods=["POST"]),
    Route("/api/groups/{group_id:int}/posts", list_group_posts, methods=["GET"]),
    Route("/api/children/{child_id:int}/diary", create_diary_entry, methods=["POST"]),
    Route("/api/children/{child_id:int}/messages", create_message, methods=["POST"]),
    Route("/api/children/{child_id:int}/absences", create_absence, methods=["POST"]),
    *(
        Route(f"/api/children/{{child_id:int}}/{segment}", list_about_child, methods=["GET"])
        for segment in CHILD_LISTINGS
    ),
    Route("/api/posts/pinned", pinned, methods=["GET"]),
    Route("/api/posts/{post_id:int}/ack", acknowledge_post, methods=["POST"]),
    Route("/api/posts/{post_id:int}/acks", post_acks, methods=["GET"]),
    Route("/api/posts/{post_id:int}/replies", reply_to_post, methods=["POST"]),
    Route("/api/posts/{post_id:int}/readers", post_readers, methods=["GET"]),
    Route("/api/read", mark_read, methods=["POST"]),
    Route("/api/unread", unread, methods=["GET"]),
    Route("/api/news", create_news, methods=["POST"]),
    Route("/api/news", list_news, methods=["GET"]),
    *(Route(f"/api/{segment}/{{item_id:int}}", edit_item, methods=["PATCH"]) for segment in SEGMENTS),
    *(Route(f"/api/{segment}/{{item_id:int}}", delete_item, methods=["DELETE"]) for segment in SEGMENTS),
]
