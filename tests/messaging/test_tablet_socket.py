"""A group tablet's live socket belongs to the person who unlocked it: it delivers
while they are unlocked and closes with 4401 once the tablet locks (the lock
button, or the idle time passing), so a locked tablet shows nothing new."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from messaging import protocol
from portal.accounts.models import AuthSession
from portal.accounts.passwords import hash_password
from portal.accounts.pins import hash_pin
from portal.database import utcnow
from portal.roster.models import User
from tests.harness import csrf_of
from tests.messaging.conftest import World, ws

INGRID = "ingrid@example.nl"
PIN = "2580"
PASSWORD = "correct horse battery"


async def unlocked_tablet(world: World) -> tuple[dict[str, str], str]:
    """Ingrid sets a Rupsjes tablet up and unlocks it: (the tablet's cookies, a CSRF token)."""
    async with world.harness.uow() as uow:
        ingrid = await uow.session.scalar(select(User).where(User.email == INGRID))
        assert ingrid is not None
        ingrid.pin_hash = hash_pin(PIN, ingrid.id, world.harness.rt.settings.secret_key)
        ingrid.password_hash = hash_password(PASSWORD)
        ingrid.activated_at = utcnow()
        ingrid_id = ingrid.id
    async with world.client(INGRID) as owner:
        page = await owner.get("/tablet")
        form = {"csrf_token": csrf_of(page.text), "group_id": world.groups["Rupsjes"], "password": PASSWORD}
        assert (await owner.post("/tablet", data=form)).status_code == 303
        device = owner.cookies["schriftje_tablet"]
    async with world.harness.client(cookies={"schriftje_tablet": device}) as tablet:
        page = await tablet.get("/tablet")
        response = await tablet.post(
            "/tablet/unlock", data={"csrf_token": csrf_of(page.text), "user_id": ingrid_id, "pin": PIN}
        )
        assert response.status_code == 303, response.text
        home = await tablet.get("/")
        return dict(tablet.cookies), csrf_of(home.text)


class TestTabletSocket:
    async def test_delivers_while_unlocked_and_closes_when_locked(self, world: World, port: int) -> None:
        cookies, csrf = await unlocked_tablet(world)
        async with ws(port, cookie=cookies["schriftje_session"], origin=f"http://kober.localhost:{port}") as socket:
            await socket.until("ready")
            posted = await world.post(INGRID, f"/api/groups/{world.groups['Rupsjes']}/posts", {"body": "Fruit mee"})
            assert posted.status_code == 201
            [event] = await socket.events(1)
            assert event["data"]["body"] == "Fruit mee"
            async with world.harness.client(cookies=cookies) as tablet:
                locked = await tablet.post("/tablet/lock", data={"csrf_token": csrf})
                assert locked.status_code == 303
            assert await socket.closed_with() == protocol.CLOSE_UNAUTHENTICATED

    async def test_closes_when_the_idle_time_passes(self, world: World, port: int) -> None:
        cookies, _ = await unlocked_tablet(world)
        async with ws(port, cookie=cookies["schriftje_session"], origin=f"http://kober.localhost:{port}") as socket:
            await socket.until("ready")
            async with world.harness.uow() as uow:
                session = await uow.session.scalar(select(AuthSession).where(AuthSession.device_id.is_not(None)))
                assert session is not None
                session.expires_at = utcnow() - dt.timedelta(seconds=1)  # nobody touched it for too long
            assert await socket.closed_with() == protocol.CLOSE_UNAUTHENTICATED
