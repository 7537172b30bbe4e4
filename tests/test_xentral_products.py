"""The Xentral product sync (SPEC 8.2) end to end: the real worker (`freshplan worker`) with the
xentral.products handler, against the local Xentral fake through its HTTP API, on a real database.
Syncs are requested the way a tenant admin does (api.request_sync, under the admin's role and
claims, as PostgREST runs it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import Cluster, Service, WorkerProcess, wait_until
from tests.xentral_support import TOKEN, FakeXentral, product, xentral  # noqa: F401 - fixture

FRESHFOODZ = "10000000-0000-4000-8000-000000000001"
NORDKUECHE = "10000000-0000-4000-8000-000000000002"
ADMIN = "admin@freshfoodz.example"
REP = "rep1@freshfoodz.example"
CONFIGURED = "select configured from app.connectors where connector = 'xentral'"


def sql(cluster: Cluster, dbname: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        cursor = conn.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def as_user(cluster: Cluster, dbname: str, email: str) -> psycopg.Connection[Any]:
    """A connection with the user's role and claims, as PostgREST sets them for a request."""
    conn = psycopg.connect(cluster.conninfo(dbname), autocommit=True)
    row = conn.execute(
        "select id, tenant_id, org_id, role from app.users where email = %s", [email]
    ).fetchone()
    assert row is not None, email
    claims = {"role": row[3], "sub": str(row[0]), "tenant_id": str(row[1]), "org_id": str(row[2])}
    conn.execute(f"set role {row[3]}")
    conn.execute("select set_config('request.jwt.claims', %s, false)", [json.dumps(claims)])
    return conn


def request_sync(cluster: Cluster, dbname: str, email: str = ADMIN) -> int:
    with as_user(cluster, dbname, email) as conn:
        row = conn.execute("select id from api.request_sync('xentral.products')").fetchone()
    assert row is not None
    return int(row[0])


def finished(cluster: Cluster, dbname: str, job_id: int) -> dict[str, Any]:
    """Wait for the job to end; its row."""
    wait_until(
        lambda: (
            sql(cluster, dbname, "select state from app.jobs where id = %s", job_id)[0][0]
            in ("DONE", "PARKED")
        ),
        120,
        f"job {job_id} done or parked",
    )
    row = sql(
        cluster, dbname, "select state, attempts, last_error from app.jobs where id = %s", job_id
    )[0]
    return {"state": row[0], "attempts": row[1], "last_error": row[2]}


def last_result(cluster: Cluster, dbname: str, tenant: str = FRESHFOODZ) -> dict[str, Any]:
    rows = sql(
        cluster,
        dbname,
        "select last_result from app.connector_states"
        " where tenant_id = %s and connector = 'xentral'",
        tenant,
    )
    result: dict[str, Any] = rows[0][0]
    return result


def products(cluster: Cluster, dbname: str, tenant: str = FRESHFOODZ) -> dict[str, tuple[Any, ...]]:
    rows = sql(
        cluster,
        dbname,
        "select xentral_id, sku, active, net_price::text, unit, synced_at from app.products"
        " where tenant_id = %s and xentral_id is not null",
        tenant,
    )
    return {row[0]: row[1:] for row in rows}


def start_worker(
    worker_for: Any, dbname: str, fake: FakeXentral, tmp_path: Path, cluster: Cluster, **extra: str
) -> WorkerProcess:
    worker: WorkerProcess = worker_for(
        dbname,
        f"file://{tmp_path}/mail",
        extra_env=fake.env(
            XENTRAL_RATE_LIMIT="20",
            XENTRAL_RATE_WINDOW_SECONDS="1",
            XENTRAL_SYNC_OVERLAP_SECONDS="0",
            **extra,
        ),
    )
    wait_until(
        lambda: sql(
            cluster, dbname, "select configured from app.connectors where connector = 'xentral'"
        )[0][0],
        60,
        "the worker reports Xentral configured",
    )
    return worker


