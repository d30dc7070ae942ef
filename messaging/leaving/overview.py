"""The admin's view of leaving children: every child with an end date that is not
purged yet, with its last day, the family's last day of access, the purge date,
and per guardian whether they downloaded their archive and which leaving
e-mails went out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.archive.models import Archive
from messaging.leaving.models import LeavingNotice
from portal.roster.dates import access_until
from portal.roster.models import Child, Group, Guardianship, Organisation, User


@dataclass
class GuardianState:
    id: int
    name: str
    email: str
    archive_status: str | None = None  # of their latest archive for this child
    downloaded_at: dt.datetime | None = None  # their first complete download, if any
    mails: list[str] = field(default_factory=list)  # leaving e-mails sent: started, reminder


@dataclass
class LeavingChild:
    id: int
    name: str
    group: str
    end_date: dt.date
    access_until: dt.date
    purge_on: dt.date
    left: bool
    guardians: list[GuardianState]

    @property
    def downloaded(self) -> bool:
        return any(g.downloaded_at is not None for g in self.guardians)

    def as_json(self) -> dict[str, object]:
        return {
            "child": {"id": self.id, "name": self.name},
            "group": self.group,
            "end_date": self.end_date.isoformat(),
            "access_until": self.access_until.isoformat(),
            "purge_on": self.purge_on.isoformat(),
            "state": "left" if self.left else "leaving",
            "downloaded": self.downloaded,
            "guardians": [
                {
                    "id": g.id,
                    "name": g.name,
                    "email": g.email,
                    "archive_status": g.archive_status,
                    "downloaded_at": g.downloaded_at.isoformat() if g.downloaded_at else None,
                    "mails": g.mails,
                }
                for g in self.guardians
            ],
        }


async def leaving_children(session: AsyncSession, organisation: Organisation, today: dt.date) -> list[LeavingChild]:
    """Children with an end date whose data still exists, soonest purge first."""
    earliest_end = today - dt.timedelta(days=organisation.leaving_window_days)
    children = list(
        await session.execute(
            select(Child, Group.name)
            .join(Group, Group.id == Child.group_id)
            .where(Child.organisation_id == organisation.id, Child.end_date >= earliest_end)
            .order_by(Child.end_date, Child.first_name, Child.id)
        )
    )
    ids = [child.id for child, _ in children]
    if not ids:
        return []
    guardians: dict[int, list[GuardianState]] = {}
    by_key: dict[tuple[int, int], GuardianState] = {}
    for child_id, user in await session.execute(
        select(Guardianship.child_id, User)
        .join(User, User.id == Guardianship.user_id)
        .where(Guardianship.child_id.in_(ids))
        .order_by(User.display_name, User.id)
    ):
        state = GuardianState(user.id, user.display_name, user.email)
        guardians.setdefault(child_id, []).append(state)
        by_key[(child_id, user.id)] = state
    for archive in await session.scalars(select(Archive).where(Archive.child_id.in_(ids)).order_by(Archive.id)):
        asker = by_key.get((archive.child_id, archive.user_id))
        if asker is None:
            continue
        asker.archive_status = archive.status.value  # the latest wins
        if archive.downloaded_at is not None and asker.downloaded_at is None:
            asker.downloaded_at = archive.downloaded_at
    for notice in await session.scalars(
        select(LeavingNotice).where(LeavingNotice.child_id.in_(ids)).order_by(LeavingNotice.id)
    ):
        addressee = by_key.get((notice.child_id, notice.user_id))
        if addressee is not None:
            addressee.mails.append(notice.kind.value)
    result = []
    for child, group in children:
        last = access_until(child, organisation)
        assert last is not None and child.end_date is not None
        result.append(
            LeavingChild(
                id=child.id,
                name=f"{child.first_name} {child.last_name}",
                group=group,
                end_date=child.end_date,
                access_until=last,
                purge_on=last + dt.timedelta(days=1),
                left=child.end_date < today,
                guardians=guardians.get(child.id, []),
            )
        )
    return result
