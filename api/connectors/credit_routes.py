"""Credit checks at Allianz Trade (SPEC 8.3): POST /api/credit-checks and
POST /api/credit-checks/{check_id}/limit-request.

A check runs in three steps, each where its rule lives:

1. As the caller (their JWT, RLS): app.credit_check_subject says whether they may check the lead
   (owner or manager; `refresh` only for managers), what we know of its company, and a grade of
   the lead younger than 8 hours, which is answered at once (`source: cache`).
2. As the service, in one transaction: app_private.credit_check_lock takes an advisory lock on
   the tenant and company, so concurrent checks of one company, in any number of service
   processes, wait for the first; after the lock a grade stored meanwhile is answered (`cache`).
3. Still holding the lock: the company is matched at Allianz Trade, a grade of the same company
   from another lead of the tenant is reused if fresh, else a grade is requested and its job polled
   for ALLIANZ_TRADE_GRADE_WAIT_SECONDS (still pending: `status: PENDING`, and the next check
   resumes the same request). The result is stored and audited before the lock is released.

Allianz Trade down: the last grade of the lead, however old, with `stale: true`; without one a 503.
The latency of every upstream call goes to app.connector_calls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import msgspec
import psycopg
from litestar import Request, Response, post
from litestar.datastructures import State
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from api.clients.allianz import (
    AllianzClient,
    AllianzRefusedError,
    AllianzUnavailableError,
    Trace,
    grade_of,
)
from api.core.auth import Claims, bearer_claims, claims_json
from api.core.db import Connection, Pool, user_transaction
from api.core.problems import problem
from api.core.ratelimit import SlidingWindowLimiter
from api.core.validation import decode_body

log = logging.getLogger("freshplan.allianz")

AnyRequest = Request[Any, Any, State]
MAX_BODY_BYTES = 4096
# live checks (cached answers are not counted): each is a paid request at Allianz Trade
CREDIT_CHECKS_PER_USER_PER_MINUTE = 20


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    lead_id: uuid.UUID
    refresh: bool = False


class LimitBody(msgspec.Struct, forbid_unknown_fields=True):
    amount_eur: Decimal


def caller(request: AnyRequest) -> Claims:
    """A rep or manager (the owners and managers of leads); others are refused before any work."""
    claims = bearer_claims(
        request.headers.get("authorization", ""), request.app.state.settings.auth.jwt_secret
    )
    if claims.role not in ("sales_rep", "sales_manager"):
        raise problem(403, "FP102", "Only the owner of the lead or a manager may do this.")
    return claims


def allianz_of(request: AnyRequest) -> AllianzClient:
    client: AllianzClient | None = request.app.state.allianz
    if client is None:
        raise problem(503, "FP826", "Allianz Trade is not configured for this installation.")
    return client


async def one(conn: Connection, statement: str, *params: Any) -> Any:
    row = await (await conn.execute(statement, params)).fetchone()
    if row is None:
        raise RuntimeError("the database answered no row")
    return next(iter(row.values()))


async def record_calls(pool: Pool, tenant_id: str, trace: Trace, error: str | None) -> None:
    """Latencies and, for an outage, the error (api.integration_status): best effort, so a busy
    pool never turns a check that was answered into an error."""
    try:
        async with pool.connection() as conn:
            if trace.calls:
                await conn.execute(
                    "select app_private.record_connector_calls(%s::uuid, 'allianz', %s::jsonb)",
                    [tenant_id, Jsonb(trace.calls)],
                )
            if error is not None:
                await conn.execute(
                    "select app_private.record_connector_error(%s::uuid, 'allianz', %s::text)",
                    [tenant_id, error],
                )
            elif trace.calls:
                await conn.execute(
                    "select app_private.record_connector_success(%s::uuid, 'allianz')", [tenant_id]
                )
    except (psycopg.Error, PoolTimeout) as exc:
        log.warning("allianz call latencies not recorded", extra={"error": type(exc).__name__})


@post("/api/credit-checks", request_max_body_size=MAX_BODY_BYTES, summary="Credit check (SPEC 8.3)")
async def credit_check(request: AnyRequest) -> Response[dict[str, Any]]:
    """The grade of the lead's company: cached for 8 hours, else asked of Allianz Trade once."""
    claims = caller(request)
    body = decode_body(await request.body(), CheckBody)
    state = request.app.state
    pool: Pool = state.pool
    request_id = request.scope["state"].get("request_id")
    async with user_transaction(pool, claims, request_id) as conn:
        subject = await one(
            conn,
            "select app.credit_check_subject(%s::uuid, %s::boolean)",
            body.lead_id,
            body.refresh,
        )
        started_at = await one(conn, "select pg_catalog.clock_timestamp()")
    if subject["cached"] is not None:
        return Response(subject["cached"], status_code=200)
    client = allianz_of(request)
    tenant_id = str(subject["tenant_id"])
    check = LiveCheck(pool, client, claims, subject, started_at, body.refresh, request_id)
    check.limiter = state.credit_limiter
    try:
        # at most this many live checks hold a pool connection at once in this process
        async with state.credit_slots:
            answer = await check.run()
    except AllianzUnavailableError as exc:
        await record_calls(pool, tenant_id, check.trace, f"credit check: {exc}")
        async with pool.connection() as conn:
            last = await one(
                conn, "select app_private.credit_check_last(%s::uuid)", str(body.lead_id)
            )
        if last is not None:
            return Response(last, status_code=200)
        failure = problem(503, "FP822", "Allianz Trade does not answer. Please try again later.")
        failure.headers = {"Retry-After": "60"}
        raise failure from None
    except AllianzRefusedError as exc:
        await record_calls(pool, tenant_id, check.trace, f"credit check: {exc}")
        log.warning("allianz trade refused a credit check", extra={"status": exc.status})
        raise problem(502, "FP822", "Allianz Trade refused the check.", detail=str(exc)) from None
    await record_calls(pool, tenant_id, check.trace, None)
    if answer is None:
        raise problem(
            404, "FP821", "Allianz Trade does not know the lead's company.", details="lead_id"
        )
    return Response(answer, status_code=200)


