"""Job functions. Each takes ids, loads state, and may safely run twice.

``FUNCTIONS`` maps job names (``"domain.verb"``) to functions; arq registers
them under those names and the inline queue looks them up there. Jobs that may
run for hours (``LONG_JOBS``: archive builds, the housekeeping) have a queue and
a worker of their own, so a worker's death holds a photo for the photo's budget
(``photo_timeout_secs``), never for the longest job's.

Nothing ends in limbo: a photo job retries transient failures (storage, a
database connection that broke) with backoff and ends the photo ``failed`` with
a reason staff can read for anything else; a photo whose job was lost (Redis was
down when it was accepted, its worker was killed) is found by ``sweep_photos``
and processed again, at most once at a time (``media.pipeline.claim``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from media import clip_pipeline, pipeline
from media.models import Photo
from media.upload import PROCESS_CLIP, PROCESS_PHOTO, SHARE_PHOTO, clip_job_id, process_job_id
from messaging import clip_progress, photos
from messaging import retention as retention_service
from messaging.archive import build as archive_build
from messaging.archive.service import BUILD_ARCHIVE
from messaging.leaving import notices as leaving_notices
from messaging.retention import RETENTION
from notify import digest, dispatch
from notify.trigger import NOTIFY_PUSH, NOTIFY_SWEEP
from planning import archive_section  # noqa: F401  (planning's part of "download everything")
from planning import housekeeping as planning_housekeeping
from planning.housekeeping import PLANNING_SWEEP
from portal.accounts.invitations import prepare_link_mail, prepare_pin_locked_mail
from portal.accounts.models import TokenPurpose
from portal.database import utcnow
from portal.jobs import SEND_INVITATION, SEND_PASSWORD_RESET, SEND_PIN_LOCKED
from portal.roster.models import Organisation
from portal.settings import Settings
from portal.uow import UnitOfWork
from workers.context import JobContext
from workers.queues import LONG_JOBS

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
TRANSIENT = (OSError, BotoCoreError, ClientError, OperationalError, InterfaceError)
SWEEP_PHOTOS = "media.sweep_photos"
SWEEP_EVERY_SECS = 15
# an accepted photo not picked up after this, and whose job is not waiting in the queue,
# was not handed off (Redis was away when it was accepted, or the queue lost it)
UPLOAD_GRACE = dt.timedelta(seconds=2)  # a node enqueues right after its commit: milliseconds


def is_transient(exc: BaseException) -> bool:
    """Worth another try: storage away, or the database connection lost (a backend
    terminated, a failover), which SQLAlchemy reports as an invalidated connection."""
    return isinstance(exc, TRANSIENT) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def backoff_seconds(job_try: int) -> float:
    """Jittered exponential backoff for transient failures: ~1, 2, 4, 8 s."""
    return float(2 ** (job_try - 1)) * (0.5 + random.random())  # noqa: S311 (jitter)


async def process_photo(ctx: JobContext, photo_id: int) -> str:
    """Decode, strip, derive and deliver one photo. Idempotent; transient errors retry with
    backoff; anything else ends the photo ``failed`` with a reason."""
    return await _finishing(ctx, photo_id, "photo", _process_photo)


async def process_clip(ctx: JobContext, photo_id: int) -> str:
    """Transcode, strip and deliver one clip (a photo row whose kind is a video): the
    photo's claim, record and delivery around ``media.clip_pipeline``, with the
    transcode's percentage sent to the group's staff as it goes. Ends like a photo job."""
    return await _finishing(ctx, photo_id, "clip", _process_clip)


async def _finishing(
    ctx: JobContext, photo_id: int, noun: str, work: Callable[[JobContext, int], Awaitable[str]]
) -> str:
    """Run a photo's or a clip's job (``noun``) so that it never stays unfinished: transient
    errors (storage, a lost database connection) retry with backoff and, once the tries
    are used, end it ``photo.storage_failed``; anything else (a bug, a surprise) ends it
    ``photo.processing_error`` / ``video.processing_error``."""
    try:
        status = await work(ctx, photo_id)
    except Retry:
        raise
    except Exception as exc:
        if not is_transient(exc):
            log.exception(f"{noun} processing failed unexpectedly", extra={"photo_id": photo_id})
            await _give_up(ctx, photo_id, "video.processing_error" if noun == "clip" else "photo.processing_error")
            return "failed"
        job_try = ctx.get("job_try", 1)
        log.warning(f"{noun} processing hit a transient error", extra={"photo_id": photo_id, "try": job_try})
        if job_try < MAX_TRIES:
            raise Retry(defer=backoff_seconds(job_try)) from exc
        await _give_up(ctx, photo_id, "photo.storage_failed")
        return "failed"
    if status != "skipped":
        log.info(f"{noun} processed", extra={"photo_id": photo_id, "status": status})
    return status


async def _process_clip(ctx: JobContext, photo_id: int) -> str:
    sessionmaker, settings = ctx["sessionmaker"], ctx["settings"]
    async with UnitOfWork(sessionmaker) as uow:
        job_id = ctx.get("job_id") or clip_job_id(photo_id)
        claimed = await pipeline.claim(uow, photo_id, job_id, clip_pipeline.lease(settings))
        if claimed is None:
            return "skipped"
        organisation = await uow.session.get(Organisation, claimed.photo.organisation_id)
        limits = clip_pipeline.limits_for(settings, organisation)
        staff = await clip_progress.progress_audience(uow.session, claimed.photo)
    progress = clip_progress.ProgressAnnouncer(ctx["broker"], claimed.photo, staff)
    outcome = await clip_pipeline.render_clip(
        ctx["storage"], ctx["clips"], claimed.photo, limits, resumed=claimed.resumed, progress=progress
    )
    await progress.flush()
    async with UnitOfWork(sessionmaker) as uow:
        recorded = await pipeline.record(uow, outcome)
        if recorded is None:
            return "skipped"
        await photos.share(uow, ctx["broker"], recorded[0])
    return recorded[0].status.value


async def _give_up(ctx: JobContext, photo_id: int, reason: str) -> None:
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        failed = await pipeline.fail(uow, photo_id, reason)
        if failed is not None:
            await photos.share(uow, ctx["broker"], failed)


async def _process_photo(ctx: JobContext, photo_id: int) -> str:
    sessionmaker = ctx["sessionmaker"]
    async with UnitOfWork(sessionmaker) as uow:
        claimed = await pipeline.claim(uow, photo_id, ctx.get("job_id") or f"{PROCESS_PHOTO}:{photo_id}")
        sets = await pipeline.mask_sets(uow.session, claimed.photo) if claimed is not None else {}
    if claimed is None:
        return "skipped"
    outcome = await pipeline.render(ctx["storage"], ctx["photos"], claimed.photo, sets, resumed=claimed.resumed)
    async with UnitOfWork(sessionmaker) as uow:
        recorded = await pipeline.record(uow, outcome)
        if recorded is None:
            return "skipped"
        missing = await photos.share(uow, ctx["broker"], recorded[0])
    if missing:  # consent changed while we rendered: make what recipients now need
        await _share_rounds(ctx, photo_id, photos.Mode.SHARE)
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
        if sets and photo.original_key:  # without an original (media.originals) nothing new is rendered
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
    except Exception as exc:
        if not is_transient(exc):
            raise
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
    except Exception as exc:
        if not is_transient(exc):
            await archive_build.fail(ctx["sessionmaker"], archive_id)
            raise
        job_try = ctx.get("job_try", 1)
        log.warning("archive build hit a transient error", extra={"archive_id": archive_id, "try": job_try})
        if job_try < MAX_TRIES:
            raise Retry(defer=backoff_seconds(job_try)) from exc
        await archive_build.fail(ctx["sessionmaker"], archive_id)
        return "failed"
    log.info("archive built", extra={"archive_id": archive_id, "status": outcome.value if outcome else "skipped"})
    return outcome.value if outcome else "skipped"


async def retention(ctx: JobContext) -> dict[str, int]:
    """Hourly housekeeping: delete expired archives, purge children whose leaving window passed,
    and send the leaving e-mails that are due."""
    settings = ctx["settings"]
    done = await retention_service.run(ctx["sessionmaker"], ctx["storage"], ctx["broker"], settings.originals_keep_days)
    done["leaving_mails"] = await leaving_notices.send_due(ctx["sessionmaker"], ctx["mailer"], ctx["settings"])
    log.info("retention ran", extra=done)
    return done


async def sweep_photos(ctx: JobContext) -> int:
    """Every SWEEP_EVERY_SECS: photos that should be final and are not get their job again
    (a job id of their own per sweep, so one lost or finished earlier is no obstacle; the
    claim keeps it to one worker at a time). Returns how many were handed off again."""
    now = utcnow()
    async with ctx["sessionmaker"]() as session:
        settings = ctx.get("settings")
        clip_lease = clip_pipeline.lease(settings) if settings is not None else pipeline.CLAIM_LEASE
        stuck = await pipeline.unfinished(session, now - UPLOAD_GRACE, now, clip_lease)
    round_id = int(now.timestamp()) // SWEEP_EVERY_SECS
    queue = ctx["queue"]
    handed = 0
    for photo_id, is_clip in stuck:
        name, first = (PROCESS_CLIP, clip_job_id(photo_id)) if is_clip else (PROCESS_PHOTO, process_job_id(photo_id))
        waiting = [first, _again_id(photo_id, round_id - 1, name)]  # behind a backlog is not lost
        if any([await queue.pending(job_id) for job_id in waiting]):
            continue
        await queue.enqueue(name, photo_id, job_id=_again_id(photo_id, round_id, name))
        handed += 1
    if handed:
        log.warning("photos handed off again", extra={"count": handed})
    return handed


async def notify_push(ctx: JobContext, user_ids: list[int] | None = None) -> dict[str, int]:
    """Push what these users (None: every user with a device) have not been told yet."""
    counts = await dispatch.push_pending(ctx["sessionmaker"], ctx["pusher"], user_ids)
    return counts.as_dict()


async def notify_sweep(ctx: JobContext) -> dict[str, int]:
    """Every minute: pushes a lost trigger or quiet hours left, and the digests that are due."""
    counts = await dispatch.push_pending(ctx["sessionmaker"], ctx["pusher"], None)
    mails = await digest.send_due(ctx["sessionmaker"], ctx["mailer"], ctx["settings"])
    return {**counts.as_dict(), "digests": mails}


async def planning_sweep(ctx: JobContext, child_ids: list[int] | None = None) -> dict[str, int]:
    """Every five minutes (and for an absence's group at once): credit earned by absences,
    expired credit, the wait list given the places that freed up."""
    return await planning_housekeeping.sweep(ctx["sessionmaker"], ctx["broker"], child_ids)


def _again_id(photo_id: int, round_id: int, name: str = PROCESS_PHOTO) -> str:
    return f"{name}:{photo_id}:again:{round_id}"


FUNCTIONS: dict[str, JobFunction] = {
    SEND_INVITATION: send_invitation,
    SEND_PASSWORD_RESET: send_password_reset,
    SEND_PIN_LOCKED: send_pin_locked,
    PROCESS_PHOTO: process_photo,
    PROCESS_CLIP: process_clip,
    SHARE_PHOTO: share_photo,
    BUILD_ARCHIVE: build_archive,
    RETENTION: retention,
    SWEEP_PHOTOS: sweep_photos,
    NOTIFY_PUSH: notify_push,
    NOTIFY_SWEEP: notify_sweep,
    PLANNING_SWEEP: planning_sweep,
}

QUICK_JOB_SECS = 30  # mail, the sweeper
NOTIFY_JOB_SECS = (
    45  # pushes wait out a push service's Retry-After for up to 30 s; within the photo bound of a dead worker
)
PHOTO_MARGIN_SECS = 15  # a photo job: its decode budget plus starting a sandbox and storage writes


def timeout_secs(name: str, settings: Settings) -> int:
    """How long a job may run before arq gives up on it. A worker that dies holds its
    jobs this long plus 10 s (arq), so photo jobs stay within a minute."""
    if name in LONG_JOBS:
        return LONG_JOBS[name]
    if name in (PROCESS_PHOTO, SHARE_PHOTO):
        return settings.photo_seconds + PHOTO_MARGIN_SECS
    if name == PROCESS_CLIP:
        return int(clip_pipeline.lease(settings).total_seconds())
    if name in (NOTIFY_PUSH, NOTIFY_SWEEP):
        return NOTIFY_JOB_SECS
    return QUICK_JOB_SECS
