"""Leaving on both stacks: an admin sets a child's last day; afterwards its family
reads but cannot post, sees the deadline on every page, gets one e-mail when the
window starts and one 14 days before it ends (each once); the admin sees who
leaves when, whether the family downloaded its archive, and the purge date."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update

from messaging.leaving import notices
from messaging.leaving.models import LeavingNotice
from messaging.retention import RETENTION
from portal.roster.models import Child, User
from tests.clock import NOON
from tests.harness import csrf_of
from tests.messaging.conftest import World, add_admin

pytestmark = pytest.mark.usefixtures("noon")  # days and windows: never across a midnight
TODAY = NOON.date()  # the organisation's today, for the whole module
WINDOW = 90


@pytest.fixture
async def admin(world: World) -> str:
    return await add_admin(world)


async def set_end(world: World, child: str, end: dt.date | None) -> None:
    async with world.harness.uow() as uow:
        await uow.session.execute(update(Child).where(Child.id == world.children[child]).values(end_date=end))


async def put_end(world: World, email: str, child_id: int, value: object):
    async with world.client(email) as client:
        return await client.put(f"/api/admin/children/{child_id}/end-date", json={"end_date": value})


async def run_retention(world: World) -> None:
    await world.harness.rt.queue.enqueue(RETENTION)
    await world.harness.run_jobs()


def leaving_mails(world: World) -> list:
    return [m for m in world.harness.outbox() if "/archief/" in m.body]


class TestSettingTheLastDay:
    async def test_an_admin_sets_and_clears_it(self, world: World, admin: str) -> None:
        noor = world.children["Noor"]
        end = TODAY + dt.timedelta(days=30)
        response = await put_end(world, admin, noor, end.isoformat())
        assert response.status_code == 200 and response.json() == {"id": noor, "end_date": end.isoformat()}
        async with world.harness.uow() as uow:
            assert (await uow.session.get(Child, noor)).end_date == end  # type: ignore[union-attr]
        cleared = await put_end(world, admin, noor, None)
        assert cleared.status_code == 200 and cleared.json()["end_date"] is None

    @pytest.mark.parametrize(
        ("value", "words"),
        [
            ("2020-01-01", "niet voor de eerste dag (2024-09-01)"),  # before the start date
            ((TODAY - dt.timedelta(days=WINDOW + 5)).isoformat(), "meteen verwijderen"),  # would purge at once
            ("31-12-2026", "'31-12-2026' is not a date (YYYY-MM-DD)"),
            (12, "end_date must be a date"),
        ],
    )
    async def test_a_nonsense_or_destructive_date_is_refused_with_a_reason(
        self, world: World, admin: str, value: object, words: str
    ) -> None:
        response = await put_end(world, admin, world.children["Noor"], value)
        assert response.status_code == 422, response.text
        assert words in response.json()["detail"]
        async with world.harness.uow() as uow:
            assert (await uow.session.get(Child, world.children["Noor"])).end_date is None  # type: ignore[union-attr]

    @pytest.mark.parametrize("email", ["wilma@example.nl", "ingrid@example.nl", "anna@example.nl"])
    async def test_only_admins_set_it(self, world: World, email: str) -> None:
        assert (await put_end(world, email, world.children["Noor"], "2030-01-01")).status_code == 403

    async def test_not_for_a_child_of_another_organisation(self, world: World, admin: str) -> None:
        assert (await put_end(world, admin, world.children["Xander"], "2030-01-01")).status_code == 404


class TestAfterTheLastDay:
    async def test_the_family_reads_but_cannot_post_and_is_told_why(self, world: World) -> None:
        await set_end(world, "Noor", TODAY - dt.timedelta(days=2))
        noor = world.children["Noor"]
        async with world.client("anna@example.nl") as client:
            assert (await client.get(f"/api/children/{noor}/diary")).status_code == 200
            for path in ("diary", "messages"):
                refused = await client.post(f"/api/children/{noor}/{path}", json={"body": "Hallo"})
                assert refused.status_code == 409, refused.text
                assert "Noor is vertrokken" in refused.json()["detail"]
        async with world.client("ingrid@example.nl") as client:  # staff: the child is simply gone
            assert (await client.post(f"/api/children/{noor}/diary", json={"body": "x"})).status_code == 404

    async def test_every_page_and_api_me_show_the_deadline(self, world: World) -> None:
        end = TODAY - dt.timedelta(days=2)
        await set_end(world, "Noor", end)
        last = end + dt.timedelta(days=WINDOW)
        async with world.client("anna@example.nl") as client:
            me = (await client.get("/api/me")).json()
            assert me["leaving"] == [
                {
                    "child_id": world.children["Noor"],
                    "end_date": end.isoformat(),
                    "access_until": last.isoformat(),
                    "left": True,
                }
            ]
            for path in ("/", f"/archief/{world.children['Noor']}"):
                page = await client.get(path)
                assert page.status_code == 200
                assert 'data-testid="deadlines"' in page.text and "Noor is vertrokken" in page.text, path
                assert f"{last.day} " in page.text and f'href="/archief/{world.children["Noor"]}"' in page.text
        async with world.client("piet@example.nl") as client:
            assert 'data-testid="deadlines"' not in (await client.get("/")).text
            assert (await client.get("/api/me")).json()["leaving"] == []

    async def test_a_coming_last_day_is_announced_before_it_comes(self, world: World) -> None:
        await set_end(world, "Noor", TODAY + dt.timedelta(days=20))
        async with world.client("bram@example.nl") as client:
            page = (await client.get("/")).text
        assert "De laatste dag van Noor is" in page


class TestLeavingMails:
    async def test_one_mail_when_the_window_starts_and_one_fourteen_days_before_it_ends(self, world: World) -> None:
        await set_end(world, "Noor", TODAY - dt.timedelta(days=1))
        await run_retention(world)
        started = leaving_mails(world)
        assert sorted(m.to for m in started) == ["anna@example.nl", "bram@example.nl"]
        last = TODAY - dt.timedelta(days=1) + dt.timedelta(days=WINDOW)
        assert all(f"{last.day} " in m.subject and "download alles" in m.subject for m in started)
        assert all(m.links[-1].endswith(f"/archief/{world.children['Noor']}") for m in started)
        await run_retention(world)
        assert len(leaving_mails(world)) == 2  # sent once, whatever the number of runs

        await set_end(world, "Noor", TODAY - dt.timedelta(days=WINDOW - 14))  # 14 days of reading left
        await run_retention(world)
        reminders = [m for m in leaving_mails(world) if m.subject.startswith("Nog ")]
        assert sorted(m.to for m in reminders) == ["anna@example.nl", "bram@example.nl"]
        assert all("Nog 14 dagen" in m.subject for m in reminders)
        await run_retention(world)
        assert len(leaving_mails(world)) == 4

    async def test_a_short_window_gets_one_mail_not_two_in_one_day(self, world: World) -> None:
        await set_end(world, "Noor", TODAY - dt.timedelta(days=WINDOW - 3))  # set late: 3 days left
        await run_retention(world)
        mails = leaving_mails(world)
        assert sorted(m.to for m in mails) == ["anna@example.nl", "bram@example.nl"]
        async with world.harness.uow() as uow:
            kinds = sorted(n.kind.value for n in await uow.session.scalars(select(LeavingNotice)))
        assert kinds == ["reminder", "reminder", "started", "started"]
        await run_retention(world)
        assert len(leaving_mails(world)) == 2

    async def test_no_mail_for_current_children_or_after_the_window(self, world: World) -> None:
        await set_end(world, "Pim", TODAY + dt.timedelta(days=3))  # not left yet
        await run_retention(world)  # Oud left in 2020: purged, never mailed
        assert leaving_mails(world) == []

    async def test_in_the_guardians_language(self, world: World) -> None:
        async with world.harness.uow() as uow:
            await uow.session.execute(update(User).where(User.email == "bram@example.nl").values(language="en"))
        await set_end(world, "Noor", TODAY - dt.timedelta(days=1))
        await run_retention(world)
        by_to = {m.to: m for m in leaving_mails(world)}
        assert "download everything" in by_to["bram@example.nl"].subject
        assert "download alles" in by_to["anna@example.nl"].subject

    async def test_a_failed_send_records_nothing_and_the_next_run_sends_it(self, world: World) -> None:
        await set_end(world, "Noor", TODAY - dt.timedelta(days=1))

        class Down:
            async def send(self, message: EmailMessage) -> None:
                raise ConnectionRefusedError("the SMTP server is down")

        rt = world.harness.rt
        assert await notices.send_due(rt.sessionmaker, Down(), rt.settings) == 0
        async with world.harness.uow() as uow:
            assert list(await uow.session.scalars(select(LeavingNotice))) == []
        assert await notices.send_due(rt.sessionmaker, rt.mailer, rt.settings) == 2
        assert len(leaving_mails(world)) == 2


class TestAdminOverview:
    async def test_who_leaves_when_who_downloaded_and_the_purge_date(self, world: World, admin: str) -> None:
        end = TODAY - dt.timedelta(days=5)
        await set_end(world, "Noor", end)
        await set_end(world, "Pim", TODAY + dt.timedelta(days=40))
        async with world.client("anna@example.nl") as client:
            asked = (await client.post(f"/api/children/{world.children['Noor']}/archive")).json()
            await world.harness.run_jobs()
            url = f"/api/archives/{asked['id']}/download"
            assert (await client.get(url, headers={"range": "bytes=0-9"})).status_code == 206
        async with world.client(admin) as client:
            rows = (await client.get("/api/admin/leaving")).json()["children"]
        assert [r["child"]["name"] for r in rows] == ["Noor Visser", "Pim Jansen"]  # Oud is long purged-due
        assert rows[0]["downloaded"] is False  # the first ten bytes are not a download
        async with world.client("anna@example.nl") as client:
            assert (await client.get(url, headers={"range": "bytes=10-"})).status_code == 206
        async with world.client("wilma@example.nl") as client:  # managers see it too
            rows = (await client.get("/api/admin/leaving")).json()["children"]
        noor = rows[0]
        assert noor["downloaded"] is True and noor["state"] == "left"
        assert noor["end_date"] == end.isoformat()
        assert noor["access_until"] == (end + dt.timedelta(days=WINDOW)).isoformat()
        assert noor["purge_on"] == (end + dt.timedelta(days=WINDOW + 1)).isoformat()
        by_name = {g["name"]: g for g in noor["guardians"]}
        assert (
            by_name["Anna Visser"]["downloaded_at"] is not None and by_name["Anna Visser"]["archive_status"] == "ready"
        )
        assert by_name["Bram Visser"]["downloaded_at"] is None and by_name["Bram Visser"]["archive_status"] is None
        assert rows[1]["state"] == "leaving" and rows[1]["downloaded"] is False

    @pytest.mark.parametrize("email", ["ingrid@example.nl", "anna@example.nl"])
    async def test_staff_and_parents_do_not_see_it(self, world: World, email: str) -> None:
        async with world.client(email) as client:
            assert (await client.get("/api/admin/leaving")).status_code == 403
            assert (await client.get("/vertrek")).status_code == 403

    async def test_the_page_lists_them_and_its_form_sets_a_last_day(self, world: World, admin: str) -> None:
        await set_end(world, "Noor", TODAY - dt.timedelta(days=5))
        async with world.client(admin) as client:
            page = await client.get("/vertrek")
            assert page.status_code == 200 and "Noor Visser" in page.text and "niet gedownload" in page.text
            end = TODAY + dt.timedelta(days=10)
            saved = await client.post(
                "/vertrek",
                data={
                    "csrf_token": csrf_of(page.text),
                    "child_id": str(world.children["Pim"]),
                    "end_date": end.isoformat(),
                },
            )
            assert saved.status_code == 303 and saved.headers["location"] == "/vertrek?saved=1"
            assert "Pim Jansen" in (await client.get("/vertrek?saved=1")).text
        async with world.harness.uow() as uow:
            assert (await uow.session.get(Child, world.children["Pim"])).end_date == end  # type: ignore[union-attr]


class TestDownloadPage:
    async def test_for_the_guardian_only(self, world: World) -> None:
        path = f"/archief/{world.children['Noor']}"
        async with world.client("anna@example.nl") as client:
            page = await client.get(path)
            assert page.status_code == 200 and 'data-testid="archive-start"' in page.text
            assert (await client.get(f"/api/children/{world.children['Noor']}/archive")).status_code == 404
            asked = await client.post(f"/api/children/{world.children['Noor']}/archive")
            mine = await client.get(f"/api/children/{world.children['Noor']}/archive")
            assert mine.status_code == 200 and mine.json()["id"] == asked.json()["id"]
        for email in ("piet@example.nl", "ingrid@example.nl", "xenia@example.nl"):
            async with world.client(email) as client:
                assert (await client.get(path)).status_code == 404, email

    async def test_the_link_in_the_mail_survives_signing_in(self, world: World) -> None:
        path = f"/archief/{world.children['Noor']}"
        async with world.harness.client("kober") as browser:
            await world.harness.activate(browser, "anna@example.nl", "correct horse battery")
            await browser.post("/logout", data={"csrf_token": csrf_of((await browser.get("/")).text)})
            bounced = await browser.get(path)
            assert bounced.status_code == 303 and bounced.headers["location"] == "/login?next=%2Farchief%2F" + str(
                world.children["Noor"]
            )
            form = await browser.get(bounced.headers["location"])
            assert f'name="next" value="{path}"' in form.text
            fields = {"csrf_token": csrf_of(form.text), "email": "anna@example.nl", "password": "correct horse battery"}
            back = await browser.post("/login", data={**fields, "next": path})
            assert back.status_code == 303 and back.headers["location"] == path
            await browser.post("/logout", data={"csrf_token": csrf_of((await browser.get(path)).text)})
            form = await browser.get("/login")
            elsewhere = await browser.post(
                "/login", data={**fields, "csrf_token": csrf_of(form.text), "next": "//evil.example"}
            )
            assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/"  # never off-site
