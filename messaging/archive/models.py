"""The ``Archive`` row: one build of one guardian's download for one child.

Status ``building`` -> ``ready`` | ``failed``; ``ready`` -> ``expired`` (its time is up) or
``stale`` (a take-back touched a photo in it: deleted, a new one is built when the
guardian asks again); while building, ``building`` holds
``"<user>:<child>"`` (unique), so a second request joins the running build; ``expires_at`` is set when ready
(7 days, or the end of the leaving window when the child has left). The ZIP
lives at ``object_key`` in storage, under the organisation's prefix.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, str_enum, utcnow


class ArchiveStatus(enum.StrEnum):
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # deleted from storage
    STALE = "stale"  # what it holds was taken back: deleted from storage, made anew when asked


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
    # raised by every take-back that touches it: a build publishes only what it started on
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ArchivePhoto(Base):
    """A photo an archive holds (or its build is writing), in the rendition it holds:
    a take-back finds every archive with an affected photo here."""

    __tablename__ = "archive_photo"
    __table_args__ = (UniqueConstraint("archive_id", "photo_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_id: Mapped[int] = mapped_column(ForeignKey("archive.id", ondelete="CASCADE"))
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), index=True)
    mask_key: Mapped[str] = mapped_column(String(400), default="")
