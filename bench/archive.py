"""Benchmark: building and downloading "download everything" (issue "Leaving").

Not a test. For each N: a fresh embedded installation in a temporary folder
(SQLite, local media folder) with the test world; N photos of Noor whose
derivatives are real pipeline output of a 12 MP JPEG (made once, stored under
every photo's keys, so the pipeline's own cost is not measured here), each
shared with Anna; a year of diary entries and family messages. Then:

* build: a separate process (the "worker") builds Anna's archive of Noor with
  the real job code; its wall time and its own peak RSS (``VmHWM``);
* download: the app behind a real uvicorn on loopback, the ZIP streamed by an
  HTTP client; bytes per second.

Usage:  .venv/bin/python bench/archive.py --photos 200,1000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def settings_for(folder: str):  # type: ignore[no-untyped-def]
    from portal.settings import Settings

    return Settings(data_dir=folder, secret_key="x" * 40).resolved()


async def seed(folder: str, count: int) -> int:
    """The world, N shared photos and a year of writing; returns the archive id to build."""
    from sqlalchemy import select

    from media.models import Photo, PhotoAccess, PhotoRendition, PhotoStatus, PhotoTag
    from media.pipeline import derivative_key
    from media.processing import process
    from messaging.archive.models import Archive, ArchiveStatus
    from messaging.models import DiaryEntry, ThreadMessage
    from portal.database import create_engine, migrate
    from portal.roster.models import User
    from tests.harness import Harness
    from tests.media import images
    from tests.media.conftest import consenting_world

    engine = create_engine(f"sqlite+aiosqlite:///{folder}/schriftje.sqlite3")
    await migrate(engine)
    await engine.dispose()
    source = sorted((ROOT / "bench" / ".cache").glob("photo-*.jpg"))
    data = source[0].read_bytes() if source else images.jpeg()
    files = process(data, 100_000_000, [[]]).renditions[0].files
    async with Harness.open(settings_for(folder)) as harness:
        world = await consenting_world(harness)
        storage = harness.rt.extras["storage"]
        noor = world.children["Noor"]
        start = dt.datetime(2025, 11, 24, 9, 0, tzinfo=dt.UTC)
        async with harness.uow() as uow:
            anna = (await uow.session.scalars(select(User.id).where(User.email == "anna@example.nl"))).one()
            for i in range(count):
                taken = start + dt.timedelta(hours=i * 8760 // max(count, 1))
                photo = Photo(
                    organisation_id=1,
                    group_id=world.groups["Rupsjes"],
                    idempotency_key=f"bench-{i:06d}",
                    kind="jpeg",
                    byte_size=len(data),
                    status=PhotoStatus.READY,
                    taken_at=taken,
                    caption=f"Foto {i}",
                )
                uow.session.add(photo)
                await uow.session.flush()
                rendition = PhotoRendition(photo_id=photo.id, mask_key="", placeholder="#808080", width=1, height=1)
                uow.session.add_all([PhotoTag(photo_id=photo.id, child_id=noor), rendition])
                await uow.session.flush()
                uow.session.add(PhotoAccess(photo_id=photo.id, user_id=anna, rendition_id=rendition.id))
                for name in ("display", "small"):
                    await storage.put(derivative_key(1, photo.id, "", name), files[name], "image/webp")
            for day in range(365):
                at = start + dt.timedelta(days=day)
                uow.session.add(
                    DiaryEntry(organisation_id=1, child_id=noor, body="Vandaag gespeeld. " * 20, created_at=at)
                )
                uow.session.add(ThreadMessage(organisation_id=1, child_id=noor, body="Oma haalt op.", created_at=at))
            archive = Archive(organisation_id=1, child_id=noor, user_id=anna, status=ArchiveStatus.BUILDING)
            uow.session.add(archive)
            await uow.session.flush()
            return archive.id


async def build_here(folder: str, archive_id: int) -> None:
    """The worker process: build, then print wall time and this process's peak RSS."""
    from media.storage.local import LocalStorage
    from messaging.archive.build import build
    from messaging.broker import LocalBroker
    from portal.database import create_engine, create_sessionmaker
    from portal.memory import tune_malloc

    if not os.environ.get("BENCH_DEFAULT_MALLOC"):
        tune_malloc()  # as ``schriftje serve`` and ``schriftje worker`` do
    if os.environ.get("BENCH_FULL_WORKER"):  # what ``schriftje worker`` on S3 has loaded besides
        import media.storage.s3  # noqa: F401
        import workers.worker  # noqa: F401
    settings = settings_for(folder)
    engine = create_engine(settings.database_url)
    started = time.perf_counter()
    status = await build(create_sessionmaker(engine), LocalStorage(settings.media_dir), LocalBroker(), archive_id)
    seconds = time.perf_counter() - started
    await engine.dispose()
    hwm = next(
        int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")
    )
    print(json.dumps({"status": str(status), "seconds": seconds, "peak_mb": hwm / 1024}))


async def download(folder: str, archive_id: int) -> tuple[int, float]:
    import httpx
    from sqlalchemy import select

    from portal.accounts.models import SessionKind
    from portal.accounts.service import start_session
    from portal.roster.models import User
    from tests.harness import Harness
    from tests.messaging.conftest import serving

    async with Harness.open(settings_for(folder)) as harness:
        async with harness.uow() as uow:
            anna = await uow.session.scalar(select(User).where(User.email == "anna@example.nl"))
            token, _ = await start_session(uow.session, anna, SessionKind.BEARER, label="bench")
        async with serving(harness.app) as port:
            url = f"http://127.0.0.1:{port}/api/archives/{archive_id}/download"
            headers = {"authorization": f"Bearer {token}", "host": "kober.localhost"}
            received = 0
            started = time.perf_counter()
            async with httpx.AsyncClient(timeout=600) as client, client.stream("GET", url, headers=headers) as response:
                assert response.status_code == 200, response.status_code
                async for chunk in response.aiter_bytes(1024 * 1024):
                    received += len(chunk)
            return received, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", default="200,1000")
    parser.add_argument("--build", nargs=2, metavar=("FOLDER", "ARCHIVE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        asyncio.run(build_here(args.build[0], int(args.build[1])))
        return
    print("| photos | archive MB | build s | worker peak RSS MB | download MB/s |")
    print("|---|---|---|---|---|")
    for count in (int(n) for n in args.photos.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            archive_id = asyncio.run(seed(folder, count))
            out = subprocess.run(
                [sys.executable, __file__, "--build", folder, str(archive_id)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            size, seconds = asyncio.run(download(folder, archive_id))
            print(
                f"| {count} | {size / 1e6:.0f} | {result['seconds']:.1f} | {result['peak_mb']:.0f} | "
                f"{size / 1e6 / seconds:.0f} |"
            )


if __name__ == "__main__":
    main()
