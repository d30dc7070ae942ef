"""media.processing on every accepted format, orientation and colour case, with the
derivatives checked byte by byte for metadata. Pure functions: no stack needed."""

from __future__ import annotations

import pytest

from media.formats import NotAPhoto
from media.processing import SIZES, Rect, process
from tests.media import images
from tests.media.webp_check import assert_clean, colour_at, decode, near

CAP = 100_000_000


def single(data: bytes) -> dict[str, bytes]:
    result = process(data, CAP, [[]])
    assert len(result.renditions) == 1
    return result.renditions[0].files


def assert_upright(files: dict[str, bytes]) -> None:
    for name, data in files.items():
        assert_clean(data)
        picture = decode(data)
        assert picture.width > picture.height, name  # the canonical picture is landscape
        for quadrant, fx, fy in (("top_left", 0.25, 0.25), ("top_right", 0.75, 0.25), ("bottom_left", 0.25, 0.75)):
            assert near(colour_at(picture, fx, fy), images.QUADRANTS[quadrant]), (name, quadrant)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_orientations_are_applied_once(orientation: int) -> None:
    result = process(images.jpeg(orientation), CAP, [[]])
    assert (result.width, result.height) == (120, 80)
    assert_upright(result.renditions[0].files)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_heic_with_irot_and_exif_orientation_is_rotated_once(orientation: int) -> None:
    data = images.heic(orientation)
    assert b"irot" in data or b"imir" in data or orientation == 1
    assert_upright(single(data))


@pytest.mark.parametrize(
    "make", [images.png, images.webp, images.mpo, lambda: images.animated("WEBP"), lambda: images.animated("PNG")]
)
def test_other_formats_first_frame_only_and_clean(make) -> None:
    assert_upright(single(make()))


def test_taken_at_is_read_before_stripping() -> None:
    result = process(images.jpeg(), CAP, [[]])
    assert (result.taken_at, result.taken_offset) == ("2026-11-20T10:11:12", "+01:00")


def test_derivative_sizes() -> None:
    big = images.canonical(3000, 2000)
    result = process(images.jpeg(image=big), CAP, [[]])
    sizes = {name: decode(data).size for name, data in result.renditions[0].files.items()}
    assert sizes == {"display": (2048, 1365), "large": (1280, 853), "small": (320, 213)}
    assert set(sizes) == set(SIZES)


def test_cmyk_jpeg_becomes_rgb() -> None:
    files = single(images.cmyk_jpeg())
    assert near(colour_at(decode(files["small"]), 0.5, 0.5), (255, 0, 0), 60)


def test_16_bit_grey_png_is_scaled_not_clipped() -> None:
    picture = decode(single(images.png16_grey())["display"]).convert("L")
    left, middle, right = (picture.getpixel((x, 16)) for x in (1, 32, 62))
    assert left < 30 and 100 < middle < 160 and right > 220  # type: ignore[operator]


def test_palette_png_keeps_transparency() -> None:
    picture = decode(single(images.palette_png_with_transparency())["display"])
    assert picture.mode == "RGBA"
    assert picture.getpixel((5, 5))[3] == 0  # type: ignore[index]
    assert picture.getpixel((35, 5))[:3] == (0, 0, 255)  # type: ignore[index]


def test_display_p3_is_converted_to_srgb_and_the_profile_dropped() -> None:
    from PIL import Image

    orange = Image.new("RGB", (64, 48), (200, 100, 50))
    result = process(images.jpeg(image=orange, icc=images.display_p3_icc(), quality=100), CAP, [[]])
    data = result.renditions[0].files["display"]
    assert_clean(data)
    red, green, _ = colour_at(decode(data), 0.5, 0.5)
    assert red > 210 and green < 95  # P3 orange is more saturated than the same numbers in sRGB


def test_an_srgb_profile_changes_nothing_and_is_not_applied() -> None:
    from PIL import Image, ImageCms

    from media import processing

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert processing._transform(srgb, "RGB", "RGB") is None  # an identity: skipped
    assert processing._transform(images.display_p3_icc(), "RGB", "RGB") is not None
    orange = Image.new("RGB", (64, 48), (200, 100, 50))
    tagged = process(images.jpeg(image=orange, icc=srgb, quality=100), CAP, [[]]).renditions[0].files
    plain = process(images.jpeg(image=orange, quality=100), CAP, [[]]).renditions[0].files
    assert tagged == plain


def test_masked_rendition_hides_the_region_in_every_derivative() -> None:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (800, 600), (240, 240, 240))
    draw = ImageDraw.Draw(picture)
    for x in range(0, 400, 20):  # a high-contrast pattern in the left half: a "face"
        draw.rectangle((x, 0, x + 9, 599), fill=(0, 0, 0))
    mask = Rect(0.0, 0.0, 0.5, 1.0)
    result = process(images.jpeg(image=picture, quality=95), CAP, [[], [mask]])
    plain, masked = result.renditions
    for name in SIZES:
        original = decode(plain.files[name]).convert("L")
        hidden = decode(masked.files[name]).convert("L")
        w, h = hidden.size
        stripes_before = _contrast(original, (0, 0, w // 2 - 2, h))
        stripes_after = _contrast(hidden, (0, 0, w // 2 - 2, h))
        assert stripes_before > 80, name
        assert stripes_after < stripes_before / 4, (name, stripes_after)
        assert abs(_contrast(hidden, (w // 2 + 4, 0, w, h)) - _contrast(original, (w // 2 + 4, 0, w, h))) < 2


def _contrast(image, box) -> float:
    from PIL import ImageStat

    return float(ImageStat.Stat(image.crop(box)).stddev[0])


@pytest.mark.parametrize("bad", [b"", b"\xff\xd8\xff\xe0garbage", images.NOT_PHOTOS["page.jpg"]])
def test_unreadable_input_raises_not_a_photo(bad: bytes) -> None:
    with pytest.raises((NotAPhoto, OSError, SyntaxError, ValueError)):
        process(bad, CAP, [[]])


def test_pixel_cap() -> None:
    with pytest.raises(NotAPhoto, match="too_many_pixels"):
        process(images.jpeg(image=images.canonical(400, 300)), 400 * 300 - 1, [[]])
