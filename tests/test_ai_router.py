"""The AI router end to end (SPEC 7): the real service, the real SDKs, the fake providers as
servers, the real database. Each test steers the fakes over HTTP and reads what they received.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.ai_support import LARGE, SMALL, AiStack, ai, ask, confident, fakes  # noqa: F401 - fixtures
from tests.conftest import ROOT, Service

LEAD_OF_REP1 = "40000000-0000-4000-8000-000000000001"  # Gasthof Zum Adler, rep1's live lead
REP1 = "rep1@freshfoodz.example"
CATALOGUE = {"CF-1001", "CF-1002", "CF-1003", "CF-2001", "CF-3001"}

BODIES: dict[str, dict[str, Any]] = {
    "lead_classify": {"lead_id": LEAD_OF_REP1},
    "email_categorize": {
        "subject": "Probierpaket",
        "body": "Guten Tag, bitte schicken Sie uns ein Probierpaket mit Ihren Saucen.",
        "sender": "kueche@gasthof-linde.example",
    },
    "contact_role_detect": {"text": "Max Mustermann, Küchenchef, Gasthof Linde"},
    "help_draft": {"question": "Wie lange ist die Panna Cotta haltbar?", "context": "MHD 21 Tage."},
    "roi_recommend": {"lead_id": LEAD_OF_REP1},
    "multi_contact_strategy": {"lead_id": LEAD_OF_REP1},
    "sample_product_match": {"lead_id": LEAD_OF_REP1},
    "seasonal_optimize": {"month": 12},
}
SMALL_FIRST = {"lead_classify", "email_categorize", "contact_role_detect", "help_draft"}


@pytest.fixture
def service(ai: AiStack) -> Service:  # noqa: F811 - the fixture imported above
    return ai.service()


def test_every_use_case_answers_with_the_envelope(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules(confident(SMALL["openai"]), confident(LARGE["openai"]))
    token = token_for(REP1)
    for use_case, body in BODIES.items():
        response = ask(service, token, use_case, body)
        assert response.status_code == 200, (use_case, response.text)
        answer = response.json()
        assert set(answer) == {
            "call_id", "use_case", "result", "confidence", "tier", "provider", "model",
            "escalated", "cached", "cost_eur",
        }  # fmt: skip
        assert answer["use_case"] == use_case
        assert answer["provider"] == "openai"
        assert answer["escalated"] is False
        assert answer["cost_eur"] > 0
        if use_case in SMALL_FIRST:
            assert (answer["tier"], answer["model"]) == ("small", SMALL["openai"])
            assert answer["confidence"] == pytest.approx(0.95)
            assert "confidence" not in answer["result"]
        else:
            assert (answer["tier"], answer["model"]) == ("large", LARGE["openai"])
            assert answer["confidence"] is None
        for key in ("products", "recommendations"):
            for item in answer["result"].get(key, []):
                assert item["sku"] in CATALOGUE
    # every call is in the log, no prompt text in it
    rows = ai.sql("select use_case, outcome, cost_eur from app.ai_calls order by occurred_at")
    assert sorted(r[0] for r in rows) == sorted(BODIES)
    assert {r[1] for r in rows} == {"ok"}
    assert ai.sql("select count(*) from app.ai_calls where cost_eur <= 0") == [(0,)]


def test_skus_outside_the_active_catalogue_are_dropped(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    result = {"products": [{"sku": "CF-1002", "reason": "passt"}, {"sku": "XX-999", "reason": "x"}]}
    ai.openai.rules(confident(LARGE["openai"], result=result))
    response = ask(service, token_for(REP1), "sample_product_match", BODIES["sample_product_match"])
    assert response.status_code == 200, response.text
    assert response.json()["result"]["products"] == [{"sku": "CF-1002", "reason": "passt"}]


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("email_categorize", {"subject": "x"}, "body"),
    ("email_categorize", {"subject": "x", "body": "y", "cc": "z"}, "cc"),
    ("email_categorize", {"subject": "x" * 999, "body": "y"}, "subject"),
    ("email_categorize", {"subject": "x", "body": "y" * 20_001}, "body"),
    ("contact_role_detect", {"text": "x" * 5_001}, "text"),
    ("contact_role_detect", {"text": ""}, "text"),
    ("help_draft", {"question": "x" * 2_001}, "question"),
    ("help_draft", {"question": "x", "context": "y" * 20_001}, "context"),
    ("lead_classify", {"lead_id": "not-a-uuid"}, "lead_id"),
    ("roi_recommend", {}, "lead_id"),
    ("seasonal_optimize", {"month": 13}, "month"),
    (
        "sample_product_match",
        {"lead_id": LEAD_OF_REP1, "force_refresh": "yes"},
        "force_refresh",
    ),
]


def test_bad_bodies_are_422_naming_the_field_and_ask_no_provider(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    token = token_for(REP1)
    for use_case, body, field in BAD_BODIES:
        response = ask(service, token, use_case, body)
        assert response.status_code == 422, (use_case, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "FP1008"
        assert response.json()["details"] == field, (use_case, body)
    assert ai.openai.requests() == []
    assert ai.sql("select count(*) from app.ai_calls") == [(0,)]


def test_unknown_use_case_missing_token_and_bad_json(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    token = token_for(REP1)
    assert ask(service, token, "write_poem", {}).status_code == 404
    assert ask(service, token, "write_poem", {}).json()["code"] == "FP1001"
    unauthenticated = httpx.post(f"{service.url}/api/ai/contact_role_detect", json={"text": "x"})
    assert unauthenticated.status_code == 401
    forged = ask(service, "not.a.token", "contact_role_detect", {"text": "x"})
    assert forged.status_code == 401
    not_json = httpx.post(
        f"{service.url}/api/ai/contact_role_detect",
        content=b"{nope",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert (not_json.status_code, not_json.json()["code"]) == (422, "FP1008")
    assert ai.openai.requests() == []


def test_a_lead_the_caller_cannot_read_is_404_and_no_provider_is_asked(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    # rep2 does not collaborate on rep1's protected lead; Nordküche is another tenant
    for email in ("rep2@freshfoodz.example", "rep1@nordkueche.example"):
        token = token_for(email)
        for use_case in ("lead_classify", "roi_recommend", "sample_product_match"):
            response = ask(service, token, use_case, {"lead_id": LEAD_OF_REP1})
            assert response.status_code == 404, (email, use_case, response.text)
            assert response.json()["code"] == "FP305"
    assert ai.openai.requests() == []
    assert ai.anthropic.requests() == []


def test_low_confidence_escalates_once_to_the_large_model(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules(confident(SMALL["openai"], 0.3), confident(LARGE["openai"], 0.9))
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Chef de Cuisine"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["tier"], answer["model"], answer["escalated"]) == (
        "large",
        LARGE["openai"],
        True,
    )
    assert ai.openai.models_asked() == [SMALL["openai"], LARGE["openai"]]
    row = ai.sql("select tier, escalated, cost_eur from app.ai_calls")
    assert row[0][:2] == ("large", True)
    assert float(row[0][2]) == pytest.approx(answer["cost_eur"])


def test_a_users_lower_threshold_keeps_the_small_answer(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.set_setting("ai.routing.confidence.threshold", "org", "0.9", REP1)
    ai.set_setting("ai.routing.confidence.threshold", "user", "0.2", REP1)
    ai.openai.rules(confident(SMALL["openai"], 0.3))
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Einkauf"})
    assert response.status_code == 200, response.text
    assert (response.json()["tier"], response.json()["escalated"]) == ("small", False)
    assert ai.openai.models_asked() == [SMALL["openai"]]
    # the manager of the same org has no user value: the org's 0.9 applies and escalates
    ai.openai.rules(confident(SMALL["openai"], 0.3))
    manager = ask(service, token_for("manager@freshfoodz.example"), "contact_role_detect",
                  {"text": "Einkauf"})  # fmt: skip
    assert manager.json()["escalated"] is True


def test_refusal_truncation_filter_and_invalid_answers_count_as_zero(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    token = token_for(REP1)
    for mode in ("refuse", "truncate", "filter", "invalid"):
        ai.openai.reset()
        ai.openai.rules({"model": SMALL["openai"], "mode": mode}, confident(LARGE["openai"]))
        body = {"subject": f"Modus {mode}", "body": "Bitte ein Probierpaket."}
        response = ask(service, token, "email_categorize", body)
        assert response.status_code == 200, (mode, response.text)
        assert (response.json()["tier"], response.json()["escalated"]) == ("large", True), mode
        assert ai.openai.models_asked() == [SMALL["openai"], LARGE["openai"]], mode


def test_no_valid_answer_from_either_tier_is_503_and_logged(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules({"mode": "refuse"})
    response = ask(service, token_for(REP1), "email_categorize", BODIES["email_categorize"])
    assert (response.status_code, response.json()["code"]) == (503, "FP1004")
    assert ai.sql("select outcome, escalated from app.ai_calls") == [("no_answer", False)]


def test_cache_answers_without_a_provider_and_never_across_tenants(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules(confident(SMALL["openai"]), confident(LARGE["openai"]))
    body = BODIES["email_categorize"]
    first = ask(service, token_for(REP1), "email_categorize", body).json()
    asked = len(ai.openai.requests())
    again = ask(service, token_for("manager@freshfoodz.example"), "email_categorize", body).json()
    assert again["cached"] is True
    assert again["cost_eur"] == 0
    assert again["result"] == first["result"]
    assert len(ai.openai.requests()) == asked, "a hit calls no provider"
    # the other tenant asks the provider itself
    other = ask(service, token_for("rep1@nordkueche.example"), "email_categorize", body).json()
    assert other["cached"] is False
    assert len(ai.openai.requests()) == asked + 1
    # an admin may bypass the cache; a rep may not
    refreshed = ask(service, token_for("admin@freshfoodz.example"), "email_categorize",
                    {**body, "force_refresh": True})  # fmt: skip
    assert refreshed.json()["cached"] is False
    refused = ask(service, token_for(REP1), "email_categorize", {**body, "force_refresh": True})
    assert (refused.status_code, refused.json()["code"]) == (403, "FP1003")
    # the cache holds no personal data: the key is a hash and the result has no sender
    stored = ai.sql("select result::text from app.ai_cache")
    assert stored
    assert all("gasthof-linde" not in row[0] for row in stored)
    # large-only use cases are never cached
    ai.openai.rules(confident(LARGE["openai"]))
    for _ in range(2):
        assert (
            ask(service, token_for(REP1), "seasonal_optimize", {"month": 5}).json()["cached"]
            is False
        )


def test_no_raw_personal_data_reaches_a_provider_and_help_drafts_are_demasked(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    secrets = {
        "email": "anna.schmidt@gasthof-linde.example",
        "phone": "+49 30 1234567",
        "iban": "DE89 3704 0044 0532 0130 00",
        "card": "4111 1111 1111 1111",
    }
    text = (
        f"Bitte Rückruf an {secrets['phone']} oder {secrets['email']}. Rechnung bitte von"
        f" {secrets['iban']} abbuchen, notfalls Karte {secrets['card']}."
    )
    ai.openai.rules(
        confident(SMALL["openai"], result={"draft": "Wir melden uns unter <EMAIL_1>."},
                  contains="Rückruf"),
        confident(SMALL["openai"]),
    )  # fmt: skip
    token = token_for(REP1)
    assert (
        ask(service, token, "email_categorize", {"subject": "Rückruf", "body": text}).status_code
        == 200
    )
    draft = ask(service, token, "help_draft", {"question": "Wie antworte ich?", "context": text})
    assert draft.status_code == 200, draft.text
    assert draft.json()["result"]["draft"] == f"Wir melden uns unter {secrets['email']}."
    sent = json.dumps([r["body"] for r in ai.openai.requests()], ensure_ascii=False)
    for value in secrets.values():
        assert value not in sent
        assert value.replace(" ", "") not in sent
    assert "<EMAIL_1>" in sent
    assert "<IBAN_1>" in sent
    assert "<CARD_1>" in sent
    assert "<PHONE_1>" in sent
    # and none in the call log or the cache
    logged = ai.sql("select row_to_json(c)::text from app.ai_calls as c union all"
                    " select row_to_json(k)::text from app.ai_cache as k")  # fmt: skip
    for value in secrets.values():
        assert all(value not in row[0] for row in logged)


def test_concurrent_calls_against_a_tiny_cap_settle_at_most_110_percent(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    # one small email_categorize call reserves about 0.0006 EUR: a cap of 0.005 fits a handful
    ai.set_setting("ai.budget.monthly.cap", "org", "0.005", REP1)
    ai.openai.rules(confident(SMALL["openai"], delay=0.05))
    token = token_for(REP1)

    async def flood() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            responses = await asyncio.gather(*(
                client.post(
                    f"{service.url}/api/ai/email_categorize",
                    json={"subject": f"Anfrage {i}", "body": f"Bitte ein Angebot Nr. {i}."},
                    headers={"Authorization": f"Bearer {token}"},
                )
                for i in range(30)
            ))  # fmt: skip
        return [r.status_code for r in responses]

    statuses = asyncio.run(flood())
    assert set(statuses) <= {200, 402}, statuses
    assert statuses.count(402) > 0
    assert statuses.count(200) > 0
    spent, cap = ai.sql(
        "select b.spent_eur, 0.005 from app.ai_budget_months as b"
        " join app.users as u on u.org_id = b.org_id where u.email = %s", REP1
    )[0]  # fmt: skip
    assert Decimal(spent) <= Decimal(cap) * Decimal("1.1")
    assert ai.sql("select count(*) from app.ai_reservations where settled_at is null") == [(0,)]
    assert ai.sql("select count(*) from app.ai_calls where outcome = 'budget_exhausted'") == [
        (statuses.count(402),)
    ]


def test_at_100_percent_only_the_small_tier_runs(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.set_setting("ai.budget.monthly.cap", "org", "0.001", REP1)
    ai.openai.rules(confident(SMALL["openai"], 0.2), confident(LARGE["openai"]))
    token = token_for(REP1)
    small = ask(service, token, "contact_role_detect", {"text": "Inhaber"})
    assert small.status_code == 200, small.text
    assert (small.json()["tier"], small.json()["escalated"]) == ("small", False)
    large_only = ask(service, token, "seasonal_optimize", {"month": 3})
    assert (large_only.status_code, large_only.json()["code"]) == (402, "FP1002")
    assert LARGE["openai"] not in ai.openai.models_asked()


def test_the_breaker_opens_on_5xx_and_the_other_provider_serves(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules({"mode": "status", "status": 503, "retry_after": 0.01})
    ai.anthropic.rules(confident(SMALL["anthropic"]))
    token = token_for(REP1)
    for i in range(6):
        response = ask(service, token, "contact_role_detect", {"text": f"Küchenchef {i}"})
        assert response.status_code == 200, response.text
        assert (response.json()["provider"], response.json()["model"]) == (
            "anthropic", SMALL["anthropic"],
        )  # fmt: skip
    # 5 calls of 3 attempts each (the SDK's 2 retries) opened the breaker: the 6th did not try
    assert len(ai.openai.requests()) == 15
    health = httpx.get(f"{service.url}/health").json()
    assert "openai open" in health["components"]["ai"]["detail"]
    assert "freshplan_ai_provider_calls_total" in httpx.get(f"{service.url}/metrics").text


def test_an_answer_the_sdk_cannot_read_counts_as_an_outage(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules({"mode": "garbage"})
    ai.anthropic.rules(confident(SMALL["anthropic"]))
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Koch"})
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == "anthropic"
    ai.anthropic.reset()
    ai.anthropic.rules({"mode": "garbage"})
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Koch 2"})
    assert (response.status_code, response.json()["code"]) == (503, "FP1004")
    assert ai.sql("select count(*) from app.ai_reservations where settled_at is null") == [(0,)]


def test_both_providers_down_is_503(
    ai: AiStack,  # noqa: F811
    service: Service,
    token_for: Callable[..., str],
) -> None:
    ai.openai.rules({"mode": "status", "status": 500, "retry_after": 0.01})
    ai.anthropic.rules({"mode": "status", "status": 529, "retry_after": 0.01})
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Koch"})
    assert (response.status_code, response.json()["code"]) == (503, "FP1004")
    assert ai.sql("select outcome, provider from app.ai_calls") == [("unavailable", None)]
    assert ai.sql("select count(*) from app.ai_reservations where settled_at is null") == [(0,)]


def test_a_provider_timeout_falls_back(
    ai: AiStack,  # noqa: F811
    token_for: Callable[..., str],
) -> None:
    service = ai.service(FRESHPLAN_AI_TIMEOUT_SMALL="0.5")
    ai.openai.rules({"mode": "hang"})
    ai.anthropic.rules(confident(SMALL["anthropic"]))
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Koch"})
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == "anthropic"


def test_the_caller_rate_limit_is_429_with_retry_after(
    ai: AiStack,  # noqa: F811
    token_for: Callable[..., str],
) -> None:
    service = ai.service(FRESHPLAN_AI_RATE_LIMIT_USER="2")
    ai.openai.rules(confident(SMALL["openai"]))
    token = token_for(REP1)
    statuses = [ask(service, token, "contact_role_detect", {"text": f"x{i}"}).status_code
                for i in range(3)]  # fmt: skip
    assert statuses == [200, 200, 429]
    limited = ask(service, token, "contact_role_detect", {"text": "y"})
    assert int(limited.headers["retry-after"]) >= 1


def test_without_keys_the_endpoint_says_ai_is_not_configured(
    ai: AiStack,  # noqa: F811
    token_for: Callable[..., str],
) -> None:
    service = ai.start_api(ai.database, OPENAI_API_KEY="", ANTHROPIC_API_KEY="")
    response = ask(service, token_for(REP1), "contact_role_detect", {"text": "Koch"})
    assert (response.status_code, response.json()["code"]) == (503, "FP1007")
    assert (
        "not configured" in httpx.get(f"{service.url}/health").json()["components"]["ai"]["detail"]
    )


def test_a_model_without_a_price_refuses_to_start(
    ai: AiStack,  # noqa: F811
    tmp_path: Any,
) -> None:
    env = ai.cluster.env(ai.database) | ai.env(OPENAI_MODEL_LARGE="gpt-6.2-unpriced")
    process = subprocess.run(
        [str(ROOT / ".venv/bin/uvicorn"), "--factory", "api.app:create_app", "--port", "0"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert process.returncode != 0
    assert "openai/gpt-6.2-unpriced" in process.stderr