class LiveCheck:
    """Steps 2 and 3 of a check, on one pool connection: session-level advisory locks (so that
    what is learnt can be committed on the way, e.g. a grade request before it is polled) taken
    in the order company key, then Allianz Trade companyId, and always released."""

    def __init__(  # noqa: PLR0917 - the check's facts
        self,
        pool: Pool,
        client: AllianzClient,
        claims: Claims,
        subject: dict[str, Any],
        started_at: dt.datetime,
        refresh: bool,
        request_id: str | None,
    ) -> None:
        self.pool = pool
        self.client = client
        self.claims = claims
        self.subject = subject
        self.tenant_id = str(subject["tenant_id"])
        self.lead_id = str(subject["lead_id"])
        self.started_at = started_at
        self.since = started_at if refresh else started_at - dt.timedelta(hours=8)
        self.request_id = request_id
        self.trace = Trace()
        self.limiter: SlidingWindowLimiter | None = None

    def charge(self) -> None:
        """Count a check that goes to Allianz Trade against the caller's limit (FP830): only
        these, not the ones answered by what a concurrent check stored."""
        wait = self.limiter.hit(str(self.claims.sub)) if self.limiter is not None else 0
        if wait:
            exc = problem(429, "FP830", "Too many credit checks. Please wait a moment.")
            exc.headers = {"Retry-After": str(wait)}
            raise exc

    async def run(self) -> dict[str, Any] | None:  # noqa: PLR0911 - one return per way it ends
        """The answer; None when Allianz Trade does not know the company."""
        async with self.pool.connection() as conn, self.locked(conn, self.subject["company_key"]):
            found = await self.sql(
                conn,
                "select app_private.credit_check_found(%s::uuid, %s::timestamptz, %s::timestamptz)",
                self.lead_id,
                self.since,
                self.started_at,
            )
            if found["graded"] is not None:
                return dict(found["graded"])  # another request of this company got it meanwhile
            if found["failed"]:
                return None  # ... or learnt meanwhile that Allianz Trade does not know it
            pending: dict[str, Any] | None = found["pending"]
            if pending is not None:
                job_id = str(pending.pop("allianz_job_id"))
                if pending.pop("fresh"):
                    return pending  # a request made while we waited: it is being polled
                result = {
                    "company_id": pending["company_id"],
                    "company_name": pending["company_name"],
                }
                return await self.complete(conn, job_id, result, pending)
            company = await self.client.match_company(self.subject, self.trace)
            if company is None:
                await self.store(conn, {"status": "FAILED"}, "live")
                return None
            result = {"company_id": company.company_id, "company_name": company.name}
            # leads we know differently (one with a VAT id, one without) may be one company
            async with self.locked(conn, f"company:{company.company_id}"):
                reusable = await self.sql(
                    conn,
                    "select app_private.credit_check_of_company("
                    "%s::uuid, %s::text, %s::timestamptz)",
                    self.tenant_id,
                    company.company_id,
                    self.since,
                )
                if reusable is not None:
                    return await self.store(conn, result | {"reused_from": str(reusable)}, "cache")
                job_id = await self.sql(
                    conn,
                    "select app_private.credit_check_pending_job(%s::uuid, %s::text)",
                    self.tenant_id,
                    company.company_id,
                )
                if job_id is None:
                    job_id = await self.client.request_cover(company.company_id, self.trace)
                # remembered before it is polled: a timeout below must not lose the request
                stored = await self.store(
                    conn, result | {"status": "PENDING", "allianz_job_id": job_id}, "live"
                )
                return await self.complete(conn, job_id, result, stored)

    async def complete(
        self,
        conn: Connection,
        job_id: str,
        result: dict[str, Any],
        pending: dict[str, Any],
    ) -> dict[str, Any]:
        """Poll the grade request; its grade, or the PENDING check while Allianz Trade works."""
        result = result | {"pending_check_id": pending["check_id"]}
        try:
            job = await self.client.wait_for_job(
                job_id, self.trace, self.client.settings.grade_wait_seconds
            )
            grade, until = None, None
            if job.status == "processed" and job.resource_url:
                grade, until = grade_of(await self.client.cover(job.resource_url, self.trace))
            elif job.status != "failed":
                return pending  # pending, or a status we do not know: the next check resumes it
        except AllianzRefusedError:
            # Allianz Trade no longer knows the request: it ends here, the next check starts anew
            await self.store(conn, result | {"status": "FAILED"}, "live")
            raise
        if grade is None:
            return await self.store(conn, result | {"status": "FAILED"}, "live")
        return await self.store(
            conn, result | {"status": "GRADED", "grade": grade, "valid_until": until}, "live"
        )

    @contextlib.asynccontextmanager
    async def locked(self, conn: Connection, key: str) -> AsyncIterator[None]:
        await self.sql(
            conn, "select app_private.credit_check_lock(%s::uuid, %s::text)", self.tenant_id, key
        )
        try:
            yield
        finally:
            await self.sql(
                conn,
                "select app_private.credit_check_unlock(%s::uuid, %s::text)",
                self.tenant_id,
                key,
            )

    @staticmethod
    async def sql(conn: Connection, statement: str, *params: Any) -> Any:
        """One statement in a transaction of its own (committed at once)."""
        async with conn.transaction():
            return await one(conn, statement, *params)

    async def store(self, conn: Connection, result: dict[str, Any], source: str) -> dict[str, Any]:
        """Store and audit a check, as the caller (their id and request id in the audit entry)."""
        async with conn.transaction():
            await conn.execute(
                "select set_config('request.jwt.claims', %s, true),"
                " set_config('request.headers', %s, true)",
                [claims_json(self.claims), json.dumps({"x-request-id": self.request_id or ""})],
            )
            stored: dict[str, Any] = await one(
                conn,
                "select app_private.credit_check_store("
                "%s::uuid, %s::uuid, %s::uuid, %s::jsonb, %s::text)",
                self.tenant_id,
                self.lead_id,
                str(self.claims.sub),
                Jsonb({k: v for k, v in result.items() if v is not None}),
                source,
            )
        return stored


@post(
    "/api/credit-checks/{check_id:uuid}/limit-request",
    request_max_body_size=MAX_BODY_BYTES,
    status_code=202,
    summary="Request a credit limit (SPEC 8.3)",
)
async def limit_request(request: AnyRequest, check_id: uuid.UUID) -> dict[str, Any]:
    """Queues a credit limit request at Allianz Trade; the requester is told of the decision."""
    claims = caller(request)
    body = decode_body(await request.body(), LimitBody)
    allianz_of(request)
    async with user_transaction(
        request.app.state.pool, claims, request.scope["state"].get("request_id")
    ) as conn:
        queued: dict[str, Any] = await one(
            conn,
            "select app_private.request_credit_limit(%s::uuid, %s::numeric)",
            str(check_id),
            body.amount_eur,
        )
    return queued


credit_routes = [credit_check, limit_request]
