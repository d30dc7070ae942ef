"""Account tables: one-time tokens for links sent by e-mail, sessions, and the
group tablets staff unlock with a personal PIN.

Only SHA-256 hashes of tokens are stored; the raw token exists in the link or
cookie alone. A session is a browser cookie, a bearer token for an app, or a
tablet unlock (a cookie that locks after the organisation's idle time); all are
listed per user and revocable.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, str_enum, utcnow


class TokenPurpose(enum.StrEnum):
    ACTIVATE = "activate"
    RESET = "reset"
    LOGIN = "login"


class SessionKind(enum.StrEnum):
    BROWSER = "browser"
    BEARER = "bearer"
    TABLET = "tablet"


class OneTimeToken(Base):
    __tablename__ = "one_time_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuthSession(Base):
    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, "session_kind"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # tablet unlocks: the device, and the idle time after which the session locks;
    # app tokens: the lifetime each use moves the end forward by (TOKEN_DAYS)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("tablet_device.id", ondelete="CASCADE"), index=True)
    idle_seconds: Mapped[int | None] = mapped_column(Integer)


class TabletDevice(Base):
    """A shared group tablet. Its cookie holds no one's identity: it only lets the
    group's staff unlock it with their PIN."""

    __tablename__ = "tablet_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
