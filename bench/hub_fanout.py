"""Benchmark of the live hub (issue "Live hub"): delivery fan-out and the write path.

Not a test. Needs PostgreSQL and Redis (the test machine's). It creates a schema
of its own, seeds G groups of 20 families (one guardian socket each, real bearer
tokens), starts one real ``schriftje serve`` pinned to core 0, pins itself
(the load generator) to core 1, and then:

* delivery: connects every guardian socket to the node, writes group posts
  through the service layer (feed rows, per-user seq, publish after commit via
  Redis) at each offered rate, and measures commit-to-receive latency, loss,
  duplicates and the node's CPU;
* writes: posts through the node's HTTP API (bearer auth, validation, feed rows
  for a 20-family group, publish) from concurrent clients, and measures posts/s
  and request latency.

Both report the node's CPU per delivery or per post, and so what one fully busy
core would carry: core 1 also runs PostgreSQL and Redis and saturates first.

The delivery phase runs again, with the same sockets, posts and generator, against
two bare relays as peers (``bench/peers``: a Starlette/uvicorn relay and a
``websockets.broadcast`` relay, each reading the same Redis channel the nodes
publish to), one after the other on core 0; the table at the end gives deliveries
per server CPU-second for each and the hub's ratio to each (``--servers``).
The clients are bare sockets (bench/wire.py) on uvloop, to keep core 1 free.

Usage (see docs/benchmarks.md for the commands and results):
  .venv/bin/python bench/hub_fanout.py --groups 300 --rates 1,100,200,300,1000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import uvloop
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wire import BareWebSocket

from messaging import service
from messaging.broker import RedisBroker
from portal.accounts.models import AuthSession, SessionKind
from portal.accounts.tokens import token_hash
from portal.database import create_engine, create_sessionmaker, migrate
from portal.roster.models import (
    CareType,
    Child,
    Group,
    Guardianship,
    Location,
    Organisation,
    Role,
    StaffAssignment,
    User,
)
from portal.uow import UnitOfWork

PG_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class World:
    groups: list[int]
    staff: dict[int, int]  # group -> staff user id
    staff_tokens: dict[int, str]
    guardians: list[tuple[int, int, str]]  # (user id, group id, token)


async def seed(sessionmaker, n_groups: int, per_group: int) -> World:
    async with UnitOfWork(sessionmaker) as uow:
        s = uow.session
        org = Organisation(slug="bench", name="Bench")
        s.add(org)
        await s.flush()
        loc = Location(organisation_id=org.id, name="Bench")
        s.add(loc)
        await s.flush()
        groups = (
            (
                await s.execute(
                    insert(Group).returning(Group.id),
                    [
                        {"organisation_id": org.id, "location_id": loc.id, "name": f"G{i}", "care_type": CareType.KDV}
                        for i in range(n_groups)
                    ],
                )
            )
            .scalars()
            .all()
        )
        users = []
        for g in groups:
            users.append(
                {
                    "organisation_id": org.id,
                    "email": f"staff{g}@bench",
                    "display_name": f"Staff {g}",
                    "role": Role.STAFF,
                }
            )
            users += [
                {
                    "organisation_id": org.id,
                    "email": f"p{g}-{i}@bench",
                    "display_name": f"Ouder {g}-{i}",
                    "role": Role.PARENT,
                }
                for i in range(per_group)
            ]
        user_ids = (await s.execute(insert(User).returning(User.id, User.email), users)).all()
        by_email = {email: uid for uid, email in user_ids}
        import datetime as dt

        children = (
            await s.execute(
                insert(Child).returning(Child.id, Child.group_id, Child.external_ref),
                [
                    {
                        "organisation_id": org.id,
                        "group_id": g,
                        "external_ref": f"{g}-{i}",
                        "first_name": f"K{i}",
                        "last_name": f"G{g}",
                        "birth_date": dt.date(2024, 1, 1),
                        "start_date": dt.date(2024, 6, 1),
                    }
                    for g in groups
                    for i in range(per_group)
                ],
            )
        ).all()
        await s.execute(
            insert(Guardianship),
            [{"user_id": by_email[f"p{ref}@bench"], "child_id": cid, "relation": "ouder"} for cid, _, ref in children],
        )
        await s.execute(
            insert(StaffAssignment), [{"user_id": by_email[f"staff{g}@bench"], "group_id": g} for g in groups]
        )
        tokens: dict[int, str] = {}
        sessions = []
        for _, uid in by_email.items():
            raw = secrets.token_urlsafe(32)
            tokens[uid] = raw
            sessions.append(
                {"user_id": uid, "kind": SessionKind.BEARER, "token_hash": token_hash(raw), "label": "bench"}
            )
        await s.execute(insert(AuthSession), sessions)
        guardians = [
            (by_email[f"p{g}-{i}@bench"], g, tokens[by_email[f"p{g}-{i}@bench"]])
            for g in groups
            for i in range(per_group)
        ]
        staff = {g: by_email[f"staff{g}@bench"] for g in groups}
        return World(list(groups), staff, {g: tokens[staff[g]] for g in groups}, guardians)


def node_env(url: str, schema: str, data_dir: str) -> dict[str, str]:
    """A node's settings for the bench's own schema (PostgreSQL and Redis of this machine)."""
    return {
        "SCHRIFTJE_DATABASE_URL": url,
        "SCHRIFTJE_DATABASE_SCHEMA": schema,
        "SCHRIFTJE_REDIS_URL": REDIS_URL,
        "SCHRIFTJE_REDIS_PREFIX": f"bench-{schema}",
        "SCHRIFTJE_SECRET_KEY": "bench",
        "SCHRIFTJE_PUBLIC_URL": "http://127.0.0.1:8000",
        "SCHRIFTJE_DEFAULT_ORG": "bench",
        "SCHRIFTJE_LOG_LEVEL": "WARNING",
        "SCHRIFTJE_DATA_DIR": data_dir,
    }


def cpu_seconds(pid: int) -> float:
    user, system = cpu_split(pid)
    return user + system


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def rss_kb(pid: int) -> int:
    """The process's resident memory now (VmRSS), in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def core_ticks(core: int) -> tuple[int, int]:
    """(busy, total) jiffies of one core since boot, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            ticks = [int(x) for x in line.split()[1:]]
            idle = ticks[3] + ticks[4]  # idle + iowait
            return sum(ticks) - idle, sum(ticks)
    raise LookupError(core)


def core_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def start_profile(path: str | None, pid: int) -> subprocess.Popen | None:
    """py-spy recording the node until stop_profile(): .svg flame graph or .txt collapsed stacks."""
    if not path:
        return None
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/py-spy"), "record", "-r", "200", "-p", str(pid), "-o", path]
        + (["-f", "raw"] if path.endswith(".txt") else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profile(profiler: subprocess.Popen | None) -> None:
    if profiler is not None:
        profiler.send_signal(2)  # SIGINT: py-spy writes its output and exits
        profiler.wait()


@dataclass
class Receiver:
    received: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))  # post id -> receive times
    per_socket: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # socket -> post ids
    ready: int = 0
    last_seq: dict[int, int] = field(default_factory=dict)  # socket -> the last seq it saw
    replayed: int = 0  # events before ready


async def run_socket(
    port: int, index: int, token: str, user: int, rx: Receiver, all_ready: asyncio.Event, total: int, after: int = 0
) -> None:
    # a bare client (bench/wire.py): the websockets library's per-frame cost on the
    # load generator's core capped what could be offered to the node
    ws = await BareWebSocket.connect(port, "bench.localhost")
    try:
        # the hub authenticates the token; the peers (bench/peers) take the user's word for it
        ws.send_text(json.dumps({"type": "hello", "after": after, "token": token, "user": user}))
        ready = False
        async for texts in ws.batches():  # cancelled at the end; no per-socket timers to wake
            now = time.perf_counter()
            for raw in texts:
                frame = json.loads(raw)
                kind = frame.get("type")
                if "seq" in frame:
                    rx.last_seq[index] = frame["seq"]
                if kind == "event" and ready:
                    post_id = frame["data"]["id"]
                    rx.received[post_id].append(now)
                    rx.per_socket[index].append(post_id)
                elif kind == "event":
                    rx.replayed += 1
                elif kind == "ready":
                    ready = True
                    rx.ready += 1
                    if rx.ready == total:
                        all_ready.set()
    finally:
        ws.close()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def delivery(
    args, world: World, sessionmaker, port: int, pid: int, env: dict[str, str], connects: dict
) -> list[dict]:
    rx = Receiver()
    all_ready = asyncio.Event()
    rss_before = rss_kb(pid)
    sockets = [
        asyncio.create_task(run_socket(port, i, tok, uid, rx, all_ready, len(world.guardians)))
        for i, (uid, _, tok) in enumerate(world.guardians)
    ]
    profiler = start_profile(args.profile_connect, pid)
    t0 = time.perf_counter()
    await asyncio.wait_for(all_ready.wait(), 600)
    stop_profile(profiler)
    connects["connect_s"] = round(time.perf_counter() - t0, 1)
    connects["kb_per_socket"] = round((rss_kb(pid) - rss_before) / len(sockets), 1)
    print(
        f"  {len(sockets)} sockets ready in {connects['connect_s']} s, "
        f"{connects['kb_per_socket']} KB each above the idle process",
        flush=True,
    )
    broker = RedisBroker(REDIS_URL, env["SCHRIFTJE_REDIS_PREFIX"])
    await broker.start()
    async with sessionmaker() as s:
        staff = {g: await s.get(User, uid) for g, uid in world.staff.items()}
    results = []
    for rate in args.rates:
        committed: dict[int, tuple[float, int]] = {}  # post id -> (commit time, group)
        profiler = start_profile(args.profile_delivery, pid) if rate == args.rates[-1] else None
        split0, core0, wall0 = cpu_split(pid), core_ticks(1), time.perf_counter()
        interval = 1.0 / rate
        next_at = time.perf_counter()
        n = 0
        end = wall0 + args.seconds
        in_flight: set[asyncio.Task] = set()

        async def write(group: int) -> None:
            async with UnitOfWork(sessionmaker) as uow:
                post = await service.post_to_group(uow, broker, staff[group], group, f"bench {rate}")
            committed[post.id] = (time.perf_counter(), group)

        slots = asyncio.Semaphore(
            args.writers
        )  # bounded in flight: past saturation the rate drops, memory does not grow

        async def bounded(group: int) -> None:
            try:
                await write(group)
            finally:
                slots.release()

        while time.perf_counter() < end:
            group = world.groups[n % len(world.groups)]
            await slots.acquire()
            task = asyncio.create_task(bounded(group))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            n += 1
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*in_flight)
        expected = len(committed) * args.per_group
        deadline = time.perf_counter() + 30
        while sum(len(rx.received[p]) for p in committed) < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        wall = time.perf_counter() - wall0
        split1 = cpu_split(pid)
        cpu = sum(split1) - sum(split0)
        kernel = split1[1] - split0[1]
        generator_core = core_busy(core0, core_ticks(1))
        stop_profile(profiler)
        lat = [t - committed[p][0] for p in committed for t in rx.received[p]]
        got = sum(len(rx.received[p]) for p in committed)
        dups = sum(max(0, len(rx.received[p]) - args.per_group) for p in committed)
        results.append(
            {
                "rate_posts_s": rate,
                "posts": len(committed),
                "deliveries": got,
                "deliveries_s": round(got / args.seconds),
                "p50_ms": round(pct(lat, 50) * 1000, 1),
                "p99_ms": round(pct(lat, 99) * 1000, 1),
                "max_ms": round(max(lat) * 1000, 1) if lat else None,
                "lost": expected - got + dups,
                "duplicated": dups,
                "node_cpu": round(cpu / wall, 2),
                # what one fully busy core would deliver, from the node's own CPU time
                "node_cpu_us_per_delivery": round(cpu * 1e6 / max(1, got), 1),
                "deliveries_s_per_core": round(got / cpu) if cpu else None,
                # on loopback, a send's system time includes the receiving side's TCP work
                "node_kernel_share": round(kernel / cpu, 2) if cpu else None,
                # core 1: PostgreSQL, Redis, the writers and 6,000 receiving sockets
                "generator_core_busy": round(generator_core, 2),
            }
        )
        print(f"  {results[-1]}", flush=True)
    for task in sockets:
        task.cancel()
    await asyncio.gather(*sockets, return_exceptions=True)
    if args.reconnect:
        connects["reconnect"] = await reconnect(args, world, rx, sessionmaker, broker, staff, port, pid)
    await broker.close()
    return results


async def reconnect(args, world: World, before: Receiver, sessionmaker, broker, staff, port: int, pid: int) -> dict:
    """A node restart: every socket gone; meanwhile a post to one group in ten; then all
    of them at once again with their cursors. Time to the last ``ready``, and whether the
    missed posts were replayed (the peers keep no feed: they replay nothing)."""
    away = world.groups[::10]
    for group in away:
        async with UnitOfWork(sessionmaker) as uow:
            await service.post_to_group(uow, broker, staff[group], group, "while away")
    rx = Receiver()
    all_ready = asyncio.Event()
    total = len(world.guardians)
    cpu0 = cpu_seconds(pid)
    profiler = start_profile(args.profile_connect, pid)
    t0 = time.perf_counter()
    sockets = [
        asyncio.create_task(run_socket(port, i, tok, uid, rx, all_ready, total, before.last_seq.get(i, 0)))
        for i, (uid, _, tok) in enumerate(world.guardians)
    ]
    await asyncio.wait_for(all_ready.wait(), 600)
    took = time.perf_counter() - t0
    stop_profile(profiler)
    cpu = cpu_seconds(pid) - cpu0
    for task in sockets:
        task.cancel()
    await asyncio.gather(*sockets, return_exceptions=True)
    result = {
        "reconnected": total,
        "ready_s": round(took, 1),
        "node_cpu_s": round(cpu, 1),
        "replayed": rx.replayed,
        "missed": len(away) * args.per_group,
    }
    print(f"  reconnect with cursors: {result}", flush=True)
    return result


async def writes(args, world: World, port: int, pid: int) -> dict:
    latencies: list[float] = []
    stop_at = time.perf_counter() + args.seconds
    profiler = start_profile(args.profile, pid)
    cpu0, wall0 = cpu_seconds(pid), time.perf_counter()

    async def client(g: int) -> None:
        # A bare HTTP/1.1 keep-alive client: httpx cost the load generator's core (which
        # PostgreSQL shares) about a millisecond per request, and that capped the rate.
        body = json.dumps({"body": "bench write"}).encode()
        request = (
            f"POST /api/groups/{g}/posts HTTP/1.1\r\nhost: bench.localhost\r\n"
            f"authorization: Bearer {world.staff_tokens[g]}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode() + body
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                t = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                answer = await reader.readexactly(length)
                assert head.startswith(b"HTTP/1.1 201"), head + answer
                latencies.append(time.perf_counter() - t)
        finally:
            writer.close()

    await asyncio.gather(*(client(world.groups[i % len(world.groups)]) for i in range(args.writers)))
    wall = time.perf_counter() - wall0
    cpu = cpu_seconds(pid) - cpu0
    stop_profile(profiler)
    return {
        "posts": len(latencies),
        "posts_s": round(len(latencies) / wall),
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p99_ms": round(pct(latencies, 99) * 1000, 1),
        "node_cpu": round(cpu / wall, 2),
        # what one fully busy core would accept: independent of how much of the
        # core the node got while PostgreSQL and the load generator shared it
        "node_cpu_ms_per_post": round(cpu * 1000 / max(1, len(latencies)), 2),
        "posts_s_per_core": round(len(latencies) / cpu) if cpu else None,
    }


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on this machine (backends, WAL writer,
    checkpointer, autovacuum): what a post costs the database, whoever does the work."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone between the listing and the read
        if "(postgres)" in text.split(" ", 2)[1]:
            total += cpu_seconds(int(stat.parent.name))
    return total


async def audience_writes(args, world: World, sessionmaker, broker) -> list[dict]:
    """Posts to the first group (every family of it in the audience) through the service
    layer, by 1 and by ``--writers`` concurrent writers: PostgreSQL CPU per post."""
    group = world.groups[0]
    async with sessionmaker() as s:
        staff = await s.get(User, world.staff[group])
    results = []
    for writers in (1, args.writers):
        posts = args.audience_posts

        async def writer(n: int) -> None:
            for _ in range(n):
                async with UnitOfWork(sessionmaker) as uow:
                    await service.post_to_group(uow, broker, staff, group, "bench audience")

        await writer(2)  # warm: statement caches, the pool's connections
        pg0, wall0 = postgres_cpu(), time.perf_counter()
        await asyncio.gather(*(writer(posts // writers) for _ in range(writers)))
        wall = time.perf_counter() - wall0
        done = posts // writers * writers
        pg = postgres_cpu() - pg0
        results.append(
            {
                "writers": writers,
                "audience": args.per_group + 1,
                "posts": done,
                "posts_s": round(done / wall, 1),
                "pg_cpu_ms_per_post": round(pg * 1000 / done, 1),
            }
        )
        print(f"  {results[-1]}", flush=True)
    return results


def start_server(name: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """The hub (`schriftje serve`) or a peer relay, pinned to core 0."""
    pin = ["taskset", "-c", "0"]
    if name == "hub":
        return subprocess.Popen([*pin, str(ROOT / ".venv/bin/schriftje"), "serve", "--port", str(port)], env=env)
    script = {"starlette": "starlette_relay.py", "websockets": "websockets_relay.py"}[name]
    command = [str(ROOT / "bench" / "peers" / script), str(port), REDIS_URL, env["SCHRIFTJE_REDIS_PREFIX"]]
    return subprocess.Popen([*pin, sys.executable, *command], env=env)


async def wait_for_port(port: int) -> None:
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise SystemExit(f"nothing listens on {port}")


def print_ratios(by_server: dict[str, list[dict]]) -> None:
    """Deliveries per server CPU-second at each offered rate, and the hub's ratio to each peer."""
    if "hub" not in by_server:
        return
    print(
        "\n| offered posts/s | "
        + " | ".join(f"{n} deliveries per CPU-s" for n in by_server)
        + " | "
        + " | ".join(f"hub / {n}" for n in by_server if n != "hub")
        + " | lost / duplicated (hub) |"
    )
    print("|---" * (2 * len(by_server) + 1) + "|")
    for row, hub in enumerate(by_server["hub"]):
        rates = {n: rows[row]["deliveries_s_per_core"] for n, rows in by_server.items() if row < len(rows)}
        cells = [str(rates.get(n)) for n in by_server]
        ratios = [
            f"{hub['deliveries_s_per_core'] / rates[n]:.2f}" if rates.get(n) and hub["deliveries_s_per_core"] else "-"
            for n in by_server
            if n != "hub"
        ]
        print(
            f"| {hub['rate_posts_s']} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(ratios)
            + f" | {hub['lost']} / {hub['duplicated']} |"
        )


