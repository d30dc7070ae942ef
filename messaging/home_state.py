"""What the home page starts from, as one JSON document the page's script reads:
the newest page of the user's feed (the same event frames the socket sends), the
``seq`` to resume the socket from, how far the user had read, the group posts still
waiting for this family's confirmation, the unread counts, and whom the user can
write to (guardians: their current children; staff: their groups and the groups'
current children; managers and admins: every group and location)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import acks, feed, protocol, reads
from messaging.entitlement import viewer_of
from messaging.models import FeedCounter
from messaging.render import frames_for, render
from portal.roster.models import Location, Organisation, Role, User
from portal.roster.queries import children_of, current_children, groups_of

FIRST_PAGE = 40


async def home_state(session: AsyncSession, user: User, organisation: Organisation, today: dt.date) -> dict[str, Any]:
    last = await feed.last_seq(session, user.id)
    items = await feed.items_before(session, user.id, last + 1, FIRST_PAGE + 1)
    counter = await session.get(FeedCounter, user.id)
    state: dict[str, Any] = {
        "user": {"id": user.id, "role": user.role.value, "name": user.display_name},
        "items": await frames_for(session, items[-FIRST_PAGE:], await viewer_of(session, user.id, today)),
        "more": len(items) > FIRST_PAGE,
        "seq": last,
        "read_seq": counter.read_seq if counter else 0,
        "edit_window_minutes": organisation.edit_window_minutes,
        "hours": {
            "opens": organisation.opens_at.strftime("%H:%M"),
            "closes": organisation.closes_at.strftime("%H:%M"),
            "zone": organisation.timezone,
        },
        "unread": await reads.unread_counts(session, user),
        "pinned": [],
        "children": [],
        "groups": [],
        "locations": [],
    }
    if user.role is Role.PARENT:
        pinned = await acks.pinned_posts(session, user, today)
        rendered = await render(session, [(protocol.GROUP_POST_CREATED, i) for i in pinned])
        state["pinned"] = [rendered[(protocol.GROUP_POST_CREATED, i)] for i in pinned]
        state["children"] = [
            {"id": c.id, "name": c.first_name, "group_id": c.group_id}
            for c in await children_of(session, user)
            if c.end_date is None or dt.date.fromisoformat(c.end_date) >= today
        ]
        return state
    groups = await groups_of(session, user)
    state["groups"] = [{"id": g.id, "name": g.name, "location": g.location} for g in groups]
    if user.role is Role.STAFF:
        state["children"] = [
            {"id": c.id, "name": c.first_name, "group_id": c.group_id}
            for c in await current_children(session, {g.id for g in groups}, today)
        ]
    else:
        locations = await session.execute(
            select(Location.id, Location.name)
            .where(Location.organisation_id == organisation.id)
            .order_by(Location.name)
        )
        state["locations"] = [{"id": i, "name": n} for i, n in locations]
    return state
