"""The storage seam: a small Protocol for private object storage.

Keys are ``org/<organisation id>/<kind>/...`` so one organisation's data can be
listed and deleted as a unit (``delete_prefix``). Nothing here produces a public
URL: media is always served through an authorised endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

CHUNK_BYTES = 1024 * 1024


class Storage(Protocol):
    name: str

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        content_type: str = "application/octet-stream",
    ) -> int:
        """Store ``data`` under ``key`` (replacing it); returns the byte count."""

    async def get(self, key: str) -> bytes: ...

    def stream(
        self, key: str, chunk_bytes: int = CHUNK_BYTES, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The object's bytes from ``start`` up to and including ``end`` (default: the last)."""

    async def size(self, key: str) -> int: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    async def list_keys(self, prefix: str) -> list[str]: ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key under ``prefix``; returns how many."""

    async def ping(self) -> str:
        """Raise if the backend cannot be reached; returns its name."""

    async def close(self) -> None: ...


def object_key(organisation_id: int, *parts: str) -> str:
    for part in parts:
        if not part or "/" in part or part in (".", ".."):
            raise ValueError(f"bad key part {part!r}")
    return "/".join(("org", str(organisation_id), *parts))


def check_key(key: str) -> str:
    segments = key.split("/")
    if not key or key.startswith("/") or any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"bad storage key {key!r}")
    return key
