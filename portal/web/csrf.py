"""CSRF protection for cookie-authenticated requests (signed double-submit).

Each browser gets a random value in an HttpOnly ``SameSite=Strict`` cookie;
forms carry that value signed with the secret key (itsdangerous), JSON calls
send it in ``X-CSRF-Token``. A request from another site can neither read the
cookie nor forge the signature. Bearer-token clients are exempt: browsers never
attach their credentials by themselves.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from portal.errors import CsrfFailed

COOKIE = "schriftje_csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="schriftje.csrf")


def csrf_seed(request: Request) -> str:
    """This browser's CSRF value, creating one for this request if it has none."""
    seed = request.cookies.get(COOKIE) or getattr(request.state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
    return str(seed)


def csrf_token(request: Request, secret: str) -> str:
    """The token to embed in a form or page for this browser."""
    return str(_serializer(secret).dumps(csrf_seed(request)))


def verify_csrf(request: Request, submitted: str | None, secret: str) -> None:
    cookie = request.cookies.get(COOKIE)
    if not cookie or not submitted:
        raise CsrfFailed()
    try:
        value = _serializer(secret).loads(submitted)
    except BadSignature:
        raise CsrfFailed() from None
    if not isinstance(value, str) or not hmac.compare_digest(value, cookie):
        raise CsrfFailed()


def set_csrf_cookie(request: Request, response: Response, secure: bool) -> None:
    """Persist the seed if this request created one."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed and request.cookies.get(COOKIE) != seed:
        response.set_cookie(COOKIE, seed, httponly=True, samesite="strict", secure=secure, path="/")
