"""media.resample: exact sizes, Lanczos sharpness through libvips, transparency resized
premultiplied as Pillow does, and Pillow's own Lanczos when libvips cannot load.
Pure functions: no stack needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from media import resample


@pytest.fixture(params=["libvips", "pillow"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "pillow":
        monkeypatch.setattr(resample, "_vips", lambda: None)
    yield request.param


def stripes(size: tuple[int, int] = (1001, 667), mode: str = "RGB") -> Image.Image:
    """Fine detail (2 px stripes and thin diagonals) that a soft resampler smears."""
    image = Image.new("RGB", size, (200, 180, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 4):
        draw.line((x, 0, x, size[1] // 2), fill=(20, 30, 40), width=2)
    for k in range(0, size[0], 9):
        draw.line((k, size[1] // 2, k + 60, size[1]), fill=(250, 20, 90), width=1)
    return image.convert(mode)


def test_the_project_installs_libvips() -> None:
    assert resample._vips() is not None, "pyvips[binary] is a dependency: without it every photo resizes 2x slower"


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "CMYK"])
@pytest.mark.parametrize("size", [(500, 333), (321, 214), (1, 1), (1000, 1)])
def test_the_size_asked_for_exactly(path: str, mode: str, size: tuple[int, int]) -> None:
    result = resample.lanczos(stripes(mode=mode), size)
    assert (result.size, result.mode) == (size, mode)


def test_as_sharp_as_pillows_lanczos_and_sharper_than_bicubic(path: str) -> None:
    source = stripes()
    size = (480, 320)
    ours = resample.lanczos(source, size)
    reference = source.resize(size, Image.Resampling.LANCZOS)
    bicubic = source.resize(size, Image.Resampling.BICUBIC)

    def off(image: Image.Image) -> float:  # levels of 255 from Pillow's Lanczos, on average
        return max(ImageStat.Stat(ImageChops.difference(image, reference)).mean)

    assert off(ours) < 1.0 and off(ours) < off(bicubic) / 3, (off(ours), off(bicubic))


def test_a_transparent_pixels_colour_does_not_bleed(path: str) -> None:
    image = Image.new("RGBA", (400, 400), (255, 0, 0, 0))  # invisible red
    image.paste((0, 0, 255, 255), (200, 0, 400, 400))  # opaque blue on the right
    result = resample.lanczos(image, (100, 100))
    red, green, blue, alpha = result.getpixel((51, 50))  # type: ignore[misc]
    assert alpha > 200 and blue > 200 and red < 8, (red, green, blue, alpha)


def test_the_same_size_is_the_same_image(path: str) -> None:
    image = stripes()
    assert resample.lanczos(image, image.size) is image


@pytest.fixture
def one_block() -> Iterator[None]:
    """Pillow allocating every image in one block, as after ``tune_process`` in the sandbox."""
    core = Image.core  # type: ignore[attr-defined]
    before = core.get_use_block_allocator()
    core.set_use_block_allocator(1)
    yield
    core.set_use_block_allocator(before)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "CMYK"])
def test_pixels_in_one_block_reach_libvips_in_place_with_the_same_result(
    one_block: None, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = stripes((1201, 801), mode)  # 3.8 MB: one block only because of the fixture
    premultiplied = image.convert("RGBa") if mode == "RGBA" else image
    shared = resample._arrow_pixels(premultiplied)
    assert shared is not None, "the image's memory was not handed over in place"
    view, _ = shared
    assert bytes(view[:8]) == premultiplied.tobytes("raw", "RGBX" if mode == "RGB" else premultiplied.mode)[:8]
    in_place = resample.lanczos(image, (600, 400))
    monkeypatch.setattr(resample, "_arrow_pixels", lambda image: None)
    copied = resample.lanczos(image, (600, 400))
    assert (in_place.mode, in_place.size) == (mode, (600, 400))
    assert in_place.tobytes() == copied.tobytes()


def test_pixels_in_several_blocks_are_copied() -> None:
    core = Image.core  # type: ignore[attr-defined]
    assert not core.get_use_block_allocator()  # the test process keeps Pillow's default
    big = stripes((4000, 3000))  # 48 MB: more than one of Pillow's 16 MB blocks
    assert not big.im.isblock()
    assert resample._arrow_pixels(big) is None  # Pillow refuses to export it
    assert resample.lanczos(big, (400, 300)).size == (400, 300)
