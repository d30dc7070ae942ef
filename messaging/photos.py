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

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from consent.policy import narrowed
from media.models import Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag
from media.pipeline import decision_for, mask_key, parse_mask_key
from messaging import audience, protocol
from messaging.broker.base import Broker
from messaging.delivery import deliver
from messaging.models import FeedItem
from portal.uow import UnitOfWork


class Mode(enum.Enum):
    SHARE = "share"
    NARROW = "narrow"


async def staff_of(session: AsyncSession, photo: Photo) -> set[int]:
    people = await audience.group_staff(session, photo.group_id)
    if photo.uploader_id is not None:
        people.add(photo.uploader_id)
    return people


async def share(uow: UnitOfWork, broker: Broker, photo: Photo, renditions: list[PhotoRendition]) -> set[str]:
    """Deliver a photo whose processing just finished (or tell the uploader it failed).

    Returns the mask keys recipients still wait for."""
    if photo.status is not PhotoStatus.READY:
        if photo.uploader_id is not None:
            await deliver(uow, broker, {photo.uploader_id}, protocol.PHOTO_UPLOAD_FAILED, photo.id)
        return set()
    return await apply(uow, broker, photo.id, Mode.SHARE)


async def apply(uow: UnitOfWork, broker: Broker, photo_id: int, mode: Mode) -> set[str]:
    """Make who-sees-what for this photo match the policy; returns mask keys still to render."""
    session = uow.session
    photo = await session.get(Photo, photo_id, with_for_update=True, populate_existing=True)
    if photo is None or photo.status not in (PhotoStatus.READY, PhotoStatus.BLOCKED):
        return set()
    if mode is Mode.NARROW and photo.status is PhotoStatus.BLOCKED:
        return set()  # nobody but staff has it; a grant does not unblock by itself
    decision = await decision_for(session, photo)
    renditions = {
        r.mask_key: r for r in await session.scalars(select(PhotoRendition).where(PhotoRendition.photo_id == photo.id))
    }
    accesses = {
        a.user_id: a for a in await session.scalars(select(PhotoAccess).where(PhotoAccess.photo_id == photo.id))
    }
    staff = await staff_of(session, photo)

    deliveries: dict[int, set[int]] = defaultdict(set)  # rendition -> users
    retractions: dict[int, set[int]] = defaultdict(set)  # old rendition -> users
    missing: set[str] = set()

    if mode is Mode.SHARE:
        plain = renditions[""]
        for user_id in staff - set(accesses):
            accesses[user_id] = PhotoAccess(photo_id=photo.id, user_id=user_id, mask_key="", rendition_id=plain.id)
            session.add(accesses[user_id])
            deliveries[plain.id].add(user_id)

    newly_blocked = bool(decision.blocked_by) and photo.status is not PhotoStatus.BLOCKED
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
                    retractions[current.rendition_id].add(user_id)
                await session.delete(current)
            continue
        key = mask_key(list(target))
        if current is not None and current.mask_key == key and current.rendition_id is not None:
            continue
        if current is not None and current.rendition_id is not None:
            retractions[current.rendition_id].add(user_id)
        if current is None:
            current = PhotoAccess(photo_id=photo.id, user_id=user_id)
            session.add(current)
        rendition = renditions.get(key)
        current.mask_key, current.rendition_id = key, rendition.id if rendition else None
        if rendition is None:
            missing.add(key)
        else:
            deliveries[rendition.id].add(user_id)
    await session.flush()

    for rendition_id, users in retractions.items():
        await retract(uow, broker, users, rendition_id)
    for rendition_id, users in deliveries.items():
        await deliver(uow, broker, users, protocol.PHOTO_SHARED, rendition_id)
    if newly_blocked:
        await deliver(uow, broker, staff, protocol.PHOTO_UPLOAD_BLOCKED, photo.id)
    return missing


async def retract(uow: UnitOfWork, broker: Broker, users: set[int], rendition_id: int) -> None:
    """Take a rendition back from ``users``: their earlier ``photo.shared`` items for it become
    retractions (gone from history and replay, ``seq`` unchanged), and a new ``photo.retracted``
    item tells connected clients now."""
    await uow.session.execute(
        update(FeedItem)
        .where(
            FeedItem.user_id.in_(users),
            FeedItem.kind == protocol.PHOTO_SHARED,
            FeedItem.ref_id == rendition_id,
        )
        .values(kind=protocol.PHOTO_RETRACTED)
    )
    await deliver(uow, broker, users, protocol.PHOTO_RETRACTED, rendition_id)


async def photos_showing(session: AsyncSession, child_id: int) -> list[int]:
    """Every photo this child is tagged in."""
    return list(
        await session.scalars(
            select(PhotoTag.photo_id).where(PhotoTag.child_id == child_id).order_by(PhotoTag.photo_id)
        )
    )


async def withdraw(uow: UnitOfWork, broker: Broker, child_id: int) -> list[int]:
    """A consent for this child was withdrawn: re-apply the policy to every photo showing it.

    Returns the photos that now wait for a masked rendition to be made."""
    waiting = []
    for photo_id in await photos_showing(uow.session, child_id):
        if await apply(uow, broker, photo_id, Mode.NARROW):
            waiting.append(photo_id)
    return waiting
