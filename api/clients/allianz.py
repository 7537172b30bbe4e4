"""Allianz Trade client (SPEC 8.3; ../shared/reference/connectors-api.md section 2).

The API key is exchanged for a bearer token (`POST /v1/idp/oauth2/authorize`), which lasts an
hour and cannot be refreshed: the client keeps it until a minute before it expires and authorises
again then, or at once when a call answers 401 (that call, which Allianz Trade refused before
doing anything, is repeated once with the new token). Company search is
`/search/v2/companies/matching`; grades and credit limits are asynchronous cover requests
(`POST /riskinfo/v3/covers` answers a job id, `GET /riskinfo/v3/jobs/{id}` until it is processed,
then its `resourceUrl`). The UAT sandbox puts its environment tag into the paths
(ALLIANZ_TRADE_PATH_STYLE=uat).

Every call has a deadline, passes the circuit breaker, and is traced (operation, milliseconds,
outcome) for app.connector_calls. Nothing is retried here: a credit check is a user waiting, and
a limit request must not be sent twice. Everything Allianz Trade answers is untrusted: ids and
grades must match a narrow pattern, a resourceUrl must point at the configured host, and error
bodies are cut short and stripped before they are stored. The key and the token never appear in
an error or log line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from api.core.breaker import CircuitBreaker
from api.core.settings import AllianzSettings

TOKEN_MARGIN_SECONDS = 60.0
MESSAGE_LIMIT = 300
# the same patterns as the columns' checks (fullmatch, ASCII: "4\n" or a non-ASCII digit is no id)
ID = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)
GRADE = re.compile(r"[A-Za-z0-9.+-]{1,10}", re.ASCII)
DECISIONS = {
    "agreed": "AGREED",
    "alreadyagreed": "AGREED",
    "partiallyagreed": "PARTIAL",
    "refused": "REFUSED",
}
PATHS = {
    "prod": {
        "authorize": "/v1/idp/oauth2/authorize",
        "matching": "/search/v2/companies/matching",
        "covers": "/riskinfo/v3/covers",
        "jobs": "/riskinfo/v3/jobs",
    },
    "uat": {
        "authorize": "/uatm/v1/idp/oauth2/authorize",
        "matching": "/search/uatm-v2/companies/matching",
        "covers": "/uatm/riskinfo/v3/covers",
        "jobs": "/uatm/riskinfo/v3/jobs",
    },
}


class AllianzError(Exception):
    """Base of the client's errors; the message is safe to store (no key, no token)."""


class AllianzUnavailableError(AllianzError):
    """No useful answer (network, timeout, 5xx, 429, an open breaker). `reached` is False when the
    request certainly did not arrive or was not acted on (no connection, 429, 503, breaker)."""

    def __init__(self, message: str, *, reached: bool) -> None:
        super().__init__(message)
        self.reached = reached


class AllianzRefusedError(AllianzError):
    """Allianz Trade refused the request (4xx other than 401/429): the same one fails again."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Allianz Trade answered {status}: {message}")
        self.status = status


@dataclass
class Trace:
    """The upstream calls of one credit check or job: [{"operation", "ms", "outcome"}]."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def add(self, operation: str, started: float, outcome: str) -> None:
        ms = round((time.monotonic() - started) * 1000, 3)
        self.calls.append({"operation": operation, "ms": ms, "outcome": outcome})


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str | None


@dataclass(frozen=True)
class JobState:
    status: str  # pending | processed | failed (lower case, whatever Allianz Trade sent)
    resource_url: str | None


def _clean(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def _name(value: Any) -> str | None:
    """A company name as the database takes it (1 to 300 printable characters), or None."""
    if not isinstance(value, str):
        return None
    return _clean(value, 300).strip() or None


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value)[:30])
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        return None
    return number.quantize(Decimal("0.01"))


