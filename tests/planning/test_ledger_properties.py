"""Properties of the append-only ledger over random histories (hypothesis): the balance
is always the sum of the lines; no lot ever gives more than it holds; credit is never
spent on a day after it expired, nor after the day it expired; giving back restores
exactly what a request took; nothing is ever changed once written."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import schriftje.schema  # noqa: F401  (every table)
from planning import ledger
from planning.calendar import credit_expires
from planning.models import LedgerEntry, PlanningRequest
from planning.rules import LANGE_KEIZER
from portal.database import Base, create_engine, create_sessionmaker
from portal.roster.models import CareType, Child, Group, Location, Organisation

START = dt.date(2027, 1, 4)
op = st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 60), st.integers(1, 2)),
    st.tuples(st.just("spend"), st.integers(0, 90), st.integers(1, 3)),
    st.tuples(st.just("give_back"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("expire"), st.integers(0, 120), st.just(0)),
    st.tuples(st.just("correct"), st.integers(0, 60), st.integers(-2, 2).filter(bool)),
)


async def _world(path: Path) -> tuple[async_sessionmaker[AsyncSession], int]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    maker = create_sessionmaker(engine)
    async with maker() as session:
        org = Organisation(slug="p", name="P")
        session.add(org)
        await session.flush()
        location = Location(organisation_id=org.id, name="L")
        session.add(location)
        await session.flush()
        group = Group(organisation_id=org.id, location_id=location.id, name="G", care_type=CareType.KDV)
        session.add(group)
        await session.flush()
        await session.commit()
        return maker, org.id


async def _history(maker: async_sessionmaker[AsyncSession], org_id: int, ops: list[tuple[str, int, int]]) -> None:
    rules = LANGE_KEIZER
    async with maker() as session:
        group = await session.scalar(select(Group).where(Group.organisation_id == org_id))
        assert group is not None
        child = Child(
            organisation_id=org_id,
            group_id=group.id,
            first_name="K",
            last_name="L",
            birth_date=dt.date(2025, 1, 1),
            start_date=dt.date(2026, 1, 1),
        )
        session.add(child)
        await session.flush()
        requests: list[int] = []
        written: dict[int, tuple[str, int]] = {}
        for n, (kind, offset, amount) in enumerate(ops):
            day = START + dt.timedelta(days=offset)
            if kind == "earn":
                session.add(
                    LedgerEntry(
                        organisation_id=org_id,
                        child_id=child.id,
                        entry=ledger.EARNED,
                        amount=amount,
                        unit=rules.unit,
                        care_type="kdv",
                        day=day,
                        expires_on=credit_expires(rules, day),
                        source=f"t:{child.id}:{n}",
                    )
                )
                await session.flush()
            elif kind == "spend":
                today = day - dt.timedelta(days=3)
                request = PlanningRequest(
                    organisation_id=org_id,
                    child_id=child.id,
                    group_id=group.id,
                    kind="extra",
                    day=day,
                    dagdelen=["ochtend"],
                    status="granted",
                    unit=rules.unit,
                )
                session.add(request)
                await session.flush()
                request_id = request.id
                before = ledger.available(await ledger.lots(session, child.id), "kdv", day, today, rules)
                taken = await ledger.spend(
                    session,
                    organisation_id=org_id,
                    child_id=child.id,
                    amount=amount,
                    care_type="kdv",
                    on_day=day,
                    today=today,
                    rules=rules,
                    request_id=request_id,
                )
                assert taken == min(amount, before)
                for line in await session.scalars(select(LedgerEntry).where(LedgerEntry.request_id == request_id)):
                    lot = await session.get_one(LedgerEntry, line.lot_id)
                    assert lot.expires_on is not None and lot.expires_on >= day and lot.expires_on >= today
                requests.append(request_id)
            elif kind == "give_back" and requests:
                request_id = requests[offset % len(requests)]
                back = await ledger.give_back(session, request_id)
                again = await ledger.give_back(session, request_id)
                assert again == 0 and back >= 0
            elif kind == "expire":
                await ledger.expire_due(session, [child.id], day)
                for lot in await ledger.lots(session, child.id):
                    if lot.expires_on < day:
                        assert lot.remaining == 0
            elif kind == "correct":
                await ledger.correct(
                    session,
                    organisation_id=org_id,
                    child_id=child.id,
                    amount=amount,
                    care_type="kdv",
                    reason="test",
                    by_user_id=None,
                    by_name="t",
                    today=day,  # type: ignore[arg-type]
                    expires_on=credit_expires(rules, day),
                    rules=rules,
                )
            for line in await session.scalars(select(LedgerEntry).where(LedgerEntry.child_id == child.id)):
                seen = written.setdefault(line.id, (line.entry, line.amount))
                assert seen == (line.entry, line.amount)  # never changed once written
            total = await session.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.child_id == child.id))
            assert await ledger.balance(session, child.id) == (total or 0)
            for lot in await ledger.lots(session, child.id):
                assert 0 <= lot.remaining <= lot.amount
        await session.rollback()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=25))
def test_the_ledger_holds_under_any_history(tmp_path: Path, ops: list[tuple[str, int, int]]) -> None:
    async def run() -> None:
        path = tmp_path / "ledger.sqlite3"
        maker, org_id = (
            await _world(path)
            if not path.exists()
            else (create_sessionmaker(create_engine(f"sqlite+aiosqlite:///{path}")), 1)
        )
        try:
            await _history(maker, org_id, ops)
        finally:
            await maker.kw["bind"].dispose()

    asyncio.run(run())
