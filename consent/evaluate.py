"""The policy's inputs for photos, read from the database, and the decisions.

Given a photo's group and its tags (which children, which of them have a drawn
mask) this reads the children's effective consents and guardianships and asks
``consent.policy``. The same call serves the tagging preview (no photo yet),
the worker (which renditions to make) and delivery (who gets which);
``decide_many`` judges many photos with one read of consents and guardianships.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.policy import ChildConsent, Decision, PhotoFacts, decide
from consent.service import effective_consents, guardians_of, own_children_map
from portal.roster.models import Child, Guardianship

Tags = Mapping[int, bool]  # tagged child -> whether it has a mask drawn


async def _group_guardians(session: AsyncSession, group_id: int, today: dt.date) -> frozenset[int]:
    guardians = await session.scalars(
        select(Guardianship.user_id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(Child.group_id == group_id, or_(Child.end_date.is_(None), Child.end_date >= today))
    )
    return frozenset(guardians)


def _facts(tags: Tags, consents: Mapping[int, ChildConsent], guardians: Mapping[int, set[int]]) -> PhotoFacts:
    tagged = frozenset(tags)
    return PhotoFacts(
        tagged=tagged,
        masked=frozenset(c for c, has_mask in tags.items() if has_mask),
        consents={c: consents[c] for c in tagged},
        own_children=own_children_map({c: guardians.get(c, set()) for c in tagged}),
    )


async def facts_for(session: AsyncSession, group_id: int, tags: Tags, today: dt.date) -> PhotoFacts:
    [facts] = await facts_for_many(session, [(group_id, tags)], today)
    return facts


async def facts_for_many(session: AsyncSession, photos: Sequence[tuple[int, Tags]], today: dt.date) -> list[PhotoFacts]:
    children = {c for _, tags in photos for c in tags}
    consents = await effective_consents(session, children)
    guardians = await guardians_of(session, children)
    by_group: dict[int, frozenset[int]] = {}
    result = []
    for group_id, tags in photos:
        if tags:
            result.append(_facts(tags, consents, guardians))
            continue
        if group_id not in by_group:
            by_group[group_id] = await _group_guardians(session, group_id, today)
        result.append(PhotoFacts(frozenset(), frozenset(), {}, {}, by_group[group_id]))
    return result


async def decide_many(session: AsyncSession, photos: Sequence[tuple[int, Tags]], today: dt.date) -> list[Decision]:
    return [decide(facts) for facts in await facts_for_many(session, photos, today)]
