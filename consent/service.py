"""Reading and changing consents: each guardian's answers, a child's effective
consent (the AND over its guardians), the audit trail and its exports.

Who may do what:

* A guardian reads and changes their own answers for their child while the
  child is current. After the child's end date (in the leaving window) a
  guardian may still withdraw, never grant.
* A guardian reads the child's history (every change, by whom, when).
* Staff of a group (and managers/admins) read each child's effective status.
* Managers and admins export a child's history.

"Does not exist" and "not yours" are both ``NotFound``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.kinds import PHOTO, PHOTO_GROUP
from consent.models import Consent, ConsentChange, ConsentKind
from consent.policy import ChildConsent, effective
from portal.database import utcnow
from portal.errors import Forbidden, InvalidInput, NotFound
from portal.roster.dates import is_current, today_for, within_leaving_window
from portal.roster.models import Child, Guardianship, Organisation, Role, User
from portal.roster.queries import staff_group_ids
from portal.uow import UnitOfWork

MAX_CLIENT_CHARS = 200


@dataclass(frozen=True)
class GuardianAnswer:
    user_id: int
    name: str
    granted: bool | None  # None: unanswered


@dataclass(frozen=True)
class KindAnswers:
    kind: ConsentKind
    mine: bool | None
    guardians: list[GuardianAnswer]

    @property
    def effective(self) -> bool:
        return effective(g.granted for g in self.guardians)


async def kinds(session: AsyncSession) -> list[ConsentKind]:
    return list(await session.scalars(select(ConsentKind).order_by(ConsentKind.position, ConsentKind.key)))


async def guardians_of(session: AsyncSession, child_ids: Iterable[int]) -> dict[int, set[int]]:
    """child -> its guardians' user ids."""
    result: dict[int, set[int]] = defaultdict(set)
    rows = await session.execute(
        select(Guardianship.child_id, Guardianship.user_id).where(Guardianship.child_id.in_(set(child_ids)))
    )
    for child_id, user_id in rows:
        result[child_id].add(user_id)
    return result


async def effective_consents(session: AsyncSession, child_ids: Iterable[int]) -> dict[int, ChildConsent]:
    """Each child's effective consent: a kind holds only if every guardian granted it."""
    ids = set(child_ids)
    if not ids:
        return {}
    guardians = await guardians_of(session, ids)
    answers: dict[tuple[int, int, str], bool] = {
        (c.child_id, c.user_id, c.kind): c.granted
        for c in await session.scalars(select(Consent).where(Consent.child_id.in_(ids)))
    }

    def holds(child: int, kind: str) -> bool:
        return effective(answers.get((child, g, kind)) for g in guardians.get(child, ()))

    return {c: ChildConsent(photo=holds(c, PHOTO), photo_group=holds(c, PHOTO_GROUP)) for c in ids}


async def guardian_child(session: AsyncSession, user: User, child_id: int) -> tuple[Child, bool]:
    """The child if ``user`` is its guardian and may still see it, and whether it is current."""
    child = await session.get(Child, child_id)
    if child is None or child.organisation_id != user.organisation_id:
        raise NotFound()
    guardian = await session.scalar(
        select(Guardianship.id).where(Guardianship.user_id == user.id, Guardianship.child_id == child.id)
    )
    if guardian is None:
        raise NotFound()
    organisation = await session.get(Organisation, child.organisation_id)
    assert organisation is not None
    today = today_for(organisation)
    if is_current(child, today):
        return child, True
    if within_leaving_window(child, organisation, today):
        return child, False
    raise NotFound()


async def answers(session: AsyncSession, user: User, child: Child) -> list[KindAnswers]:
    rows = await session.execute(
        select(User.id, User.display_name)
        .join(Guardianship, Guardianship.user_id == User.id)
        .where(Guardianship.child_id == child.id)
        .order_by(User.display_name, User.id)
    )
    guardians = list(rows)
    given = {
        (c.user_id, c.kind): c.granted
        for c in await session.scalars(select(Consent).where(Consent.child_id == child.id))
    }
    return [
        KindAnswers(
            kind,
            given.get((user.id, kind.key)),
            [GuardianAnswer(uid, name, given.get((uid, kind.key))) for uid, name in guardians],
        )
        for kind in await kinds(session)
    ]


def parse_changes(raw: object, known: Iterable[str]) -> dict[str, bool]:
    """``{"photo": true, "photo_group": false}``: only known kinds, only true/false."""
    names = set(known)
    if not isinstance(raw, dict) or not raw:
        raise InvalidInput("consent.bad_body")
    changes: dict[str, bool] = {}
    for key, value in raw.items():
        if key not in names:
            raise InvalidInput("consent.unknown_kind", kind=str(key)[:40])
        if type(value) is not bool:
            raise InvalidInput("consent.not_boolean", kind=key)
        changes[key] = value
    return changes


