"""A real ``serve`` (uvicorn on a socket bound before it starts, so no waiting) on
either stack with the demo seeded, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from planning.demo import seed_demo_planning
from portal.database import create_sessionmaker, engine_from_settings
from portal.demo import DemoLogins, demo_login_links, seed_demo
from portal.settings import Settings
from portal.uow import UnitOfWork
from schriftje.app import create_app
from schriftje.ws_server import DirectSendProtocol
from tests import clock
from tests.conftest import run_sync, unavailable
from workers.worker import run as run_workers

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def parent_pages(child: int) -> list[str]:
    """Every page a parent of ``child`` has: the layout and accessibility checks visit them all."""
    return [
        "/",
        "/afwezig",
        "/planning",
        "/account",
        "/account/notifications",
        f"/toestemming/{child}",
        f"/archief/{child}",
        f"/kind/{child}",
    ]


@dataclass
class LiveServer:
    url: str
    settings: Settings
    logins: DemoLogins


@pytest.fixture
def live_server(stack_settings: Settings) -> Iterator[LiveServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections queue in the backlog until uvicorn accepts them
    port = sock.getsockname()[1]
    settings = dataclasses.replace(stack_settings, public_url=f"http://127.0.0.1:{port}", default_org="demo")

    async def seed() -> DemoLogins:
        engine = engine_from_settings(settings)
        try:
            if settings.is_postgres:
                from tests.harness import Harness

                async with Harness.open(settings):
                    pass  # truncates the shared schema
            async with UnitOfWork(create_sessionmaker(engine)) as uow:
                org = await seed_demo(uow.session)
                await seed_demo_planning(uow.session, org)
                return await demo_login_links(uow.session, org)
        finally:
            await engine.dispose()

    logins = run_sync(seed())
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_config=None, access_log=False, lifespan="on", ws=DirectSendProtocol)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{port}", settings, logins)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped on purpose: Playwright's sync API keeps an event loop running on this
    thread while it is open, which would break every async test that runs after it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        unavailable("chromium", FileNotFoundError("install Debian's chromium: make check-chromium"))
    from playwright.sync_api import sync_playwright

    # Playwright's sync API refuses to start inside a running event loop; none runs here.
    assert not _loop_running()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        # the installable app's service worker stays out of every test but its own
        # (test_app_browser): Playwright sees no requests a service worker answers
        plain_context = instance.new_context
        instance.new_context = lambda **kw: plain_context(**{"service_workers": "block", **kw})  # type: ignore[method-assign]
        if clock.fake_start() is not None:  # every page on the run's clock (tests/clock.py)
            new_context = instance.new_context
            instance.new_context = lambda **kw: clock.browser_follows(new_context(**kw))  # type: ignore[method-assign]
        yield instance
        instance.close()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


WAIT_SECS = 30.0


@pytest.fixture
def worker(live_server: LiveServer) -> Iterator[None]:
    """On the service stack, ``schriftje worker``'s workers in a thread of their own (the
    embedded default runs jobs in-process)."""
    if not live_server.settings.redis_url:
        yield
        return
    loop = asyncio.new_event_loop()
    started = threading.Event()
    tasks: list[asyncio.Task[None]] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        tasks.append(loop.create_task(run_workers(live_server.settings, poll_delay=0.05)))
        started.set()
        try:
            loop.run_until_complete(tasks[0])
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(WAIT_SECS)
    yield
    loop.call_soon_threadsafe(tasks[0].cancel)
    thread.join(WAIT_SECS)
