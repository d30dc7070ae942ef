"""A photo for the archive: the rendition's WebP made into a JPEG that photo apps
sort by date. The only metadata is a freshly written capture time
(``DateTimeOriginal`` with its UTC offset); the pixels are our own derivative,
already stripped of everything else by the photo pipeline."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
JPEG_QUALITY = 90


def dated_jpeg(webp: bytes, taken: dt.datetime) -> bytes:
    """JPEG bytes of ``webp`` whose EXIF holds only the capture time (local, with offset)."""
    with Image.open(io.BytesIO(webp), formats=["WEBP"]) as source:
        image = source.convert("RGB")
    exif = Image.Exif()
    ifd = exif.get_ifd(EXIF_IFD)
    ifd[DATE_TIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    offset = taken.strftime("%z")
    if offset:
        ifd[OFFSET_TIME_ORIGINAL] = f"{offset[:3]}:{offset[3:]}"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, exif=exif.tobytes(), optimize=True)
    return out.getvalue()


def thumbnail_jpeg(webp: bytes) -> bytes:
    """The small rendition as a plain JPEG (no metadata at all) for the book's pages."""
    with Image.open(io.BytesIO(webp), formats=["WEBP"]) as source:
        image = source.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
