"""Parsing and validating a roster file (one row per child) into a plan, with no I/O.

Columns (header names, any order; see docs/roster-import.md):
required ``location, group, care_type, child_first_name, child_last_name,
birth_date, start_date, guardian1_name, guardian1_email``; optional
``child_ref, end_date, guardian1_relation, guardian2_name, guardian2_email,
guardian2_relation``. Every problem is reported with its line number; checks
that span rows (the same child twice, one e-mail under two names, one group
with two care types) are done here too, so a bad file is rejected before the
database is touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.roster import extensions
from portal.roster.csvfile import ImportRejected, RowError, RowReader, read_rows
from portal.roster.models import CareType

REQUIRED = (
    "location",
    "group",
    "care_type",
    "child_first_name",
    "child_last_name",
    "birth_date",
    "start_date",
    "guardian1_name",
    "guardian1_email",
)
OPTIONAL = (
    "child_ref",
    "end_date",
    "guardian1_relation",
    "guardian2_name",
    "guardian2_email",
    "guardian2_relation",
)


@dataclass(frozen=True)
class GuardianPlan:
    name: str
    email: str
    relation: str


@dataclass(frozen=True)
class ChildPlan:
    line: int
    location: str
    group: str
    care_type: CareType
    child_ref: str | None
    first_name: str
    last_name: str
    birth_date: dt.date
    start_date: dt.date
    end_date: dt.date | None
    guardians: tuple[GuardianPlan, ...]
    extras: tuple[tuple[str, object], ...] = ()  # registered extensions' values (portal.roster.extensions)

    @property
    def natural_key(self) -> tuple[str, ...]:
        if self.child_ref:
            return ("ref", self.child_ref)
        return (
            "name",
            self.first_name.lower(),
            self.last_name.lower(),
            self.birth_date.isoformat(),
        )


def parse_roster(data: bytes | str, today: dt.date) -> list[ChildPlan]:
    """The validated plan, or ``ImportRejected`` listing every bad line."""
    rows, errors = read_rows(data, REQUIRED, OPTIONAL + extensions.optional_columns())
    if errors:
        raise ImportRejected(errors)
    plans: list[ChildPlan] = []
    for line, row in rows:
        plan = _parse_row(RowReader(line, row, errors), today)
        if plan is not None:
            plans.append(plan)
    errors.extend(_cross_row_errors(plans))
    if errors:
        raise ImportRejected(errors)
    return plans


def _parse_row(r: RowReader, today: dt.date) -> ChildPlan | None:
    before = len(r.errors)
    location = r.text("location")
    group = r.text("group")
    care_raw = r.text("care_type").lower()
    care_type: CareType | None = None
    if care_raw:
        try:
            care_type = CareType(care_raw)
        except ValueError:
            r.errors.append(RowError(r.line, "import.bad_care_type", {"value": care_raw}))
    child_ref = r.text("child_ref", required=False, max_len=64) or None
    first = r.text("child_first_name", max_len=100)
    last = r.text("child_last_name", max_len=100)
    birth = r.date("birth_date")
    start = r.date("start_date")
    end = r.date("end_date", required=False)
    if birth and birth > today:
        r.errors.append(RowError(r.line, "import.future_birth"))
    if start and end and end < start:
        r.errors.append(RowError(r.line, "import.end_before_start"))
    guardians = []
    for prefix, required in (("guardian1", True), ("guardian2", False)):
        name = r.text(f"{prefix}_name", required=required)
        email = r.email(f"{prefix}_email", required=required)
        relation = r.text(f"{prefix}_relation", required=False, max_len=50) or "ouder"
        raw_email = r.row.get(f"{prefix}_email", "").strip()
        if not required and bool(name) != bool(raw_email):
            r.errors.append(RowError(r.line, "import.guardian_incomplete", {"prefix": prefix}))
        if name and email:
            guardians.append(GuardianPlan(name, email, relation))
    if len(guardians) == 2 and guardians[0].email == guardians[1].email:
        r.errors.append(RowError(r.line, "import.same_guardian_twice"))
    extras = []
    for extension in extensions.EXTENSIONS.values():
        value = extension.parse(r)
        if value is not None:
            extras.append((extension.name, value))
    if len(r.errors) > before or care_type is None or birth is None or start is None:
        return None
    return ChildPlan(
        r.line,
        location,
        group,
        care_type,
        child_ref,
        first,
        last,
        birth,
        start,
        end,
        tuple(guardians),
        tuple(extras),
    )


def _cross_row_errors(plans: list[ChildPlan]) -> list[RowError]:
    errors: list[RowError] = []
    seen_child: dict[tuple[str, ...], int] = {}
    seen_email: dict[str, tuple[int, str]] = {}
    seen_group: dict[tuple[str, str], tuple[int, CareType]] = {}
    for plan in plans:
        if (other := seen_child.setdefault(plan.natural_key, plan.line)) != plan.line:
            errors.append(RowError(plan.line, "import.duplicate_child", {"other": other}))
        group_key = (plan.location.lower(), plan.group.lower())
        other_line, other_type = seen_group.setdefault(group_key, (plan.line, plan.care_type))
        if other_type is not plan.care_type:
            errors.append(
                RowError(
                    plan.line,
                    "import.care_type_conflict",
                    {
                        "group": plan.group,
                        "value": plan.care_type.value,
                        "other": other_line,
                        "other_value": other_type.value,
                    },
                )
            )
        for guardian in plan.guardians:
            other_line, other_name = seen_email.setdefault(guardian.email, (plan.line, guardian.name))
            if other_name.lower() != guardian.name.lower():
                errors.append(
                    RowError(
                        plan.line,
                        "import.email_name_conflict",
                        {
                            "email": guardian.email,
                            "name": guardian.name,
                            "other": other_line,
                            "other_name": other_name,
                        },
                    )
                )
    return errors
