"""Fault tests, version 2 (SPEC 10.2), with real processes: PostgREST across a PostgreSQL restart,
a backend killed in the middle of a request, and a full connection pool, for PostgREST and for
the service.

A request is held in the middle by a lock the test takes (`lock table ... in access exclusive
mode`): the request's backend waits for it, so the test knows which backend serves the request
(pg_blocking_pids names the test's own session) and that the request holds a pooled connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import psycopg

from tests.conftest import ROOT, Cluster, Service, cluster_script, run_freshplan, wait_until

DEMO_LINK = "demo-feedback-link-Gasthof-Zum-Adler-000001"  # a feedback link of the demo seed
REP1 = "rep1@freshfoodz.example"
# Far below a hang, far above the configured waits (service pool 0.5 s here, PostgREST 5 s).
QUICKLY_SECONDS = 10.0


@contextmanager
def locked(cluster: Cluster, dbname: str, table: str) -> Iterator[int]:
    """Hold an ACCESS EXCLUSIVE lock on `table` (reads wait too); yields the holder's pid."""
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        conn.execute(f"lock table {table} in access exclusive mode")
        row = conn.execute("select pg_backend_pid()").fetchone()
        assert row is not None
        yield int(row[0])
        conn.rollback()


def backend_waiting_for(cluster: Cluster, dbname: str, user: str, holder: int) -> int:
    """The pid of the one backend of `user` that waits for the lock `holder` holds."""
    found: list[int] = []

    def waiting() -> bool:
        with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
            rows = conn.execute(
                "select pid from pg_stat_activity"
                " where usename = %s and %s = any(pg_blocking_pids(pid))",
                [user, holder],
            ).fetchall()
        found[:] = [int(row[0]) for row in rows]
        return len(found) == 1

    wait_until(waiting, 30, f"one backend of {user} waiting for the test's lock")
    return found[0]


def terminate(cluster: Cluster, dbname: str, pid: int) -> None:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        row = conn.execute("select pg_terminate_backend(%s)", [pid]).fetchone()
    assert row == (True,)


def feedback_form(api: Service) -> httpx.Response:
    return httpx.get(f"{api.url}/api/feedback/{DEMO_LINK}", timeout=30)