class AllianzClient:
    """One Allianz Trade API. Use as an async context manager; share one per process."""

    def __init__(self, settings: AllianzSettings, breaker: CircuitBreaker | None = None) -> None:
        if not settings.base_url or not settings.api_key or not settings.policy_id:
            raise ValueError("Allianz Trade needs its base URL, API key and policy id")
        self.settings = settings
        self.base_url = settings.base_url
        self.api_key = settings.api_key
        self.policy_id = settings.policy_id
        self.paths = PATHS[settings.path_style]
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Accept": "application/json"},
            timeout=httpx.Timeout(settings.timeout_seconds),
            follow_redirects=False,
        )
        self.breaker = breaker or CircuitBreaker()
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()
        self.tokens_fetched = 0

    async def __aenter__(self) -> AllianzClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    # ------------------------------------------------------------------ transport

    def _safe(self, text: str) -> str:
        # secrets out of the whole text before it is cut, so that no part of one survives
        for secret in (self.api_key, self._token):
            if secret:
                text = text.replace(secret, "***")
        return _clean(text)

    def _message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return self._safe(body["message"])
        return self._safe(response.reason_phrase or "no reason given")

    async def _token_header(self, trace: Trace, refused: str | None = None) -> dict[str, str]:
        """The bearer header; a new token when none is kept, it is about to expire, or the one
        a call was refused with (`refused`) is still the one kept (concurrent 401s renew once)."""
        async with self._token_lock:
            expired = self._token is None or time.monotonic() >= self._token_until
            if expired or (refused is not None and refused == self._token):
                await self._authorize(trace)
            return {"Authorization": f"Bearer {self._token}"}

    async def _authorize(self, trace: Trace) -> None:
        started = time.monotonic()
        response = await self._send(
            "POST", self.paths["authorize"], trace, "authorize", started, {"apiKey": self.api_key}
        )
        if response.status_code != 200:
            trace.add("authorize", started, "refused")
            raise AllianzRefusedError(response.status_code, "the API key was not accepted")
        try:
            body = response.json()
            token, expires = body["access_token"], float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            trace.add("authorize", started, "invalid")
            raise AllianzUnavailableError("Allianz Trade answered no token", reached=False) from exc
        if not isinstance(token, str) or not token or len(token) > 4096:
            trace.add("authorize", started, "invalid")
            raise AllianzUnavailableError("Allianz Trade answered no usable token", reached=False)
        trace.add("authorize", started, "ok")
        self._token = token
        self._token_until = time.monotonic() + max(expires - TOKEN_MARGIN_SECONDS, 1.0)
        self.tokens_fetched += 1

    async def _send(  # noqa: PLR0917 - one exchange has this many facts
        self,
        method: str,
        path: str,
        trace: Trace,
        operation: str,
        started: float,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One HTTP exchange under the deadline and the breaker; outages raise, answers return."""
        if not self.breaker.allow():
            trace.add(operation, started, "circuit_open")
            raise AllianzUnavailableError(
                "circuit open: Allianz Trade failed repeatedly, so it is not called for a while",
                reached=False,
            )
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                response = await self.http.request(method, path, json=body, headers=headers)
        except httpx.ConnectError as exc:
            self.breaker.record_failure()
            trace.add(operation, started, "unavailable")
            raise AllianzUnavailableError(
                f"{operation}: no connection ({type(exc).__name__})", reached=False
            ) from exc
        except (httpx.HTTPError, TimeoutError) as exc:
            self.breaker.record_failure()
            trace.add(operation, started, "unavailable")
            raise AllianzUnavailableError(
                f"{operation}: {type(exc).__name__} after {time.monotonic() - started:.1f} s",
                reached=True,
            ) from exc
        status = response.status_code
        if status >= 500:
            self.breaker.record_failure()
            trace.add(operation, started, "unavailable")
            raise AllianzUnavailableError(
                f"{operation}: {status} {self._message(response)}", reached=status != 503
            )
        if status == 429:
            self.breaker.record_neutral()
            trace.add(operation, started, "throttled")
            raise AllianzUnavailableError(f"{operation}: 429 Too Many Requests", reached=False)
        if status >= 400:
            self.breaker.record_neutral()
        else:
            self.breaker.record_success()
        return response

    async def _call(
        self, method: str, path: str, trace: Trace, operation: str, body: Any = None
    ) -> Any:
        """A JSON call with the token: re-authorised once on a 401; a 4xx raises Refused."""
        started = time.monotonic()
        headers = await self._token_header(trace)
        response = await self._send(method, path, trace, operation, started, body, headers)
        if response.status_code == 401:
            trace.add(operation, started, "unauthorized")
            started = time.monotonic()
            headers = await self._token_header(trace, refused=headers["Authorization"][7:])
            response = await self._send(method, path, trace, operation, started, body, headers)
        if response.status_code >= 400:
            trace.add(operation, started, "refused")
            raise AllianzRefusedError(response.status_code, self._message(response))
        try:
            answer = response.json()
        except ValueError as exc:
            trace.add(operation, started, "invalid")
            raise AllianzUnavailableError(f"{operation}: not JSON", reached=True) from exc
        trace.add(operation, started, "ok")
        return answer

    # ------------------------------------------------------------------ operations

    async def match_company(self, subject: Mapping[str, Any], trace: Trace) -> Company | None:
        """The lead's company at Allianz Trade: by VAT id when we have one, else by name and
        address; the best result with at least ALLIANZ_TRADE_MIN_SCORE, or None."""
        body: dict[str, Any] = {
            "requestedSize": 5,
            "countryCode": subject.get("country") or "DE",
            "minimumScore": self.settings.min_score,
            "companyIdentifierTypeCode": "EH",
        }
        if subject.get("vat_id"):
            body["companyIdentifiers"] = [
                {"idTypeCode": self.settings.vat_id_type, "idValue": subject["vat_id"]}
            ]
        else:
            body |= {
                "companyName": subject.get("company_name"),
                "postalCode": subject.get("postal_code"),
                "town": subject.get("city"),
                "streetName": subject.get("street"),
            }
        answer = await self._call("POST", self.paths["matching"], trace, "company_match", body)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise AllianzUnavailableError("company_match: no results list", reached=True)
        for result in results:
            company = result.get("company") if isinstance(result, dict) else None
            if not isinstance(company, dict):
                continue
            score = result.get("matchingScore")
            if isinstance(score, int | float) and score < self.settings.min_score:
                continue
            company_id = str(company.get("companyId", ""))
            if not ID.fullmatch(company_id):
                continue
            legal = company.get("legalData")
            name = legal.get("companyName") if isinstance(legal, dict) else None
            return Company(company_id, _name(name))
        return None

    async def request_cover(
        self, company_id: str, trace: Trace, amount_eur: Decimal | None = None
    ) -> str:
        """POST a cover request: a grade (no amount) or a credit limit; Allianz Trade's job id."""
        body: dict[str, Any] = {
            "requestTypeCode": "GradeCover" if amount_eur is None else "Primary",
            "policy": {"businessUnitCode": self.settings.business_unit, "policyId": self.policy_id},
            "companyId": company_id,
            "isRequestUrgent": False,
        }
        if amount_eur is not None:
            body["creditLimitDetails"] = {
                "requestedAmount": float(amount_eur),
                "currencyCode": "EUR",
            }
        operation = "grade_request" if amount_eur is None else "limit_request"
        job = await self._call("POST", self.paths["covers"], trace, operation, body)
        if isinstance(job, dict):  # tolerate {"jobId": ...} as well as the bare id
            job = job.get("jobId")
        job_id = str(job) if isinstance(job, str | int) else ""
        if not JOB_ID.fullmatch(job_id):
            raise AllianzUnavailableError(f"{operation}: no usable job id", reached=True)
        return job_id

    async def job_state(self, job_id: str, trace: Trace) -> JobState:
        answer = await self._call(
            "GET", f"{self.paths['jobs']}/{urllib.parse.quote(job_id)}", trace, "job_poll"
        )
        if not isinstance(answer, dict):
            raise AllianzUnavailableError("job_poll: not an object", reached=True)
        status = str(answer.get("jobStatusCode", "")).lower()
        url = answer.get("resourceUrl")
        return JobState(status, url if isinstance(url, str) else None)

    async def cover(self, resource_url: str, trace: Trace) -> dict[str, Any]:
        """The processed cover a job points at; only on the configured host."""
        base = urllib.parse.urlsplit(self.base_url)
        target = urllib.parse.urlsplit(resource_url)
        prefix = base.path.rstrip("/")
        if (target.scheme, target.netloc) != (
            base.scheme,
            base.netloc,
        ) or not target.path.startswith(prefix + "/"):
            raise AllianzUnavailableError("resourceUrl points outside Allianz Trade", reached=True)
        # relative to the base URL, which may carry a path of its own
        path = target.path[len(prefix) :] + (f"?{target.query}" if target.query else "")
        answer = await self._call("GET", path, trace, "cover_read")
        if not isinstance(answer, dict):
            raise AllianzUnavailableError("cover_read: not an object", reached=True)
        return answer

    async def ensure_token(self, trace: Trace) -> None:
        """Authorise now if no usable token is kept (before a call that must not go out twice,
        so that a token failure is never mistaken for the call's)."""
        await self._token_header(trace)

    async def wait_for_job(self, job_id: str, trace: Trace, seconds: float) -> JobState:
        """Poll a job until it is no longer pending or `seconds` passed (then: still pending)."""
        deadline = time.monotonic() + seconds
        pause = 0.2
        while True:
            state = await self.job_state(job_id, trace)
            if state.status != "pending" or time.monotonic() + pause > deadline:
                return state
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)


