"""Standing medication instructions: a guardian writes in the app what the child may be
given (name, dose, when, until which day); the group's staff see the instructions in
force before they log a dose, and a dose (``messaging.day``, kind ``medication``) can
only be logged against one of them. A guardian ends an instruction; it is kept, ended,
so the doses logged against it still say what they were given for."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging import audience
from messaging.models import MedicationInstruction
from messaging.service import organisation_of
from portal.database import utcnow
from portal.errors import InvalidInput, NotFound
from portal.roster.models import User
from portal.uow import UnitOfWork


def _text(data: dict[str, Any], name: str, max_chars: int, *, required: bool) -> str:
    raw = data.get(name, "")
    if not isinstance(raw, str) or len(raw) > max_chars or (required and not raw.strip()):
        raise InvalidInput("medication.bad_field", field=name, max=max_chars)
    return " ".join(raw.split())


def instruction_data(instruction: MedicationInstruction) -> dict[str, Any]:
    return {
        "id": instruction.id,
        "child_id": instruction.child_id,
        "name": instruction.name,
        "dose": instruction.dose,
        "when": instruction.when,
        "until": instruction.until.isoformat() if instruction.until else None,
        "created_at": instruction.created_at.isoformat(),
    }


async def give(uow: UnitOfWork, user: User, child_id: int, data: dict[str, Any]) -> MedicationInstruction:
    """A guardian's new instruction for their own child."""
    session = uow.session
    today = audience.today_for(await organisation_of(session, user))
    child = await audience.child_for_posting(session, user, child_id, today)
    if not await audience.is_guardian(session, user, child.id):
        raise NotFound()
    until = data.get("until")
    until_date = None
    if until not in (None, ""):
        try:
            until_date = dt.date.fromisoformat(str(until))
        except ValueError:
            raise InvalidInput("medication.bad_until") from None
        if until_date < today:
            raise InvalidInput("medication.bad_until")
    instruction = MedicationInstruction(
        organisation_id=user.organisation_id,
        child_id=child.id,
        given_by=user.id,
        name=_text(data, "name", 100, required=True),
        dose=_text(data, "dose", 100, required=True),
        when=_text(data, "when", 200, required=False),
        until=until_date,
    )
    session.add(instruction)
    await session.flush()
    return instruction


async def in_force(session: AsyncSession, user: User, child_id: int) -> list[MedicationInstruction]:
    """The child's instructions in force, for its guardians and its group's staff."""
    today = audience.today_for(await organisation_of(session, user))
    child = await audience.readable_child(session, user, child_id, today)
    rows = await session.scalars(
        select(MedicationInstruction)
        .where(
            MedicationInstruction.child_id == child.id,
            MedicationInstruction.ended_at.is_(None),
            or_(MedicationInstruction.until.is_(None), MedicationInstruction.until >= today),
        )
        .order_by(MedicationInstruction.id)
    )
    return list(rows)


async def end(uow: UnitOfWork, user: User, instruction_id: int) -> None:
    """A guardian of the child ends an instruction."""
    session = uow.session
    instruction = await session.get(MedicationInstruction, instruction_id)
    if instruction is None or instruction.organisation_id != user.organisation_id or instruction.ended_at:
        raise NotFound()
    if not await audience.is_guardian(session, user, instruction.child_id):
        raise NotFound()
    instruction.ended_at = utcnow()
    await session.flush()
