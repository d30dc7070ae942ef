"""Jinja2 templates with the per-request language, CSRF token and user in context (and,
on an unlocked group tablet, its idle time, so the page locks itself), and
``page_context``: what every signed-in page shows around its content (the leaving
deadline of a guardian's departed child)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from portal.i18n import format_date, format_moment, format_month, format_weekday, translate
from portal.roster.models import Organisation, User
from portal.roster.queries import deadlines_for
from portal.web.csrf import csrf_token, set_csrf_cookie
from portal.web.requests import language, runtime

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


async def page_context(session: AsyncSession, organisation: Organisation, user: User) -> dict[str, Any]:
    """The organisation, the user and their leaving deadlines, for ``base.html``."""
    return {"organisation": organisation, "user": user, "deadlines": await deadlines_for(session, user, organisation)}


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    rt = runtime(request)
    lang = language(request)
    values: dict[str, Any] = {
        "lang": lang,
        "other_lang": "en" if lang == "nl" else "nl",
        "t": lambda key, **params: translate(key, lang, **params),
        "date": lambda day: format_date(dt.date.fromisoformat(day) if isinstance(day, str) else day, lang),
        "weekday": lambda day: format_weekday(dt.date.fromisoformat(day) if isinstance(day, str) else day, lang),
        "month_title": lambda day: format_month(day.year, day.month, lang),
        "parts": lambda dagdelen: " + ".join(translate(f"planning.dagdeel.{d}", lang) for d in dagdelen),
        "deadlines": [],
        "csrf_token": csrf_token(request, rt.settings.secret_key),
        "user": None,
        "organisation": None,
    }
    values["tablet_lock_secs"] = getattr(request.state, "tablet_lock_secs", None)
    values.update(context or {})
    zone = values["organisation"].timezone if values["organisation"] is not None else "UTC"
    values["datetime"] = lambda moment: format_moment(moment, zone, lang)
    response = templates.TemplateResponse(
        request,
        name,
        values,
        status_code=status_code,
        headers={"cache-control": "no-store", **(headers or {})},
    )
    set_csrf_cookie(request, response, rt.settings.https)
    return response