def grade_of(cover: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(grade, valid until) from a GradeCover cover; the payload is undocumented (reference 2.3),
    so only a short code and an ISO date are taken, anything else is no grade."""
    grade = cover.get("grade")
    code = grade.get("code") if isinstance(grade, dict) else grade
    code = str(code) if isinstance(code, str | int) and not isinstance(code, bool) else None
    if code is None or not GRADE.fullmatch(code):
        return None, None
    until = grade.get("validUntil") if isinstance(grade, dict) else None
    return code, _iso_time(until)


def _iso_time(value: Any) -> str | None:
    """An ISO date or time that PostgreSQL reads as timestamptz, or None (2026-02-30 is none)."""
    if not isinstance(value, str) or len(value) > 40 or not value.isascii():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not 1900 < parsed.year < 2200:
        return None
    return parsed.isoformat() if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC).isoformat()


def decision_of(cover: Mapping[str, Any]) -> tuple[str, Decimal, str] | None:
    """(AGREED|PARTIAL|REFUSED, agreed EUR, Allianz Trade's code) of a Primary cover, or None."""
    aggregation = cover.get("creditLimitsAggregation")
    limits = aggregation.get("creditLimits") if isinstance(aggregation, dict) else None
    if not isinstance(limits, list) or not limits or not isinstance(limits[0], dict):
        return None
    code = str(limits[0].get("technicalDecisionStatusCode", ""))
    state = DECISIONS.get(code.lower())
    amount = _amount(limits[0].get("amount"))
    if state is None or amount is None:
        return None
    return state, amount, _clean(code, 100)
