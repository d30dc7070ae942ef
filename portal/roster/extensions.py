"""Optional roster columns that a package above portal reads and applies (planning's
contract columns): registered when that package is imported, checked with every other
column (a bad value is a bad line, and nothing is imported), applied in the import's
own transaction after the child is written. Portal knows only this interface."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal.roster.csvfile import RowReader
from portal.roster.models import Child, Organisation


@dataclass(frozen=True)
class RosterColumns:
    name: str
    columns: tuple[str, ...]
    # the row's value for these columns, or None when they are empty; errors go to the reader
    parse: Callable[[RowReader], object | None]
    apply: Callable[[AsyncSession, Organisation, Child, object], Awaitable[None]]


EXTENSIONS: dict[str, RosterColumns] = {}


def register(extension: RosterColumns) -> None:
    EXTENSIONS[extension.name] = extension


def optional_columns() -> tuple[str, ...]:
    return tuple(column for extension in EXTENSIONS.values() for column in extension.columns)
