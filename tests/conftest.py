"""Fixtures for both stacks, from the same tests.

``stack`` is parametrised: ``embedded`` (SQLite file copied from a migrated
template, local media folder, inline queue, memory rate limits) and
``services`` (PostgreSQL in a schema of its own per run, Redis with a key
prefix per test, S3 from moto's server mode with a bucket per test, arq with
a real burst worker as the job barrier). Without ``REQUIRE_SERVICES`` an
unreachable service skips with its reason; with ``REQUIRE_SERVICES=1`` it fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import os
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from portal.settings import Settings
from tests import clock

if TYPE_CHECKING:
    from tests.private_redis import PrivateRedis

T = TypeVar("T")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0")
PG_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# pytest-xdist's workers (gw0, gw1, ...) each get a Redis database of their own: keys are
# prefixed per test anyway, but arq's scheduled runs (arq:job:cron:...) are not, and one
# worker's cron must never take another's run
_XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST.startswith("gw") and _XDIST[2:].isdigit():
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + int(_XDIST[2:])}"
SECRET = "test-secret-" + "x" * 40
PUBLIC_URL = "http://localhost:8000"
# photos are announced at once (a test that waits on the queue must not wait out a batch
# window); the push service of the tests listens on 127.0.0.1
TEST_DEFAULTS: dict[str, Any] = {"push_batch_seconds": 0, "push_services": "127.0.0.1"}


def pytest_configure(config: pytest.Config) -> None:
    clock.start()  # TEST_NOW: the whole run at another moment (tests/clock.py)


def pytest_unconfigure(config: pytest.Config) -> None:
    clock.stop()


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs the CLI in-process points the root logger at that moment's
    (captured) stderr; later threads (a uvicorn of another test) must not write to it."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def noon() -> Iterator[dt.date]:
    """For tests about days: the clock at ``tests.clock.NOON`` (a Monday, 12:00 in
    Amsterdam, time flowing on) for the whole test, fixtures included; its date."""
    with clock.at_noon() as day:
        yield day


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh loop in a helper thread (safe inside a running loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def unavailable(what: str, exc: BaseException) -> NoReturn:
    reason = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}; REQUIRE_SERVICES=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


# ---- session-wide services -----------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from portal.database import create_engine, migrate

    path = tmp_path_factory.mktemp("template") / "schriftje.sqlite3"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()

    run_sync(build())
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    import asyncpg

    from portal.database import create_engine, migrate

    schema = f"test_{os.getpid()}_{secrets.token_hex(3)}"

    async def create() -> None:
        connection = await asyncpg.connect(PG_DSN, timeout=5)
        try:
            await connection.execute(f'CREATE SCHEMA "{schema}"')
        finally:
            await connection.close()
        engine = create_engine(pg_url(), schema=schema)
        await migrate(engine)
        await engine.dispose()

    async def drop() -> None:
        connection = await asyncpg.connect(PG_DSN, timeout=5)
        try:
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            await connection.close()

    try:
        run_sync(create())
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", exc)
    yield schema
    run_sync(drop())


def pg_url() -> str:
    return PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as exc:
        unavailable("moto S3 server", exc)
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of the test's own, to kill and restart."""
    from tests.private_redis import PrivateRedis

    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def create_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    client.create_bucket(Bucket=bucket)


# ---- one stack per test ----------------------------------------------------------------


def embedded_settings(tmp_path: Path, template: Path, **extra: Any) -> Settings:
    shutil.copy(template, tmp_path / "schriftje.sqlite3")
    return Settings(
        data_dir=str(tmp_path), secret_key=SECRET, public_url=PUBLIC_URL, **(TEST_DEFAULTS | extra)
    ).resolved()


def services_settings(tmp_path: Path, schema: str, redis: str, s3: str, **extra: Any) -> Settings:
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    create_bucket(s3, bucket)
    return Settings(
        data_dir=str(tmp_path),
        database_url=pg_url(),
        database_schema=schema,
        redis_url=redis,
        redis_prefix=f"schriftje-test:{uuid.uuid4().hex[:12]}",
        storage="s3",
        s3_endpoint_url=s3,
        s3_bucket=bucket,
        s3_access_key_id="test",
        s3_secret_access_key="test",
        secret_key=SECRET,
        public_url=PUBLIC_URL,
        **(TEST_DEFAULTS | extra),
    ).resolved()


@pytest.fixture(params=["embedded", "services"])
def stack_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return embedded_settings(tmp_path, request.getfixturevalue("sqlite_template"))
    schema = request.getfixturevalue("postgres_schema")
    redis = request.getfixturevalue("redis_url")
    s3 = request.getfixturevalue("s3_endpoint")
    return services_settings(tmp_path, schema, redis, s3)


@pytest.fixture
async def harness(stack_settings: Settings) -> AsyncIterator[Any]:
    from tests.harness import Harness

    async with Harness.open(stack_settings) as h:
        yield h
