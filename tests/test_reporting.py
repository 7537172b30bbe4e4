"""Analysts (SPEC 9) end to end: logins made with the real `freshplan analyst` command, connecting
over TCP with the password it printed (SCRAM, as an analyst's tool would), on a real database with
the demo seed's two tenants and the snapshot job's rows."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.conftest import Cluster, run_freshplan, wait_until
from tests.test_xentral_products import sql

VIEWS = [
    "ai_usage_daily", "credit_checks_daily", "expiries_daily", "feedback_response",
    "holds_by_reason", "job_backlog", "lead_status_daily", "rep_activity_weekly",
]  # fmt: skip


def create_analyst(cluster: Cluster, dbname: str, tenant: str) -> tuple[str, str]:
    login = f"ana_{uuid.uuid4().hex[:10]}"  # roles are the cluster's: unique per test
    result = run_freshplan(
        cluster, dbname, "analyst", "create", "--tenant", tenant, "--name", login
    )
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().splitlines()[-1]
    return login, password


def connect(cluster: Cluster, dbname: str, login: str, password: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host="127.0.0.1", port=cluster.port, dbname=dbname, user=login, password=password,
        autocommit=True, connect_timeout=5,
    )  # fmt: skip


@pytest.fixture
def analysts(cluster: Cluster, seeded_database: str) -> Iterator[dict[str, tuple[str, str]]]:
    db = seeded_database
    sql(cluster, db, "select app_private.run_job('kpi_snapshot')")
    made = {tenant: create_analyst(cluster, db, tenant) for tenant in ("freshfoodz", "nordkueche")}
    yield made
    for login, _ in made.values():
        run_freshplan(cluster, db, "analyst", "drop", "--name", login)


def test_an_analyst_reads_its_tenant_only_and_no_contact_data(
    cluster: Cluster, seeded_database: str, analysts: dict[str, tuple[str, str]]
) -> None:
    db = seeded_database
    expected = dict(
        sql(
            cluster,
            db,
            "select t.slug, count(*) from app.kpi_daily as k"
            " join app.tenants as t on t.id = k.tenant_id group by t.slug",
        )
    )
    for tenant, (login, password) in analysts.items():
        with connect(cluster, db, login, password) as conn:
            days = conn.execute("select count(*) from reporting.expiries_daily").fetchone()
            assert days == (expected[tenant],), tenant
            today = conn.execute(
                "select active + grace + expired + unassigned from reporting.lead_status_daily"
                " where active is not null"
            ).fetchall()
            leads = sql(
                cluster, db,
                "select count(*) from app.leads as l join app.tenants as t on t.id = l.tenant_id"
                " where t.slug = %s",
                tenant,
            )[0][0]  # fmt: skip
            assert today == [(leads,)], "the snapshot counts every lead of the tenant, once"
            for view in VIEWS:
                rows = conn.execute(f"select * from reporting.{view}").fetchall()  # noqa: S608
                assert "@" not in repr(rows), f"{view} shows no address"
    columns = sql(
        cluster, db,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'reporting'",
    )  # fmt: skip
    assert sorted({c[0] for c in columns}) == VIEWS
    assert not [c for c in columns if any(p in c[1] for p in ("name", "email", "phone", "contact"))]


def test_an_analyst_cannot_write_read_app_or_api_or_escape_its_tenant(
    cluster: Cluster, seeded_database: str, analysts: dict[str, tuple[str, str]]
) -> None:
    login, password = analysts["freshfoodz"]
    with connect(cluster, seeded_database, login, password) as conn:
        assert conn.execute("show default_transaction_read_only").fetchone() == ("on",)
        for statement in (
            "select * from app.leads",
            "select * from api.leads",
            "select * from app.kpi_daily",
            "select * from app_private.feedback_tokens",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        # read-only is only a default any role may switch off: then it has no privilege to write
        conn.execute("set default_transaction_read_only = off")
        for statement in (
            "create table reporting.mine (id int)",
            "create table public.mine (id int)",
            "create temporary table mine (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.Error):
            conn.execute("delete from reporting.expiries_daily")
        # another role changes nothing: the tenant follows the login (session_user)
        conn.execute("set role reporting_reader")
        days = conn.execute("select count(*) from reporting.expiries_daily").fetchone()
        assert days is not None
        assert days[0] > 0


def test_an_analyst_who_lifts_its_timeout_is_stopped_by_the_watchdog(
    cluster: Cluster, seeded_database: str, analysts: dict[str, tuple[str, str]]
) -> None:
    db = seeded_database
    sql(
        cluster, db,
        "insert into app.settings_values (key, scope, value)"
        " values ('reporting.maxQuerySeconds', 'global', '1')",
    )  # fmt: skip
    login, password = analysts["freshfoodz"]
    outcome: dict[str, Any] = {}

    def long_query() -> None:
        with connect(cluster, db, login, password) as conn:
            conn.execute("set statement_timeout = 0")  # allowed to any role
            started = time.monotonic()
            try:
                conn.execute("select pg_sleep(60)")
            except psycopg.errors.QueryCanceled:
                outcome["cancelled_after"] = time.monotonic() - started

    thread = threading.Thread(target=long_query)
    thread.start()
    running = (
        "select count(*) from pg_stat_activity where usename = %s and state = 'active'"
        " and query_start < clock_timestamp() - interval '1 second'"
    )
    wait_until(lambda: sql(cluster, db, running, login)[0][0] == 1, 30, "the query past its limit")
    result = sql(cluster, db, "select app_private.run_job('analyst_watchdog')")[0][0]
    thread.join(timeout=30)
    assert result == {"cancelled": 1}
    assert outcome["cancelled_after"] < 30, "cancelled long before its pg_sleep would end"


def test_a_dropped_analyst_cannot_log_in(cluster: Cluster, seeded_database: str) -> None:
    db = seeded_database
    login, password = create_analyst(cluster, db, "freshfoodz")
    again = run_freshplan(
        cluster, db, "analyst", "create", "--tenant", "freshfoodz", "--name", login
    )
    assert again.returncode == 1
    assert "exists already" in again.stderr
    with connect(cluster, db, login, password) as conn:
        assert conn.execute("select current_user").fetchone() == (login,)
    dropped = run_freshplan(cluster, db, "analyst", "drop", "--name", login)
    assert dropped.returncode == 0, dropped.stderr
    with pytest.raises(psycopg.OperationalError):
        connect(cluster, db, login, password)
    assert sql(cluster, db, "select count(*) from app.analysts where role_name = %s", login) == [
        (0,)
    ]
    unknown = run_freshplan(
        cluster, db, "analyst", "create", "--tenant", "nowhere", "--name", "ana_x1"
    )
    assert unknown.returncode == 1
    assert "no tenant" in unknown.stderr
    assert password not in again.stdout + again.stderr + dropped.stdout
