"""Forgotten password: a one-time link that sets a new password and ends old sessions."""

from __future__ import annotations

import httpx

from tests.harness import ROSTER, csrf_of, login


class TestPasswordReset:
    async def test_reset_link_sets_a_new_password_and_ends_other_sessions(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        async with harness.client() as laptop:
            await harness.activate(laptop, "anna@example.nl", "first password 1")
            assert (await laptop.get("/")).status_code == 200
            async with harness.client() as phone:
                page = await phone.get("/forgot")
                await phone.post("/forgot", data={"csrf_token": csrf_of(page.text), "email": "anna@example.nl"})
                await harness.run_jobs()
                link = next(x for x in harness.links_for("anna@example.nl") if "/reset/" in x)
                path = httpx.URL(link).path
                form = await phone.get(path)
                assert form.status_code == 200
                done = await phone.post(
                    path,
                    data={
                        "csrf_token": csrf_of(form.text),
                        "password": "second password 2",
                        "password2": "second password 2",
                    },
                )
                assert done.status_code == 303
                assert (await phone.get("/")).status_code == 200
                assert (await phone.get(path)).status_code == 410
            assert (await laptop.get("/")).status_code == 303  # the laptop's old session is gone
        async with harness.client() as client:
            assert (await login(client, "anna@example.nl", "first password 1")).status_code == 401
            assert (await login(client, "anna@example.nl", "second password 2")).status_code == 303

    async def test_reset_mail_is_not_sent_twice_a_minute_for_ever(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        async with harness.client() as client:
            page = await client.get("/forgot")
            for _ in range(6):
                await client.post("/forgot", data={"csrf_token": csrf_of(page.text), "email": "carla@example.nl"})
        await harness.run_jobs()
        resets = [e for e in harness.outbox() if e.to == "carla@example.nl" and "/reset/" in "".join(e.links)]
        assert len(resets) == 3
