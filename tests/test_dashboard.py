"""The Grafana dashboard (SPEC 9) against a real Prometheus (Debian's `prometheus`).

The service runs on a seeded database with its internal metrics listener; a throwaway Prometheus
scrapes it with deploy/prometheus/prometheus.yml (only the target, the intervals and the rule
file's path changed) and loads deploy/prometheus/alerts.yml. Then:
- every query of every panel of deploy/grafana/freshplan.json returns data (a finite value),
  with Grafana's variables as the test sets them, and the tenant filter keeps to its tenant;
- every metric the dashboard names exists (in the database's catalogue or on the service's own
  page), the panels SPEC 9 names are there, and the tenant variable lists the tenants;
- the heartbeats keep their `job` label (honor_labels), and Prometheus evaluates the six alerts
  without an error and fires CreditCheckSLAViolation from the seeded credit checks.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from api.core.metrics import DATABASE_METRICS
from tests.conftest import ROOT, Cluster, Service, answers, free_port, wait_until
from tests.metrics_support import TENANTS, parse, seed_metric_figures
from tests.test_xentral_products import sql

DASHBOARD = ROOT / "deploy/grafana/freshplan.json"
PROMETHEUS_DIR = ROOT / "deploy/prometheus"
ALERTS = {
    "LeadProtectionHighExpiry", "AiBudgetExceeded", "CreditCheckSLAViolation",
    "JobHeartbeatMissing", "JobBacklogHigh", "IntegrationDown",
}  # fmt: skip
# the panels SPEC 9 names, as words of their titles
SPEC_PANELS = (
    "lead status", "expiries per day", "ai cost", "small/large ratio", "credit-check latency",
    "job backlog", "heartbeat",
)  # fmt: skip
# the figures SPEC 9 lists for the dashboard: each one is on some panel
SPEC_METRICS = {
    "freshplan_lead_protection_active_count", "freshplan_lead_protection_grace_count",
    "freshplan_lead_protection_expired_count", "freshplan_lead_protection_expiries_day",
    "freshplan_ai_cost_eur_day", "freshplan_ai_calls_total", "freshplan_ai_small_large_ratio",
    "freshplan_credit_check_p95_ms", "freshplan_integration_jobs_backlog",
    "freshplan_job_heartbeat_age_seconds", "freshplan_request_duration_seconds_bucket",
}  # fmt: skip
TENANT = "freshfoodz"
# Grafana's variables as this test evaluates them (Prometheus scrapes every second here)
VARIABLES = {"tenant": TENANT, "__rate_interval": "1m", "__interval": "1m", "__range": "1h"}
VARIABLE = re.compile(r"\$\{?(\w+)\}?")
METRIC_NAME = re.compile(r"\bfreshplan_\w+")
# series Prometheus makes itself for every target
PROMETHEUS_OWN = {"up"}
DATA_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Prometheus:
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def api(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = response.json()
        assert body["status"] == "success", f"{path} {params}: {body}"
        return body["data"]


def prometheus_config(tmp_path: Path, target: str) -> Path:
    """deploy/prometheus/prometheus.yml scraping `target` every second."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(PROMETHEUS_DIR / name) for name in config["rule_files"]]
    (scrape,) = config["scrape_configs"]
    (static,) = scrape["static_configs"]
    static["targets"] = [target]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def running_prometheus(tmp_path: Path, target: str) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: scripts/bootstrap installs Debian's prometheus package"
    config = prometheus_config(tmp_path, target)
    url = f"http://127.0.0.1:{free_port()}"
    log_path = tmp_path / "prometheus.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address={url.removeprefix('http://')}"],
            cwd=tmp_path, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        prometheus = Prometheus(url, log_path)
        ready = answers(f"{url}/-/ready")
        try:
            wait_until(lambda: process.poll() is not None or ready(), 60, "prometheus ready")
            assert process.poll() is None, f"prometheus stopped:\n{prometheus.log()}"
            yield prometheus
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return document


