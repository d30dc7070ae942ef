"""Job functions. Each takes ids, loads state, and may safely run twice.

``FUNCTIONS`` maps job names (``"domain.verb"``) to functions; arq registers
them under those names and the inline queue looks them up there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from portal.accounts.invitations import prepare_link_mail
from portal.accounts.models import TokenPurpose
from portal.jobs import SEND_INVITATION, SEND_PASSWORD_RESET
from portal.uow import UnitOfWork
from workers.context import JobContext

log = logging.getLogger(__name__)

JobFunction = Callable[..., Awaitable[Any]]


async def _send_link_mail(ctx: JobContext, user_id: int, purpose: TokenPurpose) -> bool:
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        message = await prepare_link_mail(uow.session, ctx["settings"], user_id, purpose)
    if message is None:
        log.info("link mail skipped: user gone", extra={"user_id": user_id})
        return False
    await ctx["mailer"].send(message)
    return True


async def send_invitation(ctx: JobContext, user_id: int) -> bool:
    return await _send_link_mail(ctx, user_id, TokenPurpose.ACTIVATE)


async def send_password_reset(ctx: JobContext, user_id: int) -> bool:
    return await _send_link_mail(ctx, user_id, TokenPurpose.RESET)


FUNCTIONS: dict[str, JobFunction] = {
    SEND_INVITATION: send_invitation,
    SEND_PASSWORD_RESET: send_password_reset,
}
