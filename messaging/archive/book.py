"""The archive's HTML book: ``index.html`` with one link per month and one to the
whole book, one page per month, and ``book.html``, the whole book as ONE document to
print (a cover, then every month, a new page per week, every day with its
structured day and summary, diary, messages and photos at a printable size). A
stylesheet makes it a decent book on paper. Everything is relative to the ZIP: no
external request, no script, readable in any browser for years."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from messaging.archive.contents import Contents, DayPage, PhotoItem, TextItem
from portal.i18n import format_date, format_month, translate

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), keep_trailing_newline=True
)


@dataclass
class BookDay:
    date: dt.date
    structured: DayPage | None = None
    photos: list[PhotoItem] = field(default_factory=list)
    texts: list[TextItem] = field(default_factory=list)
    new_week: bool = False  # the first day of its week in the book: a new page on paper

    @property
    def entries(self) -> list[tuple[str, object]]:
        """Texts and photos in time order."""
        merged: list[tuple[dt.datetime, str, object]] = [(t.at, "text", t) for t in self.texts]
        merged += [(p.taken, "photo", p) for p in self.photos]
        merged.sort(key=lambda e: e[0])
        return [(kind, item) for _, kind, item in merged]


@dataclass
class Month:
    key: str  # "2026-11"
    days: list[BookDay] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.key}.html"

    @property
    def photos(self) -> list[PhotoItem]:
        return [p for d in self.days for p in d.photos]

    @property
    def texts(self) -> list[TextItem]:
        return [t for d in self.days for t in d.texts]


def months(contents: Contents) -> list[Month]:
    days: dict[dt.date, BookDay] = defaultdict(lambda: BookDay(dt.date.min))
    for photo in contents.photos:
        day = days[photo.taken.date()]
        day.date = photo.taken.date()
        day.photos.append(photo)
    for text in contents.texts:
        day = days[text.at.date()]
        day.date = text.at.date()
        day.texts.append(text)
    for page in contents.days:
        day = days[page.date]
        day.date, day.structured = page.date, page
    by_month: dict[str, Month] = {}
    last_week: tuple[int, int] | None = None
    for date in sorted(days):
        day = days[date]
        week = date.isocalendar()[:2]
        key = f"{date:%Y-%m}"
        day.new_week = week != last_week and key in by_month  # a month's first day has its own page already
        last_week = week
        by_month.setdefault(key, Month(key)).days.append(day)
    return list(by_month.values())


def pages(contents: Contents, lang: str) -> dict[str, bytes]:
    """File name -> bytes for the book: index, month pages, the whole book, stylesheet."""

    def t(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    all_months = months(contents)

    def month_title(key: str) -> str:
        year, month = key.split("-")
        return format_month(int(year), int(month), lang)

    def day_title(date: dt.date) -> str:
        return f"{t('book.weekday.' + str(date.isoweekday()))} {format_date(date, lang)}"

    context = {
        "c": contents,
        "months": all_months,
        "t": t,
        "lang": lang,
        "month_title": month_title,
        "day_title": day_title,
    }
    files = {"index.html": _env.get_template("index.html").render(**context).encode()}
    for month in all_months:
        files[month.file_name] = _env.get_template("month.html").render(month=month, **context).encode()
    files["book.html"] = _env.get_template("book.html").render(**context).encode()
    files["book.css"] = (TEMPLATES / "book.css").read_bytes()
    return files
