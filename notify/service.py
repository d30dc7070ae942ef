"""Subscriptions and preferences: what a user's devices and choices are, and changing
them. Nothing here sends; ``notify.dispatch`` reads what is set here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify import kinds
from notify.models import NotifyPreference, OrganisationNotify, PushSubscription
from portal.accounts.models import AuthSession
from portal.accounts.profile import device_name
from portal.database import utcnow
from portal.errors import InvalidInput, NotFound
from portal.roster.models import User

DEFAULT_QUIET = (dt.time(20, 0), dt.time(7, 0))
MAX_ENDPOINT_CHARS = 2000
MAX_DEVICES = 20


@dataclass(frozen=True)
class Preferences:
    kinds: tuple[str, ...]
    quiet_from: dt.time | None
    quiet_until: dt.time | None
    preview: bool
    digest: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "kinds": list(self.kinds),
            "quiet_from": self.quiet_from.strftime("%H:%M") if self.quiet_from else None,
            "quiet_until": self.quiet_until.strftime("%H:%M") if self.quiet_until else None,
            "preview": self.preview,
            "digest": self.digest,
        }


def defaults(user: User) -> Preferences:
    return Preferences(kinds.categories_for(user.role.is_staff), *DEFAULT_QUIET, preview=False, digest=False)


def from_row(user: User, row: NotifyPreference | None) -> Preferences:
    if row is None:
        return defaults(user)
    allowed = kinds.categories_for(user.role.is_staff)
    return Preferences(
        tuple(k for k in allowed if k in row.kinds), row.quiet_from, row.quiet_until, row.preview, row.digest
    )


async def preferences(session: AsyncSession, user: User) -> Preferences:
    return from_row(user, await session.get(NotifyPreference, user.id))


def _time(value: object, field: str) -> dt.time | None:
    if value in (None, ""):
        return None
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("notify.bad_time", field=field) from None


async def update_preferences(session: AsyncSession, user: User, changes: dict[str, object]) -> Preferences:
    """Change some preferences (the keys given); unknown categories are refused."""
    current = await preferences(session, user)
    allowed = kinds.categories_for(user.role.is_staff)
    chosen = current.kinds
    if "kinds" in changes:
        wanted = changes["kinds"]
        if not isinstance(wanted, list) or any(k not in allowed for k in wanted):
            raise InvalidInput("notify.bad_kinds", allowed=", ".join(allowed))
        chosen = tuple(k for k in allowed if k in wanted)
    quiet_from = _time(changes["quiet_from"], "quiet_from") if "quiet_from" in changes else current.quiet_from
    quiet_until = _time(changes["quiet_until"], "quiet_until") if "quiet_until" in changes else current.quiet_until
    if (quiet_from is None) != (quiet_until is None):
        raise InvalidInput("notify.quiet_half")
    row = await session.get(NotifyPreference, user.id)
    if row is None:
        row = NotifyPreference(user_id=user.id)
        session.add(row)
    row.kinds = list(chosen)
    row.quiet_from, row.quiet_until = quiet_from, quiet_until
    row.preview = bool(changes.get("preview", current.preview))
    row.digest = bool(changes.get("digest", current.digest))
    await session.flush()
    return from_row(user, row)


async def organisation_settings(session: AsyncSession, organisation_id: int) -> OrganisationNotify:
    found = await session.get(OrganisationNotify, organisation_id)
    return found or OrganisationNotify(organisation_id=organisation_id, urgent_kinds=[], digest_at=dt.time(18, 30))


async def update_organisation(
    session: AsyncSession, organisation_id: int, changes: dict[str, object]
) -> OrganisationNotify:
    """The organisation's urgent categories (they break quiet hours) and its digest time."""
    row = await session.get(OrganisationNotify, organisation_id)
    if row is None:
        row = OrganisationNotify(organisation_id=organisation_id, urgent_kinds=[], digest_at=dt.time(18, 30))
        session.add(row)
    if "urgent_kinds" in changes:
        wanted = changes["urgent_kinds"]
        if not isinstance(wanted, list) or any(k not in kinds.ALL_CATEGORIES for k in wanted):
            raise InvalidInput("notify.bad_kinds", allowed=", ".join(kinds.ALL_CATEGORIES))
        row.urgent_kinds = [k for k in kinds.ALL_CATEGORIES if k in wanted]
    if "digest_at" in changes:
        digest_at = _time(changes["digest_at"], "digest_at")
        if digest_at is None:
            raise InvalidInput("notify.bad_time", field="digest_at")
        row.digest_at = digest_at
    await session.flush()
    return row


