"""Bad input gets a clear answer, never a 500 or a crashed socket (both stacks):
JSON nested too deeply on ``/ws`` closes with 1007; numbers too large for an id
in paths and queries are 404 / 422; a diary entry only holds photos of its own
child's group; every JSON API answer is ``Cache-Control: no-store``."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from messaging import protocol
from tests.media.conftest import upload
from tests.messaging.conftest import World, ws

ANNA = "anna@example.nl"
DEEP = "[" * 2000 + "]" * 2000  # well within the 4 KiB frame limit, far past the parser's depth


class TestNestedJson:
    async def test_as_the_hello(self, world: World, port: int) -> None:
        async with connect(f"ws://kober.localhost:{port}/ws", host="127.0.0.1", port=port) as connection:
            await connection.send(DEEP)
            with pytest.raises(ConnectionClosed) as closed:
                await connection.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == protocol.CLOSE_BAD_DATA

    async def test_after_the_hello(self, world: World, port: int) -> None:
        async with ws(port, token=world.tokens[ANNA]) as socket:
            await socket.until("ready")
            await socket.connection.send(DEEP)
            assert await socket.closed_with() == protocol.CLOSE_BAD_DATA
        async with ws(port, token=world.tokens[ANNA]) as again:  # the node is fine
            _, ready = await again.until("ready")
            assert ready["type"] == "ready"


class TestNumbersTooLargeForAnId:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/photos/99999999999",
            "/api/children/2147483648/diary",
            "/media/photos/99999999999999999999/small.webp",
            "/api/archives/9223372036854775808",
            "/archief/99999999999",
        ],
    )
    async def test_in_a_path_is_not_found(self, world: World, path: str) -> None:
        async with world.client(ANNA) as client:
            assert (await client.get(path)).status_code == 404

    @pytest.mark.parametrize("query", ["after=99999999999", "before=2147483648", "limit=99999999999999999999"])
    async def test_in_a_query_is_refused_with_a_reason(self, world: World, query: str) -> None:
        async with world.client(ANNA) as client:
            response = await client.get(f"/api/feed?{query}")
        assert response.status_code == 422 and "larger" in response.json()["detail"]

    async def test_in_a_json_body_is_refused(self, world: World) -> None:
        noor = world.children["Noor"]
        response = await world.post(ANNA, "/api/posts/1/replies", {"body": "x", "child_id": 2**40})
        assert response.status_code == 422
        response = await world.post(ANNA, f"/api/children/{noor}/diary", {"body": "x", "media_ids": [2**40]})
        assert response.status_code == 422

    async def test_a_nonsense_content_length_is_not_a_crash(self, world: World) -> None:
        async with world.client(ANNA) as client:
            response = await client.post(
                f"/api/children/{world.children['Noor']}/messages",
                content=b'{"body": "hallo"}',
                headers={"content-type": "application/json", "content-length": "17x"},
            )
        assert response.status_code != 500


class TestDiaryPhotos:
    async def test_a_diary_entry_holds_only_photos_of_its_childs_group(self, world: World) -> None:
        noor, lina = world.children["Noor"], world.children["Lina"]
        ours = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [noor]}])
        pims = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Pim"]]}])
        assert ours.status_code == pims.status_code == 201
        ours_id, pims_id = ours.json()["photos"][0]["id"], pims.json()["photos"][0]["id"]
        fine = await world.post(
            "ingrid@example.nl", f"/api/children/{noor}/diary", {"body": "x", "media_ids": [ours_id]}
        )
        assert fine.status_code == 201, fine.text
        only_pim = await world.post(
            "ingrid@example.nl", f"/api/children/{noor}/diary", {"body": "x", "media_ids": [pims_id]}
        )
        assert only_pim.status_code == 422 and "dit kind" in only_pim.json()["detail"]
        elsewhere = await world.post(
            "carla@example.nl", f"/api/children/{lina}/diary", {"body": "x", "media_ids": [ours_id]}
        )
        assert elsewhere.status_code == 422


class TestNoStore:
    @pytest.mark.parametrize("path", ["/api/me", "/api/feed", "/api/sessions", "/api/unread"])
    async def test_json_answers_are_not_kept_by_any_cache(self, world: World, path: str) -> None:
        async with world.client(ANNA) as client:
            response = await client.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"

    async def test_errors_too(self, world: World) -> None:
        async with world.harness.client() as anonymous:
            response = await anonymous.get("/api/feed")
        assert response.status_code == 401 and response.headers["cache-control"] == "no-store"
