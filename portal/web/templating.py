"""Jinja2 templates with the per-request language, CSRF token and user in context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from portal.i18n import translate
from portal.web.csrf import csrf_token, set_csrf_cookie
from portal.web.requests import language, runtime

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rt = runtime(request)
    lang = language(request)
    values: dict[str, Any] = {
        "lang": lang,
        "other_lang": "en" if lang == "nl" else "nl",
        "t": lambda key, **params: translate(key, lang, **params),
        "csrf_token": csrf_token(request, rt.settings.secret_key),
        "user": None,
        "organisation": None,
    }
    values.update(context or {})
    response = templates.TemplateResponse(
        request,
        name,
        values,
        status_code=status_code,
        headers={"cache-control": "no-store"},
    )
    set_csrf_cookie(request, response, rt.settings.https)
    return response
