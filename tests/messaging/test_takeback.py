"""The take-back matrix, on both stacks: when an entitlement ends, every copy of what
it handed out goes, on every channel, within seconds, across two nodes.

Each test is one event. The change is made through node A (the test's app); the
sockets live on node B (a second app on the service stack, sharing only the
database, Redis and S3; the same app on the embedded default). For the person
whose entitlement ended, each test checks every channel that applies:

| event                 | pages | JSON API | photo URLs | archive | WS live        | WS replay | tablet |
|-----------------------|-------|----------|------------|---------|----------------|-----------|--------|
| consent withdrawn     |       | feed     | yes        | stale   | photo.retracted| yes       |        |
| guardian removed      | yes   | yes      | yes        | yes     | child.retracted| yes       |        |
| staff leaves a group  | yes   | yes      | yes        |         | group.retracted| yes       | yes    |
| account deactivated   | yes   | yes      | yes        | yes     | 4401           | 4401      | yes    |
| logout                | yes   | yes      | yes        |         | 4401           | 4401      |        |
| sign out everywhere   |       | yes      |            |         | 4401           | 4401      |        |
| password change       |       | yes      |            |         | 4401           | 4401      |        |
| app token revoked     |       | yes      |            |         | 4401           | 4401      |        |
| child purged          | yes   | yes      | yes        | yes     | child.retracted| yes       |        |
|   (account purged)    |       | yes      |            |         | 4401           | 4401      |        |
| leaving window ended  | yes   | yes      | yes        | yes     |                | yes       |        |

The races have their own tests: a withdrawal while an archive is being built, and a
deactivation while the person's socket is still replaying.

Rupsjes: Noor (Anna and Bram), Pim (Piet; Anna is Pim's guardian too in the purge
test). Ingrid works there; Kees in Boomhut; Wilma manages; Ad is the admin.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from websockets.exceptions import ConnectionClosed

from messaging import protocol
from messaging.archive import build as archive_build
from messaging.archive.models import Archive, ArchiveStatus
from messaging.hub import Hub
from messaging.models import FeedItem
from messaging.retention import RETENTION
from portal.accounts.models import AuthSession, SessionKind, TabletDevice
from portal.accounts.passwords import hash_password
from portal.accounts.service import start_session
from portal.accounts.tokens import token_hash
from portal.database import utcnow
from portal.roster.models import Child, Guardianship, Organisation, User
from schriftje.app import create_app
from tests.harness import Harness, csrf_of
from tests.media.conftest import consenting_world, set_consent, upload
from tests.media.test_photo_consent import striped
from tests.messaging.conftest import World, Ws, add_admin, serving, ws

TAKE_BACK_SECS = 5.0  # the issue's promise: on every channel, on every node
PASSWORD = "correct horse battery"
ANNA, BRAM, PIET, INGRID = "anna@example.nl", "bram@example.nl", "piet@example.nl", "ingrid@example.nl"


@dataclasses.dataclass
class Scene:
    world: World
    port_b: int  # where the sockets live
    admin: str
    photos: dict[str, int]  # "noor" (Noor tagged), "activity" (no one tagged), "together" (Noor and Pim)
    texts: dict[str, int]  # "diary", "message" (about Noor), "post" (Rupsjes)
    archives: dict[str, dict[str, Any]]  # email -> their ready archive of Noor (``archive()`` builds it)

    @property
    def harness(self) -> Harness:
        return self.world.harness

    def client(self, email: str, token: str | None = None) -> httpx.AsyncClient:
        token = token or self.world.tokens[email]
        return self.harness.client(self.world.orgs[email], headers={"authorization": f"Bearer {token}"})

    def tablet(self, cookie: str) -> httpx.AsyncClient:
        """A group tablet's browser, unlocked (its session cookie)."""
        return self.harness.client(cookies={"schriftje_session": cookie})

    async def get(self, email: str, path: str, token: str | None = None) -> httpx.Response:
        async with self.client(email, token) as client:
            return await client.get(path)

    async def urls(self, email: str) -> dict[int, str]:
        """Photo id -> the small URL of the rendition this person has (from their feed)."""
        found: dict[int, str] = {}
        for item in await self.world.feed(email):
            if item["kind"] == "photo.shared" and not item["data"].get("deleted"):
                found[item["data"]["id"]] = item["data"]["urls"]["small"]
        return found

    async def archive(self, email: str) -> dict[str, Any]:
        """This guardian's archive of Noor, built (once) before the event."""
        if email not in self.archives:
            async with self.client(email) as client:
                asked = await client.post(f"/api/children/{self.world.children['Noor']}/archive")
                assert asked.status_code == 202, asked.text
            await self.harness.run_jobs()
            built = (await self.get(email, f"/api/archives/{asked.json()['id']}")).json()
            assert built["status"] == "ready" and built["photo_count"] == 3, built
            self.archives[email] = built
        return self.archives[email]

    async def visible(self, email: str) -> set[tuple[str, int]]:
        """What this person's feed history still shows: (content, id) of everything not withheld."""
        return _shown(await self.world.feed(email))


