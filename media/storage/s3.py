"""S3 storage through aiobotocore: a private bucket (MinIO, AWS, moto in tests).

Objects above ``MULTIPART_THRESHOLD_BYTES`` arriving as a stream are uploaded
in parts, so memory stays bounded by one part whatever the object size; a
failed multipart upload is aborted so no orphan parts remain.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from media.storage.base import CHUNK_BYTES, check_key

MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024
PART_BYTES = 8 * 1024 * 1024


class S3Storage:
    name = "s3"

    def __init__(self, client: Any, bucket: str, stack: AsyncExitStack) -> None:
        self._client = client
        self.bucket = bucket
        self._stack = stack

    @classmethod
    async def open(
        cls,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        attempts: int = 3,
    ) -> S3Storage:
        stack = AsyncExitStack()
        client = await stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=AioConfig(
                    s3={"addressing_style": "path"},
                    retries={"max_attempts": attempts, "mode": "standard"},
                ),
            )
        )
        return cls(client, bucket, stack)

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterable[bytes],
        content_type: str = "application/octet-stream",
    ) -> int:
        check_key(key)
        if isinstance(data, bytes):
            await self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
            return len(data)
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        size = 0
        try:
            async for chunk in data:
                buffer += chunk
                size += len(chunk)
                if len(buffer) >= PART_BYTES:
                    if upload_id is None:
                        created = await self._client.create_multipart_upload(
                            Bucket=self.bucket, Key=key, ContentType=content_type
                        )
                        upload_id = created["UploadId"]
                    parts.append(await self._upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if upload_id is None:
                await self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=bytes(buffer),
                    ContentType=content_type,
                )
                return size
            if buffer:
                parts.append(await self._upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
            await self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
            return size
        except BaseException:
            if upload_id is not None:
                await self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    async def _upload_part(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        result = await self._client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        return {"ETag": result["ETag"], "PartNumber": number}

    async def get(self, key: str) -> bytes:
        response = await self._client.get_object(Bucket=self.bucket, Key=check_key(key))
        async with response["Body"] as body:
            data: bytes = await body.read()
            return data

    async def stream(
        self, key: str, chunk_bytes: int = CHUNK_BYTES, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        extra = {"Range": f"bytes={start}-{'' if end is None else end}"} if start or end is not None else {}
        response = await self._client.get_object(Bucket=self.bucket, Key=check_key(key), **extra)
        async with response["Body"] as body:
            while chunk := await body.read(chunk_bytes):
                yield chunk

    async def size(self, key: str) -> int:
        head = await self._client.head_object(Bucket=self.bucket, Key=check_key(key))
        return int(head["ContentLength"])

    async def exists(self, key: str) -> bool:
        try:
            await self._client.head_object(Bucket=self.bucket, Key=check_key(key))
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "404",
                "NoSuchKey",
                "NotFound",
            ):
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=check_key(key))

    async def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list_keys(check_key(prefix.rstrip("/")) + "/")
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            await self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    async def ping(self) -> str:
        await self._client.head_bucket(Bucket=self.bucket)
        return self.name

    async def close(self) -> None:
        await self._stack.aclose()
