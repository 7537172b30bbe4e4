"""Analysts (SPEC 9) end to end: logins made with the real `freshplan analyst` command, connecting
over TCP with the password it printed (SCRAM, as an analyst's tool would), on a real database with
the demo seed's two tenants and the snapshot job's rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.conftest import Cluster, run_freshplan, wait_until
from tests.reporting_support import connect, create_analyst
from tests.test_xentral_products import sql

VIEWS = [
    "ai_usage_daily", "credit_checks_daily", "expiries_daily", "feedback_response",
    "holds_by_reason", "job_backlog", "lead_status_daily", "rep_activity_weekly",
]  # fmt: skip


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
        # another role changes nothing: the tenant follows the login (session_user)
        conn.execute("set role reporting_reader")
        days = conn.execute("select count(*) from reporting.expiries_daily").fetchone()
        assert days is not None
        assert days[0] > 0
    writable = sql(
        cluster, seeded_database,
        "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = 'reporting' and (has_table_privilege(%s, c.oid, 'insert')"
        " or has_table_privilege(%s, c.oid, 'update') or has_table_privilege(%s, c.oid, 'delete'))",
        login, login, login,
    )  # fmt: skip
    assert writable == [], "no write privilege on any reporting view"
    stored = sql(
        cluster, seeded_database, "select rolpassword from pg_authid where rolname = %s", login
    )
    assert stored[0][0].startswith("SCRAM-SHA-256$4096:"), (
        "the verifier was stored, not hashed again"
    )


def test_an_analyst_who_lifts_its_limits_is_stopped_by_the_watchdog(
    cluster: Cluster, seeded_database: str, analysts: dict[str, tuple[str, str]]
) -> None:
    db = seeded_database
    limit = 5  # reporting.maxQuerySeconds' lowest value (SPEC 3.2)
    sql(
        cluster, db,
        "insert into app.settings_values (key, scope, value)"
        " values ('reporting.maxQuerySeconds', 'global', %s::jsonb)",
        str(limit),
    )  # fmt: skip
    login, password = analysts["freshfoodz"]
    outcome: dict[str, Any] = {}

    def evasive_query() -> None:
        with connect(cluster, db, login, password) as conn:
            conn.execute("set statement_timeout = 0")  # allowed to any role
            started = time.monotonic()
            try:  # a DO block may even catch a cancel and go on
                conn.execute(
                    "do $$ begin loop begin perform pg_sleep(60);"
                    " exception when query_canceled then null; end; end loop; end $$"
                )
            except psycopg.OperationalError:
                outcome["ended_after"] = time.monotonic() - started

    idle = connect(cluster, db, login, password)
    idle.execute("set default_transaction_read_only = off")
    idle.execute(f"alter role {login} set statement_timeout = 0")  # its own defaults: allowed
    idle.autocommit = False
    idle.execute("select 1")  # a transaction left open holds back vacuum
    holder = connect(cluster, db, login, password)
    holder.execute("select pg_advisory_lock(hashtextextended('mail.imap', 0))")
    thread = threading.Thread(target=evasive_query)
    thread.start()
    over = (
        "select count(*) from pg_stat_activity where usename = %s and state <> 'idle'"
        " and state_change < clock_timestamp() - make_interval(secs => %s)"
    )
    wait_until(lambda: sql(cluster, db, over, login, limit)[0][0] == 2, 60, "both past the limit")
    result = sql(cluster, db, "select app_private.run_job('analyst_watchdog')")[0][0]
    thread.join(timeout=30)
    assert result == {"ended": 3}, "the long query, the open transaction, the advisory lock"
    assert outcome["ended_after"] < 50, "ended long before its loop would"
    for conn in (idle, holder):
        with pytest.raises(psycopg.OperationalError):
            conn.execute("select 1")
        conn.close()
    settings = sql(
        cluster, db,
        "select setconfig from pg_db_role_setting where setrole = %s::regrole",
        login,
    )[0][0]  # fmt: skip
    assert f"statement_timeout={limit}s" in settings, "its own defaults are put back"


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
