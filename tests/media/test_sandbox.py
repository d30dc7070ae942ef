"""Hostile files through the real sandbox child process: each is refused with a reason
or processed with the payload gone, and the sandbox serves the next photo."""

from __future__ import annotations

import pytest

from media.formats import NotAPhoto, read_header
from media.processing import Rect
from media.sandbox import Limits, Sandbox
from tests.media import images
from tests.media.webp_check import assert_clean

CAP = 100_000_000


@pytest.fixture
async def sandbox():
    box = Sandbox(Limits(seconds=20, memory_bytes=1024 * 1024 * 1024, max_pixels=CAP))
    yield box
    await box.close()


async def assert_healthy(box: Sandbox) -> None:
    result = await box.process(images.jpeg(), [[]])
    assert result.width == 120


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (images.png_bomb, "photo.too_many_pixels"),
        (images.jpeg_bomb, "photo.too_many_pixels"),
        (images.heic_bomb, None),
        (images.webp_bomb, None),
        (images.png_zlib_bomb, None),
        (lambda: images.truncated(images.jpeg(image=images.canonical(1200, 800), trailer=b"")), None),
        (lambda: images.truncated(images.png(images.canonical(1200, 800), trailer=b"")), None),
        (lambda: images.truncated(images.heic(image=images.canonical(1200, 800))), None),
        (lambda: images.NOT_PHOTOS["page.jpg"], "photo.unsupported_type"),
    ],
    ids=[
        "png-bomb",
        "jpeg-bomb",
        "heic-bomb",
        "webp-bomb",
        "ztxt-bomb",
        "trunc-jpeg",
        "trunc-png",
        "trunc-heic",
        "html",
    ],
)
async def test_hostile_files_fail_with_a_reason(sandbox: Sandbox, make, reason: str | None) -> None:
    with pytest.raises(NotAPhoto) as failure:
        await sandbox.process(make(), [[]])
    assert failure.value.reason.startswith("photo.")
    if reason:
        assert failure.value.reason == reason
    await assert_healthy(sandbox)


@pytest.mark.parametrize("make", [images.jpeg, images.polyglot_zip, images.png], ids=["trailer", "zip-polyglot", "png"])
async def test_payloads_after_the_image_are_gone(sandbox: Sandbox, make) -> None:
    result = await sandbox.process(make(), [[], [Rect(0, 0, 0.5, 0.5)]])
    for rendition in result.renditions:
        for data in rendition.files.values():
            assert_clean(data)


async def test_a_photo_that_takes_too_long_is_stopped() -> None:
    box = Sandbox(Limits(seconds=0.5, memory_bytes=1024 * 1024 * 1024, max_pixels=CAP))
    try:
        with pytest.raises(NotAPhoto, match="too_slow"):
            await box.process(images.progressive_many_scans(), [[]])
        assert box.restarts == 1
        await assert_healthy(box)
    finally:
        await box.close()


async def test_a_photo_that_needs_too_much_memory_is_stopped() -> None:
    from PIL import Image

    big = Image.new("RGB", (10000, 9000), (120, 60, 200))  # 90 MP: the raster alone is 270 MB; one colour encodes fast
    box = Sandbox(Limits(seconds=30, memory_bytes=300 * 1024 * 1024, max_pixels=CAP))
    try:
        with pytest.raises(NotAPhoto, match="too_much_memory"):
            await box.process(images.png(big, trailer=b""), [[]])
        await assert_healthy(box)
    finally:
        await box.close()


@pytest.mark.parametrize("name", sorted(images.NOT_PHOTOS))
def test_not_photos_are_refused_from_their_bytes(name: str) -> None:
    with pytest.raises(NotAPhoto, match="unsupported_type"):
        read_header(images.NOT_PHOTOS[name], CAP)


@pytest.mark.parametrize("make", [images.png_bomb, images.jpeg_bomb, images.heic_bomb, images.webp_bomb])
def test_bombs_are_refused_from_the_header(make) -> None:
    with pytest.raises(NotAPhoto):
        read_header(make(), CAP)
