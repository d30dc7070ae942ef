"""The steps of ``media.process_photo`` that belong to media: claim the photo, decide
which renditions it needs (the plain one, plus one per set of children the
consent policy masks for some recipient), decode it in the sandbox, store every
rendition's derivatives, and record the outcome. ``media.share_photo`` uses the
same steps to add renditions later (a re-share, a withdrawn consent).

Each step may run again after a crash or a retry: a photo whose status is
final is left alone, derivative keys are deterministic, and the outcome is
recorded in one transaction with the renditions, so the rows never describe half
a result. Once every derivative of a render is stored, a small manifest
(``rendered-<sets>.json``: sizes, placeholders, capture time; no pixels) is
stored after them; a job that takes over a photo another attempt left
``processing`` (a terminated database connection, a killed worker) reads it and
records that outcome instead of decoding and writing every derivative again;
without one it decodes again but stores only the derivatives still missing. Delivering the photo
is ``messaging.photos``' job, in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from consent.evaluate import decide_many
from consent.policy import Decision
from media.formats import NotAPhoto
from media.models import CLIP_KINDS, Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag
from media.processing import Processed, Rect, Rendition
from media.sandbox import SandboxPool
from media.storage import Storage, object_key
from portal.database import utcnow
from portal.roster.dates import today_for
from portal.roster.models import Organisation
from portal.uow import UnitOfWork

CONTENT_TYPE = "image/webp"


@dataclass(frozen=True)
class Outcome:
    photo_id: int
    processed: Processed | None
    mask_keys: list[str]
    failure: str | None = None


def mask_key(child_ids: list[int]) -> str:
    return ",".join(str(c) for c in sorted(child_ids))


def derivative_key(organisation_id: int, photo_id: int, key: str, name: str) -> str:
    folder = "r-" + (key.replace(",", "-") if key else "full")
    return object_key(organisation_id, "photos", str(photo_id), folder, f"{name}.webp")


CLAIM_LEASE = dt.timedelta(seconds=60)  # longer than a photo job may run (its arq timeout)
CLIP_KIND_VALUES = sorted(CLIP_KINDS)


@dataclass(frozen=True)
class Claimed:
    photo: Photo
    resumed: bool  # an earlier attempt had it ``processing`` (and may have stored derivatives)


async def claim(uow: UnitOfWork, photo_id: int, job_id: str, lease: dt.timedelta = CLAIM_LEASE) -> Claimed | None:
    """The photo, now ``processing`` for ``job_id``; ``None`` if it is gone, final, or held
    by another job whose lease has not run out. One guarded UPDATE, so two jobs for one
    photo (a retry after a lost enqueue, the sweeper's) never both process it; the same
    job claims again when it is retried, and anyone may once the holder is gone."""
    now = utcnow()
    before = await uow.session.scalar(select(Photo.status).where(Photo.id == photo_id))
    claimed = await uow.session.execute(
        update(Photo)
        .where(
            Photo.id == photo_id,
            or_(
                Photo.status == PhotoStatus.UPLOADED,
                and_(
                    Photo.status == PhotoStatus.PROCESSING,
                    or_(Photo.claimed_by == job_id, Photo.claimed_at.is_(None), Photo.claimed_at < now - lease),
                ),
            ),
        )
        .values(status=PhotoStatus.PROCESSING, claimed_by=job_id[:200], claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    photo = await uow.session.get(Photo, photo_id, populate_existing=True)
    return Claimed(photo, before is PhotoStatus.PROCESSING) if photo is not None else None


async def unfinished(
    session: AsyncSession, uploaded_before: dt.datetime, now: dt.datetime, clip_lease: dt.timedelta = CLAIM_LEASE
) -> list[tuple[int, bool]]:
    """Photos and clips (``(id, is a clip)``) that should be final by now and are not:
    accepted longer ago than a hand-off takes and never picked up (the enqueue was lost),
    or held by a job whose lease ran out (its worker died, its database connection broke).
    A clip's lease is its transcode budget."""
    clip = Photo.kind.in_(CLIP_KIND_VALUES)
    rows = await session.execute(
        select(Photo.id, clip)
        .where(
            or_(
                and_(Photo.status == PhotoStatus.UPLOADED, Photo.created_at < uploaded_before),
                and_(
                    Photo.status == PhotoStatus.PROCESSING,
                    or_(
                        and_(~clip, Photo.claimed_at < now - CLAIM_LEASE),
                        and_(clip, Photo.claimed_at < now - clip_lease),
                    ),
                ),
            )
        )
        .order_by(Photo.id)
        .limit(SWEEP_BATCH)
    )
    return [(photo_id, bool(is_clip)) for photo_id, is_clip in rows]


SWEEP_BATCH = 500


def parse_mask_key(key: str) -> frozenset[int]:
    return frozenset(int(c) for c in key.split(",")) if key else frozenset()


async def tags_of(session: AsyncSession, photo_id: int) -> dict[int, Rect | None]:
    """Tagged child -> its mask rectangle, if one was drawn."""
    return (await tags_of_many(session, [photo_id]))[photo_id]


async def tags_of_many(session: AsyncSession, photo_ids: list[int]) -> dict[int, dict[int, Rect | None]]:
    result: dict[int, dict[int, Rect | None]] = {photo_id: {} for photo_id in photo_ids}
    for t in await session.scalars(select(PhotoTag).where(PhotoTag.photo_id.in_(photo_ids))):
        rect = Rect(t.mask_x, t.mask_y, t.mask_w, t.mask_h) if t.mask_x is not None else None  # type: ignore[arg-type]
        result[t.photo_id][t.shown] = rect
    return result


async def decision_for(session: AsyncSession, photo: Photo, tags: dict[int, Rect | None] | None = None) -> Decision:
    """The consent policy's decision for this photo, with consents as they are now."""
    if tags is None:
        tags = await tags_of(session, photo.id)
    return (await decisions_for(session, [photo], {photo.id: tags}))[photo.id]


async def decisions_for(
    session: AsyncSession, photos: list[Photo], tags: dict[int, dict[int, Rect | None]] | None = None
) -> dict[int, Decision]:
    """Decisions for many photos of one organisation, reading consents once."""
    if not photos:
        return {}
    if tags is None:
        tags = await tags_of_many(session, [p.id for p in photos])
    organisation = await session.get(Organisation, photos[0].organisation_id)
    assert organisation is not None
    inputs = [(p.group_id, {c: r is not None for c, r in tags[p.id].items()}) for p in photos]
    decisions = await decide_many(session, inputs, today_for(organisation))
    return {p.id: d for p, d in zip(photos, decisions, strict=True)}


async def mask_sets(session: AsyncSession, photo: Photo, also: set[str] | None = None) -> dict[str, list[Rect]]:
    """The renditions this photo needs and does not have yet.

    The plain one (for staff, and the family archive) plus one per distinct set
    of masked children the consent policy hands to a recipient, plus ``also``
    (mask keys recipients are waiting for). Each rendition masks exactly its
    children, and only children with a drawn mask can be in a set."""
    tags = await tags_of(session, photo.id)
    decision = await decision_for(session, photo, tags)
    wanted = {""} | {mask_key(list(s)) for s in decision.mask_sets()} | (also or set())
    have = set(await session.scalars(select(PhotoRendition.mask_key).where(PhotoRendition.photo_id == photo.id)))
    sets: dict[str, list[Rect]] = {}
    for key in sorted(wanted - have):
        rects = [tags.get(c) for c in sorted(parse_mask_key(key))]
        if all(r is not None for r in rects):
            sets[key] = [r for r in rects if r is not None]
    return sets


async def render(
    storage: Storage, sandbox: SandboxPool, photo: Photo, sets: dict[str, list[Rect]], *, resumed: bool = False
) -> Outcome:
    """Decode in the sandbox and store every derivative, then the manifest; an unusable
    photo is an ``Outcome`` with a failure. ``resumed``: an earlier attempt may have stored
    them all already; if its manifest is there, that is the outcome (nothing is written),
    and a derivative it did store is not stored again."""
    keys = list(sets)
    manifest = manifest_key(photo, sets)
    if resumed and await storage.exists(manifest):
        return Outcome(photo.id, from_manifest(await storage.get(manifest), keys), keys)
    data = await storage.get(photo.original_key)
    try:
        processed = await sandbox.process(data, [sets[k] for k in keys])
    except NotAPhoto as exc:
        return Outcome(photo.id, None, keys, exc.reason)
    for key, rendition in zip(keys, processed.renditions, strict=True):
        for name, body in rendition.files.items():
            target = derivative_key(photo.organisation_id, photo.id, key, name)
            if resumed and await storage.exists(target):  # stored whole by the earlier attempt (puts are atomic)
                continue
            await storage.put(target, body, CONTENT_TYPE)
    await storage.put(manifest, to_manifest(processed, keys), "application/json")
    return Outcome(photo.id, processed, keys)


def manifest_key(photo: Photo, sets: dict[str, list[Rect]]) -> str:
    """Where a render of these mask sets records that all its derivatives are stored."""
    canonical = json.dumps({k: [asdict(r) for r in v] for k, v in sorted(sets.items())})
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return object_key(photo.organisation_id, "photos", str(photo.id), f"rendered-{digest[:16]}.json")


def to_manifest(processed: Processed, keys: list[str]) -> bytes:
    facts = {k: v for k, v in asdict(processed).items() if k != "renditions"}
    facts["renditions"] = {
        key: {"placeholder": r.placeholder, "width": r.width, "height": r.height}
        for key, r in zip(keys, processed.renditions, strict=True)
    }
    return json.dumps(facts).encode()


def from_manifest(data: bytes, keys: list[str]) -> Processed:
    """What the earlier render found, its renditions in ``keys``' order (files not loaded)."""
    facts = json.loads(data)
    renditions = facts.pop("renditions")
    return Processed(**facts, renditions=[Rendition(files={}, **renditions[key]) for key in keys])


async def record(uow: UnitOfWork, outcome: Outcome) -> tuple[Photo, list[PhotoRendition]] | None:
    """Write the outcome; ``None`` if another run recorded one already."""
    session = uow.session
    photo = await session.get(Photo, outcome.photo_id, with_for_update=True)
    if photo is None or photo.status.is_final:
        return None
    photo.processed_at = utcnow()
    if outcome.processed is None:
        photo.status = PhotoStatus.FAILED
        photo.failure_reason = outcome.failure
        return photo, []
    processed = outcome.processed
    photo.width, photo.height = processed.width, processed.height
    photo.duration_ms = processed.duration_ms
    photo.taken_at = await _taken_at(session, photo, processed)
    renditions = [
        PhotoRendition(photo_id=photo.id, mask_key=key, placeholder=r.placeholder, width=r.width, height=r.height)
        for key, r in zip(outcome.mask_keys, processed.renditions, strict=True)
    ]
    session.add_all(renditions)
    photo.status = PhotoStatus.READY
    await session.flush()
    return photo, renditions


async def pending_keys(session: AsyncSession, photo_id: int) -> set[str]:
    """Mask keys that recipients are entitled to but that have no rendition yet."""
    rows = await session.scalars(
        select(PhotoAccess.mask_key).where(PhotoAccess.photo_id == photo_id, PhotoAccess.rendition_id.is_(None))
    )
    return set(rows)


async def add_renditions(uow: UnitOfWork, outcome: Outcome) -> bool:
    """Record renditions made after the first processing (a re-share, a withdrawn consent).

    ``False`` if the photo is gone or no longer decodes (it did before: storage trouble)."""
    session = uow.session
    photo = await session.get(Photo, outcome.photo_id, with_for_update=True)
    if photo is None or outcome.processed is None:
        return False
    have = set(await session.scalars(select(PhotoRendition.mask_key).where(PhotoRendition.photo_id == photo.id)))
    session.add_all(
        PhotoRendition(photo_id=photo.id, mask_key=key, placeholder=r.placeholder, width=r.width, height=r.height)
        for key, r in zip(outcome.mask_keys, outcome.processed.renditions, strict=True)
        if key not in have
    )
    await session.flush()
    return True


async def _taken_at(session: AsyncSession, photo: Photo, processed: Processed) -> dt.datetime | None:
    if processed.taken_at is None:
        return None
    try:
        local = dt.datetime.fromisoformat(processed.taken_at)
    except ValueError:
        return None
    if processed.taken_offset:
        return dt.datetime.fromisoformat(processed.taken_at + processed.taken_offset).astimezone(dt.UTC)
    organisation = await session.get(Organisation, photo.organisation_id)
    zone = ZoneInfo(organisation.timezone if organisation else "Europe/Amsterdam")
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


async def fail(uow: UnitOfWork, photo_id: int, reason: str) -> Photo | None:
    """Give up on a photo (retries exhausted): ``failed`` with ``reason``."""
    photo = await uow.session.get(Photo, photo_id)
    if photo is None or photo.status.is_final:
        return None
    photo.status = PhotoStatus.FAILED
    photo.failure_reason = reason
    photo.processed_at = utcnow()
    return photo
