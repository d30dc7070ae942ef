"""Pushing what users have not been told yet: the ``notify.push`` job.

The feed is the outbox: every user has a cursor (``NotifyCursor.pushed_seq``) and
whatever sits in their feed beyond it is pending. A job claims the pending range of
each user it is given (or of every user with a device, for the periodic sweep that
catches what a lost trigger or quiet hours left), advances the cursors and commits,
then sends: a push is sent at most once, never twice. Per user the pending items
become one notification (five photos, or a photo and a diary entry, are one), with
the highest urgency among them.

Checked at send time, per user: the item is still visible to them (the same
entitlement check a replay gets: a withdrawn photo or a removed guardian is never
announced), they have not read it on another device, its category is one they
chose, it is not their own, and their quiet hours do not hold it (an urgent category
the organisation chose breaks through; the rest wait for the end of quiet hours and
then arrive as one). A device whose login session ended is removed, not pushed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging.entitlement import viewers_of, withhold_many
from messaging.models import FeedCounter, FeedItem
from messaging.render import event_frame, render
from notify import compose, kinds
from notify.models import NotifyCursor, NotifyPreference, PushSubscription
from notify.push import Push, PushSender, Target
from notify.service import from_row, in_quiet_hours, organisation_settings
from portal.accounts.models import AuthSession
from portal.database import utcnow
from portal.roster.models import Organisation, User

log = logging.getLogger(__name__)

MAX_AGE = dt.timedelta(hours=24)  # older pending items are not announced any more
MAX_ITEMS_PER_USER = 50


@dataclass
class Counts:
    users: int = 0
    pushed: int = 0
    gone: int = 0
    failed: int = 0
    held: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"users": self.users, "pushed": self.pushed, "gone": self.gone, "failed": self.failed, "held": self.held}


def _live_device(now: dt.datetime) -> Any:
    """A subscription whose login session is still on."""
    return and_(
        AuthSession.id == PushSubscription.session_id,
        AuthSession.revoked_at.is_(None),
        or_(AuthSession.expires_at.is_(None), AuthSession.expires_at > now),
    )


async def _pending_users(session: AsyncSession, user_ids: Sequence[int] | None, now: dt.datetime) -> list[int]:
    query = (
        select(FeedCounter.user_id)
        .join(PushSubscription, PushSubscription.user_id == FeedCounter.user_id)
        .join(AuthSession, _live_device(now))
        .outerjoin(NotifyCursor, NotifyCursor.user_id == FeedCounter.user_id)
        .where(FeedCounter.last_seq > func.coalesce(NotifyCursor.pushed_seq, 0))
        .distinct()
    )
    if user_ids is not None:
        query = query.where(FeedCounter.user_id.in_(sorted(set(user_ids))))
    return sorted(await session.scalars(query))


async def _claim(session: AsyncSession, user_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """``{user: (pushed_seq, last_seq, read_seq)}`` for the users whose cursor this job holds."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(
        dialect.insert(NotifyCursor)
        .values([{"user_id": u, "pushed_seq": 0, "digest_seq": 0} for u in user_ids])
        .on_conflict_do_nothing(index_elements=[NotifyCursor.user_id])
    )
    rows = await session.execute(
        select(NotifyCursor.user_id, NotifyCursor.pushed_seq, FeedCounter.last_seq, FeedCounter.read_seq)
        .join(FeedCounter, FeedCounter.user_id == NotifyCursor.user_id)
        .where(NotifyCursor.user_id.in_(user_ids))
        .with_for_update(of=NotifyCursor, skip_locked=True)
    )
    return {u: (pushed, last, read) for u, pushed, last, read in rows if last > pushed}