def panels(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, those inside collapsed rows too; rows themselves are not panels here."""
    found: list[dict[str, Any]] = []
    for panel in document["panels"]:
        if panel["type"] == "row":
            found.extend(panel.get("panels", []))
        else:
            found.append(panel)
    return found


def expressions(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every query of the dashboard."""
    return [
        (panel["title"], target["expr"])
        for panel in panels(document)
        for target in panel["targets"]
        if not target.get("hide")
    ]


def substituted(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        assert match[1] in VARIABLES, f"unknown variable {match[0]} in {expr}"
        return VARIABLES[match[1]]

    return VARIABLE.sub(value, expr)


def finite(result: list[dict[str, Any]]) -> bool:
    return any(math.isfinite(float(series["value"][1])) for series in result)


def test_the_dashboard_is_a_grafana_dashboard_with_the_panels_of_spec_9() -> None:
    document = dashboard()
    assert 36 <= document["schemaVersion"] <= 39
    assert document["uid"] == "freshplan"
    variables = {variable["name"]: variable for variable in document["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    tenant = variables["tenant"]
    assert (
        tenant["query"]["query"] == "label_values(freshplan_lead_protection_active_count, tenant)"
    )
    assert tenant["datasource"]["uid"] == "${datasource}"

    found = panels(document)
    ids = [panel["id"] for panel in document["panels"]] + [
        panel["id"] for row in document["panels"] for panel in row.get("panels", [])
    ]
    assert len(ids) == len(set(ids)), ids
    for panel in found:
        assert panel["type"] in {"timeseries", "stat"}, panel["title"]
        assert panel["targets"], panel["title"]
        for source in (panel, *panel["targets"]):
            assert source["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert len({target["refId"] for target in panel["targets"]}) == len(panel["targets"])
    titles = [panel["title"].lower() for panel in found]
    for words in SPEC_PANELS:
        assert any(words in title for title in titles), f"no panel on {words}"
    used = {name for _, expr in expressions(document) for name in METRIC_NAME.findall(expr)}
    assert used >= SPEC_METRICS, SPEC_METRICS - used
    for title, expr in expressions(document):
        if "tenant" not in expr or "job_heartbeat" in expr:
            continue
        assert 'tenant=~"$tenant"' in expr, f"{title}: {expr} ignores the tenant variable"


@pytest.mark.slow
def test_every_panel_query_returns_data_in_a_real_prometheus(
    api_for: Callable[..., Service], cluster: Cluster, seeded_database: str, tmp_path: Path
) -> None:
    db = seeded_database
    seed_metric_figures(cluster, db)
    # as a starting worker with every connector's credentials reports (jobs/runner.py)
    sql(
        cluster, db,
        "select app_private.report_connectors(jsonb_object_agg(connector, true))"
        " from app.connectors",
    )  # fmt: skip
    metrics_port = free_port()
    api = api_for(db, FRESHPLAN_METRICS_PORT=str(metrics_port))
    assert httpx.get(f"{api.url}/health", timeout=10).status_code == 200
    page = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
    assert page.status_code == 200
    known = set(DATABASE_METRICS) | set(parse(page.text)) | PROMETHEUS_OWN
    document = dashboard()
    for title, expr in expressions(document):
        unknown = set(METRIC_NAME.findall(expr)) - known
        assert not unknown, f"{title}: no such metric {unknown} in {expr}"
        if "freshplan_" not in expr:
            assert set(re.findall(r"\b(\w+)\{", expr)) <= PROMETHEUS_OWN, expr

    with running_prometheus(tmp_path, f"127.0.0.1:{metrics_port}") as prometheus:

        def target_up() -> bool:
            targets = prometheus.api("targets")["activeTargets"]
            return bool(targets) and all(target["health"] == "up" for target in targets)

        wait_until(target_up, DATA_TIMEOUT_SECONDS, "the service's metrics scraped")

        results: dict[str, list[dict[str, Any]]] = {}
        for title, expr in expressions(document):
            query = substituted(expr)

            def has_data(query: str = query) -> bool:
                # traffic, so that the request rates and latencies have something to show
                httpx.get(f"{api.url}/health", timeout=10)
                result: list[dict[str, Any]] = prometheus.api("query", query=query)["result"]
                results[query] = result
                return finite(result)

            try:
                wait_until(has_data, DATA_TIMEOUT_SECONDS, "data")
            except TimeoutError:
                pytest.fail(f"panel {title!r}: {query} returned {results.get(query)}")
            if "$tenant" in expr:
                tenants = {series["metric"].get("tenant") for series in results[query]}
                assert tenants == {TENANT}, f"{title}: {query} returned {tenants}"

        # the tenant variable's values
        tenants = prometheus.api(
            "label/tenant/values", **{"match[]": "freshplan_lead_protection_active_count"}
        )
        assert sorted(tenants) == sorted(TENANTS)
        # honor_labels: the heartbeats keep the job they are about
        heartbeats = prometheus.api(
            "query", query="max by (job) (freshplan_job_heartbeat_age_seconds)"
        )
        jobs = {job for (job,) in sql(cluster, db, "select job_name from app.job_heartbeats")}
        assert {series["metric"]["job"] for series in heartbeats["result"]} == jobs

        check_alert_rules(prometheus)


def check_alert_rules(prometheus: Prometheus) -> None:
    """alerts.yml loaded, every rule evaluated without an error, and the seeded credit checks'
    p95 (740 ms, over alert.creditCheck.maxMs = 300) firing for both tenants."""

    def rules() -> list[dict[str, Any]]:
        return [
            rule
            for group in prometheus.api("rules", type="alert")["groups"]
            for rule in group["rules"]
        ]

    def evaluated() -> bool:
        found = rules()
        return bool(found) and all(rule["health"] != "unknown" for rule in found)

    wait_until(evaluated, DATA_TIMEOUT_SECONDS, "the alert rules evaluated")
    found = rules()
    assert {rule["name"] for rule in found} == ALERTS
    assert len(found) == 7  # AiBudgetExceeded twice: warning and critical
    errors = {rule["name"]: rule.get("lastError") for rule in found if rule["health"] != "ok"}
    assert not errors, errors

    def credit_check_firing() -> bool:
        firing = {
            alert["labels"].get("tenant")
            for alert in prometheus.api("alerts")["alerts"]
            if alert["labels"]["alertname"] == "CreditCheckSLAViolation"
            and alert["state"] == "firing"
        }
        return firing == set(TENANTS)

    wait_until(credit_check_firing, DATA_TIMEOUT_SECONDS, "CreditCheckSLAViolation firing")
