"""Notify's tables: the devices a user subscribed for Web Push, their preferences,
how far their feed has been pushed and digested, and the organisation's choices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, utcnow


class PushSubscription(Base):
    """One browser's push endpoint (a phone, a laptop): the RFC 8030 endpoint URL and the
    RFC 8291 keys the payload is encrypted to. ``session_id`` is the login session that
    subscribed: logging out there removes it."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("auth_session.id", ondelete="SET NULL"), index=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class NotifyPreference(Base):
    """A user's choices. ``kinds`` lists the categories that notify (``notify.kinds``);
    quiet hours are in the organisation's zone; ``preview`` shows a first line on the
    lock screen instead of only the group's name."""

    __tablename__ = "notify_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)
    quiet_from: Mapped[dt.time | None] = mapped_column(Time)
    quiet_until: Mapped[dt.time | None] = mapped_column(Time)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)


class NotifyCursor(Base):
    """How far a user's feed was pushed (``pushed_seq``) and when the last digest went."""

    __tablename__ = "notify_cursor"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    pushed_seq: Mapped[int] = mapped_column(Integer, default=0)
    digest_seq: Mapped[int] = mapped_column(Integer, default=0)
    digest_on: Mapped[dt.date | None] = mapped_column(Date)


class OrganisationNotify(Base):
    """The organisation's choices: the categories urgent enough to break quiet hours, and
    the time of the daily digest (its own zone)."""

    __tablename__ = "organisation_notify"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    urgent_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(18, 30))
