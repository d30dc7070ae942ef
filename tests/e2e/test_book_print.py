"""The archive's book prints as ONE document: ``book.html`` opened from disk in Debian's
chromium and printed to PDF has the cover, a new page for every month and every
week, and every day's text (its structured day with the summary, diary and
messages), with the photos at a printable size. The contents are made here (the
database side is tested in tests/messaging/test_archive.py), so the page count is
exact."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader

from messaging.archive.book import pages
from messaging.archive.contents import Contents, DayPage, Moment, PhotoItem, TextItem
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

AMS = ZoneInfo("Europe/Amsterdam")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMS)


def a_day(day: dt.date, words: str) -> DayPage:
    moments = [
        Moment(at(day, 9), "09:00", "Fles", "180 ml", "Ingrid", "bottle", None, {"ml": 180}),
        Moment(at(day, 12, 30), "12:30–14:00 (1 u 30 min)", "Slapen", "", "Ingrid", "sleep", at(day, 14), {}),
        Moment(at(day, 15), "15:00", "Luier", "nat", "Ingrid", "nappy", None, {"state": "wet"}),
        Moment(at(day, 16), "16:00", "Activiteit", words, "Ingrid", "activity", None, {"what": words}),
    ]
    return DayPage(day, "1 u 30 min geslapen · 1 fles, 180 ml · 1 luier", moments)


# four days: two in one week of November, one the next week, one in December
DAYS = {
    dt.date(2026, 11, 23): "hutten gebouwd",
    dt.date(2026, 11, 25): "verven met vingers",
    dt.date(2026, 11, 30): "naar de kinderboerderij",
    dt.date(2026, 12, 2): "sinterklaasliedjes gezongen",
}


def contents() -> Contents:
    first = dt.date(2026, 11, 23)
    photo = PhotoItem(7, 70, "", at(first, 10, 15), "De hut")
    texts = [
        TextItem("diary", 1, "Ingrid", "staff", "Noor at goed en speelde buiten.", at(first, 11)),
        TextItem("message", 2, "Anna", "parent", "Oma haalt vandaag op.", at(dt.date(2026, 11, 30), 8)),
    ]
    return Contents(
        organisation="Kober",
        child_id=1,
        child_name="Noor Visser",
        guardian="Anna Visser",
        made_at=at(dt.date(2026, 12, 4), 9),
        photos=[photo],
        texts=texts,
        days=[a_day(day, words) for day, words in DAYS.items()],
    )


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 200)).save(out, "JPEG")
    return out.getvalue()


def test_the_whole_book_prints_as_one_document_with_every_day(browser: Any, tmp_path: Path) -> None:
    made = contents()
    for name, body in pages(made, "nl").items():
        (tmp_path / name).write_bytes(body)
    for folder, size in (("photos", (2048, 1536)), ("thumbs", (320, 240))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / made.photos[0].file_name).write_bytes(jpeg(*size))
    index = (tmp_path / "index.html").read_text()
    assert 'href="book.html"' in index

    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto((tmp_path / "book.html").resolve().as_uri())
    shown = page.evaluate(
        "Array.from(document.images).map(i => [i.complete && i.naturalWidth, i.getBoundingClientRect().width])"
    )
    assert shown == [[2048, shown[0][1]]] and shown[0][1] >= 500, shown  # the photo itself, at a printable size
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", path=str(ARTIFACTS / "archive-book.pdf"))
    context.close()
    assert failed == []

    reader = PdfReader(io.BytesIO(pdf))
    texts = [p.extract_text().replace("\ufb02", "fl") for p in reader.pages]  # the "fl" ligature
    # the cover alone; then a new page for a month and for a week, and only there: the first
    # week (two days and the photo) runs over two pages, the other week and month fit on one
    assert len(texts) == 5, [t[:60] for t in texts]
    assert texts[0].split("\n")[:2] == ["Noor Visser", "Kober"]
    assert texts[1].startswith("november 2026\nmaandag 23 november 2026")
    assert texts[3].startswith("maandag 30 november 2026")  # a new week: a new page
    assert texts[4].startswith("december 2026\nwoensdag 2 december 2026")  # a new month: a new page
    whole = "\n".join(texts)
    for words in DAYS.values():
        assert words in whole
    assert whole.count("1 u 30 min geslapen · 1 fles, 180 ml · 1 luier") == 4  # each day's summary
    assert whole.count("12:30–14:00 (1 u 30 min) Slapen") == 4
    assert "Noor at goed en speelde buiten." in texts[1] and "Oma haalt vandaag op." in texts[3]