def users(postgrest: Service, token: str) -> httpx.Response:
    return httpx.get(
        f"{postgrest.url}/users", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code


# ------------------------------------------------------------------- PostgreSQL restart


def seed(cluster: Cluster, dbname: str) -> None:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        conn.execute((ROOT / "sql/seed/demo.sql").read_text(encoding="utf-8"))


def test_postgrest_answers_503_while_postgresql_is_down_and_serves_again_after_it(
    own_cluster: tuple[Cluster, dict[str, str]], postgrest_for: Callable[..., Service]
) -> None:
    cluster, env = own_cluster
    seed(cluster, "freshplan")
    minted = run_freshplan(cluster, "freshplan", "token", "--email", REP1)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    postgrest = postgrest_for("freshplan", cluster_override=cluster)
    assert users(postgrest, token).status_code == 200

    cluster_script(env, "stop")
    started = time.monotonic()
    down = users(postgrest, token)
    elapsed = time.monotonic() - started

    assert down.status_code == 503, down.text
    assert down.json()["code"].startswith("PGRST")
    assert "retry-after" in down.headers
    assert "Rita" not in down.text
    assert elapsed < QUICKLY_SECONDS
    wait_until(
        lambda: httpx.get(f"{postgrest.admin_url}/ready", timeout=5).status_code == 503,
        30,
        "PostgREST not ready while PostgreSQL is down",
    )

    cluster_script(env, "start")
    # The same process, not restarted, serves again once it has reconnected (it retries at once
    # when the LISTEN connection drops, then with a backoff of at most 32 s).
    wait_until(lambda: users(postgrest, token).status_code == 200, 90, "PostgREST serving again")
    assert {user["display_name"] for user in users(postgrest, token).json()} >= {"Rita Reppel"}
    assert postgrest.process.poll() is None


# ------------------------------------------------------------------- a backend killed mid-request


def test_a_backend_killed_mid_request_costs_the_service_only_that_request(
    cluster: Cluster, seeded_database: str, api_for: Callable[..., Service]
) -> None:
    api = api_for(seeded_database)
    assert feedback_form(api).status_code == 200

    with (
        ThreadPoolExecutor(1) as threads,
        locked(cluster, seeded_database, "app_private.feedback_tokens") as holder,
    ):
        pending = threads.submit(feedback_form, api)
        victim = backend_waiting_for(cluster, seeded_database, "svc_api", holder)
        terminate(cluster, seeded_database, victim)
        killed = pending.result(timeout=30)

    assert_problem(killed, 503, "FP503")
    # The very next request succeeds: the pool dropped the dead connection, no restart.
    after = feedback_form(api)
    assert after.status_code == 200, after.text
    assert api.process.poll() is None


def test_a_backend_killed_mid_request_costs_postgrest_only_that_request(
    cluster: Cluster, seeded_database: str, postgrest: Service, token_for: Callable[..., str]
) -> None:
    token = token_for(REP1)
    assert users(postgrest, token).status_code == 200

    with ThreadPoolExecutor(1) as threads, locked(cluster, seeded_database, "app.users") as holder:
        pending = threads.submit(users, postgrest, token)
        victim = backend_waiting_for(cluster, seeded_database, "authenticator", holder)
        terminate(cluster, seeded_database, victim)
        killed = pending.result(timeout=30)

    assert killed.status_code == 503, killed.text
    assert killed.json()["code"].startswith("PGRST")
    assert "Rita" not in killed.text
    after = users(postgrest, token)
    assert after.status_code == 200, after.text
    assert postgrest.process.poll() is None


# ------------------------------------------------------------------- a full connection pool


def test_a_full_pool_gets_the_service_a_quick_503(
    cluster: Cluster, seeded_database: str, api_for: Callable[..., Service]
) -> None:
    api = api_for(
        seeded_database,
        FRESHPLAN_DB_POOL_MIN="1",
        FRESHPLAN_DB_POOL_MAX="1",
        FRESHPLAN_DB_POOL_TIMEOUT="0.5",
    )
    assert feedback_form(api).status_code == 200

    with (
        ThreadPoolExecutor(1) as threads,
        locked(cluster, seeded_database, "app_private.feedback_tokens") as holder,
    ):
        holding = threads.submit(feedback_form, api)  # takes the pool's only connection
        backend_waiting_for(cluster, seeded_database, "svc_api", holder)
        started = time.monotonic()
        refused = feedback_form(api)
        elapsed = time.monotonic() - started

    assert_problem(refused, 503, "FP503")
    assert 0.5 <= elapsed < 2.5  # waited the configured 0.5 s for a connection, then answered
    assert holding.result(timeout=30).status_code == 200  # the held request finishes normally
    assert feedback_form(api).status_code == 200


def test_a_full_pool_gets_postgrest_a_quick_504(
    cluster: Cluster,
    seeded_database: str,
    postgrest_for: Callable[..., Service],
    token_for: Callable[..., str],
) -> None:
    postgrest = postgrest_for(seeded_database, PGRST_DB_POOL="1")
    token = token_for(REP1)
    assert users(postgrest, token).status_code == 200

    with ThreadPoolExecutor(1) as threads, locked(cluster, seeded_database, "app.users") as holder:
        holding = threads.submit(users, postgrest, token)
        backend_waiting_for(cluster, seeded_database, "authenticator", holder)
        started = time.monotonic()
        refused = users(postgrest, token)
        elapsed = time.monotonic() - started

    assert refused.status_code == 504, refused.text
    assert refused.json()["code"] == "PGRST003"
    assert elapsed < QUICKLY_SECONDS
    assert holding.result(timeout=30).status_code == 200
    assert users(postgrest, token).status_code == 200
