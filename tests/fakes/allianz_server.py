"""A local Allianz Trade (formerly Euler Hermes) API that speaks the wire format our sources show
(../shared/reference/connectors-api.md 2.1-2.6): an API key exchanged for a bearer token that
cannot be refreshed, company search, and the asynchronous Cover API v3 (a job to poll, then the
cover with its decision).

    python -m tests.fakes.allianz_server --port P [--api-key K] [--policy-id P]
        [--prefix prod|uat] [--expires-in S]
        [--demo]    (start with five German demo companies, for make run without credentials)

API routes, production style (the default; `prefix: "uat"` serves the UAT style instead and answers
404 to the other one, as the real hosts do):

    prod                                      uat
    POST /v1/idp/oauth2/authorize             POST /uatm/v1/idp/oauth2/authorize
    POST /search/v2/companies/matching        POST /search/uatm-v2/companies/matching
    POST /search/v2/companies/advancedSearch  POST /search/uatm-v2/companies/advancedSearch
    POST /riskinfo/v3/covers                  POST /uatm/riskinfo/v3/covers
    GET  /riskinfo/v3/jobs/{jobId}            GET  /uatm/riskinfo/v3/jobs/{jobId}
    GET  /riskinfo/v3/covers/{coverId}        GET  /uatm/riskinfo/v3/covers/{coverId}

- authorize: `{"apiKey": K}` -> 200 `{"access_token", "token_type": "Bearer", "expires_in"}`; a
  wrong key is a 401, a body without a string `apiKey` a 400. Every other route needs
  `Authorization: Bearer <token>` of an issued token younger than its `expires_in` (elapsed
  seconds); otherwise 401. There is no refresh: a client authorises again.
- matching: `{requestedSize?, companyName?, streetName?, town?, postalCode?, countryCode,
  companyIdentifiers?: [{idTypeCode, idValue}], minimumScore?, companyIdentifierTypeCode?}`;
  `countryCode` and one of `companyName` / a non-empty `companyIdentifiers` are required (else 400).
  Score: 100 when an identifier's `idValue` equals a company's `vatId` (both upper-cased, without
  spaces, dots and dashes); else, in the same `countryCode`, 90 for equal names and 70 when one
  name contains the other (lower-cased, without punctuation and legal forms such as GmbH, AG, KG,
  e.K., UG, mbH), +5 when `postalCode` is equal too. Hits with score >= `minimumScore` (0), best
  first, at most `requestedSize` (10): `{"results": [{"company": {"companyId", "legalData":
  {"companyName"}, "address": {"streetName", "town", "countryCode", "postCodes":
  [{"postCodeValue"}]}, "communicationChannels"?: [...]}, "matchingScore"}]}`; none:
  `{"results": []}`.
- advancedSearch: `{companyName, countryCode, postalCode?, streetName?, town?, pageSize?,
  extendCountrySearch?, ...}`, both `companyName` and `countryCode` required; the same name rules
  (`extendCountrySearch: true` ignores the country), at most `pageSize` (10), best first, as
  `{"results": [{"company": {...}}]}` (no score: our sources show none for this search).
- covers: `{requestTypeCode: "Primary"|"GradeCover", policy: {businessUnitCode, policyId,
  extensionId?}, companyId, creditLimitDetails: {requestedAmount, currencyCode} (Primary only),
  isRequestUrgent?}`; a bad shape, a `policyId` other than the configured one -> 400; an unknown
  `companyId` -> 404 (or 400, `unknown_company_status`). Answers 201 (`create_status`) whose JSON
  body is the job id, a JSON string, as the sample clients read it.
- jobs/{id}: `{"jobId", "jobStatusCode": "pending"}` for the first `pending_polls` polls (Primary,
  2) or `grade_pending_polls` (GradeCover, 0), as configured when the job was created; then
  `{"jobId", "jobStatusCode": "processed", "resourceUrl": "<scheme://host of the request><prefix>
  /riskinfo/v3/covers/<coverId>"}`, or `{"jobId", "jobStatusCode": "failed"}` for a company with
  `"job_outcome": "failed"`. `status_case: "upper"` sends PENDING / PROCESSED / FAILED. Unknown
  job -> 404.
- covers/{id} (exists once its job is processed; else 404): Primary -> `{"coverId", "companyId",
  "requestTypeCode": "Primary", "creditLimitsAggregation": {"creditLimits": [{
  "technicalDecisionStatusCode": "Agreed"|"PartiallyAgreed"|"Refused", "amount", "currencyCode",
  "startDate": "yyyy-mm-dd"}]}}` from the company's `decision` (agreed: the requested amount;
  partial: half of it; refused: 0). GradeCover -> `{"coverId", "companyId", "requestTypeCode":
  "GradeCover", "grade": {"code": <the company's grade or null>, "validUntil": <its
  grade_valid_until, default a year from today, yyyy-mm-dd>}}`. THE GRADE PAYLOAD IS THIS FAKE'S
  OWN INVENTION: the real one is undocumented (2.3), so a client must treat it as opaque.
- Errors are `{"code": "<status>", "message": "..."}` (the real format is undocumented, 2.5); an
  unknown path is a 404, a known path with another method a 405, a body that is not JSON a 400.

A company fixture (PUT /_fake/companies; unknown fields are a 400, so a typo cannot pass):

    {"companyId": "1001", "companyName": "Gasthaus Sonne GmbH", "streetName": "Marktplatz 3",
     "town": "Hamburg", "postalCode": "20095", "countryCode": "DE", "vatId": "DE123456789",
     "grade": "4", "grade_valid_until": "2026-12-31", "decision": "agreed"|"partial"|"refused",
     "job_outcome": "processed"|"failed", "phone": "...", "website": "..."}
    (only companyId is required; decision defaults to agreed, job_outcome to processed)

A test steers it over HTTP:

    GET    /_fake/health                                         {"ok": true}
    PUT    /_fake/companies  {"companies": [company, ...]}       replace the companies
    POST   /_fake/config     {"api_key": K, "expires_in": S, "pending_polls": N,
                              "grade_pending_polls": N, "status_case": "lower"|"upper",
                              "prefix": "prod"|"uat", "policy_id": P,
                              "unknown_company_status": 404|400, "create_status": 201|200,
                              "maintenance": B}        any subset; an unknown key or value is a 400
    POST   /_fake/faults     {"faults": [{"mode": ..., "times": 1, "status": 503, "delay": 0,
                                          "retry_after": 1, "path": "/search/"}]}    appended
    POST   /_fake/expire_tokens                                  every issued token is invalid now
    GET    /_fake/requests   {"requests": [{method, path, status, at, body, fault?}],
                              "tokens_issued": n}
    DELETE /_fake/requests   forget the log, the faults and tokens_issued (not companies, jobs,
                             covers or tokens)
    POST   /_fake/reset      everything back to how the process started

Faults act like the gateway in front of the API: before routing and authentication, one fault
per request, the first whose `path` (a prefix of the request path; none: every path) matches
and that has `times` left (`null`: forever); a fault that does not match is not consumed.
Modes: `status` (that status, default 503, with an error body), `slow` (the normal answer after
`delay` seconds), `drop` (starts a 200 and closes the connection mid-body), `throttle` (a 429 with
`Retry-After: retry_after`; `retry_after: null` sends no Retry-After). `maintenance: true`
answers 503 to everything but /_fake/. A dropped request is logged with status 0. The log never
holds the Authorization header, and the apiKey or a token in a logged body is masked as "***":
tests check that secrets do not leak.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import secrets
import signal
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

import uvicorn

from tests.fakes.llm import Receive, Send, lifespan, read_body, respond

FAULT_MODES = frozenset({"status", "slow", "drop", "throttle"})
REQUEST_TYPES = frozenset({"Primary", "GradeCover"})
DECISIONS = {"agreed": "Agreed", "partial": "PartiallyAgreed", "refused": "Refused"}
OUTCOMES = frozenset({"processed", "failed"})
COMPANY_FIELDS = frozenset(
    {
        "companyId", "companyName", "streetName", "town", "postalCode", "countryCode", "vatId",
        "grade", "grade_valid_until", "decision", "job_outcome", "phone", "website",
    }
)  # fmt: skip
# German legal forms, after dots are removed ("e.K." -> "ek"); "co" is the "Co." of "GmbH & Co. KG"
LEGAL_FORMS = frozenset(
    {"gmbh", "mbh", "ag", "kg", "ek", "ug", "ohg", "gbr", "kgaa", "se", "co", "ev", "eg",
     "haftungsbeschränkt"}
)  # fmt: skip
SECRET_KEYS = frozenset({"apikey", "api_key", "access_token", "authorization", "token"})
MASK = "***"


@dataclass(frozen=True)
class Prefixes:
    authorize: str
    search: str  # followed by "matching" or "advancedSearch"
    riskinfo: str  # followed by "covers", "jobs/<id>" or "covers/<id>"


PREFIXES = {
    "prod": Prefixes("/v1/idp/oauth2/authorize", "/search/v2/companies/", "/riskinfo/v3/"),
    "uat": Prefixes(
        "/uatm/v1/idp/oauth2/authorize", "/search/uatm-v2/companies/", "/uatm/riskinfo/v3/"
    ),
}


def demo_companies() -> list[dict[str, Any]]:
    """Five German companies with each decision and a failed job, for make run."""
    rows = [
        ("1001", "Gasthaus Sonne GmbH", "Marktplatz 3", "Hamburg", "20095", "DE123456789", "4",
         "agreed", "processed"),
        ("1002", "Hotel Seeblick AG", "Uferweg 12", "Konstanz", "78462", "DE234567890", "2",
         "partial", "processed"),
        ("1003", "Kantine Nord e.K.", "Industriestraße 7", "Bremen", "28195", "DE345678901", "7",
         "refused", "processed"),
        ("1004", "Bäckerei Korn UG (haftungsbeschränkt)", "Mühlenweg 1", "München", "80331",
         "DE456789012", "3", "agreed", "processed"),
        ("1005", "Catering Gruber GmbH & Co. KG", "Messeplatz 5", "Köln", "50679", "DE567890123",
         "5", "agreed", "failed"),
    ]  # fmt: skip
    return [
        {
            "companyId": cid, "companyName": name, "streetName": street, "town": town,
            "postalCode": postal, "countryCode": "DE", "vatId": vat, "grade": grade,
            "decision": decision, "job_outcome": outcome,
        }
        for cid, name, street, town, postal, vat, grade, decision, outcome in rows
    ]  # fmt: skip


@dataclass
class Config:
    """What POST /_fake/config may change; each field's checker is in CONFIG_CHECKS."""

    api_key: str
    expires_in: float = 3600
    pending_polls: int = 2
    grade_pending_polls: int = 0
    status_case: str = "lower"
    prefix: str = "prod"
    policy_id: str = "POL-123456"
    unknown_company_status: int = 404
    create_status: int = 201
    maintenance: bool = False


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


