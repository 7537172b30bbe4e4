"""Analysts on a streaming replica (SPEC 9, issue 14): a real hot standby of a cluster of the test's
own, made by scripts/replica with pg_basebackup; the analysts' logins and the snapshots are made on
the primary and arrive with the WAL, and the replica's own watchdog (`freshplan analyst watchdog`)
ends what pg_cron, which does not run on a standby, would have ended on the primary."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import ROOT, Cluster, free_port, run_freshplan, wait_until
from tests.reporting_support import connect, create_analyst
from tests.test_xentral_orders import new_lead
from tests.test_xentral_products import sql

DB = "freshplan"  # the own cluster's database, migrated by Flyway
REPLICATION_TIMEOUT = 60.0  # a ceiling for WAL to arrive (it takes milliseconds when idle)
TODAY_TOTAL = (
    "select active + grace + expired + unassigned from reporting.lead_status_daily"
    " where active is not null order by day desc limit 1"
)

pytestmark = pytest.mark.slow  # two clusters per test: initdb, Flyway and pg_basebackup


def replica_script(env: dict[str, str], command: str) -> str:
    result = subprocess.run(
        [str(ROOT / "scripts/replica"), command],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"scripts/replica {command}: {result.stderr}"
    return result.stdout


@pytest.fixture
def primary_and_replica(
    own_cluster: tuple[Cluster, dict[str, str]],
) -> Iterator[tuple[Cluster, Cluster, dict[str, str]]]:
    """A migrated cluster with the demo seed and today's snapshot, and a hot standby of it."""
    primary, env = own_cluster
    with psycopg.connect(primary.conninfo(DB), autocommit=True) as conn:
        conn.execute((ROOT / "sql/seed/demo.sql").read_text(encoding="utf-8"))
    sql(primary, DB, "select app_private.run_job('kpi_snapshot')")
    env = env | {"FRESHPLAN_REPLICA_PORT": str(free_port())}
    replica_script(env, "start")
    try:
        replica_script(env, "start")  # a second start only starts it: here, nothing to do
        yield primary, Cluster(primary.host, int(env["FRESHPLAN_REPLICA_PORT"]), DB), env
    finally:
        replica_script(env, "remove")


def on_replica(replica: Cluster, login: str, password: str) -> psycopg.Connection[Any]:
    """The analyst's connection to the replica, once its login (made on the primary) is there."""
    made: list[psycopg.Connection[Any]] = []

    def logged_in() -> bool:
        try:
            made.append(connect(replica, DB, login, password))
        except psycopg.OperationalError:
            return False
        return True

    wait_until(logged_in, REPLICATION_TIMEOUT, f"{login} can log in to the replica")
    return made[0]


