"""The Allianz Trade fake speaks the wire format of ../shared/reference/connectors-api.md 2: driven
here directly with httpx, as our client will, and steered over its /_fake/ routes."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.allianz_support import (
    API_KEY,
    BUSINESS_UNIT,
    POLICY_ID,
    FakeAllianz,
    allianz,  # noqa: F401 - fixture
    company,
    start_fake_allianz,
)
from tests.conftest import wait_until

PROD = {
    "authorize": "/v1/idp/oauth2/authorize",
    "matching": "/search/v2/companies/matching",
    "advanced": "/search/v2/companies/advancedSearch",
    "covers": "/riskinfo/v3/covers",
    "jobs": "/riskinfo/v3/jobs/",
}
UAT = {
    "authorize": "/uatm/v1/idp/oauth2/authorize",
    "matching": "/search/uatm-v2/companies/matching",
    "advanced": "/search/uatm-v2/companies/advancedSearch",
    "covers": "/uatm/riskinfo/v3/covers",
    "jobs": "/uatm/riskinfo/v3/jobs/",
}


def authorize(
    fake: FakeAllianz, key: str = API_KEY, paths: Mapping[str, str] = PROD
) -> httpx.Response:
    return httpx.post(f"{fake.url}{paths['authorize']}", json={"apiKey": key}, timeout=10)


def token(fake: FakeAllianz, paths: Mapping[str, str] = PROD) -> str:
    response = authorize(fake, paths=paths)
    assert response.status_code == 200, response.text
    issued: str = response.json()["access_token"]
    return issued


def call(
    fake: FakeAllianz, method: str, path: str, bearer: str | None, body: Any = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    url = path if path.startswith("http") else f"{fake.url}{path}"
    return httpx.request(method, url, json=body, headers=headers, timeout=10)


def search(fake: FakeAllianz, bearer: str, *, paths: Mapping[str, str] = PROD, **body: Any) -> Any:
    return call(fake, "POST", paths["matching"], bearer, body)


def cover_request(
    company_id: str, request_type: str = "Primary", amount: float = 10000, **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requestTypeCode": request_type,
        "policy": {"businessUnitCode": BUSINESS_UNIT, "policyId": POLICY_ID},
        "companyId": company_id,
        "isRequestUrgent": False,
    }
    if request_type == "Primary":
        body["creditLimitDetails"] = {"requestedAmount": amount, "currencyCode": "EUR"}
    return body | changes


def new_job(
    fake: FakeAllianz, bearer: str, body: dict[str, Any], paths: Mapping[str, str] = PROD
) -> str:
    response = call(fake, "POST", paths["covers"], bearer, body)
    assert response.status_code == 201, response.text
    job_id = response.json()  # the body itself is the job id, a JSON string
    assert isinstance(job_id, str)
    assert job_id
    return job_id


def polls(
    fake: FakeAllianz, bearer: str, job_id: str, paths: Mapping[str, str] = PROD
) -> list[dict[str, Any]]:
    """Every answer of the job, polled until it is no longer pending (at most 10 polls)."""
    answers = []
    for _ in range(10):
        response = call(fake, "GET", f"{paths['jobs']}{job_id}", bearer)
        assert response.status_code == 200, response.text
        answers.append(response.json())
        if answers[-1]["jobStatusCode"].lower() != "pending":
            break
    return answers


# ------------------------------------------------------------------ auth


def test_the_api_key_buys_a_bearer_token_and_a_wrong_key_does_not(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    first, second = authorize(allianz), authorize(allianz)
    assert first.status_code == second.status_code == 200
    answer = first.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3600
    assert len(answer["access_token"]) >= 20
    assert answer["access_token"] != second.json()["access_token"]  # a new one on every call

    wrong = authorize(allianz, key="not-the-key")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "401"
    assert "access_token" not in wrong.json()
    no_key = httpx.post(f"{allianz.url}{PROD['authorize']}", json={"key": API_KEY}, timeout=10)
    assert no_key.status_code == 400
    assert allianz.tokens_issued() == 2  # the refused calls issued nothing


def test_api_routes_refuse_a_missing_garbage_or_foreign_token(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    body: dict[str, Any] = {"companyName": "Gasthaus 001", "countryCode": "DE"}
    for headers in (
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {API_KEY}"},  # the key itself is not a token
        {"Authorization": f"Bearer {API_KEY}"},
    ):
        response = httpx.post(f"{allianz.url}{PROD['matching']}", json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "401"
        assert response.headers["www-authenticate"] == "Bearer"
    assert search(allianz, token(allianz), **body).status_code == 200


def test_expire_tokens_forces_the_client_to_authorize_again(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    body: dict[str, Any] = {"companyName": "x", "countryCode": "DE"}
    old, other = token(allianz), token(allianz)
    assert search(allianz, old, **body).status_code == 200

    assert allianz.expire_tokens() == 2
    assert search(allianz, old, **body).status_code == 401
    assert search(allianz, other, **body).status_code == 401
    assert search(allianz, token(allianz), **body).status_code == 200
    assert allianz.tokens_issued() == 3


def test_a_token_expires_after_expires_in_seconds(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.config(expires_in=2)
    body: dict[str, Any] = {"companyName": "x", "countryCode": "DE"}
    issued_before = time.monotonic()
    response = authorize(allianz)
    assert response.json()["expires_in"] == 2
    bearer = response.json()["access_token"]
    assert search(allianz, bearer, **body).status_code == 200

    wait_until(lambda: search(allianz, bearer, **body).status_code == 401, 20, "token expiry")
    assert time.monotonic() - issued_before >= 2.0  # not before its time
    assert search(allianz, bearer, **body).status_code == 401  # and for good: no refresh
    assert search(allianz, token(allianz), **body).status_code == 200


# ---------------------------------------------------------------- search


def test_matching_by_vat_id_scores_100_whatever_its_spelling(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1), company(2), company(3)])
    bearer = token(allianz)
    ids = [{"idTypeCode": "VAT", "idValue": "de 100.000-002"}]
    response = search(allianz, bearer, countryCode="DE", companyIdentifiers=ids)
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "company": {
                    "companyId": "1002",
                    "legalData": {"companyName": "Gasthaus 002 GmbH"},
                    "address": {
                        "streetName": "Hauptstraße 2",
                        "town": "Berlin",
                        "countryCode": "DE",
                        "postCodes": [{"postCodeValue": "10002"}],
                    },
                },
                "matchingScore": 100,
            }
        ]
    }
    # the identifier wins over a name that matches someone else
    both = search(allianz, bearer, countryCode="DE", companyName="Gasthaus 001",
                  companyIdentifiers=ids).json()["results"]  # fmt: skip
    assert [(r["company"]["companyId"], r["matchingScore"]) for r in both] == [
        ("1002", 100),
        ("1001", 90),
    ]


def test_matching_by_name_and_postcode_best_first(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([
        company(1, companyName="Gasthaus Sonne GmbH", postalCode="20095"),
        company(2, companyName="Sonne e.K.", postalCode="80331"),
        company(3, companyName="Gasthaus Sonne GmbH", postalCode="20095", countryCode="AT"),
        company(4, companyName="Mond AG"),
    ])  # fmt: skip
    bearer = token(allianz)

    def scores(**body: Any) -> list[tuple[str, int]]:
        response = search(allianz, bearer, **body)
        assert response.status_code == 200, response.text
        return [(r["company"]["companyId"], r["matchingScore"]) for r in response.json()["results"]]

    # legal forms, case and punctuation do not count; the other country's namesake is not listed
    assert scores(companyName="GASTHAUS-SONNE KG", countryCode="DE") == [("1001", 90), ("1002", 70)]
    assert scores(companyName="Gasthaus Sonne", countryCode="DE", postalCode="20095") == [
        ("1001", 95),
        ("1002", 70),
    ]
    assert scores(companyName="sonne", countryCode="DE", postalCode="80331") == [
        ("1002", 95),
        ("1001", 70),
    ]
    assert scores(companyName="sonne", countryCode="DE", requestedSize=1) == [("1002", 90)]
    assert scores(companyName="sonne", countryCode="DE", minimumScore=80) == [("1002", 90)]
    assert scores(companyName="Gasthaus Sonne", countryCode="AT") == [("1003", 90)]


def test_matching_needs_a_country_and_a_name_or_an_identifier(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    bearer = token(allianz)
    ids = [{"idTypeCode": "VAT", "idValue": "DE100000001"}]
    for body in (
        {"companyName": "Gasthaus 001"},
        {"companyIdentifiers": ids},
        {"countryCode": "", "companyName": "Gasthaus 001"},
        {"countryCode": "DE"},
        {"countryCode": "DE", "companyIdentifiers": []},
        {"countryCode": "DE", "companyIdentifiers": [{"idTypeCode": "VAT"}]},
        {"countryCode": "DE", "companyName": "Gasthaus 001", "requestedSize": 0},
    ):
        response = search(allianz, bearer, **body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "400"
    not_json = httpx.post(
        f"{allianz.url}{PROD['matching']}", content=b"{nope",
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )  # fmt: skip
    assert not_json.status_code == 400
    assert search(allianz, bearer, countryCode="DE", companyIdentifiers=ids).status_code == 200


def test_matching_without_a_hit_is_an_empty_list(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    bearer = token(allianz)
    for body in (
        {"companyName": "Unbekannt GmbH", "countryCode": "DE"},
        {"companyName": "Gasthaus 001", "countryCode": "FR"},
        {"companyName": "GmbH", "countryCode": "DE"},  # nothing left of the name to match
        {"companyIdentifiers": [{"idTypeCode": "VAT", "idValue": "DE999"}], "countryCode": "DE"},
    ):
        response = search(allianz, bearer, **body)
        assert response.status_code == 200
        assert response.json() == {"results": []}, body


def test_advanced_search_lists_companies_by_name_and_country(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1), company(2, countryCode="AT"), company(3)])
    bearer = token(allianz)
    found = call(allianz, "POST", PROD["advanced"], bearer,
                 {"companyName": "gasthaus", "countryCode": "DE"})  # fmt: skip
    assert found.status_code == 200
    assert [r["company"]["companyId"] for r in found.json()["results"]] == ["1001", "1003"]
    assert "matchingScore" not in found.json()["results"][0]
    anywhere = call(allianz, "POST", PROD["advanced"], bearer,
                    {"companyName": "Gasthaus 002", "countryCode": "DE",
                     "extendCountrySearch": True})  # fmt: skip
    assert [r["company"]["companyId"] for r in anywhere.json()["results"]] == ["1002"]
    one = call(allianz, "POST", PROD["advanced"], bearer,
               {"companyName": "gasthaus", "countryCode": "DE", "pageSize": 1})  # fmt: skip
    assert len(one.json()["results"]) == 1
    missing = call(allianz, "POST", PROD["advanced"], bearer, {"countryCode": "DE"})
    assert missing.status_code == 400


# ---------------------------------------------------------------- covers


@pytest.mark.parametrize(
    ("decision", "status_code", "agreed"),
    [("agreed", "Agreed", 10000), ("partial", "PartiallyAgreed", 5000), ("refused", "Refused", 0)],
)
def test_a_limit_request_is_pending_then_processed_with_the_scripted_decision(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
    decision: str,
    status_code: str,
    agreed: int,
) -> None:
    allianz.companies([company(1), company(2, decision=decision)])
    bearer = token(allianz)
    job_id = new_job(allianz, bearer, cover_request("1002", amount=10000))

    answers = polls(allianz, bearer, job_id)
    assert [a["jobStatusCode"] for a in answers] == ["pending", "pending", "processed"]
    assert all(a["jobId"] == job_id for a in answers)
    assert all("resourceUrl" not in a for a in answers[:2])
    resource = answers[-1]["resourceUrl"]
    cover_id = resource.rsplit("/", 1)[1]
    assert resource == f"{allianz.url}/riskinfo/v3/covers/{cover_id}"

    cover = call(allianz, "GET", resource, bearer)
    assert cover.status_code == 200
    body = cover.json()
    assert body["coverId"] == cover_id
    assert body["companyId"] == "1002"
    assert body["requestTypeCode"] == "Primary"
    [limit] = body["creditLimitsAggregation"]["creditLimits"]
    assert limit["technicalDecisionStatusCode"] == status_code
    assert limit["amount"] == agreed
    assert limit["currencyCode"] == "EUR"
    today = dt.datetime.now(dt.UTC).date()
    assert abs((dt.date.fromisoformat(limit["startDate"]) - today).days) <= 1
    # a processed job stays processed, pointing at the same cover
    assert polls(allianz, bearer, job_id) == [answers[-1]]
    assert call(allianz, "GET", resource, None).status_code == 401


def test_a_grade_request_answers_the_fixture_grade(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1, grade="7", grade_valid_until="2027-06-30"), company(2)])
    bearer = token(allianz)
    job_id = new_job(allianz, bearer, cover_request("1001", "GradeCover"))

    [answer] = polls(allianz, bearer, job_id)  # grade_pending_polls defaults to 0
    assert answer["jobStatusCode"] == "processed"
    cover = call(allianz, "GET", answer["resourceUrl"], bearer).json()
    assert cover["requestTypeCode"] == "GradeCover"
    assert cover["companyId"] == "1001"
    assert cover["grade"] == {"code": "7", "validUntil": "2027-06-30"}
    assert "creditLimitsAggregation" not in cover

    allianz.config(grade_pending_polls=1)
    other = new_job(allianz, bearer, cover_request("1002", "GradeCover"))
    answers = polls(allianz, bearer, other)
    assert [a["jobStatusCode"] for a in answers] == ["pending", "processed"]
    grade = call(allianz, "GET", answers[-1]["resourceUrl"], bearer).json()["grade"]
    assert grade["code"] == "4"
    assert dt.date.fromisoformat(grade["validUntil"]) > dt.datetime.now(dt.UTC).date()


def test_pending_polls_are_configurable_and_a_job_can_fail(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1), company(2, job_outcome="failed")])
    allianz.config(pending_polls=4)
    bearer = token(allianz)
    slow = new_job(allianz, bearer, cover_request("1001"))
    allianz.config(pending_polls=0)  # a job keeps the count it was created with
    fast = new_job(allianz, bearer, cover_request("1001"))
    assert [a["jobStatusCode"] for a in polls(allianz, bearer, slow)] == ["pending"] * 4 + [
        "processed"
    ]
    assert [a["jobStatusCode"] for a in polls(allianz, bearer, fast)] == ["processed"]

    failed = polls(allianz, bearer, new_job(allianz, bearer, cover_request("1002")))
    assert failed == [{"jobId": failed[0]["jobId"], "jobStatusCode": "failed"}]


def test_cover_requests_are_validated(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    bearer = token(allianz)
    without_limit = cover_request("1001")
    del without_limit["creditLimitDetails"]
    for body in (
        cover_request("1001", "Secondary"),
        cover_request("1001", policy={"businessUnitCode": BUSINESS_UNIT, "policyId": "POL-999"}),
        cover_request("1001", policy={"policyId": POLICY_ID}),
        cover_request("1001", amount=0),
        cover_request("1001", creditLimitDetails={"requestedAmount": 5, "currencyCode": "euro"}),
        cover_request("1001", isRequestUrgent="yes"),
        without_limit,
    ):
        response = call(allianz, "POST", PROD["covers"], bearer, body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "400"

    unknown = call(allianz, "POST", PROD["covers"], bearer, cover_request("4711"))
    assert unknown.status_code == 404
    allianz.config(unknown_company_status=400)
    assert call(allianz, "POST", PROD["covers"], bearer, cover_request("4711")).status_code == 400
    allianz.config(create_status=200)
    assert call(allianz, "POST", PROD["covers"], bearer, cover_request("1001")).status_code == 200

    assert call(allianz, "GET", f"{PROD['jobs']}no-such-job", bearer).status_code == 404
    assert call(allianz, "GET", f"{PROD['covers']}/999999", bearer).status_code == 404
    assert call(allianz, "GET", PROD["covers"], bearer).status_code == 405


def test_the_uat_prefix_style_and_only_that(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    allianz.config(prefix="uat")
    assert authorize(allianz).status_code == 404
    bearer = token(allianz, paths=UAT)
    body: dict[str, Any] = {"companyName": "Gasthaus 001", "countryCode": "DE"}
    assert search(allianz, bearer, **body).status_code == 404
    found = search(allianz, bearer, paths=UAT, **body)
    assert found.status_code == 200
    assert found.json()["results"][0]["company"]["companyId"] == "1001"
    assert call(allianz, "POST", UAT["advanced"], bearer, body).status_code == 200
    assert call(allianz, "POST", PROD["covers"], bearer, cover_request("1001")).status_code == 404

    job_id = new_job(allianz, bearer, cover_request("1001"), paths=UAT)
    assert call(allianz, "GET", f"{PROD['jobs']}{job_id}", bearer).status_code == 404
    resource = polls(allianz, bearer, job_id, paths=UAT)[-1]["resourceUrl"]
    assert resource.startswith(f"{allianz.url}/uatm/riskinfo/v3/covers/")
    assert call(allianz, "GET", resource, bearer).json()["companyId"] == "1001"


def test_status_case_upper(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1), company(2, job_outcome="failed")])
    allianz.config(status_case="upper")
    bearer = token(allianz)
    answers = polls(allianz, bearer, new_job(allianz, bearer, cover_request("1001")))
    assert [a["jobStatusCode"] for a in answers] == ["PENDING", "PENDING", "PROCESSED"]
    failed = polls(allianz, bearer, new_job(allianz, bearer, cover_request("1002")))
    assert failed[-1]["jobStatusCode"] == "FAILED"


def test_demo_companies(tmp_path: Path) -> None:
    fake = start_fake_allianz(tmp_path, "--demo")
    try:
        bearer = token(fake)
        found = search(fake, bearer, companyName="Gasthaus Sonne", countryCode="DE").json()
        assert found["results"][0]["company"]["companyId"] == "1001"
        names = [
            "Gasthaus Sonne",
            "Hotel Seeblick",
            "Kantine Nord",
            "Bäckerei Korn",
            "Catering Gruber",
        ]
        ids = []
        for name in names:
            [hit] = search(fake, bearer, companyName=name, countryCode="DE").json()["results"]
            ids.append(hit["company"]["companyId"])
        assert sorted(ids) == ["1001", "1002", "1003", "1004", "1005"]
    finally:
        fake.process.terminate()
        fake.process.wait(10)


# ---------------------------------------------------------------- faults


def test_a_status_fault_answers_once_and_a_forever_fault_until_forgotten(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.faults({"mode": "status"})
    failed = authorize(allianz)
    assert failed.status_code == 503
    assert failed.json()["code"] == "503"
    assert "access_token" not in failed.json()
    assert authorize(allianz).status_code == 200
    assert [r.get("fault") for r in allianz.requests()] == ["status", None]

    allianz.faults({"mode": "status", "status": 500, "times": None})
    assert [authorize(allianz).status_code for _ in range(3)] == [500, 500, 500]
    allianz.forget()
    assert authorize(allianz).status_code == 200
    assert len(allianz.requests()) == 1


def test_throttle_with_and_without_retry_after(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.faults(
        {"mode": "throttle", "retry_after": 2}, {"mode": "throttle", "retry_after": None}
    )
    first, second, third = (authorize(allianz) for _ in range(3))
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    assert second.status_code == 429
    assert "retry-after" not in second.headers
    assert third.status_code == 200
    assert [r["status"] for r in allianz.requests()] == [429, 429, 200]


def test_a_path_scoped_fault_waits_for_its_route(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    allianz.faults({"mode": "status", "status": 502, "path": "/riskinfo/"})
    bearer = token(allianz)
    assert search(allianz, bearer, companyName="Gasthaus 001", countryCode="DE").status_code == 200
    assert call(allianz, "POST", PROD["covers"], bearer, cover_request("1001")).status_code == 502
    assert call(allianz, "POST", PROD["covers"], bearer, cover_request("1001")).status_code == 201
    assert [(r["path"], r.get("fault")) for r in allianz.requests()] == [
        (PROD["authorize"], None),
        (PROD["matching"], None),
        (PROD["covers"], "status"),
        (PROD["covers"], None),
    ]


def test_a_dropped_connection_and_a_slow_answer(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    bearer = token(allianz)
    allianz.faults({"mode": "drop", "path": "/search/"}, {"mode": "slow", "delay": 0.6})
    body: dict[str, Any] = {"companyName": "Gasthaus 001", "countryCode": "DE"}
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        search(allianz, bearer, **body)
    started = time.monotonic()
    slow = search(allianz, bearer, **body)
    assert time.monotonic() - started >= 0.6
    assert slow.status_code == 200
    assert slow.json()["results"][0]["company"]["companyId"] == "1001"
    assert [(r.get("fault"), r["status"]) for r in allianz.requests()[1:]] == [
        ("drop", 0),
        ("slow", 200),
    ]


def test_maintenance_answers_503_to_everything_but_the_control_routes(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    bearer = token(allianz)
    allianz.config(maintenance=True)
    assert authorize(allianz).status_code == 503
    assert search(allianz, bearer, companyName="x", countryCode="DE").status_code == 503
    assert httpx.get(f"{allianz.url}/_fake/health").json() == {"ok": True}
    allianz.config(maintenance=False)
    assert search(allianz, bearer, companyName="x", countryCode="DE").status_code == 200


# ---------------------------------------------------------------- log and control


def test_the_request_log_records_requests_and_masks_secrets(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    bearer = token(allianz)
    search(allianz, bearer, companyName="Gasthaus 001", countryCode="DE")
    call(allianz, "POST", PROD["covers"], bearer, cover_request("1001", comment=f"t={bearer}"))
    call(allianz, "GET", f"{PROD['jobs']}nope", bearer)

    answer = allianz.control("GET", "requests")
    text = json.dumps(answer)
    assert API_KEY not in text
    assert bearer not in text
    assert "authorization" not in text.lower()
    log = answer["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("POST", PROD["authorize"], 200),
        ("POST", PROD["matching"], 200),
        ("POST", PROD["covers"], 201),
        ("GET", f"{PROD['jobs']}nope", 404),
    ]
    assert log[0]["body"] == {"apiKey": "***"}
    assert log[1]["body"] == {"companyName": "Gasthaus 001", "countryCode": "DE"}
    assert log[2]["body"]["comment"] == "***"
    assert log[2]["body"]["companyId"] == "1001"
    assert log[3]["body"] is None
    stamps = [r["at"] for r in log]
    assert stamps == sorted(stamps)
    assert abs(stamps[0] - time.time()) < 60
    assert answer["tokens_issued"] == 1


def test_control_routes_refuse_typos(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    for path, body in (
        ("config", {"pending_pols": 1}),
        ("config", {"prefix": "staging"}),
        ("config", {"expires_in": 0}),
        ("config", {"status_case": "lower", "unknown_company_status": 500}),
        ("faults", {"faults": [{"mode": "explode"}]}),
        ("faults", {"faults": [{"mode": "status", "stauts": 500}]}),
        ("faults", {"faults": [{"mode": "status", "path": "search"}]}),
    ):
        response = httpx.post(f"{allianz.url}/_fake/{path}", json=body)
        assert response.status_code == 400, body
    for items in ([company(1, decison="refused")], [company(1, decision="maybe")], [{"a": 1}]):
        response = httpx.put(f"{allianz.url}/_fake/companies", json={"companies": items})
        assert response.status_code == 400, items
    # nothing of a refused setting was applied
    assert authorize(allianz).json()["expires_in"] == 3600


def test_forget_keeps_companies_and_jobs_and_reset_starts_over(
    allianz: FakeAllianz,  # noqa: F811 - the fixture imported above
) -> None:
    allianz.companies([company(1)])
    bearer = token(allianz)
    job_id = new_job(allianz, bearer, cover_request("1001"))
    allianz.faults({"mode": "status", "times": None})
    allianz.forget()
    assert allianz.requests() == []
    assert allianz.tokens_issued() == 0
    assert polls(allianz, bearer, job_id)[-1]["jobStatusCode"] == "processed"  # no fault left
    assert search(allianz, bearer, companyName="Gasthaus 001", countryCode="DE").json()["results"]

    allianz.config(prefix="uat", expires_in=60)
    allianz.reset()
    assert call(allianz, "GET", f"{PROD['jobs']}{job_id}", bearer).status_code == 401
    fresh = token(allianz)
    assert authorize(allianz).json()["expires_in"] == 3600
    assert call(allianz, "GET", f"{PROD['jobs']}{job_id}", fresh).status_code == 404
    assert search(allianz, fresh, companyName="Gasthaus 001", countryCode="DE").json() == {
        "results": []
    }
