"""The ``Archive`` row: one build of one guardian's download for one child.

Status ``building`` -> ``ready`` | ``failed``; while building, ``building`` holds
``"<user>:<child>"`` (unique), so a second request joins the running build; ``expires_at`` is set when ready
(7 days, or the end of the leaving window when the child has left). The ZIP
lives at ``object_key`` in storage, under the organisation's prefix.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, str_enum, utcnow


class ArchiveStatus(enum.StrEnum):
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # deleted from storage


class Archive(Base):
    __tablename__ = "archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<user>:<child>" while building, else empty: at most one build per guardian and child at a time
    building: Mapped[str | None] = mapped_column(String(40), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    status: Mapped[ArchiveStatus] = mapped_column(str_enum(ArchiveStatus, "archive_status"))
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    object_key: Mapped[str] = mapped_column(String(200), default="")
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    photo_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # first complete download
