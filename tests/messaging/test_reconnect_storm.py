"""A reconnect storm (a node restarted, every parent's phone says hello at once) is
served in batches: the credentials of many hellos in one query, their sessions and
cursors in another. Batching must change nothing a single hello would get: each
socket its own replay from its own cursor, ``reset`` for a cursor from the future,
4401 for a revoked or deactivated session or a token of another organisation, and
then every live event exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from sqlalchemy import select, update
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from messaging import protocol, service
from messaging.delivery import deliver_many
from messaging.hub import REPLAY_PAGE
from portal.accounts.models import AuthSession, SessionKind
from portal.accounts.service import Caller, resolve_caller, resolve_callers, start_session
from portal.database import utcnow
from portal.errors import NotFound
from portal.roster.models import User
from tests.messaging.conftest import FRAME_WAIT_SECS, World

ANNA, BRAM, PIET, CARLA, XENIA = (f"{n}@example.nl" for n in ("anna", "bram", "piet", "carla", "xenia"))
COPIES = 6  # sockets per case: a storm, not a queue of single hellos


async def post(world: World, n: int) -> None:
    path = f"/api/children/{world.children['Noor']}/messages"
    for i in range(n):
        assert (await world.post("ingrid@example.nl", path, {"body": f"storm {i}"})).status_code == 201


async def end_sessions(world: World) -> tuple[str, str]:
    """Bram's token revoked, Piet deactivated: (Bram's token, Piet's token)."""
    async with world.harness.uow() as uow:
        bram = await uow.session.scalar(select(User.id).where(User.email == BRAM))
        await uow.session.execute(update(AuthSession).where(AuthSession.user_id == bram).values(revoked_at=utcnow()))
        await uow.session.execute(update(User).where(User.email == PIET).values(deactivated_at=utcnow()))
    return world.tokens[BRAM], world.tokens[PIET]


class TestCredentialsInBatches:
    async def test_a_batch_answers_each_caller_as_a_single_look_up_would(self, world: World) -> None:
        revoked, deactivated = await end_sessions(world)
        async with world.harness.uow() as uow:
            carla = await uow.session.scalar(select(User).where(User.email == CARLA))
            assert carla is not None
            browser, _ = await start_session(uow.session, carla, SessionKind.BROWSER)
        callers = [
            Caller("kober.localhost", world.tokens[ANNA], "bearer"),
            Caller("kober.localhost", world.tokens[ANNA], "bearer"),  # the same phone twice
            Caller("kober.localhost", revoked, "bearer"),
            Caller("kober.localhost", deactivated, "bearer"),
            Caller("kober.localhost", world.tokens[XENIA], "bearer"),  # another organisation's parent
            Caller("other.localhost", world.tokens[XENIA], "bearer"),  # ... at her own
            Caller("kober.localhost", browser, "bearer"),  # a browser session's cookie is no app token
            Caller("kober.localhost", browser, "cookie"),
            Caller("kober.localhost", "made-up-token", "bearer"),
            Caller("nergens.localhost", world.tokens[ANNA], "bearer"),  # no such organisation
        ]
        rt = world.harness.rt
        idle = dt.timedelta(days=rt.settings.session_days)
        async with rt.uow() as uow:
            batch = await resolve_callers(uow.session, rt.settings, callers, idle)
        alone: list[Any] = []
        for caller in callers:
            async with rt.uow() as uow:
                try:
                    alone.append(
                        (await resolve_caller(uow.session, caller.host, rt.settings, caller.raw, caller.via, idle))[1]
                    )
                except NotFound as error:
                    alone.append(error)

        def seen(result: Any) -> Any:
            if isinstance(result, NotFound):
                return "not found"
            return None if result is None else (result.user.email, result.session.id, result.via)

        assert [seen(r) for r in batch] == [seen(r) for r in alone]
        assert [seen(r) if r is None or isinstance(r, NotFound) else seen(r)[0] for r in batch] == [
            ANNA,
            ANNA,
            None,
            None,
            None,
            XENIA,
            None,
            CARLA,
            None,
            "not found",
        ]


async def hello(port: int, token: str, after: int, org: str = "kober") -> dict[str, Any]:
    """One phone: connect and say hello with a cursor; what came before ``ready`` and the
    still open connection, or the close code."""
    connection = await connect(
        f"ws://{org}.localhost:{port}/ws", host="127.0.0.1", port=port, open_timeout=FRAME_WAIT_SECS
    )
    await connection.send(json.dumps({"type": "hello", "after": after, "token": token}))
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(connection.recv(), FRAME_WAIT_SECS))
            if frame["type"] == "heartbeat":
                continue
            frames.append(frame)
            if frame["type"] == "ready":
                return {"frames": frames, "connection": connection}
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return {"frames": frames, "closed": closed.rcvd.code}