async def set_consents(uow: UnitOfWork, user: User, child_id: int, raw: object, client: str) -> tuple[Child, bool]:
    """Apply a guardian's answers and write the audit trail; returns the child and whether
    anything was withdrawn (the caller then takes photos back)."""
    session = uow.session
    child, current = await guardian_child(session, user, child_id)
    changes = parse_changes(raw, [k.key for k in await kinds(session)])
    if not current and any(changes.values()):
        raise Forbidden("consent.child_left")
    existing = {
        c.kind: c
        for c in await session.scalars(
            select(Consent).where(Consent.child_id == child.id, Consent.user_id == user.id).with_for_update()
        )
    }
    withdrawn = False
    now = utcnow()
    for kind, granted in sorted(changes.items()):
        row = existing.get(kind)
        old = row.granted if row is not None else None
        if old is granted:
            continue
        if row is None:
            session.add(Consent(child_id=child.id, user_id=user.id, kind=kind, granted=granted, updated_at=now))
        else:
            row.granted, row.updated_at = granted, now
        session.add(change_record(child, user, kind, old, granted, client, now))
        withdrawn = withdrawn or (old is True and not granted)
    await session.flush()
    return child, withdrawn


def change_record(
    child: Child, user: User, kind: str, old: bool | None, new: bool, client: str, at: dt.datetime
) -> ConsentChange:
    """One line of the audit trail."""
    return ConsentChange(
        organisation_id=child.organisation_id,
        child_id=child.id,
        user_id=user.id,
        user_name=user.display_name,
        kind=kind,
        old=old,
        new=new,
        client=client[:MAX_CLIENT_CHARS],
        changed_at=at,
    )


async def history(session: AsyncSession, child_id: int) -> list[ConsentChange]:
    return list(
        await session.scalars(
            select(ConsentChange).where(ConsentChange.child_id == child_id).order_by(ConsentChange.id)
        )
    )


async def managed_child(session: AsyncSession, user: User, child_id: int) -> Child:
    """A child of the caller's organisation, for a manager or admin."""
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise NotFound()
    child = await session.get(Child, child_id)
    if child is None or child.organisation_id != user.organisation_id:
        raise NotFound()
    return child


async def group_children(session: AsyncSession, user: User, group_id: int) -> list[tuple[Child, ChildConsent]]:
    """The group's current children with their effective consent, for the group's staff."""
    if group_id not in await staff_group_ids(session, user):
        raise NotFound()
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    today = today_for(organisation)
    children = list(
        await session.scalars(
            select(Child)
            .where(Child.group_id == group_id, or_(Child.end_date.is_(None), Child.end_date >= today))
            .order_by(Child.first_name, Child.last_name, Child.id)
        )
    )
    consents = await effective_consents(session, [c.id for c in children])
    return [(c, consents[c.id]) for c in children]


async def unanswered(session: AsyncSession, children: list[Child]) -> list[tuple[Child, list[str]]]:
    """The children whose guardians have not answered every kind yet, each with those
    guardians' names: whom the group or the office should ask."""
    if not children:
        return []
    kind_keys = {k.key for k in await kinds(session)}
    ids = [c.id for c in children]
    guardians = list(
        await session.execute(
            select(Guardianship.child_id, User.id, User.display_name)
            .join(User, User.id == Guardianship.user_id)
            .where(Guardianship.child_id.in_(ids))
            .order_by(User.display_name)
        )
    )
    answered: dict[tuple[int, int], set[str]] = {}
    for consent in await session.scalars(select(Consent).where(Consent.child_id.in_(ids))):
        answered.setdefault((consent.child_id, consent.user_id), set()).add(consent.kind)
    missing: dict[int, list[str]] = {}
    for child_id, user_id, name in guardians:
        if not kind_keys <= answered.get((child_id, user_id), set()):
            missing.setdefault(child_id, []).append(name)
    return [(c, missing[c.id]) for c in children if c.id in missing]


def export_rows(changes: list[ConsentChange], child: Child) -> list[dict[str, object]]:
    return [
        {
            "child_id": child.id,
            "child": f"{child.first_name} {child.last_name}",
            "changed_at": c.changed_at.isoformat(),
            "by_user_id": c.user_id,
            "by": c.user_name,
            "kind": c.kind,
            "old": c.old,
            "new": c.new,
            "client": c.client,
        }
        for c in changes
    ]


def own_children_map(guardians: Mapping[int, set[int]]) -> dict[int, frozenset[int]]:
    """Invert child -> guardians into guardian -> children."""
    result: dict[int, set[int]] = defaultdict(set)
    for child, users in guardians.items():
        for user in users:
            result[user].add(child)
    return {user: frozenset(children) for user, children in result.items()}
