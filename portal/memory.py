"""Process memory settings: keep glibc's allocator from spreading over many arenas.

Building an archive or a photo allocates and frees one large buffer after the
other (a decoded 2048 px image, an encoded JPEG) on several threads (the event
loop, the image executor, the database driver's thread). glibc gives each
thread an arena of its own and keeps what was freed in each: the archive
worker's peak RSS was 200 MB in some runs and 140 in others, depending on
which thread happened to allocate; with two arenas, 139-158. One arena makes it
137-138 every time, at no measured cost in build time (docs/benchmarks.md): the
threads mostly take turns on the GIL anyway. This is ``MALLOC_ARENA_MAX=1``,
set from inside so every way of starting the process gets it. Elsewhere than
glibc: nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENA_MAX = 1


def tune_malloc() -> bool:
    """Apply the settings; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    applied = bool(mallopt(M_ARENA_MAX, ARENA_MAX))
    log.debug("malloc tuned", extra={"applied": applied})
    return applied
