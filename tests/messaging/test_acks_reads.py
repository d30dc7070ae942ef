"""Posts that ask for confirmation, private replies to posts, and read state."""

from __future__ import annotations

from tests.messaging.conftest import World

INGRID, ANNA, BRAM, PIET = "ingrid@example.nl", "anna@example.nl", "bram@example.nl", "piet@example.nl"


async def post(world: World, *, requires_ack: bool = True, body: str = "Zwemkleding mee") -> int:
    response = await world.post(
        INGRID, f"/api/groups/{world.groups['Rupsjes']}/posts", {"body": body, "requires_ack": requires_ack}
    )
    assert response.status_code == 201
    return int(response.json()["id"])


async def get(world: World, email: str, path: str) -> object:
    async with world.client(email) as client:
        response = await client.get(path)
    assert response.status_code == 200, (email, response.text)
    return response.json()


class TestConfirmation:
    async def test_pinned_until_a_guardian_confirms_and_staff_see_who_did(self, world: World) -> None:
        post_id = await post(world)
        for email in (ANNA, BRAM, PIET):
            assert [p["id"] for p in (await get(world, email, "/api/posts/pinned"))["items"]] == [post_id]
        response = await world.post(BRAM, f"/api/posts/{post_id}/ack", {})
        assert response.json() == {"acknowledged_for": [world.children["Noor"]]}
        assert (await get(world, ANNA, "/api/posts/pinned"))["items"] == []  # the family confirmed
        assert len((await get(world, PIET, "/api/posts/pinned"))["items"]) == 1
        overview = (await get(world, INGRID, f"/api/posts/{post_id}/acks"))["families"]
        assert [(f["child"]["name"], f["acknowledged"], f["by"]) for f in overview] == [
            ("Noor Visser", True, "Bram Visser"),
            ("Pim Jansen", False, None),
        ]
        kinds = [i["kind"] for i in await world.feed(ANNA)]
        assert kinds == ["group_post.created", "post_ack.created"]  # the other guardian's pin clears live

    async def test_confirming_twice_changes_nothing(self, world: World) -> None:
        post_id = await post(world)
        for _ in range(2):
            assert (await world.post(ANNA, f"/api/posts/{post_id}/ack", {})).status_code == 200
        assert [i["kind"] for i in await world.feed(INGRID)].count("post_ack.created") == 1

    async def test_outsiders_cannot_confirm_or_see_the_overview(self, world: World) -> None:
        post_id = await post(world)
        for email in ("carla@example.nl", "xenia@example.nl", "olga@example.nl"):
            assert (await world.post(email, f"/api/posts/{post_id}/ack", {})).status_code == 404, email
        for email in (ANNA, "kees@example.nl", "xenia@example.nl"):
            async with world.client(email) as client:
                assert (await client.get(f"/api/posts/{post_id}/acks")).status_code == 404, email

    async def test_a_post_without_the_question_cannot_be_confirmed(self, world: World) -> None:
        post_id = await post(world, requires_ack=False)
        response = await world.post(ANNA, f"/api/posts/{post_id}/ack", {})
        assert response.status_code == 422
        assert (await get(world, ANNA, "/api/posts/pinned"))["items"] == []


class TestReplies:
    async def test_a_reply_is_private_between_the_family_and_the_staff(self, world: World) -> None:
        post_id = await post(world, requires_ack=False)
        response = await world.post(
            ANNA, f"/api/posts/{post_id}/replies", {"child_id": world.children["Noor"], "body": "Heeft ze niet"}
        )
        assert response.status_code == 201
        assert response.json()["reply_to_post_id"] == post_id
        for email, sees in ((ANNA, True), (BRAM, True), (INGRID, True), (PIET, False)):
            kinds = [i["kind"] for i in await world.feed(email)]
            assert ("message.created" in kinds) is sees, email

    async def test_cannot_reply_for_someone_elses_child_or_another_group(self, world: World) -> None:
        post_id = await post(world, requires_ack=False)
        for email, child in ((PIET, "Noor"), ("carla@example.nl", "Lina"), (INGRID, "Noor")):
            response = await world.post(
                email, f"/api/posts/{post_id}/replies", {"child_id": world.children[child], "body": "x"}
            )
            assert response.status_code == 404, email


