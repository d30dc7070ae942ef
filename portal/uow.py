"""The unit of work: one transaction, plus side effects that wait for its commit.

Services flush; the boundary (a request handler or a job) opens a unit of
work and commits. Jobs to enqueue and events to publish are registered with
``after_commit`` and run only once the commit succeeded; a rollback drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[object]]


class UnitOfWork:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._callbacks: list[AfterCommit] = []
        self.session: AsyncSession

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """For side effects after commit that need a transaction of their own."""
        return self._sessionmaker

    def after_commit(self, callback: AfterCommit) -> None:
        self._callbacks.append(callback)

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessionmaker()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
                self._callbacks.clear()
        finally:
            await self.session.close()
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                await callback()
            except (ConnectionError, OSError, RedisError) as away:  # Redis away: the sweeper hands it off later
                log.warning("after-commit side effect could not reach a backend", extra={"error": type(away).__name__})
            except Exception:  # the data is committed; a failed side effect must not undo the response
                log.exception("after-commit side effect failed")
