"""Parsing a roster file: every bad line named with its reason, nothing half-read."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.roster.csvfile import ImportRejected
from portal.roster.importer import parse_roster
from portal.roster.models import CareType
from portal.roster.staff_import import parse_staff
from tests.harness import ROSTER, STAFF

TODAY = dt.date(2026, 11, 23)
HEADER = ROSTER.splitlines()[0]


def rejected(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as caught:
        parse_roster(text, TODAY)
    return [(e.line, e.message("en")) for e in caught.value.errors]


class TestGoodFile:
    def test_rows_become_plans(self) -> None:
        plans = parse_roster(ROSTER, TODAY)
        assert [p.first_name for p in plans] == ["Noor", "Sem", "Lina", "Mats"]
        assert plans[0].care_type is CareType.KDV
        assert [g.email for g in plans[0].guardians] == ["anna@example.nl", "bram@example.nl"]
        assert plans[0].guardians[0].relation == "moeder"
        assert plans[2].guardians[0].relation == "moeder"
        assert plans[1].end_date is None

    def test_excel_dialect_semicolons_bom_dutch_dates_and_loose_headers(self) -> None:
        text = (
            "\ufeffLocation;Group;Care Type;Child First Name;Child Last Name;Birth Date;Start Date;"
            "Guardian1 Name;Guardian1 Email\r\n"
            "Centrum;Rupsjes;KDV;Noor;Visser;01-03-2024;1/9/2024;Anna  Visser;ANNA@Example.nl\r\n"
        )
        [plan] = parse_roster(text.encode("utf-8"), TODAY)
        assert plan.birth_date == dt.date(2024, 3, 1)
        assert plan.start_date == dt.date(2024, 9, 1)
        assert plan.guardians[0].email == "anna@example.nl"
        assert plan.guardians[0].name == "Anna Visser"

    def test_excel_windows_1252_is_read_as_such(self) -> None:
        text = HEADER + "\nCentrum,Rupsjes,kdv,,Zoë,Brontë,2024-03-01,2024-09-01,,Anaïs Brontë,anais@example.nl,,,,\n"
        [plan] = parse_roster(text.encode("cp1252"), TODAY)
        assert (plan.first_name, plan.guardians[0].name) == ("Zoë", "Anaïs Brontë")

    def test_blank_lines_are_skipped(self) -> None:
        assert len(parse_roster(ROSTER + "\n,,,,\n\n", TODAY)) == 4


class TestBadRows:
    def test_a_file_in_neither_utf8_nor_windows_1252_is_refused_with_how_to_save_it(self) -> None:
        data = (HEADER + "\n").encode() + b"Centrum,Rupsjes,kdv,,No\x81r,Visser\n"
        with pytest.raises(ImportRejected) as caught:
            parse_roster(data, TODAY)
        [(line, message)] = [(e.line, e.message("nl")) for e in caught.value.errors]
        assert line == 1 and "CSV UTF-8" in message

    def test_each_bad_line_is_named_with_its_reason(self) -> None:
        lines = [
            HEADER,
            "Centrum,Rupsjes,kdv,,Noor,Visser,2024-03-01,2024-09-01,,Anna Visser,anna@example.nl,,,,",
            "Centrum,Rupsjes,creche,,Sem,Visser,2024-13-01,2024-09-01,,Anna Visser,anna@example.nl,,,,",
            "Centrum,Rupsjes,kdv,,,Visser,2024-03-01,2024-09-01,,Anna Visser,not-an-email,,,,",
            "Centrum,Rupsjes,kdv,,Lot,Visser,2030-03-01,2024-09-01,2023-01-01,Anna Visser,anna@example.nl,,Piet,,",
            "Centrum,Rupsjes,kdv,,Kim,Jong,2024-03-01,2024-09-01,,Joop Jong,joop@example.nl,,Joop Jong,joop@example.nl,",
        ]
        errors = rejected("\n".join(lines) + "\n")
        assert errors == [
            (3, "care_type 'creche' must be kdv, bso or peuteropvang"),
            (3, "birth_date '2024-13-01' is not a date (YYYY-MM-DD or DD-MM-YYYY)"),
            (4, "child_first_name is required"),
            (4, "guardian1_email 'not-an-email' is not a valid email address"),
            (5, "birth_date is in the future"),
            (5, "end_date is before start_date"),
            (5, "guardian2_name and guardian2_email go together"),
            (6, "guardian1 and guardian2 have the same email address"),
        ]

    def test_conflicts_across_rows(self) -> None:
        lines = [
            HEADER,
            "Centrum,Rupsjes,kdv,,Noor,Visser,2024-03-01,2024-09-01,,Anna Visser,anna@example.nl,,,,",
            "Centrum,Rupsjes,kdv,,Noor,Visser,2024-03-01,2024-09-01,,Anna Visser,anna@example.nl,,,,",
            "Centrum,Rupsjes,bso,,Sem,Visser,2020-03-01,2024-09-01,,Anna de Boer,anna@example.nl,,,,",
        ]
        errors = rejected("\n".join(lines) + "\n")
        assert errors == [
            (3, "this child is also on line 2"),
            (4, "group 'Rupsjes' has care_type bso here but kdv on line 2"),
            (4, "anna@example.nl is named 'Anna de Boer' here but 'Anna Visser' on line 2"),
        ]

    def test_missing_and_unknown_columns(self) -> None:
        errors = rejected("location,group,kids\nA,B,C\n")
        assert errors[0][0] == 1 and "Missing columns: care_type" in errors[0][1]
        assert errors[1] == (1, "Unknown columns: kids")

    def test_empty_file(self) -> None:
        assert rejected("") == [(1, "The file has no rows.")]
        assert rejected(HEADER + "\n") == [(1, "The file has no rows.")]

    def test_messages_are_dutch_by_default(self) -> None:
        with pytest.raises(ImportRejected) as caught:
            parse_roster(HEADER + "\nCentrum,Rupsjes,kdv,,,Visser,2024-03-01,2024-09-01,,A,a@example.nl,,,,\n", TODAY)
        assert caught.value.errors[0].message() == "child_first_name is verplicht"


class TestStaffFile:
    def test_good_staff_file(self) -> None:
        plans = parse_staff(STAFF)
        assert [(p.email, p.role.value, p.groups) for p in plans] == [
            ("ingrid@example.nl", "staff", (("Centrum", "Rupsjes"),)),
            ("kees@example.nl", "staff", (("Oost", "Boomhut"),)),
            ("wilma@example.nl", "manager", ()),
        ]

    def test_bad_staff_rows(self) -> None:
        text = "name,email,role,groups\nA,a@example.nl,boss,\nB,a@example.nl,staff,NoSlash\n"
        with pytest.raises(ImportRejected) as caught:
            parse_staff(text)
        assert [(e.line, e.message("en")) for e in caught.value.errors] == [
            (2, "role 'boss' must be staff, manager or admin"),
            (3, "group 'NoSlash' does not exist (use 'Location/Group')"),
            (3, "this email address is also on line 2"),
        ]