@pytest.mark.slow
def test_full_pull_incremental_runs_and_the_daily_full_pull(
    cluster: Cluster,
    seeded_database: str,
    xentral: FakeXentral,  # noqa: F811 - the fixture imported above
    worker_for: Any,
    tmp_path: Path,
) -> None:
    db = seeded_database
    xentral.catalogue([product(n) for n in range(1, 1001)])
    start_worker(worker_for, db, xentral, tmp_path, cluster)

    job = finished(cluster, db, request_sync(cluster, db))
    assert job == {"state": "DONE", "attempts": 1, "last_error": None}
    synced = products(cluster, db)
    assert len(synced) == 1000
    assert all(row[2] for row in synced.values())
    assert synced["7"][:4] == ("SKU-00007", True, "8.5000", "Stück")
    assert products(cluster, db, NORDKUECHE) == {}, "another tenant's catalogue is its own"
    log = xentral.requests()
    assert len(log) == 20
    assert {r["status"] for r in log} == {200}
    assert all(r["query"]["page[size]"] == "50" for r in log)
    assert xentral.throttled() == 0
    assert last_result(cluster, db) | {"seconds": 0} == {
        "full_pull": True, "listed": 1000, "inserted": 1000, "updated": 0, "skipped": 0,
        "gone": 0, "renumbered": 0, "pages": 20, "requests": 20, "throttled": 0, "seconds": 0,
    }  # fmt: skip

    # nothing changed in Xentral: one request, and not one row written
    xentral.forget()
    job = finished(cluster, db, request_sync(cluster, db))
    assert job["state"] == "DONE"
    log = xentral.requests()
    assert len(log) == 1, json.dumps(log)
    assert log[0]["query"]["filter[0][key]"] == "updatedAt"
    assert log[0]["query"]["filter[0][op]"] == "greaterThan"
    assert products(cluster, db) == synced
    assert last_result(cluster, db)["full_pull"] is False

    # disabled, deleted, repriced, new, and one that vanished from Xentral's list
    xentral.change(
        product(5, isDisabled=True),
        product(6, isDeleted=True),
        product(7, salesPriceNet={"amount": "9.99", "currency": "EUR"}),
        product(1001),
    )
    xentral.remove("8")
    xentral.forget()
    finished(cluster, db, request_sync(cluster, db))
    assert len(xentral.requests()) == 1
    after = products(cluster, db)
    assert (after["5"][1], after["6"][1], after["7"][2], after["1001"][1]) == (
        False, False, "9.9900", True,
    )  # fmt: skip
    assert after["8"][1] is True, "an incremental sync cannot see a product that vanished"
    assert after["9"] == synced["9"], "an unchanged product is not written"

    # a day later the full pull catches it: inactive, never deleted
    sql(
        cluster,
        db,
        "update app.connector_states set last_full_sync_at = last_full_sync_at - interval '2 days'",
    )
    finished(cluster, db, request_sync(cluster, db))
    final = products(cluster, db)
    assert len(final) == 1001
    assert final["8"][1] is False
    assert last_result(cluster, db)["full_pull"] is True
    assert last_result(cluster, db)["gone"] == 1
    with as_user(cluster, db, ADMIN) as conn:
        status = conn.execute(
            "select connector, configured, state, backlog, last_error from api.integration_status"
            " where connector = 'xentral'"
        ).fetchall()
        visible = conn.execute(
            "select count(*) from api.products where active and synced_at is not null"
        ).fetchone()
    assert status == [("xentral", True, "ok", 0, None)]
    assert visible == (1001 - 3,)


def test_the_client_keeps_below_a_lower_limit_xentral_announces(
    cluster: Cluster,
    seeded_database: str,
    xentral: FakeXentral,  # noqa: F811 - the fixture imported above
    worker_for: Any,
    tmp_path: Path,
) -> None:
    # the client is told 20 a second; Xentral's X-RateLimit-Limit says 5 (and, so that only the
    # limit can keep the client below it, no X-RateLimit-Remaining)
    xentral.config(rate_limit=5, rate_window=1.0, send_remaining=False)
    xentral.catalogue([product(n) for n in range(1, 601)])
    start_worker(worker_for, seeded_database, xentral, tmp_path, cluster)
    job = finished(cluster, seeded_database, request_sync(cluster, seeded_database))
    assert job["state"] == "DONE"
    assert len(products(cluster, seeded_database)) == 600
    assert len(xentral.requests()) == 12
    assert xentral.throttled() == 0


def test_503_a_dropped_connection_and_a_429_are_retried_within_the_job(
    cluster: Cluster,
    seeded_database: str,
    xentral: FakeXentral,  # noqa: F811 - the fixture imported above
    worker_for: Any,
    tmp_path: Path,
) -> None:
    xentral.catalogue([product(n) for n in range(1, 121)])
    xentral.faults(
        {"mode": "status", "status": 503},
        {"mode": "drop"},
        {"mode": "throttle", "retry_after": 1},
        {"mode": "slow", "delay": 0.5},
    )
    start_worker(worker_for, seeded_database, xentral, tmp_path, cluster)
    job = finished(cluster, seeded_database, request_sync(cluster, seeded_database))
    assert job == {"state": "DONE", "attempts": 1, "last_error": None}
    assert len(products(cluster, seeded_database)) == 120
    log = xentral.requests()
    statuses = [r["status"] for r in log]
    assert statuses[:3] == [503, 0, 429], "the dropped request never got a status"
    assert statuses[3:] == [200, 200, 200]
    assert log[3]["at"] - log[2]["at"] >= 0.95, "the client waited Retry-After (1 s)"
    assert last_result(cluster, seeded_database)["throttled"] == 1


