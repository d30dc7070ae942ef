"""The policy's inputs for one photo, read from the database, and the decision.

Given a photo's group and its tags (which children, which of them have a drawn
mask) this reads the children's effective consents and guardianships and asks
``consent.policy``. The same call serves the tagging preview (no photo yet),
the worker (which renditions to make) and delivery (who gets which).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.policy import Decision, PhotoFacts, decide
from consent.service import effective_consents, guardians_of, own_children_map
from portal.roster.models import Child, Guardianship


async def facts_for(session: AsyncSession, group_id: int, tags: Mapping[int, bool], today: dt.date) -> PhotoFacts:
    """``tags``: tagged child -> whether it has a mask drawn."""
    tagged = frozenset(tags)
    if not tagged:
        guardians = await session.scalars(
            select(Guardianship.user_id)
            .join(Child, Child.id == Guardianship.child_id)
            .where(Child.group_id == group_id, or_(Child.end_date.is_(None), Child.end_date >= today))
        )
        return PhotoFacts(frozenset(), frozenset(), {}, {}, frozenset(guardians))
    return PhotoFacts(
        tagged=tagged,
        masked=frozenset(c for c, has_mask in tags.items() if has_mask),
        consents=await effective_consents(session, tagged),
        own_children=own_children_map(await guardians_of(session, tagged)),
    )


async def decide_for(session: AsyncSession, group_id: int, tags: Mapping[int, bool], today: dt.date) -> Decision:
    return decide(await facts_for(session, group_id, tags, today))
