"""The people a browser test acts as besides the demo's printed logins: a staff member
of a given child's group, with a bearer token (for an API client standing in for a
second device) and a one-time login link (for a second browser context)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.models import SessionKind, TokenPurpose
from portal.accounts.service import issue_link_token, start_session
from portal.database import create_sessionmaker, engine_from_settings
from portal.roster.models import Child, StaffAssignment, User
from portal.settings import Settings
from portal.uow import UnitOfWork
from tests.conftest import run_sync


@dataclass(frozen=True)
class StaffMember:
    name: str
    group_id: int
    token: str
    link_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


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
            token, _ = await start_session(uow.session, staff, SessionKind.BEARER, label="e2e")
            link = await issue_link_token(uow.session, staff, TokenPurpose.LOGIN, dt.timedelta(minutes=30))
            return StaffMember(staff.display_name, child.group_id, token, link)
    finally:
        await engine.dispose()


def staff_of(settings: Settings, child_id: int) -> StaffMember:
    """A staff member working in the child's group."""
    return run_sync(_staff_of(settings, child_id))
