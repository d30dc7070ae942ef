"""The storage seam: the same behaviour from the local folder and from S3 (moto server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from media.storage import open_storage
from media.storage.base import object_key
from media.storage.s3 import PART_BYTES


@pytest.fixture
async def storage(stack_settings):
    store = await open_storage(stack_settings)
    yield store
    await store.close()


async def chunks(total: int, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield bytes([sent // size % 251]) * n
        sent += n


class TestStorage:
    async def test_put_get_exists_delete(self, storage) -> None:
        key = object_key(1, "photos", "a.jpg")
        assert await storage.put(key, b"hello") == 5
        assert await storage.exists(key)
        assert await storage.get(key) == b"hello"
        await storage.delete(key)
        assert not await storage.exists(key)

    async def test_streamed_put_of_a_large_object_round_trips(self, storage) -> None:
        key = object_key(1, "archives", "big.zip")
        total = PART_BYTES * 2 + 12345  # several multipart parts on S3
        assert await storage.put(key, chunks(total)) == total
        received = bytearray()
        async for piece in storage.stream(key, 256 * 1024):
            received += piece
        expected = bytearray()
        async for piece in chunks(total):
            expected += piece
        assert received == expected

    async def test_an_organisation_is_deleted_as_a_unit(self, storage) -> None:
        for org in (1, 10):
            for name in ("a", "b"):
                await storage.put(object_key(org, "photos", name), b"x")
        assert await storage.delete_prefix("org/1") == 2
        assert await storage.list_keys("org/") == ["org/10/photos/a", "org/10/photos/b"]

    async def test_ping(self, storage) -> None:
        assert await storage.ping() in ("local", "s3")

    @pytest.mark.parametrize("part", ["", "..", "a/b", "."])
    def test_bad_key_parts_are_refused(self, part: str) -> None:
        with pytest.raises(ValueError, match="bad key part"):
            object_key(1, part)

    async def test_paths_cannot_escape(self, storage) -> None:
        with pytest.raises(ValueError, match="bad storage key"):
            await storage.get("org/1/../../etc/passwd")
