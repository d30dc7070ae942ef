"""``schriftje demo`` data: the promised shape, seeded once, and working login links."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from portal.demo import DEMO_PASSWORD, demo_login_links, seed_demo
from portal.roster.models import Child, Guardianship, Role, User
from portal.roster.queries import totals
from tests.harness import login


class TestDemoSeed:
    async def test_shape(self, harness) -> None:
        async with harness.uow() as uow:
            org = await seed_demo(uow.session)
            counts = await totals(uow.session, org)
            kids_per_guardian = (
                await uow.session.execute(
                    select(Guardianship.user_id, func.count()).group_by(Guardianship.user_id).having(func.count() > 1)
                )
            ).all()
            guardians_per_child = (
                await uow.session.execute(
                    select(Guardianship.child_id, func.count())
                    .group_by(Guardianship.child_id)
                    .having(func.count() == 2)
                )
            ).all()
            staff = await uow.session.scalar(select(func.count()).select_from(User).where(User.role == Role.STAFF))
            leaving = await uow.session.scalar(
                select(func.count()).select_from(Child).where(Child.end_date.isnot(None))
            )
        assert dataclasses.astuple(counts)[:4] == (2, 4, 50, 90)
        assert staff == 8
        assert len(kids_per_guardian) >= 3  # families with two children
        assert len(guardians_per_child) >= 40  # two-guardian families
        assert leaving == 2

    async def test_seeding_twice_changes_nothing(self, harness) -> None:
        async with harness.uow() as uow:
            first = await seed_demo(uow.session)
        async with harness.uow() as uow:
            second = await seed_demo(uow.session)
            assert second.id == first.id
            assert await uow.session.scalar(select(func.count()).select_from(Child)) == 50

    async def test_printed_links_log_in_once(self, harness) -> None:
        harness.app.state.runtime.settings = dataclasses.replace(harness.settings, default_org="demo")
        async with harness.uow() as uow:
            org = await seed_demo(uow.session)
            links = await demo_login_links(uow.session, org)
        email, token = links.parent
        async with harness.client("demo") as client:
            response = await client.get(f"/login/link/{token}")
            assert response.status_code == 303
            home = await client.get("/")
            assert home.status_code == 200
            assert home.text.count("<strong>") == 2  # a parent of two children
        async with harness.client("demo") as client:
            assert (await client.get(f"/login/link/{token}")).status_code == 410
            assert (await login(client, email, DEMO_PASSWORD)).status_code == 303
        async with harness.client("demo") as client:
            assert (await client.get(f"/login/link/{links.admin[1]}")).status_code == 303
            assert 'data-testid="totals"' in (await client.get("/")).text
