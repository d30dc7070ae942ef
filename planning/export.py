"""The month's care beyond contract, for the administration's invoicing system: per
child, the extra days and hours granted and not paid from credit or budget, with the
month whose invoice carries them. CSV that a spreadsheet cannot mistake for a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from planning.calendar import invoice_month
from planning.models import PlanningRequest
from planning.month import month_bounds
from planning.rules import DAY, Rules
from portal.roster.models import Child, Group

HEADER = [
    "maand",
    "kind_id",
    "kind_referentie",
    "voornaam",
    "achternaam",
    "groep",
    "datum",
    "dagdelen",
    "eenheid",
    "aantal",
    "factuurmaand",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A text a spreadsheet shows as text (OWASP CSV injection: a leading quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def month_csv(session: AsyncSession, organisation_id: int, month: dt.date, rules: Rules) -> str:
    first, last = month_bounds(month)
    rows = await session.execute(
        select(PlanningRequest, Child, Group.name)
        .join(Child, Child.id == PlanningRequest.child_id)
        .join(Group, Group.id == PlanningRequest.group_id)
        .where(
            PlanningRequest.organisation_id == organisation_id,
            PlanningRequest.status == "granted",
            PlanningRequest.invoiced > 0,
            PlanningRequest.day.between(first, last),
        )
        .order_by(Child.last_name, Child.first_name, PlanningRequest.day)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for request, child, group_name in rows:
        amount = request.invoiced if request.unit == DAY else f"{request.invoiced / 60:.2f}"
        writer.writerow(
            [
                cell(first.strftime("%Y-%m")),
                child.id,
                cell(child.external_ref or ""),
                cell(child.first_name),
                cell(child.last_name),
                cell(group_name),
                request.day.isoformat(),
                cell("+".join(request.dagdelen)),
                "dag" if request.unit == DAY else "uur",
                amount,
                invoice_month(rules, request.day).strftime("%Y-%m"),
            ]
        )
    return out.getvalue()
