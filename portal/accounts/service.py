"""Account use cases without HTTP: log in, redeem one-time links, set passwords,
start/resolve/list/revoke sessions and bearer tokens, request a password reset.

Every lookup is scoped to the organisation the request came in on, so a token,
link or password of organisation A is worthless at organisation B. Failures
say nothing about whether an e-mail address exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import AuthSession, OneTimeToken, SessionKind, TokenPurpose
from portal.accounts.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from portal.accounts.tokens import new_token, token_hash
from portal.database import utcnow
from portal.errors import BadCredentials, Forbidden, Gone, NotFound, RateLimited
from portal.ratelimit import RateLimiter
from portal.roster.models import Organisation, User
from portal.settings import Settings
from portal.tenancy import organisation_slug, resolve_organisation

SESSION_TOUCH_SECS = 300  # write last_seen_at at most this often per session
TABLET_TOUCH_SECS = 15  # ... and a tablet unlock, whose idle time is minutes, this often
TABLET_MAX_HOURS = 12  # a tablet unlock ends after a working day, however busy
BEARER_LABEL_MAX = 200


@dataclass(frozen=True)
class Principal:
    user: User
    session: AuthSession
    via: Via


def normalise_email(email: str) -> str:
    return email.strip().lower()


# ---- one-time links -----------------------------------------------------------------


async def issue_link_token(session: AsyncSession, user: User, purpose: TokenPurpose, lifetime: dt.timedelta) -> str:
    """Create a one-time token for ``user``; returns the raw token for the link."""
    raw = new_token()
    session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(raw),
            expires_at=utcnow() + lifetime,
        )
    )
    await session.flush()
    return raw


async def peek_link_token(
    session: AsyncSession,
    organisation_id: int,
    raw: str,
    purposes: tuple[TokenPurpose, ...],
) -> tuple[User, OneTimeToken]:
    """The user a link belongs to, without using it up; raises if invalid, used or expired."""
    row = (
        await session.execute(
            select(OneTimeToken, User)
            .join(User, User.id == OneTimeToken.user_id)
            .where(
                OneTimeToken.token_hash == token_hash(raw),
                User.organisation_id == organisation_id,
            )
        )
    ).first()
    if row is None or row[0].purpose not in purposes:
        raise NotFound("auth.token_invalid")
    token, user = row
    if user.deactivated_at is not None:
        raise Gone("auth.account_ended")
    if token.used_at is not None:
        raise Gone("auth.token_used")
    if token.expires_at <= utcnow():
        raise Gone("auth.token_expired")
    return user, token


async def redeem_link_token(
    session: AsyncSession,
    organisation_id: int,
    raw: str,
    purposes: tuple[TokenPurpose, ...],
) -> User:
    """Use a link exactly once, also under concurrent requests (a guarded UPDATE)."""
    user, token = await peek_link_token(session, organisation_id, raw, purposes)
    result = await session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Gone("auth.token_used")
    return user


async def set_password_with_link(
    session: AsyncSession, organisation_id: int, raw: str, password: str, repeat: str
) -> User:
    """Activation and reset both end here: check the password, use the link, activate."""
    check_new_password(password, repeat)
    user = await redeem_link_token(session, organisation_id, raw, (TokenPurpose.ACTIVATE, TokenPurpose.RESET))
    user.password_hash = hash_password(password)
    if user.activated_at is None:
        user.activated_at = utcnow()
    # a new password ends every other session (someone else may have had the old one)
    await revoke_all_sessions(session, user)
    await session.flush()
    return user


# ---- passwords ---------------------------------------------------------------------


async def authenticate(
    session: AsyncSession,
    limiter: RateLimiter,
    settings: Settings,
    organisation: Organisation,
    email: str,
    password: str,
    client_ip: str,
) -> User:
    """The user for these credentials, or ``BadCredentials`` / ``RateLimited``.

    Both limits count failures only: the per-account one for any address, known or
    not, so its behaviour does not reveal which addresses exist; the per-IP one so
    that a busy school network where many people sign in successfully is never
    locked out. The IP is the peer's, or a configured proxy's ``X-Forwarded-For``
    (``FORWARDED_ALLOW_IPS``): a header from anyone else is ignored. A correct
    password also lifts a PIN lock (``portal.accounts.tablets``).
    """
    address = normalise_email(email)
    account_key = f"login:acct:{organisation.id}:{address}"
    ip_key = f"login:ip:{client_ip}"
    for key, limit in ((ip_key, settings.login_max_attempts_per_ip), (account_key, settings.login_max_failures)):
        if wait := await limiter.blocked_for(key, limit):
            raise RateLimited(wait)
    user = await find_user_by_email(session, organisation.id, address)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_activated:
        await limiter.hit(account_key, settings.login_max_failures, settings.login_window_seconds)
        await limiter.hit(ip_key, settings.login_max_attempts_per_ip, settings.login_window_seconds)
        raise BadCredentials()
    if user.deactivated_at is not None:  # said only to someone who knows the password
        raise Forbidden("auth.account_ended")
    await limiter.reset(account_key)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.pin_failures, user.pin_locked_at = 0, None
    return user


async def find_user_by_email(session: AsyncSession, organisation_id: int, email: str) -> User | None:
    return await session.scalar(
        select(User).where(
            User.organisation_id == organisation_id,
            User.email == normalise_email(email),
        )
    )


async def request_password_reset(session: AsyncSession, organisation_id: int, email: str) -> User | None:
    """The user to send a reset link to, if any (never an ended account). Callers answer
    the same either way."""
    user = await find_user_by_email(session, organisation_id, email)
    return user if user is not None and user.deactivated_at is None else None


# ---- sessions and bearer tokens ----------------------------------------------------


async def start_session(
    session: AsyncSession,
    user: User,
    kind: SessionKind,
    *,
    label: str = "",
    lifetime: dt.timedelta | None = None,
) -> tuple[str, AuthSession]:
    """Open a browser session or issue a bearer token; returns the raw token and the row."""
    raw = new_token()
    now = utcnow()
    auth = AuthSession(
        user_id=user.id,
        kind=kind,
        token_hash=token_hash(raw),
        label=label[:BEARER_LABEL_MAX],
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime if lifetime else None,
        # an app token slides by its lifetime on use, like a browser session by SESSION_DAYS
        idle_seconds=int(lifetime.total_seconds()) if lifetime and kind is SessionKind.BEARER else None,
    )
    session.add(auth)
    await session.flush()
    return raw, auth


Via = Literal["cookie", "bearer"]
_KINDS: dict[Via, tuple[SessionKind, ...]] = {
    "cookie": (SessionKind.BROWSER, SessionKind.TABLET),
    "bearer": (SessionKind.BEARER,),
}


def _live_session(via: Via, *, many: bool = False) -> ColumnElement[bool]:
    """A session of ``via``'s kinds, not revoked, whose token hash is ``:token_hash``
    (``many``: any of ``:token_hashes``)."""
    return and_(
        AuthSession.token_hash.in_(bindparam("token_hashes", expanding=True))
        if many
        else AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.kind.in_(_KINDS[via]),
        AuthSession.revoked_at.is_(None),
    )


# Every authenticated request runs one of these: built once, so a request pays for
# executing them and not for building and hashing the statement again.
_SESSION_AT: dict[Via, Select[AuthSession, User]] = {
    via: select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(_live_session(via), User.organisation_id == bindparam("organisation_id"), User.deactivated_at.is_(None))
    for via in _KINDS
}
_CALLER_AT: dict[Via, Select[Organisation, AuthSession, User]] = {
    via: select(Organisation, AuthSession, User)
    .select_from(Organisation)
    .outerjoin(AuthSession, _live_session(via))
    .outerjoin(
        User,
        and_(User.id == AuthSession.user_id, User.organisation_id == Organisation.id, User.deactivated_at.is_(None)),
    )
    .where(Organisation.slug == bindparam("slug"))
    for via in _KINDS
}

# A batch of callers at one organisation: the same joins, any of the token hashes.
_CALLERS_AT: dict[Via, Select[Organisation, AuthSession, User]] = {
    via: select(Organisation, AuthSession, User)
    .select_from(Organisation)
    .outerjoin(AuthSession, _live_session(via, many=True))
    .outerjoin(
        User,
        and_(User.id == AuthSession.user_id, User.organisation_id == Organisation.id, User.deactivated_at.is_(None)),
    )
    .where(Organisation.slug == bindparam("slug"))
    for via in _KINDS
}


def _principal(auth: AuthSession | None, user: User | None, via: Via, idle: dt.timedelta) -> Principal | None:
    """The principal of a session row, if it has not expired; a use slides it forward."""
    if auth is None or user is None:
        return None
    now = utcnow()
    if auth.expires_at is not None and auth.expires_at <= now:
        return None
    if auth.kind is SessionKind.TABLET:
        if (now - auth.last_seen_at).total_seconds() > TABLET_TOUCH_SECS:
            touch_tablet_session(auth)
    elif (now - auth.last_seen_at).total_seconds() > SESSION_TOUCH_SECS:
        auth.last_seen_at = now
        if auth.kind is SessionKind.BROWSER:
            auth.expires_at = now + idle
        elif auth.kind is SessionKind.BEARER and auth.expires_at is not None and auth.idle_seconds:
            auth.expires_at = now + dt.timedelta(seconds=auth.idle_seconds)
    return Principal(user=user, session=auth, via=via)


async def resolve_session(
    session: AsyncSession,
    organisation_id: int,
    raw: str,
    via: Via,
    idle: dt.timedelta,
) -> Principal | None:
    """The principal behind a cookie or bearer token at this organisation, if still valid.

    Browser sessions slide: each use moves ``expires_at`` forward by ``idle``.
    """
    params = {"token_hash": token_hash(raw), "organisation_id": organisation_id}
    row = (await session.execute(_SESSION_AT[via], params)).first()
    return _principal(row[0], row[1], via, idle) if row is not None else None


async def resolve_caller(
    session: AsyncSession,
    host: str,
    settings: Settings,
    raw: str | None,
    via: Via,
    idle: dt.timedelta,
) -> tuple[Organisation, Principal | None]:
    """The organisation of ``host`` and, if ``raw`` is a live session there, its
    principal: one query for both, as every authenticated request needs them."""
    slug = organisation_slug(host, settings)
    if raw is None or slug is None:
        organisation = await resolve_organisation(session, host, settings)
        return organisation, await resolve_session(session, organisation.id, raw, via, idle) if raw else None
    row = (await session.execute(_CALLER_AT[via], {"token_hash": token_hash(raw), "slug": slug})).first()
    if row is None:
        raise NotFound("error.org_not_found")
    organisation, auth, user = row
    return organisation, _principal(auth, user, via, idle)


@dataclass(frozen=True)
class Caller:
    """One caller to resolve in a batch: the Host it came in on and its cookie or token."""

    host: str
    raw: str
    via: Via


async def resolve_callers(
    session: AsyncSession, settings: Settings, callers: Sequence[Caller], idle: dt.timedelta
) -> list[Principal | NotFound | None]:
    """``resolve_caller`` for many callers at once (a reconnect storm's hellos): one
    query per organisation and kind of credential, however many callers. Each gets its
    principal, ``None`` (no live session) or ``NotFound`` (no such organisation)."""
    results: list[Principal | NotFound | None] = [None] * len(callers)
    by_target: dict[tuple[str, Via], list[int]] = {}
    for index, caller in enumerate(callers):
        slug = organisation_slug(caller.host, settings)
        if slug is None:  # only the database can tell the organisation: the one-by-one path
            try:
                results[index] = (await resolve_caller(session, caller.host, settings, caller.raw, caller.via, idle))[1]
            except NotFound as error:
                results[index] = error
            continue
        by_target.setdefault((slug, caller.via), []).append(index)
    for (slug, via), indexes in by_target.items():
        hashes = {token_hash(callers[i].raw) for i in indexes}
        found: dict[str, tuple[AuthSession, User | None]] = {}
        organisation_exists = False
        ordered = sorted(hashes)
        for start in range(0, len(ordered), LIVE_CHECK_CHUNK):
            chunk = ordered[start : start + LIVE_CHECK_CHUNK]
            rows = await session.execute(_CALLERS_AT[via], {"slug": slug, "token_hashes": chunk})
            for _, auth, user in rows:
                organisation_exists = True
                if auth is not None:
                    found[auth.token_hash] = (auth, user)
        for i in indexes:
            if not organisation_exists:
                results[i] = NotFound("error.org_not_found")
            elif (match := found.get(token_hash(callers[i].raw))) is not None:
                results[i] = _principal(match[0], match[1], via, idle)
    return results


def touch_tablet_session(auth: AuthSession) -> None:
    """Someone used the unlocked tablet: it locks ``idle_seconds`` from now (within
    the working-day cap)."""
    now = utcnow()
    auth.last_seen_at = now
    auth.expires_at = min(
        now + dt.timedelta(seconds=auth.idle_seconds or 0),
        auth.created_at + dt.timedelta(hours=TABLET_MAX_HOURS),
    )


async def sessions_ended_between(session: AsyncSession, since: dt.datetime, until: dt.datetime) -> set[int]:
    """Sessions revoked since ``since``, or whose end came between ``since`` and ``until``
    (a tablet that locked itself, a browser session left idle): what a node's open
    sockets must let go of. Both columns are indexed: the cost follows the endings,
    not the number of sessions."""
    rows = await session.scalars(
        select(AuthSession.id).where(
            or_(
                AuthSession.revoked_at >= since,
                and_(AuthSession.expires_at >= since, AuthSession.expires_at <= until),
            )
        )
    )
    return set(rows)


LIVE_CHECK_CHUNK = 1000


async def live_sessions(session: AsyncSession, ids: Collection[int]) -> set[int]:
    """Which of ``ids`` are sessions that exist and have neither been revoked nor run out."""
    wanted, now = sorted(ids), utcnow()
    live: set[int] = set()
    for start in range(0, len(wanted), LIVE_CHECK_CHUNK):
        rows = await session.scalars(
            select(AuthSession.id).where(
                AuthSession.id.in_(wanted[start : start + LIVE_CHECK_CHUNK]),
                AuthSession.revoked_at.is_(None),
                or_(AuthSession.expires_at.is_(None), AuthSession.expires_at > now),
            )
        )
        live.update(rows)
    return live


async def list_sessions(session: AsyncSession, user: User) -> list[AuthSession]:
    now = utcnow()
    rows = await session.scalars(
        select(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .order_by(AuthSession.last_seen_at.desc())
    )
    return [s for s in rows if s.expires_at is None or s.expires_at > now]


async def revoke_session(session: AsyncSession, user: User, session_id: int) -> None:
    auth = await session.get(AuthSession, session_id)
    if auth is None or auth.user_id != user.id or auth.revoked_at is not None:
        raise NotFound()
    auth.revoked_at = utcnow()


async def revoke_all_sessions(session: AsyncSession, user: User, keep: int | None = None) -> int:
    """End every session of ``user`` (but ``keep``); returns how many were still open."""
    statement = update(AuthSession).where(
        AuthSession.user_id == user.id,
        AuthSession.revoked_at.is_(None),
        or_(AuthSession.expires_at.is_(None), AuthSession.expires_at > utcnow()),
    )
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    result = await session.execute(statement.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
