"""Delivering content: append it to every recipient's feed inside the transaction and
publish the rendered event frames after commit (a rollback publishes nothing); and
announcing transient state (progress) that no feed keeps."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import feed
from messaging.broker.base import Broker, Published
from messaging.models import FeedItem
from messaging.render import Data, render
from portal.errors import InvalidInput
from portal.uow import UnitOfWork

MAX_BODY_CHARS = 10_000
DELIVERED = "schriftje.delivered"  # session.info: the frames this unit of work delivered


def delivered(session: AsyncSession, kind: str, ref_id: int) -> dict[str, object] | None:
    """The frame data ``deliver`` rendered for this item in this unit of work, if it did:
    the API answers with it instead of rendering the same item a second time."""
    found: dict[str, object] | None = session.info.get(DELIVERED, {}).get((kind, ref_id))
    return found


def clean_text(text: str, *, max_chars: int = MAX_BODY_CHARS, what: str = "body") -> str:
    """``text`` without surrounding blanks; refused in words when empty or too long
    (``what``: ``body`` or ``title``, which the message names)."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"text.empty.{what}")
    if len(cleaned) > max_chars:
        raise InvalidInput(f"text.too_long.{what}", max=max_chars)
    return cleaned


async def deliver(
    uow: UnitOfWork, broker: Broker, recipients: set[int], kind: str, ref_id: int, data: Data | None = None
) -> list[feed.FeedEvent]:
    """Append ``(kind, ref_id)`` to every recipient's feed and publish it after commit.
    ``data`` is the item as ``render`` would show it, when the caller has it at hand."""
    events = await feed.append(uow.session, recipients, kind, ref_id)
    if data is None:
        data = (await render(uow.session, [(kind, ref_id)]))[(kind, ref_id)]
    uow.session.info.setdefault(DELIVERED, {})[(kind, ref_id)] = data

    message = Published(kind, json.dumps(data), tuple((e.user_id, e.seq) for e in events))

    async def publish() -> None:
        await broker.publish(message)

    uow.after_commit(publish)
    return events


async def deliver_many(uow: UnitOfWork, broker: Broker, batches: list[tuple[set[int], str, int]]) -> None:
    """``deliver`` for many items in one go (one counter upsert, one insert, one render per
    content type); published after commit in the order given."""
    batches = [b for b in batches if b[0]]
    if not batches:
        return
    events = await feed.append_many(uow.session, batches)
    rendered = await render(uow.session, [(kind, ref_id) for _, kind, ref_id in batches])
    messages = [
        Published(kind, json.dumps(rendered[(kind, ref_id)]), tuple((e.user_id, e.seq) for e in item_events))
        for (_, kind, ref_id), item_events in zip(batches, events, strict=True)
    ]

    async def publish() -> None:
        for message in messages:
            await broker.publish(message)

    uow.after_commit(publish)


async def announce(broker: Broker, recipients: set[int], kind: str, data: dict[str, object]) -> None:
    """Publish a transient frame (``protocol.TRANSIENT_KINDS``) now: not in any feed, no
    ``seq``; a client that was not connected reads the state over HTTP instead."""
    if recipients:
        await broker.publish(Published(kind, json.dumps(data), tuple((user_id, 0) for user_id in sorted(recipients))))


async def original_recipients(session: AsyncSession, created_kind: str, ref_id: int) -> set[int]:
    """Everyone who received an item: edits and deletes go to exactly them."""
    rows = await session.scalars(
        select(FeedItem.user_id).where(FeedItem.kind == created_kind, FeedItem.ref_id == ref_id).distinct()
    )
    return set(rows)
