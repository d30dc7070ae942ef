"""User-facing text in Dutch (default) and English, and choosing the language per request.

The texts live in gettext catalogs, ``portal/locale/<language>/LC_MESSAGES/messages.po``,
read with Babel when this module loads (no compile step; translators use any PO
editor). Each ``msgid`` is a stable key such as ``auth.bad_credentials``, the same
in every language; ``translate(key, lang, **params)`` fills in ``{placeholders}``.
Every key must exist in every language with the same placeholders (a test checks).
A new language: copy ``en/messages.po``, translate the ``msgstr`` lines, add its
code to ``LANGUAGES``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def _load(lang: str) -> dict[str, str]:
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


CATALOGS: dict[str, dict[str, str]] = {lang: _load(lang) for lang in LANGUAGES}


def translate(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The text for ``key`` in ``lang`` with ``params`` filled in."""
    text = CATALOGS[lang if lang in CATALOGS else DEFAULT_LANGUAGE][key]
    return text.format(**params) if params else text


def texts_with_prefix(prefix: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every text whose key starts with ``prefix``, unformatted (``{name}`` left in): for page scripts."""
    texts = CATALOGS[lang if lang in CATALOGS else DEFAULT_LANGUAGE]
    return {key: text for key, text in texts.items() if key.startswith(prefix)}


def format_date(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """``31 januari 2027`` / ``31 January 2027``: how dates read in texts for people."""
    return str(babel_format_date(day, "d MMMM y", locale=lang if lang in LANGUAGES else DEFAULT_LANGUAGE))


def format_moment(moment: dt.datetime, zone: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``4 december 2026 14:05`` in the organisation's time zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


def format_month(year: int, month: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """``januari 2027`` / ``January 2027``."""
    day = dt.date(year, month, 1)
    return str(babel_format_date(day, "LLLL y", locale=lang if lang in LANGUAGES else DEFAULT_LANGUAGE))


def format_weekday(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """``ma 14 dec.`` / ``Mon 14 Dec``: a day in a list of days."""
    return str(babel_format_date(day, "EEE d MMM", locale=lang if lang in LANGUAGES else DEFAULT_LANGUAGE))


def negotiate(cookie: str | None, accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Pick the language: an explicit choice (cookie) wins, then the browser's preference."""
    if cookie in LANGUAGES:
        return cookie
    if accept_language:
        ranked: list[tuple[float, str]] = []
        for part in accept_language.split(","):
            code, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            ranked.append((weight, code.split("-")[0].lower()))
        for _, code in sorted(ranked, key=lambda item: -item[0]):
            if code in LANGUAGES:
                return code
    return default
