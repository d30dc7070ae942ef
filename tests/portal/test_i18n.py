"""Texts exist in Dutch and English with the same placeholders; language negotiation."""

from __future__ import annotations

import string

import pytest

from portal.i18n import CATALOG, negotiate, translate


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_both_languages_present_with_same_placeholders(key: str) -> None:
    nl, en = CATALOG[key]
    assert nl.strip() and en.strip()
    assert placeholders(nl) == placeholders(en)


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