class TestReconnectStorm:
    async def test_every_socket_keeps_its_own_cursor_and_ended_sessions_are_refused(
        self, world: World, port: int
    ) -> None:
        await post(world, 3)  # Anna's and Bram's feeds: seq 1..3
        revoked, deactivated = await end_sessions(world)
        hub = world.harness.rt.extras["hub"]
        cursor_batches = hub.cursor_batches
        cases = {
            "anna from the start": (world.tokens[ANNA], 0, "kober"),
            "anna one behind": (world.tokens[ANNA], 2, "kober"),
            "anna up to date": (world.tokens[ANNA], 3, "kober"),
            "anna from the future": (world.tokens[ANNA], 99, "kober"),
            "carla, nothing yet": (world.tokens[CARLA], 0, "kober"),
            "bram, token revoked": (revoked, 3, "kober"),
            "piet, deactivated": (deactivated, 0, "kober"),
            "xenia at kober": (world.tokens[XENIA], 0, "kober"),
        }
        names = [name for name in cases for _ in range(COPIES)]
        results = await asyncio.gather(*(hello(port, *cases[name]) for name in names))
        try:
            await self.check(world, names, cases, results, cursor_batches)
        finally:
            await asyncio.gather(*(r["connection"].close() for r in results if "connection" in r))

    async def check(
        self,
        world: World,
        names: list[str],
        cases: dict[str, tuple[str, int, str]],
        results: list[dict[str, Any]],
        cursor_batches: int,
    ) -> None:
        hub = world.harness.rt.extras["hub"]
        by_case: dict[str, list[dict[str, Any]]] = {}
        for name, result in zip(names, results, strict=True):
            by_case.setdefault(name, []).append(result)

        def replayed(name: str) -> set[tuple[int, ...]]:
            return {tuple(f["seq"] for f in r["frames"] if f["type"] == "event") for r in by_case[name]}

        def ready(name: str) -> set[int]:
            return {r["frames"][-1]["seq"] for r in by_case[name]}

        assert replayed("anna from the start") == {(1, 2, 3)} and ready("anna from the start") == {3}
        assert replayed("anna one behind") == {(3,)} and ready("anna one behind") == {3}
        assert replayed("anna up to date") == {()} and ready("anna up to date") == {3}
        future = {tuple((f["type"], f.get("reason")) for f in r["frames"]) for r in by_case["anna from the future"]}
        assert future == {(("reset", "cursor_ahead"), ("ready", None))}
        assert replayed("carla, nothing yet") == {()} and ready("carla, nothing yet") == {0}
        for refused in ("bram, token revoked", "piet, deactivated", "xenia at kober"):
            assert {r.get("closed") for r in by_case[refused]} == {protocol.CLOSE_UNAUTHENTICATED}, refused
            assert all(not r["frames"] for r in by_case[refused])
        # served in batches: far fewer look-ups than sockets
        credentials = world.harness.rt.extras["ws_credentials"]
        assert credentials.resolve.batches < len(names) // 2
        assert hub.cursor_batches - cursor_batches < len(names) // 2

        # ... and live from there: one new message, each of Anna's sockets gets seq 4 once
        await post(world, 1)
        annas = [r for name in cases if name.startswith("anna") for r in by_case[name]]
        for r in annas:
            frame = json.loads(await asyncio.wait_for(r["connection"].recv(), FRAME_WAIT_SECS))
            assert (frame["type"], frame["seq"]) == ("event", 4)


class TestReplayPagesInBatches:
    async def test_two_sockets_of_one_user_far_behind_each_get_their_own_replay_in_full(
        self, world: World, port: int
    ) -> None:
        """The first replay page of a batch is read for the user's lowest cursor; a socket
        with a later cursor takes only what is after its own, and one with more than a
        page behind it replays the rest on its own."""
        harness = world.harness
        broker = harness.rt.extras["hub"].broker
        total = REPLAY_PAGE + 10
        async with harness.uow() as uow:
            ingrid = await uow.session.scalar(select(User).where(User.email == "ingrid@example.nl"))
            anna = await uow.session.scalar(select(User).where(User.email == ANNA))
            assert ingrid is not None and anna is not None
            post = await service.post_to_group(uow, broker, ingrid, world.groups["Rupsjes"], "zwemkleding mee")
        async with harness.uow() as uow:
            await deliver_many(uow, broker, [({anna.id}, protocol.GROUP_POST_CREATED, post.id)] * (total - 1))
        far, near = await asyncio.gather(hello(port, world.tokens[ANNA], 0), hello(port, world.tokens[ANNA], total - 3))
        try:
            for result, after in ((far, 0), (near, total - 3)):
                events = [f["seq"] for f in result["frames"] if f["type"] == "event"]
                assert events == list(range(after + 1, total + 1))
                assert result["frames"][-1] == {"type": "ready", "seq": total}
        finally:
            await asyncio.gather(far["connection"].close(), near["connection"].close())