def test_hostile_items_are_cleaned_or_skipped_and_the_page_is_stored(
    cluster: Cluster,
    seeded_database: str,
    xentral: FakeXentral,  # noqa: F811 - the fixture imported above
    worker_for: Any,
    tmp_path: Path,
) -> None:
    xentral.catalogue(
        [
            product(1, name="Apfel\u0000saft"),
            product(2, salesPriceNet={"amount": "1e999999", "currency": "EUR"}),
            product(3, number="no spaces; in SKUs"),
            product(4, salesPriceNet={"amount": "9999999999.99995", "currency": "EUR"}),
            product(5, unit="x" * 5000),
            "not an object",
        ]
    )
    start_worker(worker_for, seeded_database, xentral, tmp_path, cluster)
    job = finished(cluster, seeded_database, request_sync(cluster, seeded_database))
    assert job["state"] == "DONE"
    stored = products(cluster, seeded_database)
    assert sorted(stored) == ["1", "2", "4", "5"]
    assert stored["2"][2] is None, "an absurd price is no price"
    assert stored["4"][2] is None, "a price numeric(14, 4) cannot hold is no price"
    assert len(stored["5"][3]) == 30
    names = sql(cluster, seeded_database, "select name from app.products where xentral_id = '1'")
    assert names == [("Apfelsaft",)], "PostgreSQL cannot store NUL: it is dropped"
    result = last_result(cluster, seeded_database)
    assert result["skipped"] == 2, "the bad SKU and the item that is not an object"


def test_a_refused_token_parks_the_sync_and_is_never_logged(
    cluster: Cluster,
    seeded_database: str,
    xentral: FakeXentral,  # noqa: F811 - the fixture imported above
    worker_for: Any,
    api_for: Callable[..., Service],
    tmp_path: Path,
) -> None:
    xentral.catalogue([product(1)])
    xentral.config(token="another-token")
    worker = start_worker(worker_for, seeded_database, xentral, tmp_path, cluster)
    job = finished(cluster, seeded_database, request_sync(cluster, seeded_database))
    assert job["state"] == "PARKED"
    assert job["attempts"] == 1, "a 401 is not retried"
    assert len(xentral.requests()) == 1, "not even within the attempt"
    assert "401" in job["last_error"]
    with as_user(cluster, seeded_database, ADMIN) as conn:
        state, error = conn.execute(
            "select state, last_error from api.integration_status where connector = 'xentral'"
        ).fetchone() or (None, None)
    assert state == "down"
    assert "401" in str(error)
    secret = TOKEN.split("|")[1]
    dumped = json.dumps(sql(cluster, seeded_database, "select to_jsonb(j) from app.jobs as j"))
    dumped += worker.log()
    dumped += json.dumps(
        sql(cluster, seeded_database, "select to_jsonb(s) from app.connector_states s")
    )
    assert secret not in dumped
    assert products(cluster, seeded_database) == {}
    # the service's /health reports the connector as down (degraded, not a 503), without the error
    health = httpx.get(f"{api_for(seeded_database).url}/health", timeout=10).json()
    assert health["status"] == "degraded"
    assert health["components"]["xentral"] == {"status": "down", "detail": "its last call failed"}


def error_code(error: psycopg.Error) -> str:
    """The FP code of a domain error (app.raise_error puts it in the message's JSON)."""
    assert error.sqlstate == "PGRST", error
    code: str = json.loads(error.diag.message_primary or "{}")["code"]
    return code


def test_request_sync_is_for_admins_of_a_configured_connector(
    cluster: Cluster, seeded_database: str
) -> None:
    with as_user(cluster, seeded_database, REP) as conn, pytest.raises(psycopg.Error) as denied:
        conn.execute("select * from api.request_sync('xentral.products')")
    assert error_code(denied.value) == "FP102"
    with as_user(cluster, seeded_database, ADMIN) as conn:
        with pytest.raises(psycopg.Error) as unconfigured:
            conn.execute("select * from api.request_sync('xentral.products')")
        assert error_code(unconfigured.value) == "FP811"
        with pytest.raises(psycopg.Error) as unknown:
            conn.execute("select * from api.request_sync('mail.send')")
        assert error_code(unknown.value) == "FP810"
    queued = "select count(*) from app.jobs where kind = 'xentral.products'"
    assert sql(cluster, seeded_database, queued) == [(0,)]
