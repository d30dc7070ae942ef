"""HTTP byte ranges (RFC 9110 §14) for serving clips: phones ask for ``bytes=0-1`` first,
then seek with ranges of their own. One range is served as ``206`` with
``Content-Range``; a range that starts past the end is ``416``; several ranges, or a
header that is not a byte range, are answered with the whole file (a server may
ignore ``Range``), as is an ``If-Range`` that no longer matches."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The range starts beyond the last byte (``416``)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int, if_range: str | None = None, etag: str = "") -> ByteRange | None:
    """The one range to serve, ``None`` for the whole file; raises ``Unsatisfiable``."""
    if not header or (if_range is not None and if_range != etag):
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable()
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise Unsatisfiable()
    if end < start:
        return None
    return ByteRange(start, end)
