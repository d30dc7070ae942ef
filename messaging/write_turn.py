"""Big feed writes take turns on a node, waiting outside the database.

A post to a large audience updates one ``feed_counter`` row per recipient. When
several such posts run at once (an organisation-wide notice from two offices, a
burst of group posts to a big location), the later ones wait on the earlier one's
row locks *inside* PostgreSQL, holding a snapshot and a transaction id while they
wait. That holds back the horizon below which old row versions may be pruned:
every counter row grows a chain of versions that each later update walks. Measured
(docs/benchmarks.md, "Big audiences"): 16 concurrent writers to one 2,000-family
group cost 4.9x the database CPU per post of one writer, and were slower overall.

So a transaction about to append to at least ``TURN_AUDIENCE`` feeds first waits
for this node's turn (an ``asyncio.Lock``; before waiting it lets go of the snapshot
its last query left behind, see ``_let_go_of_snapshot``) and keeps it until its
transaction ends. Writers on other nodes still
meet in the database, as before, but at most one per node.

Rules that keep it deadlock-free:

* Only the first append of a transaction may wait: one that has already written
  counter rows (a small append earlier in the same transaction) goes ahead
  without a turn, since the turn's holder could be waiting for those rows.
* The wait is bounded (``TURN_WAIT_SECONDS``); past it the write goes ahead
  without a turn (today's behaviour, only slower), and says so in the log.
* PostgreSQL only: SQLite allows one writer at a time anyway, and a writer
  waiting here would hold the database's write lock the turn's holder needs.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

TURN_AUDIENCE = 200  # recipients in one append from which a write waits for its turn
TURN_WAIT_SECONDS = 5.0

_HOLDS = "schriftje.write_turn.holds"
_APPENDED = "schriftje.write_turn.appended"
_LISTENING = "schriftje.write_turn.listening"


class _Turn:
    """The node's turn (one per event loop) and how many writes wait for it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.waiting = 0


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turn] = weakref.WeakKeyDictionary()


def _turn() -> _Turn:
    loop = asyncio.get_running_loop()
    turn = _turns.get(loop)
    if turn is None:
        turn = _turns[loop] = _Turn()
    return turn


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or a subtransaction: the outer one still holds the rows
    session.info.pop(_APPENDED, None)
    lock = session.info.pop(_HOLDS, None)
    if lock is not None:
        lock.release()


async def before_append(session: AsyncSession, recipients: int) -> None:
    """Call before a feed append of ``recipients`` feeds in ``session``'s transaction:
    waits for this node's turn when the append is big and the first of its
    transaction; the turn is kept until the transaction commits or rolls back."""
    if session.get_bind().dialect.name != "postgresql":
        return  # no turns, so nothing to keep track of (see the module's last rule)
    info = session.info
    if not info.get(_LISTENING):
        event.listen(session.sync_session, "after_transaction_end", _transaction_ended)
        info[_LISTENING] = True
    first = not info.get(_APPENDED) and _HOLDS not in info
    info[_APPENDED] = True
    if not first or recipients < TURN_AUDIENCE:
        return
    turn = _turn()
    if turn.lock.locked():
        await _let_go_of_snapshot(session)
    turn.waiting += 1
    try:
        async with asyncio.timeout(TURN_WAIT_SECONDS):
            await turn.lock.acquire()
    except TimeoutError:
        log.warning("big feed write went ahead without its turn", extra={"recipients": recipients})
        return
    finally:
        turn.waiting -= 1
    info[_HOLDS] = turn.lock


async def _let_go_of_snapshot(session: AsyncSession) -> None:
    """Drop the snapshot this transaction still holds from its last query before it
    waits. asyncpg runs every statement in the unnamed portal, which PostgreSQL keeps,
    with its snapshot, until the next statement or the end of the transaction: a
    transaction idle after a SELECT holds back the pruning horizon as much as one
    that is running. A simple-protocol query closes that portal (measured: 16 waiting
    writers that had read their audience cost 29 ms of database CPU per post with the
    portal kept, 16 ms without)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.execute("SELECT 1")  # type: ignore[union-attr]


def waiting() -> int:
    """Big writes of this node waiting for their turn now (for tests)."""
    turn = _turns.get(asyncio.get_running_loop())
    return turn.waiting if turn is not None else 0
