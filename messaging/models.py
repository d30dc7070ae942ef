"""Messaging tables: the per-user feed (counter + items) and the content it points at
(group posts, diary entries, the structured day, family-thread messages).

A feed item is ``(user, seq) -> (kind, ref_id)``: it references content instead of
copying it, so an edit shows everywhere and a delete is gone from history and
replay alike, while the user's ``seq`` stays gap-free. ``feed_counter`` holds
each user's last ``seq``; it is advanced inside the writing transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, UTCDateTime, utcnow


class FeedCounter(Base):
    """A user's last ``seq``, and how far the user has read the feed (for the unread count).

    Every post updates one row per recipient: half of each page is left free on
    PostgreSQL so that the new row versions stay on their page (HOT updates, no index
    entry per update; measured in docs/benchmarks.md, "Big audiences")."""

    __tablename__ = "feed_counter"
    __table_args__ = ({"postgresql_with": {"fillfactor": 50}},)

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    read_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FeedItem(Base):
    """One item of one user's feed. Keyed by ``(user_id, seq)`` alone (no surrogate id:
    one index and no sequence call less per recipient), and with no foreign key: its
    per-row check was 40 % of a 2,000-family post's database time. A user's items are
    deleted with the user (``retention.purge_child``, ``feed.forget_users``)."""

    __tablename__ = "feed_item"
    __table_args__ = (Index("ix_feed_item_ref", "kind", "ref_id"),)

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    ref_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContentMixin:
    """What every piece of content has: an organisation, an author who may edit or
    delete it within the window, and its times. A delete empties the text and sets
    ``deleted_at``; the row stays so the feed's seq stays gap-free."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class GroupPost(ContentMixin, Base):
    """Staff -> every family of the group ("zwemkleding meenemen")."""

    __tablename__ = "group_post"

    group_id: Mapped[int] = mapped_column(ForeignKey("care_group.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=False)


class DiaryEntry(ContentMixin, Base):
    """A dagboek entry about one child, by its group's staff or its guardians."""

    __tablename__ = "diary_entry"

    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    media_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class DayEntry(ContentMixin, Base):
    """One moment of a child's structured day (``messaging.day``): a meal, a bottle, a
    nap, a nappy... ``kind`` names one of ``messaging.day_kinds``; ``details`` holds
    that kind's fields, already checked. ``at`` is when it happened (a nap: when it
    started), ``ends_at`` when a nap ended (``None`` while the child sleeps). The
    entries one action wrote for several children share ``batch``."""

    __tablename__ = "day_entry"
    __table_args__ = (Index("ix_day_entry_child_at", "child_id", "at"),)

    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    media_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    batch: Mapped[str] = mapped_column(String(32), index=True)


class DayKindSetting(Base):
    """An organisation's choice for one kind of day entry: switched off, or renamed.
    Without a row a kind is on, with its standard name."""

    __tablename__ = "day_kind_setting"
    __table_args__ = (UniqueConstraint("organisation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    label: Mapped[str | None] = mapped_column(String(40))


class MedicationInstruction(Base):
    """A guardian's standing instruction to give a child a medicine: staff see it before
    they log a dose, and a dose can only be logged against one that is in force."""

    __tablename__ = "medication_instruction"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    dose: Mapped[str] = mapped_column(String(100))
    when: Mapped[str] = mapped_column(String(200), default="")
    until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ThreadMessage(ContentMixin, Base):
    """A message in a child's family thread: its guardians <-> its group's staff.

    ``outside_hours`` marks a parent's message sent while the location is closed:
    the parent's screen says it will be read the next day; delivery is not delayed.
    """

    __tablename__ = "thread_message"

    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    reply_to_post_id: Mapped[int | None] = mapped_column(ForeignKey("group_post.id", ondelete="SET NULL"))


class NewsItem(ContentMixin, Base):
    """Nieuws from a manager or admin to every family of one location or the organisation."""

    __tablename__ = "news_item"

    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)


class AbsenceReport(ContentMixin, Base):
    """A guardian's afwezigheidsmelding. ``on_time`` records whether it came in before the
    organisation's cut-off on the first day: that decides whether the family earns tegoed."""

    __tablename__ = "absence_report"

    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    on_time: Mapped[bool] = mapped_column(Boolean)
    cutoff: Mapped[dt.time] = mapped_column(Time)


class PostAck(Base):
    """A family's "gelezen en akkoord" on a group post that asks for it, per child."""

    __tablename__ = "post_ack"
    __table_args__ = (UniqueConstraint("post_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("group_post.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadMark(Base):
    """That a user has read one item (a message, a group post)."""

    __tablename__ = "read_mark"
    __table_args__ = (UniqueConstraint("user_id", "content", "ref_id"), Index("ix_read_mark_ref", "content", "ref_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PurgeLog(Base):
    """What a purge of a departed child removed: counts only, never content."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(Integer)  # the id it had; nothing else about it is kept
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    purged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WriteKey(Base):
    """A client's idempotency key for a write (``Idempotency-Key``): a retried post,
    diary entry or message finds what the first attempt wrote instead of writing it
    twice. Unique per author; the content it names goes away with its author."""

    __tablename__ = "write_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    ref_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