def print_connects(connects: dict[str, dict]) -> None:
    """How long all sockets took to be ``ready``: the first connect (cursor 0) and, with
    --reconnect, all at once again with cursors after a post to one group in ten."""
    if not connects:
        return
    print(
        "\n| server | all ready (first connect) | KB per idle socket | all ready (reconnect with cursors) "
        "| node CPU-s | replayed / missed |"
    )
    print("|---|---|---|---|---|---|")
    for name, seen in connects.items():
        again = seen.get("reconnect", {})
        print(
            f"| {name} | {seen.get('connect_s')} s | {seen.get('kb_per_socket')} | {again.get('ready_s', '-')} s "
            f"| {again.get('node_cpu_s', '-')} "
            f"| {again.get('replayed', '-')} / {again.get('missed', '-')} |"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--per-group", type=int, default=20, help="families (sockets) per group")
    parser.add_argument(
        "--rates",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[25, 50, 100],
        help="offered posts/s for the delivery phase; empty (--rates '') skips it",
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument(
        "--servers",
        type=lambda s: [x for x in s.split(",") if x],
        default=["hub", "starlette", "websockets"],
        help="what serves the sockets, each in turn on core 0: the hub (`schriftje serve`) and the "
        "peers of bench/peers (a bare Starlette relay, a websockets.broadcast relay)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record the node with py-spy during the write phase (.svg flame graph, .txt collapsed stacks)",
    )
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="after the delivery phase: every socket gone, a post to one group in ten, all back at once with cursors",
    )
    parser.add_argument(
        "--profile-connect",
        metavar="FILE",
        help="record the node with py-spy while the sockets connect (hello, replay, ready)",
    )
    parser.add_argument(
        "--profile-delivery",
        metavar="FILE",
        help="record the node with py-spy during the last offered rate of the delivery phase",
    )
    parser.add_argument(
        "--audience-posts",
        type=int,
        default=0,
        metavar="N",
        help="before anything else: N posts to the first group (use --groups 1 --per-group 2000) by one "
        "writer, then by --writers concurrent writers, and the PostgreSQL CPU per post",
    )
    args = parser.parse_args()
    schema = f"bench_{secrets.token_hex(3)}"
    conn = await asyncpg.connect(PG_DSN)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    url = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url, schema=schema, pool_size=20)
    server = None
    try:
        await migrate(engine)
        sessionmaker = create_sessionmaker(engine)
        t = time.perf_counter()
        world = await seed(sessionmaker, args.groups, args.per_group)
        print(f"seeded {len(world.groups)} groups, {len(world.guardians)} guardians in {time.perf_counter() - t:.1f} s")
        env = {**os.environ, **node_env(url, schema, f"/tmp/{schema}")}
        os.sched_setaffinity(0, {1})
        audience: list[dict] = []
        if args.audience_posts:
            print(f"posts to a group of {args.per_group} families (PostgreSQL CPU):", flush=True)
            broker = RedisBroker(REDIS_URL, env["SCHRIFTJE_REDIS_PREFIX"])
            await broker.start()
            try:
                audience = await audience_writes(args, world, sessionmaker, broker)
            finally:
                await broker.close()
        by_server: dict[str, list[dict]] = {}
        connects: dict[str, dict] = {}
        w: dict = {}
        for index, name in enumerate(args.servers):
            port = args.port + index
            server = start_server(name, port, env)
            await wait_for_port(port)
            if args.rates:
                print(f"delivery by {name} (server on core 0, load generator on core 1):", flush=True)
                connects[name] = {}
                by_server[name] = await delivery(args, world, sessionmaker, port, server.pid, env, connects[name])
            if name == "hub":
                print("writes through the HTTP API:")
                w = await writes(args, world, port, server.pid)
                print(f"  {w}")
            server.terminate()
            server.wait()
            server = None
        print_ratios(by_server)
        print_connects(connects)
        print(
            json.dumps(
                {
                    "groups": args.groups,
                    "per_group": args.per_group,
                    "sockets": len(world.guardians),
                    "delivery": by_server,
                    "connects": connects,
                    "writes": w,
                    "audience_writes": audience,
                }
            )
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        await engine.dispose()
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


if __name__ == "__main__":
    # uvloop (installed with uvicorn[standard], which the node uses too): the load
    # generator's core also runs PostgreSQL and Redis, so its per-read cost matters
    uvloop.run(main())
