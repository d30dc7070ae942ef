"""The tablet's photo page over HTTP: staff get it with their own groups only; parents
are refused; a visitor who is not signed in is sent to the login and back."""

from __future__ import annotations

from tests.messaging.conftest import World


async def test_staff_get_the_page_with_their_groups_only(world: World) -> None:
    async with world.client("ingrid@example.nl") as client:
        page = await client.get("/fotos")
    assert page.status_code == 200
    assert f'<option value="{world.groups["Rupsjes"]}">Rupsjes' in page.text
    assert f'<option value="{world.groups["Vlinders"]}">' not in page.text
    assert 'src="/static/upload.js"' in page.text


async def test_parents_are_refused_and_visitors_sent_to_the_login(world: World) -> None:
    async with world.client("anna@example.nl") as client:
        assert (await client.get("/fotos")).status_code == 403
    async with world.harness.client("kober") as anonymous:
        response = await anonymous.get("/fotos")
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
