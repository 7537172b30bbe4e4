"""The Litestar service: health, metrics, OpenAPI, problem+json, request ids, user transactions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest

from api.core.auth import decode_token
from api.core.db import create_pool, user_transaction
from api.core.settings import load_settings
from tests.conftest import Cluster, Service, wait_until
from tests.smtp import SmtpServer


def test_health_reports_every_component(
    api_for: Callable[..., Service],
    postgrest: Service,
    seeded_database: str,
    smtp_server: SmtpServer,
    worker_for: Callable[..., Any],
) -> None:
    worker_for(seeded_database, smtp_server.url)
    api = api_for(seeded_database, FRESHPLAN_POSTGREST_ADMIN_URL=postgrest.admin_url)

    wait_until(
        lambda: httpx.get(f"{api.url}/health", timeout=10).json()["status"] == "ok",
        30,
        "all components up (the worker's first heartbeat)",
    )
    response = httpx.get(f"{api.url}/health", timeout=10)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "components": {
            "database": {"status": "up", "detail": None},
            "postgrest": {"status": "up", "detail": None},
            "worker": {"status": "up", "detail": None},
            "jobs": {"status": "up", "detail": None},
            "ai": {
                "status": "up",
                "detail": "not configured (no OPENAI_API_KEY or ANTHROPIC_API_KEY)",
            },
            "xentral": {"status": "up", "detail": "unconfigured"},
            "allianz": {"status": "up", "detail": "unconfigured"},
            "mail": {"status": "up", "detail": "unconfigured"},
            "kas": {"status": "up", "detail": "unconfigured"},
        },
    }
    assert response.headers["cache-control"] == "no-store"


def test_health_reports_a_stale_sweep_and_a_missing_worker(
    cluster: Cluster, api_for: Callable[..., Service], seeded_database: str
) -> None:
    with psycopg.connect(cluster.conninfo(seeded_database), autocommit=True) as conn:
        conn.execute(
            "update app.job_heartbeats set created_at = now() - interval '27 hours',"
            " last_succeeded_at = now() - interval '26 hours 1 second' where job_name = 'sweep'"
        )
    api = api_for(seeded_database)

    body = httpx.get(f"{api.url}/health", timeout=10).json()

    assert body["status"] == "degraded"
    assert body["components"]["jobs"] == {
        "status": "down",
        "detail": "not successful for 26 hours: sweep",
    }
    assert body["components"]["worker"]["status"] == "down"


def test_health_is_degraded_but_200_without_postgrest(
    api_for: Callable[..., Service], seeded_database: str
) -> None:
    api = api_for(seeded_database, FRESHPLAN_POSTGREST_ADMIN_URL="http://127.0.0.1:9")

    body = httpx.get(f"{api.url}/health", timeout=10).json()

    assert body["status"] == "degraded"
    assert body["components"]["database"]["status"] == "up"
    assert body["components"]["postgrest"]["status"] == "down"


def test_schema_is_openapi_3_1_json(api_for: Callable[..., Service], database: str) -> None:
    api = api_for(database)

    response = httpx.get(f"{api.url}/schema", timeout=10)

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "/health" in document["paths"]


def test_metrics_count_requests_in_prometheus_format(
    api_for: Callable[..., Service], database: str
) -> None:
    api = api_for(database)
    httpx.get(f"{api.url}/health", timeout=10)

    response = httpx.get(f"{api.url}/metrics", timeout=10)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "freshplan_requests_total{" in response.text
    assert 'path="/health"' in response.text


def test_unknown_path_is_a_problem_document_with_a_request_id(
    api_for: Callable[..., Service], database: str
) -> None:
    api = api_for(database)

    response = httpx.get(f"{api.url}/nope", headers={"X-Request-Id": "abc-123"}, timeout=10)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.headers["x-request-id"] == "abc-123"


def test_a_malformed_request_id_is_replaced(api_for: Callable[..., Service], database: str) -> None:
    api = api_for(database)

    response = httpx.get(
        f"{api.url}/schema", headers={"X-Request-Id": "bad id;<script>"}, timeout=10
    )

    assert response.headers["x-request-id"] != "bad id;<script>"
    assert len(response.headers["x-request-id"]) == 36


def test_user_transaction_runs_as_the_tokens_user(
    cluster: Cluster, seeded_database: str, token_for: Callable[..., str]
) -> None:
    settings = load_settings(cluster.env(seeded_database) | {"FRESHPLAN_ENV": "test"})
    claims = decode_token(token_for("rep1@freshfoodz.example"), settings.auth.jwt_secret)

    async def scenario() -> tuple[object, object, int]:
        pool = create_pool(settings)
        await pool.open()
        try:
            async with user_transaction(pool, claims, "req-1") as conn:
                row = await (
                    await conn.execute("select current_user as who, (api.whoami()).id")
                ).fetchone()
                assert row is not None
                visible = await (
                    await conn.execute("select count(*) as n from api.users")
                ).fetchone()
                assert visible is not None
            return row["who"], row["id"], int(visible["n"])
        finally:
            await pool.close()

    who, user_id, visible_users = asyncio.run(scenario())
    assert who == "sales_rep"
    assert str(user_id) == str(claims.sub)
    assert visible_users == 6  # FreshFoodz has six active users; Nordküche's are invisible


def test_user_transaction_refuses_a_deactivated_user(
    cluster: Cluster, seeded_database: str, token_for: Callable[..., str]
) -> None:
    settings = load_settings(cluster.env(seeded_database) | {"FRESHPLAN_ENV": "test"})
    claims = decode_token(token_for("rep1@freshfoodz.example"), settings.auth.jwt_secret)
    with psycopg.connect(cluster.conninfo(seeded_database), autocommit=True) as conn:
        conn.execute(
            "update app.users set active = false, deactivated_at = now() where id = %s",
            [claims.sub],
        )

    async def scenario() -> None:
        pool = create_pool(settings)
        await pool.open()
        try:
            async with user_transaction(pool, claims) as conn:
                await conn.execute("select 1")
        finally:
            await pool.close()

    with pytest.raises(psycopg.Error) as failure:
        asyncio.run(scenario())
    assert failure.value.diag.sqlstate == "PGRST"
    assert '"FP101"' in (failure.value.diag.message_primary or "")
