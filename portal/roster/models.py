"""Roster tables: organisation (the tenant), location, group, child, user,
guardianship (parent <-> child) and staff assignment (staff <-> group).

Every row hangs off an organisation; queries are always scoped by it.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, UTCDateTime, str_enum, utcnow


class CareType(enum.StrEnum):
    KDV = "kdv"
    BSO = "bso"
    PEUTEROPVANG = "peuteropvang"


class Role(enum.StrEnum):
    PARENT = "parent"
    STAFF = "staff"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.PARENT


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    leaving_window_days: Mapped[int] = mapped_column(Integer, default=90)
    absence_cutoff: Mapped[dt.time] = mapped_column(Time, default=dt.time(7, 30))
    edit_window_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    opens_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(7, 0), server_default="07:00:00")
    closes_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(18, 30), server_default="18:30:00")
    tablet_lock_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # video clips: the organisation's own limits, within the server's (``Settings.clip_max_*``)
    clip_max_seconds: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    clip_max_megabytes: Mapped[int] = mapped_column(Integer, default=500, server_default="500")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Group(Base):
    __tablename__ = "care_group"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    care_type: Mapped[CareType] = mapped_column(str_enum(CareType, "care_type"))

    location: Mapped[Location] = relationship(lazy="raise")


class Child(Base):
    __tablename__ = "child"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_ref"),
        Index(
            "ix_child_natural_key",
            "organisation_id",
            "first_name",
            "last_name",
            "birth_date",
        ),
        # a purged child's id lives on in anonymous photo tags: never give it to another child
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id"), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)

    group: Mapped[Group] = relationship(lazy="raise")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(2))
    invited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pin_hash: Mapped[str | None] = mapped_column(String(255))  # staff: unlocks a group tablet
    # wrong PINs in a row, on any tablet; at the limit the PIN locks until the password is entered
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # an ended account (a colleague who left): no sign-in, no session, no link, nothing delivered
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None and self.password_hash is not None

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


class Guardianship(Base):
    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("user_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(50), default="ouder")


class RosterChange(Base):
    """One line of the roster's audit log: who ended or changed whose access, when and why.

    Names are copied so a line stays readable after the actor's account is gone; a
    line about a child or a person goes with them when they are purged."""

    __tablename__ = "roster_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    child_name: Mapped[str] = mapped_column(String(200), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("care_group.id", ondelete="SET NULL"))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")


class StaffAssignment(Base):
    __tablename__ = "staff_assignment"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"), index=True)
