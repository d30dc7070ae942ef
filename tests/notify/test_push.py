"""Web Push end to end on both stacks: subscriptions made through the API, deliveries
queued after commit, payloads encrypted to each device (RFC 8291) and decrypted here
with the device's private key, headers and the VAPID token checked (RFC 8030/8292),
the push service's answers obeyed (410 removes, 429 waits for Retry-After), and the
entitlement, read state, preferences and quiet hours judged at send time."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from py_vapid import Vapid02
from sqlalchemy import select

from portal.accounts.models import SessionKind
from portal.accounts.service import start_session
from portal.roster.models import StaffAssignment, User
from tests.harness import csrf_of
from tests.media.conftest import set_consent, upload
from tests.media.test_photo_consent import striped
from tests.messaging.conftest import add_admin
from tests.notify.conftest import ANNA, BRAM, INGRID, PIET, Scene


def claims(authorization: str) -> tuple[dict[str, Any], str]:
    """The JWT claims and the ``k`` key of ``vapid t=<jwt>,k=<key>``."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(part.split("=", 1) for part in rest.split(","))
    payload = parts["t"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))), parts["k"]


class TestDelivery:
    async def test_a_diary_entry_reaches_each_of_the_parents_devices_once_saying_nothing_sensitive(
        self, scene: Scene
    ) -> None:
        world, push = scene.world, scene.push
        phone, laptop, pim_phone, ingrid_phone = (push.device(n) for n in ("phone", "laptop", "piet", "ingrid"))
        for email, device in ((ANNA, phone), (ANNA, laptop), (PIET, pim_phone), (INGRID, ingrid_phone)):
            response = await scene.subscribe(email, device)
            assert response.status_code == 201, response.text
        state = await scene.state(ANNA)
        assert len(state["devices"]) == 2 and state["preferences"]["quiet_from"] == "20:00"

        noor = world.children["Noor"]
        await scene.write(INGRID, f"/api/children/{noor}/diary", "Noor heeft heerlijk buiten gespeeld.\nEn geslapen.")

        assert sorted(r.device for r in push.received) == ["laptop", "phone"]  # not Piet, not the author
        for device in (phone, laptop):
            (received,) = push.to(device.name)
            payload = device.decrypt(received)
            assert payload["title"] == "Schriftje"
            assert payload["body"] == "Nieuw bericht van de Rupsjes"
            assert payload["url"] == f"/kind/{noor}" and payload["count"] == 1
            assert "Noor" not in json.dumps(payload) and "buiten" not in json.dumps(payload)
            headers = received.headers
            assert headers["content-encoding"] == "aes128gcm"
            assert headers["ttl"] == str(12 * 3600) and headers["urgency"] == "normal"
            assert headers["topic"] == payload["tag"] == f"g{world.groups['Rupsjes']}"
            token, key = claims(headers["authorization"])
            assert key == state["public_key"]
            assert token["aud"] == f"http://127.0.0.1:{push.port}" and token["sub"].startswith("mailto:")
            assert time.time() < token["exp"] <= time.time() + 24 * 3600
            assert Vapid02.verify(headers["authorization"])  # signed by the installation's key
        assert (await scene.state(ANNA))["devices"][0]["last_push_at"] is not None

    async def test_a_message_from_the_group_is_urgent_and_shows_its_first_line_to_who_chose_so(
        self, scene: Scene
    ) -> None:
        world, push = scene.world, scene.push
        phone = push.device("phone")
        assert (await scene.subscribe(ANNA, phone)).status_code == 201
        assert (await scene.preferences(ANNA, preview=True)).status_code == 200
        noor = world.children["Noor"]
        await scene.write(INGRID, f"/api/children/{noor}/messages", "Oma haalt Noor vandaag op?\nGroetjes")
        (received,) = push.to("phone")
        payload = phone.decrypt(received)
        assert received.headers["urgency"] == "high" and received.headers["ttl"] == str(24 * 3600)
        assert payload["title"] == "Nieuw bericht van de Rupsjes" and payload["body"] == "Oma haalt Noor vandaag op?"

        # read on another device before the push goes: nothing is sent for it
        await scene.preferences(ANNA, kinds=["diary"])
        await scene.write(INGRID, f"/api/children/{noor}/messages", "Nog een vraag")
        assert len(push.to("phone")) == 1, "a category the parent switched off notified"

    async def test_a_parents_message_tells_the_groups_staff_and_not_the_other_family(self, scene: Scene) -> None:
        push = scene.push
        devices = {name: push.device(name) for name in ("ingrid", "piet", "bram")}
        for email, name in ((INGRID, "ingrid"), (PIET, "piet"), (BRAM, "bram")):
            assert (await scene.subscribe(email, devices[name])).status_code == 201
        await scene.write(ANNA, f"/api/children/{scene.world.children['Noor']}/messages", "Noor is verkouden.")
        assert sorted(r.device for r in push.received) == ["bram", "ingrid"]
        assert devices["ingrid"].decrypt(push.to("ingrid")[0])["body"] == "Nieuw bericht van een ouder (Rupsjes)"

        # a colleague in the group hears of the parents, not of Ingrid's answer
        async with scene.world.harness.uow() as uow:
            kees = await uow.session.scalar(select(User).where(User.email == "kees@example.nl"))
            assert kees is not None
            uow.session.add(StaffAssignment(user_id=kees.id, group_id=scene.world.groups["Rupsjes"]))
        assert (await scene.subscribe("kees@example.nl", push.device("kees"))).status_code == 201
        await scene.write(INGRID, f"/api/children/{scene.world.children['Noor']}/messages", "Beterschap!")
        await scene.write(BRAM, f"/api/children/{scene.world.children['Noor']}/messages", "Dank je.")
        assert len(push.to("kees")) == 1 and len(push.to("ingrid")) == 2
        assert push.to("ingrid")[0].headers["urgency"] == "high"


