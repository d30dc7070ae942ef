"""What a notification says. By default the lock screen shows only where it is from
("Nieuw bericht van de Rupsjes"): no child's name, no content. A user who chose
``preview`` sees the first line as well. Several pending items become one
notification with a count. No photo bytes and no photo URL are ever in a payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notify import kinds
from portal.i18n import translate
from portal.roster.models import Child, Group, Organisation, User

PREVIEW_CHARS = 120


@dataclass(frozen=True)
class Note:
    payload: dict[str, Any]
    topic: str  # RFC 8030 Topic and the notification's tag: newer replaces older


def _group_of(frame: dict[str, Any], child_groups: dict[int, tuple[int, str]]) -> tuple[int, str] | None:
    data = frame["data"]
    if isinstance(data.get("group"), dict):
        return int(data["group"]["id"]), str(data["group"]["name"])
    if isinstance(data.get("child"), dict):
        return child_groups.get(int(data["child"]["id"]))
    return None


def _first_line(data: dict[str, Any]) -> str:
    text = str(data.get("body") or data.get("title") or data.get("caption") or "").strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


async def notification(
    session: AsyncSession,
    user: User,
    organisation: Organisation,
    told: list[tuple[str, dict[str, Any]]],
    *,
    preview: bool,
) -> Note:
    """One notification for ``told`` (``[(category, frame), ...]``, oldest first)."""
    lang = user.language or organisation.language
    child_ids = {int(f["data"]["child"]["id"]) for _, f in told if isinstance(f["data"].get("child"), dict)}
    child_groups = (
        {
            child_id: (group_id, name)
            for child_id, group_id, name in await session.execute(
                select(Child.id, Group.id, Group.name)
                .join(Group, Group.id == Child.group_id)
                .where(Child.id.in_(child_ids))
            )
        }
        if child_ids
        else {}
    )
    categories = {c for c, _ in told}
    latest_category, latest = told[-1]
    group = _group_of(latest, child_groups)
    where = group[1] if group else organisation.name
    count = len(told)
    if categories == {kinds.PHOTO}:
        clips = all(isinstance(f["data"].get("video"), dict) for _, f in told)
        key = "notify.push.videos" if clips else "notify.push.photos"
    elif categories <= {kinds.NEWS}:
        key = "notify.push.news"
        where = organisation.name
    elif categories == {kinds.PLANNING}:
        key = "notify.push.planning_request" if user.role.is_staff else "notify.push.planning"
    elif user.role.is_staff and categories == {kinds.ABSENCE}:
        key = "notify.push.absence"
    elif user.role.is_staff:
        key = "notify.push.from_parent"
    else:
        key = "notify.push.message"
    body = translate(key + (".many" if count > 1 else ""), lang, where=where, count=count)
    title = "Schriftje"
    if preview and latest_category != kinds.PHOTO:
        line = _first_line(latest["data"])
        if line:
            title, body = body, line
    child = latest["data"].get("child")
    url = f"/kind/{int(child['id'])}" if isinstance(child, dict) and not user.role.is_staff else "/"
    if latest_category == kinds.PLANNING and isinstance(child, dict):
        url = (
            "/planning/inbox"
            if user.role.is_staff
            else f"/planning?child={int(child['id'])}&month={str(latest['data']['day'])[:7]}"
        )
    topic = f"g{group[0]}" if group else "news"
    return Note(
        {"title": title, "body": body, "url": url, "tag": topic, "count": count, "seq": int(latest["seq"])},
        topic,
    )
