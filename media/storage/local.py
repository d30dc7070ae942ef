"""Local-folder storage for the embedded default. Writes go to a temp file and are
renamed into place, so a reader never sees half an object."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from media.storage.base import CHUNK_BYTES, check_key
from portal.private_files import open_private, private_dir


class LocalStorage:
    name = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        content_type: str = "application/octet-stream",
    ) -> int:
        path = self._path(key)
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        try:
            with open_private(tmp) as handle:
                if isinstance(data, bytes):
                    await asyncio.to_thread(handle.write, data)
                    size = len(data)
                else:
                    async for chunk in data:
                        await asyncio.to_thread(handle.write, chunk)
                        size += len(chunk)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def stream(
        self, key: str, chunk_bytes: int = CHUNK_BYTES, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        with self._path(key).open("rb") as handle:
            handle.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = await asyncio.to_thread(handle.read, chunk_bytes if left is None else min(chunk_bytes, left))
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk

    async def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def list_keys(self, prefix: str) -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.endswith(".part")
        )

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list_keys(check_key(prefix.rstrip("/")))
        for key in keys:
            await self.delete(key)
        return len(keys)

    async def ping(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise PermissionError(str(self.root))
        return self.name

    async def close(self) -> None:
        return None
