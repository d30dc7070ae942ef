"""Reading roster CSV files the way organisations produce them: UTF-8 with or
without a BOM, comma or semicolon separated (Dutch Excel), header names in any
case, Dutch or ISO dates. Shared by the child roster and the staff list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from portal.i18n import translate

EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[A-Za-z]{2,}$")
MAX_TEXT = 200


@dataclass(frozen=True)
class RowError:
    line: int
    key: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str = "nl") -> str:
        return translate(self.key, lang, **self.params)


class ImportRejected(Exception):
    """The file was not applied; ``errors`` names every bad line and why."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__(f"{len(self.errors)} error(s)")


def decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def read_rows(
    data: bytes | str, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """``(line number, row)`` pairs with normalised headers, and header errors. A file in
    Windows-1252 (what Excel writes for "CSV" in a Dutch or English Windows) is read as
    such; anything else that is not UTF-8 is refused with how to save it."""
    text = decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    if text is None:
        return [], [RowError(1, "import.not_utf8")]
    sample = text[:4096]
    delimiter = ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, "import.empty")]
    names = [h.strip().lower().replace(" ", "_") for h in header]
    errors: list[RowError] = []
    missing = [c for c in required if c not in names]
    unknown = [c for c in names if c and c not in required and c not in optional]
    if missing:
        errors.append(RowError(1, "import.missing_columns", {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(RowError(1, "import.unknown_columns", {"columns": ", ".join(unknown)}))
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names) if name}
        rows.append((line, row))
    if not rows and not errors:
        errors.append(RowError(1, "import.empty"))
    return rows, errors


class RowReader:
    """Typed access to one row that collects errors instead of raising."""

    def __init__(self, line: int, row: dict[str, str], errors: list[RowError]) -> None:
        self.line = line
        self.row = row
        self.errors = errors

    def text(self, name: str, *, required: bool = True, max_len: int = MAX_TEXT) -> str:
        value = " ".join(self.row.get(name, "").split())
        if required and not value:
            self.errors.append(RowError(self.line, "import.required", {"field": name}))
        elif len(value) > max_len:
            self.errors.append(RowError(self.line, "import.too_long", {"field": name, "max": max_len}))
        return value

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        value = self.row.get(name, "").strip()
        if not value:
            if required:
                self.errors.append(RowError(self.line, "import.required", {"field": name}))
            return None
        for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        self.errors.append(RowError(self.line, "import.bad_date", {"field": name, "value": value}))
        return None

    def email(self, name: str, *, required: bool = True) -> str:
        value = self.row.get(name, "").strip().lower()
        if not value:
            if required:
                self.errors.append(RowError(self.line, "import.required", {"field": name}))
            return ""
        if len(value) > 254 or not EMAIL_RE.match(value):
            self.errors.append(RowError(self.line, "import.bad_email", {"field": name, "value": value}))
            return ""
        return value
