"""One group post to 2,000 families, each with one push subscription: from the post's
commit to the last push accepted by the push service, and the worker's CPU per push.

Not a test. Needs PostgreSQL (the test machine's). It seeds one group of N families in
a schema of its own, each guardian signed in (a bearer session) with one subscription
pointing at ``bench/push_receiver.py`` (a process of its own on a local port, which
answers 201). The post is written through messaging's own service and committed; the
clock starts at the commit. Then the ``notify.push`` job's code runs in this process
for the post's recipients (``notify.dispatch.push_pending``: claim the cursors, render
and check entitlement per user, compose, encrypt each payload, send with at most
``SCHRIFTJE_PUSH_CONCURRENCY`` (100) at once): the time until the last push was
accepted, and this process's CPU for it, per push. arq's own cost (one job) is left
out.

Beside it, in the same run, on the same subscriptions:

* the encryption floor: pywebpush's ``WebPusher.encode`` alone (an ephemeral P-256
  key, ECDH, HKDF and AES-128-GCM per payload: RFC 8291 needs it per message);
* the peer: pywebpush's own ``webpush_async`` per subscription, as its README shows
  it, on one shared aiohttp session with the same concurrency (it signs a VAPID token
  for every push). Ratio = peer CPU per push / ours.

Usage (see docs/benchmarks.md):
  .venv/bin/python bench/push_fanout.py --families 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from hub_fanout import PG_DSN, seed
from sqlalchemy import insert, select

from messaging.broker import LocalBroker
from messaging.service import post_to_group
from notify import dispatch
from notify.models import PushSubscription
from notify.push import PushSender
from notify.vapid import VapidSigner, _derived_key, b64url
from portal.accounts.models import AuthSession
from portal.database import create_engine, create_sessionmaker, migrate
from portal.roster.models import User
from portal.uow import UnitOfWork

CONCURRENCY = 100


class TimedSender(PushSender):
    """The real sender, with the CPU of its sending phase (encrypt, sign, POST) noted apart
    from the job's database work, so it compares with the peer, which only sends."""

    sending_cpu = 0.0

    async def send_all(self, pushes):  # type: ignore[no-untyped-def]
        started = cpu()
        try:
            return await super().send_all(pushes)
        finally:
            self.sending_cpu += cpu() - started


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def device_keys(n: int) -> list[dict[str, str]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = []
    for _ in range(n):
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        keys.append({"p256dh": b64url(point), "auth": b64url(os.urandom(16))})
    return keys


async def received(port: int) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/count") as response:
        return int(await response.text())


async def run(families: int, rounds: int) -> None:
    schema = f"pf_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    port = free_port()
    receiver = subprocess.Popen([sys.executable, str(ROOT / "bench" / "push_receiver.py"), str(port)])
    url = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url, schema=schema, pool_size=5)
    try:
        await migrate(engine)
        sessionmaker = create_sessionmaker(engine)
        world = await seed(sessionmaker, 1, families)
        group = world.groups[0]
        keys = device_keys(families)
        async with UnitOfWork(sessionmaker) as uow:
            sessions = dict((await uow.session.execute(select(AuthSession.user_id, AuthSession.id))).all())
            await uow.session.execute(
                insert(PushSubscription),
                [
                    {
                        "user_id": user_id,
                        "session_id": sessions[user_id],
                        "endpoint": f"http://127.0.0.1:{port}/push/{user_id}",
                        "p256dh": key["p256dh"],
                        "auth": key["auth"],
                        "label": "bench",
                    }
                    for (user_id, _, _), key in zip(world.guardians, keys, strict=True)
                ],
            )
            staff = await uow.session.get(User, world.staff[group])
            assert staff is not None
        for _ in range(50):  # the receiver is up
            try:
                await received(port)
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
        key = _derived_key("bench")
        signer = VapidSigner(key, "mailto:bench@example.nl")
        sender = TimedSender(signer, concurrency=CONCURRENCY)
        broker = LocalBroker()
        ours: list[tuple[float, float, int]] = []
        sending: list[float] = []
        for round_no in range(rounds):
            before = await received(port)
            async with UnitOfWork(sessionmaker) as uow:
                staff = await uow.session.get(User, world.staff[group])
                assert staff is not None
                await post_to_group(uow, broker, staff, group, f"Morgen zwemmen: badkleding mee! ({round_no})")
            committed, cpu0, sending0 = time.perf_counter(), cpu(), sender.sending_cpu
            recipients = [user_id for user_id, _, _ in world.guardians]
            counts = await dispatch.push_pending(sessionmaker, sender, recipients)
            wall, used = time.perf_counter() - committed, cpu() - cpu0
            assert counts.pushed == families, counts
            assert await received(port) - before == families
            ours.append((wall, used, counts.pushed))
            sending.append((sender.sending_cpu - sending0) / families)
            print(f"ours   round {round_no}: {families} pushes in {wall:.2f} s, CPU {1000 * used / families:.3f} ms")
        await sender.close()

        # the encryption floor
        from pywebpush import WebPusher

        infos = [{"endpoint": f"http://127.0.0.1:{port}/push/x", "keys": k} for k in keys]
        payload = b'{"title": "Schriftje", "body": "Nieuw bericht van de G0", "url": "/", "tag": "g1", "count": 1}'
        cpu0 = cpu()
        for info in infos:
            WebPusher(info).encode(payload)
        floor = (cpu() - cpu0) / families

        # the peer: pywebpush's webpush_async per subscription, signing each time
        from cryptography.hazmat.primitives import serialization
        from pywebpush import webpush_async

        der = b64url(  # the key as pywebpush takes it from a string: base64url DER (PKCS#8)
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        limit = asyncio.Semaphore(CONCURRENCY)
        peer: list[tuple[float, float]] = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def one(info: dict[str, object]) -> None:
                async with limit:
                    await webpush_async(
                        info,
                        payload.decode(),
                        vapid_private_key=der,
                        vapid_claims={"sub": "mailto:bench@example.nl"},
                        ttl=86400,
                        headers={"Urgency": "normal", "Topic": "g1"},
                        aiohttp_session=session,
                    )

            for round_no in range(rounds):
                before = await received(port)
                started, cpu0 = time.perf_counter(), cpu()
                await asyncio.gather(*(one(info) for info in infos))
                wall, used = time.perf_counter() - started, cpu() - cpu0
                assert await received(port) - before == families
                peer.append((wall, used))
                print(
                    f"peer   round {round_no}: {families} pushes in {wall:.2f} s, CPU {1000 * used / families:.3f} ms"
                )
        our_cpu = statistics.median(u / n for _, u, n in ours)
        peer_cpu = statistics.median(u / families for _, u in peer)
        print()
        print(f"families: {families}, rounds: {rounds}, concurrency: {CONCURRENCY}")
        print(
            f"ours: commit -> last push accepted, median {statistics.median(w for w, _, _ in ours):.2f} s; "
            f"worker CPU {our_cpu * 1000:.3f} ms/push"
        )
        our_sending = statistics.median(sending)
        print(f"of which sending (encrypt, sign, POST): {our_sending * 1000:.3f} ms/push")
        print(f"encryption alone (WebPusher.encode): {floor * 1000:.3f} ms/push; ours / floor = {our_cpu / floor:.2f}")
        print(
            f"peer (pywebpush webpush_async per subscription): median {statistics.median(w for w, _ in peer):.2f} s, "
            f"CPU {peer_cpu * 1000:.3f} ms/push; peer / our sending = {peer_cpu / our_sending:.2f}"
        )
    finally:
        receiver.terminate()
        receiver.wait()
        await engine.dispose()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.families, args.rounds))


if __name__ == "__main__":
    main()
