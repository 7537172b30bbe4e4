"""The health registry: components report in the order they were added, a failing check is "down"
with its exception's type, and only an essential component that is down is an outage (503).
The real /health over HTTP is in test_service.py and test_health_faults.py."""

from __future__ import annotations

import asyncio

import pytest
from litestar.datastructures import State

from api.app import health_registry
from api.core.health import Component, HealthRegistry


async def _up(_: State) -> Component:
    return Component("up")


async def _down(_: State) -> Component:
    return Component("down", "not today")


async def _broken(_: State) -> Component:
    raise ConnectionResetError("gone")


def test_the_app_registers_database_postgrest_worker_jobs_ai_and_the_connectors() -> None:
    assert health_registry().names == [
        "database", "postgrest", "worker", "jobs", "ai", "xentral", "allianz", "mail", "kas",
    ]  # fmt: skip


def test_a_component_adds_itself_and_reports_in_order() -> None:
    registry = HealthRegistry()
    registry.add("database", _up, essential="The database does not answer.")
    registry.add("xentral", _broken)
    registry.add("imap", _down)

    components = asyncio.run(registry.check(State()))

    assert list(components) == ["database", "xentral", "imap"]
    assert components["xentral"] == Component("down", "ConnectionResetError")
    assert components["imap"] == Component("down", "not today")
    assert registry.outages(components) == []  # optional components only degrade


def test_an_essential_component_down_is_an_outage() -> None:
    registry = HealthRegistry()
    registry.add("database", _broken, essential="The database does not answer.")
    registry.add("postgrest", _down)

    components = asyncio.run(registry.check(State()))

    assert registry.outages(components) == ["The database does not answer."]


def test_a_name_is_registered_once() -> None:
    registry = HealthRegistry()
    registry.add("database", _up)
    with pytest.raises(ValueError, match="database"):
        registry.add("database", _down)
