"""The test harness: a running app on one stack, HTTP clients per organisation,
the job barrier, the outbox, and shortcuts for setting up a roster."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import text
from starlette.applications import Starlette

from portal.database import Base
from portal.mail import OutboxEntry, read_outbox
from portal.roster.file_import import import_file
from portal.roster.models import Organisation
from portal.roster.service import ImportReport, create_organisation
from portal.runtime import Runtime
from portal.settings import Settings
from portal.uow import UnitOfWork
from schriftje.app import create_app
from workers.inline import InlineQueue
from workers.worker import burst

RUN_JOBS_TIMEOUT_SECS = 60
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
_ips = itertools.count(1)


# seeded by the migrations and never written by the app: kept between tests
REFERENCE_TABLES = {"consent_kind"}


class Harness:
    def __init__(self, settings: Settings, app: Starlette) -> None:
        self.settings = settings
        self.app = app

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[Harness]:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            harness = cls(settings, app)
            await harness._clean()
            yield harness
            await harness.run_jobs()

    @property
    def rt(self) -> Runtime:
        rt: Runtime = self.app.state.runtime
        return rt

    @property
    def stack(self) -> str:
        return "services" if self.settings.redis_url else "embedded"

    async def _clean(self) -> None:
        if self.settings.is_postgres:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES)
            async with self.rt.engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def uow(self) -> UnitOfWork:
        return self.rt.uow()

    def client(self, org: str = "kober", ip: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        address = ip or f"10.0.{next(_ips) // 250}.{next(_ips) % 250 + 1}"
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=f"http://{org}.localhost", **kwargs)

    async def run_jobs(self) -> None:
        """Barrier: every job enqueued so far has run (inline drain, or arq's workers for both
        queues in burst mode until neither has anything left)."""
        queue = self.rt.queue
        if isinstance(queue, InlineQueue):
            await queue.drain()
            return
        # bounded: a barrier that cannot finish (a job left "in progress" by a worker
        # that failed) fails the test in a minute instead of waiting for the job's expiry
        await asyncio.wait_for(burst(self.settings, poll_delay=0.01), RUN_JOBS_TIMEOUT_SECS)

    def outbox(self) -> list[OutboxEntry]:
        return read_outbox(self.settings.outbox_dir)

    def links_for(self, email: str) -> list[str]:
        return [link for entry in self.outbox() if entry.to == email for link in entry.links]

    # ---- roster shortcuts ----------------------------------------------------------

    async def organisation(self, slug: str = "kober", name: str = "Kober") -> Organisation:
        async with self.uow() as uow:
            return await create_organisation(uow.session, slug, name)

    async def import_roster(self, org: Organisation, csv_text: str) -> ImportReport:
        """The CLI's and the admin page's import use case, removals confirmed."""
        report = await import_file(self.rt, org.slug, "roster", csv_text, dry_run=False, confirm_removals=True)
        await self.run_jobs()
        return report

    async def import_staff(self, org: Organisation, csv_text: str) -> ImportReport:
        report = await import_file(self.rt, org.slug, "staff", csv_text, dry_run=False)
        await self.run_jobs()
        return report

    async def activate(self, client: httpx.AsyncClient, email: str, password: str = "correct horse battery") -> None:
        """Follow the newest activation link for ``email`` and set ``password``."""
        link = [x for x in self.links_for(email) if "/activate/" in x][-1]
        path = httpx.URL(link).path
        page = await client.get(path)
        assert page.status_code == 200, page.text
        response = await client.post(
            path, data={"csrf_token": csrf_of(page.text), "password": password, "password2": password}
        )
        assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@asynccontextmanager
async def logged_in(
    harness: Harness, email: str, password: str = "correct horse battery", **kwargs: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client logged in with the password (an activated account), and a CSRF token for
    its forms and cookie-authenticated API calls."""
    async with harness.client(**kwargs) as client:
        assert (await login(client, email, password)).status_code == 303
        page = await client.get("/account")
        assert page.status_code == 200
        yield client, csrf_of(page.text)


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": password})


ROSTER = """location,group,care_type,child_ref,child_first_name,child_last_name,birth_date,start_date,end_date,guardian1_name,guardian1_email,guardian1_relation,guardian2_name,guardian2_email,guardian2_relation
Centrum,Rupsjes,kdv,C1,Noor,Visser,2024-03-01,2024-09-01,,Anna Visser,anna@example.nl,moeder,Bram Visser,bram@example.nl,vader
Centrum,Rupsjes,kdv,C2,Sem,Visser,2022-05-10,2022-11-01,,Anna Visser,anna@example.nl,moeder,,,
Centrum,Vlinders,peuteropvang,C3,Lina,Bakker,2023-01-15,2024-01-15,,Carla Bakker,carla@example.nl,moeder,,,
Oost,Boomhut,bso,C4,Mats,de Wit,2018-06-20,2022-08-22,,Dirk de Wit,dirk@example.nl,vader,Eva de Wit,eva@example.nl,moeder
"""

STAFF = """name,email,role,groups
Ingrid Pauw,ingrid@example.nl,staff,Centrum/Rupsjes
Kees Wolters,kees@example.nl,staff,Oost/Boomhut
Wilma Manders,wilma@example.nl,manager,
"""
