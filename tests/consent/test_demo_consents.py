"""Demo consents show every case on the tagging screen, with an audit trail, seeded once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from consent.demo import seed_demo_consents
from consent.models import ConsentChange
from consent.service import group_children
from portal.demo import seed_demo
from portal.roster.models import Group, Role, User


async def test_demo_families_cover_every_photo_status_once(harness) -> None:
    async with harness.uow() as uow:
        org = await seed_demo(uow.session)
        await seed_demo_consents(uow.session, org)
        await seed_demo_consents(uow.session, org)  # a second run adds nothing
        admin = await uow.session.scalar(select(User).where(User.role == Role.ADMIN))
        statuses: Counter[str] = Counter()
        for group_id in await uow.session.scalars(select(Group.id)):
            statuses.update(c.status for _, c in await group_children(uow.session, admin, group_id))
        changes = await uow.session.scalar(select(func.count()).select_from(ConsentChange))
        changes_by_demo = await uow.session.scalar(
            select(func.count()).select_from(ConsentChange).where(ConsentChange.client == "demo")
        )
    assert set(statuses) == {"may_appear", "own_family_only", "may_not_appear"}
    assert statuses["may_appear"] > statuses["own_family_only"] + statuses["may_not_appear"]
    assert changes == changes_by_demo > 100
