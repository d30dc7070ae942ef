"""A storage that opens its backend on first use: workers that never touch media
(a burst run that only sends e-mail) do not pay for creating an S3 client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable

from media.storage.base import CHUNK_BYTES, Storage


class LazyStorage:
    def __init__(self, opener: Callable[[], Awaitable[Storage]]) -> None:
        self._opener = opener
        self._storage: Storage | None = None
        self._lock = asyncio.Lock()
        self.name = "lazy"

    async def _open(self) -> Storage:
        if self._storage is None:
            async with self._lock:
                if self._storage is None:
                    self._storage = await self._opener()
                    self.name = self._storage.name
        return self._storage

    async def put(
        self, key: str, data: bytes | AsyncIterable[bytes], content_type: str = "application/octet-stream"
    ) -> int:
        return await (await self._open()).put(key, data, content_type)

    async def get(self, key: str) -> bytes:
        return await (await self._open()).get(key)

    async def stream(
        self, key: str, chunk_bytes: int = CHUNK_BYTES, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        async for chunk in (await self._open()).stream(key, chunk_bytes, start, end):
            yield chunk

    async def size(self, key: str) -> int:
        return await (await self._open()).size(key)

    async def exists(self, key: str) -> bool:
        return await (await self._open()).exists(key)

    async def delete(self, key: str) -> None:
        await (await self._open()).delete(key)

    async def list_keys(self, prefix: str) -> list[str]:
        return await (await self._open()).list_keys(prefix)

    async def delete_prefix(self, prefix: str) -> int:
        return await (await self._open()).delete_prefix(prefix)

    async def ping(self) -> str:
        return await (await self._open()).ping()

    async def close(self) -> None:
        if self._storage is not None:
            await self._storage.close()
