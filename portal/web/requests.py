"""Per-request helpers for handlers: the runtime, the language, the organisation,
who is calling (session cookie or bearer token) and CSRF-checked form reading.

Handlers stay thin: they call these, then a service, then render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request

from portal.accounts.service import Principal, resolve_caller
from portal.database import is_id
from portal.errors import CsrfFailed, Forbidden, SignInFirst, Unauthenticated
from portal.i18n import negotiate
from portal.roster.models import Organisation, Role
from portal.runtime import Runtime
from portal.tenancy import resolve_organisation
from portal.web.csrf import FORM_FIELD, HEADER, verify_csrf

SESSION_COOKIE = "schriftje_session"
TABLET_COOKIE = "schriftje_tablet"  # a group tablet's device token (see portal.accounts.tablets)
LANG_COOKIE = "schriftje_lang"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_FORM_FIELDS = 50


def runtime(conn: HTTPConnection) -> Runtime:
    rt: Runtime = conn.app.state.runtime
    return rt


def language(conn: HTTPConnection) -> str:
    return negotiate(
        conn.cookies.get(LANG_COOKIE),
        conn.headers.get("accept-language"),
        runtime(conn).settings.language,
    )


def client_ip(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


def bearer_token(conn: HTTPConnection) -> str | None:
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class Caller:
    organisation: Organisation
    principal: Principal | None

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated()
        return self.principal


async def identify(request: Request, session: AsyncSession, *, authenticate: bool = True) -> Caller:
    """The organisation of this Host and, if any, the signed-in principal.

    A cookie-authenticated API call that changes something must carry the CSRF
    header; HTML forms are checked by ``read_form``. Endpoints that authenticate
    by other means (a password) pass ``authenticate=False``.
    """
    rt = runtime(request)
    host = request.headers.get("host", "")
    if not authenticate:
        return Caller(await resolve_organisation(session, host, rt.settings), None)
    idle = dt.timedelta(days=rt.settings.session_days)
    token = bearer_token(request)
    cookie = None if token else request.cookies.get(SESSION_COOKIE)
    organisation, principal = await resolve_caller(
        session, host, rt.settings, token or cookie, "bearer" if token else "cookie", idle
    )
    if token and principal is None:
        raise Unauthenticated()
    if cookie and principal is not None and request.method in UNSAFE_METHODS and request.url.path.startswith("/api/"):
        verify_csrf(request, request.headers.get(HEADER), rt.settings.secret_key)
    # for render(): the page of an unlocked group tablet locks itself after this long
    request.state.tablet_lock_secs = principal.session.idle_seconds if principal is not None else None
    return Caller(organisation, principal)


def signed_in(caller: Caller, *roles: Role) -> Principal:
    """For pages: the signed-in principal (with one of ``roles``, if given); a visitor
    who is not signed in goes to the login page and comes back (``SignInFirst``)."""
    if caller.principal is None:
        raise SignInFirst()
    return require_role(caller, *roles)


def require_role(caller: Caller, *roles: Role) -> Principal:
    principal = caller.user
    if roles and principal.user.role not in roles:
        raise Forbidden()
    return principal


async def read_form(request: Request, *, max_files: int = 0, max_part_size: int = 1024 * 1024) -> FormData:
    """The submitted form, after checking its CSRF token."""
    form = await request.form(max_files=max_files, max_fields=MAX_FORM_FIELDS, max_part_size=max_part_size)
    submitted = form.get(FORM_FIELD)
    try:
        verify_csrf(request, submitted if isinstance(submitted, str) else None, runtime(request).settings.secret_key)
    except CsrfFailed:
        await form.close()  # an uploaded file's spool goes with it
        raise
    return form


def form_id(form: FormData, name: str) -> int | None:
    """A form field naming a row: digits that fit an id, else ``None``."""
    raw = form_text(form, name).strip()
    return int(raw) if raw.isascii() and raw.isdigit() and is_id(int(raw)) else None


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""
