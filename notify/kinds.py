"""Which feed events notify, as which category, and how a push service should treat
them: urgency (RFC 8030 §5.3) and how long it may hold them for an offline device
(TTL). Everything else in the feed (edits, deletions, reads, retractions, progress)
never notifies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from messaging import protocol

MESSAGE = "message"  # the family thread: staff to parents, parents to staff
DIARY = "diary"  # a diary entry or a moment of the structured day about one's own child
PHOTO = "photo"  # a photo of one's own child (one notification per batch)
POST = "post"  # a group post
ACK = "ack"  # a group post that asks to be acknowledged
NEWS = "news"
ABSENCE = "absence"  # staff: a parent reported an absence
PLANNING = "planning"  # parents: a request was decided; managers: a request waits in the inbox

PARENT_CATEGORIES = (MESSAGE, DIARY, PHOTO, POST, ACK, NEWS, PLANNING)
STAFF_CATEGORIES = (MESSAGE, ABSENCE, PLANNING)
ALL_CATEGORIES = (MESSAGE, DIARY, PHOTO, POST, ACK, NEWS, ABSENCE, PLANNING)

HOUR = 3600


@dataclass(frozen=True)
class Delivery:
    """How the push service treats a category: urgency and time to live."""

    urgency: str  # very-low | low | normal | high
    ttl: int  # seconds


DELIVERY = {
    MESSAGE: Delivery("high", 24 * HOUR),
    ACK: Delivery("high", 24 * HOUR),
    ABSENCE: Delivery("high", 12 * HOUR),
    POST: Delivery("normal", 24 * HOUR),
    DIARY: Delivery("normal", 12 * HOUR),
    PHOTO: Delivery("normal", 12 * HOUR),
    NEWS: Delivery("low", 48 * HOUR),
    PLANNING: Delivery("normal", 48 * HOUR),
}
URGENCY_ORDER = ("very-low", "low", "normal", "high")

_BY_KIND = {
    protocol.MESSAGE_CREATED: MESSAGE,
    protocol.DIARY_ENTRY_CREATED: DIARY,
    protocol.DAY_ENTRY_CREATED: DIARY,
    protocol.PHOTO_SHARED: PHOTO,
    protocol.NEWS_CREATED: NEWS,
    protocol.ABSENCE_CREATED: ABSENCE,
    protocol.PLANNING_DECIDED: PLANNING,
    protocol.PLANNING_REQUESTED: PLANNING,
}
NOTIFYING_KINDS = frozenset([*_BY_KIND, protocol.GROUP_POST_CREATED])
DEBOUNCED_KINDS = frozenset([protocol.PHOTO_SHARED])  # a batch of photos: one notification


def category(kind: str, data: dict[str, Any]) -> str | None:
    """The category of one rendered feed event, or None when it never notifies."""
    if data.get("deleted"):
        return None
    if kind == protocol.GROUP_POST_CREATED:
        return ACK if data.get("requires_ack") else POST
    return _BY_KIND.get(kind)


def tells(category_: str, data: dict[str, Any], is_staff: bool) -> bool:
    """Whether this item is news to this kind of reader: staff hear of the family thread
    when a parent writes, not when a colleague does."""
    return not (is_staff and category_ == MESSAGE and data.get("author_role") != "parent")


def categories_for(is_staff: bool) -> tuple[str, ...]:
    return STAFF_CATEGORIES if is_staff else PARENT_CATEGORIES
