"""Messaging's JSON API: feed history, posting, listings, edits, news, absences,
confirmations, replies and read state. Thin: authenticate, call a service,
render. The live feed itself is ``messaging.ws``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.websockets import WebSocket

from messaging import absence, acks, audience, edits, feed, news, protocol, reads, service
from messaging.broker.base import Broker
from messaging.hub import Hub
from messaging.models import AbsenceReport, DiaryEntry, FeedItem, GroupPost, NewsItem, ThreadMessage
from messaging.render import frames_for, render
from portal.errors import InvalidInput
from portal.web.requests import identify, require_role, runtime
from portal.web.responses import json_body, json_text

MAX_PAGE = 200
DEFAULT_PAGE = 50


def _hub(conn: Request | WebSocket) -> Hub:
    hub: Hub = runtime(conn).extras["hub"]
    return hub


def _broker(request: Request) -> Broker:
    return _hub(request).broker


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
    return min(value, maximum) if maximum is not None else value


# ---- HTTP -------------------------------------------------------------------------


async def feed_history(request: Request) -> Response:
    after = _int_param(request, "after", 0)
    limit = _int_param(request, "limit", DEFAULT_PAGE, MAX_PAGE) or DEFAULT_PAGE
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        items = await feed.items_after(uow.session, principal.user.id, after, limit + 1)
        frames = await frames_for(uow.session, items[:limit])
        current = await feed.last_seq(uow.session, principal.user.id)
    return JSONResponse({"items": frames, "last_seq": current, "more": len(items) > limit})


async def create_group_post(request: Request) -> Response:
    data = await json_body(request)
    requires_ack = data.get("requires_ack", False)
    if not isinstance(requires_ack, bool):
        raise InvalidInput(detail="'requires_ack' must be true or false")
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        post = await service.post_to_group(
            uow,
            _broker(request),
            principal.user,
            request.path_params["group_id"],
            json_text(data, "body", max_len=20_000),
            requires_ack=requires_ack,
        )
        rendered = await render(uow.session, [(protocol.GROUP_POST_CREATED, post.id)])
    return JSONResponse(rendered[(protocol.GROUP_POST_CREATED, post.id)], status_code=201)


async def create_diary_entry(request: Request) -> Response:
    data = await json_body(request)
    media_ids = data.get("media_ids", [])
    if not isinstance(media_ids, list):
        raise InvalidInput(detail="'media_ids' must be a list")
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        entry = await service.write_diary_entry(
            uow,
            _broker(request),
            principal.user,
            request.path_params["child_id"],
            json_text(data, "body", max_len=20_000),
            media_ids,
        )
        rendered = await render(uow.session, [(protocol.DIARY_ENTRY_CREATED, entry.id)])
    return JSONResponse(rendered[(protocol.DIARY_ENTRY_CREATED, entry.id)], status_code=201)


async def create_message(request: Request) -> Response:
    data = await json_body(request)
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        message = await service.send_family_message(
            uow,
            _broker(request),
            principal.user,
            request.path_params["child_id"],
            json_text(data, "body", max_len=20_000),
        )
        rendered = await render(uow.session, [(protocol.MESSAGE_CREATED, message.id)])
    return JSONResponse(rendered[(protocol.MESSAGE_CREATED, message.id)], status_code=201)


async def _listing(request: Request, kind: str, model: Any, owner_column: Any, owner_id: int) -> dict[str, Any]:
    before = _int_param(request, "before", 0)
    limit = _int_param(request, "limit", DEFAULT_PAGE, MAX_PAGE) or DEFAULT_PAGE
    async with runtime(request).uow() as uow:
        query = select(model.id).where(owner_column == owner_id, model.deleted_at.is_(None))
        if before:
            query = query.where(model.id < before)
        ids = list(await uow.session.scalars(query.order_by(model.id.desc()).limit(limit + 1)))
        rendered = await render(uow.session, [(kind, i) for i in ids[:limit]])
    return {"items": [rendered[(kind, i)] for i in ids[:limit]], "more": len(ids) > limit}


async def list_diary(request: Request) -> Response:
    child_id = request.path_params["child_id"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        await audience.readable_child(uow.session, principal.user, child_id, audience.today_for(caller.organisation))
    body = await _listing(request, protocol.DIARY_ENTRY_CREATED, DiaryEntry, DiaryEntry.child_id, child_id)
    return JSONResponse(body)


async def list_messages(request: Request) -> Response:
    """The child's family thread, newest first; each message says when the group's staff read it."""
    child_id = request.path_params["child_id"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        await audience.readable_child(uow.session, principal.user, child_id, audience.today_for(caller.organisation))
    body = await _listing(request, protocol.MESSAGE_CREATED, ThreadMessage, ThreadMessage.child_id, child_id)
    async with runtime(request).uow() as uow:
        seen = await reads.read_by_staff(uow.session, [item["id"] for item in body["items"]])
    for item in body["items"]:
        item["read_by_staff_at"] = seen.get(item["id"])
    return JSONResponse(body)


async def list_group_posts(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        await audience.readable_group(uow.session, principal.user, group_id, audience.today_for(caller.organisation))
    return JSONResponse(await _listing(request, protocol.GROUP_POST_CREATED, GroupPost, GroupPost.group_id, group_id))


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
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        content = _content(request)
        await edits.edit(
            uow,
            _broker(request),
            principal.user,
            content,
            request.path_params["item_id"],
            json_text(data, "body", max_len=20_000),
        )
        rendered = await render(
            uow.session, [(protocol.kind(content, protocol.EDITED), request.path_params["item_id"])]
        )
    return JSONResponse(next(iter(rendered.values())))


async def delete_item(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        await edits.delete(uow, _broker(request), principal.user, _content(request), request.path_params["item_id"])
    return Response(status_code=204)


async def create_news(request: Request) -> Response:
    data = await json_body(request)
    location_id = data.get("location_id")
    if location_id is not None and type(location_id) is not int:
        raise InvalidInput(detail="'location_id' must be a number or null")
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        item = await news.publish_news(
            uow,
            _broker(request),
            principal.user,
            json_text(data, "title", max_len=1000),
            json_text(data, "body", max_len=20_000),
            location_id,
        )
        rendered = await render(uow.session, [(protocol.NEWS_CREATED, item.id)])
    return JSONResponse(rendered[(protocol.NEWS_CREATED, item.id)], status_code=201)


async def list_news(request: Request) -> Response:
    """News from the user's own feed: exactly what reached them, newest first."""
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        ids = list(
            await uow.session.scalars(
                select(FeedItem.ref_id)
                .join(NewsItem, NewsItem.id == FeedItem.ref_id)
                .where(
                    FeedItem.user_id == principal.user.id,
                    FeedItem.kind == protocol.NEWS_CREATED,
                    NewsItem.deleted_at.is_(None),
                )
                .order_by(FeedItem.ref_id.desc())
                .limit(MAX_PAGE)
            )
        )
        rendered = await render(uow.session, [(protocol.NEWS_CREATED, i) for i in ids])
    return JSONResponse({"items": [rendered[(protocol.NEWS_CREATED, i)] for i in ids]})


