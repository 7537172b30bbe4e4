"""The mailbox's quota from all-inkl's KAS API (SPEC 8.4) end to end: the real worker's kas.quota
job against the local KAS SOAP fake (tests/fakes/kas_server.py), queued as pg_cron queues it, with
the mailbox read by a throwaway Dovecot, so that the mail connector is configured as in
production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cluster, wait_until
from tests.imap import Dovecot
from tests.kas_support import (
    FakeKas,
    kas,  # noqa: F401 - fixture
    mailaccount,
)
from tests.test_xentral_products import as_user, sql

ADMIN = "admin@freshfoodz.example"
FLOOD_DELAY = 1.0


def check_quota(cluster: Cluster, dbname: str) -> tuple[str, str | None]:
    """Queue the daily check as pg_cron does and wait for its job to end: (state, error)."""
    before = sql(
        cluster, dbname, "select coalesce(max(id), 0) from app.jobs where kind = 'kas.quota'"
    )
    assert sql(cluster, dbname, "select app_private.run_job('kas_quota') ->> 'queued'")[0][0] == "1"
    job = sql(
        cluster, dbname, "select max(id) from app.jobs where kind = 'kas.quota' and id > %s",
        before[0][0],
    )[0][0]  # fmt: skip
    ended = (
        "select state in ('DONE', 'PARKED') or (attempts > 0 and state = 'PENDING')"
        " from app.jobs where id = %s"
    )
    wait_until(lambda: sql(cluster, dbname, ended, job)[0][0], 60, f"kas job {job}")
    state: tuple[str, str | None] = sql(
        cluster, dbname, "select state, last_error from app.jobs where id = %s", job
    )[0]  # fmt: skip
    return state


def integration(cluster: Cluster, dbname: str) -> dict[str, str]:
    with as_user(cluster, dbname, ADMIN) as conn:
        return dict(conn.execute("select connector, state from api.integration_status").fetchall())


@pytest.mark.slow
def test_a_nearly_full_mailbox_degrades_mail_and_tells_the_admins_once(
    cluster: Cluster,
    seeded_database: str,
    kas: FakeKas,  # noqa: F811 - fixture
    dovecot: Dovecot,
    worker_for: Any,
    tmp_path: Path,
) -> None:
    db = seeded_database
    kas.config(flood_delay=FLOOD_DELAY)
    kas.mailaccounts([mailaccount(1, addresses=["kontakt@freshfoodz.example"], used_mb=950)])
    kas.resources({"max_webspace": {"max": 50_000, "used": 2_000}})
    worker = worker_for(
        db,
        f"file://{tmp_path}/mail",
        extra_env=kas.env(
            FRESHPLAN_IMAP_URL=dovecot.url,  # its user is the mailbox's address
            FRESHPLAN_IMAP_TENANT="freshfoodz",
            FRESHPLAN_LOG_LEVEL="DEBUG",
        ),
    )
    configured = (
        "select count(*) from app.connectors where connector in ('kas', 'mail') and configured"
    )
    wait_until(lambda: sql(cluster, db, configured)[0][0] == 2, 60, "the worker reports KAS")
    assert integration(cluster, db)["mail"] == "ok"

    assert check_quota(cluster, db) == ("DONE", None)
    row = sql(
        cluster, db,
        "select mail_login, used_mb, quota_mb, percent::text, warned_at is not null"
        " from app.mailbox_quotas",
    )  # fmt: skip
    assert row == [("m0000001", 950, 1000, "95.00", True)], "found by its address"
    assert integration(cluster, db)["mail"] == "degraded"
    assert integration(cluster, db)["kas"] == "ok"
    notices = "select count(*) from app.notifications where kind = 'MAILBOX_FULL'"
    admins = sql(
        cluster, db,
        "select count(*) from app.users u join app.tenants t on t.id = u.tenant_id"
        " where t.slug = 'freshfoodz' and u.role = 'tenant_admin' and u.active",
    )[0][0]  # fmt: skip
    assert admins >= 1
    assert sql(cluster, db, notices)[0][0] == admins, "each admin is told"

    calls = [r for r in kas.requests() if r["endpoint"] == "api"]
    assert [c["action"] for c in calls] == ["get_mailaccounts", "get_accountresources"]
    assert all(c["fault"] is None for c in calls), "no flood_protection"
    assert calls[1]["at"] - calls[0]["at"] >= FLOOD_DELAY, "KasFloodDelay respected"

    assert check_quota(cluster, db) == ("DONE", None)  # the next day, still above
    assert sql(cluster, db, notices)[0][0] == admins, "told once, not every day"

    kas.mailaccounts([mailaccount(1, addresses=["kontakt@freshfoodz.example"], used_mb=100)])
    assert check_quota(cluster, db) == ("DONE", None)
    assert integration(cluster, db)["mail"] == "ok", "archived: the warning is over"
    assert kas.password not in worker.log(), "the password is never logged"


@pytest.mark.slow
def test_kas_down_is_retried_and_a_refused_login_parks_the_job(
    cluster: Cluster,
    seeded_database: str,
    kas: FakeKas,  # noqa: F811 - fixture
    worker_for: Any,
    tmp_path: Path,
) -> None:
    db = seeded_database
    kas.config(flood_delay=0)
    kas.mailaccounts([mailaccount(1)])
    worker_for(
        db,
        f"file://{tmp_path}/mail",
        extra_env=kas.env(KAS_MAIL_LOGIN="m0000001", FRESHPLAN_IMAP_TENANT="freshfoodz"),
    )
    configured = "select configured from app.connectors where connector = 'kas'"
    wait_until(lambda: sql(cluster, db, configured)[0][0], 60, "the worker reports KAS")

    kas.faults({"mode": "status", "status": 503, "times": None})
    state, error = check_quota(cluster, db)
    assert state == "PENDING", "KAS down: retried later"
    assert error is not None
    assert "503" in error
    assert integration(cluster, db)["kas"] == "down"
    kas.forget()
    kas.faults({"mode": "status", "status": 429, "times": None})  # then busy: slow down
    due = (
        "update app.jobs set next_attempt_at = now() where kind = 'kas.quota' and state = 'PENDING'"
    )
    sql(cluster, db, due)
    again = "select attempts, state, last_error from app.jobs where kind = 'kas.quota'"
    wait_until(lambda: sql(cluster, db, again)[0][0] == 2, 60, "the second attempt")
    state, error = sql(cluster, db, again)[0][1:]
    assert state == "PENDING", "a 429 is retried, not parked"
    assert error is not None
    assert "HTTP 429" in error
    kas.forget()  # KAS is back; the retry is due now
    sql(
        cluster,
        db,
        "update app.jobs set next_attempt_at = now()"
        " where kind = 'kas.quota' and state = 'PENDING'",
    )
    done = "select count(*) from app.jobs where kind = 'kas.quota' and state = 'DONE'"
    wait_until(lambda: sql(cluster, db, done)[0][0] == 1, 60, "the retry done")
    assert integration(cluster, db)["kas"] == "ok"
    assert sql(cluster, db, "select used_mb from app.mailbox_quotas")[0][0] == 10

    kas.config(password="changed-by-someone")  # KAS_PASSWORD is wrong now
    state, error = check_quota(cluster, db)
    assert state == "PARKED", "another attempt cannot help"
    assert error is not None
    assert "kas_login_failed" in error
    assert "kas-test-password" not in error
