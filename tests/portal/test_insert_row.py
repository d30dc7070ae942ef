"""``insert_row``: the light INSERT for one-row-per-request write paths fills in what
the database and the column defaults gave the row, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from messaging.models import DiaryEntry, GroupPost
from portal.database import insert_row
from portal.roster.models import Group
from tests.harness import Harness
from tests.messaging.conftest import build_world


async def test_the_row_is_written_and_the_instance_gets_its_id_and_defaults(harness: Harness) -> None:
    world = await build_world(harness)
    async with harness.uow() as uow:
        org = await uow.session.scalar(select(Group.organisation_id).where(Group.id == world.groups["Rupsjes"]))
        assert org is not None
        post = GroupPost(organisation_id=org, group_id=world.groups["Rupsjes"], author_id=None, body="zwemkleding")
        await insert_row(uow.session, post)
        entry = DiaryEntry(organisation_id=org, child_id=world.children["Noor"], author_id=None, body="sliep goed")
        await insert_row(uow.session, entry)
    assert post.id > 0 and entry.id > 0
    assert post.requires_ack is False and post.edited_at is None and post.deleted_at is None
    assert post.created_at.tzinfo is not None  # the column default, through the UTC type
    assert entry.media_ids == []
    async with harness.uow() as uow:
        stored = await uow.session.scalar(select(GroupPost).where(GroupPost.id == post.id))
        assert stored is not None and stored is not post
        assert (stored.body, stored.created_at, stored.requires_ack) == ("zwemkleding", post.created_at, False)


async def test_a_rolled_back_unit_of_work_leaves_no_row(harness: Harness) -> None:
    world = await build_world(harness)
    async with harness.uow() as uow:
        org = await uow.session.scalar(select(Group.organisation_id).where(Group.id == world.groups["Rupsjes"]))
    assert org is not None
    post = GroupPost(organisation_id=org, group_id=world.groups["Rupsjes"], author_id=None, body="weg")
    try:
        async with harness.uow() as uow:
            await insert_row(uow.session, post)
            raise RuntimeError("after the insert")
    except RuntimeError:
        pass
    async with harness.uow() as uow:
        assert await uow.session.scalar(select(GroupPost).where(GroupPost.body == "weg")) is None
