"""Importing a child roster or a staff list as one use case, shared by the CLI and
the admin page: check a file (the whole import runs and is rolled back, so the
report is exactly what applying would do) or apply it, inviting the new people
once the change is committed. Either way it is all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from portal.accounts.invitations import invite_after_commit
from portal.roster.importer import parse_roster
from portal.roster.service import ImportReport, apply_roster, get_organisation
from portal.roster.staff_import import apply_staff, parse_staff
from portal.runtime import Runtime

Kind = Literal["roster", "staff"]
KINDS: tuple[Kind, ...] = ("roster", "staff")


class _Checked(Exception):
    def __init__(self, report: ImportReport) -> None:
        self.report = report


async def import_file(
    rt: Runtime, organisation_slug: str, kind: Kind, data: bytes | str, *, dry_run: bool, today: dt.date
) -> ImportReport:
    """The report of importing ``data``; raises ``ImportRejected`` (every bad line) or
    another ``DomainError`` and then nothing was changed."""
    try:
        async with rt.uow() as uow:
            organisation = await get_organisation(uow.session, organisation_slug)
            if kind == "roster":
                report = await apply_roster(uow.session, organisation, parse_roster(data, today))
            else:
                report = await apply_staff(uow.session, organisation, parse_staff(data))
            if dry_run:
                raise _Checked(report)  # leaves the unit of work: rolled back
            invite_after_commit(uow, rt.queue, report.invite_user_ids)
    except _Checked as checked:
        return checked.report
    return report
