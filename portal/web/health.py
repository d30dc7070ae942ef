"""``/healthz`` (the process answers) and ``/readyz`` (every dependency answers).

Readiness runs each registered check (database, Redis, storage) with a timeout
and reports per component in JSON; any failure makes the answer 503 so a load
balancer stops sending traffic. Error texts name the exception kind only.
"""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import JSONResponse

from portal.runtime import ReadinessCheck, Runtime

CHECK_TIMEOUT_SECS = 3.0


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


async def run_checks(checks: dict[str, ReadinessCheck]) -> dict[str, dict[str, object]]:
    async def one(check: ReadinessCheck) -> dict[str, object]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECS):
                detail = await check()
        except Exception as exc:  # a readiness probe reports, it never raises
            return {"ok": False, "error": type(exc).__name__}
        result: dict[str, object] = {
            "ok": True,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if isinstance(detail, str):
            result["backend"] = detail
        return result

    names = list(checks)
    results = await asyncio.gather(*(one(checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


async def readyz(request: Request) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    components = await run_checks(rt.readiness)
    ok = all(component["ok"] for component in components.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "components": components},
        status_code=200 if ok else 503,
        headers={"cache-control": "no-store"},
    )
