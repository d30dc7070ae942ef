"""The per-user feed: appending items with a gap-free, strictly increasing ``seq``
per user, and reading a user's items after a cursor.

``append`` advances every recipient's counter in one upsert, in user-id order,
inside the caller's transaction: concurrent writers lock counter rows in the
same order (no deadlocks), a rolled-back write leaves no gap, and a committed
``seq`` is never reused. A global sequence is deliberately not used: concurrent
transactions commit out of order, so a client that saw 105 could miss 104.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import write_turn
from messaging.models import FeedCounter, FeedItem


@dataclass(frozen=True)
class FeedEvent:
    user_id: int
    seq: int
    kind: str
    ref_id: int


# PostgreSQL: one cached statement, one round trip. unnest keeps the sorted order, so
# counter rows are locked in user-id order; the items come from the RETURNING rows.
_APPEND_POSTGRES = text(
    """
    WITH counters AS (
        INSERT INTO feed_counter (user_id, last_seq)
        SELECT user_id, 1 FROM unnest(CAST(:user_ids AS integer[])) AS user_id
        ON CONFLICT (user_id) DO UPDATE SET last_seq = feed_counter.last_seq + 1
        RETURNING user_id, last_seq
    )
    INSERT INTO feed_item (user_id, seq, kind, ref_id, created_at)
    SELECT user_id, last_seq, :kind, :ref_id, now() FROM counters
    RETURNING user_id, seq
    """
)


async def append(session: AsyncSession, user_ids: Iterable[int], kind: str, ref_id: int) -> list[FeedEvent]:
    """Give every recipient the next ``seq`` and a feed item pointing at ``(kind, ref_id)``."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    await write_turn.before_append(session, len(ids))
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        rows = await session.execute(_APPEND_POSTGRES, {"user_ids": ids, "kind": kind, "ref_id": ref_id})
        return sorted((FeedEvent(user_id, seq, kind, ref_id) for user_id, seq in rows), key=lambda e: e.user_id)
    upsert = sqlite.insert(FeedCounter)
    statement = (
        upsert.values([{"user_id": user_id, "last_seq": 1} for user_id in ids])
        .on_conflict_do_update(index_elements=[FeedCounter.user_id], set_={"last_seq": FeedCounter.last_seq + 1})
        .returning(FeedCounter.user_id, FeedCounter.last_seq)
    )
    seqs = {user_id: seq for user_id, seq in (await session.execute(statement)).all()}
    events = [FeedEvent(user_id, seqs[user_id], kind, ref_id) for user_id in ids]
    await session.execute(
        insert(FeedItem), [{"user_id": e.user_id, "seq": e.seq, "kind": e.kind, "ref_id": e.ref_id} for e in events]
    )
    return events


async def append_many(
    session: AsyncSession, batches: Sequence[tuple[Iterable[int], str, int]]
) -> list[list[FeedEvent]]:
    """Several items at once, in order: ``[(recipients, kind, ref_id), ...]``.

    Each recipient's counter advances by the number of items they get, in one
    upsert (user-id order, as ``append``); their items take consecutive seqs in
    the order given. Used where one change delivers many items (a withdrawn
    consent taking back every photo of a child)."""
    wanted = [sorted(set(users)) for users, _, _ in batches]
    counts: dict[int, int] = {}
    for users in wanted:
        for user_id in users:
            counts[user_id] = counts.get(user_id, 0) + 1
    if not counts:
        return [[] for _ in batches]
    ids = sorted(counts)
    await write_turn.before_append(session, len(ids))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(FeedCounter)
    statement = (
        upsert.values([{"user_id": user_id, "last_seq": counts[user_id]} for user_id in ids])
        .on_conflict_do_update(
            index_elements=[FeedCounter.user_id],
            set_={"last_seq": FeedCounter.last_seq + upsert.excluded.last_seq},
        )
        .returning(FeedCounter.user_id, FeedCounter.last_seq)
    )
    last = {user_id: seq for user_id, seq in (await session.execute(statement)).all()}
    following = {user_id: last[user_id] - counts[user_id] for user_id in ids}
    result: list[list[FeedEvent]] = []
    for users, (_, kind, ref_id) in zip(wanted, batches, strict=True):
        events = []
        for user_id in users:
            following[user_id] += 1
            events.append(FeedEvent(user_id, following[user_id], kind, ref_id))
        result.append(events)
    rows = [
        {"user_id": e.user_id, "seq": e.seq, "kind": e.kind, "ref_id": e.ref_id} for events in result for e in events
    ]
    await session.execute(insert(FeedItem), rows)
    return result


