"""Benchmark: a withdrawn consent taking already shared photos back (issue "Consent").

Not a test. Runs the embedded stack (SQLite, in-process) behind a real uvicorn,
seeds the test world with every family consenting, and shares N photos showing
Noor and Pim (Pim with a mask drawn, both renditions already made) through the
real delivery path. Anna (Noor's mother) is connected over the WebSocket. Then
Piet withdraws ``photo_group`` for Pim: every photo must be taken back from
Anna (retract) and re-delivered with Pim masked. Measured: the PUT's answer
time and the time until Anna's socket got the last retract and re-delivery.

Usage:  .venv/bin/python bench/consent_withdrawal.py --photos 200
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = bool(os.environ.get("PROFILE"))  # PROFILE=1: print where the withdrawal spends its time
sys.path.insert(0, str(ROOT))


async def run(count: int) -> None:
    from sqlalchemy import select
    from websockets.exceptions import ConnectionClosedError

    from bench.embedded import embedded_harness
    from media.models import Photo, PhotoRendition, PhotoStatus, PhotoTag
    from messaging import feed, photos
    from portal.roster.models import User
    from tests.media.conftest import GUARDIANS, set_consent
    from tests.messaging.conftest import build_world, serving, ws

    async with embedded_harness() as harness:
        world = await build_world(harness)
        for email, child in GUARDIANS:
            await set_consent(world, email, child, photo=True, photo_group=True)
        noor, pim = world.children["Noor"], world.children["Pim"]
        broker = harness.rt.extras["hub"].broker
        async with harness.uow() as uow:
            for i in range(count):
                photo = Photo(
                    organisation_id=1,
                    group_id=world.groups["Rupsjes"],
                    idempotency_key=f"bench-{i:06d}",
                    kind="jpeg",
                    byte_size=1,
                    status=PhotoStatus.READY,
                )
                uow.session.add(photo)
                await uow.session.flush()
                uow.session.add_all(
                    [
                        PhotoTag(photo_id=photo.id, child_id=noor),
                        PhotoTag(photo_id=photo.id, child_id=pim, mask_x=0, mask_y=0, mask_w=0.5, mask_h=1),
                        PhotoRendition(photo_id=photo.id, mask_key="", placeholder="#808080", width=1, height=1),
                        PhotoRendition(photo_id=photo.id, mask_key=str(pim), placeholder="#808080", width=1, height=1),
                    ]
                )
                await uow.session.flush()
                await photos.apply(uow, broker, photo.id, photos.Mode.SHARE)
        async with harness.uow() as uow:
            anna_id = await uow.session.scalar(select(User.id).where(User.email == "anna@example.nl"))
            cursor = await feed.last_seq(uow.session, anna_id)
        retracts = shared = drops = resets = 0
        started = answered = 0.0
        async with serving(harness.app) as port:
            while retracts < count or shared < count:
                try:
                    async with ws(port, token=world.tokens["anna@example.nl"], after=cursor) as anna:
                        replayed, _ = await anna.until("ready")
                        if any(f["type"] == "reset" for f in replayed):
                            resets += 1  # more than 5,000 items behind: a client reloads over HTTP
                            break
                        for frame in replayed:
                            cursor = frame["seq"]
                            retracts += frame["type"] == "retract"
                            shared += frame.get("kind") == "photo.shared"
                        if not started:
                            started = time.perf_counter()
                            answered = await withdraw(world)
                        while retracts < count or shared < count:
                            frame = await anna.frame()
                            cursor = frame["seq"]
                            retracts += frame["type"] == "retract"
                            shared += frame.get("kind") == "photo.shared"
                except TimeoutError:
                    raise SystemExit(f"stuck: {retracts} retracts, {shared} shared, cursor {cursor}") from None
                except ConnectionClosedError as closed:
                    assert closed.rcvd is not None and closed.rcvd.code == 4408, closed
                    drops += 1  # too much at once for one socket: it resumes from its cursor, as clients do
        done = time.perf_counter() - started
    print(f"{count} photos taken back from one family and re-delivered masked (embedded stack)")
    print(
        f"PUT answered after {answered * 1000:.0f} ms; last frame at Anna's socket after {done * 1000:.0f} ms"
        f" ({drops} slow-consumer closes and resumes{', then a reset' if resets else ''})"
    )


async def withdraw(world: object) -> float:
    """Piet withdraws photo_group for Pim; returns the seconds until the PUT answered."""
    from tests.media.conftest import set_consent

    profile = cProfile.Profile() if PROFILE else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    response = await set_consent(world, "piet@example.nl", "Pim", photo_group=False)  # type: ignore[arg-type]
    answered = time.perf_counter() - started
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
    assert response.status_code == 200, response.text
    return answered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=200)
    asyncio.run(run(parser.parse_args().photos))


if __name__ == "__main__":
    main()
