"""Reading an upload's multipart body as it streams in, bounded while it streams.

* A file part stops being read the moment it passes ``UPLOAD_MAX_BYTES``: the
  answer is 413 at once, naming the file, and nothing more of the body is read or
  written to disk (Starlette's own parser spools every file whole and only then
  could we look at its size).
* The whole body is bounded too (every file at the limit, plus the form).
* A body that stops arriving (``UPLOAD_STALL_SECONDS`` without a byte) is ended
  with 408; a client that goes away is one log line, not a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from portal.errors import DomainError, InvalidInput, PayloadTooLarge

log = logging.getLogger(__name__)

FORM_OVERHEAD_BYTES = 1024 * 1024
MAX_FIELDS = 10


class UploadStalled(DomainError):
    status = 408
    code = "upload_stalled"
    message_key = "photo.upload_stalled"


class UploadAbandoned(Exception):
    """The client went away mid-upload: nobody is left to answer."""


class _BoundedParser(MultiPartParser):
    def __init__(
        self, request: Request, stream: AsyncGenerator[bytes, None], max_files: int, max_file_bytes: int
    ) -> None:
        super().__init__(request.headers, stream, max_files=max_files, max_fields=MAX_FIELDS)
        self.max_file_bytes = max_file_bytes
        self._file_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._file_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        if part.file is not None:
            self._file_bytes += end - start
            if self._file_bytes > self.max_file_bytes:
                raise PayloadTooLarge(
                    "photo.too_large", name=part.file.filename or "foto", megabytes=self.max_file_bytes // (1024 * 1024)
                )
        super().on_part_data(data, start, end)


async def _arriving(
    request: Request, max_bytes: int, too_large: PayloadTooLarge, stall_secs: float
) -> AsyncGenerator[bytes, None]:
    """The body's chunks as they come; 413 past ``max_bytes``, 408 after a silence."""
    chunks = request.stream().__aiter__()
    received = 0
    while True:
        try:
            async with asyncio.timeout(stall_secs):
                chunk = await chunks.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise UploadStalled() from None
        received += len(chunk)
        if received > max_bytes:
            raise too_large
        yield chunk


async def read_upload(
    request: Request, *, max_files: int, max_file_bytes: int, stall_secs: float, too_large: PayloadTooLarge
) -> FormData:
    """The upload's form, its files spooled to temporary files; raises 413/408/422."""
    max_bytes = max_file_bytes * max_files + FORM_OVERHEAD_BYTES
    parser = _BoundedParser(request, _arriving(request, max_bytes, too_large, stall_secs), max_files, max_file_bytes)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        if str(exc).startswith("Too many files"):
            raise too_large from None  # names the batch limits
        raise InvalidInput(detail=str(exc)) from None
    except ClientDisconnect:
        log.info("upload abandoned by the client")
        raise UploadAbandoned() from None
