"""The e-mails that carry one-time links: invitations (activate and set a password)
and password resets. Job functions call ``prepare_link_mail`` inside a unit of
work and send the returned message after it committed, so a link in a sent
mail always exists in the database.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import TabletDevice, TokenPurpose
from portal.accounts.service import issue_link_token
from portal.i18n import translate
from portal.jobs import SEND_INVITATION, SEND_PASSWORD_RESET, SEND_PIN_LOCKED, JobQueue
from portal.mail import compose
from portal.roster.models import Organisation, User
from portal.settings import Settings
from portal.tenancy import organisation_url
from portal.uow import UnitOfWork


def link_lifetime(settings: Settings, purpose: TokenPurpose) -> dt.timedelta:
    if purpose is TokenPurpose.ACTIVATE:
        return dt.timedelta(hours=settings.activation_token_hours)
    return dt.timedelta(minutes=settings.reset_token_minutes)


async def prepare_link_mail(
    session: AsyncSession, settings: Settings, user_id: int, purpose: TokenPurpose
) -> EmailMessage | None:
    """Issue a link token for ``user_id`` and compose its e-mail; None if the user is gone."""
    user = await session.get(User, user_id)
    if user is None:
        return None
    organisation = await session.get(Organisation, user.organisation_id)
    if organisation is None:
        return None
    lifetime = link_lifetime(settings, purpose)
    raw = await issue_link_token(session, user, purpose, lifetime)
    lang = user.language or organisation.language
    path = "/activate/" if purpose is TokenPurpose.ACTIVATE else "/reset/"
    expires = (dt.datetime.now(dt.UTC) + lifetime).astimezone(ZoneInfo(organisation.timezone))
    kind = "invite" if purpose is TokenPurpose.ACTIVATE else "reset"
    params = {
        "name": user.display_name,
        "org": organisation.name,
        "link": organisation_url(settings, organisation.slug, path + raw),
        "expires": expires.strftime("%d-%m-%Y %H:%M"),
    }
    return compose(
        settings.mail_from,
        user.email,
        translate(f"mail.{kind}_subject", lang, **params),
        translate(f"mail.{kind}_body", lang, **params),
    )


def invite_after_commit(uow: UnitOfWork, queue: JobQueue, user_ids: list[int]) -> None:
    """Enqueue one invitation per user once the roster change is committed."""

    async def enqueue() -> None:
        for user_id in user_ids:
            await queue.enqueue(SEND_INVITATION, user_id, job_id=f"invite:{user_id}")

    if user_ids:
        uow.after_commit(enqueue)


def pin_locked_after_commit(uow: UnitOfWork, queue: JobQueue, user_id: int, device_id: int) -> None:
    """Tell the person their PIN locked (someone may be guessing it) once that is committed."""

    async def enqueue() -> None:
        await queue.enqueue(SEND_PIN_LOCKED, user_id, device_id)

    uow.after_commit(enqueue)


async def prepare_pin_locked_mail(
    session: AsyncSession, settings: Settings, user_id: int, device_id: int
) -> EmailMessage | None:
    user = await session.get(User, user_id)
    device = await session.get(TabletDevice, device_id)
    if user is None or device is None or user.deactivated_at is not None:
        return None
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    lang = user.language or organisation.language
    params = {
        "name": user.display_name,
        "org": organisation.name,
        "tablet": device.label or translate("tablet.title", lang),
        "link": organisation_url(settings, organisation.slug, "/login"),
    }
    return compose(
        settings.mail_from,
        user.email,
        translate("mail.pin_locked_subject", lang, **params),
        translate("mail.pin_locked_body", lang, **params),
    )


def reset_after_commit(uow: UnitOfWork, queue: JobQueue, user_id: int) -> None:
    async def enqueue() -> None:
        await queue.enqueue(SEND_PASSWORD_RESET, user_id)

    uow.after_commit(enqueue)