class TestPushServiceAnswers:
    async def test_a_gone_subscription_is_removed_and_a_busy_service_is_tried_again_after_retry_after(
        self, scene: Scene
    ) -> None:
        push = scene.push
        old_phone, laptop = push.device("old-phone"), push.device("laptop")
        for device in (old_phone, laptop):
            assert (await scene.subscribe(ANNA, device)).status_code == 201
        push.answer("old-phone", (410, {}))
        push.answer("laptop", (429, {"Retry-After": "1"}), (201, {}))

        await scene.write(INGRID, f"/api/children/{scene.world.children['Noor']}/diary", "Fruit gegeten.")

        assert len(push.to("old-phone")) == 1
        assert [d["push_service"] for d in (await scene.state(ANNA))["devices"]] == ["127.0.0.1"]
        first, second = push.to("laptop")
        assert second.at - first.at >= 0.9, "Retry-After was not honoured"
        assert laptop.decrypt(second)["body"] == "Nieuw bericht van de Rupsjes"

        await scene.write(INGRID, f"/api/children/{scene.world.children['Noor']}/diary", "Geslapen.")
        assert len(push.to("old-phone")) == 1, "a removed subscription was pushed again"


class TestWhenNotToTell:
    async def test_quiet_hours_hold_until_they_end_and_the_organisations_urgent_kinds_break_through(
        self, scene: Scene
    ) -> None:
        world, push = scene.world, scene.push
        phone = push.device("phone")
        assert (await scene.subscribe(ANNA, phone)).status_code == 201
        assert (await scene.preferences(ANNA, quiet_from="11:00", quiet_until="13:00")).status_code == 200
        noor = world.children["Noor"]
        await scene.write(INGRID, f"/api/children/{noor}/diary", "Gegeten.")
        await scene.write(INGRID, f"/api/children/{noor}/diary", "Gedronken.")
        await scene.sweep()
        assert push.received == [], "quiet hours did not hold"

        admin = await add_admin(world)
        async with world.client(admin) as client:
            chosen = await client.put("/api/notify/organisation", json={"urgent_kinds": ["message"]})
        assert chosen.status_code == 200 and chosen.json() == {"urgent_kinds": ["message"], "digest_at": "18:30"}
        await scene.write(INGRID, f"/api/children/{noor}/messages", "Noor heeft koorts, kunt u haar ophalen?")
        (urgent,) = push.to("phone")
        assert phone.decrypt(urgent)["count"] == 1, "only the urgent message breaks through"

        assert (await scene.preferences(ANNA, quiet_from=None, quiet_until=None)).status_code == 200
        await scene.sweep()
        assert len(push.received) == 1, "what quiet hours held was announced again after the urgent push"

    async def test_quiet_hours_release_what_they_held_as_one_notification(self, scene: Scene) -> None:
        push = scene.push
        phone = push.device("phone")
        assert (await scene.subscribe(ANNA, phone)).status_code == 201
        assert (await scene.preferences(ANNA, quiet_from="11:00", quiet_until="13:00")).status_code == 200
        noor = scene.world.children["Noor"]
        await scene.write(INGRID, f"/api/children/{noor}/diary", "Gegeten.")
        await scene.write(INGRID, f"/api/children/{noor}/diary", "Gedronken.")
        assert push.received == []
        assert (await scene.preferences(ANNA, quiet_from="20:00", quiet_until="07:00")).status_code == 200
        await scene.sweep()
        (held,) = push.to("phone")
        assert phone.decrypt(held)["body"] == "2 nieuwe berichten van de Rupsjes"

    async def test_a_withdrawn_photo_is_never_announced_and_photos_become_one_notification(self, scene: Scene) -> None:
        world, push = scene.world, scene.push
        for email, child in ((ANNA, "Noor"), (BRAM, "Noor"), (PIET, "Pim")):
            assert (await set_consent(world, email, child, photo=True, photo_group=True)).status_code == 200
        specs = [{"children": [world.children[c]], "data": striped()} for c in ("Noor", "Noor", "Pim")]
        response = await upload(world, INGRID, "Rupsjes", specs)
        assert response.status_code == 201, response.text
        await world.harness.run_jobs()
        # Piet withdraws before his device is known: his photo must never be announced
        assert (await set_consent(world, PIET, "Pim", photo=False, photo_group=False)).status_code == 200
        await world.harness.run_jobs()
        anna, piet = push.device("anna"), push.device("piet")
        for email, device in ((ANNA, anna), (PIET, piet)):
            assert (await scene.subscribe(email, device)).status_code == 201
        await scene.sweep()
        (one,) = push.to("anna")
        payload = anna.decrypt(one)
        assert payload["body"] == "2 nieuwe foto's van de Rupsjes" and payload["count"] == 2
        assert "url" in payload and "/media/" not in json.dumps(payload)
        assert push.to("piet") == []

    async def test_a_clip_is_announced_as_a_video_without_its_address(self, scene: Scene, tmp_path: Any) -> None:
        from tests.media import clips
        from tests.media.conftest import new_key

        world, push = scene.world, scene.push
        for email in (ANNA, BRAM):
            assert (await set_consent(world, email, "Noor", photo=True, photo_group=True)).status_code == 200
        anna = push.device("anna")
        assert (await scene.subscribe(ANNA, anna)).status_code == 201
        data = clips.make_clip(tmp_path / "clip.mp4", seconds=0.3, width=96, height=64, audio=False).read_bytes()
        async with world.client(INGRID) as client:
            response = await client.post(
                f"/api/groups/{world.groups['Rupsjes']}/clips",
                data={"clips": json.dumps([{"key": new_key(), "children": [world.children["Noor"]]}])},
                files=[("file", ("clip.mp4", data, "video/mp4"))],
            )
        assert response.status_code == 201, response.text
        await world.harness.run_jobs()
        await scene.sweep()
        (one,) = push.to("anna")
        payload = anna.decrypt(one)
        assert payload["body"] == "Nieuwe video van de Rupsjes"
        assert "/media/" not in json.dumps(payload)