def organisation_dict(row: OrganisationNotify) -> dict[str, object]:
    return {"urgent_kinds": list(row.urgent_kinds), "digest_at": row.digest_at.strftime("%H:%M")}


def in_quiet_hours(prefs: Preferences, local: dt.time) -> bool:
    start, end = prefs.quiet_from, prefs.quiet_until
    if start is None or end is None or start == end:
        return False
    return start <= local < end if start < end else (local >= start or local < end)


# ---- devices ---------------------------------------------------------------------


def allowed_host(host: str | None, allowed: str) -> bool:
    """Whether ``host`` is one of the push services (``SCHRIFTJE_PUSH_SERVICES``): a browser's
    subscription names where Schriftje will send, so it may only name a push service."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    for entry in (e.strip().lower() for e in allowed.split(",") if e.strip()):
        if host == entry or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def _check_subscription(endpoint: object, p256dh: object, auth: object, allowed: str) -> tuple[str, str, str]:
    if not isinstance(endpoint, str) or not isinstance(p256dh, str) or not isinstance(auth, str):
        raise InvalidInput("notify.bad_subscription")
    if len(endpoint) > MAX_ENDPOINT_CHARS or not (40 <= len(p256dh) <= 200) or not (10 <= len(auth) <= 100):
        raise InvalidInput("notify.bad_subscription")
    parts = urlsplit(endpoint)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (parts.scheme != "https" and not loopback) or not allowed_host(parts.hostname, allowed):
        raise InvalidInput("notify.unknown_push_service", host=parts.hostname or "?")
    return endpoint, p256dh, auth


async def subscribe(
    session: AsyncSession, user: User, session_id: int | None, raw: dict[str, object], label: str, allowed: str
) -> PushSubscription:
    """Add (or take over) this browser's subscription; the same endpoint again updates it."""
    keys = raw.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    endpoint, p256dh, auth = _check_subscription(raw.get("endpoint"), keys.get("p256dh"), keys.get("auth"), allowed)
    found = await session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if found is None:
        count = len(list(await session.scalars(select(PushSubscription.id).where(PushSubscription.user_id == user.id))))
        if count >= MAX_DEVICES:
            raise InvalidInput("notify.too_many_devices", max=MAX_DEVICES)
        found = PushSubscription(endpoint=endpoint)
        session.add(found)
    found.user_id, found.session_id = user.id, session_id
    found.p256dh, found.auth, found.label = p256dh, auth, label[:200]
    await session.flush()
    return found


async def devices(session: AsyncSession, user: User) -> list[PushSubscription]:
    """The user's devices that still receive: one whose login ended (logged out there) goes."""
    rows = list(
        await session.scalars(
            select(PushSubscription).where(PushSubscription.user_id == user.id).order_by(PushSubscription.id)
        )
    )
    now = utcnow()
    live = set(
        await session.scalars(
            select(AuthSession.id).where(
                AuthSession.id.in_([r.session_id for r in rows if r.session_id is not None]),
                AuthSession.revoked_at.is_(None),
                or_(AuthSession.expires_at.is_(None), AuthSession.expires_at > now),
            )
        )
    )
    ended = [r.id for r in rows if r.session_id not in live]
    if ended:
        await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ended)))
    return [r for r in rows if r.session_id in live]


async def remove_device(session: AsyncSession, user: User, subscription_id: int) -> None:
    found = await session.get(PushSubscription, subscription_id)
    if found is None or found.user_id != user.id:
        raise NotFound("notify.no_device")
    await session.delete(found)
    await session.flush()


async def remove_endpoint(session: AsyncSession, user: User, endpoint: str) -> bool:
    result = await session.execute(
        delete(PushSubscription).where(PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint)
    )
    return bool(getattr(result, "rowcount", 0))


def device_dict(row: PushSubscription, current_endpoint: str | None = None) -> dict[str, object]:
    return {
        "id": row.id,
        "label": device_name(row.label),
        "push_service": urlsplit(row.endpoint).hostname,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "last_push_at": row.last_push_at.isoformat() if row.last_push_at else None,
        "this_device": current_endpoint == row.endpoint,
    }
