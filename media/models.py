"""Photo tables: the uploaded photo, its tags, its renditions and who may see which.

* ``Photo``: one upload, a photo or a video clip (``kind`` ``mp4``/``mov``: ``is_clip``)
  (idempotency key unique per uploader, with the bytes' SHA-256
  so the same key with other bytes is refused), its status
  (uploaded -> processing -> ready | blocked | failed with a reason) and what the
  worker read from it (upright size, ``taken_at``). Its original is stored at
  ``original_key`` and never served.
* ``PhotoTag``: a child shown in the photo, optionally with a mask rectangle; after
  the child is purged, an anonymous tombstone (no child, the mask kept).
* ``PhotoRendition``: the photo with one set of children masked (``mask_key``
  lists their ids; ``""`` is unmasked); its derivatives live under
  ``org/<org>/photos/<photo>/<rendition>/``.
* ``PhotoAccess``: that a user may see a photo, and in which rendition (its
  ``mask_key``; ``rendition_id`` is empty while that rendition is being made).
  Every media request is checked against it; withdrawing access deletes the row.
  ``Photo.blocked_by`` names the children that block a ``blocked`` photo.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, str_enum, utcnow


class PhotoStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    READY = "ready"
    BLOCKED = "blocked"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (PhotoStatus.READY, PhotoStatus.BLOCKED, PhotoStatus.FAILED)


class Photo(Base):
    __tablename__ = "photo"
    __table_args__ = (UniqueConstraint("uploader_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(100), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    diary_entry_id: Mapped[int | None] = mapped_column(ForeignKey("diary_entry.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    byte_size: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    original_key: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[PhotoStatus] = mapped_column(str_enum(PhotoStatus, "photo_status"))
    failure_reason: Mapped[str | None] = mapped_column(String(60))
    blocked_by: Mapped[str] = mapped_column(String(400), default="", server_default="")  # child ids, "3,7"
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)  # a clip's length; ``None`` for a photo
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # which job holds the photo while it is ``processing``, since when (``media.pipeline.claim``)
    claimed_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


CLIP_KINDS = frozenset({"mp4", "mov"})


def is_clip(photo: Photo) -> bool:
    """A video clip travels as a photo row (same tags, consent, access, take-back) whose
    renditions carry MP4s beside the poster's derivatives."""
    return photo.kind in CLIP_KINDS


class PhotoTag(Base):
    __tablename__ = "photo_tag"
    __table_args__ = (UniqueConstraint("photo_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), index=True)
    # ``None``: a tombstone of a purged child's tag. Its mask stays, and it counts as a
    # child without consent and without family (``former_child_id``, a number with no
    # row behind it, keeps mask keys as they were), so a purge never widens who sees it
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id", ondelete="SET NULL"), index=True)
    former_child_id: Mapped[int | None] = mapped_column(Integer)
    mask_x: Mapped[float | None] = mapped_column(Float)
    mask_y: Mapped[float | None] = mapped_column(Float)
    mask_w: Mapped[float | None] = mapped_column(Float)
    mask_h: Mapped[float | None] = mapped_column(Float)

    @property
    def shown(self) -> int:
        """Whom the tag stands for in consent decisions and mask keys."""
        shown = self.child_id if self.child_id is not None else self.former_child_id
        assert shown is not None
        return shown


class PhotoRendition(Base):
    __tablename__ = "photo_rendition"
    __table_args__ = (UniqueConstraint("photo_id", "mask_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"))
    mask_key: Mapped[str] = mapped_column(String(400), default="")
    placeholder: Mapped[str] = mapped_column(String(7))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class PhotoAccess(Base):
    __tablename__ = "photo_access"
    __table_args__ = (UniqueConstraint("photo_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    mask_key: Mapped[str] = mapped_column(String(400), default="", server_default="")
    # None while the rendition for ``mask_key`` is still being made: entitled, but nothing to serve yet
    rendition_id: Mapped[int | None] = mapped_column(ForeignKey("photo_rendition.id", ondelete="CASCADE"), index=True)
