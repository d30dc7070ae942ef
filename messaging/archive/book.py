"""The archive's HTML book: ``index.html`` with one link per month, one page per month
with the diary, the family's messages and thumbnails linking to the photos, and a
stylesheet that prints as a decent book. Everything is relative to the ZIP: no
external request, no script, readable in any browser for years."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from messaging.archive.contents import Contents, PhotoItem, TextItem
from portal.i18n import format_month, translate

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), keep_trailing_newline=True
)


@dataclass
class Month:
    key: str  # "2026-11"
    photos: list[PhotoItem] = field(default_factory=list)
    texts: list[TextItem] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.key}.html"

    @property
    def entries(self) -> list[tuple[str, object]]:
        """Texts and photos in time order."""
        merged: list[tuple[object, str, object]] = [(t.at, "text", t) for t in self.texts]
        merged += [(p.taken, "photo", p) for p in self.photos]
        merged.sort(key=lambda e: e[0])  # type: ignore[arg-type, return-value]
        return [(kind, item) for _, kind, item in merged]


def months(contents: Contents) -> list[Month]:
    by_key: dict[str, Month] = defaultdict(lambda: Month(""))
    for photo in contents.photos:
        key = f"{photo.taken:%Y-%m}"
        by_key[key].key = key
        by_key[key].photos.append(photo)
    for text in contents.texts:
        key = f"{text.at:%Y-%m}"
        by_key[key].key = key
        by_key[key].texts.append(text)
    return [by_key[k] for k in sorted(by_key)]


def pages(contents: Contents, lang: str) -> dict[str, bytes]:
    """File name -> bytes for the book: index, month pages, stylesheet."""

    def t(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    all_months = months(contents)

    def month_title(key: str) -> str:
        year, month = key.split("-")
        return format_month(int(year), int(month), lang)

    context = {"c": contents, "months": all_months, "t": t, "lang": lang, "month_title": month_title}
    files = {"index.html": _env.get_template("index.html").render(**context).encode()}
    for month in all_months:
        files[month.file_name] = _env.get_template("month.html").render(month=month, **context).encode()
    files["book.css"] = (TEMPLATES / "book.css").read_bytes()
    return files
