"""Contracts in the roster file: the optional columns ``contract_schedule`` (``ma di
do``, ``ma:ochtend wo:ochtend+vroeg``), ``contract_weeks`` (40, 46, 48 or 52; default
52) and ``contract_start`` (default the child's start date). Checked with every other
column, so one bad schedule rejects the whole file; applied in the import's own
transaction (``portal.roster.extensions``). Registered when planning is imported."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning import admin
from portal.errors import InvalidInput
from portal.roster import extensions
from portal.roster.csvfile import RowError, RowReader
from portal.roster.models import Child, Organisation

COLUMNS = ("contract_schedule", "contract_weeks", "contract_start")


def parse(r: RowReader) -> dict[str, Any] | None:
    schedule = r.text("contract_schedule", required=False, max_len=200)
    if not schedule:
        return None
    start = r.date("contract_start", required=False) or r.date("start_date", required=False)
    try:
        values = admin.contract_values(
            {
                "care_type": r.text("care_type", required=False).lower() or "kdv",
                "schedule": schedule,
                "weeks": r.text("contract_weeks", required=False) or 52,
                "starts_on": start.isoformat() if start else "",
            }
        )
    except InvalidInput as exc:
        problem = exc.key.rsplit(".", 1)[-1]  # bad_schedule, bad_weeks, bad_date, bad_care_type
        r.errors.append(RowError(r.line, f"import.contract.{problem}", {"value": schedule}))
        return None
    return values


async def apply(session: AsyncSession, organisation: Organisation, child: Child, value: object) -> None:
    assert isinstance(value, dict)
    await admin.put_contract(session, child, value)


extensions.register(extensions.RosterColumns("planning.contract", COLUMNS, parse, apply))

__all__ = ["COLUMNS"]
