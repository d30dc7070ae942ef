"""A push service of the tests' own (RFC 8030's receiving end, as FCM or Mozilla's
autopush would be): an ASGI app that records every push and answers what the test
tells it to, and a browser-side subscription whose private key decrypts the payloads."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    device: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Device:
    """What a browser holds after ``pushManager.subscribe``: the endpoint and its keys."""

    name: str
    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}

    def decrypt(self, received: Received) -> dict[str, Any]:
        plain = http_ece.decrypt(received.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        payload: dict[str, Any] = json.loads(plain)
        return payload


class PushService:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        self.port = 0
        self._arrived = asyncio.Event()
        self.app = Starlette(routes=[Route("/push/{device}", self._push, methods=["POST"])])

    async def _push(self, request: Request) -> Response:
        device = request.path_params["device"]
        self.received.append(Received(device, dict(request.headers), await request.body(), time.monotonic()))
        self._arrived.set()
        status, headers = self.answers[device].pop(0) if self.answers[device] else (201, {})
        return Response(status_code=status, headers=headers)

    def device(self, name: str) -> Device:
        return Device(name, f"http://127.0.0.1:{self.port}/push/{name}")

    def answer(self, device: str, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers[device].extend(answers)

    def to(self, device: str) -> list[Received]:
        return [r for r in self.received if r.device == device]
