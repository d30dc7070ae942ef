"""Start-up checks: can this process reach what its settings name?

Each check tries one backend (PostgreSQL, Redis, the S3 bucket or the media folder)
within a few seconds and turns a failure into one line an operator can act on: what
was tried (never a password), why it failed in words, and which setting to check.
``schriftje serve``, ``worker`` and ``migrate`` print these lines and exit instead of
a traceback; ``describe`` does the same for an error that escapes a command.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal.settings import Settings

CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Backend:
    """One thing to reach: its name, where (safe to print), the setting that names it."""

    name: str
    where: str
    setting: str


def database(settings: Settings) -> Backend:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return Backend("SQLite", url.database or "", "SCHRIFTJE_DATABASE_URL")
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    if url.username:
        where = f"{url.username}@{where}"
    return Backend("PostgreSQL", where, "SCHRIFTJE_DATABASE_URL")


def redis(settings: Settings) -> Backend:
    parts = urlsplit(settings.redis_url)
    return Backend("Redis", f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path}", "SCHRIFTJE_REDIS_URL")


def storage(settings: Settings) -> Backend:
    if settings.storage == "s3":
        endpoint = settings.s3_endpoint_url or f"AWS {settings.s3_region}"
        return Backend(
            "S3", f"bucket {settings.s3_bucket!r} at {endpoint}", "SCHRIFTJE_S3_ENDPOINT_URL, SCHRIFTJE_S3_BUCKET"
        )
    return Backend("the media folder", settings.media_dir, "SCHRIFTJE_MEDIA_DIR")


async def check(backend: Backend, attempt: Callable[[], Awaitable[object]]) -> str | None:
    """None when ``attempt`` succeeds in time; otherwise the line to print."""
    try:
        await asyncio.wait_for(attempt(), CHECK_SECONDS)
    except Exception as exc:
        return describe(backend, exc)
    return None


def describe(backend: Backend, exc: BaseException) -> str:
    """``cannot reach PostgreSQL at db:5432/schriftje (connection refused): check …``."""
    reason, advice = _reason(backend, exc)
    return f"cannot reach {backend.name} at {backend.where} ({reason}): {advice or f'check {backend.setting}'}"


def _reason(backend: Backend, exc: BaseException) -> tuple[str, str]:
    """Why, in words, and what to do (empty: check the setting)."""
    names = {type(e).__name__ for e in _chain(exc)}
    codes = {getattr(e, "response", {}).get("Error", {}).get("Code", "") for e in _chain(exc) if hasattr(e, "response")}
    if "InvalidCatalogNameError" in names:
        database_name = backend.where.rsplit("/", 1)[-1]
        return (
            f"database {database_name!r} does not exist",
            f"create it (createdb {database_name}) or check {backend.setting}",
        )
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError", "AuthenticationError"}:
        return "user or password refused", f"check the user and password in {backend.setting}"
    if "NoCredentialsError" in names:
        return "no credentials", "set SCHRIFTJE_S3_ACCESS_KEY_ID and SCHRIFTJE_S3_SECRET_ACCESS_KEY"
    if codes & {"NoSuchBucket", "404"}:
        return "the bucket does not exist", "create it, or check SCHRIFTJE_S3_BUCKET"
    if codes & {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
        return "access denied", "check SCHRIFTJE_S3_ACCESS_KEY_ID, SCHRIFTJE_S3_SECRET_ACCESS_KEY and the bucket policy"
    for error in _chain(exc):
        if isinstance(error, PermissionError):
            return f"not writable by user {os.getuid()}", f"give that user the folder, or check {backend.setting}"
        if isinstance(error, socket.gaierror):
            return "unknown host name", f"check {backend.setting}"
        if isinstance(error, ConnectionRefusedError):
            return "connection refused", f"is it running? check {backend.setting}"
        if isinstance(error, TimeoutError):
            return f"no answer within {CHECK_SECONDS:g} s", f"is it running and reachable? check {backend.setting}"
    if "TimeoutError" in names or "ConnectTimeoutError" in names:
        return f"no answer within {CHECK_SECONDS:g} s", f"is it running and reachable? check {backend.setting}"
    if "EndpointConnectionError" in names or "ConnectionError" in names:
        return "cannot connect", f"is it running? check {backend.setting}"
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"{type(exc).__name__}: {first_line[:160]}", ""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The error, what caused it, and a DBAPI error's original, without loops."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        todo.extend([error.__cause__, error.__context__, getattr(error, "orig", None)])


def unreachable(settings: Settings, exc: BaseException) -> str | None:
    """The line for an error that escaped a command because a backend could not be reached
    (which one is told by the library that raised it); None for any other error."""
    errors = list(_chain(exc))
    if not any(isinstance(e, OSError | TimeoutError) or type(e).__name__ in _UNREACHABLE for e in errors):
        return None
    modules = {type(e).__module__.split(".", 1)[0] for e in errors}
    if modules & {"asyncpg", "sqlalchemy", "aiosqlite", "sqlite3"}:
        return describe(database(settings), exc)
    if "redis" in modules:
        return describe(redis(settings), exc)
    if modules & {"botocore", "aiobotocore", "aiohttp"}:
        return describe(storage(settings), exc)
    return None


_UNREACHABLE = {
    "InvalidCatalogNameError",
    "InvalidPasswordError",
    "InvalidAuthorizationSpecificationError",
    "CannotConnectNowError",
    "AuthenticationError",
    "EndpointConnectionError",
}


async def check_database(settings: Settings) -> str | None:
    from sqlalchemy import text

    from portal.database import engine_from_settings

    engine = engine_from_settings(settings)

    async def attempt() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        return await check(database(settings), attempt)
    finally:
        await engine.dispose()


async def check_redis(settings: Settings) -> str | None:
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url, socket_connect_timeout=CHECK_SECONDS)
    try:
        return await check(redis(settings), client.ping)
    finally:
        await client.aclose()
