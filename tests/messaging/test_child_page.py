"""A child's own page and its photo list, on both stacks: its guardians and its group's
staff get it, nobody else; the photos are the renditions the reader was given of
photos the child is tagged in (not another child's, not an untagged group photo),
and a withdrawal takes them off the list."""

from __future__ import annotations

import pytest

from tests.harness import Harness
from tests.media.conftest import consenting_world, set_consent, upload
from tests.messaging.conftest import World


@pytest.fixture
async def world(harness: Harness) -> World:
    return await consenting_world(harness)


async def photos(world: World, email: str, child: str) -> tuple[int, list[int]]:
    async with world.client(email) as client:
        response = await client.get(f"/api/children/{world.children[child]}/photos")
    return response.status_code, [p["id"] for p in response.json().get("photos", [])] if response.is_success else []


async def test_the_page_is_for_the_childs_family_and_group_only(world: World) -> None:
    noor = world.children["Noor"]
    for email, status in (
        ("anna@example.nl", 200),
        ("ingrid@example.nl", 200),
        ("piet@example.nl", 404),
        ("kees@example.nl", 404),
        ("xenia@example.nl", 404),
    ):
        async with world.client(email) as client:
            response = await client.get(f"/kind/{noor}", headers={"accept": "text/html"})
        assert response.status_code == status, email
        if status == 200:
            assert "Noor Visser" in response.text and 'data-testid="thread"' in response.text


async def test_the_photos_are_those_of_the_child_the_reader_was_given(world: World) -> None:
    def spec(*names: str) -> dict[str, object]:
        return {"children": [world.children[n] for n in names]}

    sent = await upload(world, "ingrid@example.nl", "Rupsjes", [spec("Noor"), spec("Pim"), spec(), spec("Noor", "Pim")])
    assert sent.status_code == 201, sent.text
    only_noor, only_pim, untagged, together = (p["id"] for p in sent.json()["photos"])
    await world.harness.run_jobs()
    assert await photos(world, "anna@example.nl", "Noor") == (200, [together, only_noor])
    assert await photos(world, "ingrid@example.nl", "Noor") == (200, [together, only_noor])
    assert await photos(world, "piet@example.nl", "Pim") == (200, [together, only_pim])
    assert (await photos(world, "piet@example.nl", "Noor"))[0] == 404
    assert (await photos(world, "kees@example.nl", "Noor"))[0] == 404
    assert untagged not in (await photos(world, "anna@example.nl", "Noor"))[1]

    assert (await set_consent(world, "piet@example.nl", "Pim", photo_group=False)).status_code == 200
    await world.harness.run_jobs()  # the photo with Pim has no mask: Noor's family no longer gets it
    assert await photos(world, "anna@example.nl", "Noor") == (200, [only_noor])
