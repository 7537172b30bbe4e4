"""Bad input on every api function, through the real PostgREST: a clear 4xx with the registered
code, and nothing stored."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.api_client import Api
from tests.conftest import (
    ROOT,
    Cluster,
    Service,
    create_database,
    drop_database,
    free_port,
    start_service,
    stop_service,
)

HOTEL = "40000000-0000-4000-8000-000000000002"  # rep1's lead with an open hold (demo seed)
GASTHOF = "40000000-0000-4000-8000-000000000001"  # rep1's ACTIVE lead
HOLD = "70000000-0000-4000-8000-000000000001"
BOX = "80000000-0000-4000-8000-000000000001"  # Gasthof's sample box: CF-1001, CF-1002, CF-3001
PHASE = "81000000-0000-4000-8000-000000000001"
NOWHERE = "00000000-0000-4000-8000-000000000000"
REP2 = "30000000-0000-4000-8000-000000000005"
LONG = "x" * 10_000
TABLES = (
    "leads",
    "lead_details",
    "lead_assignments",
    "activities",
    "holds",
    "collaborators",
    "extension_requests",
    "protection_overrides",
    "settings_values",
    "audit_log",
    "notifications",
    "users",
    "sample_boxes",
    "sample_box_items",
    "test_phases",
    "test_results",
    "product_feedback",
    "feedback_submissions",
    "sales_orders",
    "inbound_mails",
)


@pytest.fixture(scope="module")
def world(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Service]]:
    """One seeded database and PostgREST for all cases: every case must leave it unchanged."""
    name = create_database(cluster)
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        conn.execute((ROOT / "sql/seed/demo.sql").read_text(encoding="utf-8"))
    port, admin_port = free_port(), free_port()
    env = cluster.env(name) | {
        "FRESHPLAN_POSTGREST_PORT": str(port),
        "FRESHPLAN_POSTGREST_ADMIN_PORT": str(admin_port),
    }
    log = tmp_path_factory.mktemp("postgrest") / "postgrest.log"
    process = start_service(
        [str(ROOT / "scripts/postgrest")], env, f"http://127.0.0.1:{admin_port}/ready", log
    )
    yield name, Service(f"http://127.0.0.1:{port}", process, log)
    stop_service(process)
    drop_database(cluster, name)


def mint(cluster: Cluster, dbname: str, email: str) -> str:
    freshplan = shutil.which("freshplan", path=str(ROOT / ".venv/bin"))
    assert freshplan
    result = subprocess.run(
        [freshplan, "token", "--email", email],
        env=cluster.env(dbname),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def snapshot(cluster: Cluster, dbname: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        for table in TABLES:
            query = sql.SQL("select count(*) from {}").format(sql.Identifier("app", table))
            row = conn.execute(query).fetchone()
            assert row is not None
            counts[table] = int(row[0])
    return counts


CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    # (who, function, body, status, code)
    (
        "rep1",
        "register_lead",
        {"company_name": None, "postal_code": "10115", "city": "Berlin"},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": LONG, "postal_code": "10115", "city": "Berlin"},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu", "postal_code": "1", "city": "Berlin"},
        400,
        "FP301",
    ),
    # text that ends up in a mail subject: one line, no control or line-separator characters
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu\r\nBcc: x@example.org", "postal_code": "10115", "city": "Berlin"},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu", "postal_code": "10115", "city": "Berlin\u2028Mitte"},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu", "postal_code": "10115", "city": LONG},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu", "postal_code": "10115", "city": "Berlin", "country": "Deutschland"},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu", "postal_code": "10115", "city": "Berlin", "vat_id": "not a vat id"},
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {
            "company_name": "Neu",
            "postal_code": "10115",
            "city": "Berlin",
            "contact_phone": "call me",
        },
        400,
        "FP301",
    ),
    (
        "rep1",
        "register_lead",
        {"company_name": "Neu", "postal_code": 10115, "city": "Berlin", "street": LONG},
        400,
        "FP301",
    ),
    ("rep1", "find_similar_leads", {"company_name": LONG, "postal_code": "10115"}, 400, "FP301"),
    ("rep1", "find_similar_leads", {"company_name": "Adler", "postal_code": None}, 400, "FP301"),
    ("rep1", "claim_lead", {"lead_id": "not-a-uuid"}, 400, "22P02"),
    ("rep1", "claim_lead", {"lead_id": None}, 404, "FP305"),
    ("rep1", "log_activity", {"lead_id": GASTHOF, "kind": "PARTY"}, 400, "FP401"),
    ("rep1", "log_activity", {"lead_id": GASTHOF, "kind": None}, 400, "FP401"),
    (
        "rep1",
        "log_activity",
        {"lead_id": GASTHOF, "kind": "MEETING", "occurred_at": "2100-01-01T00:00:00Z"},
        422,
        "FP402",
    ),
    (
        "rep1",
        "log_activity",
        {"lead_id": GASTHOF, "kind": "MEETING", "occurred_at": "2000-01-01T00:00:00Z"},
        422,
        "FP402",
    ),
    (
        "rep1",
        "log_activity",
        {"lead_id": GASTHOF, "kind": "MEETING", "occurred_at": "yesterday-ish"},
        400,
        "22007",
    ),
    ("rep1", "log_activity", {"lead_id": GASTHOF, "kind": "MEETING", "note": LONG}, 400, "FP301"),
    ("rep1", "add_hold", {"lead_id": GASTHOF, "reason": "HOLIDAY"}, 400, "FP511"),
    ("rep1", "add_hold", {"lead_id": GASTHOF, "reason": None}, 400, "FP511"),
    ("rep1", "add_hold", {"lead_id": GASTHOF, "reason": "OTHER", "note": "short"}, 400, "FP512"),
    ("rep1", "add_hold", {"lead_id": GASTHOF, "reason": "OTHER", "note": LONG}, 400, "FP301"),
    (
        "rep1",
        "add_hold",
        {"lead_id": GASTHOF, "reason": "FFZ_SAMPLE_DELAY", "start_at": "2100-01-01T00:00:00Z"},
        422,
        "FP513",
    ),
    (
        "rep1",
        "add_hold",
        {"lead_id": GASTHOF, "reason": "FFZ_SAMPLE_DELAY", "start_at": "2000-01-01T00:00:00Z"},
        422,
        "FP513",
    ),
    (
        "rep1",
        "add_hold",
        {"lead_id": GASTHOF, "reason": "FFZ_SAMPLE_DELAY", "end_at": "2000-01-01T00:00:00Z"},
        400,
        "FP514",
    ),
    ("rep1", "add_hold", {"lead_id": HOTEL, "reason": "FFZ_SAMPLE_DELAY"}, 409, "FP515"),
    ("rep1", "end_hold", {"hold_id": "00000000-0000-4000-8000-000000000000"}, 404, "FP516"),
    ("manager", "decide_hold", {"hold_id": HOLD, "approve": None}, 400, "FP301"),
    ("manager", "decide_hold", {"hold_id": HOLD, "approve": "maybe"}, 400, "22P02"),
    ("manager", "decide_hold", {"hold_id": HOLD, "approve": True}, 409, "FP518"),
    (
        "rep1",
        "add_collaborator",
        {"lead_id": GASTHOF, "user_id": REP2, "role": "BOSS"},
        400,
        "FP801",
    ),
    (
        "rep1",
        "add_collaborator",
        {"lead_id": GASTHOF, "user_id": "00000000-0000-4000-8000-000000000000", "role": "VIEW"},
        404,
        "FP802",
    ),
    ("rep1", "remove_collaborator", {"lead_id": GASTHOF, "user_id": REP2}, 404, "FP805"),
    (
        "rep1",
        "request_extension",
        {"lead_id": GASTHOF, "days": 30, "reason": "Kunde entscheidet im Mai"},
        422,
        "FP601",
    ),
    (
        "manager",
        "decide_extension",
        {"request_id": "00000000-0000-4000-8000-000000000000", "approve": True},
        404,
        "FP604",
    ),
    (
        "manager",
        "override_protection",
        {"lead_id": GASTHOF, "until": "2000-01-01T00:00:00Z", "reason": "Strategischer Kunde"},
        400,
        "FP703",
    ),
    (
        "manager",
        "override_protection",
        {"lead_id": GASTHOF, "until": "2030-01-01T00:00:00Z", "reason": "kurz"},
        400,
        "FP301",
    ),
    (
        "manager",
        "override_protection",
        {"lead_id": GASTHOF, "until": "2030-01-01T00:00:00Z", "reason": LONG},
        400,
        "FP301",
    ),
    ("manager", "expire_now", {"lead_id": GASTHOF, "reason": None}, 400, "FP301"),
    (
        "manager",
        "transfer_lead",
        {
            "lead_id": GASTHOF,
            "new_owner_id": "30000000-0000-4000-8000-000000000002",
            "reason": "Gebietswechsel",
        },
        400,
        "FP704",
    ),
    (
        "manager",
        "backdate_registration",
        {
            "lead_id": GASTHOF,
            "registered_at": "2100-01-01T00:00:00Z",
            "reason": "Telefonisch gemeldet",
        },
        422,
        "FP705",
    ),
    (
        "manager",
        "backdate_registration",
        {
            "lead_id": GASTHOF,
            "registered_at": "1999-01-01T00:00:00Z",
            "reason": "Telefonisch gemeldet",
        },
        422,
        "FP705",
    ),
    (
        "admin",
        "set_setting",
        {"key": "lead.protection.progressDays", "scope": "tenant", "value": 500},
        400,
        "FP203",
    ),
    (
        "admin",
        "set_setting",
        {"key": "lead.protection.progressDays", "scope": "tenant", "value": "sixty"},
        400,
        "FP203",
    ),
    (
        "admin",
        "set_setting",
        {"key": "lead.protection.mode", "scope": "tenant", "value": "SOMETIMES"},
        400,
        "FP203",
    ),
    ("admin", "set_setting", {"key": "no.such.key", "scope": "tenant", "value": 1}, 400, "FP201"),
    (
        "admin",
        "set_setting",
        {"key": "lead.protection.progressDays", "scope": "planet", "value": 30},
        400,
        "FP202",
    ),
    (
        "admin",
        "set_setting",
        {
            "key": "lead.claim.maxPerMonth",
            "scope": "user",
            "value": 5,
            "target_id": "00000000-0000-4000-8000-000000000000",
        },
        404,
        "FP204",
    ),
    (
        "rep1",
        "mark_notification_read",
        {"notification_id": "00000000-0000-4000-8000-000000000000"},
        404,
        "FP806",
    ),
    ("admin", "set_activity_kind", {"kind": "NOPE", "counts_as_progress": True}, 400, "FP401"),
    ("admin", "requeue_job", {"job_id": 999999999}, 404, "FP807"),
    ("admin", "requeue_job", {"job_id": None}, 404, "FP807"),
    ("admin", "request_sync", {"kind": "mail.send"}, 400, "FP810"),
    ("admin", "request_sync", {"kind": None}, 400, "FP810"),
    ("admin", "request_sync", {"kind": "xentral.products"}, 409, "FP811"),
    # Xentral customers and orders (item validation: sql/tests/test_88_sales_orders.sql)
    (
        "rep1",
        "link_xentral_customer",
        {"lead_id": GASTHOF, "xentral_customer_id": "K-17"},
        400,
        "FP812",
    ),
    (
        "rep1",
        "link_xentral_customer",
        {"lead_id": GASTHOF, "xentral_customer_id": ""},
        400,
        "FP812",
    ),
    (
        "rep1",
        "link_xentral_customer",
        {"lead_id": NOWHERE, "xentral_customer_id": "17"},
        404,
        "FP305",
    ),
    (
        "rep1",
        "create_sales_order",
        {"lead_id": GASTHOF, "items": [{"sku": "CF-1001", "qty": 1}]},
        409,
        "FP811",
    ),
    ("rep1", "create_sales_order", {"lead_id": NOWHERE, "items": []}, 404, "FP305"),
    ("rep1", "cancel_sales_order", {"order_id": NOWHERE}, 404, "FP827"),
    ("rep1", "cancel_sales_order", {"order_id": None}, 404, "FP827"),
    ("manager", "assign_inbound_mail", {"mail_id": NOWHERE, "lead_id": GASTHOF}, 404, "FP831"),
    ("manager", "assign_inbound_mail", {"mail_id": NOWHERE, "lead_id": NOWHERE}, 404, "FP305"),
    (
        "admin",
        "create_user",
        {
            "email": LONG,
            "display_name": "X",
            "role": "sales_rep",
            "org_id": "20000000-0000-4000-8000-000000000001",
        },
        400,
        "FP111",
    ),
    (
        "admin",
        "create_user",
        {
            "email": "neu@freshfoodz.example",
            "display_name": "Neu\nZeile",
            "role": "sales_rep",
            "org_id": "20000000-0000-4000-8000-000000000001",
        },
        400,
        "FP112",
    ),
    ("admin", "deactivate_user", {"user_id": None}, 404, "FP116"),
    # samples
    ("rep1", "create_sample_box", {"lead_id": GASTHOF, "items": []}, 400, "FP901"),
    ("rep1", "create_sample_box", {"lead_id": GASTHOF, "items": "CF-1001"}, 400, "FP901"),
    (
        "rep1",
        "create_sample_box",
        {"lead_id": GASTHOF, "items": [{"sku": "CF-1001", "qty": 0}]},
        400,
        "FP901",
    ),
    (
        "rep1",
        "create_sample_box",
        {"lead_id": GASTHOF, "items": [{"sku": "NOPE", "qty": 1}]},
        400,
        "FP902",
    ),
    (
        "rep1",
        "create_sample_box",
        {"lead_id": GASTHOF, "items": [{"sku": "CF-1001", "qty": 1}], "notes": LONG},
        400,
        "FP301",
    ),
    (
        "rep1",
        "create_sample_box",
        {"lead_id": NOWHERE, "items": [{"sku": "CF-1001", "qty": 1}]},
        404,
        "FP305",
    ),
    (
        "rep1",
        "start_test_phase",
        {"box_id": BOX, "stage": "TASTING", "start_date": "2026-12-01"},
        400,
        "FP905",
    ),
    (
        "rep1",
        "start_test_phase",
        {"box_id": BOX, "stage": "TRIAL", "start_date": "2026-12-01", "end_date": "2026-11-30"},
        400,
        "FP906",
    ),
    (
        "rep1",
        "start_test_phase",
        {"box_id": NOWHERE, "stage": "TRIAL", "start_date": "2026-12-01"},
        404,
        "FP903",
    ),
    (
        "rep1",
        "start_test_phase",
        {"box_id": BOX, "stage": "TRIAL", "start_date": "soon"},
        400,
        "22007",
    ),
    (
        "rep1",
        "record_test_result",
        {"phase_id": PHASE, "sku": "CF-1001", "outcome": "GOOD"},
        400,
        "FP908",
    ),
    (
        "rep1",
        "record_test_result",
        {"phase_id": PHASE, "sku": "CF-1001", "outcome": "MIXED", "sell_through": 101},
        400,
        "FP908",
    ),
    (
        "rep1",
        "record_test_result",
        {"phase_id": PHASE, "sku": "CF-2001", "outcome": "FAIL"},
        422,
        "FP907",
    ),
    (
        "rep1",
        "record_test_result",
        {"phase_id": NOWHERE, "sku": "CF-1001", "outcome": "FAIL"},
        404,
        "FP904",
    ),
    (
        "rep1",
        "log_feedback",
        {"phase_id": PHASE, "sku": "CF-1001", "rating": 6, "source": "PHONE"},
        400,
        "FP908",
    ),
    (
        "rep1",
        "log_feedback",
        {"phase_id": PHASE, "sku": "CF-1001", "rating": 4, "source": "FORM"},
        400,
        "FP908",
    ),
    (
        "rep1",
        "log_feedback",
        {"phase_id": PHASE, "sku": "CF-1001", "rating": 4, "source": "VISIT", "comment": LONG},
        400,
        "FP301",
    ),
    (
        "rep1",
        "log_feedback",
        {
            "phase_id": PHASE,
            "sku": "CF-1001",
            "rating": 4,
            "source": "VISIT",
            "received_at": "2099-01-01T00:00:00Z",
        },
        422,
        "FP402",
    ),
    ("rep1", "rotate_feedback_token", {"phase_id": NOWHERE}, 404, "FP904"),
    ("rep1", "revoke_feedback_token", {"phase_id": NOWHERE}, 404, "FP904"),
    ("manager", "revoke_feedback_token", {"phase_id": "not-a-uuid"}, 400, "22P02"),
]
WHO = {
    "rep1": "rep1@freshfoodz.example",
    "manager": "manager@freshfoodz.example",
    "admin": "admin@freshfoodz.example",
}


@pytest.fixture(scope="module")
def tokens(cluster: Cluster, world: tuple[str, Service]) -> dict[str, str]:
    return {who: mint(cluster, world[0], email) for who, email in WHO.items()}


@pytest.mark.parametrize(
    ("who", "function", "body", "status", "code"),
    CASES,
    ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_input_is_a_4xx_with_its_code_and_stores_nothing(
    cluster: Cluster,
    world: tuple[str, Service],
    tokens: dict[str, str],
    who: str,
    function: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    dbname, postgrest = world
    before = snapshot(cluster, dbname)

    response = Api(postgrest.url, tokens[who]).rpc(function, body)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text
    assert response.json()["message"], "every error explains itself"
    assert snapshot(cluster, dbname) == before


def test_every_api_function_has_a_bad_input_case(
    cluster: Cluster, world: tuple[str, Service]
) -> None:
    with psycopg.connect(cluster.conninfo(world[0])) as conn:
        functions = {
            row[0]
            for row in conn.execute(
                "select proname from pg_proc"
                " where pronamespace = 'api'::regnamespace and pronargs > 0"
                # computed relationships (an api view's row as their one argument) are embeddings,
                # not rpc endpoints: tests/test_postgrest_client.py
                " and not (pronargs = 1 and proargtypes[0] in"
                " (select reltype from pg_class where relnamespace = 'api'::regnamespace))"
            )
        }
    assert functions - {case[1] for case in CASES} == set()


def test_unknown_arguments_are_a_4xx(world: tuple[str, Service], tokens: dict[str, str]) -> None:
    response = Api(world[1].url, tokens["rep1"]).rpc("register_lead", {"company": "x"})
    assert 400 <= response.status_code < 500
