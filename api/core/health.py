"""GET /health: is the service usable right now, and which component is not.

Health is a registry: each component adds one named check (`registry.add(...)`), and /health runs
them all at once and reports them in the order they were added. An essential component that is
down makes /health a 503 problem; any other one only makes the status "degraded", because this
service still works. The application builds its registry in `api.app.health_registry()`: the
database (essential), PostgREST, the worker's heartbeat, the scheduled jobs, the AI router and
each connector (`connector_check(name)`); a new connector adds its own with one more `add`
call. A check gets the application's `State` (`pool`, `http`, `settings`) and returns a
`Component`; one that raises or takes longer than GUARD_TIMEOUT_SECONDS is reported as down with
the exception's type as the detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import httpx
import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from api.core.db import Pool
from api.core.problems import problem

CHECK_TIMEOUT_SECONDS = 2.0
# A backstop for a check that has no timeout of its own (each check here limits itself to 2 s).
GUARD_TIMEOUT_SECONDS = CHECK_TIMEOUT_SECONDS + 1.0

ComponentStatus = Literal["up", "down"]


class Component(msgspec.Struct, frozen=True):
    status: ComponentStatus
    detail: str | None = None


class HealthReport(msgspec.Struct, frozen=True):
    status: Literal["ok", "degraded"]
    components: dict[str, Component]


HealthCheck = Callable[[State], Awaitable[Component]]


@dataclass(frozen=True)
class _Entry:
    name: str
    check: HealthCheck
    outage: str | None  # the problem's detail when this essential component is down


class HealthRegistry:
    """The components /health reports, each with its check, in the order they were added."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def add(self, name: str, check: HealthCheck, *, essential: str | None = None) -> None:
        """Report `name` from `check`. `essential` is the sentence a 503 gives when it is down
        (e.g. "The database does not answer."); without it the component is optional."""
        if name in self.names:
            raise ValueError(f"health component {name!r} is already registered")
        self._entries.append(_Entry(name, check, essential))

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self._entries]

    async def check(self, state: State) -> dict[str, Component]:
        """Every component's state, checked concurrently."""
        results = await asyncio.gather(*(_guarded(entry.check, state) for entry in self._entries))
        return {entry.name: result for entry, result in zip(self._entries, results, strict=True)}

    def outages(self, components: dict[str, Component]) -> list[str]:
        """The sentences of the essential components that are down."""
        return [
            entry.outage
            for entry in self._entries
            if entry.outage is not None and components[entry.name].status == "down"
        ]


async def _guarded(check: HealthCheck, state: State) -> Component:
    try:
        async with asyncio.timeout(GUARD_TIMEOUT_SECONDS):
            return await check(state)
    except Exception as exc:  # any failure means "down"; the type is the detail
        return Component("down", type(exc).__name__)


async def check_database(state: State) -> Component:
    pool: Pool = state.pool
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
                await conn.execute("select 1")
    except Exception as exc:
        return Component("down", type(exc).__name__)
    return Component("up")


async def check_postgrest(state: State) -> Component:
    client: httpx.AsyncClient = state.http
    admin_url: str = state.settings.postgrest.admin_url
    try:
        response = await client.get(f"{admin_url}/ready", timeout=CHECK_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return Component("down", type(exc).__name__)
    if response.status_code != 200:
        return Component("down", f"HTTP {response.status_code}")
    return Component("up")


async def check_worker(state: State) -> Component:
    """The mail worker: a heartbeat in the last minute (app.worker_heartbeats)."""
    pool: Pool = state.pool
    async with (
        asyncio.timeout(CHECK_TIMEOUT_SECONDS),
        pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn,
    ):
        row = await (await conn.execute("select * from app_private.worker_health()")).fetchone()
    if row is None:  # an aggregate always returns a row
        raise RuntimeError("worker_health() returned no row")
    if row["live_workers"]:
        return Component("up")
    return Component("down", "no worker heartbeat in the last minute")


async def check_jobs(state: State) -> Component:
    """The scheduled jobs: each succeeded within 26 hours (app_private.job_health())."""
    pool: Pool = state.pool
    async with (
        asyncio.timeout(CHECK_TIMEOUT_SECONDS),
        pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn,
    ):
        row = await (
            await conn.execute(
                "select coalesce(string_agg(job_name, ', '), '') as jobs"
                " from app_private.job_health() where not healthy"
            )
        ).fetchone()
    if row is None:  # an aggregate always returns a row
        raise RuntimeError("job_health() returned no row")
    if row["jobs"]:
        return Component("down", f"not successful for 26 hours: {row['jobs']}")
    return Component("up")


def connector_check(connector: str) -> HealthCheck:
    """A connector as the workers last used it (app_private.connector_health(), SPEC 8.1): up
    with its state (ok, degraded, unconfigured) as the detail, or down when its last call failed.
    An unconfigured connector is no error; the service works without it."""

    async def check(state: State) -> Component:
        pool: Pool = state.pool
        async with (
            asyncio.timeout(CHECK_TIMEOUT_SECONDS),
            pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn,
        ):
            row = await (
                await conn.execute(
                    "select state, last_success_at from app_private.connector_health()"
                    " where connector = %s",
                    [connector],
                )
            ).fetchone()
        if row is None:
            raise RuntimeError(f"no connector {connector} in app.connectors")
        if row["state"] == "down":
            return Component("down", "its last call failed")
        return Component("up", row["state"])

    return check


@get("/health", cache=False, summary="Component health", tags=["operations"])
async def health(state: State) -> Response[HealthReport]:
    registry: HealthRegistry = state.health
    components = await registry.check(state)
    outages = registry.outages(components)
    if outages:
        raise problem(
            503,
            "FP503",
            "The service is unavailable.",
            " ".join(outages),
            components=msgspec.to_builtins(components),
        )
    healthy = all(component.status == "up" for component in components.values())
    status: Literal["ok", "degraded"] = "ok" if healthy else "degraded"
    return Response(HealthReport(status, components), headers={"Cache-Control": "no-store"})