async def forget_users(session: AsyncSession, user_ids: Iterable[int]) -> None:
    """Delete the feeds of users who are being deleted (feed items have no foreign key
    to cascade from: see ``FeedItem``); their counters go with the users."""
    wanted = sorted(set(user_ids))
    for start in range(0, len(wanted), LAST_SEQS_CHUNK):
        await session.execute(delete(FeedItem).where(FeedItem.user_id.in_(wanted[start : start + LAST_SEQS_CHUNK])))


async def last_seq(session: AsyncSession, user_id: int) -> int:
    return int(await session.scalar(select(FeedCounter.last_seq).where(FeedCounter.user_id == user_id)) or 0)


LAST_SEQS_CHUNK = 1000  # users per query (SQLite's bound parameters are limited)
PAGES_CHUNK = 500  # cursors per query: two parameters each


async def last_seqs(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """``last_seq`` of many users in one query per thousand (0 for a user with no feed yet)."""
    wanted = sorted(set(user_ids))
    found = dict.fromkeys(wanted, 0)
    for start in range(0, len(wanted), LAST_SEQS_CHUNK):
        rows = await session.execute(
            select(FeedCounter.user_id, FeedCounter.last_seq).where(
                FeedCounter.user_id.in_(wanted[start : start + LAST_SEQS_CHUNK])
            )
        )
        found.update({user_id: seq for user_id, seq in rows.all()})
    return found


async def pages_after(session: AsyncSession, cursors: dict[int, int], limit: int) -> dict[int, list[FeedItem]]:
    """``items_after`` for many users at once (``{user id: after}``): each user's first
    ``limit`` items after their cursor, in one query per batch (a window function numbers
    each user's items, so one user's long history does not crowd out the others)."""
    pages: dict[int, list[FeedItem]] = {}
    wanted = sorted(cursors.items())
    for start in range(0, len(wanted), PAGES_CHUNK):
        chunk = wanted[start : start + PAGES_CHUNK]
        number = func.row_number().over(partition_by=FeedItem.user_id, order_by=FeedItem.seq).label("number")
        numbered = (
            select(FeedItem.user_id, FeedItem.seq, number)
            .where(or_(*(and_(FeedItem.user_id == user_id, FeedItem.seq > after) for user_id, after in chunk)))
            .subquery()
        )
        rows = await session.scalars(
            select(FeedItem)
            .join(numbered, and_(numbered.c.user_id == FeedItem.user_id, numbered.c.seq == FeedItem.seq))
            .where(numbered.c.number <= limit)
            .order_by(FeedItem.user_id, FeedItem.seq)
        )
        for item in rows:
            pages.setdefault(item.user_id, []).append(item)
    return pages


async def items_after(session: AsyncSession, user_id: int, after: int, limit: int) -> list[FeedItem]:
    rows = await session.scalars(
        select(FeedItem).where(FeedItem.user_id == user_id, FeedItem.seq > after).order_by(FeedItem.seq).limit(limit)
    )
    return list(rows)


async def items_before(session: AsyncSession, user_id: int, before: int, limit: int) -> list[FeedItem]:
    """The ``limit`` items just before ``before``, oldest first: a page of history read backwards."""
    rows = await session.scalars(
        select(FeedItem)
        .where(FeedItem.user_id == user_id, FeedItem.seq < before)
        .order_by(FeedItem.seq.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
