"""Reading what a WebP file really contains: its RIFF chunks and VP8X flags, and the
decoded pixels, without trusting what Pillow reports about metadata."""

from __future__ import annotations

import io
import struct

from PIL import Image

from tests.media.images import MARKERS

PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}


def chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP file"
    (riff_size,) = struct.unpack("<I", data[4:8])
    assert riff_size + 8 == len(data), "bytes after the RIFF container"
    found, pos = [], 12
    while pos < len(data):
        kind, (size,) = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])
        found.append(kind)
        if kind == b"VP8X":
            flags = data[pos + 8]
            assert flags & 0b00101100 == 0, "VP8X announces ICC, EXIF or XMP"
        pos += 8 + size + (size & 1)
    return found


def assert_clean(data: bytes) -> None:
    """Only pixel chunks; no planted marker, no JPEG (an embedded thumbnail), no Exif/XMP headers."""
    assert set(chunks(data)) <= PIXEL_CHUNKS, chunks(data)
    for marker in (*MARKERS, b"Exif", b"http://ns.adobe.com", b"8BIM", b"\xff\xd8\xff", b"PK\x03\x04", b"<script"):
        assert marker not in data, marker


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=["WEBP"])
    image.load()
    return image


def colour_at(image: Image.Image, fx: float, fy: float) -> tuple[int, int, int]:
    pixel = image.convert("RGB").getpixel((int(fx * image.width), int(fy * image.height)))
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))
