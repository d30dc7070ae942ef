"""Photos in the feed: who receives a processed photo, in which rendition, and taking
it back when consent is withdrawn.

``apply`` runs the consent policy (``consent.policy``) for one photo with the
consents as they are now and makes ``PhotoAccess`` match it: every recipient
gets the rendition computed for them through the same feed path as messages
(``photo.shared``, one delivery per rendition); a recipient who may no longer
see what they have gets ``photo.retracted`` (a ``retract`` frame), and their
earlier ``photo.shared`` items are rewritten to retractions, so the photo is
gone from history and replay too. Where a recipient now needs a masked
rendition that does not exist yet, the access row waits with an empty
rendition (nothing is served) and the caller has the worker render it.

Two modes:

* ``SHARE`` (first delivery, staff re-share): the policy as it is now, new
  recipients included.
* ``NARROW`` (a consent was withdrawn): only people who already have the photo,
  and never less masked than they had: a grant does not republish by itself.

The group's staff and the uploader always have the plain rendition.
A failed photo tells its uploader (``photo_upload.failed``); a blocked one its
group's staff (``photo_upload.blocked``, naming the children that block it).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from consent.policy import Decision, narrowed
from media.models import Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag
from media.pipeline import decisions_for, mask_key, parse_mask_key
from media.storage import Storage, object_key
from messaging import audience, protocol
from messaging.archive import stale
from messaging.broker.base import Broker
from messaging.delivery import deliver, deliver_many
from messaging.models import FeedItem
from portal.errors import NotFound
from portal.roster.models import Role, User
from portal.roster.queries import works_in
from portal.uow import UnitOfWork

WITHDRAW_CHUNK = 500  # photos judged per round: bounded memory and statement sizes


class Mode(enum.Enum):
    SHARE = "share"
    NARROW = "narrow"


async def share(uow: UnitOfWork, broker: Broker, photo: Photo) -> set[str]:
    """Deliver a photo whose processing just finished (or tell the uploader it failed).

    Returns the mask keys recipients still wait for."""
    if photo.status is not PhotoStatus.READY:
        if photo.uploader_id is not None:
            await deliver(uow, broker, {photo.uploader_id}, protocol.PHOTO_UPLOAD_FAILED, photo.id)
        return set()
    return await apply(uow, broker, photo.id, Mode.SHARE)


async def apply(uow: UnitOfWork, broker: Broker, photo_id: int, mode: Mode, storage: Storage | None = None) -> set[str]:
    """Make who-sees-what for this photo match the policy; returns mask keys still to render."""
    return (await apply_many(uow, broker, [photo_id], mode, storage)).get(photo_id, set())


@dataclass
class _Changes:
    """What applying the policy to a set of photos sends, in order."""

    retractions: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # old rendition -> users
    deliveries: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # rendition -> users
    blocked: dict[int, set[int]] = field(default_factory=dict)  # newly blocked photo -> its staff


async def apply_many(
    uow: UnitOfWork, broker: Broker, photo_ids: list[int], mode: Mode, storage: Storage | None = None
) -> dict[int, set[str]]:
    """``apply`` for many photos, reading everything once and delivering in one go.
    Archives holding a photo someone lost (or now gets more masked) go stale, their
    ZIPs deleted from ``storage`` after commit.

    Returns, per photo, the mask keys recipients still wait for (photos with none left out)."""
    session = uow.session
    found = await session.scalars(
        select(Photo)
        .where(Photo.id.in_(sorted(photo_ids)))
        .order_by(Photo.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    photos = [p for p in found if p.status in (PhotoStatus.READY, PhotoStatus.BLOCKED)]
    if mode is Mode.NARROW:
        photos = [p for p in photos if p.status is PhotoStatus.READY]  # a grant does not unblock by itself
    if not photos:
        return {}
    ids = [p.id for p in photos]
    decisions = await decisions_for(session, photos)
    renditions: dict[int, dict[str, PhotoRendition]] = defaultdict(dict)
    for r in await session.scalars(select(PhotoRendition).where(PhotoRendition.photo_id.in_(ids))):
        renditions[r.photo_id][r.mask_key] = r
    accesses: dict[int, dict[int, PhotoAccess]] = defaultdict(dict)
    for a in await session.scalars(select(PhotoAccess).where(PhotoAccess.photo_id.in_(ids))):
        accesses[a.photo_id][a.user_id] = a
    staff_by_group = {g: await audience.group_staff(session, g) for g in {p.group_id for p in photos}}

    changes = _Changes()
    missing: dict[int, set[str]] = {}
    for photo in photos:
        staff = set(staff_by_group[photo.group_id]) | ({photo.uploader_id} if photo.uploader_id else set())
        waiting = _apply_one(
            session, photo, decisions[photo.id], renditions[photo.id], accesses[photo.id], staff, mode, changes
        )
        if waiting:
            missing[photo.id] = waiting
    await session.flush()

    by_users: dict[frozenset[int], list[int]] = defaultdict(list)
    for rendition_id, retracted_from in changes.retractions.items():
        by_users[frozenset(retracted_from)].append(rendition_id)
    for people, rendition_ids in by_users.items():
        await rewrite_as_retracted(session, people, rendition_ids)
    if changes.retractions:
        photo_of = {r.id: r.photo_id for by_key in renditions.values() for r in by_key.values()}
        touched = {photo_of[r] for r in changes.retractions if r in photo_of}
        losers = {u for users in changes.retractions.values() for u in users}
        await stale.invalidate(uow, losers, photos=touched, storage=storage)
    await deliver_many(
        uow,
        broker,
        [(users, protocol.PHOTO_RETRACTED, r) for r, users in sorted(changes.retractions.items())]
        + [(users, protocol.PHOTO_SHARED, r) for r, users in sorted(changes.deliveries.items())]
        + [(staff, protocol.PHOTO_UPLOAD_BLOCKED, p) for p, staff in sorted(changes.blocked.items())],
    )
    return missing


def _apply_one(
    session: AsyncSession,
    photo: Photo,
    decision: Decision,
    renditions: dict[str, PhotoRendition],
    accesses: dict[int, PhotoAccess],
    staff: set[int],
    mode: Mode,
    changes: _Changes,
) -> set[str]:
    """Bring one photo's access rows in line with its decision; note what to send."""
    missing: set[str] = set()
    if mode is Mode.SHARE:
        plain = renditions[""]
        for user_id in staff - set(accesses):
            accesses[user_id] = PhotoAccess(photo_id=photo.id, user_id=user_id, mask_key="", rendition_id=plain.id)
            session.add(accesses[user_id])
            changes.deliveries[plain.id].add(user_id)

    if decision.blocked_by and photo.status is not PhotoStatus.BLOCKED:
        changes.blocked[photo.id] = staff
    photo.status = PhotoStatus.BLOCKED if decision.blocked_by else PhotoStatus.READY
    photo.blocked_by = mask_key(list(decision.blocked_by))

    for user_id in sorted(set(decision.renditions) | set(accesses)):
        if user_id in staff:
            continue
        current = accesses.get(user_id)
        target = decision.renditions.get(user_id)
        if mode is Mode.NARROW:
            if current is None:
                continue
            target = narrowed(target, parse_mask_key(current.mask_key))
        if target is None:
            if current is not None:
                if current.rendition_id is not None:
                    changes.retractions[current.rendition_id].add(user_id)
                session.sync_session.delete(current)
            continue
        key = mask_key(list(target))
        if current is not None and current.mask_key == key and current.rendition_id is not None:
            continue
        if current is not None and current.rendition_id is not None:
            changes.retractions[current.rendition_id].add(user_id)
        if current is None:
            current = PhotoAccess(photo_id=photo.id, user_id=user_id)
            session.add(current)
        rendition = renditions.get(key)
        current.mask_key, current.rendition_id = key, rendition.id if rendition else None
        if rendition is None:
            missing.add(key)
        else:
            changes.deliveries[rendition.id].add(user_id)
    return missing


