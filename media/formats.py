"""Which files are photos: the type is sniffed from the first bytes (never the name
or the Content-Type), and the dimensions are read from the header without decoding.

Accepted: JPEG (also MPO), PNG (also APNG), WebP and HEIC/HEIF. AVIF, GIF, TIFF,
BMP, SVG, PDF, HTML and anything else are refused. A JPEG with more scans than any
camera or editor writes (a progressive "scan bomb" that keeps a decoder busy for a
minute) is refused too: its scans are counted before anything decodes it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image

JPEG = "jpeg"
PNG = "png"
WEBP = "webp"
HEIF = "heif"

SNIFF_BYTES = 64
MAX_JPEG_SCANS = 100  # cameras write 1, progressive encoders about 10; bombs thousands
SCAN_MARKER = b"\xff\xda"  # start of scan; entropy-coded data never holds it (0xFF is stuffed)
CHUNK_BYTES = 1024 * 1024

# Pillow format names each sniffed type may be opened as: never let Pillow guess.
PILLOW_FORMATS: dict[str, list[str]] = {
    JPEG: ["JPEG", "MPO"],
    PNG: ["PNG"],
    WEBP: ["WEBP"],
    HEIF: ["HEIF"],
}
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})


class NotAPhoto(Exception):
    """The bytes are not a photo Schriftje accepts (``reason`` is a message key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Header:
    kind: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def sniff(head: bytes) -> str | None:
    """The accepted type these leading bytes announce, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        major = head[8:12]
        brands = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)} | {major}
        if major in HEIF_BRANDS and not brands & AVIF_BRANDS:
            return HEIF
    return None


def register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def open_image(source: bytes | IO[bytes], kind: str) -> Image.Image:
    """Open (not decode) as exactly the sniffed type; Pillow's own bomb check is ours to make."""
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(fp, formats=PILLOW_FORMATS[kind])


def read_header(source: bytes | IO[bytes], max_pixels: int) -> Header:
    """Sniff and read the dimensions from the header; raise ``NotAPhoto`` if unacceptable."""
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    start = fp.tell()
    kind = sniff(fp.read(SNIFF_BYTES))
    fp.seek(start)
    if kind is None:
        raise NotAPhoto("photo.unsupported_type")
    if kind == HEIF:
        register_heif()
    try:
        with open_image(fp, kind) as image:
            header = Header(kind, *image.size)
    except Image.DecompressionBombError:
        raise NotAPhoto("photo.too_many_pixels") from None
    except Exception:
        raise NotAPhoto("photo.unreadable") from None
    finally:
        fp.seek(start)
    if header.width <= 0 or header.height <= 0:
        raise NotAPhoto("photo.unreadable")
    if header.pixels > max_pixels:
        raise NotAPhoto("photo.too_many_pixels")
    if kind == JPEG and jpeg_scans(fp) > MAX_JPEG_SCANS:
        raise NotAPhoto("photo.too_many_scans")
    return header


def jpeg_scans(fp: IO[bytes]) -> int:
    """How many scans a JPEG has (its start-of-scan markers), read in chunks; ``fp`` is
    left where it was."""
    start, count, tail = fp.tell(), 0, b""
    try:
        while chunk := fp.read(CHUNK_BYTES):
            window = tail + chunk
            count += window.count(SCAN_MARKER)
            tail = chunk[-1:]  # a marker split over two chunks is counted in the next window
        return count
    finally:
        fp.seek(start)