class TestReadState:
    async def test_unread_counts_and_read_receipts(self, world: World) -> None:
        path = f"/api/children/{world.children['Noor']}/messages"
        message = (await world.post(ANNA, path, {"body": "Is ze ziek?"})).json()
        await world.post(INGRID, path, {"body": "Nee hoor"})
        noor = str(world.children["Noor"])
        assert await get(world, INGRID, "/api/unread") == {"feed": 2, "threads": {noor: 1}}
        assert await get(world, BRAM, "/api/unread") == {"feed": 2, "threads": {noor: 2}}
        thread = await get(world, ANNA, path)
        assert thread["items"][1]["read_by_staff_at"] is None
        async with world.client(INGRID) as client:
            counts = (
                await client.post(
                    "/api/read", json={"items": [{"content": "message", "id": message["id"]}], "feed_seq": 2}
                )
            ).json()
        assert counts == {"feed": 0, "threads": {}}
        thread = await get(world, ANNA, path)
        assert thread["items"][1]["read_by_staff_at"] is not None  # the parent sees the group read it

    async def test_marks_only_count_for_items_that_reached_the_user(self, world: World) -> None:
        path = f"/api/children/{world.children['Noor']}/messages"
        message = (await world.post(ANNA, path, {"body": "privé"})).json()
        async with world.client(PIET) as client:
            await client.post("/api/read", json={"items": [{"content": "message", "id": message["id"]}]})
        assert (await get(world, ANNA, path))["items"][0]["read_by_staff_at"] is None
        async with world.client(PIET) as client:
            response = await client.post("/api/read", json={"items": [{"content": "sessions", "id": 1}]})
        assert response.status_code == 422

    async def test_staff_see_which_families_read_a_group_post(self, world: World) -> None:
        post_id = await post(world, requires_ack=False)
        async with world.client(BRAM) as client:
            await client.post("/api/read", json={"items": [{"content": "group_post", "id": post_id}]})
        families = (await get(world, INGRID, f"/api/posts/{post_id}/readers"))["families"]
        assert [(f["child"]["name"], f["read_at"] is not None) for f in families] == [
            ("Noor Visser", True),
            ("Pim Jansen", False),
        ]
        async with world.client(ANNA) as client:
            assert (await client.get(f"/api/posts/{post_id}/readers")).status_code == 404

    async def test_feed_read_cursor_never_goes_back_or_beyond(self, world: World) -> None:
        await post(world, requires_ack=False)
        async with world.client(ANNA) as client:
            assert (await client.post("/api/read", json={"feed_seq": 99})).json()["feed"] == 0
            await post(world, requires_ack=False)
            assert (await client.post("/api/read", json={"feed_seq": 0})).json()["feed"] == 1


class TestLiveReadReceipt:
    async def test_first_staff_read_reaches_the_family_live_once(self, world: World, port: int) -> None:
        import datetime as dt

        from tests.messaging.conftest import ws

        path = f"/api/children/{world.children['Noor']}/messages"
        message = (await world.post(ANNA, path, {"body": "Is ze ziek?"})).json()
        assert message["read_by_staff_at"] is None
        async with ws(port, token=world.tokens[BRAM], after=1) as bram:
            await bram.until("ready")
            for reader in (ANNA, INGRID, "wilma@example.nl"):  # a parent, the first staff, another staff
                async with world.client(reader) as client:
                    await client.post("/api/read", json={"items": [{"content": "message", "id": message["id"]}]})
            [receipt] = await bram.events(1)
            assert await bram.drain() == []  # exactly one receipt: only the first staff read counts
        assert receipt["kind"] == "message.read" and receipt["data"]["id"] == message["id"]
        read_at = dt.datetime.fromisoformat(receipt["data"]["read_by_staff_at"])
        assert read_at.tzinfo is not None  # the same aware timestamp on SQLite and PostgreSQL
        history = await world.feed(ANNA)
        assert [i["kind"] for i in history] == ["message.created", "message.read"]
        assert history[0]["data"]["read_by_staff_at"] == receipt["data"]["read_by_staff_at"]

    async def test_staff_reading_a_staff_message_sends_no_receipt(self, world: World) -> None:
        path = f"/api/children/{world.children['Noor']}/messages"
        message = (await world.post(INGRID, path, {"body": "Fijne dag gehad"})).json()
        async with world.client(INGRID) as client:
            await client.post("/api/read", json={"items": [{"content": "message", "id": message["id"]}]})
        assert [i["kind"] for i in await world.feed(ANNA)] == ["message.created"]


async def test_only_new_content_counts_as_unread(world: World) -> None:
    post_id = await post(world)  # asks for confirmation
    await world.post(BRAM, f"/api/posts/{post_id}/ack", {})  # anna gets post_ack.created
    async with world.client(INGRID) as client:
        await client.patch(f"/api/posts/{post_id}", json={"body": "Zwemkleding en handdoek mee"})
    kinds = [i["kind"] for i in await world.feed(ANNA)]
    assert kinds == ["group_post.created", "post_ack.created", "group_post.edited"]
    assert (await get(world, ANNA, "/api/unread"))["feed"] == 1
