"""Planning's tables: the organisation's rules, each location's choices, each group's
places and staff plan, closing days, the children's contracts, requests (swap and
extra days) and the append-only credit ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, utcnow


class PlanningSettings(Base):
    """The organisation's rule set: a preset's name and every number (``planning.rules``)."""

    __tablename__ = "planning_settings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LocationPlanning(Base):
    """A location's choice: requests that fit are granted at once (auto) or all wait for a
    person (manual); whether it offers early (07:00) and late (18:00-19:00) care."""

    __tablename__ = "location_planning"

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), primary_key=True)
    auto_decide: Mapped[bool] = mapped_column(Boolean, default=True)
    early_care: Mapped[bool] = mapped_column(Boolean, default=False)
    late_care: Mapped[bool] = mapped_column(Boolean, default=False)


class GroupRoom(Base):
    """A group's kindplaatsen. The row is also the group's lock: every decision about the
    group's room bumps ``version`` first, so two decisions about it never interleave."""

    __tablename__ = "group_room"

    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    places: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)


class StaffPlan(Base):
    """How many professionals a group has in a dagdeel of a regular week (weekday 0 = Monday)."""

    __tablename__ = "staff_plan"
    __table_args__ = (UniqueConstraint("group_id", "weekday", "dagdeel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    dagdeel: Mapped[str] = mapped_column(String(20))
    staff: Mapped[int] = mapped_column(Integer)


class ClosingDay(Base):
    """A day a location is closed (a study day, between Christmas and New Year)."""

    __tablename__ = "closing_day"
    __table_args__ = (UniqueConstraint("location_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Contract(Base):
    """A child's contracted care: the kind, the weekly schedule (``{"0": ["ochtend",
    "middag"], ...}``, weekday 0 = Monday), the product's weeks a year, start and end."""

    __tablename__ = "care_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    care_type: Mapped[str] = mapped_column(String(20))
    schedule: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    weeks: Mapped[int] = mapped_column(Integer, default=52)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    def dagdelen_on(self, day: dt.date) -> tuple[str, ...]:
        if day < self.starts_on or (self.ends_on is not None and day > self.ends_on):
            return ()
        return tuple(self.schedule.get(str(day.weekday()), ()))


class PlanningRequest(Base):
    """A family's request: ``swap`` (give up ``gives_up`` for ``day``) or ``extra`` (a day
    beyond the contract, paid from credit when ``use_credit``). ``status``: pending (in
    the inbox), waiting (on the wait list), granted, refused, cancelled. ``invoiced`` is
    what the credit did not cover, in the rule set's unit, for the invoicing export."""

    __tablename__ = "planning_request"
    __table_args__ = (Index("ix_planning_request_group_day", "group_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    day: Mapped[dt.date] = mapped_column(Date)
    dagdelen: Mapped[list[str]] = mapped_column(JSON)
    gives_up: Mapped[dt.date | None] = mapped_column(Date)
    use_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    wait: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(Integer, default=0)
    invoiced: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """One line of a child's credit (tegoed) or budget, never changed once written.
    ``earned`` (and a positive ``corrected``) opens a lot that is valid until
    ``expires_on``; ``spent``, ``expired``, ``withdrawn`` and ``returned`` name the lot
    they take from or give back to. The balance is the sum of ``amount``.
    ``source`` makes writing the same fact twice impossible (an absence's day, a lot's
    expiry)."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    entry: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    care_type: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("planning_request.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(String(80), unique=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
