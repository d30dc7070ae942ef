"""The installable app: the web app manifest (in the visitor's language), the service
worker (served from the root so its scope is the whole site) and the page it shows
when there is no network. The service worker caches only this shell: no photos, no
API answers, no page with private text."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from portal.i18n import translate
from portal.web.requests import language
from portal.web.templating import STATIC_DIR, render

THEME = "#1d6f5f"
BACKGROUND = "#fbf8f3"
ICONS = [
    {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
]


async def manifest(request: Request) -> Response:
    lang = language(request)
    body = {
        "id": "/",
        "name": "Schriftje",
        "short_name": "Schriftje",
        "description": translate("notify.app.description", lang),
        "lang": lang,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": ICONS,
    }
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Language, Cookie"}
    return JSONResponse(body, media_type="application/manifest+json", headers=headers)


async def service_worker(request: Request) -> Response:
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return FileResponse(STATIC_DIR / "sw.js", media_type="text/javascript", headers=headers)


async def offline(request: Request) -> Response:
    return render(request, "offline.html", {}, headers={"Cache-Control": "no-cache"})


routes: list[BaseRoute] = [
    Route("/manifest.webmanifest", manifest, methods=["GET"]),
    Route("/sw.js", service_worker, methods=["GET"]),
    Route("/offline", offline, methods=["GET"]),
]
