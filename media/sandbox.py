"""Running ``media.processing`` (photos) and ``media.video`` (clips) where a hostile file
cannot hurt the worker.

Each ``Sandbox`` keeps one child process (started lazily, ``spawn`` so it shares
nothing with the caller's threads or event loop) with an address-space limit.
A photo that takes longer than the time limit gets the child killed; one that
exhausts memory or crashes the decoder ends the child. Either way the photo
fails with a reason, a fresh child serves the next photo, and the worker
process itself never decodes untrusted bytes. A clip sandbox (``work="clip"``) works
on paths (a clip is too big to pass whole) and reports its progress while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import resource
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from media.clip_types import Clip, ClipLimits
from media.formats import NotAPhoto
from media.processing import Processed, Rect
from portal.memory import M_ARENA_MAX, mallopt

log = logging.getLogger(__name__)

_OK = "ok"
_REJECTED = "rejected"
_PROGRESS = "progress"
PHOTO = "photo"
CLIP = "clip"


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_bytes: int
    max_pixels: int


def _serve(conn: Connection, limits: Limits, work: str = PHOTO) -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if work == CLIP:
        _serve_clips(conn)
        return
    from PIL import Image

    from media.processing import process
    from media.resample import tune_process

    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    tune_process()  # libvips reads the decoded pixels in place (media.resample)
    while True:
        try:
            data, mask_sets = conn.recv()
        except EOFError:
            return
        try:
            conn.send((_OK, process(data, limits.max_pixels, mask_sets)))
        except NotAPhoto as exc:
            conn.send((_REJECTED, exc.reason))
        except Image.DecompressionBombError:
            conn.send((_REJECTED, "photo.too_many_pixels"))
        except MemoryError:
            conn.send((_REJECTED, "photo.too_much_memory"))
        except Exception:
            conn.send((_REJECTED, "photo.unreadable"))


def _serve_clips(conn: Connection) -> None:  # pragma: no cover - runs in the child
    _few_malloc_arenas()  # FFmpeg's and x264's threads would each reserve an arena against RLIMIT_AS
    from media.video import transcode

    while True:
        try:
            source, folder, clip_limits = conn.recv()
        except EOFError:
            return
        try:
            clip = transcode(source, folder, clip_limits, lambda percent: conn.send((_PROGRESS, percent)))
            conn.send((_OK, clip))
        except NotAPhoto as exc:
            conn.send((_REJECTED, exc.reason))
        except MemoryError:
            conn.send((_REJECTED, "video.too_much_memory"))
        except Exception:
            conn.send((_REJECTED, "video.unreadable"))


def _few_malloc_arenas() -> None:  # pragma: no cover - runs in the child
    mallopt(M_ARENA_MAX, 2)


class Sandbox:
    def __init__(self, limits: Limits, work: str = PHOTO) -> None:
        self.limits = limits
        self.work = work
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = asyncio.Lock()
        self.restarts = 0

    def _start(self) -> Connection:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child, self.limits, self.work), daemon=True, name=f"schriftje-{self.work}"
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        return parent

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
        self._process = self._conn = None

    async def process(self, data: bytes, mask_sets: list[list[Rect]]) -> Processed:
        """Process in the child; raise ``NotAPhoto`` with the reason when the photo cannot be used."""
        value = await self._run((data, mask_sets), "photo")
        assert isinstance(value, Processed)
        return value

    async def transcode(
        self, source: str, folder: str, limits: ClipLimits, progress: Callable[[int], None] | None = None
    ) -> Clip:
        """Transcode in the child (``media.video.transcode``); ``progress`` hears its percentages."""
        value = await self._run((source, folder, limits), "video", progress)
        assert isinstance(value, Clip)
        return value

    async def _run(self, request: object, prefix: str, progress: Callable[[int], None] | None = None) -> object:
        async with self._lock:
            conn = self._conn if self._process is not None and self._process.is_alive() else None
            if conn is None:
                self._stop()
                conn = await asyncio.to_thread(self._start)
            try:
                await asyncio.to_thread(conn.send, request)
                deadline = asyncio.get_running_loop().time() + self.limits.seconds
                while True:
                    left = deadline - asyncio.get_running_loop().time()
                    if left <= 0 or not await asyncio.to_thread(conn.poll, left):
                        raise NotAPhoto(f"{prefix}.too_slow")
                    status, value = await asyncio.to_thread(conn.recv)
                    if status != _PROGRESS:
                        break
                    if progress is not None:
                        progress(int(value))
            except NotAPhoto:
                await self._restart("time limit")
                raise
            except (EOFError, OSError):
                await self._restart("child ended")
                raise NotAPhoto(f"{prefix}.too_much_memory") from None
            except BaseException:
                await self._restart("cancelled")
                raise
        if status == _OK:
            return value
        raise NotAPhoto(str(value))

    async def _restart(self, why: str) -> None:
        log.warning("photo sandbox restarted", extra={"why": why})
        self.restarts += 1
        await asyncio.to_thread(self._stop)

    async def close(self) -> None:
        async with self._lock:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._stop)


class SandboxPool:
    """``size`` sandboxes; a photo takes whichever is free."""

    def __init__(self, limits: Limits, size: int = 1, work: str = PHOTO) -> None:
        self._free: asyncio.Queue[Sandbox] = asyncio.Queue()
        self._all = [Sandbox(limits, work) for _ in range(max(1, size))]
        for sandbox in self._all:
            self._free.put_nowait(sandbox)

    async def process(self, data: bytes, mask_sets: list[list[Rect]]) -> Processed:
        sandbox = await self._free.get()
        try:
            return await sandbox.process(data, mask_sets)
        finally:
            self._free.put_nowait(sandbox)

    async def transcode(
        self, source: str, folder: str, limits: ClipLimits, progress: Callable[[int], None] | None = None
    ) -> Clip:
        sandbox = await self._free.get()
        try:
            return await sandbox.transcode(source, folder, limits, progress)
        finally:
            self._free.put_nowait(sandbox)

    @property
    def restarts(self) -> int:
        return sum(s.restarts for s in self._all)

    async def close(self) -> None:
        for sandbox in self._all:
            await sandbox.close()
