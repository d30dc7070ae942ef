"""Which files are video clips, read from their boxes before anything decodes them.

A clip is an ISO base media file (QuickTime ``.mov`` from an iPhone or iPad, ``.mp4``
from Android) whose ``ftyp`` names a video brand; the name and the Content-Type
are never asked. In the web process nothing decodes it: this module walks the
top-level boxes (each size checked against the file's real length, so a truncated
file or a ``moov`` claiming gigabytes is refused), reads the ``moov`` (bounded) and
from it the declared duration, the number of tracks and each track's size. The
worker checks again while it decodes (``media.video``): a header can lie.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

from media.formats import NotAPhoto

MP4 = "mp4"
MOV = "mov"
QUICKTIME_BRANDS = frozenset({b"qt  "})
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"3gp4", b"3gp5"}
    | {b"3gp6", b"mmp4", b"MSNV", b"dash", b"hvc1", b"XAVC"}
)
IMAGE_BRANDS = frozenset({b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"})  # photos in the same boxes
MAX_MOOV_BYTES = 64 * 1024 * 1024  # an hour of 4K has a moov of a few MB
MAX_TRACKS = 16
MAX_TOP_BOXES = 10_000
CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"})


@dataclass(frozen=True)
class ClipHeader:
    kind: str  # MP4 or MOV
    seconds: float
    width: int  # of the largest video track, as declared
    height: int
    tracks: int


def sniff_clip(head: bytes) -> str | None:
    """``mov``/``mp4`` if these leading bytes are an ``ftyp`` with a video brand."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    brands = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)} | {major}
    if major in QUICKTIME_BRANDS:
        return MOV
    if major in MP4_BRANDS or (brands & MP4_BRANDS and major not in IMAGE_BRANDS):
        return MP4
    return None


def _top_boxes(fp: IO[bytes], length: int) -> dict[bytes, tuple[int, int]]:
    """Top-level box type -> (payload offset, payload size) of its first occurrence."""
    found: dict[bytes, tuple[int, int]] = {}
    offset = 0
    for _ in range(MAX_TOP_BOXES):
        if offset >= length:
            return found
        fp.seek(offset)
        header = fp.read(16)
        if len(header) < 8:
            raise NotAPhoto("video.truncated")
        size, kind = struct.unpack(">I4s", header[:8])
        start = 8
        if size == 1:
            if len(header) < 16:
                raise NotAPhoto("video.truncated")
            size, start = struct.unpack(">Q", header[8:16])[0], 16
        elif size == 0:
            size = length - offset
        if size < start or offset + size > length:
            raise NotAPhoto("video.truncated")
        found.setdefault(kind, (offset + start, size - start))
        offset += size
    raise NotAPhoto("video.unreadable")


def _children(data: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        start = 8
        if size == 1 and offset + 16 <= len(data):
            size, start = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        if size < start or offset + size > len(data):
            raise NotAPhoto("video.unreadable")
        out.append((kind, data[offset + start : offset + size]))
        offset += size
    return out


def _duration(mvhd: bytes) -> float:
    if mvhd[:1] == b"\x01":
        timescale, duration = struct.unpack(">IQ", mvhd[20:32])
    else:
        timescale, duration = struct.unpack(">II", mvhd[12:20])
    if timescale == 0:
        raise NotAPhoto("video.unreadable")
    return float(duration) / float(timescale)


def _track_size(tkhd: bytes) -> tuple[int, int]:
    at = 76 if tkhd[:1] == b"\x00" else 88
    width, height = struct.unpack(">II", tkhd[at : at + 8])
    return width >> 16, height >> 16


def read_clip_header(fp: IO[bytes], *, max_seconds: float, max_side: int = 4096) -> ClipHeader:
    """Sniff and check a clip's boxes; raise ``NotAPhoto`` with a ``video.*`` reason. ``fp``
    is left at its start."""
    start = fp.tell()
    try:
        kind = sniff_clip(fp.read(64))
        if kind is None:
            raise NotAPhoto("video.unsupported_type")
        fp.seek(0, 2)
        length = fp.tell() - start
        fp.seek(start)
        top = _top_boxes(fp, length)
        if b"moov" not in top or b"mdat" not in top:
            raise NotAPhoto("video.truncated")
        moov_at, moov_size = top[b"moov"]
        if moov_size > MAX_MOOV_BYTES:
            raise NotAPhoto("video.unreadable")
        fp.seek(moov_at)
        moov = dict_of(fp.read(moov_size))
        traks = moov.get(b"trak", [])
        if len(traks) > MAX_TRACKS:
            raise NotAPhoto("video.too_many_tracks")
        if b"mvhd" not in moov or len(moov[b"mvhd"][0]) < 20:
            raise NotAPhoto("video.unreadable")
        seconds = _duration(moov[b"mvhd"][0])
        width = height = 0
        for trak in traks:
            parts = dict_of(trak)
            if b"tkhd" in parts and len(parts[b"tkhd"][0]) >= 84:
                w, h = _track_size(parts[b"tkhd"][0])
                if w * h > width * height:
                    width, height = w, h
    except struct.error:
        raise NotAPhoto("video.unreadable") from None
    finally:
        fp.seek(start)
    if not traks or width == 0 or height == 0:
        raise NotAPhoto("video.no_video")
    if max(width, height) > max_side:
        raise NotAPhoto("video.too_many_pixels")
    if seconds > max_seconds + 1:
        raise NotAPhoto("video.too_long")
    return ClipHeader(kind, seconds, width, height, len(traks))


def dict_of(data: bytes) -> dict[bytes, list[bytes]]:
    boxes: dict[bytes, list[bytes]] = {}
    for kind, payload in _children(data):
        boxes.setdefault(kind, []).append(payload)
    return boxes
