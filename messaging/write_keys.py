"""Idempotent writes: a client sends ``Idempotency-Key: <8-100 letters, digits, - or _>``
with a post, diary entry, message or reply, and keeps it while it retries the same
text. The first attempt that commits records the key with what it wrote; a retry
(after a lost answer, a dropped connection, a 503) gets that item back with 200
instead of a second one. Two attempts at once: the database's unique key lets one
win, and the other is answered with the winner's item."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import WriteKey
from portal.errors import InvalidInput

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
HEADER = "idempotency-key"


@dataclass(frozen=True)
class Written:
    kind: str
    ref_id: int


def parse(raw: str | None) -> str | None:
    """The header's key, ``None`` without one; 422 for one that cannot be a key."""
    if raw is None or raw == "":
        return None
    if not KEY_PATTERN.match(raw):
        raise InvalidInput(detail="'Idempotency-Key' must be 8-100 letters, digits, '-' or '_'")
    return raw


async def find(session: AsyncSession, user_id: int, key: str) -> Written | None:
    row = (
        await session.execute(
            select(WriteKey.kind, WriteKey.ref_id).where(WriteKey.user_id == user_id, WriteKey.key == key)
        )
    ).first()
    return Written(row[0], row[1]) if row else None


async def remember(session: AsyncSession, user_id: int, key: str, kind: str, ref_id: int) -> None:
    """Record the key in the write's own transaction (an IntegrityError if another attempt won)."""
    session.add(WriteKey(user_id=user_id, key=key, kind=kind, ref_id=ref_id))
    await session.flush()
