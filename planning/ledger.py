"""The credit (tegoed) or hour budget of a child as an append-only ledger.

Nothing here updates or deletes a line. An ``earned`` line (or a positive
correction) opens a *lot* valid until its ``expires_on``; every line that takes
from a lot or gives back to it names it. A lot's remainder is its amount plus the
lines that name it; the balance is the sum of every line. Spending takes from the
lot that expires first. A fact is written once: ``source`` is unique (an absence's
day, a lot's expiry, a spent line given back)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from planning.models import LedgerEntry
from planning.rules import Rules
from portal.errors import InvalidInput

EARNED = "earned"
SPENT = "spent"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"  # the absence that earned it was taken back
RETURNED = "returned"  # a granted request was cancelled: what it spent goes back
CORRECTED = "corrected"  # the administration's correction, always with a reason
ENTRIES = (EARNED, SPENT, EXPIRED, WITHDRAWN, RETURNED, CORRECTED)
MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class Lot:
    id: int
    day: dt.date | None
    care_type: str
    amount: int
    remaining: int
    expires_on: dt.date


async def balance(session: AsyncSession, child_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.child_id == child_id)
    )
    return int(total or 0)


async def entries(session: AsyncSession, child_ids: list[int]) -> dict[int, list[LedgerEntry]]:
    """Every line of these children's ledgers, oldest first, in one query."""
    found: dict[int, list[LedgerEntry]] = {child_id: [] for child_id in child_ids}
    for line in await session.scalars(
        select(LedgerEntry).where(LedgerEntry.child_id.in_(child_ids)).order_by(LedgerEntry.id)
    ):
        found[line.child_id].append(line)
    return found


def lots_of(lines: list[LedgerEntry]) -> list[Lot]:
    """The lots in these lines with what remains of each, the first to expire first."""
    moved: dict[int, int] = {}
    for line in lines:
        if line.lot_id is not None:
            moved[line.lot_id] = moved.get(line.lot_id, 0) + line.amount
    found = [
        Lot(e.id, e.day, e.care_type, e.amount, e.amount + moved.get(e.id, 0), e.expires_on or dt.date.max)
        for e in lines
        if e.lot_id is None and e.amount > 0
    ]
    return sorted(found, key=lambda lot: (lot.expires_on, lot.id))


async def lots(session: AsyncSession, child_id: int) -> list[Lot]:
    """The child's lots with what remains of each, the first to expire first."""
    return lots_of((await entries(session, [child_id]))[child_id])


def usable(all_lots: list[Lot], care_type: str, on_day: dt.date, today: dt.date, rules: Rules) -> list[Lot]:
    """The lots that can pay for care on ``on_day``: not yet expired today, still valid on
    that day, of the same kind of care unless the rules allow another."""
    return [
        lot
        for lot in all_lots
        if lot.remaining > 0
        and lot.expires_on >= today
        and lot.expires_on >= on_day
        and (rules.cross_kind or lot.care_type == care_type)
    ]


def available(all_lots: list[Lot], care_type: str, on_day: dt.date, today: dt.date, rules: Rules) -> int:
    return sum(lot.remaining for lot in usable(all_lots, care_type, on_day, today, rules))


async def spend(
    session: AsyncSession,
    *,
    organisation_id: int,
    child_id: int,
    amount: int,
    care_type: str,
    on_day: dt.date,
    today: dt.date,
    rules: Rules,
    request_id: int,
    current: list[Lot] | None = None,
) -> int:
    """Take up to ``amount`` from the lots that expire first; what was taken. The caller
    holds the group's lock (``planning.room.lock``), so nothing is taken twice; ``current``
    are the child's lots as read under that lock, if the caller has them."""
    left = amount
    for lot in usable(
        current if current is not None else await lots(session, child_id), care_type, on_day, today, rules
    ):
        if left <= 0:
            break
        take = min(left, lot.remaining)
        session.add(
            LedgerEntry(
                organisation_id=organisation_id,
                child_id=child_id,
                entry=SPENT,
                amount=-take,
                unit=rules.unit,
                care_type=lot.care_type,
                day=on_day,
                lot_id=lot.id,
                request_id=request_id,
            )
        )
        left -= take
    await session.flush()
    return amount - left


