"""The one family of expected failures: each kind has an HTTP status, a stable code,
a WebSocket close code and a message in Dutch and English.

Services raise these; the app's single handler renders ``{"error": code,
"detail": message}`` for the API and a friendly page for browsers. "Does not
exist" and "not yours" are both ``NotFound`` so nobody can probe for other
families' data.
"""

from __future__ import annotations

from typing import ClassVar

from portal.i18n import translate


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_input"
    ws_close_code: ClassVar[int] = 4400
    message_key: ClassVar[str] = "error.invalid_input"

    def __init__(self, message_key: str | None = None, /, **params: object) -> None:
        self.key = message_key or self.message_key
        self.params = params
        super().__init__(self.key)

    def message(self, lang: str) -> str:
        return translate(self.key, lang, **self.params)

    def headers(self) -> dict[str, str]:
        return {}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"

    def __init__(self, message_key: str | None = None, /, **params: object) -> None:
        params.setdefault("detail", "")
        super().__init__(message_key, **params)


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    ws_close_code = 4401
    message_key = "error.unauthenticated"


class SignInFirst(Unauthenticated):
    """A page (not an API call or an image) asked by someone not signed in: the web
    layer answers with the login page, which returns to the page afterwards."""


class BadCredentials(Unauthenticated):
    code = "bad_credentials"
    message_key = "auth.bad_credentials"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    ws_close_code = 4403
    message_key = "error.forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message_key = "error.csrf"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    ws_close_code = 4404
    message_key = "error.not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message_key = "error.conflict"


class Gone(DomainError):
    """A one-time link that was used or expired: the page says which and offers a new one."""

    status = 410
    code = "link_gone"
    message_key = "auth.token_expired"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"
    ws_close_code = 4413
    message_key = "error.too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_type"
    message_key = "error.unsupported_type"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    ws_close_code = 4429
    message_key = "error.rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after = max(1, retry_after_seconds)
        super().__init__(minutes=max(1, -(-self.retry_after // 60)))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
