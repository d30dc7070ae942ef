"""Whether a user may fetch a photo's bytes, asked on every media request from the
facts as they are now (never from who received the photo once):

* the plain rendition: staff who work in the photo's group now;
* any rendition: someone the consent decision gave it to (``PhotoAccess``, kept in
  step with every consent change) who is still a guardian of a child the photo
  shows (an untagged activity photo: of a child in the photo's group) and may still
  read about that child: current, or within its leaving window.

So a teacher moved to another group, a guardian taken off the child, a family whose
leaving window closed and a withdrawn consent all stop the URL at once, on every
node, with the same 404 as a photo that never existed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoAccess, PhotoRendition, PhotoTag
from portal.roster.dates import today_for
from portal.roster.models import Child, Guardianship, Organisation, User
from portal.roster.queries import works_in


async def may_fetch(
    session: AsyncSession, user: User, organisation: Organisation, photo: Photo, rendition: PhotoRendition
) -> bool:
    if rendition.mask_key == "" and await works_in(session, user, photo.group_id):
        return True
    granted = await session.scalar(
        select(PhotoAccess.id).where(PhotoAccess.user_id == user.id, PhotoAccess.rendition_id == rendition.id)
    )
    if granted is None:
        return False
    tagged = [t.shown for t in await session.scalars(select(PhotoTag).where(PhotoTag.photo_id == photo.id))]
    return await guards_readable(session, user, organisation, photo.group_id, tagged)


async def guards_readable(
    session: AsyncSession, user: User, organisation: Organisation, group_id: int, tagged: list[int]
) -> bool:
    """Whether ``user`` is a guardian of a readable child among ``tagged`` (none tagged:
    a readable child of the group)."""
    oldest_end = today_for(organisation) - dt.timedelta(days=organisation.leaving_window_days)
    which = Child.id.in_(tagged) if tagged else Child.group_id == group_id
    found = await session.scalar(
        select(Child.id)
        .join(Guardianship, Guardianship.child_id == Child.id)
        .where(
            Guardianship.user_id == user.id,
            which,
            or_(Child.end_date.is_(None), Child.end_date >= oldest_end),
        )
        .limit(1)
    )
    return found is not None
