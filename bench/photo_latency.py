"""Benchmark: upload response to the parent's ``photo.shared`` event (issue "Photo pipeline").

Not a test. Runs the embedded stack (SQLite, local folder, in-process queue with
one photo sandbox: "one worker") in this process behind a real uvicorn, seeds
the test world (a group with families and staff), connects a parent over the
WebSocket, then a staff client uploads a batch of N 12 MP JPEGs (from
bench/.cache, made by bench/photo_pipeline.py) tagged with the parent's child.
For each photo: time from the upload response to the parent's event.

Usage:  .venv/bin/python bench/photo_latency.py --photos 20 [--batch]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def run(count: int, batch: bool) -> None:
    from bench.embedded import embedded_harness
    from tests.media.conftest import consenting_world
    from tests.messaging.conftest import serving, ws

    photos = sorted((ROOT / "bench" / ".cache").glob("detail-[0-9]*.jpg"))
    assert photos, "run bench/photo_pipeline.py first: it makes the inputs"
    async with embedded_harness() as harness:
        world = await consenting_world(harness)  # Noor's parents consent, or nothing reaches them
        noor = world.children["Noor"]
        async with serving(harness.app) as port, ws(port, token=world.tokens["anna@example.nl"]) as parent:
            await parent.until("ready")
            latencies: list[float] = []
            group = world.groups["Rupsjes"]
            async with world.client("ingrid@example.nl") as staff:
                rounds = [list(range(count))] if batch else [[i] for i in range(count)]
                for indices in rounds:
                    specs = [{"key": f"bench-{i:04d}-{time.time_ns()}", "children": [noor]} for i in indices]
                    files = [("file", ("IMG.JPG", photos[i % len(photos)].read_bytes(), "image/jpeg")) for i in indices]
                    response = await staff.post(
                        f"/api/groups/{group}/photos", data={"photos": json.dumps(specs)}, files=files, timeout=120
                    )
                    assert response.status_code == 201, response.text
                    answered = time.perf_counter()
                    for _ in indices:
                        (event,) = await parent.events(1)
                        assert event["kind"] == "photo.shared"
                        latencies.append((time.perf_counter() - answered) * 1000)
    latencies.sort()
    p99 = latencies[min(count - 1, int(0.99 * count))]
    print(f"{count} photos, {'one batch' if batch else 'one at a time'}: upload response -> parent's event, ms")
    print(f"p50 {statistics.median(latencies):.0f}  p99 {p99:.0f}  max {latencies[-1]:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--batch", action="store_true", help="all photos in one upload request")
    args = parser.parse_args()
    asyncio.run(run(args.photos, args.batch))


if __name__ == "__main__":
    main()