CONFIG_CHECKS: dict[str, Callable[[Any], bool]] = {
    "api_key": _text,
    "expires_in": lambda v: _number(v) and v > 0,
    "pending_polls": _count,
    "grade_pending_polls": _count,
    "status_case": lambda v: v in ("lower", "upper"),
    "prefix": lambda v: v in PREFIXES,
    "policy_id": _text,
    "unknown_company_status": lambda v: v in (404, 400) and not isinstance(v, bool),
    "create_status": lambda v: v in (201, 200) and not isinstance(v, bool),
    "maintenance": lambda v: isinstance(v, bool),
}
assert set(CONFIG_CHECKS) == {f.name for f in fields(Config)}


@dataclass
class Fault:
    mode: str
    times: int | None = 1
    status: int = 503
    delay: float = 0.0
    retry_after: float | None = 1.0
    path: str | None = None

    def problem(self) -> str | None:
        """Why this fault is not usable, or None; a test's typo must not become a normal answer."""
        if self.mode not in FAULT_MODES:
            return f"unknown mode {self.mode!r}; known: {sorted(FAULT_MODES)}"
        if self.times is not None and not _count(self.times):
            return "times: a count or null"
        if not (isinstance(self.status, int) and 100 <= self.status <= 599):
            return "status: an HTTP status"
        if not (_number(self.delay) and self.delay >= 0):
            return "delay: seconds"
        if self.retry_after is not None and not (
            _number(self.retry_after) and self.retry_after >= 0
        ):
            return "retry_after: seconds or null"
        if self.path is not None and not (isinstance(self.path, str) and self.path.startswith("/")):
            return "path: a path prefix starting with / or null"
        return None


