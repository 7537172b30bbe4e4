"""Figures for /metrics as the metrics and dashboard tests need them (tests/test_metrics.py,
tests/test_dashboard.py): today's AI calls and Allianz Trade calls for the demo seed's tenants,
every scheduled job just succeeded, and a fresh KPI snapshot."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Cluster
from tests.test_xentral_products import sql

TENANTS = ("freshfoodz", "nordkueche")


def seed_metric_figures(cluster: Cluster, dbname: str) -> None:
    sql(
        cluster, dbname,
        "insert into app.ai_calls (tenant_id, org_id, user_id, use_case, prompt_version, tier,"
        "  cached, cost_eur, latency_ms, outcome)"
        " select u.tenant_id, u.org_id, u.id, 'email_categorize', 'v1', x.tier, x.cached, x.cost,"
        "  5, 'ok'"
        " from (select distinct on (tenant_id) * from app.users where role = 'sales_rep'"
        "  order by tenant_id, email) as u"
        " cross join (values ('small', false, 0.002), ('small', false, 0.002),"
        "  ('large', false, 0.02), ('small', true, 0)) as x (tier, cached, cost)",
    )  # fmt: skip
    sql(
        cluster, dbname,
        "insert into app.connector_calls (tenant_id, connector, operation, started_at,"
        "  duration_ms, outcome)"
        " select t.id, 'allianz', 'matching', now(), d, 'ok'"
        " from app.tenants as t cross join unnest(array[40, 60, 80, 100, 900]) as d",
    )  # fmt: skip
    sql(cluster, dbname, "update app.job_heartbeats set last_succeeded_at = app.now()")
    sql(cluster, dbname, "select app_private.run_job('kpi_snapshot')")


def parse(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Prometheus text as {sample name: [(labels, value)]}."""
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples
