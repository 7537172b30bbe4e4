"""The kas.quota handler (SPEC 8.4): reads the mailbox's quota and usage from all-inkl's KAS API
once a day (pg_cron queues the job) and stores it with app_private.store_mailbox_quota, which
decides whether the mailbox is nearly full (the mail connector is then degraded and the tenant's
admins are told, once).

A refused login (wrong password, locked) parks the job: another attempt cannot help until someone
fixes KAS_LOGIN / KAS_PASSWORD. Anything else that went wrong (KAS down, slow, flood protection
after the client's own retries) is retried with the queue's backoff. Either way the failure is
recorded for api.integration_status (connector kas), without secrets.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg.types.json import Jsonb

from api.clients.kas import KasClient, KasError
from jobs.runner import Job, PermanentJobError, TemporaryJobError

log = logging.getLogger("freshplan.kas")


class QuotaHandler:
    """Runs one kas.quota job: two KAS calls and one row."""

    kind = "kas.quota"
    max_attempts: int | None = None
    retry_base_seconds: float | None = None

    def __init__(self, client: KasClient, database_url: str) -> None:
        if not client.settings.tenant or not client.settings.mail_login:
            raise ValueError("the KAS quota check needs the tenant and the mail login")
        self.client = client
        self.tenant = client.settings.tenant
        self.database_url = database_url

    async def run(self, job: Job) -> None:
        try:
            quota = await self.client.quota()
        except KasError as exc:
            await self.record_error(str(exc))
            if exc.temporary:
                raise TemporaryJobError(str(exc)) from None
            raise PermanentJobError(str(exc)) from None
        try:
            async with await psycopg.AsyncConnection.connect(
                self.database_url, autocommit=True, application_name="freshplan-worker"
            ) as conn:
                cursor = await conn.execute(
                    "select app_private.store_mailbox_quota(%s, %s, %s::jsonb)",
                    [self.tenant, quota.mail_login, Jsonb(quota.to_json())],
                )
                row = await cursor.fetchone()
        except psycopg.DataError as exc:  # an answer the database refuses: KAS's, not ours
            message = f"KAS: the quota was refused by the database ({type(exc).__name__})"
            await self.record_error(message)
            raise PermanentJobError(message) from None
        result = row[0] if row else {}
        log.info(
            "kas quota read",
            extra={"mail_login": quota.mail_login, "used_mb": quota.used_mb, **result},
        )

    async def record_error(self, message: str) -> None:
        """For the tenant's api.integration_status (best effort: the job keeps its own error)."""
        try:
            async with await psycopg.AsyncConnection.connect(
                self.database_url, autocommit=True, application_name="freshplan-worker"
            ) as conn:
                await conn.execute(
                    "select app_private.record_kas_error(%s, %s)", [self.tenant, message[:2000]]
                )
        except psycopg.Error:
            log.warning("kas: the failure could not be recorded")
