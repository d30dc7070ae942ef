"""Test photos made on the fly: asymmetric (a wrong rotation or flip is visible), full
of planted metadata (marker strings, GPS) in every place formats keep it, and
hostile variants. Nothing is downloaded; everything is generated here."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from PIL import Image, ImageOps, PngImagePlugin

MARKERS = (b"MARKER-EXIF", b"MARKER-XMP", b"MARKER-COMMENT", b"MARKER-IPTC", b"MARKER-PNG", b"MARKER-TRAILER")
GPS_LATITUDE = (52.0, 5.0, 26.52)  # 52 deg 5' 26.52" N: Utrecht
QUADRANTS = {
    "top_left": (220, 30, 30),
    "top_right": (30, 200, 30),
    "bottom_left": (30, 30, 220),
    "bottom_right": (240, 240, 240),
}

# how to store pixels so that applying EXIF orientation N shows the canonical picture
_INVERSE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def canonical(width: int = 120, height: int = 80, mode: str = "RGB") -> Image.Image:
    """Four coloured quadrants: upright, red is top left and green top right."""
    image = Image.new(mode, (width, height))
    half_w, half_h = width // 2, height // 2
    boxes = {
        "top_left": (0, 0, half_w, half_h),
        "top_right": (half_w, 0, width, half_h),
        "bottom_left": (0, half_h, half_w, height),
        "bottom_right": (half_w, half_h, width, height),
    }
    for name, box in boxes.items():
        image.paste(QUADRANTS[name] if mode == "RGB" else (*QUADRANTS[name], 255), box)
    return image


def stored_for(orientation: int, image: Image.Image | None = None) -> Image.Image:
    upright = image or canonical()
    method = _INVERSE[orientation]
    raw = upright.transpose(method) if method is not None else upright.copy()
    check = raw.copy()
    exif = Image.Exif()
    exif[0x0112] = orientation
    check.info["exif"] = exif.tobytes()
    check.getexif()[0x0112] = orientation
    assert ImageOps.exif_transpose(check).tobytes() == upright.tobytes()  # the oracle agrees
    return raw


def planted_exif(orientation: int = 1, taken: str = "2026:11:20 10:11:12", offset: str | None = "+01:00") -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = "MARKER-EXIF description"
    exif[0x013B] = "MARKER-EXIF artist"
    exif[0x0132] = "2001:01:01 00:00:00"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken
    if offset:
        sub[0x9011] = offset
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "E"
    gps[4] = (5.0, 7.0, 12.34)
    return exif.tobytes()


def exif_time(moment: dt.datetime) -> tuple[str, str]:
    """A camera's ``DateTimeOriginal`` and ``OffsetTimeOriginal`` for an aware moment."""
    offset = moment.strftime("%z")
    return moment.strftime("%Y:%m:%d %H:%M:%S"), f"{offset[:3]}:{offset[3:]}"


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b"<rdf:RDF><rdf:Description>MARKER-XMP 52.0907N</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
)


def _with_app13(jpeg: bytes) -> bytes:
    """Insert a Photoshop APP13 (IPTC) segment after SOI."""
    iptc = b"\x1c\x02\x78" + struct.pack(">H", 20) + b"MARKER-IPTC caption!"
    payload = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def jpeg(
    orientation: int = 1,
    *,
    image: Image.Image | None = None,
    icc: bytes | None = None,
    quality: int = 90,
    trailer: bytes = b"MARKER-TRAILER <html><script>alert(1)</script></html>",
    progressive: bool = False,
    taken: dt.datetime | None = None,
) -> bytes:
    """A JPEG full of metadata to strip; ``taken`` (aware) replaces the planted capture time."""
    out = io.BytesIO()
    raw = stored_for(orientation, image)
    exif = planted_exif(orientation) if taken is None else planted_exif(orientation, *exif_time(taken))
    options: dict[str, object] = {"quality": quality, "exif": exif, "comment": b"MARKER-COMMENT"}
    if icc:
        options["icc_profile"] = icc
    if progressive:
        options["progressive"] = True
    raw.save(out, "JPEG", xmp=XMP, **options)
    return _with_app13(out.getvalue()) + trailer


