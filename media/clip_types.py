"""What a clip transcode is asked (``ClipLimits``) and what it answers (``Clip``): plain
data that crosses the sandbox's pipe, importable without FFmpeg's libraries."""

from __future__ import annotations

from dataclasses import dataclass, field

from media.processing import Rendition

# name -> (longest side, x264 CRF): 720p for the feed, 360p for slow connections (the
# audio, AAC-LC 96 kb/s, is encoded once and is the same in both)
RENDITIONS: dict[str, tuple[int, int]] = {"720": (720, 23), "360": (360, 28)}


@dataclass(frozen=True)
class ClipLimits:
    max_seconds: float
    max_side: int = 4096
    max_pixels: int = 4096 * 2304


@dataclass(frozen=True)
class Clip:
    width: int  # of the largest rendition, upright
    height: int
    duration_ms: int
    taken_at: str | None  # "YYYY-MM-DDTHH:MM:SS" as the phone wrote it (local)
    taken_offset: str | None  # "+01:00"
    poster: Rendition
    files: dict[str, str] = field(default_factory=dict)  # rendition name -> path of its MP4
