"""The kinds of a structured day (meal, bottle, sleep, nappy, ...) as data: each kind's
fields and how each field's value is checked, and an organisation's own choice of
which kinds it uses and what it calls them (``DayKindSetting``).

A kind is a key and a tuple of fields; a field is a name, a type (a choice from a
fixed set, a whole number, a decimal, a short text) and whether it is required.
The tablet builds its form from ``catalogue()`` and a client never has to know a
kind in advance. Names of kinds and of choices are texts in the catalogs
(``day.kind.<kind>``, ``day.choice.<field>.<value>``); an organisation may rename a
kind, not a choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import DayKindSetting
from portal.errors import InvalidInput
from portal.i18n import translate

CHOICE, WHOLE, DECIMAL, TEXT = "choice", "whole", "decimal", "text"
MAX_LABEL = 40


class FieldError(InvalidInput):
    """A field that is wrong, missing or unknown, said with the kind's and the choices'
    names in the reader's language."""

    def __init__(self, key: str, kind: str, field: Field | str) -> None:
        super().__init__(key, field=field if isinstance(field, str) else field.name)
        self.kind, self.field = kind, field

    def message(self, lang: str) -> str:
        params = {**self.params, "kind": translate(f"day.kind.{self.kind}", lang).lower()}
        if isinstance(self.field, Field):
            params["hint"] = self.field.hint(lang)
        return translate(self.key, lang, **params)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float = 0
    high: float = 0
    max_chars: int = 200

    def check(self, kind: str, raw: object) -> object:
        """The value as stored; ``InvalidInput`` naming the field when it is not one."""
        if self.type == CHOICE and raw in self.choices:
            return raw
        if self.type == WHOLE and isinstance(raw, int) and not isinstance(raw, bool) and self.low <= raw <= self.high:
            return raw
        if (
            self.type == DECIMAL
            and isinstance(raw, int | float)
            and not isinstance(raw, bool)
            and math.isfinite(raw)
            and self.low <= raw <= self.high
        ):
            return round(float(raw), 1)
        if self.type == TEXT and isinstance(raw, str) and len(raw.strip()) <= self.max_chars:
            return " ".join(raw.split())
        raise FieldError("day.bad_field", kind, self)

    def hint(self, lang: str) -> str:
        if self.type == CHOICE:
            return " / ".join(translate(f"day.choice.{self.name}.{c}", lang) for c in self.choices)
        if self.type in (WHOLE, DECIMAL):
            return f"{self.low:g}-{self.high:g}"
        return f"max {self.max_chars}"


@dataclass(frozen=True)
class Kind:
    key: str
    fields: tuple[Field, ...] = ()
    has_end: bool = False  # a span (a nap): ``ends_at``, and running until it is set
    with_photos: bool = False
    needs_instruction: bool = False  # medication: only against a guardian's standing instruction
    parents_write: bool = False


AMOUNTS = ("all", "more_than_half", "little", "nothing")
NAPPIES = ("wet", "dirty", "dry")
MOODS = ("happy", "calm", "tired", "sad", "unwell")
NOTE = Field("note", TEXT, max_chars=1000)

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("meal", (Field("what", TEXT, max_chars=100), Field("amount", CHOICE, True, AMOUNTS), NOTE)),
        Kind("bottle", (Field("ml", WHOLE, True, low=1, high=1000), NOTE)),
        Kind("drink", (Field("what", TEXT, max_chars=100), Field("ml", WHOLE, low=1, high=1000), NOTE)),
        Kind("sleep", (NOTE,), has_end=True),
        Kind("nappy", (Field("state", CHOICE, True, NAPPIES), NOTE)),
        Kind("mood", (Field("mood", CHOICE, True, MOODS), NOTE)),
        Kind("temperature", (Field("celsius", DECIMAL, True, low=34, high=43), NOTE)),
        Kind("medication", (Field("dose", TEXT, max_chars=100), NOTE), needs_instruction=True),
        Kind("activity", (Field("what", TEXT, True, max_chars=200), NOTE)),
        Kind("note", (Field("note", TEXT, True, max_chars=2000),), with_photos=True, parents_write=True),
    )
}


def kind_of(key: object) -> Kind:
    if not isinstance(key, str) or key not in KINDS:
        raise InvalidInput("day.bad_kind", kinds=", ".join(KINDS))
    return KINDS[key]


