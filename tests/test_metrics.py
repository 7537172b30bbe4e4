"""/metrics (SPEC 9): every figure of the database per tenant, consistent with the tables it comes
from, next to the service's request histograms; on an internal listener of its own when
FRESHPLAN_METRICS_PORT is set; and a page that still comes when the database is gone."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Callable

import httpx

from tests.conftest import ROOT, Cluster, Service, free_port
from tests.metrics_support import TENANTS, parse, seed_metric_figures
from tests.test_xentral_products import sql

PER_TENANT = [
    "freshplan_lead_protection_active_count",
    "freshplan_lead_protection_grace_count",
    "freshplan_lead_protection_expired_count",
    "freshplan_ai_cost_eur_day",
    "freshplan_ai_calls_total",
    "freshplan_ai_small_large_ratio",
    "freshplan_credit_check_p95_ms",
    "freshplan_integration_jobs_backlog",
    "freshplan_ai_budget_used_percent",
    "freshplan_lead_protection_expiries_day",
    "freshplan_alert_threshold",
]


def by_tenant(
    samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> dict[str, float]:
    return {
        found["tenant"]: value
        for found, value in samples[name]
        if "tenant" in found and all(found.get(key) == wanted for key, wanted in labels.items())
    }


def test_metrics_export_every_tenants_figures_as_the_database_has_them(
    api_for: Callable[..., Service], cluster: Cluster, seeded_database: str
) -> None:
    db = seeded_database
    seed_metric_figures(cluster, db)
    sql(
        cluster, db,
        "insert into app.jobs (tenant_id, kind) select id, 'xentral.products' from app.tenants"
        " where slug = 'freshfoodz'",
    )  # fmt: skip
    api = api_for(db)
    httpx.get(f"{api.url}/health", timeout=10)

    response = httpx.get(f"{api.url}/metrics", timeout=10)

    assert response.status_code == 200
    samples = parse(response.text)
    for name in PER_TENANT:
        assert set(by_tenant(samples, name)) == set(TENANTS), name
    assert samples["freshplan_metrics_database_up"] == [({}, 1.0)]
    assert any(labels.get("path") == "/health" for labels, _ in samples["freshplan_requests_total"])

    snapshot_query = (
        "select t.slug, k.leads_active, k.leads_grace, k.leads_expired from app.kpi_daily as k"
        " join app.tenants as t on t.id = k.tenant_id where not k.final"
    )
    live_query = (
        "select t.slug, count(*) filter (where o.status = 'ACTIVE'),"
        " count(*) filter (where o.status = 'GRACE'),"
        " count(*) filter (where o.status = 'EXPIRED')"
        " from app.tenants as t left join app.lead_overview as o on o.tenant_id = t.id"
        " group by t.slug"
    )
    snapshot = {slug: counts for slug, *counts in sql(cluster, db, snapshot_query)}
    live = {slug: counts for slug, *counts in sql(cluster, db, live_query)}
    assert snapshot == live
    for status, index in (("active", 0), ("grace", 1), ("expired", 2)):
        exported = by_tenant(samples, f"freshplan_lead_protection_{status}_count")
        assert exported == {slug: float(counts[index]) for slug, counts in live.items()}, status

    # two small answers, one large, one from the cache per tenant (metrics_support)
    for tier, calls in (("small", 2.0), ("large", 1.0)):
        exported = by_tenant(samples, "freshplan_ai_calls_total", tier=tier)
        assert exported == dict.fromkeys(TENANTS, calls), tier
    assert by_tenant(samples, "freshplan_ai_small_large_ratio") == dict.fromkeys(TENANTS, 2.0)
    assert by_tenant(samples, "freshplan_ai_cache_hits_total") == dict.fromkeys(TENANTS, 1.0)
    cost = by_tenant(samples, "freshplan_ai_cost_eur_day")
    assert cost == dict.fromkeys(TENANTS, 0.024)
    # the snapshot keeps it as numeric(12, 3)
    p95 = dict(
        sql(
            cluster, db,
            "select t.slug, round(percentile_cont(0.95) within group (order by c.duration_ms)"
            "  ::numeric, 3)::float"
            " from app.connector_calls as c join app.tenants as t on t.id = c.tenant_id"
            " group by t.slug",
        )
    )  # fmt: skip
    assert by_tenant(samples, "freshplan_credit_check_p95_ms") == p95

    backlog = by_tenant(samples, "freshplan_integration_jobs_backlog", kind="xentral.products")
    assert backlog == {"freshfoodz": 1.0, "nordkueche": 0.0}
    jobs = {job for (job,) in sql(cluster, db, "select job_name from app.job_heartbeats")}
    ages = {labels["job"]: age for labels, age in samples["freshplan_job_heartbeat_age_seconds"]}
    assert set(ages) == jobs
    assert all(0 <= age < 60 for age in ages.values()), ages
    thresholds = by_tenant(samples, "freshplan_alert_threshold", setting="alert.creditCheck.maxMs")
    assert thresholds == dict.fromkeys(TENANTS, 300.0)
    # a job serves every tenant: its threshold is the global one, without a tenant label
    assert (
        {"setting": "alert.jobHeartbeat.missedRuns"},
        2.0,
    ) in samples["freshplan_alert_threshold"]


def test_metrics_move_to_an_internal_listener_and_leave_with_the_service(
    api_for: Callable[..., Service], cluster: Cluster, seeded_database: str
) -> None:
    seed_metric_figures(cluster, seeded_database)
    port = free_port()
    api = api_for(seeded_database, FRESHPLAN_METRICS_PORT=str(port))
    httpx.get(f"{api.url}/health", timeout=10)

    assert httpx.get(f"{api.url}/metrics", timeout=10).status_code == 404
    internal = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert internal.status_code == 200
    samples = parse(internal.text)
    assert set(by_tenant(samples, "freshplan_lead_protection_active_count")) == set(TENANTS)
    assert any(labels.get("path") == "/health" for labels, _ in samples["freshplan_requests_total"])

    api.process.send_signal(signal.SIGTERM)
    # uvicorn hands the signal on once it has shut down gracefully
    assert api.process.wait(timeout=20) in (0, -signal.SIGTERM)
    assert "Application shutdown complete." in api.log()
    try:
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the metrics listener outlived the service")


def test_metrics_still_answer_without_the_database(
    api_for: Callable[..., Service], cluster: Cluster
) -> None:
    api = api_for("no_such_database")

    response = httpx.get(f"{api.url}/metrics", timeout=20)

    assert response.status_code == 200
    samples = parse(response.text)
    assert samples["freshplan_metrics_database_up"] == [({}, 0.0)]
    assert "freshplan_lead_protection_active_count" not in samples


def test_a_metrics_port_in_use_stops_the_service_with_the_reason(
    cluster: Cluster, seeded_database: str
) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    env = cluster.env(seeded_database) | {"FRESHPLAN_METRICS_PORT": str(busy.getsockname()[1])}
    port = str(free_port())
    try:
        result = subprocess.run(
            [str(ROOT / ".venv/bin/uvicorn"), "--factory", "api.app:create_app",
             "--host", "127.0.0.1", "--port", port],
            env=env | {"FRESHPLAN_API_PORT": port}, cwd=ROOT, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
    finally:
        busy.close()
    assert result.returncode != 0
    assert "Address already in use" in result.stdout + result.stderr
