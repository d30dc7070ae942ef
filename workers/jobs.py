"""Job functions. Each takes ids, loads state, and may safely run twice.

``FUNCTIONS`` maps job names (``"domain.verb"``) to functions; arq registers
them under those names and the inline queue looks them up there.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.exc import OperationalError

from media import pipeline
from media.models import Photo
from media.upload import PROCESS_PHOTO, SHARE_PHOTO
from messaging import photos
from messaging import retention as retention_service
from messaging.archive import build as archive_build
from messaging.archive.service import BUILD_ARCHIVE
from messaging.leaving import notices as leaving_notices
from messaging.retention import RETENTION
from portal.accounts.invitations import prepare_link_mail, prepare_pin_locked_mail
from portal.accounts.models import TokenPurpose
from portal.jobs import SEND_INVITATION, SEND_PASSWORD_RESET, SEND_PIN_LOCKED
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


async def send_pin_locked(ctx: JobContext, user_id: int, device_id: int) -> bool:
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        message = await prepare_pin_locked_mail(uow.session, ctx["settings"], user_id, device_id)
    if message is None:
        return False
    await ctx["mailer"].send(message)
    return True


MAX_TRIES = 5
TRANSIENT = (OSError, BotoCoreError, ClientError, OperationalError)


def backoff_seconds(job_try: int) -> float:
    """Jittered exponential backoff for transient failures: ~1, 2, 4, 8 s."""
    return float(2 ** (job_try - 1)) * (0.5 + random.random())  # noqa: S311 (jitter)


async def process_photo(ctx: JobContext, photo_id: int) -> str:
    """Decode, strip, derive and deliver one photo. Idempotent; transient errors retry with backoff."""
    sessionmaker = ctx["sessionmaker"]
    try:
        async with UnitOfWork(sessionmaker) as uow:
            photo = await pipeline.claim(uow, photo_id)
            sets = await pipeline.mask_sets(uow.session, photo) if photo is not None else {}
        if photo is None:
            return "skipped"
        outcome = await pipeline.render(ctx["storage"], ctx["photos"], photo, sets)
        async with UnitOfWork(sessionmaker) as uow:
            recorded = await pipeline.record(uow, outcome)
            missing = await photos.share(uow, ctx["broker"], recorded[0]) if recorded is not None else set()
        if missing:  # consent changed while we rendered: make what recipients now need
            await _share_rounds(ctx, photo_id, photos.Mode.SHARE)
    except TRANSIENT as exc:
        job_try = ctx.get("job_try", 1)
        log.warning("photo processing hit a transient error", extra={"photo_id": photo_id, "try": job_try})
        if job_try < MAX_TRIES:
            raise Retry(defer=backoff_seconds(job_try)) from exc
        async with UnitOfWork(sessionmaker) as uow:
            failed = await pipeline.fail(uow, photo_id, "photo.storage_failed")
            if failed is not None:
                await photos.share(uow, ctx["broker"], failed)
        return "failed"
    if recorded is None:
        return "skipped"
    log.info("photo processed", extra={"photo_id": photo_id, "status": recorded[0].status.value})
    return recorded[0].status.value


SHARE_ROUNDS = 3


async def _share_rounds(ctx: JobContext, photo_id: int, mode: photos.Mode) -> bool:
    """Render the renditions recipients need, then apply the policy; again if consents moved meanwhile."""
    sessionmaker = ctx["sessionmaker"]
    for _ in range(SHARE_ROUNDS):
        async with UnitOfWork(sessionmaker) as uow:
            photo = await uow.session.get(Photo, photo_id)
            if photo is None:
                return True
            sets = await pipeline.mask_sets(uow.session, photo, await pipeline.pending_keys(uow.session, photo_id))
        if sets:
            outcome = await pipeline.render(ctx["storage"], ctx["photos"], photo, sets)
            async with UnitOfWork(sessionmaker) as uow:
                await pipeline.add_renditions(uow, outcome)
        async with UnitOfWork(sessionmaker) as uow:
            missing = await photos.apply(uow, ctx["broker"], photo_id, mode, ctx["storage"])
        if not missing:
            return True
    log.warning("photo sharing did not settle", extra={"photo_id": photo_id})
    return False


async def share_photo(ctx: JobContext, photo_id: int, mode: str = photos.Mode.SHARE.value) -> str:
    """Re-run the consent policy for a processed photo (staff re-share, or a withdrawn consent
    that needs a masked rendition made). Idempotent; transient errors retry with backoff."""
    try:
        settled = await _share_rounds(ctx, photo_id, photos.Mode(mode))
    except TRANSIENT as exc:
        job_try = ctx.get("job_try", 1)
        log.warning("photo sharing hit a transient error", extra={"photo_id": photo_id, "try": job_try})
        if job_try < MAX_TRIES:
            raise Retry(defer=backoff_seconds(job_try)) from exc
        return "failed"
    return "shared" if settled else "unsettled"


async def build_archive(ctx: JobContext, archive_id: int) -> str:
    """Build one "download everything" archive into storage. Idempotent; transient errors retry."""
    try:
        outcome = await archive_build.build(ctx["sessionmaker"], ctx["storage"], ctx["broker"], archive_id)
    except TRANSIENT as exc:
        job_try = ctx.get("job_try", 1)
        log.warning("archive build hit a transient error", extra={"archive_id": archive_id, "try": job_try})
        if job_try < MAX_TRIES:
            raise Retry(defer=backoff_seconds(job_try)) from exc
        await archive_build.fail(ctx["sessionmaker"], archive_id)
        return "failed"
    except Exception:
        await archive_build.fail(ctx["sessionmaker"], archive_id)
        raise
    log.info("archive built", extra={"archive_id": archive_id, "status": outcome.value if outcome else "skipped"})
    return outcome.value if outcome else "skipped"


async def retention(ctx: JobContext) -> dict[str, int]:
    """Hourly housekeeping: delete expired archives, purge children whose leaving window passed,
    and send the leaving e-mails that are due."""
    done = await retention_service.run(ctx["sessionmaker"], ctx["storage"], ctx["broker"])
    done["leaving_mails"] = await leaving_notices.send_due(ctx["sessionmaker"], ctx["mailer"], ctx["settings"])
    log.info("retention ran", extra=done)
    return done


FUNCTIONS: dict[str, JobFunction] = {
    SEND_INVITATION: send_invitation,
    SEND_PASSWORD_RESET: send_password_reset,
    SEND_PIN_LOCKED: send_pin_locked,
    PROCESS_PHOTO: process_photo,
    SHARE_PHOTO: share_photo,
    BUILD_ARCHIVE: build_archive,
    RETENTION: retention,
}

# longer than the default for jobs whose size grows with a family's history
TIMEOUT_SECS: dict[str, int] = {BUILD_ARCHIVE: 6 * 3600, RETENTION: 3600}
