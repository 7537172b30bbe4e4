"""GET /health: is the service usable right now, and which component is not.

The database is essential (503 when it does not answer); PostgREST is reported but does not
make this service unhealthy, since the public endpoints here do not depend on it.
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
    database, postgrest = await asyncio.gather(
        check_database(state.pool),
        check_postgrest(state.http, state.settings.postgrest_admin_url),
    )
    components = {"database": database, "postgrest": postgrest}
    if database.status == "down":
        raise problem(
            503,
            "FP503",
            "The service is unavailable.",
            "The database does not answer.",
            components=msgspec.to_builtins(components),
        )
    status: Literal["ok", "degraded"] = "ok" if postgrest.status == "up" else "degraded"
    return Response(HealthReport(status, components), headers={"Cache-Control": "no-store"})