def png(image: Image.Image | None = None, *, trailer: bytes = b"MARKER-TRAILER") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "MARKER-PNG tEXt")
    info.add_text("Description", "MARKER-PNG zTXt " * 10, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    (image or canonical()).save(out, "PNG", pnginfo=info, exif=planted_exif())
    return out.getvalue() + trailer


def webp(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or canonical()).save(out, "WEBP", exif=planted_exif(), xmp=XMP, quality=90)
    return out.getvalue()


def heic(orientation: int = 1, image: Image.Image | None = None) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    stored_for(orientation, image).save(out, "HEIF", exif=planted_exif(orientation), xmp=XMP, quality=90)
    return out.getvalue()


def mpo() -> bytes:
    first, second = canonical(), Image.new("RGB", (120, 80), (255, 0, 255))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=planted_exif())
    return out.getvalue()


def animated(kind: str) -> bytes:
    frames = [canonical(), Image.new("RGB", (120, 80), (255, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, kind, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (80, 60), (0, 255, 255, 0)).save(out, "JPEG", quality=90)  # red in CMYK
    return out.getvalue()


def png16_grey() -> bytes:
    image = Image.new("I;16", (64, 32))
    image.putdata([x * 1024 for _ in range(32) for x in range(64)])  # 0 .. 64512: a grey ramp
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (40, 40), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (20, 0, 40, 40))
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    return out.getvalue()


# ---- hostile ------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG declaring gigapixels, with a tiny zlib stream of zero rows."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def png_zlib_bomb() -> bytes:
    """Small dimensions, but a zTXt chunk that inflates to 200 MB."""
    ihdr = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    payload = b"Comment\x00\x00" + zlib.compress(b"A" * 200_000_000, 9)
    pixels = zlib.compress(b"\x00" + b"\x80" * 8 * 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"zTXt", payload)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A small JPEG whose SOF header is rewritten to declare gigapixels."""
    data = bytearray(jpeg())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def webp_bomb() -> bytes:
    """A VP8X header declaring a 16384 x 16384 canvas (the format's maximum) with no image data that fits."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (16383).to_bytes(3, "little") * 2
    body = b"WEBP" + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def progressive_many_scans(scans: int = 4000) -> bytes:
    """A progressive JPEG whose last refinement scan is repeated thousands of times."""
    big = Image.new("RGB", (4000, 3000), (128, 128, 128))  # flat: every scan is a few bytes, yet a full pass
    out = io.BytesIO()
    big.save(out, "JPEG", progressive=True, quality=95)
    data = out.getvalue()
    last_sos = data.rfind(b"\xff\xda")
    end = data.rfind(b"\xff\xd9")
    return data[:last_sos] + data[last_sos:end] * scans + data[end:]


NOT_PHOTOS: dict[str, bytes] = {
    "page.jpg": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "drawing.png": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "scan.jpg": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "anim.jpg": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "scan.heic": b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64,  # TIFF
    "paint.webp": b"BM" + b"\x00" * 64,
    "photo.avif": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 32,
    "empty.jpg": b"",
}


def polyglot_zip() -> bytes:
    """A valid JPEG with a ZIP archive appended (opens as both)."""
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script> MARKER-TRAILER")
    return jpeg(trailer=b"") + archive.getvalue()


# ---- colour ---------------------------------------------------------------------------


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def display_p3_icc() -> bytes:
    """A minimal ICC v2 matrix/TRC profile with Display P3 primaries (D50-adapted) and gamma 2.2."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \x00\x00\x00\x00" + _s15(x) + _s15(y) + _s15(z)

    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, int(2.2 * 256)) + b"\x00\x00"
    text = b"Display P3 (test)\x00"
    desc = b"desc\x00\x00\x00\x00" + struct.pack(">I", len(text)) + text + b"\x00" * 12 + b"\x00" * 67
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2919, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\x00\x00\x00\x00none\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, blobs = b"", b""
    for signature, blob in tags:
        padded = blob + b"\x00" * (-len(blob) % 4)
        table += signature + struct.pack(">II", offset + len(blobs), len(blob))
        blobs += padded
    size = offset + len(blobs)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + b"\x02\x10\x00\x00"
        + b"mntrRGB XYZ "
        + b"\x07\xea\x00\x0b\x00\x17\x00\x00\x00\x00\x00\x00"
        + b"acsp"
        + b"\x00" * 24
        + b"\x00\x00\x00\x00"
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\x00" * 48
    )
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + table + blobs


def heic_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A HEIC whose 'ispe' (image spatial extent) box declares gigapixels."""
    data = bytearray(heic())
    at = data.find(b"ispe")
    while at != -1:
        struct.pack_into(">II", data, at + 8, width, height)
        at = data.find(b"ispe", at + 4)
    return bytes(data)
