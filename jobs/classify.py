"""The ai.classify_mail handler (SPEC 8.4): what the AI router makes of a customer's reply.

The router lives in the service (its breakers, rate limits, cache and budgets are the service's),
so the worker asks it like any client: `POST /api/ai/email_categorize` with a short-lived token of
the lead's owner, so that RLS, the owner's threshold and the owner's org's budget apply as if the
owner had asked. The mail's text reaches the model only through the router's defences (masking,
a random boundary around untrusted text, the injection check). The worker only carries the answer
back: app_private.record_mail_classification decides what it means (CUSTOMER_REACTION or a task
for the owner), once per mail.

The router not being able to answer (down, busy, rate-limited) is retried with the queue's
backoff; on the last attempt, and when the budget is used up or no AI is configured, the owner gets
the task instead, so no reply is left unhandled.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

from api.core.auth import mint_token
from jobs.runner import Job, PermanentJobError, TemporaryJobError

log = logging.getLogger("freshplan.classify")

MAX_ATTEMPTS = 8  # as app.job_kinds says for ai.classify_mail; the last one hands over to a human
TOKEN_SECONDS = 600
TIMEOUT = httpx.Timeout(180.0, connect=5.0)  # the router's own deadlines are shorter


class MailClassificationHandler:
    """Runs one ai.classify_mail job: one router call and its recorded outcome."""

    kind = "ai.classify_mail"
    max_attempts: int | None = MAX_ATTEMPTS
    retry_base_seconds: float | None = None

    def __init__(
        self,
        service_url: str,
        jwt_secret: str,
        database_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service_url = service_url
        self.jwt_secret = jwt_secret
        self.database_url = database_url
        self.transport = transport

    async def run(self, job: Job) -> None:
        mail_id = job.payload.get("mail_id") if isinstance(job.payload, dict) else None
        if not isinstance(mail_id, str):
            raise PermanentJobError("a classification job names its mail (payload mail_id)")
        todo = await self.query("select app_private.mail_to_classify(%s::uuid)", mail_id)
        if todo is None:
            return  # classified meanwhile, or the lead was pseudonymised
        if todo["owner"] is None:
            outcome: dict[str, Any] = {"error": "no_owner"}  # nobody to ask as: the managers decide
        else:
            try:
                outcome = await self.ask(todo)
            except TemporaryJobError:
                if job.attempts < MAX_ATTEMPTS:
                    raise
                outcome = {"error": "ai_unavailable"}  # the last attempt: a human decides
        recorded = await self.query(
            "select app_private.record_mail_classification(%s::uuid, %s::jsonb)",
            mail_id,
            Jsonb(outcome),
        )
        log.info(
            "inbound mail classified",
            extra={"job_id": job.id, "mail_id": mail_id, **(recorded or {})},
        )

    async def ask(self, todo: dict[str, Any]) -> dict[str, Any]:
        owner = todo["owner"]
        token = mint_token(
            {k: str(owner[k]) for k in ("role", "sub", "tenant_id", "org_id")},
            self.jwt_secret,
            TOKEN_SECONDS,
        )
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, transport=self.transport) as client:
                response = await client.post(
                    f"{self.service_url}/api/ai/email_categorize",
                    json={"subject": todo["subject"], "body": todo["body"]},
                    headers={"Authorization": f"Bearer {token}"},
                )
        except httpx.HTTPError as exc:
            raise TemporaryJobError(f"the AI router: {type(exc).__name__}") from None
        return outcome_of(response)

    async def query(self, statement: str, *params: Any) -> Any:
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True, application_name="freshplan-worker"
        ) as conn:
            cursor = await conn.execute(statement, params)
            row = await cursor.fetchone()
        return row[0] if row else None


def outcome_of(response: httpx.Response) -> dict[str, Any]:
    """The router's answer as record_mail_classification takes it (TemporaryJobError: later)."""
    status = response.status_code
    code = _problem_code(response)
    if status == 200:
        try:
            answer = response.json()
            result = answer["result"]
            return {
                "label": str(result["label"]),
                "confidence": float(answer["confidence"]),
                "injection_suspected": bool(result["injection_suspected"]),
                "call_id": str(answer["call_id"]),
            }
        except (ValueError, KeyError, TypeError):
            return {"error": "ai_refused"}
    if status == 402:
        return {"error": "budget_exhausted"}
    if status == 503 and code == "FP1007":
        return {"error": "ai_not_configured"}
    if status in (401, 429) or status >= 500:
        # 401: the service refused our signature (a JWT secret that differs from the worker's):
        # a configuration error, fixed by an operator, not by handing every mail to a person
        raise TemporaryJobError(f"the AI router answered {status} {code or ''}".strip())
    # 403 (the owner deactivated meanwhile), 404, 413, 422: asking again cannot help
    log.warning("the AI router refused a classification", extra={"status": status, "code": code})
    return {"error": "ai_refused"}


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) and len(code) <= 10 else None