class TestDevicesAndChoices:
    async def test_logging_out_ends_that_browsers_notifications(self, scene: Scene) -> None:
        world, push = scene.world, scene.push
        async with world.harness.client() as browser:
            await world.harness.activate(browser, ANNA)  # a password, and a browser session
            async with world.harness.uow() as uow:  # an app signed in after it: that device stays
                anna = await uow.session.scalar(select(User).where(User.email == ANNA))
                assert anna is not None
                world.tokens[ANNA], _ = await start_session(uow.session, anna, SessionKind.BEARER, label="app")
            assert (await scene.subscribe(ANNA, push.device("app"))).status_code == 201
            csrf = csrf_of((await browser.get("/account/notifications")).text)
            response = await browser.post(
                "/api/notify/subscriptions", json=push.device("browser").subscription(), headers={"x-csrf-token": csrf}
            )
            assert response.status_code == 201, response.text
            assert len((await scene.state(ANNA))["devices"]) == 2
            bye = await browser.post("/logout", data={"csrf_token": csrf})
            assert bye.headers["clear-site-data"] == '"cache", "storage"'
        assert len((await scene.state(ANNA))["devices"]) == 1, "the logged-out browser is still listed"
        await scene.write(INGRID, f"/api/children/{world.children['Noor']}/diary", "Na het uitloggen.")
        assert [r.device for r in push.received] == ["app"]
        assert len((await scene.state(ANNA))["devices"]) == 1

    async def test_a_test_notification_reaches_the_users_devices_only(self, scene: Scene) -> None:
        push = scene.push
        phone, old = push.device("phone"), push.device("old")
        for device in (phone, old):
            assert (await scene.subscribe(ANNA, device)).status_code == 201
        assert (await scene.subscribe(PIET, push.device("piet"))).status_code == 201
        push.answer("old", (410, {}))
        async with scene.world.client(ANNA) as client:
            answer = await client.post("/api/notify/test")
        assert answer.status_code == 200 and answer.json() == {"sent": 1, "gone": 1, "failed": 0}
        assert phone.decrypt(push.to("phone")[0])["body"] == "Meldingen werken op dit apparaat."
        assert push.to("piet") == [] and len((await scene.state(ANNA))["devices"]) == 1

    async def test_only_an_admin_changes_the_organisations_choices(self, scene: Scene) -> None:
        world = scene.world
        admin = await add_admin(world)
        for email, reading, changing in ((admin, 200, 200), ("wilma@example.nl", 200, 403), (ANNA, 403, 403)):
            async with world.client(email) as client:
                assert (await client.get("/api/notify/organisation")).status_code == reading, email
                answer = await client.put("/api/notify/organisation", json={"digest_at": "19:15"})
                assert answer.status_code == changing, email
        async with world.client(admin) as client:
            assert (await client.get("/api/notify/organisation")).json()["digest_at"] == "19:15"
            bad = await client.put("/api/notify/organisation", json={"urgent_kinds": ["everything"]})
            assert bad.status_code == 422

    async def test_bad_choices_and_foreign_devices_are_refused_in_words(self, scene: Scene) -> None:
        assert (await scene.preferences(ANNA, kinds=["absence"])).status_code == 422
        half = await scene.preferences(ANNA, quiet_until=None)  # 20:00 until nothing
        assert half.status_code == 422 and "begin als het einde" in half.json()["detail"]
        assert (await scene.preferences(ANNA, quiet_from="25:00", quiet_until="07:00")).status_code == 422
        elsewhere = scene.push.device("x").subscription() | {"endpoint": "https://evil.example/push/1"}
        refused = await _post(scene, ANNA, elsewhere)
        assert refused.status_code == 422 and "evil.example" in refused.json()["detail"]
        assert (await scene.subscribe(PIET, scene.push.device("piet"))).status_code == 201
        piets = (await scene.state(PIET))["devices"][0]["id"]
        async with scene.world.client(ANNA) as client:
            assert (await client.delete(f"/api/notify/subscriptions/{piets}")).status_code == 404
        async with scene.world.client(PIET) as client:
            assert (await client.delete(f"/api/notify/subscriptions/{piets}")).status_code == 204
        assert (await scene.state(PIET))["devices"] == []


async def _post(scene: Scene, email: str, body: dict[str, Any]) -> Any:
    async with scene.world.client(email) as client:
        return await client.post("/api/notify/subscriptions", json=body)
