"""Editing and deleting by the author within the organisation's window (default 15
minutes). An edit or delete reaches exactly the people who received the item, as
a new feed item (``<content>.edited`` / ``<content>.deleted``); a delete also
empties the stored text, so it is gone from history and replay, not hidden."""

from __future__ import annotations

import datetime as dt
from typing import cast

from messaging import protocol
from messaging.broker.base import Broker
from messaging.delivery import clean_text, deliver, original_recipients
from messaging.models import AbsenceReport, DiaryEntry, GroupPost, NewsItem, ThreadMessage
from messaging.service import organisation_of
from portal.database import utcnow
from portal.errors import Forbidden, NotFound
from portal.roster.models import User
from portal.uow import UnitOfWork

Item = GroupPost | DiaryEntry | ThreadMessage | NewsItem | AbsenceReport

MODELS: dict[str, type[Item]] = {
    protocol.GROUP_POST: GroupPost,
    protocol.DIARY_ENTRY: DiaryEntry,
    protocol.MESSAGE: ThreadMessage,
    protocol.NEWS: NewsItem,
    protocol.ABSENCE: AbsenceReport,
}


async def _own_item(uow: UnitOfWork, user: User, content: str, item_id: int) -> Item:
    item = cast("Item | None", await uow.session.get(MODELS[content], item_id))
    if item is None or item.organisation_id != user.organisation_id or item.author_id != user.id or item.deleted_at:
        raise NotFound()
    organisation = await organisation_of(uow.session, user)
    if utcnow() - item.created_at > dt.timedelta(minutes=organisation.edit_window_minutes):
        raise Forbidden("messaging.edit_window_passed", minutes=organisation.edit_window_minutes)
    return item


async def edit(uow: UnitOfWork, broker: Broker, user: User, content: str, item_id: int, body: str) -> None:
    if content not in protocol.EDITABLE:
        raise NotFound()
    item = await _own_item(uow, user, content, item_id)
    assert not isinstance(item, AbsenceReport)
    item.body = clean_text(body)
    item.edited_at = utcnow()
    await uow.session.flush()
    recipients = await original_recipients(uow.session, protocol.kind(content, protocol.CREATED), item.id)
    await deliver(uow, broker, recipients, protocol.kind(content, protocol.EDITED), item.id)


async def delete(uow: UnitOfWork, broker: Broker, user: User, content: str, item_id: int) -> None:
    if content not in protocol.DELETABLE:
        raise NotFound()
    item = await _own_item(uow, user, content, item_id)
    if isinstance(item, AbsenceReport):
        item.note = ""
    else:
        item.body = ""
    if isinstance(item, NewsItem):
        item.title = ""
    item.deleted_at = utcnow()
    await uow.session.flush()
    recipients = await original_recipients(uow.session, protocol.kind(content, protocol.CREATED), item.id)
    await deliver(uow, broker, recipients, protocol.kind(content, protocol.DELETED), item.id)
