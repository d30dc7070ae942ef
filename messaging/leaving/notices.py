"""The leaving e-mails: one to each guardian when the child's end date has passed
(read-only from now on, download before the deadline) and one ``REMINDER_DAYS``
before the deadline. The hourly retention job sends what is due.

Each mail is recorded in ``leaving_notice`` in the same transaction that sends
it: a failed send rolls the record back and the next run tries again; a
concurrent run hits the unique key and sends nothing. When the window is
already shorter than ``REMINDER_DAYS`` at its start, the first mail is also
the reminder (it names the deadline), so a family never gets two in one day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging.leaving.models import LeavingNotice, NoticeKind
from portal.i18n import format_date, translate
from portal.mail import Mailer, compose
from portal.roster.dates import access_until, today_for
from portal.roster.models import Child, Guardianship, Organisation, User
from portal.settings import Settings
from portal.tenancy import organisation_url
from portal.uow import UnitOfWork

log = logging.getLogger(__name__)

REMINDER_DAYS = 14


@dataclass(frozen=True)
class Due:
    child_id: int
    user_id: int
    kind: NoticeKind  # the mail to send
    also: tuple[NoticeKind, ...]  # notices it stands for too


def download_path(child_id: int) -> str:
    return f"/archief/{child_id}"


async def due(session: AsyncSession, organisation: Organisation, today: dt.date) -> list[Due]:
    """The mails this organisation owes its leaving families today."""
    earliest_end = today - dt.timedelta(days=organisation.leaving_window_days)
    rows = await session.execute(
        select(Child, Guardianship.user_id)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(
            Child.organisation_id == organisation.id,
            Child.end_date < today,
            Child.end_date >= earliest_end,
        )
        .order_by(Child.id, Guardianship.user_id)
    )
    pairs = [(child, user_id) for child, user_id in rows]
    if not pairs:
        return []
    sent = {
        (n.child_id, n.user_id, n.kind)
        for n in await session.scalars(
            select(LeavingNotice).where(LeavingNotice.child_id.in_({child.id for child, _ in pairs}))
        )
    }
    result = []
    for child, user_id in pairs:
        last = access_until(child, organisation)
        assert last is not None
        wanted = [NoticeKind.STARTED]
        if today >= last - dt.timedelta(days=REMINDER_DAYS):
            wanted.append(NoticeKind.REMINDER)
        missing = [kind for kind in wanted if (child.id, user_id, kind) not in sent]
        if not missing:
            continue
        # the first mail names the deadline, so it stands for a reminder that is due already
        result.append(Due(child.id, user_id, missing[0], tuple(missing)))
    return result


async def send_due(sessionmaker: async_sessionmaker[AsyncSession], mailer: Mailer, settings: Settings) -> int:
    """Send every leaving mail that is due, in every organisation; the number sent."""
    async with sessionmaker() as session:
        organisations = list(await session.scalars(select(Organisation)))
        owed = [
            (organisation, d)
            for organisation in organisations
            for d in await due(session, organisation, today_for(organisation))
        ]
    sent = 0
    for organisation, notice in owed:
        try:
            sent += await _send_one(sessionmaker, mailer, settings, organisation, notice)
        except Exception as exc:  # the mail server is down: nothing recorded, the next run retries
            log.warning("leaving mail failed", extra={"child_id": notice.child_id, "error": type(exc).__name__})
    return sent


async def _send_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    settings: Settings,
    organisation: Organisation,
    notice: Due,
) -> bool:
    try:
        async with UnitOfWork(sessionmaker) as uow:
            session = uow.session
            child = await session.get(Child, notice.child_id)
            user = await session.get(User, notice.user_id)
            if child is None or user is None:
                return False
            for kind in notice.also:
                session.add(LeavingNotice(child_id=child.id, user_id=user.id, kind=kind))
            await session.flush()  # a concurrent run that got here first: IntegrityError, nothing sent
            await mailer.send(_message(settings, organisation, child, user, notice.kind))
    except IntegrityError:
        return False
    log.info("leaving mail sent", extra={"kind": notice.kind.value, "child_id": notice.child_id})
    return True


def _message(
    settings: Settings, organisation: Organisation, child: Child, user: User, kind: NoticeKind
) -> EmailMessage:
    lang = user.language or organisation.language
    last = access_until(child, organisation)
    assert last is not None and child.end_date is not None
    params = {
        "name": user.display_name,
        "child": child.first_name,
        "org": organisation.name,
        "end": format_date(child.end_date, lang),
        "date": format_date(last, lang),
        "days": max(1, (last - today_for(organisation)).days),
        "link": organisation_url(settings, organisation.slug, download_path(child.id)),
    }
    return compose(
        settings.mail_from,
        user.email,
        translate(f"mail.leaving_{kind.value}_subject", lang, **params),
        translate(f"mail.leaving_{kind.value}_body", lang, **params),
    )
