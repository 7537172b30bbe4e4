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

import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response, post
from litestar.datastructures import State
from psycopg.types.json import Jsonb

from api.clients.allianz import (
    AllianzClient,
    AllianzRefusedError,
    AllianzUnavailableError,
    Trace,
    grade_of,
)
from api.core.auth import Claims, bearer_claims
from api.core.db import Connection, Pool, user_transaction
from api.core.problems import problem
from api.core.validation import field_of

log = logging.getLogger("freshplan.allianz")

AnyRequest = Request[Any, Any, State]
MAX_BODY_BYTES = 4096
BodyT = TypeVar("BodyT")


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    lead_id: uuid.UUID
    refresh: bool = False


class LimitBody(msgspec.Struct, forbid_unknown_fields=True):
    amount_eur: Decimal


def decode(raw: bytes, body_type: type[BodyT]) -> BodyT:
    try:
        return msgspec.json.decode(raw or b"{}", type=body_type)
    except msgspec.ValidationError as exc:
        field = field_of(exc)
        raise problem(
            422, "FP1008", f"The request body is not valid: {exc}", details=field
        ) from None
    except msgspec.DecodeError:
        raise problem(422, "FP1008", "The request body is not JSON.", details="body") from None


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
    """Latencies and, for an outage, the error (api.integration_status); never the caller's."""
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


@post("/api/credit-checks", request_max_body_size=MAX_BODY_BYTES, summary="Credit check (SPEC 8.3)")
async def credit_check(request: AnyRequest) -> Response[dict[str, Any]]:
    """The grade of the lead's company: cached for 8 hours, else asked of Allianz Trade once."""
    claims = caller(request)
    body = decode(await request.body(), CheckBody)
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
    trace = Trace()
    try:
        answer = await live_check(pool, client, claims, subject, started_at, body.refresh, trace)
    except AllianzUnavailableError as exc:
        await record_calls(pool, tenant_id, trace, f"credit check: {exc}")
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
        await record_calls(pool, tenant_id, trace, f"credit check: {exc}")
        log.warning("allianz trade refused a credit check", extra={"status": exc.status})
        raise problem(502, "FP822", "Allianz Trade refused the check.", detail=str(exc)) from None
    await record_calls(pool, tenant_id, trace, None)
    if answer is None:
        raise problem(
            404, "FP821", "Allianz Trade does not know the lead's company.", details="lead_id"
        )
    return Response(answer, status_code=200)


async def live_check(  # noqa: PLR0917 - the steps' facts, passed on
    pool: Pool,
    client: AllianzClient,
    claims: Claims,
    subject: dict[str, Any],
    started_at: dt.datetime,
    refresh: bool,
    trace: Trace,
) -> dict[str, Any] | None:
    """Steps 2 and 3 under the lock; None when Allianz Trade does not know the company."""
    tenant_id, lead_id = str(subject["tenant_id"]), str(subject["lead_id"])
    since = started_at if refresh else started_at - dt.timedelta(hours=8)
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "select app_private.credit_check_lock(%s::uuid, %s::text)",
            [tenant_id, subject["company_key"]],
        )
        found = await one(
            conn,
            "select app_private.credit_check_found(%s::uuid, %s::timestamptz)",
            lead_id,
            since,
        )
        if found["graded"] is not None:
            return dict(found["graded"])  # another request of this company got it meanwhile
        pending: dict[str, Any] | None = found["pending"]
        result: dict[str, Any]
        if pending is not None:  # resume the grade request an earlier check left pending
            job_id = str(pending.pop("allianz_job_id"))
            result = {
                "company_id": pending["company_id"],
                "company_name": pending["company_name"],
                "pending_check_id": pending["check_id"],
            }
        else:
            company = await client.match_company(subject, trace)
            if company is None:
                await store(conn, subject, claims, {"status": "FAILED"}, "live")
                return None
            result = {"company_id": company.company_id, "company_name": company.name}
            reusable = await one(
                conn,
                "select app_private.credit_check_of_company(%s::uuid, %s::text, %s::timestamptz)",
                tenant_id,
                company.company_id,
                since,
            )
            if reusable is not None:
                result["reused_from"] = str(reusable)
                return await store(conn, subject, claims, result, "cache")
            job_id = await client.request_cover(company.company_id, trace)
        job = await client.wait_for_job(job_id, trace, client.settings.grade_wait_seconds)
        if job.status == "pending":
            if pending is not None:  # still pending: the stored row already says so
                return pending
            result |= {"status": "PENDING", "allianz_job_id": job_id}
            return await store(conn, subject, claims, result, "live")
        grade, until = (None, None)
        if job.status == "processed" and job.resource_url:
            grade, until = grade_of(await client.cover(job.resource_url, trace))
        if grade is None:
            result |= {"status": "FAILED", "allianz_job_id": job_id}
        else:
            result |= {"status": "GRADED", "grade": grade, "valid_until": until}
        return await store(conn, subject, claims, result, "live")


async def store(
    conn: Connection, subject: dict[str, Any], claims: Claims, result: dict[str, Any], source: str
) -> dict[str, Any]:
    stored: dict[str, Any] = await one(
        conn,
        "select app_private.credit_check_store(%s::uuid, %s::uuid, %s::uuid, %s::jsonb, %s::text)",
        str(subject["tenant_id"]),
        str(subject["lead_id"]),
        str(claims.sub),
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
    body = decode(await request.body(), LimitBody)
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
