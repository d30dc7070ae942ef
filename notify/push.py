"""Sending Web Push messages: RFC 8291 payload encryption (``aes128gcm``) and RFC 8030
delivery through pywebpush's ``WebPusher`` on one shared aiohttp session, with the
VAPID header from ``notify.vapid`` (signed once per push service, not per push).

What the push service answers decides what happens next: 201/202 sent; 404/410 the
subscription is gone (the caller removes it); 429 and 5xx (and a connection that
failed) are tried again after ``Retry-After`` when the service gives one, else after
a jittered backoff, up to ``MAX_TRIES`` within ``MAX_WAIT`` seconds (a longer pause
ends the try: the push is logged as not sent; the app and the digest still tell it);
any other answer is a failure that is logged with the push service's host, never the
endpoint, which is a capability URL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPusher

from notify.vapid import VapidSigner, load_key, subject
from portal.settings import Settings

log = logging.getLogger(__name__)

MAX_TRIES = 4
MAX_WAIT = 30.0  # a push service asking for a longer pause gets none from this job (the job must end within 45 s)
TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    """Where one push goes: the subscription's id (to remove it when gone) and its keys."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Push:
    target: Target
    payload: bytes
    urgency: str
    ttl: int
    topic: str


@dataclass(frozen=True)
class Outcome:
    subscription_id: int
    status: str  # sent | gone | failed
    code: int | None
    tries: int


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def backoff(attempt: int) -> float:
    return float(2 ** (attempt - 1)) * (0.5 + random.random())  # noqa: S311 (jitter)


class PushSender:
    """Sends many pushes concurrently (at most ``concurrency`` at once) on one session."""

    def __init__(self, signer: VapidSigner, *, concurrency: int = 100, sleep: Sleep = asyncio.sleep) -> None:
        self.signer = signer
        self._limit = asyncio.Semaphore(concurrency)
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        """One session (connection pool) for every push, opened on first use."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_all(self, pushes: Sequence[Push]) -> list[Outcome]:
        return list(await asyncio.gather(*(self.send(push) for push in pushes)))

    async def send(self, push: Push) -> Outcome:
        waited = 0.0
        code: int | None = None
        for attempt in range(1, MAX_TRIES + 1):
            async with self._limit:
                code, after = await self._post(push)
            if code in (200, 201, 202):
                return Outcome(push.target.subscription_id, "sent", code, attempt)
            if code in (404, 410):
                return Outcome(push.target.subscription_id, "gone", code, attempt)
            if code is not None and code != 429 and code < 500:
                break
            wait = after if after is not None else backoff(attempt)
            if attempt == MAX_TRIES or waited + wait > MAX_WAIT:
                break
            waited += wait
            await self._sleep(wait)
        log.warning(
            "push not accepted",
            extra={"push_service": urlsplit(push.target.endpoint).hostname, "status": code},
        )
        return Outcome(push.target.subscription_id, "failed", code, attempt)

    async def _post(self, push: Push) -> tuple[int | None, float | None]:
        target = push.target
        info: dict[str, Any] = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
        headers = {
            "Authorization": self.signer.header(target.endpoint),
            "Urgency": push.urgency,
            "Topic": push.topic,
        }
        try:
            response = await WebPusher(info, aiohttp_session=self._client()).send_async(
                push.payload, headers=headers, ttl=push.ttl, timeout=TIMEOUT
            )
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None, None
        assert not isinstance(response, str)
        return response.status, retry_after(response.headers.get("Retry-After"))


def sender_from_settings(settings: Settings) -> PushSender:
    """The installation's sender: its VAPID key and contact, its concurrency."""
    signer = VapidSigner(load_key(settings), subject(settings))
    return PushSender(signer, concurrency=settings.push_concurrency)
