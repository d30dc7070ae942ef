"""Bare-protocol clients for the load generators: a WebSocket client that parses every
frame already in its buffer in one go, so thousands of sockets fit on one core beside
PostgreSQL. Only what the benchmarks need: client text frames, server text, ping
and close frames, no extensions. Not for anything but benchmarks."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator

OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


class Closed(Exception):
    pass


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked frame, as RFC 6455 requires of clients."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 1 << 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    repeated = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big") if n else b""
    return head + mask + masked


class BareWebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.buffer = b""

    @classmethod
    async def connect(cls, port: int, host: str, path: str = "/ws") -> BareWebSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nhost: {host}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            f"sec-websocket-key: {key}\r\nsec-websocket-version: 13\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            writer.close()
            raise Closed(head.decode(errors="replace"))
        return cls(reader, writer)

    def send_text(self, text: str) -> None:
        self.writer.write(client_frame(OP_TEXT, text.encode()))

    async def batches(self) -> AsyncIterator[list[bytes]]:
        """The text frames as they arrive: every complete frame of each read at once."""
        while True:
            chunk = await self.reader.read(1 << 16)
            if not chunk:
                raise Closed("connection closed")
            buffer = self.buffer + chunk
            texts: list[bytes] = []
            at = 0
            while len(buffer) - at >= 2:
                opcode, n = buffer[at] & 0x0F, buffer[at + 1] & 0x7F
                start = at + 2
                if n == 126:
                    if len(buffer) - start < 2:
                        break
                    n, start = int.from_bytes(buffer[start : start + 2], "big"), start + 2
                elif n == 127:
                    if len(buffer) - start < 8:
                        break
                    n, start = int.from_bytes(buffer[start : start + 8], "big"), start + 8
                if len(buffer) - start < n:
                    break
                payload = buffer[start : start + n]
                at = start + n
                if opcode == OP_TEXT:
                    texts.append(payload)
                elif opcode == OP_PING:
                    self.writer.write(client_frame(OP_PONG, payload))
                elif opcode == OP_CLOSE:
                    raise Closed(f"closed by the server: {int.from_bytes(payload[:2], 'big') if payload else ''}")
            self.buffer = buffer[at:]
            if texts:
                yield texts

    def close(self) -> None:
        self.writer.close()
