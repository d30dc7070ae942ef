"""Demo consents: most families agree to everything, some keep photos to their own
family, a few say no, and in some two-guardian families one has not answered
yet, so the tagging screen, the preview and the overview show every case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.kinds import PHOTO, PHOTO_GROUP
from consent.models import Consent
from consent.service import change_record
from portal.database import utcnow
from portal.roster.models import Child, Guardianship, Organisation, User

CLIENT = "demo"


def _answers(index: int) -> dict[str, bool] | None:
    if index % 11 == 5:
        return {PHOTO: False, PHOTO_GROUP: False}
    if index % 7 == 3:
        return {PHOTO: True, PHOTO_GROUP: False}
    return {PHOTO: True, PHOTO_GROUP: True}


async def seed_demo_consents(session: AsyncSession, organisation: Organisation) -> None:
    """Answer for the demo families, once (nothing happens if any consent exists)."""
    children = list(
        await session.scalars(select(Child).where(Child.organisation_id == organisation.id).order_by(Child.id))
    )
    if not children or await session.scalar(
        select(Consent.id).where(Consent.child_id.in_([c.id for c in children])).limit(1)
    ):
        return
    now = utcnow()
    for index, child in enumerate(children):
        answers = _answers(index)
        guardians = list(
            await session.scalars(
                select(User)
                .join(Guardianship, Guardianship.user_id == User.id)
                .where(Guardianship.child_id == child.id)
                .order_by(User.id)
            )
        )
        if index % 13 == 8 and len(guardians) > 1:
            guardians = guardians[:1]  # the other guardian has not answered yet: no consent in effect
        for user in guardians:
            for kind, granted in (answers or {}).items():
                session.add(Consent(child_id=child.id, user_id=user.id, kind=kind, granted=granted))
                session.add(change_record(child, user, kind, None, granted, CLIENT, now))
    await session.flush()
