"""Edit and delete by the author within the window: live to exactly the original
recipients, and gone from history and replay, not just hidden."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from messaging.models import ThreadMessage
from tests.messaging.conftest import World, ws

ANNA, INGRID = "anna@example.nl", "ingrid@example.nl"


async def send(world: World, body: str = "Oma haalt op") -> int:
    response = await world.post(ANNA, f"/api/children/{world.children['Noor']}/messages", {"body": body})
    assert response.status_code == 201
    return int(response.json()["id"])


class TestEdit:
    async def test_edit_reaches_recipients_live_and_replay_shows_the_new_text(self, world: World, port: int) -> None:
        message_id = await send(world)
        async with ws(port, token=world.tokens[INGRID], after=1) as staff:
            await staff.until("ready")
            async with world.client(ANNA) as client:
                response = await client.patch(f"/api/messages/{message_id}", json={"body": "Opa haalt op"})
            assert response.status_code == 200 and response.json()["body"] == "Opa haalt op"
            [edited] = await staff.events(1)
        assert edited["kind"] == "message.edited" and edited["seq"] == 2
        assert edited["data"]["body"] == "Opa haalt op" and edited["data"]["edited_at"]
        history = await world.feed(INGRID)
        assert [(i["kind"], i["data"]["body"]) for i in history] == [
            ("message.created", "Opa haalt op"),
            ("message.edited", "Opa haalt op"),
        ]
        assert [i["kind"] for i in await world.feed("piet@example.nl")] == []

    async def test_only_the_author_may_edit(self, world: World) -> None:
        message_id = await send(world)
        for email in ("bram@example.nl", INGRID, "xenia@example.nl"):
            async with world.client(email) as client:
                response = await client.patch(f"/api/messages/{message_id}", json={"body": "anders"})
            assert response.status_code == 404, email

    async def test_after_the_window_the_message_stays(self, world: World) -> None:
        message_id = await send(world)
        async with world.harness.uow() as uow:
            await uow.session.execute(
                update(ThreadMessage).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
            )
        async with world.client(ANNA) as client:
            response = await client.patch(f"/api/messages/{message_id}", json={"body": "te laat"})
            deleted = await client.delete(f"/api/messages/{message_id}")
        assert response.status_code == deleted.status_code == 403
        assert response.json()["detail"] == (
            "Je kunt een bericht alleen binnen 15 minuten na het versturen wijzigen of verwijderen."
        )


class TestDelete:
    async def test_deleted_content_is_gone_from_history_and_replay(self, world: World, port: int) -> None:
        message_id = await send(world, "Geheim: de code is 1234")
        async with ws(port, token=world.tokens[INGRID], after=1) as staff:
            await staff.until("ready")
            async with world.client(ANNA) as client:
                assert (await client.delete(f"/api/messages/{message_id}")).status_code == 204
            [deleted] = await staff.events(1)
        assert deleted["kind"] == "message.deleted"
        assert deleted["data"] == {"id": message_id, "deleted": True}
        async with ws(port, token=world.tokens["bram@example.nl"]) as bram:
            replayed, _ = await bram.until("ready")
        assert [f["data"] for f in replayed] == [{"id": message_id, "deleted": True}] * 2
        assert "1234" not in str(await world.feed(INGRID))
        async with world.client(INGRID) as client:
            listing = (await client.get(f"/api/children/{world.children['Noor']}/messages")).json()
        assert listing["items"] == []
        async with world.harness.uow() as uow:
            stored = await uow.session.scalar(select(ThreadMessage.body).where(ThreadMessage.id == message_id))
        assert stored == ""

    async def test_deleting_twice_is_404(self, world: World) -> None:
        message_id = await send(world)
        async with world.client(ANNA) as client:
            assert (await client.delete(f"/api/messages/{message_id}")).status_code == 204
            assert (await client.delete(f"/api/messages/{message_id}")).status_code == 404