def check_details(kind: Kind, raw: object) -> dict[str, object]:
    """The entry's fields as stored: known fields only, each checked, required ones present."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("day.bad_details")
    known = {f.name: f for f in kind.fields}
    unknown = sorted(set(raw) - set(known) - {"instruction_id"})
    if unknown:
        raise FieldError("day.unknown_field", kind.key, unknown[0])
    details: dict[str, object] = {}
    for field in kind.fields:
        value = raw.get(field.name)
        if value is None or value == "":
            if field.required:
                raise FieldError("day.missing_field", kind.key, field.name)
            continue
        details[field.name] = field.check(kind.key, value)
    return details


async def settings_of(session: AsyncSession, organisation_id: int) -> dict[str, DayKindSetting]:
    rows = await session.scalars(select(DayKindSetting).where(DayKindSetting.organisation_id == organisation_id))
    return {row.kind: row for row in rows}


async def require_enabled(session: AsyncSession, organisation_id: int, kind: Kind) -> None:
    setting = (await settings_of(session, organisation_id)).get(kind.key)
    if setting is not None and not setting.enabled:
        raise InvalidInput("day.kind_off")


def _field_data(field: Field, lang: str) -> dict[str, Any]:
    data: dict[str, Any] = {"name": field.name, "type": field.type, "required": field.required}
    if field.type == CHOICE:
        data["choices"] = [
            {"value": c, "label": translate(f"day.choice.{field.name}.{c}", lang)} for c in field.choices
        ]
    elif field.type in (WHOLE, DECIMAL):
        data.update(low=field.low, high=field.high)
    else:
        data["max_chars"] = field.max_chars
    return data


async def catalogue(session: AsyncSession, organisation_id: int, lang: str) -> list[dict[str, Any]]:
    """Every kind with the organisation's name for it, whether it is on, and its fields:
    what the tablet builds its form from."""
    settings = await settings_of(session, organisation_id)
    result = []
    for kind in KINDS.values():
        setting = settings.get(kind.key)
        result.append(
            {
                "kind": kind.key,
                "label": (setting.label if setting and setting.label else None)
                or translate(f"day.kind.{kind.key}", lang),
                "enabled": setting.enabled if setting else True,
                "has_end": kind.has_end,
                "with_photos": kind.with_photos,
                "needs_instruction": kind.needs_instruction,
                "parents_write": kind.parents_write,
                "fields": [_field_data(f, lang) for f in kind.fields],
            }
        )
    return result


async def configure(session: AsyncSession, organisation_id: int, changes: object) -> None:
    """An admin's choices: ``[{"kind": ..., "enabled": bool, "label": str | null}, ...]``."""
    if not isinstance(changes, list) or not changes:
        raise InvalidInput("day.bad_settings")
    current = await settings_of(session, organisation_id)
    for change in changes:
        if not isinstance(change, Mapping):
            raise InvalidInput("day.bad_settings")
        kind = kind_of(change.get("kind"))
        enabled, label = change.get("enabled", True), change.get("label")
        if not isinstance(enabled, bool) or not (label is None or isinstance(label, str)):
            raise InvalidInput("day.bad_settings")
        label = " ".join(label.split()) if label else None
        if label is not None and len(label) > MAX_LABEL:
            raise InvalidInput("day.label_too_long", max=MAX_LABEL)
        setting = current.get(kind.key)
        if setting is None:
            setting = DayKindSetting(organisation_id=organisation_id, kind=kind.key)
            session.add(setting)
        setting.enabled, setting.label = enabled, label
    await session.flush()


def label(kind: str, settings: Mapping[str, DayKindSetting], lang: str) -> str:
    """The organisation's name for a kind, else the standard one."""
    setting = settings.get(kind)
    return setting.label if setting is not None and setting.label else translate(f"day.kind.{kind}", lang)


def describe(kind_key: str, details: Mapping[str, object], lang: str) -> str:
    """An entry's fields in words: ``nat``, ``180 ml``, ``Paracetamol · 2,5 ml``."""
    kind = KINDS.get(kind_key)
    parts = [str(details["name"])] if details.get("name") else []
    for field in kind.fields if kind else ():
        value = details.get(field.name)
        if value is None or value == "":
            continue
        if field.type == CHOICE:
            parts.append(translate(f"day.choice.{field.name}.{value}", lang))
        elif field.name == "ml":
            parts.append(f"{value} ml")
        elif field.name == "celsius":
            text = f"{value:.1f}" if isinstance(value, float | int) else str(value)
            parts.append((text.replace(".", ",") if lang == "nl" else text) + " °C")
        else:
            parts.append(str(value))
    return " · ".join(parts)
