"""Group tablets: a device set up for one group, which the group's staff unlock
with their personal PIN, so what they post carries their name; it locks again
after the organisation's idle time (``tablet_lock_minutes``) or when they lock it.

The device's own cookie identifies no one and opens nothing: it only makes the
device's lock screen appear. An unlock is an ordinary session of the unlocking
person (kind ``tablet``, bound to the device) that slides forward on use and
expires after the idle time; one person at a time, so a new unlock ends the last.

Registering a device needs the registering person's password and is written to
the roster's audit log. Wrong PINs count per staff ACCOUNT, on every tablet
together: each attempt is counted (one guarded UPDATE, committed) before its PIN
is even looked at, so fifty guesses at once still evaluate at most
``PIN_FAILURES_PER_ACCOUNT``. At the limit the PIN locks until the person signs
in with their password, and they are told by e-mail. Each device has its own
limit too, over all people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import AuthSession, SessionKind, TabletDevice
from portal.accounts.passwords import verify_password
from portal.accounts.pins import verify_pin
from portal.accounts.service import Principal, start_session, touch_tablet_session
from portal.accounts.tokens import new_token, token_hash
from portal.database import utcnow
from portal.errors import BadCredentials, DomainError, Forbidden, NotFound, RateLimited
from portal.ratelimit import RateLimiter
from portal.roster import audit
from portal.roster.models import Group, Location, Organisation, StaffAssignment, User
from portal.roster.queries import staff_group_ids

PIN_FAILURES_PER_ACCOUNT = 5  # wrong PINs in a row, on any tablet, before the PIN locks
PIN_FAILURES_PER_DEVICE = 20  # all people together, per PIN_DEVICE_WINDOW_SECS
PIN_DEVICE_WINDOW_SECS = 60 * 60
LABEL_MAX = 200


@dataclass(frozen=True)
class Tablet:
    """A registered device with the names its lock screen shows."""

    device: TabletDevice
    group_name: str
    location_name: str


@dataclass(frozen=True)
class Unlocker:
    """Someone who may unlock the tablet (has_pin: they set a PIN already)."""

    id: int
    name: str
    has_pin: bool


async def register(
    session: AsyncSession, principal: Principal, group_id: int, label: str, password: str
) -> tuple[str, TabletDevice]:
    """Make the caller's device the tablet of ``group_id`` (signing the caller out of
    it), confirmed with their password; returns the raw device token."""
    user = principal.user
    if not user.role.is_staff:
        raise Forbidden()
    if group_id not in await staff_group_ids(session, user):
        raise NotFound()
    if not verify_password(user.password_hash, password):
        raise BadCredentials("account.password_wrong")
    raw = new_token()
    device = TabletDevice(
        organisation_id=user.organisation_id,
        group_id=group_id,
        token_hash=token_hash(raw),
        label=label.strip()[:LABEL_MAX],
        created_by=user.id,
    )
    session.add(device)
    if principal.via == "cookie":  # a shared device keeps no one's own session: from now on, PINs
        principal.session.revoked_at = utcnow()
    group = await session.get(Group, group_id)
    audit.record(
        session, user.organisation_id, audit.Action.TABLET_REGISTERED, actor=user, group=group, reason=device.label
    )
    await session.flush()
    return raw, device


async def find(session: AsyncSession, organisation: Organisation, raw: str | None) -> Tablet | None:
    """The tablet behind a device cookie at this organisation, if it is still registered."""
    if not raw:
        return None
    row = (
        await session.execute(
            select(TabletDevice, Group.name, Location.name)
            .join(Group, Group.id == TabletDevice.group_id)
            .join(Location, Location.id == Group.location_id)
            .where(
                TabletDevice.token_hash == token_hash(raw),
                TabletDevice.organisation_id == organisation.id,
                TabletDevice.revoked_at.is_(None),
            )
        )
    ).first()
    return Tablet(row[0], row[1], row[2]) if row else None


async def unlockers(session: AsyncSession, tablet: Tablet) -> list[Unlocker]:
    """The staff assigned to the tablet's group, by name."""
    rows = await session.execute(
        select(User.id, User.display_name, User.pin_hash)
        .join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(
            StaffAssignment.group_id == tablet.device.group_id,
            User.activated_at.is_not(None),
            User.deactivated_at.is_(None),
        )
        .order_by(User.display_name)
    )
    return [Unlocker(user_id, name, pin_hash is not None) for user_id, name, pin_hash in rows]


class PinLocked(DomainError):
    """Too many wrong PINs for this person: the PIN waits for their password.
    ``just_now``: this attempt locked it (the person is told by e-mail)."""

    status = 423
    code = "pin_locked"
    message_key = "tablet.pin_locked"

    def __init__(self, *, just_now: bool = False) -> None:
        self.just_now = just_now
        super().__init__()


