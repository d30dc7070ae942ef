"""What one guardian's archive of one child holds, read when the build starts.

* Photos: every photo showing the child (or an untagged activity photo of the
  child's group) that this guardian has access to now, in the rendition they
  may see: a withdrawn consent has already removed the access row, and a
  masked rendition is what they get where one applies.
* The child's diary and its family thread, without deleted items.
* The child's structured day (``messaging.day``), one page per local day with its
  summary, in the organisation's names for the kinds.
* The sections packages above messaging register (``messaging.archive.extensions``):
  planning's contracts, requests and credit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag, is_clip
from messaging import day_kinds
from messaging.archive import extensions
from messaging.day_summary import duration_text, summarise, summary_text
from messaging.models import DayEntry, DayKindSetting, DiaryEntry, ThreadMessage
from portal.roster.models import Child, Organisation, User


@dataclass(frozen=True)
class PhotoItem:
    photo_id: int
    rendition_id: int
    mask_key: str
    taken: dt.datetime  # local time of the organisation: capture time, else upload time
    caption: str
    video: bool = False  # a clip: its file is the MP4, its images are the poster's

    @property
    def stem(self) -> str:
        return f"{self.taken:%Y-%m-%d_%H%M}_{self.photo_id}"

    @property
    def file_name(self) -> str:
        """The member under ``photos/``: the dated JPEG, or a clip's MP4."""
        return f"{self.stem}.mp4" if self.video else f"{self.stem}.jpg"

    @property
    def image_name(self) -> str:
        """The picture under ``thumbs/`` (and a clip's poster under ``posters/``)."""
        return f"{self.stem}.jpg"


@dataclass(frozen=True)
class TextItem:
    kind: str  # "diary" or "message"
    id: int
    author: str
    author_role: str
    body: str
    at: dt.datetime  # local


@dataclass(frozen=True)
class Moment:
    """One entry of a structured day, in words."""

    at: dt.datetime  # local
    time: str  # "12:30", a nap "12:30–14:00 (1 u 30 min)"
    label: str
    what: str
    author: str
    kind: str
    ends_at: dt.datetime | None  # local
    details: dict[str, object]


@dataclass(frozen=True)
class DayPage:
    date: dt.date
    summary: str
    moments: list[Moment]


@dataclass(frozen=True)
class Contents:
    organisation: str
    child_id: int
    child_name: str
    guardian: str
    made_at: dt.datetime
    photos: list[PhotoItem]
    texts: list[TextItem]
    days: list[DayPage]
    sections: dict[str, dict[str, object]] = field(default_factory=dict)


async def read_contents(session: AsyncSession, user: User, child: Child) -> Contents:
    organisation = await session.get(Organisation, child.organisation_id)
    assert organisation is not None
    zone = ZoneInfo(organisation.timezone)
    tagged = exists().where(PhotoTag.photo_id == Photo.id, PhotoTag.child_id == child.id)
    untagged = and_(~exists().where(PhotoTag.photo_id == Photo.id), Photo.group_id == child.group_id)
    rows = await session.execute(
        select(Photo, PhotoRendition)
        .join(PhotoAccess, PhotoAccess.photo_id == Photo.id)
        .join(PhotoRendition, PhotoRendition.id == PhotoAccess.rendition_id)
        .where(
            PhotoAccess.user_id == user.id,
            Photo.organisation_id == child.organisation_id,
            Photo.status == PhotoStatus.READY,
            or_(tagged, untagged),
        )
    )
    photos = sorted(
        (
            PhotoItem(
                photo.id,
                rendition.id,
                rendition.mask_key,
                (photo.taken_at or photo.created_at).astimezone(zone),
                photo.caption,
                is_clip(photo),
            )
            for photo, rendition in rows
        ),
        key=lambda p: (p.taken, p.photo_id),
    )
    texts: list[TextItem] = []
    models: tuple[tuple[str, type[DiaryEntry] | type[ThreadMessage]], ...] = (
        ("diary", DiaryEntry),
        ("message", ThreadMessage),
    )
    for kind, model in models:
        found = await session.execute(
            select(model, User.display_name, User.role)
            .outerjoin(User, User.id == model.author_id)
            .where(model.child_id == child.id, model.deleted_at.is_(None))
        )
        for row in found:
            item = cast("DiaryEntry | ThreadMessage", row[0])
            author, role = row[1], row[2]
            texts.append(
                TextItem(
                    kind,
                    item.id,
                    author or "",
                    "staff" if role is not None and role.is_staff else "parent",
                    item.body,
                    item.created_at.astimezone(zone),
                )
            )
    texts.sort(key=lambda t: (t.at, t.kind, t.id))
    made_at = dt.datetime.now(zone)
    days = await _day_pages(session, organisation, child, made_at, user.language or organisation.language)
    return Contents(
        organisation=organisation.name,
        child_id=child.id,
        child_name=f"{child.first_name} {child.last_name}",
        guardian=user.display_name,
        made_at=made_at,
        photos=photos,
        texts=texts,
        days=days,
        sections={name: await section(session, user, child) for name, section in extensions.SECTIONS.items()},
    )


async def _day_pages(
    session: AsyncSession, organisation: Organisation, child: Child, now: dt.datetime, lang: str
) -> list[DayPage]:
    """The structured day, grouped by the local day each entry began."""
    zone = ZoneInfo(organisation.timezone)
    settings = await day_kinds.settings_of(session, organisation.id)
    rows = await session.execute(
        select(DayEntry, User.display_name)
        .outerjoin(User, User.id == DayEntry.author_id)
        .where(DayEntry.child_id == child.id, DayEntry.deleted_at.is_(None))
        .order_by(DayEntry.at, DayEntry.id)
    )
    by_day: dict[dt.date, list[tuple[DayEntry, str]]] = {}
    for entry, author in rows:
        by_day.setdefault(entry.at.astimezone(zone).date(), []).append((entry, author or ""))
    pages = []
    for date, found in by_day.items():
        moments = [_moment(entry, author, zone, settings, lang) for entry, author in found]
        summary = summary_text(summarise([e for e, _ in found], now), lang)
        pages.append(DayPage(date, summary, moments))
    return pages


def _moment(entry: DayEntry, author: str, zone: ZoneInfo, settings: dict[str, DayKindSetting], lang: str) -> Moment:
    at = entry.at.astimezone(zone)
    time = f"{at:%H:%M}"
    if entry.kind == "sleep" and entry.ends_at is not None:
        minutes = int((entry.ends_at - entry.at).total_seconds() // 60)
        time = f"{at:%H:%M}–{entry.ends_at.astimezone(zone):%H:%M} ({duration_text(minutes, lang)})"
    what = day_kinds.describe(entry.kind, entry.details or {}, lang)
    ends_at = entry.ends_at.astimezone(zone) if entry.ends_at else None
    label = day_kinds.label(entry.kind, settings, lang)
    return Moment(at, time, label, what, author, entry.kind, ends_at, dict(entry.details or {}))