def _shown(frames: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return {
        (f["kind"].split(".")[0], f["data"]["id"])
        for f in frames
        if f["type"] == "event" and not f["data"].get("deleted")
    }


@pytest.fixture
async def port_b(harness: Harness) -> AsyncIterator[int]:
    """Node B: a second app on the service stack (only the backends in common), the same app embedded."""
    if harness.stack == "embedded":
        async with serving(harness.app) as port:
            yield port
        return
    node_b = create_app(harness.settings)
    async with node_b.router.lifespan_context(node_b), serving(node_b) as port:
        yield port


@pytest.fixture
async def scene(harness: Harness, port_b: int) -> Scene:
    world = await consenting_world(harness)
    admin = await add_admin(world)
    async with harness.uow() as uow:  # Anna signs in with a password too (the password-change row)
        await uow.session.execute(update(User).where(User.email == ANNA).values(password_hash=hash_password(PASSWORD)))
    photos = {}
    for name, children in (("noor", ["Noor"]), ("activity", []), ("together", ["Noor", "Pim"])):
        spec = {"children": [world.children[c] for c in children], "data": striped()}
        response = await upload(world, INGRID, "Rupsjes", [spec])
        assert response.status_code == 201, response.text
        photos[name] = int(response.json()["photos"][0]["id"])
    await harness.run_jobs()
    noor, rupsjes = world.children["Noor"], world.groups["Rupsjes"]
    diary = await world.post(INGRID, f"/api/children/{noor}/diary", {"body": "Noor sliep goed"})
    message = await world.post(ANNA, f"/api/children/{noor}/messages", {"body": "Oma haalt op"})
    post = await world.post(INGRID, f"/api/groups/{rupsjes}/posts", {"body": "Zwemkleding mee"})
    assert [r.status_code for r in (diary, message, post)] == [201, 201, 201]
    texts = {"diary": diary.json()["id"], "message": message.json()["id"], "post": post.json()["id"]}
    return Scene(world, port_b, admin, photos, texts, {})


async def _new_token(scene: Scene, email: str, kind: SessionKind = SessionKind.BEARER) -> str:
    async with scene.harness.uow() as uow:
        user = await uow.session.scalar(select(User).where(User.email == email))
        assert user is not None
        token, _ = await start_session(uow.session, user, kind, label="second device")
    return token


# ---- what each channel says ------------------------------------------------------------


@asynccontextmanager
async def live(scene: Scene, email: str, token: str | None = None, *, cookie: str | None = None) -> AsyncIterator[Ws]:
    """A socket on node B that is live (replayed and ready) before the event: an app's
    (bearer ``token``) or a browser's (session ``cookie``, from the page's origin)."""
    if cookie is not None:
        opened = ws(scene.port_b, cookie=cookie, origin=f"http://kober.localhost:{scene.port_b}")
    else:
        opened = ws(scene.port_b, token=token or scene.world.tokens[email])
    async with opened as socket:
        await socket.until("ready")
        yield socket


async def retracted_within(socket: Ws, kind: str) -> dict[str, Any]:
    """The retraction the event sent, within TAKE_BACK_SECS."""
    async with asyncio.timeout(TAKE_BACK_SECS):
        while (frame := await socket.frame())["type"] != "retract" or frame["kind"] != kind:
            pass
    return frame


async def closed_within(socket: Ws) -> int:
    """The close code the server sent, within TAKE_BACK_SECS."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(TAKE_BACK_SECS):
            while True:
                await socket.frame()
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


async def replayed(scene: Scene, email: str, token: str | None = None) -> set[tuple[str, int]]:
    """What a fresh socket on node B replays from seq 0 and still shows."""
    async with ws(scene.port_b, token=token or scene.world.tokens[email]) as socket:
        frames, _ = await socket.until("ready")
    return _shown(frames)


async def refused_at_hello(scene: Scene, token: str) -> int:
    async with ws(scene.port_b, token=token) as socket:
        return await socket.closed_with()


def about_noor(scene: Scene) -> set[tuple[str, int]]:
    return {("diary_entry", scene.texts["diary"]), ("message", scene.texts["message"])}


def noor_photos(scene: Scene) -> set[tuple[str, int]]:
    return {("photo", scene.photos[p]) for p in ("noor", "together")}


async def assert_no_noor(scene: Scene, email: str, urls: dict[int, str], *, archive: bool = True) -> None:
    """Pages, the API, photo URLs and the archive: nothing of Noor for ``email`` any more."""
    noor = scene.world.children["Noor"]
    for path in (f"/archief/{noor}", f"/toestemming/{noor}"):
        assert (await scene.get(email, path)).status_code == 404, path
    for path in (f"/api/children/{noor}/diary", f"/api/children/{noor}/messages", f"/api/children/{noor}/consents"):
        assert (await scene.get(email, path)).status_code == 404, path
    home = await scene.get(email, "/")
    assert "Noor sliep goed" not in home.text and "Oma haalt op" not in home.text
    shown = await scene.visible(email)
    assert not shown & (about_noor(scene) | noor_photos(scene)), shown
    for photo in ("noor", "together"):
        assert (await scene.get(email, urls[scene.photos[photo]])).status_code == 404, photo
    if archive:
        mine = scene.archives[email]
        assert (await scene.get(email, mine["download_url"])).status_code in (404, 410)
        assert (await scene.get(email, f"/api/archives/{mine['id']}")).status_code == 404


# ---- the events ------------------------------------------------------------------------------


class TestConsentWithdrawn:
    async def test_the_photo_goes_from_url_feed_socket_replay_and_archive(self, scene: Scene) -> None:
        together = scene.photos["together"]
        url = (await scene.urls(ANNA))[together]
        archive = await scene.archive(ANNA)
        async with live(scene, ANNA) as socket:
            assert (await set_consent(scene.world, PIET, "Pim", photo_group=False)).status_code == 200
            retract = await retracted_within(socket, protocol.PHOTO_RETRACTED)
        assert retract["data"]["ref"] == {"content": "photo", "id": together}
        assert (await scene.get(ANNA, url)).status_code == 404
        assert ("photo", together) not in await scene.visible(ANNA)
        assert ("photo", together) not in await replayed(scene, ANNA)
        assert (await scene.get(ANNA, archive["download_url"])).status_code == 410  # stale: deleted
        page = (await scene.get(ANNA, f"/archief/{scene.world.children['Noor']}")).text  # says why, and rebuilds
        note = page[page.index('data-testid="archive-stale"') :].split(">", 1)[0]
        assert "hidden" not in note and "ingetrokken" in page
        rebuilt = (await scene.get(ANNA, f"/api/children/{scene.world.children['Noor']}/archive")).json()
        assert rebuilt["id"] != archive["id"] and rebuilt["status"] == "building"
        await scene.harness.run_jobs()
        fresh = (await scene.get(ANNA, f"/api/archives/{rebuilt['id']}")).json()
        assert fresh["status"] == "ready" and fresh["photo_count"] == 2  # the photo with Pim is not in it
        async with scene.harness.uow() as uow:
            old = await uow.session.get(Archive, archive["id"])
            assert old is not None and old.status is ArchiveStatus.STALE and old.object_key == ""
        assert (await scene.get(PIET, (await scene.urls(PIET))[together])).status_code == 200  # his own child


class TestGuardianRemoved:
    async def test_everything_of_the_child_goes_and_the_open_socket_is_told(self, scene: Scene) -> None:
        noor = scene.world.children["Noor"]
        bram_id = await _user_id(scene, BRAM)
        urls = await scene.urls(BRAM)
        await scene.archive(BRAM)
        assert about_noor(scene) | noor_photos(scene) <= await scene.visible(BRAM)  # before: all of it
        async with live(scene, BRAM) as socket, scene.client(scene.admin) as admin:
            removed = await admin.post(
                f"/api/admin/children/{noor}/guardians/{bram_id}/remove", json={"reason": "rechterlijke uitspraak"}
            )
            assert removed.status_code == 204, removed.text
            retract = await retracted_within(socket, protocol.CHILD_RETRACTED)
        assert retract["data"]["ref"] == {"content": "child", "id": noor}
        await assert_no_noor(scene, BRAM, urls)
        assert not (await replayed(scene, BRAM)) & (about_noor(scene) | noor_photos(scene))
        assert (await scene.get(BRAM, urls[scene.photos["activity"]])).status_code == 404  # no child in the group
        # Anna keeps everything; the log says who did what and why
        assert about_noor(scene) <= await scene.visible(ANNA)
        async with scene.client(scene.admin) as admin:
            [line] = (await admin.get("/api/admin/roster-changes")).json()["changes"]
        assert (line["action"], line["by"], line["child"], line["reason"]) == (
            "guardian_removed",
            "Ad Min",
            "Noor Visser",
            "rechterlijke uitspraak",
        )

    async def test_a_removal_needs_a_reason_and_an_admin(self, scene: Scene) -> None:
        noor, bram_id = scene.world.children["Noor"], await _user_id(scene, BRAM)
        path = f"/api/admin/children/{noor}/guardians/{bram_id}/remove"
        async with scene.client(scene.admin) as admin:
            assert (await admin.post(path, json={"reason": ""})).status_code == 422
        async with scene.client("wilma@example.nl") as manager:
            assert (await manager.post(path, json={"reason": "mag niet"})).status_code == 403
        assert about_noor(scene) <= await scene.visible(BRAM)


class TestStaffLeavesTheGroup:
    async def test_the_groups_children_posts_photos_and_tablet_are_no_longer_hers(self, scene: Scene) -> None:
        noor, rupsjes = scene.world.children["Noor"], scene.world.groups["Rupsjes"]
        urls = await scene.urls(INGRID)
        tablet = await _new_token(scene, INGRID, SessionKind.TABLET)  # her unlock of a Rupsjes tablet
        await _bind_to_tablet(scene, tablet, "Rupsjes")
        async with scene.tablet(tablet) as device:
            assert (await device.get("/api/me")).status_code == 200
        async with live(scene, INGRID) as socket, live(scene, INGRID, cookie=tablet) as on_tablet:
            org = await _org(scene)
            await scene.harness.import_staff(
                org, "name,email,role,groups\nIngrid Pauw,ingrid@example.nl,staff,Centrum/Vlinders\n"
            )
            retract = await retracted_within(socket, protocol.GROUP_RETRACTED)
            assert await closed_within(on_tablet) == protocol.CLOSE_UNAUTHENTICATED
        assert retract["data"]["ref"] == {"content": "group", "id": rupsjes}
        for path in (f"/api/children/{noor}/diary", f"/api/groups/{rupsjes}/posts", f"/api/groups/{rupsjes}/photos"):
            assert (await scene.get(INGRID, path)).status_code == 404, path
        assert (await scene.get(INGRID, f"/api/photos/{scene.photos['noor']}")).status_code == 404  # upload status
        for photo in scene.photos.values():
            assert (await scene.get(INGRID, urls[photo])).status_code == 404, photo
        assert "Zwemkleding mee" not in (await scene.get(INGRID, "/")).text
        gone = about_noor(scene) | {("group_post", scene.texts["post"])} | {("photo", p) for p in scene.photos.values()}
        assert not (await scene.visible(INGRID)) & gone
        assert not (await replayed(scene, INGRID)) & gone
        async with scene.tablet(tablet) as device:
            assert (await device.get("/api/me")).status_code == 401


class TestAccountDeactivated:
    async def test_no_sign_in_no_session_no_socket_and_nothing_delivered(self, scene: Scene) -> None:
        ingrid_id = await _user_id(scene, INGRID)
        async with scene.harness.uow() as uow:
            await uow.session.execute(
                update(User)
                .where(User.id == ingrid_id)
                .values(password_hash=hash_password(PASSWORD), activated_at=utcnow())
            )
        assert (await _login(scene, INGRID)).status_code == 303  # before: her password signs her in
        urls = await scene.urls(INGRID)
        tablet = await _new_token(scene, INGRID, SessionKind.TABLET)
        await _bind_to_tablet(scene, tablet, "Rupsjes")
        async with live(scene, INGRID) as socket, live(scene, INGRID, cookie=tablet) as on_tablet:
            async with scene.client(scene.admin) as admin:
                done = await admin.post(f"/api/admin/users/{ingrid_id}/deactivate", json={"reason": "uit dienst"})
                assert done.status_code == 204, done.text
            assert await closed_within(socket) == protocol.CLOSE_UNAUTHENTICATED
            assert await closed_within(on_tablet) == protocol.CLOSE_UNAUTHENTICATED
        assert (await scene.get(INGRID, "/api/me")).status_code == 401
        assert await refused_at_hello(scene, scene.world.tokens[INGRID]) == protocol.CLOSE_UNAUTHENTICATED
        async with scene.tablet(tablet) as device:
            assert (await device.get("/api/me")).status_code == 401
        assert (await scene.get(INGRID, urls[scene.photos["noor"]])).status_code == 401
        refused = await _login(scene, INGRID)  # the password no longer signs in, and says why
        assert refused.status_code == 403 and "beëindigd" in refused.text
        rupsjes = scene.world.groups["Rupsjes"]
        posted = await scene.world.post("wilma@example.nl", f"/api/groups/{rupsjes}/posts", {"body": "na"})
        assert posted.status_code == 201
        async with scene.harness.uow() as uow:  # she receives nothing more
            got = await uow.session.scalars(
                select(FeedItem).where(
                    FeedItem.user_id == ingrid_id,
                    FeedItem.kind == protocol.GROUP_POST_CREATED,
                    FeedItem.ref_id == posted.json()["id"],
                )
            )
            assert list(got) == []


class TestSessionsEnd:
    async def test_logout_closes_the_socket_of_that_session(self, scene: Scene) -> None:
        cookie = await _new_token(scene, ANNA, SessionKind.BROWSER)
        other = await _new_token(scene, ANNA)
        async with (
            ws(scene.port_b, cookie=cookie, origin=f"http://kober.localhost:{scene.port_b}") as socket,
            live(scene, ANNA, other) as untouched,
        ):
            await socket.until("ready")
            async with scene.harness.client(cookies={"schriftje_session": cookie}) as browser:
                page = await browser.get("/account")
                assert (await browser.post("/logout", data={"csrf_token": csrf_of(page.text)})).status_code == 303
            assert await closed_within(socket) == protocol.CLOSE_UNAUTHENTICATED
            assert await untouched.drain() == []  # another device's socket stays
        async with scene.harness.client(cookies={"schriftje_session": cookie}) as browser:
            assert (await browser.get("/api/me")).status_code == 401
            assert (await browser.get((await scene.urls(ANNA))[scene.photos["noor"]])).status_code == 401

    @pytest.mark.parametrize("how", ["sign_out_everywhere", "password_change", "token_revoked"])
    async def test_ending_sessions_from_another_device_closes_their_sockets(self, scene: Scene, how: str) -> None:
        here = await _new_token(scene, ANNA)  # the device that ends the others
        gone = scene.world.tokens[ANNA]
        async with live(scene, ANNA, gone) as socket, live(scene, ANNA, here) as stays:
            async with scene.client(ANNA, here) as client:
                csrf = {"x-csrf-token": "unused with a bearer token"}
                if how == "sign_out_everywhere":
                    response = await client.delete("/api/sessions/others", headers=csrf)
                elif how == "password_change":
                    body = {
                        "current_password": PASSWORD,
                        "password": "a new long password",
                        "password2": "a new long password",
                    }
                    response = await client.post("/api/account/password", json=body)
                else:
                    listed = (await client.get("/api/sessions")).json()["sessions"]
                    [target] = [s for s in listed if not s["current"] and s["label"] == "test"]
                    response = await client.delete(f"/api/sessions/{target['id']}")
                assert response.status_code in (200, 204), response.text
            assert await closed_within(socket) == protocol.CLOSE_UNAUTHENTICATED
            assert await stays.drain() == []
        assert (await scene.get(ANNA, "/api/feed", gone)).status_code == 401
        assert await refused_at_hello(scene, gone) == protocol.CLOSE_UNAUTHENTICATED


class TestChildPurged:
    async def test_a_guardian_who_stays_loses_the_child_live_and_a_purged_account_is_closed(self, scene: Scene) -> None:
        pim = scene.world.children["Pim"]
        async with scene.harness.uow() as uow:  # Anna is Pim's guardian too, so her account stays
            uow.session.add(Guardianship(user_id=await _user_id(scene, ANNA), child_id=pim, relation="moeder"))
        together_url = (await scene.urls(ANNA))[scene.photos["together"]]
        async with live(scene, ANNA) as socket, live(scene, PIET) as piet:
            async with scene.harness.uow() as uow:
                left = dt.date.today() - dt.timedelta(days=200)
                await uow.session.execute(update(Child).where(Child.id == pim).values(end_date=left))
            await scene.harness.rt.queue.enqueue(RETENTION)
            await scene.harness.run_jobs()
            retract = await retracted_within(socket, protocol.CHILD_RETRACTED)
            assert await closed_within(piet) == protocol.CLOSE_UNAUTHENTICATED  # his account went with Pim
        assert retract["data"]["ref"] == {"content": "child", "id": pim}
        assert (await scene.get(ANNA, f"/api/children/{pim}/diary")).status_code == 404
        assert (await scene.get(ANNA, together_url)).status_code == 200  # it shows Noor: Pim stays masked or consented
        assert await refused_at_hello(scene, scene.world.tokens[PIET]) == protocol.CLOSE_UNAUTHENTICATED


class TestLeavingWindowEnded:
    async def test_access_stops_the_day_after_the_window_without_waiting_for_the_purge(self, scene: Scene) -> None:
        urls = await scene.urls(ANNA)
        await scene.archive(ANNA)
        async with scene.harness.uow() as uow:  # Noor's window (90 days) ended yesterday; no purge has run
            left = dt.date.today() - dt.timedelta(days=92)
            await uow.session.execute(
                update(Child).where(Child.id == scene.world.children["Noor"]).values(end_date=left)
            )
        await assert_no_noor(scene, ANNA, urls)
        assert not (await replayed(scene, ANNA)) & (about_noor(scene) | noor_photos(scene))


# ---- the races -----------------------------------------------------------------------------------


class TestRaces:
    async def test_a_withdrawal_during_an_archive_build_is_not_in_what_it_publishes(
        self, scene: Scene, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The build reads its photos, then the consent is withdrawn while it writes: it
        must not publish what it wrote, but start again with what Anna may have now."""
        withdrawn = asyncio.Event()
        real = archive_build._members

        async def members_then_withdrawal(storage: Any, started: Any, progress: Any) -> Any:
            if not withdrawn.is_set():
                assert (await set_consent(scene.world, PIET, "Pim", photo_group=False)).status_code == 200
                withdrawn.set()
            async for member in real(storage, started, progress):
                yield member

        monkeypatch.setattr(archive_build, "_members", members_then_withdrawal)
        async with scene.client(ANNA) as anna:
            asked = await anna.post(f"/api/children/{scene.world.children['Noor']}/archive")
            assert asked.status_code == 202, asked.text
        await scene.harness.run_jobs()
        assert withdrawn.is_set()
        state = (await scene.get(ANNA, f"/api/archives/{asked.json()['id']}")).json()
        assert state["status"] == "ready" and state["photo_count"] == 2, state  # built again, without it

    async def test_a_deactivation_while_the_socket_replays_closes_it(self, scene: Scene) -> None:
        """The node's own hub, and a socket that takes the first frames of a long replay and
        then stops reading (a full TCP window): the account ends while the pump is stuck in
        the middle of the replay. The pump stops there, the socket gets 4401 and never
        ``ready``, and nothing after the ending is sent."""
        ingrid_id = await _user_id(scene, INGRID)
        for n in range(12):
            await scene.world.post(INGRID, f"/api/groups/{scene.world.groups['Rupsjes']}/posts", {"body": f"post {n}"})
        async with scene.harness.uow() as uow:
            session_id = await uow.session.scalar(
                select(AuthSession.id).where(AuthSession.user_id == ingrid_id, AuthSession.revoked_at.is_(None))
            )
        hub: Hub = scene.harness.rt.extras["hub"]
        socket = SlowReader(takes=5)
        conn = await hub.attach(ingrid_id, socket, 0, session_id)
        pump = asyncio.create_task(hub.run(conn, 0))
        await socket.stuck.wait()  # five frames out, the sixth is waiting: mid-replay
        async with scene.client(scene.admin) as admin:
            done = await admin.post(f"/api/admin/users/{ingrid_id}/deactivate", json={"reason": "uit dienst"})
            assert done.status_code == 204
        async with asyncio.timeout(TAKE_BACK_SECS):
            await asyncio.gather(pump, return_exceptions=True)  # the hub stopped it
        await hub.detach(conn)
        assert conn.close_code == protocol.CLOSE_UNAUTHENTICATED
        assert len(socket.sent) == 5 and "ready" not in {f["type"] for f in socket.sent}


class SlowReader:
    """A peer that reads ``takes`` frames and then stops: the next send blocks for good."""

    def __init__(self, takes: int) -> None:
        self.takes, self.sent, self.stuck = takes, [], asyncio.Event()

    async def send_text(self, data: str) -> None:
        if len(self.sent) == self.takes:
            self.stuck.set()
            await asyncio.Event().wait()  # never set: like a TCP window that stays full
        self.sent.append(json.loads(data))

    async def close(self, code: int) -> None:
        return None


# ---- helpers -------------------------------------------------------------------------------


async def _user_id(scene: Scene, email: str) -> int:
    async with scene.harness.uow() as uow:
        user_id = await uow.session.scalar(select(User.id).where(User.email == email))
    assert user_id is not None
    return int(user_id)


async def _login(scene: Scene, email: str) -> httpx.Response:
    async with scene.harness.client() as browser:
        page = await browser.get("/login")
        return await browser.post(
            "/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": PASSWORD}
        )


async def _org(scene: Scene) -> Organisation:
    async with scene.harness.uow() as uow:
        return await uow.session.scalar(select(Organisation).where(Organisation.slug == "kober"))


async def _bind_to_tablet(scene: Scene, token: str, group: str) -> None:
    """Make a tablet session (from ``_new_token``) an unlock of a registered tablet of ``group``."""
    async with scene.harness.uow() as uow:
        org = await _org(scene)
        device = TabletDevice(
            organisation_id=org.id,
            group_id=scene.world.groups[group],
            token_hash=token_hash(f"device-{token}"),
            label="iPad",
        )
        uow.session.add(device)
        await uow.session.flush()
        await uow.session.execute(
            update(AuthSession)
            .where(AuthSession.token_hash == token_hash(token))
            .values(device_id=device.id, idle_seconds=3600)
        )
