"""The six alerts (SPEC 9) in Prometheus and in the database alike.

- deploy/prometheus/alerts.yml passes `promtool check rules`, and its unit tests
  (alerts_test.yml) pass `promtool test rules`;
- each rule compares with exactly the alert.* settings its alert owns (the settings registry
  names the alert first in each description), every alert.* setting is used, and the unit tests'
  thresholds are the settings' defaults;
- the database's evaluation (app_private.alert_conditions, which the pg_cron job alerts turns
  into notifications) and the Prometheus rules agree: the very samples /metrics exports from a
  database where alerts fire are fed to promtool, which must find exactly the alerts the
  database found.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, Cluster, wait_until
from tests.test_scheduled_jobs import migrate_and_seed
from tests.test_xentral_products import sql

RULES = ROOT / "deploy/prometheus/alerts.yml"
RULE_TESTS = ROOT / "deploy/prometheus/alerts_test.yml"
ALERTS = {
    "LeadProtectionHighExpiry", "AiBudgetExceeded", "CreditCheckSLAViolation",
    "JobHeartbeatMissing", "JobBacklogHigh", "IntegrationDown",
}  # fmt: skip
# what a database alert's subject is called as a Prometheus label
SUBJECT_LABEL = {
    "AiBudgetExceeded": "org", "JobBacklogHigh": "kind", "IntegrationDown": "connector",
    "JobHeartbeatMissing": "job",
}  # fmt: skip
SETTING = re.compile(r'setting="(alert\.[A-Za-z.]+)"')


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: scripts/bootstrap installs Debian's prometheus package"
    return subprocess.run(
        [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def alert_settings(cluster: Cluster, dbname: str) -> dict[str, tuple[str, float]]:
    """alert.* key -> (the alert its description names first, its default)."""
    return {
        key: (description.split()[0], float(default))
        for key, description, default in sql(
            cluster, dbname,
            "select key, description, default_value::text from app.settings_registry"
            " where key like 'alert.%'",
        )
    }  # fmt: skip


def test_the_rules_pass_promtool_check_and_their_unit_tests() -> None:
    checked = promtool("check", "rules", str(RULES), cwd=ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 7 rules found" in checked.stdout
    tested = promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    scrape = promtool("check", "config", "prometheus.yml", cwd=RULES.parent)
    assert scrape.returncode == 0, scrape.stdout + scrape.stderr


def test_every_rule_compares_with_its_own_alert_settings(cluster: Cluster, database: str) -> None:
    settings = alert_settings(cluster, database)
    assert {alert for alert, _ in settings.values()} == ALERTS

    used: set[str] = set()
    for rule in rules():
        referenced = set(SETTING.findall(rule["expr"]))
        owned = {key for key, (alert, _) in settings.items() if alert == rule["alert"]}
        assert referenced, f"{rule['alert']} compares with no alert.* setting"
        assert referenced <= owned, f"{rule['alert']} uses another alert's setting"
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"
        used |= referenced
    assert {rule["alert"] for rule in rules()} == ALERTS
    assert used == set(settings), "an alert.* setting no rule reads"

    # the unit tests run with the defaults (tenant nord has its own values there, on purpose)
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    for case in tests:
        for series in case["input_series"]:
            if 'tenant="nord"' in series["series"]:
                continue
            match = SETTING.search(series["series"])
            if series["series"].startswith("freshplan_alert_threshold") and match:
                first_value = float(str(series["values"]).split()[0].split("x")[0])
                assert first_value == settings[match.group(1)][1], series["series"]


def test_the_database_and_prometheus_fire_the_same_alerts(
    cluster: Cluster, seeded_database: str, tmp_path: Path
) -> None:
    db = seeded_database
    # alerts of every kind the demo data can have: a backlog, an AI budget at 85 %, a connector
    # down for 10 minutes, a job that stopped; and a tenant's own threshold
    sql(cluster, db, "update app.job_heartbeats set last_succeeded_at = app.now()")
    sql(
        cluster, db,
        "update app.job_heartbeats set last_succeeded_at = app.now() - interval '1 hour'"
        " where job_name = 'mail_imap'",
    )  # fmt: skip
    sql(
        cluster, db,
        "insert into app.settings_values (key, scope, tenant_id, target_id, value)"
        " select 'alert.jobBacklog.max', 'tenant', id, id, '1' from app.tenants"
        " where slug = 'nordkueche'",
    )  # fmt: skip
    sql(
        cluster, db,
        "insert into app.jobs (tenant_id, kind) select t.id, 'xentral.products'"
        " from app.tenants as t cross join generate_series(1, 2)",
    )  # fmt: skip
    sql(
        cluster, db,
        "insert into app.ai_budget_months (org_id, tenant_id, month, spent_eur)"
        " select o.id, o.tenant_id, app.ai_month(o.tenant_id, app.now()), 850 from app.orgs as o"
        " join app.tenants as t on t.id = o.tenant_id where t.slug = 'freshfoodz'"
        " order by o.id limit 1",
    )  # fmt: skip
    sql(cluster, db, "update app.connectors set configured = true where connector = 'allianz'")
    sql(
        cluster, db,
        "insert into app.connector_states (tenant_id, connector, last_error_at, last_error)"
        " select id, 'allianz', app.now() - interval '10 minutes', 'HTTP 503' from app.tenants"
        " where slug = 'freshfoodz'",
    )  # fmt: skip
    sql(cluster, db, "select app_private.run_job('kpi_snapshot')")

    found = sql(
        cluster, db,
        "select t.slug, c.alert, c.subject, c.severity from app_private.alert_conditions() as c"
        " join app.tenants as t on t.id = c.tenant_id",
    )  # fmt: skip
    samples = sql(cluster, db, "select metric, labels, value from app_private.metric_samples()")
    assert {alert for _, alert, _, _ in found} == {
        "JobBacklogHigh", "AiBudgetExceeded", "IntegrationDown", "JobHeartbeatMissing",
    }, found  # fmt: skip

    expected: dict[str, list[dict[str, Any]]] = {alert: [] for alert in ALERTS}
    for slug, alert, subject, severity in found:
        labels = {"severity": severity}
        if alert == "JobHeartbeatMissing":  # one alert for all tenants in Prometheus
            labels["job"] = subject
        else:
            labels["tenant"] = slug
            if alert in SUBJECT_LABEL:
                labels[SUBJECT_LABEL[alert]] = subject
        if {"exp_labels": labels} not in expected[alert]:
            expected[alert].append({"exp_labels": labels})

    # the rules without their annotations (the texts are alerts_test.yml's business)
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(document), encoding="utf-8")
    case = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": series_name(metric, labels), "values": f"{value}x3"}
                    for metric, labels, value in samples
                    if value is not None
                ],
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": alert, "exp_alerts": alerts}
                    for alert, alerts in sorted(expected.items())
                ],
            }
        ],
    }
    (tmp_path / "same_test.yml").write_text(yaml.safe_dump(case), encoding="utf-8")

    result = promtool("test", "rules", "same_test.yml", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def series_name(metric: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f"{key}={json.dumps(str(value))}" for key, value in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


@pytest.mark.parametrize("alert", sorted(ALERTS))
def test_the_runbook_has_a_section_for_each_alert(alert: str) -> None:
    runbook = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    assert re.search(rf"^#+ {alert}\s*$", runbook, re.MULTILINE), alert


@pytest.mark.slow
def test_pg_cron_tells_the_admins_of_an_alert_and_of_its_end_within_minutes(
    cluster: Cluster,
) -> None:
    # pg_cron runs the job alerts every minute in cron.database_name, the cluster's `freshplan`
    # database (tests/test_scheduled_jobs.py); an AI budget at 85 % is a warning that touches
    # nothing that test looks at
    dbname = "freshplan"
    migrate_and_seed(cluster, dbname)
    org = sql(
        cluster, dbname,
        "select o.id from app.orgs as o join app.tenants as t on t.id = o.tenant_id"
        " where t.slug = 'freshfoodz' order by o.id limit 1",
    )[0][0]  # fmt: skip
    count = (
        "select count(*) from app.notifications as n join app.users as u on u.id = n.user_id"
        " where n.kind = %s and n.subject like %s and u.role in ('tenant_admin', 'sales_manager')"
    )
    subject = f"%AiBudgetExceeded ({org})"
    kinds = ("ALERT", "ALERT_RESOLVED")
    before = {kind: sql(cluster, dbname, count, kind, subject)[0][0] for kind in kinds}
    admins = sql(
        cluster, dbname,
        "select count(*) from app.users where active and role in ('tenant_admin', 'sales_manager')"
        " and tenant_id = '10000000-0000-4000-8000-000000000001'",
    )[0][0]  # fmt: skip
    try:
        sql(
            cluster, dbname,
            "insert into app.ai_budget_months (org_id, tenant_id, month, spent_eur)"
            " select o.id, o.tenant_id, app.ai_month(o.tenant_id, app.now()),"
            "  0.85 * (app.effective_setting("
            "  'ai.budget.monthly.cap', o.tenant_id, o.id, null) #>> '{}')::numeric"
            " from app.orgs as o where o.id = %s"
            " on conflict (org_id, month) do update set spent_eur = excluded.spent_eur",
            org,
        )  # fmt: skip
        wait_until(
            lambda: sql(cluster, dbname, count, "ALERT", subject)[0][0] == before["ALERT"] + admins,
            150, "pg_cron's alert notices",
        )  # fmt: skip
    finally:
        sql(
            cluster, dbname,
            "update app.ai_budget_months set spent_eur = 0"
            " where org_id = %s and month = app.ai_month(tenant_id, app.now())",
            org,
        )  # fmt: skip
    wait_until(
        lambda: sql(cluster, dbname, count, "ALERT_RESOLVED", subject)[0][0]
        == before["ALERT_RESOLVED"] + admins,
        150, "pg_cron's resolve notices",
    )  # fmt: skip
