"""Shared response helpers: the session and tablet cookies, JSON bodies, safe redirects."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.errors import InvalidInput, PayloadTooLarge
from portal.settings import Settings
from portal.web.requests import SESSION_COOKIE, TABLET_COOKIE

MAX_JSON_BYTES = 64 * 1024
TABLET_COOKIE_DAYS = 400  # the longest a browser keeps a cookie


def _set_cookie(response: Response, name: str, value: str, settings: Settings, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=settings.https, path="/")


def _clear_cookie(response: Response, name: str, settings: Settings) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=settings.https)


def set_session_cookie(response: Response, token: str, settings: Settings, *, persistent: bool = True) -> None:
    """``persistent=False``: a cookie the browser forgets when it closes (tablet unlocks)."""
    _set_cookie(response, SESSION_COOKIE, token, settings, settings.session_days * 86400 if persistent else None)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    _clear_cookie(response, SESSION_COOKIE, settings)


def set_tablet_cookie(response: Response, token: str, settings: Settings) -> None:
    _set_cookie(response, TABLET_COOKIE, token, settings, TABLET_COOKIE_DAYS * 86400)


def clear_tablet_cookie(response: Response, settings: Settings) -> None:
    _clear_cookie(response, TABLET_COOKIE, settings)


def redirect(path: str) -> RedirectResponse:
    """A 303 to a local path only (never an open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        path = "/"
    return RedirectResponse(path, status_code=303)


def content_length(request: Request) -> int:
    """The declared body size; a missing or nonsensical header counts as 0 (the body is
    still counted as it arrives)."""
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isascii() and raw.isdigit() else 0


async def json_body(request: Request) -> dict[str, Any]:
    if content_length(request) > MAX_JSON_BYTES:
        raise PayloadTooLarge()
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise PayloadTooLarge()
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise InvalidInput(detail="body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput(detail="body must be a JSON object")
    return data


def json_text(data: dict[str, Any], name: str, *, max_len: int = 1024) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > max_len:
        raise InvalidInput(detail=f"'{name}' must be a string of at most {max_len} characters")
    return value


def to_login(request: Request) -> RedirectResponse:
    """To the login page, which comes back here after signing in (home is where it goes
    anyway); on a group tablet to its lock screen."""
    if request.cookies.get(TABLET_COOKIE) and request.url.path != "/tablet":
        return redirect("/tablet")
    if request.url.path == "/":
        return redirect("/login")
    return redirect("/login?" + urlencode({"next": request.url.path}))
