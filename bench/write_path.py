"""Cost of one group post (or family-thread message) on the write path, measured
in-process and without noise.

Not a test. Needs PostgreSQL and Redis (the test machine's). It seeds a 20-family
group in a schema of its own, builds the real app (PostgreSQL, Redis broker) and
posts through its ASGI interface one request at a time, with a bearer token, as
``bench/hub_fanout.py``'s write phase does over HTTP. It reports the process's CPU per
post and, with ``--instructions``, the instructions per post counted by valgrind's
callgrind: the same count run after run whatever else the machine does, so a change
of a few percent shows, which CPU time on a shared 2-core machine cannot tell.
Both include the in-process HTTP client (``GET /healthz`` is measured too, as its floor).

``--kind message`` has the group's staff member write to one child's family thread
instead (audience: that child's guardians and the group's staff).

Usage (see docs/benchmarks.md):
  .venv/bin/python bench/write_path.py --posts 1000
  .venv/bin/python bench/write_path.py --posts 100 --instructions [--kind message]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from hub_fanout import PG_DSN, node_env, seed

from portal.database import create_engine, create_sessionmaker, migrate
from portal.settings import Settings
from schriftje.app import create_app

WARMUP = 50


def callgrind(on: bool) -> None:
    if os.environ.get("WRITE_PATH_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True)


async def measure(posts: int, kind: str) -> dict[str, float]:
    schema = f"wp_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    url = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url, schema=schema, pool_size=2)
    results: dict[str, float] = {}
    try:
        await migrate(engine)
        world = await seed(create_sessionmaker(engine), 1, 20)
        settings = Settings.from_env(node_env(url, schema, tempfile.mkdtemp(prefix="schriftje-bench-")))
        app = create_app(settings)
        group = world.groups[0]
        child = await admin.fetchval(f'SELECT id FROM "{schema}".child WHERE group_id = $1 LIMIT 1', group)
        path, body = (
            (f"/api/groups/{group}/posts", {"body": "bench write"})
            if kind == "post"
            else (f"/api/children/{child}/messages", {"body": "bench write"})
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench.localhost",
                headers={"authorization": f"Bearer {world.staff_tokens[group]}"},
            ) as client,
        ):

            async def post() -> None:
                response = await client.post(path, json=body)
                assert response.status_code == 201, response.text

            async def health() -> None:
                assert (await client.get("/healthz")).status_code == 200

            for label, request in (("healthz", health), ("post", post)):
                for _ in range(WARMUP):
                    await request()
                if label == "post":
                    callgrind(True)
                cpu = time.process_time()
                for _ in range(posts):
                    await request()
                results[f"{label}_cpu_ms"] = round((time.process_time() - cpu) * 1000 / posts, 2)
                if label == "post":
                    callgrind(False)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    return results


def instructions(posts: int, kind: str) -> None:
    if not shutil.which("valgrind"):
        sys.exit("--instructions needs valgrind (Debian package valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--posts",
                str(posts),
                "--kind",
                kind,
            ],
            env={**os.environ, "WRITE_PATH_CALLGRIND": "1"},
            check=True,
            capture_output=True,
        )
        total = next(int(line.split()[1]) for line in out.read_text().splitlines() if line.startswith("totals:"))
    what = "group post" if kind == "post" else "family message"
    print(f"instructions per {what} (in-process client included): {total / posts / 1e6:.2f} M")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind (~30 s)")
    parser.add_argument("--kind", choices=("post", "message"), default="post")
    args = parser.parse_args()
    if args.instructions:
        instructions(args.posts, args.kind)
        return
    print(asyncio.run(measure(args.posts, args.kind)))


if __name__ == "__main__":
    main()
