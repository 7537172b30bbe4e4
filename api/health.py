"""GET /health: is the service usable right now, and which component is not.

The database is essential (503 when it does not answer). PostgREST, the mail worker (a
heartbeat in the last minute) and the scheduled jobs (the sweep succeeded within 26 hours) are
reported as components; when one is down the status is "degraded": this service still works.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import httpx
import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from api.db import Pool
from api.problems import problem

CHECK_TIMEOUT_SECONDS = 2.0

ComponentStatus = Literal["up", "down"]


class Component(msgspec.Struct, frozen=True):
    status: ComponentStatus
    detail: str | None = None


class HealthReport(msgspec.Struct, frozen=True):
    status: Literal["ok", "degraded"]
    components: dict[str, Component]


async def check_database(pool: Pool) -> Component:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
                await conn.execute("select 1")
    except Exception as exc:
        return Component("down", type(exc).__name__)
    return Component("up")


async def check_background(pool: Pool) -> tuple[Component, Component]:
    """The mail worker's heartbeat and the scheduled jobs' health, from the database."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
                worker = await (
                    await conn.execute("select * from app_private.worker_health()")
                ).fetchone()
                stale = await (
                    await conn.execute(
                        "select coalesce(string_agg(job_name, ', '), '') as jobs"
                        " from app_private.job_health() where not healthy"
                    )
                ).fetchone()
    except Exception as exc:  # any failure means "down"; the type is the detail
        down = Component("down", type(exc).__name__)
        return down, down
    if worker is None or stale is None:  # aggregates always return a row
        raise RuntimeError("health queries returned no row")
    worker_component = (
        Component("up")
        if worker["live_workers"]
        else Component("down", "no worker heartbeat in the last minute")
    )
    jobs_component = (
        Component("down", f"not successful for 26 hours: {stale['jobs']}")
        if stale["jobs"]
        else Component("up")
    )
    return worker_component, jobs_component


async def check_postgrest(client: httpx.AsyncClient, admin_url: str) -> Component:
    try:
        response = await client.get(f"{admin_url}/ready", timeout=CHECK_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return Component("down", type(exc).__name__)
    if response.status_code != 200:
        return Component("down", f"HTTP {response.status_code}")
    return Component("up")


@get("/health", cache=False, summary="Component health", tags=["operations"])
async def health(state: State) -> Response[HealthReport]:
    database, postgrest, (worker, jobs) = await asyncio.gather(
        check_database(state.pool),
        check_postgrest(state.http, state.settings.postgrest_admin_url),
        check_background(state.pool),
    )
    components = {"database": database, "postgrest": postgrest, "worker": worker, "jobs": jobs}
    if database.status == "down":
        raise problem(
            503,
            "FP503",
            "The service is unavailable.",
            "The database does not answer.",
            components=msgspec.to_builtins(components),
        )
    healthy = all(component.status == "up" for component in components.values())
    status: Literal["ok", "degraded"] = "ok" if healthy else "degraded"
    return Response(HealthReport(status, components), headers={"Cache-Control": "no-store"})
