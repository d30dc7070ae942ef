"""The composition root: ``create_app(settings)`` wires the database, queue, mailer,
rate limiter, storage and routes into one Starlette app.

The embedded default and the production stack differ only here, by settings:
SQLite or PostgreSQL, in-process or arq queue, memory or Redis rate limits,
local folder or S3. Everything is opened in the lifespan and closed after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from consent import pages as consent_pages
from consent import routes as consent_routes
from media import pages as media_pages
from media import preview as media_preview
from media import routes as media_routes
from media.storage import open_storage
from messaging import child_page, consent_changes, day_routes, photo_delete
from messaging import pages as messaging_pages
from messaging import routes as messaging_routes
from messaging import ws as messaging_ws
from messaging.archive import routes as archive_routes
from messaging.broker import LocalBroker, RedisBroker
from messaging.hub import Hub, HubMetrics
from messaging.leaving import routes as leaving_routes
from messaging.retention import RETENTION
from messaging.takeback import TakeBackService
from notify import app_shell
from notify import routes as notify_routes
from notify.push import sender_from_settings
from notify.trigger import NOTIFY_SWEEP, NotifyingBroker
from notify.trigger import SWEEP_EVERY_SECS as NOTIFY_SWEEP_EVERY_SECS
from planning import pages as planning_pages
from planning import roster_columns  # noqa: F401  (the roster file's contract columns, portal.roster.extensions)
from planning import routes as planning_routes
from planning import setup_pages as planning_setup_pages
from planning.housekeeping import PLANNING_SWEEP
from planning.housekeeping import SWEEP_EVERY_SECS as PLANNING_SWEEP_EVERY_SECS
from planning.trigger import PlanningBroker
from portal.accounts import profile_routes, tablet_routes
from portal.accounts import routes as account_routes
from portal.database import create_sessionmaker, engine_from_settings, schema_revision
from portal.errors import DomainError, NotFound, SignInFirst
from portal.i18n import translate
from portal.mail import mailer_from_settings
from portal.ratelimit import FallbackRateLimiter, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from portal.runtime import Runtime
from portal.settings import Settings
from portal.web import people_routes, roster_page, settings_routes
from portal.web.health import healthz, readyz
from portal.web.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from portal.web.requests import language
from portal.web.responses import to_login
from portal.web.security import SecurityHeadersMiddleware
from portal.web.templating import STATIC_DIR, render
from workers.arq_queue import ArqQueue, redis_settings
from workers.context import JobContext, clip_sandbox_from_settings, sandbox_from_settings
from workers.inline import InlineQueue
from workers.jobs import SWEEP_EVERY_SECS, SWEEP_PHOTOS

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, SignInFirst):
        return to_login(request)
    lang = language(request)
    if _wants_json(request):
        return JSONResponse(
            {"error": exc.code, "detail": exc.message(lang)},
            status_code=exc.status,
            headers=exc.headers(),
        )
    return render(request, "error.html", {"error": exc.message(lang)}, status_code=exc.status, headers=exc.headers())


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await domain_error(request, NotFound())
    lang = language(request)
    detail = translate("error.invalid_input", lang, detail=exc.detail)
    if _wants_json(request):
        return JSONResponse({"error": "http_error", "detail": detail}, status_code=exc.status_code)
    return Response(detail, status_code=exc.status_code, media_type="text/plain; charset=utf-8")


RETRY_AFTER_SECS = 5


def database_away(exc: BaseException) -> bool:
    """The database connection broke or could not be had (a failover, a terminated backend,
    a full pool): the request may simply be tried again."""
    if isinstance(exc, PoolTimeout | OperationalError | InterfaceError | ConnectionError):
        return True  # ConnectionError: asyncpg's connect refused or reset, before SQLAlchemy wraps it
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def database_error(request: Request, exc: Exception) -> Response:
    """503 with ``Retry-After`` when the database went away under the request (nothing was
    committed: retrying is safe, and writes with an ``Idempotency-Key`` never double);
    any other database error is a bug and a 500."""
    if not database_away(exc):
        return await server_error(request, exc)
    log.warning("database unavailable; asked the client to retry", extra={"error": type(exc).__name__})
    message = translate("error.try_again", language(request))
    headers = {"Retry-After": str(RETRY_AFTER_SECS)}
    if _wants_json(request):
        return JSONResponse({"error": "unavailable", "detail": message}, status_code=503, headers=headers)
    return Response(message, status_code=503, headers=headers, media_type="text/plain; charset=utf-8")


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception(
        "unhandled error",
        extra={"path": getattr(request.scope.get("route"), "path", "?")},
    )
    message = translate("error.internal", language(request))
    if _wants_json(request):
        return JSONResponse({"error": "internal", "detail": message}, status_code=500)
    return Response(message, status_code=500, media_type="text/plain; charset=utf-8")


HOUSEKEEPING_FIRST_SECS = 60
HOUSEKEEPING_EVERY_SECS = 3600


async def _hourly_retention(queue: InlineQueue) -> None:
    """The embedded default's stand-in for the worker's cron: retention a minute after start, then hourly."""
    await asyncio.sleep(HOUSEKEEPING_FIRST_SECS)
    while True:
        await queue.enqueue(RETENTION, job_id=RETENTION)
        await asyncio.sleep(HOUSEKEEPING_EVERY_SECS)


async def _sweeping(queue: InlineQueue) -> None:
    """The embedded default's photo sweeper (the worker runs it by cron): photos a crash left
    unfinished are handed off again."""
    while True:
        await asyncio.sleep(SWEEP_EVERY_SECS)
        await queue.enqueue(SWEEP_PHOTOS, job_id=SWEEP_PHOTOS)


async def _notify_sweeping(queue: InlineQueue) -> None:
    """The embedded default's notify sweep (the worker runs it by cron): pushes quiet hours
    held, and the daily digests."""
    while True:
        await asyncio.sleep(NOTIFY_SWEEP_EVERY_SECS)
        await queue.enqueue(NOTIFY_SWEEP, job_id=NOTIFY_SWEEP)


async def _planning_sweeping(queue: InlineQueue) -> None:
    """The embedded default's planning sweep (the worker runs it by cron): earned credit,
    expiry, the wait list."""
    while True:
        await asyncio.sleep(PLANNING_SWEEP_EVERY_SECS)
        await queue.enqueue(PLANNING_SWEEP, job_id=PLANNING_SWEEP)


@asynccontextmanager
async def open_runtime(settings: Settings, registry: CollectorRegistry | None = None) -> AsyncIterator[Runtime]:
    """Open every backend the settings name; close them all on exit."""
    async with AsyncExitStack() as stack:
        engine = engine_from_settings(settings)
        stack.push_async_callback(engine.dispose)
        sessionmaker = create_sessionmaker(engine)
        mailer = mailer_from_settings(settings)
        storage = await open_storage(settings)
        stack.push_async_callback(storage.close)

        async def database_ready() -> str:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return engine.dialect.name

        node_broker: LocalBroker | RedisBroker = (
            RedisBroker(settings.redis_url, settings.redis_prefix) if settings.redis_url else LocalBroker()
        )
        pusher = sender_from_settings(settings)
        stack.push_async_callback(pusher.close)
        limiter: RateLimiter
        if settings.redis_url:
            from arq.connections import create_pool

            redis = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
            stack.push_async_callback(redis.aclose)
            limiter = FallbackRateLimiter(RedisRateLimiter(redis, settings.redis_prefix), MemoryRateLimiter())
            pool = await create_pool(redis_settings(settings.redis_url))
            queue: ArqQueue | InlineQueue = ArqQueue(pool, settings.redis_prefix)
            previews = sandbox_from_settings(settings)  # its child starts on the first preview asked for
            stack.push_async_callback(previews.close)

            async def redis_ready() -> str:
                await redis.ping()
                return "redis"
        else:
            limiter = MemoryRateLimiter()
            sandbox = previews = sandbox_from_settings(settings)
            stack.push_async_callback(sandbox.close)
            clips = clip_sandbox_from_settings(settings)  # its child starts with the first clip
            stack.push_async_callback(clips.close)
            jobs: JobContext = {
                "settings": settings,
                "engine": engine,
                "sessionmaker": sessionmaker,
                "mailer": mailer,
                "storage": storage,
                "photos": sandbox,
                "clips": clips,
                "pusher": pusher,
            }
            queue = InlineQueue(jobs)

            async def redis_ready() -> str:
                return "in-process"

        # every delivery also reaches notify (notify.trigger): the web node's and the jobs'
        # ... and absences reach planning's wait list (planning.trigger)
        broker = PlanningBroker(NotifyingBroker(node_broker, queue, batch_seconds=settings.push_batch_seconds), queue)
        if isinstance(queue, InlineQueue):
            queue.share({"broker": broker})
        hub = Hub(broker, sessionmaker, metrics=HubMetrics(registry))
        await broker.start()
        stack.push_async_callback(broker.close)
        stack.push_async_callback(hub.close)
        stack.push_async_callback(queue.close)  # first to close: running jobs finish and publish
        if isinstance(queue, InlineQueue):  # with arq, the worker's cron runs them
            for loop in (
                _hourly_retention(queue),
                _sweeping(queue),
                _notify_sweeping(queue),
                _planning_sweeping(queue),
            ):
                task = asyncio.create_task(loop)
                stack.callback(task.cancel)
        yield Runtime(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            queue=queue,
            mailer=mailer,
            limiter=limiter,
            readiness={
                "database": database_ready,
                "schema": lambda: schema_revision(engine),
                "redis": redis_ready,
                "storage": storage.ping,
            },
            extras={
                "storage": storage,
                "hub": hub,
                "previews": previews,
                "vapid_public_key": pusher.signer.public_key,
                "pusher": pusher,  # the notifications page's test notification
            },
            take_back=TakeBackService(broker, storage),
        )


async def preflight(settings: Settings, *, redis: bool = True) -> list[str]:
    """One line for each backend this process cannot reach at start-up (see portal.preflight);
    ``redis=False`` for the worker, which waits Redis out instead."""
    from portal import preflight as checks

    async def storage_ping() -> None:
        storage = await open_storage(settings, attempts=1)
        try:
            await storage.ping()
        finally:
            await storage.close()

    attempts = [checks.check_database(settings), checks.check(checks.storage(settings), storage_ping)]
    if redis and settings.redis_url:
        attempts.append(checks.check_redis(settings))
    return [line for line in await asyncio.gather(*attempts) if line]


def create_app(settings: Settings) -> Starlette:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, metrics.registry) as rt:
            app.state.runtime = rt
            yield

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint(metrics, settings.metrics_token), methods=["GET"]),
        *messaging_pages.routes,
        *account_routes.routes,
        *profile_routes.routes,
        *tablet_routes.routes,
        *settings_routes.routes,
        *roster_page.routes,
        *people_routes.routes,
        *messaging_routes.routes,
        *day_routes.routes,
        *child_page.routes,
        *media_routes.routes,
        *media_preview.routes,
        *media_pages.routes,
        *consent_routes.routes,
        *consent_pages.routes,
        *consent_changes.routes,
        *photo_delete.routes,
        *archive_routes.routes,
        *leaving_routes.routes,
        *messaging_ws.routes,
        *notify_routes.routes,
        *planning_routes.routes,
        *planning_pages.routes,
        *planning_setup_pages.routes,
        *app_shell.routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(MetricsMiddleware, metrics=metrics),
            Middleware(SecurityHeadersMiddleware, https=settings.https),
        ],
        exception_handlers={
            DomainError: domain_error,
            HTTPException: http_error,
            DBAPIError: database_error,
            PoolTimeout: database_error,
            ConnectionError: database_error,
            Exception: server_error,
        },
    )
    app.state.settings = settings
    app.state.metrics = metrics
    return app
