"""Entitlements that end, as events: a guardian taken off a child, a staff member out
of a group, an account deactivated, a child purged.

The roster changes the links; what was handed out because of them (feed items,
photos, archives, open sockets) belongs to other packages, which portal may not
import. So roster use cases return these events and the caller hands them, inside
the same transaction, to a ``TakeBack``: the composition root plugs in messaging's
(``messaging.takeback``), so the link and everything it took back commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from portal.uow import UnitOfWork


@dataclass(frozen=True)
class GuardianRemoved:
    user_id: int
    child_id: int


@dataclass(frozen=True)
class StaffLeftGroup:
    user_id: int
    group_id: int


@dataclass(frozen=True)
class AccountDeactivated:
    user_id: int


Ended = GuardianRemoved | StaffLeftGroup | AccountDeactivated


class TakeBack(Protocol):
    async def __call__(self, uow: UnitOfWork, events: Sequence[Ended]) -> None:
        """Take back, in ``uow``'s transaction, what each ended entitlement had handed out."""


async def nothing_to_take_back(uow: UnitOfWork, events: Sequence[Ended]) -> None:
    """For tools that run without the other packages (none in production)."""
