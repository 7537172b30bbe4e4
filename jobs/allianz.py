"""The allianz.limit handler (SPEC 8.3): sends a credit limit request to Allianz Trade and polls
its decision.

One job per step. The first job sends the request (`POST /riskinfo/v3/covers`, Primary) and queues
the first poll; each poll job asks `GET /riskinfo/v3/jobs/{id}` once and, while Allianz Trade is
still deciding, queues the next poll after a doubling wait (app_private.credit_limit_poll_later,
ALLIANZ_TRADE_POLL_SECONDS at first, at most an hour), so a decision that takes days is a chain of
short jobs, not one failing job. When the job is processed its cover gives the decision, which is
stored and audited, and the requester is notified.

The kind is not idempotent: Allianz Trade has no idempotency key and a second request would be a
second application. Before it sends, the handler commits that it did; a request whose answer was
lost (timeout, dropped connection, 5xx other than 503) is FAILED for a human to look up in the
Allianz Trade portal, never sent again blindly. One that certainly did not arrive (no connection,
429, 503, an open breaker) is unmarked and retried with the queue's backoff.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from api.clients.allianz import (
    AllianzClient,
    AllianzRefusedError,
    AllianzUnavailableError,
    Trace,
    decision_of,
)
from jobs.runner import Job, PermanentJobError, TemporaryJobError

log = logging.getLogger("freshplan.allianz")


class LimitRequestHandler:
    """Runs one allianz.limit job: a send or a poll of one limit request."""

    kind = "allianz.limit"
    max_attempts: int | None = None
    retry_base_seconds: float | None = None

    def __init__(self, client: AllianzClient, database_url: str) -> None:
        self.client = client
        self.database_url = database_url
        self.poll_seconds = client.settings.poll_seconds

    async def run(self, job: Job) -> None:
        request_id = job.payload.get("request_id") if isinstance(job.payload, dict) else None
        if not isinstance(request_id, str):
            raise PermanentJobError("a limit job names its request (payload request_id)")
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True, application_name="freshplan-worker"
        ) as conn:
            # autocommit: the mark that the request is being sent is committed before the call
            cursor = await conn.execute(
                "select app_private.credit_limit_for_job(%s::uuid)", [request_id]
            )
            row = await cursor.fetchone()
            request = row[0] if row else None
            if request is None:
                raise PermanentJobError(f"limit request {request_id} does not exist")
            if request["state"] not in ("REQUESTED", "PENDING"):
                return  # decided meanwhile (an earlier poll job): nothing to do
            trace = Trace()
            try:
                await self.step(conn, request_id, request, trace)
            finally:
                await conn.execute(
                    "select app_private.record_connector_calls(%s::uuid, 'allianz', %s::jsonb)",
                    [request["tenant_id"], Jsonb(trace.calls)],
                )

    async def step(
        self,
        conn: psycopg.AsyncConnection[Any],
        request_id: str,
        request: dict[str, Any],
        trace: Trace,
    ) -> None:
        if request["state"] == "REQUESTED":
            await self.send(conn, request_id, request, trace)
        else:
            await self.poll(conn, request_id, request, trace)

    async def send(
        self,
        conn: psycopg.AsyncConnection[Any],
        request_id: str,
        request: dict[str, Any],
        trace: Trace,
    ) -> None:
        tenant_id = str(request["tenant_id"])
        if request["sent_before"]:
            await self.decided(
                conn, request_id, "FAILED", None, None,
                "An earlier attempt may have reached Allianz Trade without an answer: check the"
                " request in the Allianz Trade portal before asking again.",
            )  # fmt: skip
            return
        try:
            # the token first: a failing authorisation must not look like a lost request
            await self.client.ensure_token(trace)
        except AllianzUnavailableError as exc:
            await self.error(conn, tenant_id, str(exc))
            await conn.execute(
                "select app_private.credit_limit_unsent(%s::uuid, %s::text)", [request_id, str(exc)]
            )
            raise TemporaryJobError(str(exc)) from exc
        except AllianzRefusedError as exc:  # the key: an admin's to fix; then re-queue
            await self.error(conn, tenant_id, str(exc))
            await conn.execute(
                "select app_private.credit_limit_unsent(%s::uuid, %s::text)", [request_id, str(exc)]
            )
            raise PermanentJobError(str(exc)) from exc
        try:
            allianz_job = await self.client.request_cover(
                str(request["company_id"]), trace, amount_eur=request["amount_eur"]
            )
        except AllianzUnavailableError as exc:
            await self.error(conn, tenant_id, str(exc))
            if exc.reached:
                await self.decided(conn, request_id, "FAILED", None, None, str(exc))
                return
            await conn.execute(
                "select app_private.credit_limit_unsent(%s::uuid, %s::text)",
                [request_id, str(exc)],
            )
            raise TemporaryJobError(str(exc)) from exc
        except AllianzRefusedError as exc:
            await self.decided(conn, request_id, "FAILED", None, None, str(exc))
            return
        await self.poll_later(conn, request_id, allianz_job)
        log.info("allianz limit request sent", extra={"request_id": request_id})

    async def poll(
        self,
        conn: psycopg.AsyncConnection[Any],
        request_id: str,
        request: dict[str, Any],
        trace: Trace,
    ) -> None:
        tenant_id = str(request["tenant_id"])
        try:
            state = await self.client.job_state(str(request["allianz_job_id"]), trace)
            if state.status == "failed":
                await self.decided(
                    conn,
                    request_id,
                    "FAILED",
                    None,
                    None,
                    "Allianz Trade ended the request as failed.",
                )
                return
            if state.status != "processed" or not state.resource_url:
                # pending, or a status we do not know (the values are unverified): ask again later
                await self.poll_later(conn, request_id, None)
                return
            cover = await self.client.cover(state.resource_url, trace)
        except AllianzUnavailableError as exc:
            # a poll is a read: the job is repeated with the queue's backoff
            await self.error(conn, tenant_id, str(exc))
            raise TemporaryJobError(str(exc)) from exc
        except AllianzRefusedError as exc:
            # Allianz Trade does not know the job (any more): no decision will come
            await self.decided(conn, request_id, "FAILED", None, None, str(exc))
            return
        decision = decision_of(cover)
        if decision is None:
            await self.decided(
                conn, request_id, "FAILED", None, None,
                "Allianz Trade's cover holds no decision we can read.",
            )  # fmt: skip
            return
        outcome, agreed, code = decision
        await self.decided(conn, request_id, outcome, agreed, code, None)
        await conn.execute(
            "select app_private.record_connector_success(%s::uuid, 'allianz')", [tenant_id]
        )
        log.info("allianz limit decided", extra={"request_id": request_id, "decision": outcome})

    async def poll_later(
        self, conn: psycopg.AsyncConnection[Any], request_id: str, allianz_job: str | None
    ) -> None:
        await conn.execute(
            "select app_private.credit_limit_poll_later(%s::uuid, %s::text, %s::numeric)",
            [request_id, allianz_job, self.poll_seconds],
        )

    @staticmethod
    async def decided(  # noqa: PLR0917 - the decision's facts
        conn: psycopg.AsyncConnection[Any],
        request_id: str,
        state: str,
        agreed: Any,
        code: str | None,
        error: str | None,
    ) -> None:
        await conn.execute(
            "select app_private.credit_limit_decided(%s::uuid, %s, %s::numeric, %s, %s)",
            [request_id, state, agreed, code, error],
        )

    @staticmethod
    async def error(conn: psycopg.AsyncConnection[Any], tenant_id: str, error: str) -> None:
        await conn.execute(
            "select app_private.record_connector_error(%s::uuid, 'allianz', %s::text)",
            [tenant_id, error],
        )