async def count_attempt(session: AsyncSession, limiter: RateLimiter, tablet: Tablet, user_id: int) -> int:
    """Count one PIN attempt for ``user_id`` BEFORE it is evaluated; the caller commits
    this at once. Returns which attempt in a row this is. Raises when the attempt may
    not be made at all: the device's limit (``RateLimited``), a locked PIN
    (``PinLocked``), someone who cannot unlock this tablet (``BadCredentials``,
    counted against the device)."""
    device_key = f"pin:device:{tablet.device.id}"
    if wait := await limiter.blocked_for(device_key, PIN_FAILURES_PER_DEVICE):
        raise RateLimited(wait)
    if user_id not in {u.id for u in await unlockers(session, tablet)}:
        await limiter.hit(device_key, PIN_FAILURES_PER_DEVICE, PIN_DEVICE_WINDOW_SECS)
        raise BadCredentials("tablet.pin_wrong")
    counted = await session.scalar(
        update(User)
        .where(
            User.id == user_id,
            User.pin_hash.is_not(None),
            User.pin_locked_at.is_(None),
            User.pin_failures < PIN_FAILURES_PER_ACCOUNT,
        )
        .values(pin_failures=User.pin_failures + 1)
        .returning(User.pin_failures)
        .execution_options(synchronize_session=False)
    )
    if counted is None:
        raise PinLocked()
    return counted


async def unlock(
    session: AsyncSession,
    limiter: RateLimiter,
    organisation: Organisation,
    tablet: Tablet,
    user_id: int,
    attempt: int,
    pin: str,
    secret_key: str,
) -> tuple[str, AuthSession] | BadCredentials | PinLocked:
    """Evaluate the ``attempt``-th attempt in a row, counted by ``count_attempt``: the raw
    session token, or the failure to show (returned, not raised, so a lock it causes
    is committed). A wrong PIN on the last allowed attempt locks the PIN."""
    device = tablet.device
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None  # count_attempt found them
    if not verify_pin(user.pin_hash, pin, user_id, secret_key):
        await limiter.hit(f"pin:device:{device.id}", PIN_FAILURES_PER_DEVICE, PIN_DEVICE_WINDOW_SECS)
        if attempt < PIN_FAILURES_PER_ACCOUNT:
            return BadCredentials("tablet.pin_wrong")
        locked = await session.execute(
            update(User)
            .where(User.id == user_id, User.pin_locked_at.is_(None))
            .values(pin_locked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        just_now = locked.rowcount == 1  # type: ignore[attr-defined]
        if just_now:
            group = await session.get(Group, device.group_id)
            audit.record(
                session,
                organisation.id,
                audit.Action.PIN_LOCKED,
                actor=None,
                subject=user,
                group=group,
                reason=device.label,
            )
        return PinLocked(just_now=just_now)
    user.pin_failures = 0
    await end_unlocks(session, device.id)  # one person at a time on a shared device
    idle = dt.timedelta(minutes=organisation.tablet_lock_minutes)
    raw, auth = await start_session(session, user, SessionKind.TABLET, label=device.label, lifetime=idle)
    auth.device_id = device.id
    auth.idle_seconds = int(idle.total_seconds())
    device.last_seen_at = utcnow()
    return raw, auth


def keep_unlocked(principal: Principal) -> dt.datetime:
    """The person is still using the tablet: push the lock back; returns the new lock time."""
    if principal.session.kind is not SessionKind.TABLET:
        raise Forbidden()
    touch_tablet_session(principal.session)
    assert principal.session.expires_at is not None
    return principal.session.expires_at


def lock(principal: Principal) -> None:
    """End the unlock (the lock button, or the page's idle timer)."""
    if principal.session.kind is SessionKind.TABLET:
        principal.session.revoked_at = utcnow()


async def end_unlocks(session: AsyncSession, device_id: int) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.device_id == device_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def listed(session: AsyncSession, principal: Principal) -> list[Tablet]:
    """The tablets of the groups the caller works in (managers and admins: all)."""
    groups = await staff_group_ids(session, principal.user)
    rows = await session.execute(
        select(TabletDevice, Group.name, Location.name)
        .join(Group, Group.id == TabletDevice.group_id)
        .join(Location, Location.id == Group.location_id)
        .where(TabletDevice.group_id.in_(groups), TabletDevice.revoked_at.is_(None))
        .order_by(Location.name, Group.name, TabletDevice.created_at)
    )
    return [Tablet(d, g, loc) for d, g, loc in rows]


async def revoke(session: AsyncSession, principal: Principal, device_id: int) -> None:
    """Stop a device being a tablet (lost, replaced): its lock screen and any unlock end."""
    device = await session.get(TabletDevice, device_id)
    groups = await staff_group_ids(session, principal.user)
    if device is None or device.revoked_at is not None or device.group_id not in groups:
        raise NotFound()
    device.revoked_at = utcnow()
    await end_unlocks(session, device.id)
