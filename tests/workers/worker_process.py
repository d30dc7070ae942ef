"""A real ``schriftje worker`` process for tests: started with a stack's settings,
its log read as it comes, waited on by what it says, stopped or killed (SIGKILL).

Run as ``python -m tests.workers.worker_process`` it is ``schriftje worker`` on the
test run's clock: with ``TEST_NOW`` set, the parent passes its own current moment,
so the worker's leases and grace periods agree with the nodes' timestamps."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import sys
from typing import Any

from portal.settings import Settings, env_name
from tests import clock

LOG_WAIT_SECS = 60.0


class WorkerProcess:
    def __init__(self, settings: Settings) -> None:
        self.env = {
            **os.environ,
            **{env_name(f.name): str(getattr(settings, f.name)) for f in dataclasses.fields(settings)},
        }
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []  # every line it logged, of every run
        self._changed = asyncio.Condition()
        self._readers: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start it and return once it says it runs."""
        env = dict(self.env)
        if clock.fake_start() is not None:
            env[clock.FAKE_NOW_VAR] = dt.datetime.now(dt.UTC).isoformat()
        mark = len(self.lines)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.workers.worker_process", env=env, stderr=asyncio.subprocess.PIPE
        )
        self._readers.append(asyncio.create_task(self._read(self.process)))
        await self.said("worker running", since=mark)

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while line := (await process.stderr.readline()).decode():
            async with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    async def said(self, words: str, *, since: int = 0, count: int = 1) -> list[str]:
        """The first ``count`` lines since line ``since`` that hold ``words``, once logged."""

        def found() -> list[str]:
            return [line for line in self.lines[since:] if words in line]

        async with asyncio.timeout(LOG_WAIT_SECS), self._changed:
            await self._changed.wait_for(lambda: len(found()) >= count or not self.running)
        if len(found()) < count:
            raise AssertionError(f"the worker ended before saying {words!r}")
        return found()[:count]

    def records(self, message: str) -> list[dict[str, Any]]:
        """Its structured log records with this message."""
        return [json.loads(line) for line in self.lines if f'"msg": "{message}"' in line]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, jobs left in progress."""
        assert self.process is not None
        self.process.kill()

    async def stop(self) -> None:
        if self.process is not None:
            if self.process.returncode is None:
                self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 30)
        await asyncio.gather(*self._readers)


if __name__ == "__main__":
    from schriftje.cli import main

    clock.start()
    raise SystemExit(main(["worker"]))
