"""Writing the roster: create organisations, apply a validated child roster or
staff list inside the caller's transaction, and report what changed.

Applying the same file twice changes nothing the second time. Users created
here are returned for invitation; the caller sends invitations after commit.

A child roster is the full truth for every child it lists: a guardian link of a
listed child that the file no longer names is removed (logged, and its
entitlement taken back by the caller through ``report.ended``), but only when
the caller confirms removals; otherwise applying stops with the list, so no one
loses a child by a typo unnoticed. A guardian added to a child that already had
guardians is listed too: until they answer, unanswered consent counts as "no",
so new photos showing the child wait for them (what was shared already stays).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.database import utcnow
from portal.errors import Conflict, DomainError, InvalidInput, NotFound
from portal.roster import audit, extensions
from portal.roster.dates import today_for
from portal.roster.events import Ended
from portal.roster.importer import ChildPlan
from portal.roster.membership import remove_guardian
from portal.roster.models import (
    Child,
    Group,
    Guardianship,
    Location,
    Organisation,
    Role,
    User,
)
from portal.tenancy import SLUG_RE


@dataclass
class ImportReport:
    locations_created: int = 0
    groups_created: int = 0
    groups_updated: int = 0
    children_created: int = 0
    children_updated: int = 0
    children_unchanged: int = 0
    users_created: int = 0
    users_updated: int = 0
    links_created: int = 0
    links_removed: int = 0
    accounts_deactivated: int = 0
    invite_user_ids: list[int] = field(default_factory=list)
    # what a person should read before applying: (child, guardian) pairs
    guardians_removed: list[tuple[str, str]] = field(default_factory=list)
    guardians_added: list[tuple[str, str]] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    # children the file gives a last day in the past: (child, last day, whether that is past
    # the leaving window too, so the family loses access now and the child is purged)
    leaving_past: list[tuple[str, dt.date, bool]] = field(default_factory=list)
    ended: list[Ended] = field(default_factory=list)  # for the take-back, in the same transaction

    @property
    def purging(self) -> list[str]:
        """Children this file ends past their leaving window: purged at the next clean-up."""
        return [name for name, _, past_window in self.leaving_past if past_window]

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)} | {"invitations": len(self.invite_user_ids)}


async def create_organisation(
    session: AsyncSession,
    slug: str,
    name: str,
    *,
    leaving_window_days: int = 90,
    language: str = "nl",
) -> Organisation:
    if not SLUG_RE.match(slug):
        raise InvalidInput(detail=f"slug '{slug}': lowercase letters, digits and '-' only")
    if await session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise Conflict()
    organisation = Organisation(slug=slug, name=name, leaving_window_days=leaving_window_days, language=language)
    session.add(organisation)
    await session.flush()
    return organisation


async def get_organisation(session: AsyncSession, slug: str) -> Organisation:
    organisation = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound("error.org_not_found")
    return organisation


class _Roster:
    """The organisation's current roster, indexed for matching import rows."""

    def __init__(self, session: AsyncSession, organisation: Organisation, report: ImportReport) -> None:
        self.session = session
        self.org = organisation
        self.report = report
        self.locations: dict[str, Location] = {}
        self.groups: dict[tuple[int, str], Group] = {}
        self.users: dict[str, User] = {}
        self.children_by_ref: dict[str, Child] = {}
        self.children_by_name: dict[tuple[str, str, dt.date], Child] = {}
        self.links: dict[tuple[int, int], Guardianship] = {}

    async def load(self) -> None:
        org_id = self.org.id
        for loc in await self.session.scalars(select(Location).where(Location.organisation_id == org_id)):
            self.locations[loc.name.lower()] = loc
        for grp in await self.session.scalars(select(Group).where(Group.organisation_id == org_id)):
            self.groups[(grp.location_id, grp.name.lower())] = grp
        for user in await self.session.scalars(select(User).where(User.organisation_id == org_id)):
            self.users[user.email] = user
        for child in await self.session.scalars(select(Child).where(Child.organisation_id == org_id)):
            self._index_child(child)
        links = await self.session.scalars(
            select(Guardianship).join(Child, Child.id == Guardianship.child_id).where(Child.organisation_id == org_id)
        )
        for link in links:
            self.links[(link.user_id, link.child_id)] = link

    def _index_child(self, child: Child) -> None:
        if child.external_ref:
            self.children_by_ref[child.external_ref] = child
        self.children_by_name[(child.first_name.lower(), child.last_name.lower(), child.birth_date)] = child

    async def location(self, name: str) -> Location:
        if (loc := self.locations.get(name.lower())) is None:
            loc = Location(organisation_id=self.org.id, name=name)
            self.session.add(loc)
            await self.session.flush()
            self.locations[name.lower()] = loc
            self.report.locations_created += 1
        return loc

    async def group(self, plan: ChildPlan) -> Group:
        loc = await self.location(plan.location)
        key = (loc.id, plan.group.lower())
        if (grp := self.groups.get(key)) is None:
            grp = Group(
                organisation_id=self.org.id,
                location_id=loc.id,
                name=plan.group,
                care_type=plan.care_type,
            )
            self.session.add(grp)
            await self.session.flush()
            self.groups[key] = grp
            self.report.groups_created += 1
        elif grp.care_type is not plan.care_type:
            grp.care_type = plan.care_type
            self.report.groups_updated += 1
        return grp

    async def child(self, plan: ChildPlan, group: Group) -> Child:
        child = (self.children_by_ref.get(plan.child_ref) if plan.child_ref else None) or self.children_by_name.get(
            (plan.first_name.lower(), plan.last_name.lower(), plan.birth_date)
        )
        wanted = {
            "external_ref": plan.child_ref or (child.external_ref if child else None),
            "first_name": plan.first_name,
            "last_name": plan.last_name,
            "birth_date": plan.birth_date,
            "start_date": plan.start_date,
            "end_date": plan.end_date,
            "group_id": group.id,
        }
        if plan.end_date is not None and plan.end_date != (child.end_date if child else None):
            today = today_for(self.org)
            if plan.end_date < today:
                past_window = plan.end_date + dt.timedelta(days=self.org.leaving_window_days) < today
                name = f"{plan.first_name} {plan.last_name}"
                self.report.leaving_past.append((name, plan.end_date, past_window))
        if child is None:
            child = Child(organisation_id=self.org.id, **wanted)
            self.session.add(child)
            await self.session.flush()
            self.report.children_created += 1
        elif any(getattr(child, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(child, k, v)
            self.report.children_updated += 1
        else:
            self.report.children_unchanged += 1
        self._index_child(child)
        return child

    async def user(self, email: str, name: str, role: Role) -> User:
        user = self.users.get(email)
        if user is None:
            user = User(organisation_id=self.org.id, email=email, display_name=name, role=role)
            self.session.add(user)
            await self.session.flush()
            self.users[email] = user
            self.report.users_created += 1
        elif user.display_name != name and (user.role is Role.PARENT or role is not Role.PARENT):
            user.display_name = name
            self.report.users_updated += 1
        if user.invited_at is None and user.activated_at is None:
            user.invited_at = utcnow()
            self.report.invite_user_ids.append(user.id)
        return user

    async def link(self, user: User, child: Child, relation: str, *, new_child: bool) -> None:
        link = self.links.get((user.id, child.id))
        if link is None:
            link = Guardianship(user_id=user.id, child_id=child.id, relation=relation)
            self.session.add(link)
            self.links[(user.id, child.id)] = link
            self.report.links_created += 1
            if not new_child:  # the child's photos now wait for this person's consent too
                self.report.guardians_added.append((child.full_name, f"{user.display_name} <{user.email}>"))
                audit.record(
                    self.session, self.org.id, audit.Action.GUARDIAN_ADDED, actor=None, subject=user, child=child
                )
        elif link.relation != relation:
            link.relation = relation


async def apply_roster(
    session: AsyncSession,
    organisation: Organisation,
    plans: list[ChildPlan],
    *,
    actor: User | None = None,
    confirm_removals: bool = False,
) -> ImportReport:
    """Create or update everything in ``plans``; children missing from the file are left alone
    (leaving is set with an end date, not by omission). A listed child's guardians become
    exactly those listed; removing one needs ``confirm_removals`` (else ``RemovalsNeedConfirming``)."""
    report = ImportReport()
    roster = _Roster(session, organisation, report)
    await roster.load()
    listed: dict[int, tuple[Child, set[int]]] = {}
    for plan in plans:
        group = await roster.group(plan)
        created_before = report.children_created
        child = await roster.child(plan, group)
        for name, value in plan.extras:  # e.g. planning's contract columns
            await extensions.EXTENSIONS[name].apply(session, organisation, child, value)
        named = listed.setdefault(child.id, (child, set()))[1]
        for guardian in plan.guardians:
            user = await roster.user(guardian.email, guardian.name, Role.PARENT)
            await roster.link(user, child, guardian.relation, new_child=report.children_created > created_before)
            named.add(user.id)
    users = {u.id: u for u in roster.users.values()}
    kept: dict[int, set[int]] = {}
    for user_id, child_id in roster.links:
        kept.setdefault(child_id, set()).add(user_id)
    removals = [
        (child, users[u])
        for child, named in listed.values()
        for u in sorted(kept.get(child.id, set()) - named)
        if u in users
    ]
    report.guardians_removed = [(c.full_name, f"{u.display_name} <{u.email}>") for c, u in removals]
    if (removals or report.purging) and not confirm_removals:  # both take things away for good
        raise RemovalsNeedConfirming(report)
    for child, user in removals:
        report.ended += await remove_guardian(session, organisation, actor, child.id, user.id, REMOVED_BY_IMPORT)
        del roster.links[(user.id, child.id)]
        report.links_removed += 1
    await session.flush()
    return report


REMOVED_BY_IMPORT = "roster import"


class RemovalsNeedConfirming(DomainError):
    """Applying would take guardians off children: the caller must confirm first."""

    status = 409
    code = "removals_need_confirming"
    message_key = "roster.removals_need_confirming"

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(count=len(report.guardians_removed), purged=len(report.purging))


async def roster_index(session: AsyncSession, organisation: Organisation) -> _Roster:
    """The loaded roster, for imports that add to it (staff lists)."""
    roster = _Roster(session, organisation, ImportReport())
    await roster.load()
    return roster


async def set_end_date(
    session: AsyncSession, organisation: Organisation, child_id: int, end_date: dt.date | None, today: dt.date
) -> Child:
    """Record (or clear, with ``None``) a child's last day. A date whose leaving window is
    already over would purge the child at once: that is refused here (the roster import
    can still do it, deliberately)."""
    child = await session.get(Child, child_id)
    if child is None or child.organisation_id != organisation.id:
        raise NotFound()
    if end_date is not None:
        if end_date < child.start_date:
            raise InvalidInput("leaving.bad_end_date", start=child.start_date.isoformat())
        if end_date + dt.timedelta(days=organisation.leaving_window_days) < today:
            raise InvalidInput(
                "leaving.end_date_too_early", days=organisation.leaving_window_days, child=child.first_name
            )
    child.end_date = end_date
    await session.flush()
    return child
