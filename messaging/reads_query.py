"""When the group's staff first read each family-thread message (the parent's "gelezen").

Shared by rendering (every message frame carries ``read_by_staff_at``) and the
read-state service; kept apart so neither imports the other."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import protocol
from messaging.models import ReadMark
from portal.roster.models import Role, User


async def read_by_staff(session: AsyncSession, message_ids: list[int]) -> dict[int, str]:
    """When the group's staff first read each message (for the parent's "gelezen")."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(ReadMark.ref_id, func.min(ReadMark.read_at))
        .join(User, User.id == ReadMark.user_id)
        .where(ReadMark.content == protocol.MESSAGE, ReadMark.ref_id.in_(message_ids), User.role != Role.PARENT)
        .group_by(ReadMark.ref_id)
    )
    return {int(ref_id): first.isoformat() if hasattr(first, "isoformat") else str(first) for ref_id, first in rows}
