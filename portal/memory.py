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

# mallopt's parameter numbers, from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENA_MAX = 1


def mallopt(parameter: int, value: int) -> bool:
    """glibc's ``mallopt``; False where the C library is not glibc or refuses the value."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        function = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    function.argtypes, function.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(function(parameter, value))


def tune_malloc() -> bool:
    """Apply the settings; False where the C library is not glibc."""
    applied = mallopt(M_ARENA_MAX, ARENA_MAX)
    log.debug("malloc tuned", extra={"applied": applied})
    return applied
