"""Both queues run the same job functions; a repeated job id is one job."""

from __future__ import annotations

import pytest

from portal.jobs import SEND_INVITATION
from portal.roster.models import Role, User


async def add_user(harness, email: str) -> int:
    org = await harness.organisation()
    async with harness.uow() as uow:
        user = User(organisation_id=org.id, email=email, display_name="Test Persoon", role=Role.PARENT)
        uow.session.add(user)
        await uow.session.flush()
        return user.id


class TestQueue:
    async def test_same_job_id_runs_once(self, harness) -> None:
        user_id = await add_user(harness, "once@example.nl")
        for _ in range(3):
            await harness.rt.queue.enqueue(SEND_INVITATION, user_id, job_id=f"invite:{user_id}")
        await harness.run_jobs()
        assert [e.to for e in harness.outbox()] == ["once@example.nl"]

    async def test_job_for_a_deleted_user_is_a_quiet_no_op(self, harness) -> None:
        user_id = await add_user(harness, "gone@example.nl")
        async with harness.uow() as uow:
            await uow.session.delete(await uow.session.get(User, user_id))
        await harness.rt.queue.enqueue(SEND_INVITATION, user_id)
        await harness.run_jobs()
        assert harness.outbox() == []

    async def test_jobs_run_only_after_commit(self, harness) -> None:
        user_id = await add_user(harness, "rollback@example.nl")
        from portal.accounts.invitations import invite_after_commit

        try:
            async with harness.uow() as uow:
                invite_after_commit(uow, harness.rt.queue, [user_id])
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
        await harness.run_jobs()
        assert harness.outbox() == []

    async def test_every_job_key_names_its_installation(self, harness) -> None:
        if not harness.settings.redis_url:
            pytest.skip("the embedded queue keeps no keys anywhere")
        from redis.asyncio import Redis

        user_id = await add_user(harness, "keys@example.nl")
        await harness.rt.queue.enqueue(SEND_INVITATION, user_id)  # no id of ours
        await harness.rt.queue.enqueue(SEND_INVITATION, user_id, job_id=f"invite:{user_id}")
        async with Redis.from_url(harness.settings.redis_url) as redis:
            ours = [k.decode() async for k in redis.scan_iter(f"arq:job:{harness.settings.redis_prefix}:*")]
        assert len(ours) == 2
        await harness.run_jobs()