async def push_pending(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: PushSender,
    user_ids: Sequence[int] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Counts:
    """Claim, decide and send (see the module docstring). ``user_ids=None``: every user with a device."""
    now = now or utcnow()
    counts = Counts()
    async with sessionmaker() as session, session.begin():
        candidates = await _pending_users(session, user_ids, now)
        if not candidates:
            return counts
        claimed = await _claim(session, candidates)
        if not claimed:
            return counts
        plans = await _plan(session, claimed, now)
        advance = {u: plan.advance_to for u, plan in plans.items() if plan.advance_to is not None}
        if advance:  # ORM bulk update by primary key: one executemany
            await session.execute(
                update(NotifyCursor), [{"user_id": u, "pushed_seq": seq} for u, seq in advance.items()]
            )
        targets = await _targets(session, [u for u, plan in plans.items() if plan.payload is not None], now)
        await _forget_ended_devices(session, claimed, now)
    counts.users = len(claimed)
    counts.held = sum(1 for plan in plans.values() if plan.advance_to is None)
    pushes = [
        Push(target, plans[user_id].payload or b"", plans[user_id].urgency, plans[user_id].ttl, plans[user_id].topic)
        for user_id, user_targets in targets.items()
        for target in user_targets
    ]
    outcomes = await sender.send_all(pushes)
    gone = [o.subscription_id for o in outcomes if o.status == "gone"]
    sent = [o.subscription_id for o in outcomes if o.status == "sent"]
    counts.pushed, counts.gone = len(sent), len(gone)
    counts.failed = sum(1 for o in outcomes if o.status == "failed")
    if gone or sent:
        async with sessionmaker() as session, session.begin():
            if gone:
                await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
            if sent:
                await session.execute(
                    update(PushSubscription).where(PushSubscription.id.in_(sent)).values(last_push_at=now)
                )
    if counts.pushed or counts.gone or counts.failed:
        log.info("pushes sent", extra=counts.as_dict())
    return counts


@dataclass(frozen=True)
class Plan:
    advance_to: int | None  # None: held by quiet hours, the cursor stays
    payload: bytes | None = None  # None: nothing to tell
    urgency: str = "normal"
    ttl: int = 0
    topic: str = ""


async def _plan(session: AsyncSession, claimed: dict[int, tuple[int, int, int]], now: dt.datetime) -> dict[int, Plan]:
    users = {
        user.id: (user, organisation)
        for user, organisation in await session.execute(
            select(User, Organisation)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.id.in_(list(claimed)))
        )
    }
    prefs = {
        row.user_id: row
        for row in await session.scalars(select(NotifyPreference).where(NotifyPreference.user_id.in_(list(claimed))))
    }
    oldest = now - MAX_AGE
    items_by_user: dict[int, list[FeedItem]] = defaultdict(list)
    lowest = min(pushed for pushed, _, _ in claimed.values())
    for item in await session.scalars(
        select(FeedItem)
        .where(
            FeedItem.user_id.in_(list(claimed)),
            FeedItem.seq > lowest,
            FeedItem.kind.in_(sorted(kinds.NOTIFYING_KINDS)),
            FeedItem.created_at >= oldest,
        )
        .order_by(FeedItem.user_id, FeedItem.seq)
    ):
        pushed, last, read = claimed[item.user_id]
        if pushed < item.seq <= last and item.seq > read:
            items_by_user[item.user_id].append(item)
    refs = sorted({(i.kind, i.ref_id) for items in items_by_user.values() for i in items})
    rendered = await render(session, refs) if refs else {}
    framed = {
        user_id: [event_frame(i.seq, i.kind, rendered[(i.kind, i.ref_id)]) for i in items[-MAX_ITEMS_PER_USER:]]
        for user_id, items in items_by_user.items()
    }
    visible = await withhold_many(session, await viewers_of(session, list(framed)), framed) if framed else {}
    organisations: dict[int, Any] = {}
    plans: dict[int, Plan] = {}
    for user_id, (_, last, _) in claimed.items():
        found = users.get(user_id)
        if found is None or not found[0].is_active:
            plans[user_id] = Plan(advance_to=last)
            continue
        user, organisation = found
        preference = from_row(user, prefs.get(user_id))
        frames = visible.get(user_id, [])
        told = [
            (category, frame)
            for frame in frames
            if (category := kinds.category(frame["kind"], frame["data"])) in preference.kinds
            and frame["data"].get("author_id") != user_id
            and kinds.tells(category, frame["data"], user.role.is_staff)
        ]
        if not told:
            plans[user_id] = Plan(advance_to=last)
            continue
        if organisation.id not in organisations:
            organisations[organisation.id] = await organisation_settings(session, organisation.id)
        local = now.astimezone(ZoneInfo(organisation.timezone)).time()
        if in_quiet_hours(preference, local):
            urgent = [(c, f) for c, f in told if c in organisations[organisation.id].urgent_kinds]
            if not urgent:
                plans[user_id] = Plan(advance_to=None)
                continue
            told = urgent
        note = await compose.notification(session, user, organisation, told, preview=preference.preview)
        delivery = max((kinds.DELIVERY[c] for c, _ in told), key=lambda d: kinds.URGENCY_ORDER.index(d.urgency))
        plans[user_id] = Plan(
            advance_to=last,
            payload=json.dumps(note.payload, ensure_ascii=False).encode(),
            urgency=delivery.urgency,
            ttl=max(kinds.DELIVERY[c].ttl for c, _ in told),
            topic=note.topic,
        )
    return plans


async def _targets(session: AsyncSession, user_ids: list[int], now: dt.datetime) -> dict[int, list[Target]]:
    if not user_ids:
        return {}
    rows = await session.scalars(
        select(PushSubscription).join(AuthSession, _live_device(now)).where(PushSubscription.user_id.in_(user_ids))
    )
    found: dict[int, list[Target]] = defaultdict(list)
    for row in rows:
        found[row.user_id].append(Target(row.id, row.endpoint, row.p256dh, row.auth))
    return found


async def _forget_ended_devices(session: AsyncSession, claimed: dict[int, Any], now: dt.datetime) -> None:
    """Devices of these users whose login ended (logout, expiry, a revoked session) are removed."""
    ended = (
        select(PushSubscription.id)
        .outerjoin(AuthSession, _live_device(now))
        .where(PushSubscription.user_id.in_(list(claimed)), AuthSession.id.is_(None))
    )
    await session.execute(
        delete(PushSubscription).where(PushSubscription.id.in_(ended)).execution_options(synchronize_session=False)
    )


async def send_test(session: AsyncSession, sender: PushSender, user: User, lang: str) -> Counts:
    """ "Stuur een testmelding": one notification to each of the user's live devices, now,
    so a parent sees that it works (and a device the push service forgot goes)."""
    from portal.i18n import translate

    now = utcnow()
    targets = (await _targets(session, [user.id], now)).get(user.id, [])
    payload = {
        "title": "Schriftje",
        "body": translate("notify.push.test", lang),
        "url": "/account/notifications",
        "tag": "test",
        "count": 1,
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    outcomes = await sender.send_all([Push(t, body, "normal", 600, "test") for t in targets])
    gone = [o.subscription_id for o in outcomes if o.status == "gone"]
    if gone:
        await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    counts = Counts(users=1, pushed=sum(1 for o in outcomes if o.status == "sent"), gone=len(gone))
    counts.failed = len(outcomes) - counts.pushed - counts.gone
    return counts