async def rewrite_as_retracted(session: AsyncSession, users: frozenset[int], rendition_ids: list[int]) -> None:
    """Earlier ``photo.shared`` items become retractions: gone from history and replay, ``seq`` unchanged."""
    await session.execute(
        update(FeedItem)
        .where(
            FeedItem.user_id.in_(users),
            FeedItem.kind == protocol.PHOTO_SHARED,
            FeedItem.ref_id.in_(rendition_ids),
        )
        .values(kind=protocol.PHOTO_RETRACTED)
    )


async def photos_showing(session: AsyncSession, child_id: int) -> list[int]:
    """Every photo this child is tagged in."""
    rows = await session.scalars(select(PhotoTag.photo_id).where(PhotoTag.child_id == child_id))
    return sorted(set(rows))


async def withdraw(uow: UnitOfWork, broker: Broker, child_id: int, storage: Storage | None = None) -> list[int]:
    """A consent for this child was withdrawn: re-apply the policy to every photo showing it
    (and make the archives holding one stale).

    Returns the photos that now wait for a masked rendition to be made."""
    photo_ids = await photos_showing(uow.session, child_id)
    waiting: list[int] = []
    for start in range(0, len(photo_ids), WITHDRAW_CHUNK):
        chunk = photo_ids[start : start + WITHDRAW_CHUNK]
        waiting.extend(sorted(await apply_many(uow, broker, chunk, Mode.NARROW, storage)))
    return waiting


async def delete_photo(uow: UnitOfWork, broker: Broker, storage: Storage, user: User, photo_id: int) -> None:
    """Staff take back a photo they posted, everywhere: its uploader while they work in its
    group, or a manager or admin. Everyone who had it gets ``photo.retracted`` (their
    earlier ``photo.shared`` items replay as retractions), every archive holding it goes
    stale, the rows go, and after commit every rendition and the original leave storage."""
    session = uow.session
    photo = await session.get(Photo, photo_id, with_for_update=True)
    if photo is None or photo.organisation_id != user.organisation_id:
        raise NotFound()
    may = user.role in (Role.MANAGER, Role.ADMIN) or (
        photo.uploader_id == user.id and await works_in(session, user, photo.group_id)
    )
    if not may:
        raise NotFound()
    holders: dict[int, set[int]] = defaultdict(set)  # rendition -> who has it
    for access in await session.scalars(select(PhotoAccess).where(PhotoAccess.photo_id == photo.id)):
        if access.rendition_id is not None:
            holders[access.rendition_id].add(access.user_id)
    for rendition_id, users in holders.items():
        await rewrite_as_retracted(session, frozenset(users), [rendition_id])
    await deliver_many(uow, broker, [(users, protocol.PHOTO_RETRACTED, r) for r, users in sorted(holders.items())])
    everyone = {u for users in holders.values() for u in users}
    await stale.invalidate(uow, everyone, photos=[photo.id], storage=storage)
    folder = object_key(photo.organisation_id, "photos", str(photo.id)) + "/"
    await session.execute(delete(Photo).where(Photo.id == photo.id))

    async def remove_files() -> None:
        await storage.delete_prefix(folder)

    uow.after_commit(remove_files)