def _date(data: dict[str, Any], name: str, *, required: bool = True) -> dt.date | None:
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(detail=f"'{name}' must be a date like 2026-11-23") from None


async def create_absence(request: Request) -> Response:
    data = await json_body(request)
    start = _date(data, "start_date")
    assert start is not None
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        report = await absence.report_absence(
            uow,
            _broker(request),
            principal.user,
            request.path_params["child_id"],
            start=start,
            end=_date(data, "end_date", required=False),
            reason=json_text(data, "reason", max_len=20),
            note=json_text(data, "note", max_len=2000),
        )
        rendered = await render(uow.session, [(protocol.ABSENCE_CREATED, report.id)])
    return JSONResponse(rendered[(protocol.ABSENCE_CREATED, report.id)], status_code=201)


async def list_absences(request: Request) -> Response:
    child_id = request.path_params["child_id"]
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        await audience.readable_child(uow.session, principal.user, child_id, audience.today_for(caller.organisation))
    body = await _listing(request, protocol.ABSENCE_CREATED, AbsenceReport, AbsenceReport.child_id, child_id)
    return JSONResponse(body)


async def acknowledge_post(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        children = await acks.acknowledge(uow, _broker(request), principal.user, request.path_params["post_id"])
    return JSONResponse({"acknowledged_for": children})


async def post_acks(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        overview = await acks.ack_overview(
            uow.session, principal.user, request.path_params["post_id"], audience.today_for(caller.organisation)
        )
    return JSONResponse({"families": overview})


async def pinned(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        caller = await identify(request, uow.session)
        principal = require_role(caller)
        ids = await acks.pinned_posts(uow.session, principal.user, audience.today_for(caller.organisation))
        rendered = await render(uow.session, [(protocol.GROUP_POST_CREATED, i) for i in ids])
    return JSONResponse({"items": [rendered[(protocol.GROUP_POST_CREATED, i)] for i in ids]})


async def reply_to_post(request: Request) -> Response:
    data = await json_body(request)
    child_id = data.get("child_id")
    if type(child_id) is not int:
        raise InvalidInput(detail="'child_id' must be a number")
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        message = await acks.reply_to_post(
            uow,
            _broker(request),
            principal.user,
            request.path_params["post_id"],
            child_id,
            json_text(data, "body", max_len=20_000),
        )
        rendered = await render(uow.session, [(protocol.MESSAGE_CREATED, message.id)])
    return JSONResponse(rendered[(protocol.MESSAGE_CREATED, message.id)], status_code=201)


async def post_readers(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        families = await reads.post_readers(uow.session, principal.user, request.path_params["post_id"])
    return JSONResponse({"families": families})


async def mark_read(request: Request) -> Response:
    """``{"items": [{"content": "message", "id": 7}], "feed_seq": 42}``; both optional."""
    data = await json_body(request)
    raw_items = data.get("items", [])
    feed_seq = data.get("feed_seq")
    if not isinstance(raw_items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("content"), str) and type(i.get("id")) is int for i in raw_items
    ):
        raise InvalidInput(detail="'items' must be a list of {content, id}")
    if feed_seq is not None and (type(feed_seq) is not int or feed_seq < 0):
        raise InvalidInput(detail="'feed_seq' must be a whole number")
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        await reads.mark_read(uow.session, principal.user, [(i["content"], i["id"]) for i in raw_items])
        if feed_seq is not None:
            await reads.mark_feed_read(uow.session, principal.user, feed_seq)
        counts = await reads.unread_counts(uow.session, principal.user)
    return JSONResponse(counts)


async def unread(request: Request) -> Response:
    async with runtime(request).uow() as uow:
        principal = require_role(await identify(request, uow.session))
        counts = await reads.unread_counts(uow.session, principal.user)
    return JSONResponse(counts)


routes: list[BaseRoute] = [
    Route("/api/feed", feed_history, methods=["GET"]),
    Route("/api/groups/{group_id:int}/posts", create_group_post, methods=["POST"]),
    Route("/api/groups/{group_id:int}/posts", list_group_posts, methods=["GET"]),
    Route("/api/children/{child_id:int}/diary", create_diary_entry, methods=["POST"]),
    Route("/api/children/{child_id:int}/diary", list_diary, methods=["GET"]),
    Route("/api/children/{child_id:int}/messages", create_message, methods=["POST"]),
    Route("/api/children/{child_id:int}/messages", list_messages, methods=["GET"]),
    Route("/api/children/{child_id:int}/absences", create_absence, methods=["POST"]),
    Route("/api/children/{child_id:int}/absences", list_absences, methods=["GET"]),
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
