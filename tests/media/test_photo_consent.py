"""Consent enforced through the real pipeline (both stacks): the rule matrix with real
uploads, masked renditions checked by their pixels, withdrawal with a connected
socket (retract within 5 s, URLs refused, the masked rendition re-delivered),
re-sharing after a new grant, and unblocking a blocked photo by masking.

Rupsjes: Noor (Anna and Bram), Pim (Piet). Ingrid works there and uploads.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageStat

from tests.harness import Harness
from tests.media import images
from tests.media.conftest import set_consent, upload
from tests.media.webp_check import decode
from tests.messaging.conftest import World, build_world, serving, ws

YES = {"photo": True, "photo_group": True}
OWN = {"photo": True, "photo_group": False}
NO = {"photo": False, "photo_group": False}
FAMILIES = {"Noor": ("anna@example.nl", "bram@example.nl"), "Pim": ("piet@example.nl",)}
PARENTS = ["anna@example.nl", "bram@example.nl", "piet@example.nl", "carla@example.nl", "dirk@example.nl"]
LEFT_HALF = {"x": 0.0, "y": 0.0, "w": 0.5, "h": 1.0}  # where Pim stands in the striped photo
RETRACT_WITHIN_SECS = 5.0  # the issue's promise for a connected client


@pytest.fixture
async def world(harness: Harness) -> World:
    """The messaging world where nobody has answered yet (so nobody consents)."""
    return await build_world(harness)


async def consent(world: World, **answers: dict[str, bool]) -> None:
    for child, kinds in answers.items():
        for email in FAMILIES[child]:
            response = await set_consent(world, email, child, **kinds)
            assert response.status_code == 200, response.text


def striped() -> bytes:
    """High-contrast stripes over the whole photo: a mask must flatten them where it lies."""
    picture = Image.new("RGB", (800, 600), (240, 240, 240))
    draw = ImageDraw.Draw(picture)
    for x in range(0, 800, 20):
        draw.rectangle((x, 0, x + 9, 599), fill=(0, 0, 0))
    return images.jpeg(image=picture, quality=95)


async def upload_one(world: World, children: list[str], masks: dict[str, dict] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"children": [world.children[c] for c in children], "data": striped()}
    if masks:
        spec["masks"] = {str(world.children[c]): box for c, box in masks.items()}
    response = await upload(world, "ingrid@example.nl", "Rupsjes", [spec])
    assert response.status_code == 201, response.text
    await world.harness.run_jobs()
    return dict(response.json()["photos"][0])


async def received(world: World, email: str) -> dict[int, dict[str, Any]]:
    """Photo id -> the rendition this person currently has, from their feed as a client would build it."""
    photos: dict[int, dict[str, Any]] = {}
    for item in await world.feed(email):
        if item["kind"] == "photo.shared":
            photos[item["data"]["id"]] = item["data"]
        elif item["kind"] == "photo.retracted":
            assert item["type"] == "retract"
            if "ref" in item["data"]:  # a deleted photo's retraction names nothing any more
                photos.pop(item["data"]["ref"]["id"], None)
    return photos


async def fetch(world: World, email: str, url: str):
    async with world.client(email) as client:
        return await client.get(url)


def left_contrast(data: bytes) -> float:
    image = decode(data).convert("L")
    w, h = image.size
    return float(ImageStat.Stat(image.crop((0, 0, w // 2 - 2, h))).stddev[0])


CASES = {
    # name: (consents, masks, {parent: "plain" | "masked" | None}, blocked_by)
    "all consent": ({"Noor": YES, "Pim": YES}, {}, {"anna": "plain", "bram": "plain", "piet": "plain"}, []),
    "own family only, not masked": ({"Noor": YES, "Pim": OWN}, {}, {"piet": "plain"}, []),
    "own family only, masked": (
        {"Noor": YES, "Pim": OWN},
        {"Pim": LEFT_HALF},
        {"anna": "masked", "bram": "masked", "piet": "plain"},
        [],
    ),
    "no photo consent, not masked": ({"Noor": YES, "Pim": NO}, {}, {}, ["Pim"]),
    "no photo consent, masked": (
        {"Noor": YES, "Pim": NO},
        {"Pim": LEFT_HALF},
        {"anna": "masked", "bram": "masked", "piet": "masked"},
        [],
    ),
    "one guardian unanswered": ({"Pim": YES}, {}, {}, ["Noor"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_rule_matrix_with_real_uploads(world: World, case: str) -> None:
    answers, masks, expected, blocked_by = CASES[case]
    await consent(world, **answers)
    if case == "one guardian unanswered":
        await set_consent(world, "anna@example.nl", "Noor", **YES)  # Bram never answers
    status = await upload_one(world, ["Noor", "Pim"], masks)
    staff = await received(world, "ingrid@example.nl")
    assert list(staff) == [status["id"]]  # staff always have the plain photo
    plain = staff[status["id"]]
    got: dict[str, str] = {}
    for email in PARENTS:
        photos = await received(world, email)
        if photos:
            rendition = photos[status["id"]]
            got[email.split("@")[0]] = "plain" if rendition["rendition"] == plain["rendition"] else "masked"
            for url in rendition["urls"].values():
                assert (await fetch(world, email, url)).status_code == 200
        if got.get(email.split("@")[0]) != "plain":  # nobody gets the plain photo by guessing its URL
            assert (await fetch(world, email, plain["urls"]["small"])).status_code == 404
    assert got == expected
    async with world.client("ingrid@example.nl") as client:
        photo = (await client.get(f"/api/photos/{status['id']}")).json()
    assert [c["name"].split()[0] for c in photo["blocked_by"]] == blocked_by
    assert photo["status"] == ("blocked" if blocked_by else "ready")
    if blocked_by:
        assert "Maskeer dit kind" in photo["reason_text"]
        (event,) = [f for f in await world.feed("ingrid@example.nl") if f["kind"] == "photo_upload.blocked"]
        assert event["data"]["blocked_by"][0]["name"].startswith(blocked_by[0])


async def test_a_masked_rendition_hides_the_child_in_every_derivative(world: World) -> None:
    await consent(world, Noor=YES, Pim=OWN)
    status = await upload_one(world, ["Noor", "Pim"], {"Pim": LEFT_HALF})
    masked = (await received(world, "anna@example.nl"))[status["id"]]
    plain = (await received(world, "piet@example.nl"))[status["id"]]
    assert masked["rendition"] != plain["rendition"]
    for name in ("small", "large", "display"):
        before = left_contrast((await fetch(world, "piet@example.nl", plain["urls"][name])).content)
        after = left_contrast((await fetch(world, "anna@example.nl", masked["urls"][name])).content)
        assert before > 80, name
        assert after < before / 4, (name, before, after)


async def test_withdrawal_retracts_at_once_and_redelivers_the_masked_rendition(world: World) -> None:
    await consent(world, Noor=YES, Pim=YES)
    status = await upload_one(world, ["Noor", "Pim"], {"Pim": LEFT_HALF})
    photo_id = status["id"]
    before = (await received(world, "anna@example.nl"))[photo_id]
    async with serving(world.harness.app) as port, ws(port, token=world.tokens["anna@example.nl"]) as socket:
        await socket.until("ready")
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert (await set_consent(world, "piet@example.nl", "Pim", photo_group=False)).status_code == 200
        async with asyncio.timeout(RETRACT_WITHIN_SECS):
            _, retract = await socket.until("retract")
        assert loop.time() - started < RETRACT_WITHIN_SECS
        assert retract["kind"] == "photo.retracted" and retract["data"]["ref"] == {"content": "photo", "id": photo_id}
        assert (await fetch(world, "anna@example.nl", before["urls"]["display"])).status_code == 404
        await world.harness.run_jobs()  # the worker makes the rendition with Pim masked
        (event,) = await socket.events(1)
    again = event["data"]
    assert event["kind"] == "photo.shared" and again["id"] == photo_id and again["rendition"] != before["rendition"]
    assert left_contrast((await fetch(world, "anna@example.nl", again["urls"]["large"])).content) < 20
    assert (await received(world, "anna@example.nl"))[photo_id]["rendition"] == again["rendition"]
    # history keeps no trace of the plain photo for Anna: her earlier item is now a retraction
    assert before["rendition"] not in {
        i["data"].get("rendition") for i in await world.feed("anna@example.nl") if i["kind"] == "photo.shared"
    }
    assert (await received(world, "piet@example.nl"))[photo_id]["rendition"] == before["rendition"]  # his own child


async def test_withdrawing_photo_consent_blocks_a_photo_for_everyone_and_a_grant_does_not_bring_it_back(
    world: World,
) -> None:
    await consent(world, Noor=YES, Pim=YES)
    status = await upload_one(world, ["Noor", "Pim"])
    plain = (await received(world, "piet@example.nl"))[status["id"]]
    assert (await set_consent(world, "piet@example.nl", "Pim", photo=False)).status_code == 200
    await world.harness.run_jobs()
    for email in ("anna@example.nl", "bram@example.nl", "piet@example.nl"):
        assert await received(world, email) == {}, email
        assert (await fetch(world, email, plain["urls"]["small"])).status_code == 404
    async with world.client("ingrid@example.nl") as client:
        assert (await client.get(f"/api/photos/{status['id']}")).json()["status"] == "blocked"
        assert (await client.get(plain["urls"]["small"])).status_code == 200  # staff still see what they took

    assert (await set_consent(world, "piet@example.nl", "Pim", photo=True)).status_code == 200
    await world.harness.run_jobs()
    assert await received(world, "piet@example.nl") == {}  # no republishing by itself
    async with world.client("ingrid@example.nl") as client:
        response = await client.post(f"/api/photos/{status['id']}/share", json={})
    assert response.status_code == 202
    await world.harness.run_jobs()
    assert set(await received(world, "piet@example.nl")) == {status["id"]}
    assert set(await received(world, "anna@example.nl")) == {status["id"]}


async def test_a_blocked_photo_is_unblocked_by_masking_the_child(world: World) -> None:
    await consent(world, Noor=YES, Pim=NO)
    status = await upload_one(world, ["Noor", "Pim"])
    assert await received(world, "anna@example.nl") == {}
    photo_url = f"/api/photos/{status['id']}/share"
    async with world.client("ingrid@example.nl") as client:  # the page to re-open it: the plain photo, the tags
        listed = (await client.get(f"/api/groups/{world.groups['Rupsjes']}/photos")).json()["photos"]
        [reopen] = [p for p in listed if p["id"] == status["id"]]
        assert reopen["status"] == "blocked"
        assert reopen["tags"] == [
            {"id": world.children["Noor"], "name": "Noor", "masked": False},
            {"id": world.children["Pim"], "name": "Pim", "masked": False},
        ]
        assert (await client.get(reopen["preview_url"])).status_code == 200
    for email in ("anna@example.nl", "kees@example.nl"):  # the plain photo is for the group's staff only
        assert (await fetch(world, email, reopen["preview_url"])).status_code == 404
    async with world.client("ingrid@example.nl") as client:
        outside = await client.post(
            photo_url, json={"masks": {str(world.children["Pim"]): {"x": 0.8, "y": 0, "w": 0.5, "h": 1}}}
        )
        assert outside.status_code == 422
        assert (
            await client.post(photo_url, json={"masks": {str(world.children["Pim"]): LEFT_HALF}})
        ).status_code == 202
        await world.harness.run_jobs()
        assert (await client.get(f"/api/photos/{status['id']}")).json()["status"] == "ready"
        again = await client.post(
            photo_url, json={"masks": {str(world.children["Pim"]): {"x": 0.1, "y": 0, "w": 0.2, "h": 1}}}
        )
        assert again.status_code == 409  # a mask already out in renditions is never changed
    for email in ("anna@example.nl", "piet@example.nl"):
        rendition = (await received(world, email))[status["id"]]
        assert left_contrast((await fetch(world, email, rendition["urls"]["large"])).content) < 20, email
    for email in ("kees@example.nl", "anna@example.nl"):  # staff of another group, a parent
        async with world.client(email) as client:
            assert (await client.post(photo_url, json={})).status_code == 404


async def test_an_untagged_photo_goes_to_every_family_of_the_group_without_any_consent(world: World) -> None:
    status = await upload_one(world, [])
    receivers = {email for email in PARENTS if await received(world, email)}
    assert receivers == {"anna@example.nl", "bram@example.nl", "piet@example.nl"}
    assert status["status"] == "uploaded"
