"""The people a browser test acts as besides the demo's printed logins: a staff member
of a given child's group, or a child's guardians, each with a bearer token (for an
API client standing in for another device) and a one-time login link (for a browser
context of their own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import SessionKind, TokenPurpose
from portal.accounts.service import issue_link_token, start_session
from portal.database import create_sessionmaker, engine_from_settings
from portal.roster.models import Child, Guardianship, Role, StaffAssignment, User
from portal.settings import Settings
from portal.uow import UnitOfWork
from tests.conftest import run_sync


@dataclass(frozen=True)
class Person:
    name: str
    token: str
    link_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class StaffMember(Person):
    group_id: int


async def _credentials(session: AsyncSession, user: User) -> tuple[str, str]:
    token, _ = await start_session(session, user, SessionKind.BEARER, label="e2e")
    return token, await issue_link_token(session, user, TokenPurpose.LOGIN, dt.timedelta(minutes=30))


async def _staff_of(settings: Settings, child_id: int) -> StaffMember:
    engine = engine_from_settings(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            child = await uow.session.get(Child, child_id)
            assert child is not None
            staff = await uow.session.scalar(
                select(User)
                .join(StaffAssignment, StaffAssignment.user_id == User.id)
                .where(StaffAssignment.group_id == child.group_id)
                .order_by(User.id)
                .limit(1)
            )
            assert staff is not None
            token, link = await _credentials(uow.session, staff)
            return StaffMember(staff.display_name, token, link, child.group_id)
    finally:
        await engine.dispose()


def staff_of(settings: Settings, child_id: int) -> StaffMember:
    """A staff member working in the child's group."""
    return run_sync(_staff_of(settings, child_id))


async def _guardians_of(settings: Settings, child_id: int) -> list[Person]:
    engine = engine_from_settings(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            users = await uow.session.scalars(
                select(User)
                .join(Guardianship, Guardianship.user_id == User.id)
                .where(Guardianship.child_id == child_id)
                .order_by(User.id)
            )
            return [Person(user.display_name, *await _credentials(uow.session, user)) for user in list(users)]
    finally:
        await engine.dispose()


def guardians_of(settings: Settings, child_id: int) -> list[Person]:
    """Every guardian of the child."""
    return run_sync(_guardians_of(settings, child_id))


async def _invite_guardian(settings: Settings, child_id: int, email: str, name: str) -> str:
    engine = engine_from_settings(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            child = await uow.session.get(Child, child_id)
            assert child is not None
            user = User(organisation_id=child.organisation_id, email=email, display_name=name, role=Role.PARENT)
            uow.session.add(user)
            await uow.session.flush()
            uow.session.add(Guardianship(user_id=user.id, child_id=child.id, relation="oma"))
            return await issue_link_token(uow.session, user, TokenPurpose.ACTIVATE, dt.timedelta(hours=72))
    finally:
        await engine.dispose()


def invite_guardian(settings: Settings, child_id: int, email: str, name: str) -> str:
    """A new guardian of the child, invited but not activated: the activation link's token
    (what the invitation e-mail carries)."""
    return run_sync(_invite_guardian(settings, child_id, email, name))
