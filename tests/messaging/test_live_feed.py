"""The live feed's contract: replay after the cursor, ready, live events; resume without
loss or duplicates; reset for a bad cursor; nothing published for a rolled-back write;
the handshake's close codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update
from websockets.exceptions import ConnectionClosed

from messaging import protocol, service
from portal.roster.models import Organisation, User
from tests.messaging.conftest import World, ws

ANNA = "anna@example.nl"


async def post(world: World, n: int, body: str = "bericht") -> None:
    path = f"/api/children/{world.children['Noor']}/messages"
    for i in range(n):
        assert (await world.post("ingrid@example.nl", path, {"body": f"{body} {i}"})).status_code == 201


class TestResume:
    async def test_reconnect_with_the_last_seq_loses_nothing_and_repeats_nothing(self, world: World, port: int) -> None:
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            await post(world, 3, "eerst")
            first = await socket.events(3)
        assert [f["seq"] for f in first] == [1, 2, 3]
        await post(world, 4, "terwijl weg")
        async with ws(port, token=world.tokens[ANNA], after=first[-1]["seq"]) as socket:
            replayed, ready = await socket.until("ready")
            await post(world, 1, "daarna")
            [live] = await socket.events(1)
        assert [f["seq"] for f in replayed] == [4, 5, 6, 7]
        assert [f["data"]["body"] for f in replayed] == [f"terwijl weg {i}" for i in range(4)]
        assert ready["seq"] == 7
        assert live["seq"] == 8 and live["data"]["body"] == "daarna 0"

    async def test_replay_and_live_match_the_http_history(self, world: World, port: int) -> None:
        await post(world, 2)
        async with ws(port, token=world.tokens[ANNA]) as socket:
            replayed, _ = await socket.until("ready")
        history = await world.feed(ANNA)
        assert replayed == history

    async def test_what_a_write_delivers_is_what_the_database_renders(self, world: World, port: int) -> None:
        """Writes render their own frame from the objects at hand (no second query);
        it must equal what replay and history render from the rows."""
        noor = world.children["Noor"]
        async with world.harness.uow() as uow:  # never open: a parent's message is marked outside hours
            await uow.session.execute(update(Organisation).values(opens_at=dt.time(0), closes_at=dt.time(0)))
        writes = [
            ("ingrid@example.nl", f"/api/groups/{world.groups['Rupsjes']}/posts", {"body": "zwemkleding mee"}),
            ("ingrid@example.nl", f"/api/groups/{world.groups['Rupsjes']}/posts", {"body": "?", "requires_ack": True}),
            ("ingrid@example.nl", f"/api/children/{noor}/diary", {"body": "Noor sliep goed"}),
            (ANNA, f"/api/children/{noor}/diary", {"body": "thuis gevallen", "media_ids": []}),
            (ANNA, f"/api/children/{noor}/messages", {"body": "oma haalt op"}),
            ("ingrid@example.nl", f"/api/children/{noor}/messages", {"body": "prima"}),
        ]
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            answers = [(await world.post(email, path, body)) for email, path, body in writes]
            reply = {"body": "komt goed", "child_id": noor}
            answers.append(await world.post(ANNA, f"/api/posts/{answers[1].json()['id']}/replies", reply))
            live = await socket.events(len(answers))
        assert [a.status_code for a in answers] == [201] * len(answers)
        assert [f["data"] for f in live] == [a.json() for a in answers]
        assert live == await world.feed(ANNA)
        parent, staff, replied = (f["data"] for f in live[-3:])
        assert (parent["outside_hours"], staff["outside_hours"], replied["outside_hours"]) == (True, False, True)
        assert replied["reply_to_post_id"] == answers[1].json()["id"]

    async def test_cursor_from_the_future_gets_reset(self, world: World, port: int) -> None:
        await post(world, 2)
        async with ws(port, token=world.tokens[ANNA], after=99) as socket:
            reset = await socket.frame()
            ready = await socket.frame()
            await post(world, 1)
            [live] = await socket.events(1)
        assert reset == {"type": "reset", "seq": 2, "reason": "cursor_ahead"}
        assert ready == {"type": "ready", "seq": 2}
        assert live["seq"] == 3

    async def test_two_sockets_of_one_user_both_receive(self, world: World, port: int) -> None:
        async with ws(port, token=world.tokens[ANNA]) as phone, ws(port, token=world.tokens[ANNA]) as laptop:
            await phone.until("ready")
            await laptop.until("ready")
            await post(world, 1)
            assert [e["seq"] for e in await phone.events(1)] == [1]
            assert [e["seq"] for e in await laptop.events(1)] == [1]

    async def test_http_history_pages_by_cursor(self, world: World) -> None:
        await post(world, 5)
        async with world.client(ANNA) as client:
            first = (await client.get("/api/feed", params={"after": 0, "limit": 2})).json()
            rest = (await client.get("/api/feed", params={"after": 2, "limit": 10})).json()
        assert [i["seq"] for i in first["items"]] == [1, 2] and first["more"] and first["last_seq"] == 5
        assert [i["seq"] for i in rest["items"]] == [3, 4, 5] and not rest["more"]

    async def test_http_history_pages_backwards_from_a_cursor(self, world: World) -> None:
        await post(world, 5)
        async with world.client(ANNA) as client:
            newest = (await client.get("/api/feed", params={"before": 6, "limit": 2})).json()
            older = (await client.get("/api/feed", params={"before": 4, "limit": 10})).json()
            bad = await client.get("/api/feed", params={"before": "gisteren"})
        assert [i["seq"] for i in newest["items"]] == [4, 5] and newest["more"]
        assert [i["seq"] for i in older["items"]] == [1, 2, 3] and not older["more"]
        assert bad.status_code == 422 and "before" in bad.json()["detail"]


class TestAfterCommitOnly:
    async def test_a_rolled_back_write_publishes_nothing_and_leaves_no_gap(self, world: World, port: int) -> None:
        hub = world.harness.rt.extras["hub"]
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            with pytest.raises(RuntimeError):
                async with world.harness.uow() as uow:
                    ingrid = await uow.session.get(User, await _user_id(world, "ingrid@example.nl"))
                    await service.send_family_message(uow, hub.broker, ingrid, world.children["Noor"], "nooit")
                    raise RuntimeError("the request failed after writing")
            assert await socket.drain() == []
            await post(world, 1, "wel")
            [event] = await socket.events(1)
        assert event["seq"] == 1 and event["data"]["body"] == "wel 0"


async def _user_id(world: World, email: str) -> int:
    from sqlalchemy import select

    async with world.harness.uow() as uow:
        return int(await uow.session.scalar(select(User.id).where(User.email == email)))


class TestHandshake:
    async def closed_with(self, port: int, org: str = "kober", **kwargs: object) -> int:
        async with ws(port, org, **kwargs) as socket:  # type: ignore[arg-type]
            with pytest.raises(ConnectionClosed) as closed:
                await socket.frame()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code

    async def test_no_credentials(self, world: World, port: int) -> None:
        assert await self.closed_with(port) == protocol.CLOSE_UNAUTHENTICATED

    async def test_bad_token(self, world: World, port: int) -> None:
        assert await self.closed_with(port, token="nonsense") == protocol.CLOSE_UNAUTHENTICATED

    async def test_token_of_another_organisation(self, world: World, port: int) -> None:
        assert await self.closed_with(port, "other", token=world.tokens[ANNA]) == protocol.CLOSE_UNAUTHENTICATED

    async def test_hello_must_come_first_and_be_well_formed(self, world: World, port: int) -> None:
        for hello in ({"type": "ping"}, {"type": "hello", "after": -1}, {"type": "hello", "after": "3"}):
            assert await self.closed_with(port, hello=hello) == protocol.CLOSE_PROTOCOL_ERROR

    async def test_oversized_hello(self, world: World, port: int) -> None:
        hello = {"type": "hello", "after": 0, "padding": "x" * protocol.MAX_CLIENT_FRAME_BYTES}
        assert await self.closed_with(port, hello=hello) == protocol.CLOSE_TOO_BIG

    async def test_cookie_needs_a_matching_origin(self, world: World, port: int) -> None:
        async with world.harness.client() as browser:
            await world.harness.activate(browser, ANNA)
            cookie = browser.cookies.get("schriftje_session")
        assert await self.closed_with(port, cookie=cookie, origin="http://evil.example") == protocol.CLOSE_FORBIDDEN
        assert await self.closed_with(port, cookie=cookie) == protocol.CLOSE_FORBIDDEN  # no Origin at all
        async with ws(port, cookie=cookie, origin=f"http://kober.localhost:{port}") as socket:
            _, ready = await socket.until("ready")
        assert ready["seq"] == 0

    async def test_rate_limited_client(self, world: World, port: int) -> None:
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            for _ in range(protocol.MAX_CLIENT_FRAMES_PER_10_SECS + 1):
                await socket.connection.send(json.dumps({"type": "ping"}))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await socket.frame()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == protocol.CLOSE_RATE_LIMITED


class TestMetrics:
    async def test_hub_metrics_are_exported(self, world: World, port: int) -> None:
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            await post(world, 2)
            await socket.events(2)
            async with world.harness.client() as client:
                text = (await client.get("/metrics")).text
        assert "schriftje_ws_open_sockets 1.0" in text
        assert "schriftje_ws_events_delivered_total 2.0" in text
        assert "schriftje_ws_event_lag_seconds_count 2.0" in text
        assert "schriftje_ws_replay_events_count" in text and "schriftje_ws_slow_consumer_drops_total 0.0" in text


class TestDatabaseAway:
    async def test_handshake_without_a_database_is_asked_to_retry(self, world: World, port: int) -> None:
        from portal.database import create_engine, create_sessionmaker

        rt = world.harness.rt
        unreachable = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")  # nothing listens on port 1
        working, rt.sessionmaker = rt.sessionmaker, create_sessionmaker(unreachable)
        try:
            code = await TestHandshake().closed_with(port, token=world.tokens[ANNA])
        finally:
            rt.sessionmaker = working
            await unreachable.dispose()
        assert code == protocol.CLOSE_TRY_AGAIN
        async with ws(port, token=world.tokens[ANNA]) as socket:  # and it works again once the database is back
            _, ready = await socket.until("ready")
        assert ready["seq"] == 0