@dataclass
class Job:
    job_id: str
    cover_id: str
    request_type: str
    company_id: str
    pending: int  # polls still answered "pending"
    outcome: str  # processed | failed, from the company when the job was created
    decision: str
    amount: Any  # the requested amount as the client sent it (Primary)
    currency: str | None


@dataclass
class State:
    config: Config
    start_companies: list[dict[str, Any]] = field(default_factory=list)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> monotonic expiry
    tokens_issued: int = 0
    jobs: dict[str, Job] = field(default_factory=dict)
    covers: dict[str, dict[str, Any]] = field(default_factory=dict)
    cover_sequence: int = 500000
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    start_config: Config | None = None

    def __post_init__(self) -> None:
        self.start_config = replace(self.config)
        self.companies = {c["companyId"]: c for c in self.start_companies}

    def reset(self) -> None:
        assert self.start_config is not None
        fresh = State(replace(self.start_config), start_companies=self.start_companies)
        self.__dict__.update(fresh.__dict__)

    def next_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path is not None and not path.startswith(fault.path):
                continue  # another route's fault waits for its route
            if fault.times is None or fault.times > 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def case(self, status: str) -> str:
        return status.upper() if self.config.status_case == "upper" else status

    def mask(self, value: Any) -> Any:
        """The value with the API key and every issued token replaced, for the log."""
        secret_values = {self.config.api_key, *self.tokens}
        if isinstance(value, dict):
            return {k: MASK if k.lower() in SECRET_KEYS else self.mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        if isinstance(value, str) and any(s and s in value for s in secret_values):
            return MASK
        return value


def error(status: int, message: str) -> dict[str, str]:
    return {"code": str(status), "message": message}


def seconds_header(value: float) -> str:
    """Whole seconds as an integer, as real servers send them; a fraction as given (quick tests)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def normal_id(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value).upper()


def normal_name(value: str) -> str:
    words = re.sub(r"[^\w\s]", " ", value.lower().replace(".", "")).split()
    return " ".join(w for w in words if w not in LEGAL_FORMS)


def name_score(wanted: str, company: dict[str, Any]) -> int:
    mine, theirs = normal_name(wanted), normal_name(str(company.get("companyName") or ""))
    if not mine or not theirs:
        return 0
    if mine == theirs:
        return 90
    return 70 if mine in theirs or theirs in mine else 0


def company_view(company: dict[str, Any]) -> dict[str, Any]:
    """A company as the search answers list it."""
    postal = company.get("postalCode")
    view: dict[str, Any] = {
        "companyId": company["companyId"],
        "legalData": {"companyName": company.get("companyName")},
        "address": {
            "streetName": company.get("streetName"),
            "town": company.get("town"),
            "countryCode": company.get("countryCode"),
            "postCodes": [{"postCodeValue": postal}] if postal else [],
        },
    }
    channels = [
        {"typeCode": code, "value": company[key]}
        for key, code in (("phone", "PHONE_NUMBER"), ("website", "WEBSITE"))
        if company.get(key)
    ]
    if channels:
        view["communicationChannels"] = channels
    return view


def same(left: Any, right: Any) -> bool:
    """Equal as trimmed, upper-cased text, and both given."""
    return bool(left) and bool(right) and str(left).strip().upper() == str(right).strip().upper()


def matching_problem(body: dict[str, Any]) -> str | None:
    """Why a matching body is a 400, or None."""
    name, identifiers = body.get("companyName"), body.get("companyIdentifiers") or []
    size, minimum = body.get("requestedSize"), body.get("minimumScore")
    if not _text(body.get("countryCode")):
        return "countryCode is required"
    if not isinstance(identifiers, list) or not all(
        isinstance(i, dict) and isinstance(i.get("idValue"), str) for i in identifiers
    ):
        return "companyIdentifiers: a list of {idTypeCode, idValue}"
    if not _text(name) and not identifiers:
        return "companyName or companyIdentifiers is required"
    if name is not None and not isinstance(name, str):
        return "companyName: a string"
    if size is not None and not (_count(size) and size >= 1):
        return "requestedSize: a positive integer"
    if minimum is not None and not _number(minimum):
        return "minimumScore: a number"
    return None


def matching(state: State, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    problem = matching_problem(body)
    if problem:
        return 400, error(400, problem)
    country, name = body["countryCode"], body.get("companyName")
    identifiers = body.get("companyIdentifiers") or []
    size = body.get("requestedSize") or 10
    minimum = body.get("minimumScore") or 0
    wanted_ids = {normal_id(i["idValue"]) for i in identifiers}
    scored = []
    for company in state.companies.values():
        vat = company.get("vatId")
        if vat and normal_id(str(vat)) in wanted_ids:
            score = 100
        elif name and same(company.get("countryCode"), country):
            score = name_score(name, company)
            if score and same(company.get("postalCode"), body.get("postalCode")):
                score += 5
        else:
            score = 0
        if score > 0 and score >= minimum:
            scored.append((score, company))
    scored.sort(key=lambda pair: (-pair[0], str(pair[1]["companyId"])))
    results = [{"company": company_view(c), "matchingScore": s} for s, c in scored[:size]]
    return 200, {"results": results}


def advanced_search(state: State, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    country, name, size = body.get("countryCode"), body.get("companyName"), body.get("pageSize")
    if not _text(country) or not _text(name):
        return 400, error(400, "companyName and countryCode are required")
    size = 10 if size is None else size
    if not (_count(size) and size >= 1):
        return 400, error(400, "pageSize: a positive integer")
    anywhere = body.get("extendCountrySearch") is True
    scored = []
    for company in state.companies.values():
        if not anywhere and not same(company.get("countryCode"), country):
            continue
        score = name_score(str(name), company)
        if score and same(company.get("postalCode"), body.get("postalCode")):
            score += 5
        if score:
            scored.append((score, company))
    scored.sort(key=lambda pair: (-pair[0], str(pair[1]["companyId"])))
    return 200, {"results": [{"company": company_view(c)} for _, c in scored[:size]]}


def create_cover(state: State, body: dict[str, Any]) -> tuple[int, Any]:
    request_type, policy = body.get("requestTypeCode"), body.get("policy")
    if request_type not in REQUEST_TYPES:
        return 400, error(400, f"requestTypeCode must be one of {sorted(REQUEST_TYPES)}")
    if not isinstance(policy, dict) or not _text(policy.get("businessUnitCode")):
        return 400, error(400, "policy: {businessUnitCode, policyId, extensionId?}")
    if policy.get("policyId") != state.config.policy_id:
        return 400, error(400, "policy.policyId is not a policy of this contract")
    company_id = body.get("companyId")
    if not isinstance(company_id, str | int) or isinstance(company_id, bool) or company_id == "":
        return 400, error(400, "companyId is required")
    urgent = body.get("isRequestUrgent")
    if urgent is not None and not isinstance(urgent, bool):
        return 400, error(400, "isRequestUrgent: a boolean")
    amount: Any = None
    currency: Any = None
    if request_type == "Primary":
        details = body.get("creditLimitDetails")
        if not isinstance(details, dict):
            return 400, error(400, "creditLimitDetails is required for a Primary request")
        amount, currency = details.get("requestedAmount"), details.get("currencyCode")
        if not (_number(amount) and amount > 0):
            return 400, error(400, "creditLimitDetails.requestedAmount: a positive number")
        if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
            return 400, error(400, "creditLimitDetails.currencyCode: ISO 4217")
    company = state.companies.get(str(company_id))
    if company is None:
        status = state.config.unknown_company_status
        return status, error(status, f"company {company_id} not found")
    state.cover_sequence += 1
    job = Job(
        job_id=str(uuid.uuid4()),
        cover_id=str(state.cover_sequence),
        request_type=request_type,
        company_id=str(company_id),
        pending=(
            state.config.pending_polls
            if request_type == "Primary"
            else state.config.grade_pending_polls
        ),
        outcome=company.get("job_outcome") or "processed",
        decision=company.get("decision") or "agreed",
        amount=amount,
        currency=currency,
    )
    state.jobs[job.job_id] = job
    return state.config.create_status, job.job_id


def plain_number(value: Decimal) -> int | float:
    """5000 rather than 5000.0 for a whole amount; JSON has one number type anyway."""
    return int(value) if value == value.to_integral_value() else float(value)


def cover_of(state: State, job: Job) -> dict[str, Any]:
    company = state.companies.get(job.company_id, {})
    head = {"coverId": job.cover_id, "companyId": job.company_id}
    today = dt.datetime.now(dt.UTC).date()
    if job.request_type == "GradeCover":
        valid_until = (
            company.get("grade_valid_until") or (today + dt.timedelta(days=365)).isoformat()
        )
        grade = {"code": company.get("grade"), "validUntil": valid_until}
        return head | {"requestTypeCode": "GradeCover", "grade": grade}
    requested = Decimal(str(job.amount))
    agreed = {"agreed": requested, "partial": requested / 2, "refused": Decimal(0)}[job.decision]
    limit = {
        "technicalDecisionStatusCode": DECISIONS[job.decision],
        "amount": plain_number(agreed),
        "currencyCode": job.currency,
        "startDate": today.isoformat(),
    }
    return head | {
        "requestTypeCode": "Primary",
        "creditLimitsAggregation": {"creditLimits": [limit]},
    }


def poll_job(state: State, job: Job, base_url: str) -> dict[str, Any]:
    if job.pending > 0:
        job.pending -= 1
        return {"jobId": job.job_id, "jobStatusCode": state.case("pending")}
    if job.outcome == "failed":
        return {"jobId": job.job_id, "jobStatusCode": state.case("failed")}
    # the cover exists from the first processed poll on, built once so it does not change
    state.covers.setdefault(job.cover_id, cover_of(state, job))
    riskinfo = PREFIXES[state.config.prefix].riskinfo
    return {
        "jobId": job.job_id,
        "jobStatusCode": state.case("processed"),
        "resourceUrl": f"{base_url}{riskinfo}covers/{job.cover_id}",
    }


Handler = Callable[[State, dict[str, Any]], tuple[int, Any]]


def route_of(state: State, path: str) -> tuple[str, str, str] | None:
    """(name, method, argument) of an API path in the configured prefix style, or None."""
    prefixes = PREFIXES[state.config.prefix]
    if path == prefixes.authorize:
        return "authorize", "POST", ""
    if path.startswith(prefixes.search):
        rest = path.removeprefix(prefixes.search)
        return (rest, "POST", "") if rest in ("matching", "advancedSearch") else None
    if not path.startswith(prefixes.riskinfo):
        return None
    rest = path.removeprefix(prefixes.riskinfo)
    if rest == "covers":
        return "create_cover", "POST", ""
    for name, head in (("job", "jobs/"), ("cover", "covers/")):
        if rest.startswith(head):
            argument = rest.removeprefix(head)
            return (name, "GET", argument) if argument and "/" not in argument else None
    return None


def bearer_ok(state: State, headers: dict[str, str]) -> bool:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    expiry = state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if expiry is None:
        return False
    if time.monotonic() >= expiry:
        del state.tokens[token.strip()]  # expired for good: there is no refresh
        return False
    return True


def authorize(state: State, body: Any) -> tuple[int, dict[str, Any]]:
    key = body.get("apiKey") if isinstance(body, dict) else None
    if not isinstance(key, str):
        return 400, error(400, "apiKey is required")
    if not secrets.compare_digest(key.encode(), state.config.api_key.encode()):
        return 401, error(401, "invalid API key")
    token = secrets.token_urlsafe(32)
    expires_in = state.config.expires_in
    state.tokens[token] = time.monotonic() + expires_in
    state.tokens_issued += 1
    return 200, {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def make_app(state: State) -> Any:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        method, path = scope["method"], scope["path"]
        if path.startswith("/_fake/"):
            await control(state, method, path, body, send)
            return
        try:
            parsed: Any = json.loads(body) if body else None
            readable = True
        except ValueError:
            parsed, readable = None, False
        # masked now: the body of an authorize request holds the key, and tokens issued later
        # must not be readable from bodies logged earlier either
        entry: dict[str, Any] = {
            "method": method, "path": path, "status": 0, "at": time.time(),
            "body": state.mask(parsed),
        }  # fmt: skip
        state.requests.append(entry)
        entry["status"] = await api(state, scope, parsed, readable, entry, send)

    return app


async def api(  # noqa: PLR0912 - one branch per gateway step and route
    state: State,
    scope: dict[str, Any],
    body: Any,
    readable: bool,
    entry: dict[str, Any],
    send: Send,
) -> int:
    method, path = scope["method"], scope["path"]
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    if state.config.maintenance:
        await respond(send, 503, error(503, "service under maintenance"))
        return 503
    fault = state.next_fault(path)
    if fault is not None:
        entry["fault"] = fault.mode
        answered = await apply_fault(fault, send)
        if answered is not None:
            return answered
    route = route_of(state, path)
    if route is None:
        await respond(send, 404, error(404, "no such resource"))
        return 404
    name, allowed, argument = route
    if method != allowed:
        await respond(send, 405, error(405, f"use {allowed}"), {"Allow": allowed})
        return 405
    if not readable:
        await respond(send, 400, error(400, "the body is not JSON"))
        return 400
    if name == "authorize":
        status, answer = authorize(state, body)
        await respond(send, status, answer)
        return status
    if not bearer_ok(state, headers):
        message = "missing, invalid or expired access token"
        await respond(send, 401, error(401, message), {"WWW-Authenticate": "Bearer"})
        return 401
    if name in ("matching", "advancedSearch", "create_cover"):
        if not isinstance(body, dict):
            await respond(send, 400, error(400, "a JSON object is required"))
            return 400
        handler: Handler = {"matching": matching, "advancedSearch": advanced_search}.get(
            name, create_cover
        )
        status, answer = handler(state, body)
        await respond(send, status, answer)
        return status
    if name == "job":
        job = state.jobs.get(argument)
        if job is None:
            await respond(send, 404, error(404, f"job {argument} not found"))
            return 404
        await respond(send, 200, poll_job(state, job, base_url(scope, headers)))
        return 200
    cover = state.covers.get(argument)
    if cover is None:
        await respond(send, 404, error(404, f"cover {argument} not found"))
        return 404
    await respond(send, 200, cover)
    return 200


def base_url(scope: dict[str, Any], headers: dict[str, str]) -> str:
    """scheme://host[:port] as the client addressed us, so resourceUrl is followable as is."""
    host = headers.get("host")
    if not host:
        server_host, server_port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{server_port}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def apply_fault(fault: Fault, send: Send) -> int | None:
    """Answer the fault; its status, or None when the request goes on (slow)."""
    if fault.mode == "status":
        await respond(send, fault.status, error(fault.status, "fault"))
        return fault.status
    if fault.mode == "throttle":
        headers = (
            {} if fault.retry_after is None else {"Retry-After": seconds_header(fault.retry_after)}
        )
        await respond(send, 429, error(429, "too many requests"), headers)
        return 429
    if fault.mode == "drop":
        # a promised body that never comes: uvicorn closes the connection when the app fails
        # after the response started, so the client sees a broken response, not an error status
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": b'{"results": [', "more_body": True})
        raise ConnectionAbortedError("fault: dropped connection")
    await asyncio.sleep(fault.delay)  # slow: then the normal answer
    return None


def companies_problem(items: Any) -> str | None:
    if not isinstance(items, list) or not all(isinstance(c, dict) for c in items):
        return "companies: a list of objects"
    for company in items:
        unknown = set(company) - COMPANY_FIELDS
        if unknown:
            return f"unknown company fields {sorted(unknown)}; known: {sorted(COMPANY_FIELDS)}"
        if not _text(company.get("companyId")) or not str(company["companyId"]).isdigit():
            return "companyId: a string of digits"
        if company.get("decision", "agreed") not in DECISIONS:
            return f"decision: one of {sorted(DECISIONS)}"
        if company.get("job_outcome", "processed") not in OUTCOMES:
            return f"job_outcome: one of {sorted(OUTCOMES)}"
    ids = [c["companyId"] for c in items]
    return "companyId: each once" if len(set(ids)) != len(ids) else None


def config_problem(values: Any) -> str | None:
    if not isinstance(values, dict):
        return "a JSON object of settings"
    unknown = set(values) - set(CONFIG_CHECKS)
    if unknown:
        return f"unknown settings {sorted(unknown)}; known: {sorted(CONFIG_CHECKS)}"
    bad = sorted(k for k, v in values.items() if not CONFIG_CHECKS[k](v))
    return f"bad values for {bad}" if bad else None


async def control(state: State, method: str, route: str, body: bytes, send: Send) -> None:  # noqa: PLR0912
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        await respond(send, 400, {"error": "not JSON"})
        return
    if route == "/_fake/health":
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/companies" and method == "PUT":
        items = parsed.get("companies") if isinstance(parsed, dict) else None
        problem = companies_problem(items)
        if problem:
            await respond(send, 400, {"error": problem})
            return
        state.companies = {c["companyId"]: c for c in items or []}
        await respond(send, 200, {"companies": len(state.companies)})
    elif route == "/_fake/config" and method == "POST":
        problem = config_problem(parsed)
        if problem:  # nothing is applied: half a configuration would be a confusing state
            await respond(send, 400, {"error": problem})
            return
        for key, value in parsed.items():
            setattr(state.config, key, value)
        await respond(send, 200, {"ok": True})  # no echo: the settings may hold the API key
    elif route == "/_fake/faults" and method == "POST":
        try:
            faults = [Fault(**f) for f in parsed.get("faults", [])]
        except (TypeError, AttributeError) as exc:
            await respond(send, 400, {"error": f"not a fault: {exc}"})
            return
        problems = [p for p in (f.problem() for f in faults) if p]
        if problems:
            await respond(send, 400, {"error": "; ".join(problems)})
            return
        state.faults.extend(faults)
        await respond(send, 200, {"faults": len(state.faults)})
    elif route == "/_fake/expire_tokens" and method == "POST":
        expired = len(state.tokens)
        state.tokens.clear()
        await respond(send, 200, {"expired": expired})
    elif route == "/_fake/requests" and method == "GET":
        answer = {"requests": state.requests, "tokens_issued": state.tokens_issued}
        await respond(send, 200, answer)
    elif route == "/_fake/requests" and method == "DELETE":
        state.requests.clear()
        state.faults.clear()
        state.tokens_issued = 0
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/reset" and method == "POST":
        state.reset()
        await respond(send, 200, {"ok": True})
    else:
        await respond(send, 404, {"error": "unknown control endpoint"})


def main() -> None:
    parser = argparse.ArgumentParser(prog="fake allianz trade")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default="fake-allianz-api-key")
    parser.add_argument("--policy-id", default="POL-123456")
    parser.add_argument("--prefix", choices=sorted(PREFIXES), default="prod")
    parser.add_argument("--expires-in", type=float, default=3600)
    parser.add_argument("--demo", action="store_true", help="start with five demo companies")
    args = parser.parse_args()
    seconds = float(args.expires_in)
    expires_in = int(seconds) if seconds.is_integer() else seconds  # 3600, not 3600.0
    config = Config(
        api_key=args.api_key, policy_id=args.policy_id, prefix=args.prefix, expires_in=expires_in
    )
    state = State(config, start_companies=demo_companies() if args.demo else [])
    server_config = uvicorn.Config(
        make_app(state), host=args.host, port=args.port, log_level="warning",
        access_log=False, timeout_graceful_shutdown=1, lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(server_config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    asyncio.run(server.serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
