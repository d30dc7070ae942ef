"""Turning an uploaded clip into what may be served: PyAV (FFmpeg 8's libraries, bundled in
its wheels with x264), reading and writing only the paths it is given.

``transcode`` decodes the one video track and the first audio track (every other track,
all container and stream metadata and every atom of the source are left behind),
applies the rotation once (the display matrix becomes pixels), tone-maps HDR (HLG,
PQ) to SDR BT.709 through ``media.tonemap``'s table, and writes each rendition in
``RENDITIONS`` as H.264 High + AAC-LC in MP4 with the index first (``faststart``), a
fresh file whose only metadata FFmpeg's muxer needs (no creation time, no encoder
string: ``bitexact``). The poster is a frame about a second in, made into the photo
derivatives (``media.processing``) with its placeholder colour. The capture date is
read (Apple's ``creationdate`` with its offset, else ``creation_time``) and returned,
never written.

It runs inside ``media.sandbox``'s child process (time and memory bounds); the
header was checked at upload (``media.clip_header``) but nothing here trusts it:
streams are counted again, dimensions read from the decoder, and decoding stops when
the pictures pass the allowed length whatever the header said.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
from av.filter import Graph

from media.clip_types import RENDITIONS, Clip, ClipLimits
from media.formats import NotAPhoto
from media.processing import rendition_of
from media.tonemap import HDR_TRANSFERS, write_cube

X264_PRESET = "veryfast"
GOP_SECONDS = 2
MAX_STREAMS = 16
VIDEO_CODECS = frozenset({"h264", "hevc"})
POSTER_SECONDS = 1.0
AUDIO_RATE = 48_000
AUDIO_BIT_RATE = 96_000  # AAC-LC stereo, one encode shared by every rendition
PROGRESS_STEP = 5  # percent
BT709 = 1
MAX_THREADS = 4  # decoder and encoder threads each: bounded, so memory is (the sandbox limits address space)
MAX_EARLY_AUDIO = 500  # audio frames before the first picture (an edit list's lead-in)
_OFFSET = re.compile(r"([+-]\d{2}):?(\d{2})$")

Progress = Callable[[int], None]


def transcode(source: str, folder: str, limits: ClipLimits, progress: Progress | None = None) -> Clip:
    """Transcode ``source`` into ``folder``; raise ``NotAPhoto`` with a ``video.*`` reason
    when the clip cannot be used."""
    try:
        with av.open(source, metadata_errors="ignore") as container:
            return _transcode(container, Path(folder), limits, progress or (lambda _p: None))
    except NotAPhoto:
        raise
    except (av.FFmpegError, ValueError, IndexError, OverflowError):
        raise NotAPhoto("video.unreadable") from None


def _pick(container: av.container.InputContainer, limits: ClipLimits) -> tuple[av.VideoStream, av.AudioStream | None]:
    if "mp4" not in container.format.name.split(","):
        raise NotAPhoto("video.unsupported_type")
    if len(container.streams) > MAX_STREAMS:
        raise NotAPhoto("video.too_many_tracks")
    videos = [s for s in container.streams.video if s.codec_context.name in VIDEO_CODECS]
    if not videos:
        raise NotAPhoto("video.unsupported_codec")
    video = videos[0]
    width, height = video.codec_context.width, video.codec_context.height
    if width <= 0 or height <= 0:
        raise NotAPhoto("video.unreadable")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise NotAPhoto("video.too_many_pixels")
    if container.duration is not None and container.duration / 1_000_000 > limits.max_seconds + 1:
        raise NotAPhoto("video.longer_than_allowed")
    audio = container.streams.audio[0] if container.streams.audio else None
    return video, audio


def taken_at(metadata: dict[str, str]) -> tuple[str | None, str | None]:
    """The capture moment the phone recorded: Apple's local time with offset, else the
    container's UTC ``creation_time`` (0 or absent means unknown)."""
    apple = metadata.get("com.apple.quicktime.creationdate")
    if apple:
        try:
            moment = dt.datetime.fromisoformat(apple[:19])
        except ValueError:
            moment = None
        if moment is not None:
            offset = _OFFSET.search(apple)
            return moment.isoformat(), f"{offset.group(1)}:{offset.group(2)}" if offset else None
    created = metadata.get("creation_time")
    if created:
        try:
            moment = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return None, None
        if moment.year > 1970:
            return moment.replace(tzinfo=None).isoformat(timespec="seconds"), "+00:00"
    return None, None


def _threads() -> int:
    """As many threads as the cores this process may use (one when pinned), at most MAX_THREADS."""
    return max(1, min(MAX_THREADS, len(os.sched_getaffinity(0))))