def test_an_analyst_on_the_replica_sees_the_primary_s_changes_of_its_tenant_only(
    primary_and_replica: tuple[Cluster, Cluster, dict[str, str]],
) -> None:
    primary, replica, env = primary_and_replica
    primary_dir = subprocess.run(
        [str(ROOT / "scripts/pgcluster"), "dir"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert replica_script(env, "dir").strip() == f"{primary_dir}-replica", "beside the primary's"
    logins = {
        tenant: create_analyst(primary, DB, tenant) for tenant in ("freshfoodz", "nordkueche")
    }
    conns = {tenant: on_replica(replica, *login) for tenant, login in logins.items()}
    try:
        leads = dict(
            sql(
                primary, DB,
                "select t.slug, count(l.id) from app.tenants as t"
                " left join app.leads as l on l.tenant_id = t.id group by t.slug",
            )
        )  # fmt: skip
        assert leads["freshfoodz"] > 0, "(the seed's leads are all freshfoodz's)"
        for tenant, conn in conns.items():
            assert conn.execute("select pg_is_in_recovery()").fetchone() == (True,)
            assert conn.execute(TODAY_TOTAL).fetchone() == (leads[tenant],), tenant

        new_lead(primary, DB)  # a freshfoodz rep registers one
        sql(primary, DB, "select app_private.run_job('kpi_snapshot')")
        # the snapshot's WAL arrives; nothing is written on the replica
        wait_until(
            lambda: (
                conns["freshfoodz"].execute(TODAY_TOTAL).fetchone() == (leads["freshfoodz"] + 1,)
            ),
            REPLICATION_TIMEOUT,
            "the new lead's snapshot on the replica",
        )
        assert conns["nordkueche"].execute(TODAY_TOTAL).fetchone() == (leads["nordkueche"],), (
            "the other tenant's analyst sees no change and no other tenant's row"
        )
        assert "bytes of WAL behind" in replica_script(env, "lag")

        conn = conns["freshfoodz"]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from app.leads")
        # read-only even when the analyst switches its default off: a standby writes nothing
        conn.execute("set default_transaction_read_only = off")
        assert conn.execute("show transaction_read_only").fetchone() == ("on",)
        for statement in (
            "create table reporting.mine (id int)",
            "create temporary table mine (id int)",
            "notify pgrst, 'reload schema'",
            f"alter role {logins['freshfoodz'][0]} set statement_timeout = 0",
        ):
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute(statement)
    finally:
        for conn in conns.values():
            conn.close()


def test_the_replica_s_watchdog_ends_analyst_sessions_over_the_limit(
    primary_and_replica: tuple[Cluster, Cluster, dict[str, str]], tmp_path: Path
) -> None:
    primary, replica, _ = primary_and_replica
    limit = 5  # reporting.maxQuerySeconds' lowest value (SPEC 3.2)
    sql(
        primary, DB,
        "insert into app.settings_values (key, scope, value)"
        " values ('reporting.maxQuerySeconds', 'global', %s::jsonb)",
        str(limit),
    )  # fmt: skip
    login, password = create_analyst(primary, DB, "freshfoodz")
    wait_until(
        lambda: (
            sql(replica, DB, "select app_private.analyst_limit_seconds(%s)", login) == [(limit,)]
        ),
        REPLICATION_TIMEOUT,
        "the login and its limit on the replica",
    )
    watchdog_log = tmp_path / "watchdog.log"
    watchdog = subprocess.Popen(
        [str(ROOT / ".venv/bin/freshplan"), "analyst", "watchdog", "--interval", "1",
         "--database-url", replica.conninfo(DB, user="migrator")],
        env=replica.env(DB), cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=watchdog_log.open("wb"),
    )  # fmt: skip
    outcome: dict[str, Any] = {}

    def evasive_query() -> None:
        with on_replica(replica, login, password) as conn:
            conn.execute("set statement_timeout = 0")  # allowed to any role, on a standby too
            started = time.monotonic()
            try:  # a DO block may even catch a cancel and go on
                conn.execute(
                    "do $$ begin loop begin perform pg_sleep(60);"
                    " exception when query_canceled then null; end; end loop; end $$"
                )
            except psycopg.OperationalError:
                outcome["ended_after"] = time.monotonic() - started

    try:
        idle = on_replica(replica, login, password)
        idle.autocommit = False
        idle.execute("select 1")  # a transaction left open: it holds back vacuum on the primary
        holder = on_replica(replica, login, password)
        holder.execute("select pg_advisory_lock(1)")
        thread = threading.Thread(target=evasive_query)
        thread.start()
        thread.join(timeout=50)
        assert not thread.is_alive(), "the watchdog ended the query"
        assert limit <= outcome["ended_after"] < 30, "once over the limit, not before"
        for conn in (idle, holder):
            with pytest.raises(psycopg.OperationalError):
                conn.execute("select 1")
            conn.close()
    finally:
        watchdog.terminate()
        status = watchdog.wait(timeout=10)
    assert status == 0, "SIGTERM stops it cleanly"
    lines = watchdog_log.read_text().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    connected = [e for e in events if e["event"] == "analyst_watchdog_connected"]
    assert connected[0]["standby"] is True
    ended = [e for e in events if e["event"] == "analyst_session_ended"]
    assert sorted(e["reason"] for e in ended) == ["advisory lock", "query", "transaction"]
    assert {e["analyst"] for e in ended} == {login}

    # nothing is left to end; and only the migration role (the function's owner) may run it
    once = run_freshplan(
        replica, DB, "analyst", "watchdog", "--once",
        "--database-url", replica.conninfo(DB, user="migrator"),
    )  # fmt: skip
    assert once.returncode == 0, once.stderr
    assert "analyst_session_ended" not in once.stderr
    refused = run_freshplan(
        replica, DB, "analyst", "watchdog", "--once",
        "--database-url", replica.conninfo(DB, user="svc_jobs"),
    )  # fmt: skip
    assert refused.returncode == 2, "only the migration role may run it"
    assert "permission denied" in refused.stderr
