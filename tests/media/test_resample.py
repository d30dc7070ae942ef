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
