"""Imports every model module of the shell so Alembic and tests see all tables.

Domain packages register their own tables on the same ``Base``; migrations
import this module and the composition root imports the rest.
"""

from portal.accounts.models import AuthSession, OneTimeToken
from portal.roster.models import (
    CareType,
    Child,
    Group,
    Guardianship,
    Location,
    Organisation,
    Role,
    RosterChange,
    StaffAssignment,
    User,
)

__all__ = [
    "AuthSession",
    "CareType",
    "Child",
    "Group",
    "Guardianship",
    "Location",
    "OneTimeToken",
    "Organisation",
    "Role",
    "RosterChange",
    "StaffAssignment",
    "User",
]
