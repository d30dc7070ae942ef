"""Sections of "download everything" that a package above messaging adds (planning's
contracts, requests and credit): registered when that package loads, read in the
build's own transaction with the rest of the contents, and written into
``export.json`` under the section's name and as ``<name>.json`` beside it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from portal.roster.models import Child, User

Section = Callable[[AsyncSession, User, Child], Awaitable[dict[str, object]]]

SECTIONS: dict[str, Section] = {}


def register(name: str, section: Section) -> None:
    SECTIONS[name] = section
