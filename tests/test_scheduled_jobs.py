"""The scheduled rules for real: pg_cron runs the sweep in the database that has pg_cron, and the
worker delivers what it queued; the worker survives a database restart."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.conftest import (
    ROOT,
    Cluster,
    WorkerProcess,
    cluster_script,
    flyway_on_the_shared_cluster,
    wait_until,
)
from tests.smtp import SmtpServer

WorkerFactory = Callable[..., WorkerProcess]


def query(conninfo: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def migrate_and_seed(cluster: Cluster, dbname: str, env: dict[str, str] | None = None) -> None:
    with flyway_on_the_shared_cluster():
        subprocess.run(
            [str(ROOT / "scripts/flyway/run"), "-q", "migrate"],
            env=env or cluster.env(dbname),
            check=True,
            capture_output=True,
            timeout=180,
        )
    query(cluster.conninfo(dbname), (ROOT / "sql/seed/demo.sql").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_pg_cron_runs_the_sweep_and_the_worker_mails_the_result(
    cluster: Cluster, smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    # pg_cron lives in cron.database_name: the cluster's own `freshplan` database.
    dbname = "freshplan"
    migrate_and_seed(cluster, dbname)
    superuser, migrator = cluster.conninfo(dbname), cluster.conninfo(dbname, "migrator")
    scheduled = query(
        superuser, "select jobname, schedule from cron.job where jobname like 'freshplan-%'"
    )
    assert dict(scheduled)["freshplan-sweep"] == "*/15 * * * *", "the migrations scheduled the jobs"

    # Every minute instead, so the test sees a run; the job belongs to migrator, as in production.
    started = query(superuser, "select now()")[0][0]
    job_id = query(
        migrator,
        "select cron.schedule('freshplan-sweep', %s, $$select app_private.run_job('sweep')$$)",
        ["* * * * *"],
    )[0][0]

    def ran() -> bool:
        rows = query(
            superuser,
            "select status from cron.job_run_details where jobid = %s and start_time > %s",
            [job_id, started],
        )
        assert all(status in ("starting", "running", "succeeded") for (status,) in rows), rows
        return ("succeeded",) in rows

    wait_until(ran, 90, "a pg_cron run of the sweep")
    query(
        migrator,
        "select cron.schedule('freshplan-sweep', %s, $$select app_private.run_job('sweep')$$)",
        ["*/15 * * * *"],
    )

    result = query(
        superuser, "select last_result from app.job_heartbeats where job_name = 'sweep'"
    )[0][0]
    assert result == {"warnings": 1, "reminders": 1, "released": 1}

    # pg_cron's own log is purged after 14 days (the job runs as migrator, like the schedule).
    query(
        superuser,
        "insert into cron.job_run_details (jobid, job_pid, database, username, command, status,"
        " return_message, start_time, end_time) values (%s, 0, %s, 'migrator', 'select 1',"
        " 'succeeded', 'old', now() - interval '15 days', now() - interval '15 days')",
        [job_id, dbname],
    )
    purged = query(migrator, "select app_private.run_job('purge_cron_log')")[0][0]
    assert purged["purged"] >= 1
    old_rows = "select count(*) from cron.job_run_details where return_message = 'old'"
    assert query(superuser, old_rows) == [(0,)]
    worker_for(dbname, smtp_server.url)
    wait_until(lambda: len(smtp_server.recorder.received()) == 5, 30, "the five mails of the sweep")
    recipients = sorted(rcpt[0] for rcpt, _ in smtp_server.recorder.received())
    assert recipients == [
        "manager@freshfoodz.example",
        "manager@freshfoodz.example",
        "rep1@freshfoodz.example",
        "rep1@freshfoodz.example",
        "rep3@freshfoodz.example",
    ]


@pytest.mark.slow
def test_the_worker_reconnects_after_a_database_restart(
    own_cluster: tuple[Cluster, dict[str, str]], smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    cluster, env = own_cluster
    dbname = "freshplan"
    query(cluster.conninfo(dbname), (ROOT / "sql/seed/demo.sql").read_text(encoding="utf-8"))
    superuser = cluster.conninfo(dbname)
    insert = """
        insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key)
        values ('10000000-0000-4000-8000-000000000001', 'mail.send', %s, 'warning',
            '{"company_name": "Firma", "postal_code": "10115", "city": "Berlin",
              "recipient_name": "X", "progress_due_at": "2027-01-01T09:00:00+00:00",
              "timezone": "Europe/Berlin"}', %s)
    """
    query(superuser, insert, ["before@example.org", "before"])
    worker = worker_for(dbname, smtp_server.url, cluster_override=cluster)
    wait_until(lambda: len(smtp_server.recorder.received()) == 1, 30, "the first mail")

    cluster_script(env, "stop")  # every connection of the worker dies with the server
    cluster_script(env, "start")
    query(superuser, insert, ["after@example.org", "after"])

    wait_until(
        lambda: len(smtp_server.recorder.received()) == 2, 60, "the mail queued after the restart"
    )
    assert worker.process.poll() is None, "the same worker process, not restarted"
    assert [rcpt[0] for rcpt, _ in smtp_server.recorder.received()] == [
        "before@example.org",
        "after@example.org",
    ]


def test_every_migrate_keeps_the_schedules_in_step_with_the_jobs(
    own_cluster: tuple[Cluster, dict[str, str]],
) -> None:
    cluster, env = own_cluster  # migrated once by the fixture, in the database that has pg_cron
    superuser = cluster.conninfo("freshplan")
    jobs = {name for (name,) in query(superuser, "select job_name from app.job_heartbeats")}
    scheduled = dict(
        query(superuser, "select jobname, jobid from cron.job where jobname like 'freshplan-%'")
    )
    assert set(scheduled) == {f"freshplan-{name}" for name in jobs}
    # scheduled as migrator, like every job of ours (pg_cron shows a role only its own jobs)
    query(
        cluster.conninfo("freshplan", "migrator"),
        "select cron.schedule('freshplan-gone', '0 1 * * *', 'select 1')",
    )

    subprocess.run(
        [str(ROOT / "scripts/flyway/run"), "-q", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )

    after = dict(
        query(superuser, "select jobname, jobid from cron.job where jobname like 'freshplan-%'")
    )
    assert after == scheduled, "unchanged jobs keep their schedule, a job no longer known is gone"
