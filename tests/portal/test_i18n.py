"""Texts: the gettext catalogs have every key in Dutch and English with the same
placeholders, every key a template or script asks for exists, dates read the way
people write them, and language negotiation."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from portal.i18n import CATALOGS, DEFAULT_LANGUAGE, LANGUAGES, format_date, format_month, negotiate, translate

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_key() -> None:
    keys = {lang: set(texts) for lang, texts in CATALOGS.items()}
    assert len(keys[DEFAULT_LANGUAGE]) > 300
    for lang in LANGUAGES:
        assert keys[lang] == keys[DEFAULT_LANGUAGE], f"{lang}: missing {keys[DEFAULT_LANGUAGE] - keys[lang]}"


@pytest.mark.parametrize("key", sorted(CATALOGS[DEFAULT_LANGUAGE]))
def test_same_placeholders_in_every_language(key: str) -> None:
    texts = [CATALOGS[lang][key] for lang in LANGUAGES]
    assert all(text.strip() for text in texts)
    assert len({frozenset(placeholders(text)) for text in texts}) == 1, texts


def test_every_key_the_templates_use_exists() -> None:
    used = set()
    for template in (PORTAL / "templates").glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]*[a-z0-9_])["']""", template.read_text()))
    assert len(used) > 100
    assert used - set(CATALOGS[DEFAULT_LANGUAGE]) == set()


def test_every_key_the_scripts_use_exists() -> None:
    used = set()
    for script in (PORTAL / "static").glob("*.js"):
        used |= set(re.findall(r"""\bsay\(\s*["']([a-z_]+\.[a-z0-9_.]*[a-z0-9_])["']""", script.read_text()))
    assert len(used) > 20
    assert used - set(CATALOGS[DEFAULT_LANGUAGE]) == set()


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "nl"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.5", "en"),
        (None, "fr", "nl"),
        ("nl", "en", "nl"),
        ("xx", "en;q=0.3,nl;q=0.8", "nl"),
        (None, "en;q=bogus", "nl"),
    ],
)
def test_negotiate(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header) == expected


def test_translate_formats() -> None:
    assert translate("page.hello", "en", name="Anna") == "Hello Anna"
    assert translate("page.hello", "nl", name="Anna") == "Hallo Anna"
    assert translate("page.hello", "xx", name="Anna") == "Hallo Anna"  # unknown language: Dutch


def test_dates_read_as_people_write_them() -> None:
    assert format_date(dt.date(2027, 1, 31), "nl") == "31 januari 2027"
    assert format_date(dt.date(2027, 3, 5), "en") == "5 March 2027"
    assert format_month(2027, 1, "nl") == "januari 2027" and format_month(2027, 1, "en") == "January 2027"
