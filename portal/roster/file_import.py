"""Importing a child roster or a staff list as one use case, shared by the CLI and
the admin page: check a file (the whole import runs and is rolled back, so the
report is exactly what applying would do) or apply it, inviting the new people
once the change is committed. Either way it is all or nothing.

Applying hands every ended entitlement (a guardian taken off a child, a staff
member out of a group, a deactivated account) to the runtime's take-back in the
same transaction. Taking guardians off children needs ``confirm_removals``: the
check lists them, and applying without it stops with ``RemovalsNeedConfirming``.
"""

from __future__ import annotations

from typing import Literal

from portal.accounts.invitations import invite_after_commit
from portal.roster.dates import today_for
from portal.roster.importer import parse_roster
from portal.roster.models import User
from portal.roster.service import ImportReport, apply_roster, get_organisation
from portal.roster.staff_import import apply_staff, parse_staff
from portal.runtime import Runtime

Kind = Literal["roster", "staff"]
KINDS: tuple[Kind, ...] = ("roster", "staff")


class _Checked(Exception):
    def __init__(self, report: ImportReport) -> None:
        self.report = report


async def import_file(
    rt: Runtime,
    organisation_slug: str,
    kind: Kind,
    data: bytes | str,
    *,
    dry_run: bool,
    actor: User | None = None,
    confirm_removals: bool = False,
) -> ImportReport:
    """The report of importing ``data``; raises ``ImportRejected`` (every bad line) or
    another ``DomainError`` and then nothing was changed."""
    try:
        async with rt.uow() as uow:
            organisation = await get_organisation(uow.session, organisation_slug)
            if kind == "roster":
                plans = parse_roster(data, today_for(organisation))
                report = await apply_roster(
                    uow.session, organisation, plans, actor=actor, confirm_removals=confirm_removals or dry_run
                )
            else:
                report = await apply_staff(uow.session, organisation, parse_staff(data), actor=actor)
            if dry_run:
                raise _Checked(report)  # leaves the unit of work: rolled back
            await rt.take_back(uow, report.ended)
            invite_after_commit(uow, rt.queue, report.invite_user_ids)
    except _Checked as checked:
        return checked.report
    return report
