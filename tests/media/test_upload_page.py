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


async def preview(world: World, email: str, name: str, data: bytes):
    async with world.client(email) as client:
        return await client.post("/api/photos/preview-image", files={"file": (name, data, "image/heic")})


async def test_a_heic_gets_a_preview_made_upright_by_the_pipelines_decoder(world: World) -> None:
    import io

    from PIL import Image

    from tests.media import images

    response = await preview(world, "ingrid@example.nl", "IMG_0001.HEIC", images.heic(orientation=6))
    assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "private, no-store"
    shown = Image.open(io.BytesIO(response.content))
    assert shown.format == "WEBP" and shown.size == (120, 80)  # stored turned, shown upright like the photo
    red = shown.convert("RGB").getpixel((10, 10))
    assert red[0] > 200 and red[1] < 60  # red is top left, as upright


async def test_a_preview_is_for_staff_and_of_a_photo(world: World) -> None:
    assert (await preview(world, "anna@example.nl", "x.heic", b"...")).status_code == 403
    bad = await preview(world, "ingrid@example.nl", "notes.heic", b"this is not a photo at all")
    assert bad.status_code == 422 and "notes.heic" in bad.json()["detail"]
