"""Lead protection through the real PostgREST, with tokens from `freshplan token`: a rep's
journey, a manager's decisions, an auditor's read-only view, and concurrency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests.api_client import Api
from tests.conftest import Cluster, Service

NORD = "20000000-0000-4000-8000-000000000001"
POOL_LEAD = "40000000-0000-4000-8000-000000000007"  # released demo lead (sql/seed/demo.sql)


def test_a_reps_journey(
    postgrest: Service, token_for: Callable[..., str], clock: Callable[[str | None], None]
) -> None:
    rep = Api(postgrest.url, token_for("rep1@freshfoodz.example"))
    clock("2027-01-10 09:00+00")

    lead = rep.ok(
        "register_lead",
        {
            "company_name": "Hotel Sonne GmbH",
            "postal_code": "10117",
            "city": "Berlin",
            "contact_name": "Herr Sonne",
            "contact_email": "sonne@example.org",
        },
    )
    assert lead["status"] == "ACTIVE"
    assert lead["owner_id"] == rep.ok("whoami")["id"]
    protection = rep.one("lead_protection", lead_id=f"eq.{lead['id']}")
    assert protection["progress_due_at"] == "2027-03-11T09:00:00+00:00"

    rep.ok("log_activity", {"lead_id": lead["id"], "kind": "NOTE", "note": "Kurz notiert"})
    clock("2027-03-12 09:00+00")  # a NOTE is no progress: the lead is in GRACE now
    assert rep.one("lead_protection", lead_id=f"eq.{lead['id']}")["status"] == "GRACE"

    activity = rep.ok("log_activity", {"lead_id": lead["id"], "kind": "QUALIFIED_CALL"})
    assert activity["counts_as_progress"] is True
    assert rep.one("lead_protection", lead_id=f"eq.{lead['id']}")["status"] == "ACTIVE"

    hold = rep.ok("add_hold", {"lead_id": lead["id"], "reason": "FFZ_PRICE_APPROVAL"})
    assert hold["state"] == "APPROVED"
    clock("2027-03-20 09:00+00")
    protection = rep.one("lead_protection", lead_id=f"eq.{lead['id']}")
    assert protection["clock_stopped"] is True
    assert protection["held_days"] == 8
    # Mar 12 10:00 CET + 60 local days = May 11 10:00 CEST (08:00 UTC), then 8 held days
    assert protection["progress_due_at"] == "2027-05-19T08:00:00+00:00"

    history = rep.get("activities", lead_id=f"eq.{lead['id']}", order="occurred_at")
    assert [a["kind"] for a in history.json()] == ["NOTE", "QUALIFIED_CALL"]


def test_a_managers_decisions(
    postgrest: Service, token_for: Callable[..., str], clock: Callable[[str | None], None]
) -> None:
    clock("2027-01-10 09:00+00")
    rep = Api(postgrest.url, token_for("rep1@freshfoodz.example"))
    manager = Api(postgrest.url, token_for("manager@freshfoodz.example"))
    lead = rep.ok(
        "register_lead", {"company_name": "Kantine Ost", "postal_code": "10243", "city": "Berlin"}
    )

    pending = rep.ok(
        "add_hold",
        {"lead_id": lead["id"], "reason": "CUSTOMER_BLOCKED", "note": "Betriebsferien bis Februar"},
    )
    assert pending["state"] == "PENDING"
    notices = manager.get(
        "notifications", kind="eq.HOLD_PENDING", lead_id=f"eq.{lead['id']}"
    ).json()
    assert len(notices) == 1

    decided = manager.ok("decide_hold", {"hold_id": pending["id"], "approve": True, "note": "ok"})
    assert decided["state"] == "APPROVED"
    assert decided["decided_by"] == manager.ok("whoami")["id"]
    manager.ok("mark_notification_read", {"notification_id": notices[0]["id"]})
    assert (
        manager.get("notifications", id=f"eq.{notices[0]['id']}").json()[0]["read_at"] is not None
    )

    override = manager.ok(
        "override_protection",
        {
            "lead_id": lead["id"],
            "until": "2027-12-31T00:00:00+00:00",
            "reason": "Rahmenvertrag in Verhandlung",
        },
    )
    assert override["override_until"] == "2027-12-31T00:00:00+00:00"
    assert override["expires_at"] == "2027-12-31T00:00:00+00:00"

    rep2 = Api(postgrest.url, token_for("rep2@freshfoodz.example"))
    transferred = manager.ok(
        "transfer_lead",
        {
            "lead_id": lead["id"],
            "new_owner_id": rep2.ok("whoami")["id"],
            "reason": "Gebietswechsel zum 1.1.",
        },
    )
    assert transferred["owner_id"] == rep2.ok("whoami")["id"]
    assert rep.get("lead_protection", lead_id=f"eq.{lead['id']}").json() == []
    assert rep2.one("lead_protection", lead_id=f"eq.{lead['id']}")["status"] == "ACTIVE"

    actions = [
        e["action"] for e in manager.get("audit_log", lead_id=f"eq.{lead['id']}", order="id").json()
    ]
    assert actions == [
        "lead.registered",
        "lead.hold_added",
        "lead.hold_decided",
        "lead.override",
        "lead.transferred",
    ]


def test_an_auditor_reads_everything_and_changes_nothing(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    auditor = Api(postgrest.url, token_for("auditor@freshfoodz.example"))

    leads = auditor.get("leads").json()
    assert len(leads) == 7  # every demo lead of FreshFoodz, whoever owns it
    assert {lead["status"] for lead in leads} == {"ACTIVE", "GRACE", "EXPIRED", "UNASSIGNED"}
    assert auditor.get("audit_log").status_code == 200

    some_lead = leads[0]["id"]
    assert (
        auditor.rpc("add_hold", {"lead_id": some_lead, "reason": "FFZ_SAMPLE_DELAY"}).status_code
        == 403
    )
    assert (
        auditor.rpc(
            "register_lead", {"company_name": "X GmbH", "postal_code": "10115", "city": "Berlin"}
        ).status_code
        == 403
    )
    patch = httpx_patch(postgrest.url, "leads", auditor.headers(), {"company_name": "Hacked"})
    assert patch.status_code in (401, 403, 405), patch.text
    assert {lead["company_name"] for lead in auditor.get("leads").json()} == {
        lead["company_name"] for lead in leads
    }


def httpx_patch(
    base_url: str, path: str, headers: dict[str, str], body: dict[str, str]
) -> httpx.Response:
    return httpx.patch(f"{base_url}/{path}", json=body, headers=headers, timeout=30)


@pytest.mark.slow
def test_50_concurrent_registrations_create_exactly_one_lead(
    cluster: Cluster, seeded_database: str, postgrest: Service, token_for: Callable[..., str]
) -> None:
    admin = Api(postgrest.url, token_for("admin@freshfoodz.example"))
    tokens = []
    for n in range(10):
        admin.ok(
            "create_user",
            {
                "email": f"racer{n}@freshfoodz.example",
                "display_name": f"Racer {n}",
                "role": "sales_rep",
                "org_id": NORD,
            },
        )
        tokens.append(token_for(f"racer{n}@freshfoodz.example"))
    body = {"company_name": "Gasthaus Wettlauf", "postal_code": "10999", "city": "Berlin"}

    def register(i: int) -> tuple[int, str]:
        response = Api(postgrest.url, tokens[i % len(tokens)]).rpc("register_lead", body)
        return response.status_code, response.json().get(
            "code", ""
        ) if response.status_code != 200 else ""

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(register, range(50)))

    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: 49}, results
    assert {code for status, code in results if status == 409} <= {"FP302", "FP304"}
    with psycopg.connect(cluster.conninfo(seeded_database)) as conn:
        count = conn.execute(
            "select count(*) from app.leads where company_name = 'Gasthaus Wettlauf'"
        ).fetchone()
    assert count == (1,)


@pytest.mark.slow
def test_20_concurrent_claims_have_exactly_one_winner(
    cluster: Cluster, seeded_database: str, postgrest: Service, token_for: Callable[..., str]
) -> None:
    admin = Api(postgrest.url, token_for("admin@freshfoodz.example"))
    tokens = []
    for n in range(20):
        admin.ok(
            "create_user",
            {
                "email": f"claimer{n}@freshfoodz.example",
                "display_name": f"Claimer {n}",
                "role": "sales_rep",
                "org_id": NORD,
            },
        )
        tokens.append(token_for(f"claimer{n}@freshfoodz.example"))

    def claim(token: str) -> int:
        return Api(postgrest.url, token).rpc("claim_lead", {"lead_id": POOL_LEAD}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(claim, tokens))

    assert statuses == {200: 1, 409: 19}
    with psycopg.connect(cluster.conninfo(seeded_database)) as conn:
        opened = conn.execute(
            "select count(*) from app.lead_assignments"
            " where lead_id = %s and open_reason = 'CLAIMED'",
            [POOL_LEAD],
        ).fetchone()
    assert opened == (1,)
