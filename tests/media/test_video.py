"""The clip transcoder and its parts without the web: byte ranges, the HDR table, the box
checks at upload, the capture date, and what ``media.video.transcode`` makes of an
iPhone-like and an Android-like clip (rotation applied once, HDR brought to SDR,
nothing of the source's metadata or extra tracks in the output)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest

from media import tonemap
from media.clip_header import read_clip_header, sniff_clip
from media.clip_types import ClipLimits
from media.formats import NotAPhoto
from media.ranges import ByteRange, Unsatisfiable, parse_range
from media.video import taken_at, transcode
from tests.media import clips


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-1", ByteRange(0, 1)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-10", ByteRange(990, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=500-99999", ByteRange(500, 999)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
        ("bytes=9-3", None),
    ],
)
def test_byte_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


def test_a_range_past_the_end_or_a_stale_if_range() -> None:
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=1000-", 1000)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-0", 1000)
    assert parse_range("bytes=0-1", 1000, if_range='"old"', etag='"new"') is None
    assert parse_range("bytes=0-1", 1000, if_range='"new"', etag='"new"') == ByteRange(0, 1)
    assert ByteRange(0, 1).content_range(1000) == "bytes 0-1/1000"


def test_the_hdr_table_keeps_reference_white_and_rolls_off_the_highlights() -> None:
    for transfer, white in ((tonemap.HLG, 0.75), (tonemap.PQ, 0.58)):  # 203 nits in each (BT.2408)
        table = tonemap.table(transfer, grid=17)
        assert table.min() >= 0 and table.max() <= 1
        signal = np.array([[white] * 3, [1.0] * 3, [0.0] * 3])
        nits = tonemap._hlg_to_nits(signal) if transfer == tonemap.HLG else tonemap._pq_to_nits(signal)
        out = np.power(np.clip(tonemap._shoulder(nits / tonemap.REFERENCE_WHITE_NITS), 0, 1), 1 / 2.4)
        assert 0.9 <= out[0, 0] <= 1.0, transfer  # HDR reference white is (nearly) SDR white
        assert out[1, 0] == pytest.approx(1.0) and out[2, 0] == 0.0
        greys = np.linspace(0, 1, 50)[:, None].repeat(3, axis=1)
        nits = tonemap._hlg_to_nits(greys) if transfer == tonemap.HLG else tonemap._pq_to_nits(greys)
        mapped = tonemap._shoulder(nits / tonemap.REFERENCE_WHITE_NITS)[:, 0]
        assert np.all(np.diff(mapped) >= -1e-9)  # brighter in, never darker out


def test_sniffing_clips_by_their_boxes() -> None:
    assert sniff_clip(b"\0\0\0\x14ftypqt  \0\0\0\0qt  ") == "mov"
    assert sniff_clip(b"\0\0\0\x18ftypisom\0\0\x02\0isommp41") == "mp4"
    assert sniff_clip(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic") is None  # an iPhone photo
    assert sniff_clip(b"\0\0\0\x18ftypavif\0\0\0\0avifmif1") is None
    assert sniff_clip(b"\xff\xd8\xff\xe0" + b"\0" * 20) is None


def test_the_upload_check_reads_the_declared_facts(tmp_path: Path) -> None:
    data = clips.make_clip(tmp_path / "a.mov", seconds=1.0).read_bytes()
    header = read_clip_header(io.BytesIO(data), max_seconds=90)
    assert (header.kind, header.width, header.height, header.tracks) == ("mov", 320, 240, 2)
    assert header.seconds == pytest.approx(1.0, abs=0.05)
    with pytest.raises(NotAPhoto, match=r"video\.too_long"):
        read_clip_header(io.BytesIO(data), max_seconds=-0.5)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"com.apple.quicktime.creationdate": "2026-11-23T10:15:00+0100"}, ("2026-11-23T10:15:00", "+01:00")),
        ({"creation_time": "2026-11-23T09:15:00.000000Z"}, ("2026-11-23T09:15:00", "+00:00")),
        ({"creation_time": "1970-01-01T00:00:00.000000Z"}, (None, None)),  # "unknown", as cameras write it
        ({"com.apple.quicktime.creationdate": "gisteren"}, (None, None)),
        ({}, (None, None)),
    ],
)
def test_the_capture_date(metadata: dict[str, str], expected: tuple[str | None, str | None]) -> None:
    assert taken_at(metadata) == expected


def test_an_iphone_hdr_clip_comes_out_upright_sdr_and_bare(tmp_path: Path) -> None:
    source = clips.make_clip(
        tmp_path / "IMG.MOV", seconds=1.0, width=320, height=192, codec="hevc", hdr=True, rotation=90
    )
    out = tmp_path / "out"
    out.mkdir()
    seen: list[int] = []
    clip = transcode(str(source), str(out), ClipLimits(max_seconds=90), seen.append)
    assert (clip.width, clip.height) == (192, 320)
    assert (clip.taken_at, clip.taken_offset) == ("2026-11-23T10:15:00", "+01:00")
    assert 950 <= clip.duration_ms <= 1050
    assert seen == sorted(seen) and seen
    assert set(clip.poster.files) == {"display", "large", "small"}
    served = Path(clip.files["720"]).read_bytes()
    with av.open(io.BytesIO(served)) as played:
        frame = next(played.decode(video=0))
        picture = frame.to_ndarray(format="rgb24").astype(int)
        assert (frame.width, frame.height, frame.rotation, frame.color_trc) == (192, 320, 0, 1)
    # the source's right edge (pure red at the top: R=255, G=0) is the top after turning a
    # quarter counter-clockwise, as the display matrix asks
    top = picture[2, 20:-20]
    assert top[:, 0].mean() > 200 and top[:, 1].mean() < 60
    # not washed out: the white bar stays white, the red stays saturated
    assert picture[-3, 2:14].min() > 200
    assert top[:, 0].mean() - top[:, 2].mean() > 80
    assert clips.handler_types(served) == [b"vide", b"soun"]
    assert b"Apple" not in served and b"52.37" not in served


def test_only_one_video_and_one_audio_track_come_out(tmp_path: Path) -> None:
    source = clips.make_clip(tmp_path / "two.mp4", seconds=0.5, phone="android", extra_track=True)
    with av.open(str(source)) as original:
        assert len(original.streams.audio) == 2
    out = tmp_path / "out"
    out.mkdir()
    clip = transcode(str(source), str(out), ClipLimits(max_seconds=90))
    served = Path(clip.files["360"]).read_bytes()
    assert clips.handler_types(served) == [b"vide", b"soun"]
    assert b"loci" not in served and b"52.37" not in served


def test_a_header_that_lies_about_the_length_is_caught_while_decoding(tmp_path: Path) -> None:
    source = clips.make_clip(tmp_path / "long.mp4", seconds=3, width=64, height=64, fps=10, audio=False)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(NotAPhoto, match=r"video\.longer_than_allowed"):
        transcode(str(source), str(out), ClipLimits(max_seconds=1))
    with pytest.raises(NotAPhoto, match=r"video\.unreadable"):
        transcode(str(tmp_path / "missing.mp4"), str(out), ClipLimits(max_seconds=90))


def test_the_installed_pyav_has_the_codecs_clips_need() -> None:
    """PyAV's wheels carry FFmpeg with x264: the encoder every rendition depends on, the
    decoders for what phones record, AAC, and the filters of the graph."""
    for name in ("libx264", "aac"):
        assert av.codec.Codec(name, "w").name == name
    for name in ("h264", "hevc", "aac"):
        assert av.codec.Codec(name, "r").name == name
    assert {"scale", "lut3d", "transpose", "hflip", "vflip", "format"} <= set(av.filter.filters_available)


def test_a_clip_without_sound_and_a_file_with_only_sound(tmp_path: Path) -> None:
    silent = clips.make_clip(tmp_path / "silent.mp4", seconds=0.5, width=160, height=96, audio=False)
    out = tmp_path / "out"
    out.mkdir()
    clip = transcode(str(silent), str(out), ClipLimits(max_seconds=90))
    for path in clip.files.values():
        assert clips.handler_types(Path(path).read_bytes()) == [b"vide"]
    sound = tmp_path / "voice.m4a"
    with av.open(str(sound), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 48000, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(NotAPhoto, match=r"video\.no_video"):
        read_clip_header(io.BytesIO(sound.read_bytes()), max_seconds=90)
    with pytest.raises(NotAPhoto, match=r"video\.unsupported_codec"):
        transcode(str(sound), str(out), ClipLimits(max_seconds=90))
