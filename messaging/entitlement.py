"""What a user may see NOW, for everything the feed already holds.

A feed item was delivered to whoever was entitled when it was written. Replay,
history pages and the home page read those items again later, when some of the
entitlements may have ended: a guardian taken off a child, a staff member out of
a group or the organisation, a child whose leaving window closed, a photo's
consent withdrawn. So every frame read back from the feed is judged here against
the viewer's current facts (``portal.roster.viewer``: one read per page), and what
they may no longer see is replaced by the same placeholder a deleted item gets,
``{"id": ..., "deleted": true}``: its ``seq`` stays (the feed has no gaps), nothing
of its content does. News, deletions and retractions are everyone's who received
them. A kind not named here is withheld (a new kind must say whom it is about).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from media.models import Photo, PhotoRendition, PhotoTag
from messaging import protocol
from portal.roster.viewer import Viewer, viewer_of, viewers_of

__all__ = ["Viewer", "photo_facts", "viewer_of", "viewers_of", "withhold", "withhold_many"]

Data = dict[str, Any]

# what each kind's data says it is about
_ABOUT_CHILD = (
    protocol.DIARY_ENTRY,
    protocol.DAY_ENTRY,
    protocol.MESSAGE,
    protocol.ABSENCE,
    protocol.POST_ACK,
    protocol.ARCHIVE,
    protocol.PLANNING,
)
_ABOUT_GROUP = (protocol.GROUP_POST,)


async def photo_facts(session: AsyncSession, rendition_ids: Iterable[int]) -> dict[int, tuple[int, frozenset[int]]]:
    """rendition -> (its photo's group, the children tagged in it). A purged child's
    tombstone stays in the set: nobody's child, yet the photo is still not an
    untagged activity photo."""
    ids = set(rendition_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(PhotoRendition.id, Photo.group_id, PhotoTag)
        .join(Photo, Photo.id == PhotoRendition.photo_id)
        .outerjoin(PhotoTag, PhotoTag.photo_id == Photo.id)
        .where(PhotoRendition.id.in_(ids))
    )
    groups: dict[int, int] = {}
    tags: dict[int, set[int]] = defaultdict(set)
    for rendition_id, group_id, tag in rows:
        groups[rendition_id] = group_id
        if tag is not None:
            tags[rendition_id].add(tag.shown)
    return {r: (g, frozenset(tags.get(r, ()))) for r, g in groups.items()}


def _content(kind: str) -> str:
    return kind.split(".", 1)[0]


async def withhold(session: AsyncSession, viewer: Viewer, frames: list[Data]) -> list[Data]:
    """``frames`` with what ``viewer`` may no longer see replaced by placeholders."""
    shared = {f["data"]["rendition"] for f in frames if f["kind"] == protocol.PHOTO_SHARED and "rendition" in f["data"]}
    photos = await photo_facts(session, shared)
    return [frame if _visible(viewer, frame, photos) else _placeholder(frame) for frame in frames]


async def withhold_many(
    session: AsyncSession, viewers: dict[int, Viewer], frames: dict[int, list[Data]]
) -> dict[int, list[Data]]:
    """``withhold`` for many viewers (``{user id: frames}``), with the photos' facts read once."""
    shared = {
        f["data"]["rendition"]
        for user_frames in frames.values()
        for f in user_frames
        if f["kind"] == protocol.PHOTO_SHARED and "rendition" in f["data"]
    }
    photos = await photo_facts(session, shared)
    return {
        user_id: [frame if _visible(viewers[user_id], frame, photos) else _placeholder(frame) for frame in user_frames]
        for user_id, user_frames in frames.items()
    }


def _visible(viewer: Viewer, frame: Data, photos: dict[int, tuple[int, frozenset[int]]]) -> bool:
    kind, data = frame["kind"], frame["data"]
    if data.get("deleted") or kind in protocol.RETRACT_KINDS:
        return True
    content = _content(kind)
    if kind == protocol.PLANNING_REQUESTED:  # the inbox's news: for who decides in that group
        return viewer.every_group and viewer.works_in(int(data["group"]["id"]))
    if content in _ABOUT_CHILD:
        return viewer.sees_child(int(data["child"]["id"]))
    if content in _ABOUT_GROUP:
        return viewer.sees_group(int(data["group"]["id"]))
    if kind == protocol.PHOTO_SHARED:
        group_id, tagged = photos.get(int(data["rendition"]), (int(data["group"]["id"]), frozenset()))
        return viewer.sees_photo(group_id, tagged)
    if content == protocol.PHOTO_UPLOAD:
        return viewer.works_in(int(data["group_id"]))
    # news is the organisation's or a location's, for everyone who received it; a kind this
    # judgement does not know is withheld until it is taught (fail closed)
    return content == protocol.NEWS


def _placeholder(frame: Data) -> Data:
    return {**frame, "data": {"id": frame["data"].get("id"), "deleted": True}}