async def give_back(session: AsyncSession, request_id: int) -> int:
    """Everything a cancelled request spent goes back to the lots it came from (a lot that
    has expired meanwhile gets it back and expires again at the next housekeeping)."""
    spent = list(
        await session.scalars(
            select(LedgerEntry).where(LedgerEntry.request_id == request_id, LedgerEntry.entry == SPENT)
        )
    )
    done = set(
        await session.scalars(
            select(LedgerEntry.source).where(LedgerEntry.source.in_([f"return:{s.id}" for s in spent]))
        )
    )
    total = 0
    for line in spent:
        if f"return:{line.id}" in done:
            continue
        session.add(
            LedgerEntry(
                organisation_id=line.organisation_id,
                child_id=line.child_id,
                entry=RETURNED,
                amount=-line.amount,
                unit=line.unit,
                care_type=line.care_type,
                day=line.day,
                lot_id=line.lot_id,
                request_id=request_id,
                source=f"return:{line.id}",
            )
        )
        total -= line.amount
    await session.flush()
    return total


def expiring(lines: list[LedgerEntry], today: dt.date) -> bool:
    """Whether a lot in ``lines`` is past its last day with something left (``expire_lines`` would write)."""
    return any(lot.remaining > 0 and lot.expires_on < today for lot in lots_of(lines))


def expire_lines(session: AsyncSession, lines: list[LedgerEntry], today: dt.date) -> int:
    """Add an ``expired`` line for what remains of every lot in ``lines`` (one child's
    ledger) whose last day is before today; how many."""
    sources = {line.source for line in lines if line.source}
    count = 0
    for lot in lots_of(lines):
        source = f"expire:{lot.id}:{today.isoformat()}"
        if lot.remaining <= 0 or lot.expires_on >= today or source in sources:
            continue
        first = next(line for line in lines if line.id == lot.id)
        session.add(
            LedgerEntry(
                organisation_id=first.organisation_id,
                child_id=first.child_id,
                entry=EXPIRED,
                amount=-lot.remaining,
                unit=first.unit,
                care_type=lot.care_type,
                day=lot.day,
                lot_id=lot.id,
                source=source,
            )
        )
        count += 1
    return count


async def expire_due(session: AsyncSession, child_ids: list[int], today: dt.date) -> int:
    """An ``expired`` line for what remains of every lot of these children whose last day
    is before today."""
    count = 0
    for lines in (await entries(session, child_ids)).values():
        count += expire_lines(session, lines, today)
    await session.flush()
    return count


async def correct(
    session: AsyncSession,
    *,
    organisation_id: int,
    child_id: int,
    amount: int,
    care_type: str,
    reason: str,
    by_user_id: int,
    by_name: str,
    today: dt.date,
    expires_on: dt.date,
    rules: Rules,
) -> list[LedgerEntry]:
    """The administration's correction: more opens a lot valid until ``expires_on``; less
    takes from the lots that expire first (and whatever they cannot cover from the
    balance itself). Never without a reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("planning.ledger.reason_required")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput("planning.ledger.reason_too_long", max=MAX_REASON_CHARS)
    if amount == 0:
        raise InvalidInput("planning.ledger.zero")
    common = {
        "organisation_id": organisation_id,
        "child_id": child_id,
        "entry": CORRECTED,
        "unit": rules.unit,
        "care_type": care_type,
        "by_user_id": by_user_id,
        "by_name": by_name,
        "reason": reason,
    }
    written: list[LedgerEntry] = []
    if amount > 0:
        written.append(LedgerEntry(**common, amount=amount, day=today, expires_on=expires_on))
    else:
        left = -amount
        for lot in usable(await lots(session, child_id), care_type, today, today, rules):
            if left <= 0:
                break
            take = min(left, lot.remaining)
            written.append(LedgerEntry(**common, amount=-take, day=today, lot_id=lot.id))
            left -= take
        if left > 0:  # more than the lots hold: the balance goes below zero, on record
            written.append(LedgerEntry(**common, amount=-left, day=today, lot_id=None))
    session.add_all(written)
    await session.flush()
    return written


async def history(session: AsyncSession, child_id: int, limit: int = 200) -> list[LedgerEntry]:
    return list(
        await session.scalars(
            select(LedgerEntry).where(LedgerEntry.child_id == child_id).order_by(LedgerEntry.id.desc()).limit(limit)
        )
    )