def _size(width: int, height: int, longest: int) -> tuple[int, int]:
    """Fit within ``longest`` (never up), both sides even (4:2:0 needs them so)."""
    scale = min(1.0, longest / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _rotation_filters(rotation: int) -> list[tuple[str, str]]:
    """PyAV's ``rotation`` is counter-clockwise degrees (the display matrix)."""
    turn = rotation % 360
    if turn == 90:
        return [("transpose", "cclock")]
    if turn == 270:
        return [("transpose", "clock")]
    if turn == 180:
        return [("hflip", ""), ("vflip", "")]
    return []


class _Rendition:
    """One output: its filter graph and its MP4 with encoders. The largest is made from the
    decoded pictures (rotate, scale, tone-map); each smaller one from the one before it
    (a 4K source is scaled down once, not once per rendition)."""

    def __init__(
        self,
        name: str,
        path: Path,
        first: av.VideoFrame,
        stream: av.VideoStream,
        audio: av.AudioStream | None,
        turn: list[tuple[str, str]],
        cube: Path | None,
    ) -> None:
        longest, crf = RENDITIONS[name]
        turned = any(step == "transpose" for step, _ in turn)
        width, height = (first.height, first.width) if turned else (first.width, first.height)
        self.width, self.height = _size(width, height, longest)
        self.path = path
        self.graph = _graph(first, stream, turn, self.width, self.height, cube)
        self.output = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart", "fflags": "+bitexact"})
        rate: Fraction = stream.guessed_rate or stream.average_rate or Fraction(30)
        self.video = self.output.add_stream("libx264", rate=rate)
        cc = self.video.codec_context
        cc.width, cc.height, cc.pix_fmt = self.width, self.height, "yuv420p"
        cc.time_base = stream.time_base or Fraction(1, 90_000)
        cc.color_primaries = cc.color_trc = cc.colorspace = BT709
        cc.color_range = 1  # limited ("tv"), what every player expects
        cc.gop_size = max(1, round(float(rate) * GOP_SECONDS))
        cc.thread_type = "FRAME"  # x264's frame threads, as the ffmpeg CLI uses them (PyAV's default is slices)
        cc.thread_count = _threads()
        self.video.options = {"preset": X264_PRESET, "crf": str(crf), "profile": "high", "flags": "+bitexact"}
        self.sound = None
        if audio is not None:
            self.sound = self.output.add_stream("aac", rate=AUDIO_RATE)
            self.sound.codec_context.layout = "stereo"
            self.sound.codec_context.bit_rate = AUDIO_BIT_RATE

    def add(self, frame: av.VideoFrame | None) -> list[av.VideoFrame]:
        """Filter and encode one picture (``None``: flush); returns the filtered ones."""
        self.graph.push(frame)
        made = []
        while True:
            try:
                out = self.graph.vpull()
            except (av.BlockingIOError, av.EOFError):
                break
            out.pict_type = av.video.frame.PictureType.NONE
            self.output.mux(self.video.encode(out))
            made.append(out)
        if frame is None:
            self.output.mux(self.video.encode(None))
        return made

    def add_audio_packet(self, packet: av.Packet, own: bool) -> None:  # type: ignore[type-arg]
        """A packet of the one AAC encode (the largest rendition's encoder): its own, or a copy."""
        if self.sound is None:
            return
        if not own:
            copy = av.Packet(bytes(packet))
            copy.pts, copy.dts, copy.duration = packet.pts, packet.dts, packet.duration
            copy.time_base = packet.time_base
            copy.stream = self.sound
            packet = copy
        self.output.mux(packet)

    def close(self) -> None:
        self.output.close()


def _add_audio(outputs: list[_Rendition], frame: av.AudioFrame | None) -> None:
    """Encode once, mux into every rendition (the command line encodes once per output)."""
    encoder = outputs[0].sound
    if encoder is None:
        return
    for packet in encoder.encode(frame):
        for index in range(len(outputs) - 1, -1, -1):  # the copies first: the original is consumed by its mux
            outputs[index].add_audio_packet(packet, own=index == 0)


def _renditions(
    first: av.VideoFrame, stream: av.VideoStream, audio: av.AudioStream | None, folder: Path, cube: Path | None
) -> tuple[list[_Rendition], list[av.VideoFrame]]:
    """Every rendition, each set up from the first picture the one before it made; and the
    largest rendition's first pictures (the first decoded picture went through them all)."""
    outputs: list[_Rendition] = []
    pictures, largest = [first], []
    for index, name in enumerate(RENDITIONS):
        source = pictures[0]
        turn = _rotation_filters(first.rotation) if index == 0 else []
        output = _Rendition(name, folder / f"{name}.mp4", source, stream, audio, turn, cube if index == 0 else None)
        outputs.append(output)
        pictures = [made for picture in pictures for made in output.add(picture)]
        if index == 0:
            largest = pictures
        if not pictures:
            raise NotAPhoto("video.unreadable")
    return outputs, largest


def _through(outputs: list[_Rendition], frame: av.VideoFrame | None) -> list[av.VideoFrame]:
    """One decoded picture (``None``: the end) through the chain; the largest's pictures."""
    largest: list[av.VideoFrame] = []
    pictures: list[av.VideoFrame] = [frame] if frame is not None else []
    for index, output in enumerate(outputs):
        made = [m for picture in pictures for m in output.add(picture)]
        if frame is None:
            made += output.add(None)
        if index == 0:
            largest = made
        pictures = made
    return largest


BT601_MATRICES = frozenset({5, 6})  # AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M
UNSPECIFIED = 2
FULL_RANGE = 2  # AVCOL_RANGE_JPEG


def _to_bt709(frame: av.VideoFrame) -> str:
    """The scaler's colour options to make BT.709 limited range of this picture: nothing for
    what phones record (BT.709, or untagged HD, which players read as BT.709), a matrix
    conversion for SD's BT.601 or BT.2020 SDR, a range conversion for full-range video.
    (Converting unconditionally costs a sixth of the transcode.)"""
    options = ""
    matrix = frame.colorspace
    if matrix == UNSPECIFIED:
        matrix = BT709 if max(frame.width, frame.height) >= 1280 else 6
    if matrix in BT601_MATRICES:
        options += ":in_color_matrix=bt601:out_color_matrix=bt709"
    elif matrix == 9:
        options += ":in_color_matrix=bt2020:out_color_matrix=bt709"
    if frame.color_range == FULL_RANGE:
        options += ":in_range=full:out_range=tv"
    return options


def _graph(
    first: av.VideoFrame,
    stream: av.VideoStream,
    turn: list[tuple[str, str]],
    width: int,
    height: int,
    cube: Path | None,
) -> Graph:
    graph = Graph()
    chain = [graph.add_buffer(template=stream, width=first.width, height=first.height, format=first.format)]
    for name, args in turn:
        chain.append(graph.add(name, args))
    if cube is not None:
        chain.append(graph.add("scale", f"{width}:{height}:flags=bicubic:in_color_matrix=bt2020"))
        chain.append(graph.add("format", "rgb48le"))
        chain.append(graph.add("lut3d", f"file={cube}:interp=tetrahedral"))
        chain.append(graph.add("scale", "out_color_matrix=bt709:out_range=tv"))
    else:
        chain.append(graph.add("scale", f"{width}:{height}:flags=bicubic{_to_bt709(first)}"))
    chain.append(graph.add("format", "yuv420p"))
    chain.append(graph.add("buffersink"))
    for upstream, downstream in itertools.pairwise(chain):
        upstream.link_to(downstream)
    graph.configure()
    return graph


def _transcode(container: av.container.InputContainer, folder: Path, limits: ClipLimits, progress: Progress) -> Clip:
    video, audio = _pick(container, limits)
    taken, offset = taken_at(dict(container.metadata))
    video.codec_context.thread_count = _threads()
    declared = (container.duration or 0) / 1_000_000
    start: float | None = None
    last_time = 0.0
    reported = 0
    outputs: list[_Rendition] = []
    poster_frame: av.VideoFrame | None = None
    pending_audio: list[av.AudioFrame] = []
    streams = [video] + ([audio] if audio is not None else [])
    try:
        for packet in container.demux(streams):
            if packet.stream is audio:
                for sound in packet.decode():
                    assert isinstance(sound, av.AudioFrame)
                    if outputs:
                        _add_audio(outputs, sound)
                    elif len(pending_audio) < MAX_EARLY_AUDIO:
                        pending_audio.append(sound)
                continue
            for frame in packet.decode():
                assert isinstance(frame, av.VideoFrame)
                if frame.time is None:
                    continue
                if frame.width * frame.height > limits.max_pixels or max(frame.width, frame.height) > limits.max_side:
                    raise NotAPhoto("video.too_many_pixels")
                if start is None:
                    start = frame.time
                    cube = write_cube(frame.color_trc, folder) if frame.color_trc in HDR_TRANSFERS else None
                    outputs, pictures = _renditions(frame, video, audio, folder, cube)
                    for early in pending_audio:
                        _add_audio(outputs, early)
                    pending_audio.clear()
                else:
                    pictures = _through(outputs, frame)
                last_time = frame.time - start
                if last_time > limits.max_seconds + 1:
                    raise NotAPhoto("video.longer_than_allowed")
                if poster_frame is None and pictures and last_time >= min(POSTER_SECONDS, declared / 3):
                    poster_frame = pictures[-1]
                if declared > 0:
                    percent = min(99, int(100 * last_time / declared))
                    if percent >= reported + PROGRESS_STEP:
                        reported = percent - percent % PROGRESS_STEP
                        progress(reported)
        if not outputs:
            raise NotAPhoto("video.unreadable")
        rest = _through(outputs, None)
        if poster_frame is None and rest:
            poster_frame = rest[-1]
        _add_audio(outputs, None)
    finally:
        for output in outputs:
            output.close()
    if poster_frame is None:
        raise NotAPhoto("video.unreadable")
    poster = rendition_of(poster_frame.to_image())  # type: ignore[no-untyped-call]
    main = outputs[0]
    return Clip(
        width=main.width,
        height=main.height,
        duration_ms=round(1000 * (max(last_time, 0.0) + 1 / float(video.guessed_rate or 30))),
        taken_at=taken,
        taken_offset=offset,
        poster=poster,
        files={output.path.stem: str(output.path) for output in outputs},
    )
