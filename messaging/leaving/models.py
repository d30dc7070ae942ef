"""``LeavingNotice``: which leaving e-mail went to which guardian for which child, so
the hourly job sends each one once."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, str_enum, utcnow


class NoticeKind(enum.StrEnum):
    STARTED = "started"  # the end date passed: read-only from now, download before the deadline
    REMINDER = "reminder"  # the deadline is REMINDER_DAYS away


class LeavingNotice(Base):
    __tablename__ = "leaving_notice"
    __table_args__ = (UniqueConstraint("child_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, "leaving_notice_kind"))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
