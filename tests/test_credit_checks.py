"""Allianz Trade credit checks (SPEC 8.3) end to end: the real service (one or two processes) and
the real worker against the local Allianz Trade fake, on a real database. What reached Allianz
Trade is counted in the fake's own request log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.allianz_support import API_KEY, FakeAllianz, allianz, company  # noqa: F401 - fixture
from tests.conftest import Cluster, Service, wait_until
from tests.test_xentral_products import as_user, sql

REP = "rep1@freshfoodz.example"
OTHER_REP = "rep2@freshfoodz.example"
MANAGER = "manager@freshfoodz.example"
AUDITOR = "auditor@freshfoodz.example"
MATCHING = "/search/v2/companies/matching"
COVERS = "/riskinfo/v3/covers"


def lead(cluster: Cluster, dbname: str, name: str, postal: str, vat: str | None = None) -> str:
    with as_user(cluster, dbname, REP) as conn:
        row = conn.execute(
            "select id from api.register_lead(%s, %s, 'Berlin')", [name, postal]
        ).fetchone()
    assert row is not None
    if vat is not None:
        sql(
            cluster,
            dbname,
            "update app.lead_details set vat_id = %s where lead_id = %s",
            vat,
            row[0],
        )
    return str(row[0])


def upstream(fake: FakeAllianz, path: str, method: str = "POST") -> int:
    return sum(1 for r in fake.requests() if r["path"] == path and r["method"] == method)


class Checks:
    def __init__(self, service: Service, token_for: Callable[..., str]) -> None:
        self.url = service.url
        self.token_for = token_for

    def check(self, lead_id: str, email: str = REP, **extra: Any) -> httpx.Response:
        return httpx.post(
            f"{self.url}/api/credit-checks",
            json={"lead_id": lead_id, **extra},
            headers={"Authorization": f"Bearer {self.token_for(email)}"},
            timeout=60,
        )


def start_service(api_for: Callable[..., Service], dbname: str, fake: FakeAllianz) -> Service:
    service: Service = api_for(dbname, **fake.env(ALLIANZ_TRADE_GRADE_WAIT_SECONDS="5"))
    return service


@pytest.mark.slow
def test_live_cached_refreshed_unknown_and_down(
    cluster: Cluster,
    seeded_database: str,
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
    api_for: Callable[..., Service],
    token_for: Callable[..., str],
) -> None:
    db = seeded_database
    allianz.companies([company(1), company(2), company(4, grade="2")])
    by_vat = lead(cluster, db, "Sonnenhof Eins", "10115", vat="DE 100 000 001")
    by_name = lead(cluster, db, "Gasthaus 002 GmbH", "10002")
    same_company = lead(cluster, db, "Sonnenhof Filiale", "10117", vat="DE100000001")
    unknown = lead(cluster, db, "Niemand Bekannt AG", "10119")
    service = start_service(api_for, db, allianz)
    checks = Checks(service, token_for)

    live = checks.check(by_vat)
    assert live.status_code == 200, live.text
    answer = live.json()
    keys = ("lead_id", "company_id", "grade", "status", "source", "stale")
    assert {k: answer[k] for k in keys} == {
        "lead_id": by_vat, "company_id": "1001", "grade": "4", "status": "GRADED", "source": "live",
        "stale": False,
    }  # fmt: skip
    assert answer["check_id"]
    assert answer["checked_at"]
    assert answer["valid_until"] is not None
    sent = next(r for r in allianz.requests() if r["path"] == MATCHING)["body"]
    assert sent["companyIdentifiers"] == [{"idTypeCode": "VAT", "idValue": "DE100000001"}]
    assert allianz.tokens_issued() == 1

    before = len(allianz.requests())
    cached = checks.check(by_vat).json()
    assert (cached["source"], cached["check_id"]) == ("cache", answer["check_id"])
    assert len(allianz.requests()) == before, "a cached grade makes no upstream call"

    assert checks.check(by_vat, refresh=True).status_code == 403, "only managers refresh"
    refreshed = checks.check(by_vat, MANAGER, refresh=True).json()
    assert (refreshed["source"], refreshed["grade"]) == ("live", "4")
    assert refreshed["check_id"] != answer["check_id"]
    assert upstream(allianz, COVERS) == 2
    assert allianz.tokens_issued() == 1, "the token is kept until it expires"

    reused = checks.check(same_company).json()
    assert (reused["source"], reused["company_id"], reused["grade"]) == ("cache", "1001", "4")
    assert upstream(allianz, MATCHING) == 3, "the company is matched"
    assert upstream(allianz, COVERS) == 2, "but its fresh grade is reused: 8 h per company"

    named = checks.check(by_name).json()
    assert (named["company_id"], named["source"]) == ("1002", "live")
    matched = [r["body"] for r in allianz.requests() if r["path"] == MATCHING][-1]
    assert (matched["companyName"], matched["postalCode"]) == ("Gasthaus 002 GmbH", "10002")

    missing = checks.check(unknown)
    assert missing.status_code == 404
    assert missing.json()["code"] == "FP821"

    assert checks.check(by_vat, AUDITOR).status_code == 403
    assert checks.check(by_vat, OTHER_REP).json()["code"] == "FP305", (
        "another rep's lead is unknown"
    )
    assert checks.check("not-a-uuid").status_code == 422

    # a token Allianz Trade no longer accepts: one new authorisation, the check goes on
    allianz.expire_tokens()
    assert checks.check(by_name, MANAGER, refresh=True).status_code == 200
    assert allianz.tokens_issued() == 2

    # Allianz Trade down: the last grade, stale; without one a 503
    allianz.config(maintenance=True)
    stale = checks.check(by_vat, MANAGER, refresh=True)
    assert stale.status_code == 200, stale.text
    assert (stale.json()["stale"], stale.json()["grade"], stale.json()["check_id"]) == (
        True, "4", refreshed["check_id"],
    )  # fmt: skip
    down = checks.check(unknown, MANAGER, refresh=True)
    assert down.status_code == 503
    assert down.json()["code"] == "FP822"
    state = sql(
        cluster, db,
        "select last_error from app.connector_states where connector = 'allianz'",
    )[0][0]  # fmt: skip
    assert "503" in state

    audited = sql(
        cluster, db,
        "select action, count(*) from app.audit_log where action like 'credit_check.%%'"
        " group by action order by action",
    )  # fmt: skip
    # each grade request is recorded (pending) before it is polled, then completed
    assert audited == [
        ("credit_check.failed", 1), ("credit_check.graded", 5), ("credit_check.pending", 4),
    ]  # fmt: skip
    actors = sql(
        cluster, db,
        "select distinct u.email from app.audit_log as a join app.users as u on u.id = a.actor_id"
        " where a.action like 'credit_check.%%'",
    )  # fmt: skip
    assert sorted(actors) == [(MANAGER,), (REP,)], "the audit names who asked"
    latencies = sql(
        cluster, db,
        "select operation, count(*) from app.connector_calls where connector = 'allianz'"
        " group by operation order by operation",
    )  # fmt: skip
    assert {op for op, _ in latencies} >= {
        "authorize",
        "company_match",
        "grade_request",
        "job_poll",
    }
    assert API_KEY not in service.log(), "the key is never logged"


@pytest.mark.slow
def test_concurrent_checks_of_one_company_make_one_upstream_lookup(
    cluster: Cluster,
    seeded_database: str,
    allianz: FakeAllianz,  # noqa: F811
    api_for: Callable[..., Service],
    token_for: Callable[..., str],
) -> None:
    db = seeded_database
    allianz.companies([company(3)])
    # the first lookup takes a while, so that all 50 requests are in flight while it runs
    allianz.faults({"mode": "slow", "delay": 0.5, "path": MATCHING, "times": 1})
    target = lead(cluster, db, "Sonnenhof Drei", "10115", vat="DE100000003")
    # the same company known differently: by name and postcode, no VAT id
    twin = lead(cluster, db, "Gasthaus 003 GmbH", "10003")
    services = [start_service(api_for, db, allianz) for _ in range(2)]
    token = token_for(REP)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*(
                client.post(
                    f"{services[n % 2].url}/api/credit-checks",
                    json={"lead_id": target if n < 40 else twin},
                    headers={"Authorization": f"Bearer {token}"},
                )
                # 25 per process, more than one user's 20 live checks a minute: only the checks
                # that go to Allianz Trade count, not those answered by what another stored
                for n in range(50)
            ))  # fmt: skip

    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [200] * 50, [a.text for a in answers][:3]
    first = answers[:40]
    assert {a.json()["check_id"] for a in first} == {first[0].json()["check_id"]}
    assert [a.json()["source"] for a in first].count("live") == 1
    assert upstream(allianz, MATCHING) == 2, "one lookup per way we know the company"
    assert upstream(allianz, COVERS) == 1, "one grade request for the company, over 2 processes"
    assert {a.json()["grade"] for a in answers} == {"4"}
    assert {a.json()["company_id"] for a in answers} == {"1003"}


@pytest.mark.slow
def test_a_limit_request_is_polled_to_a_decision(
    cluster: Cluster,
    seeded_database: str,
    allianz: FakeAllianz,  # noqa: F811
    api_for: Callable[..., Service],
    token_for: Callable[..., str],
    worker_for: Any,
    tmp_path: Path,
) -> None:
    db = seeded_database
    allianz.companies([company(5, decision="partial")])
    allianz.config(pending_polls=2)
    target = lead(cluster, db, "Sonnenhof Fuenf", "10115", vat="DE100000005")
    checks = Checks(start_service(api_for, db, allianz), token_for)
    check_id = checks.check(target).json()["check_id"]
    worker_for(
        db, f"file://{tmp_path}/mail", extra_env=allianz.env(ALLIANZ_TRADE_POLL_SECONDS="0.2")
    )
    wait_until(
        lambda: sql(
            cluster, db, "select configured from app.connectors where connector = 'allianz'"
        )[0][0],
        60,
        "the worker reports Allianz Trade configured",
    )
    url = f"{checks.url}/api/credit-checks/{check_id}/limit-request"

    def ask(body: Any, email: str = REP) -> httpx.Response:
        return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token_for(email)}"})

    assert ask({"amount_eur": "lots"}).status_code == 422
    assert ask({"amount_eur": 0}).json()["code"] == "FP825"
    assert ask({"amount_eur": 1000}, AUDITOR).status_code == 403
    assert ask({"amount_eur": 1000}, OTHER_REP).json()["code"] == "FP823"
    queued = ask({"amount_eur": 25000})
    assert queued.status_code == 202, queued.text
    request_id = queued.json()["request_id"]
    assert queued.json()["state"] == "REQUESTED"

    wait_until(
        lambda: (
            sql(
                cluster, db, "select state from app.credit_limit_requests where id = %s", request_id
            )[0][0]
            not in ("REQUESTED", "PENDING")
        ),
        120,
        "the limit request decided",
    )
    decided = sql(
        cluster, db,
        "select state, agreed_eur::text, decision, polls from app.credit_limit_requests"
        " where id = %s",
        request_id,
    )[0]  # fmt: skip
    assert decided[:3] == ("PARTIAL", "12500.00", "PartiallyAgreed")
    assert decided[3] == 3, "sent, then polled until processed"
    primary = [
        r["body"] for r in allianz.requests() if r["path"] == COVERS and r["method"] == "POST"
    ]
    assert [b["requestTypeCode"] for b in primary] == ["GradeCover", "Primary"], "sent once"
    assert primary[1]["creditLimitDetails"] == {"requestedAmount": 25000.0, "currencyCode": "EUR"}
    told = sql(
        cluster, db,
        "select n.subject from app.notifications as n join app.users as u on u.id = n.user_id"
        " where n.kind = 'CREDIT_LIMIT_DECIDED' and u.email = %s",
        REP,
    )  # fmt: skip
    assert told == [("Kreditlimit Gasthaus 005 GmbH: teilweise bewilligt",)]
    with as_user(cluster, db, REP) as conn:
        seen = conn.execute(
            "select limit_state, limit_agreed_eur::text from api.credit_checks where id = %s",
            [check_id],
        ).fetchall()
    assert seen == [("PARTIAL", "12500.00")]
    jobs = sql(
        cluster, db,
        "select state, count(*) from app.jobs where kind = 'allianz.limit' group by state",
    )  # fmt: skip
    assert jobs == [("DONE", 4)], "one job per step, none failing while Allianz Trade decides"
