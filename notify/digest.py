"""The daily e-mail digest: at the organisation's digest time (its own zone, default
18:30), every user who chose it gets one e-mail about what they have not seen: counts
per category, short excerpts, links into the app; no photos, in their language. A
user who saw everything gets no e-mail. Each e-mail carries a one-click unsubscribe
(RFC 8058: ``List-Unsubscribe`` with ``List-Unsubscribe-Post``) signed for that user.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging.entitlement import viewer_of, withhold
from messaging.models import FeedCounter, FeedItem
from messaging.render import event_frame, render
from notify import kinds
from notify.compose import PREVIEW_CHARS
from notify.models import NotifyCursor, NotifyPreference
from notify.service import organisation_settings
from portal.database import utcnow
from portal.i18n import translate
from portal.mail import Mailer, compose
from portal.roster.models import Organisation, User
from portal.settings import Settings
from portal.tenancy import organisation_url

log = logging.getLogger(__name__)

EXCERPTS = 5
LOOKBACK = dt.timedelta(days=2)  # a digest tells of the last two days at most
_SALT = "notify.unsubscribe"


def unsubscribe_token(settings: Settings, user_id: int) -> str:
    return URLSafeSerializer(settings.secret_key, salt=_SALT).dumps(user_id)


def user_of_token(settings: Settings, token: str) -> int | None:
    try:
        value = URLSafeSerializer(settings.secret_key, salt=_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def is_due(organisation: Organisation, digest_at: dt.time, sent_on: dt.date | None, now: dt.datetime) -> dt.date | None:
    """The local date to send for, when the digest time of today has passed and today's went not yet."""
    local = now.astimezone(ZoneInfo(organisation.timezone))
    if local.time() < digest_at or sent_on == local.date():
        return None
    return local.date()


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession], mailer: Mailer, settings: Settings, now: dt.datetime | None = None
) -> int:
    """Send every digest that is due; returns how many e-mails went."""
    now = now or utcnow()
    async with sessionmaker() as session:
        rows = list(
            await session.execute(
                select(User, Organisation, NotifyCursor)
                .join(NotifyPreference, NotifyPreference.user_id == User.id)
                .join(Organisation, Organisation.id == User.organisation_id)
                .outerjoin(NotifyCursor, NotifyCursor.user_id == User.id)
                .where(NotifyPreference.digest.is_(True), User.deactivated_at.is_(None))
            )
        )
        digest_at = {
            organisation.id: (await organisation_settings(session, organisation.id)).digest_at
            for organisation in {organisation for _, organisation, _ in rows}
        }
    due = [
        (user, organisation, cursor, day)
        for user, organisation, cursor in rows
        if (day := is_due(organisation, digest_at[organisation.id], cursor.digest_on if cursor else None, now))
    ]
    sent = 0
    for user, organisation, cursor, day in due:  # each in a transaction of its own
        async with sessionmaker() as session, session.begin():
            message, last = await _compose(session, settings, user, organisation, cursor, now)
            row = await session.get(NotifyCursor, user.id, with_for_update=True)
            if row is None:
                row = NotifyCursor(user_id=user.id, pushed_seq=0, digest_seq=0)
                session.add(row)
            elif row.digest_on == day:  # another sweep sent it meanwhile
                continue
            row.digest_on, row.digest_seq = day, max(row.digest_seq or 0, last)
        if message is not None:  # marked first, sent after commit: at most once a day
            await mailer.send(message)
            sent += 1
    if sent:
        log.info("digests sent", extra={"count": sent})
    return sent


async def _compose(
    session: AsyncSession,
    settings: Settings,
    user: User,
    organisation: Organisation,
    cursor: NotifyCursor | None,
    now: dt.datetime,
) -> tuple[EmailMessage | None, int]:
    counter = await session.get(FeedCounter, user.id)
    last = counter.last_seq if counter else 0
    after = max(counter.read_seq if counter else 0, cursor.digest_seq if cursor else 0)
    items = list(
        await session.scalars(
            select(FeedItem)
            .where(
                FeedItem.user_id == user.id,
                FeedItem.seq > after,
                FeedItem.kind.in_(sorted(kinds.NOTIFYING_KINDS)),
                FeedItem.created_at >= now - LOOKBACK,
            )
            .order_by(FeedItem.seq)
        )
    )
    if not items:
        return None, last
    rendered = await render(session, [(i.kind, i.ref_id) for i in items])
    frames = await withhold(
        session,
        await viewer_of(session, user.id),
        [event_frame(i.seq, i.kind, rendered[(i.kind, i.ref_id)]) for i in items],
    )
    told: list[tuple[str, dict[str, Any]]] = [
        (c, f)
        for f in frames
        if (c := kinds.category(f["kind"], f["data"])) in kinds.categories_for(user.role.is_staff)
        and f["data"].get("author_id") != user.id
        and kinds.tells(c, f["data"], user.role.is_staff)
    ]
    if not told:
        return None, last
    lang = user.language or organisation.language
    counts = Counter(c for c, _ in told)
    link = organisation_url(settings, organisation.slug, "/")
    lines = [translate("notify.digest.hello", lang, name=user.display_name), ""]
    lines += [
        "- " + translate(f"notify.digest.count.{c}", lang, count=n)
        for c, n in sorted(counts.items(), key=lambda kv: kinds.ALL_CATEGORIES.index(kv[0]))
    ]
    excerpts = [(c, f) for c, f in told if c != kinds.PHOTO][-EXCERPTS:]
    if excerpts:
        lines += ["", translate("notify.digest.latest", lang)]
        for _, frame in excerpts:
            data = frame["data"]
            who = data.get("author") or ""
            text = str(data.get("body") or data.get("title") or "").strip().replace("\n", " ")
            if len(text) > PREVIEW_CHARS:
                text = text[: PREVIEW_CHARS - 1] + "…"
            child = data.get("child")
            path = f"/kind/{int(child['id'])}" if isinstance(child, dict) and not user.role.is_staff else "/"
            lines += [
                f"* {who}: {text}" if text else f"* {who}",
                f"  {organisation_url(settings, organisation.slug, path)}",
            ]
    unsubscribe = organisation_url(
        settings, organisation.slug, "/notify/unsubscribe/" + unsubscribe_token(settings, user.id)
    )
    lines += [
        "",
        translate("notify.digest.open", lang, link=link),
        "",
        translate("notify.digest.footer", lang, link=unsubscribe),
    ]
    message = compose(
        settings.mail_from,
        user.email,
        translate("notify.digest.subject", lang, org=organisation.name, count=len(told)),
        "\n".join(lines) + "\n",
    )
    message.policy = message.policy.clone(max_line_length=998)  # a folded URL would be RFC 2047-encoded
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message, last
