"""Downscaling decoded pixels at Lanczos sharpness, fast: libvips' ``resize`` (lanczos3,
vectorised) on the Pillow image's pixels, Pillow's own Lanczos where libvips cannot
be loaded.

Only raw, already decoded pixels ever reach libvips (``new_from_memory``): every
file is still decoded by Pillow in ``media.sandbox``'s child, so libvips parses
nothing an uploader wrote. Measured on a 12 MP JPEG (docs/benchmarks.md, issue 24):
4032 -> 2048 px in 56 ms with the pixels copied in and out (30 ms in place) instead
of 118 ms for Pillow's Lanczos (84 ms for the bicubic it replaces), SSIM against
Pillow's Lanczos within 0.0005 after WebP.

libvips comes from PyPI's ``pyvips-binary`` wheel (libvips with its own libraries,
symbol-renamed, beside Pillow's): installed by ``pip`` like every other dependency.
It runs with one thread and no operation cache: the caller (one sandbox per core)
is the unit of parallelism and must stay within its memory limit.

A process that resizes big images calls ``tune_process`` first (the sandbox's child
does): Pillow then keeps each image in one block of memory, and libvips reads the
decoded pixels in place through Pillow's Arrow export (the Arrow C data interface, a
fixed ABI) instead of a packed copy; with glibc keeping those blocks for reuse, 55 ms
less per 12 MP photo and a lower peak. Any image that cannot be shared that way is
copied as before.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from PIL import Image

from portal.memory import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt

log = logging.getLogger(__name__)

# Pillow resizes transparent images premultiplied (so a transparent pixel's colour does
# not bleed into its neighbours); the same here
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


@lru_cache(maxsize=1)
def _vips() -> Any:
    """The pyvips module, set up for one thread and no cache; ``None`` when it cannot load."""
    try:
        import pyvips
    except Exception:  # not installed, or its shared library does not load on this platform
        log.warning("libvips is not available; resizing with Pillow's Lanczos (slower)")
        return None
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    return pyvips


KEEP_FREED_BYTES = 512 * 1024 * 1024


def tune_process() -> None:
    """For a process that does nothing but decode and resize photos (the sandbox's child):
    Pillow allocates every image in one block, so ``lanczos`` hands libvips the pixels in
    place; and glibc serves those big blocks from its heap and keeps them when freed
    (a 12 MP image is above glibc's largest mmap threshold, so each one was a fresh
    mapping, faulted in page by page: ~15 ms per photo). The process then holds its
    high-water mark (~140 MB) between photos instead of returning it."""
    setter = getattr(Image.core, "set_use_block_allocator", None)  # type: ignore[attr-defined]
    if setter is not None:
        setter(1)
    mallopt(M_MMAP_THRESHOLD, KEEP_FREED_BYTES // 2)
    mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES)


def lanczos(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` resized to exactly ``size`` with a Lanczos (a = 3) kernel."""
    if image.size == size:
        return image
    vips = _vips()
    if vips is None or image.mode not in ("RGB", "RGBA", "CMYK", "L", "LA"):
        return image.resize(size, Image.Resampling.LANCZOS)
    mode = image.mode
    work = image.convert(_PREMULTIPLIED[mode]) if mode in _PREMULTIPLIED else image
    bands = len(work.getbands())
    with _pixels(work) as (pixels, stored_bands):
        source = vips.Image.new_from_memory(pixels, work.width, work.height, stored_bands, "uchar")
        resized = source.resize(size[0] / work.width, vscale=size[1] / work.height, kernel="lanczos3")
        if stored_bands != bands:  # RGB is stored as RGBX: the padding byte is dropped
            resized = resized.extract_band(0, n=bands)
        if (resized.width, resized.height) != size:  # a rounding libvips does differently: Pillow's size wins
            return image.resize(size, Image.Resampling.LANCZOS)
        data = resized.write_to_memory()  # libvips reads ``pixels`` here, so inside the block
        del source, resized  # nothing that points into ``pixels`` outlives it
    result = Image.frombytes(work.mode, size, data)
    return result.convert(mode) if mode in _PREMULTIPLIED else result


@contextmanager
def _pixels(image: Image.Image) -> Iterator[tuple[Any, int]]:
    """The image's pixels for libvips and how many bytes each pixel has there: in place
    (Pillow's own memory, alive until the block ends) when Pillow can export them as one
    contiguous Arrow array of 4-byte pixels, else a packed copy."""
    in_place = _arrow_pixels(image) if image.mode in ("RGB", "RGBa", "CMYK") else None
    if in_place is None:
        yield image.tobytes(), len(image.getbands())
        return
    view, capsules = in_place
    try:
        yield view, 4
    finally:
        del view, capsules  # the array capsule's release lets Pillow's memory go


class _ArrowSchema(ctypes.Structure):
    pass


_ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowSchema))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]


class _ArrowArray(ctypes.Structure):
    pass


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _arrow_pixels(image: Image.Image) -> tuple[Any, tuple[object, object]] | None:
    """A writable view of the image's 4-byte pixels in Pillow's memory, with the capsules
    that keep that memory alive; ``None`` unless the export is exactly the layout expected:
    a fixed-size list of 4 uint8 per pixel, no offset, width x height x 4 bytes."""
    try:
        if not image.im.isblock():  # several blocks: Pillow would refuse (and before 11.2 has no export)
            return None
        schema_capsule, array_capsule = image.__arrow_c_array__()
        schema = _ArrowSchema.from_address(_capsule_pointer(schema_capsule, b"arrow_schema"))
        array = _ArrowArray.from_address(_capsule_pointer(array_capsule, b"arrow_array"))
    except (AttributeError, ValueError, TypeError):
        return None
    pixels = image.width * image.height
    if schema.format != b"+w:4" or schema.n_children != 1 or schema.children[0].contents.format != b"C":
        return None
    if array.length != pixels or array.offset != 0 or array.n_children != 1:
        return None
    values = array.children[0].contents
    if values.length != pixels * 4 or values.offset != 0 or values.n_buffers != 2 or not values.buffers[1]:
        return None
    view = (ctypes.c_ubyte * (pixels * 4)).from_address(values.buffers[1])
    return view, (schema_capsule, array_capsule)


__all__ = ["lanczos", "tune_process"]
