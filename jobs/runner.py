"""The one job runner: every side effect that leaves the database is a job in app.jobs (SPEC 8.1),
and this loop runs them, whatever their kind. A new kind is a row in app.job_kinds and a handler.

One job per transaction. `app_private.take_job` locks the next due job of a kind we have a handler
for (FOR UPDATE SKIP LOCKED, so any number of workers run side by side). For an idempotent kind the
row stays locked while the handler runs and the outcome is recorded in the same transaction: a
worker killed mid-call rolls back, the lock goes with its connection, and another worker runs the
job again (at least once). For a kind that is not idempotent the job is marked RUNNING and committed
before the call; if the worker dies then, `reap_stale_jobs` parks it for an admin ("outcome
unknown"), so it is never repeated blindly. Outcomes and backoff are decided in SQL (finish_job,
fail_job); this module only reports what happened, and keeps trying to report a known outcome of a
call that was not idempotent until the database takes it. The runner wakes on NOTIFY
freshplan_jobs, polls as a fallback, writes a heartbeat from a task of its own (so a long call
never looks like a dead worker), and survives database errors and restarts by reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

log = logging.getLogger("freshplan.worker")

HEARTBEAT_SECONDS = 10.0


class PermanentJobError(Exception):
    """Another attempt cannot succeed (bad input, refused by the other side): park the job."""


class TemporaryJobError(Exception):
    """Worth another attempt after a backoff (the other side is down, busy or said 'later')."""


@dataclass(frozen=True)
class Job:
    """A job as the handler sees it (a row of app.jobs)."""

    id: int
    kind: str
    tenant_id: str | None
    payload: dict[str, Any]
    attempts: int
    user_id: str | None = None
    to_address: str | None = None
    template: str | None = None
    message_id: str | None = None  # mail.send: the Message-ID the database gave the mail


class Handler(Protocol):
    """Runs the jobs of one kind. Raise PermanentJobError or TemporaryJobError to fail."""

    @property
    def kind(self) -> str: ...

    @property
    def max_attempts(self) -> int | None:
        """Attempts before parking; None for the kind's own (app.job_kinds)."""

    @property
    def retry_base_seconds(self) -> float | None:
        """First backoff, doubled per attempt; None for the kind's own."""

    async def run(self, job: Job) -> None: ...


@dataclass(frozen=True)
class RunnerConfig:
    database_url: str
    poll_seconds: float
    worker_id: str
    # which connectors this worker has credentials for, reported to app.connectors at start
    connectors: dict[str, bool] = field(default_factory=dict)


Pool = AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]]


class UnknownJobKindError(RuntimeError):
    """A handler names a kind the database does not know: the worker refuses to start."""


class Runner:
    def __init__(self, config: RunnerConfig, handlers: Sequence[Handler]) -> None:
        self.config = config
        self.handlers = {handler.kind: handler for handler in handlers}
        self.kinds = sorted(self.handlers)
        self.idempotent: dict[str, bool] = {}
        self.wake = asyncio.Event()
        self.done = 0

    async def run(self, stop: asyncio.Event) -> None:
        pool: Pool = AsyncConnectionPool(
            self.config.database_url,
            min_size=1,
            max_size=2,
            open=False,
            check=AsyncConnectionPool.check_connection,
            reconnect_timeout=10.0,
            kwargs={
                "row_factory": dict_row,
                "application_name": "freshplan-worker",
                "connect_timeout": 3,
            },
        )
        await pool.open(wait=False)
        listener = asyncio.create_task(self.listen(stop))
        beats = asyncio.create_task(self.beat(pool, stop))
        log.info("worker started", extra={"worker_id": self.config.worker_id, "kinds": self.kinds})
        try:
            while not stop.is_set():
                # cleared before the batch: a NOTIFY that arrives during it wakes the next round
                self.wake.clear()
                try:
                    if not self.idempotent:
                        await self.load_kinds(pool)
                    while not stop.is_set() and await self.run_one(pool, stop):
                        pass
                except (psycopg.Error, PoolTimeout) as exc:
                    # a lost connection, a failover, a timeout: the job's transaction rolled back
                    log.warning("database error, retrying", extra={"error": type(exc).__name__})
                await self.sleep(stop)
        finally:
            listener.cancel()
            beats.cancel()
            await pool.close()
            log.info(
                "worker stopped", extra={"worker_id": self.config.worker_id, "done": self.done}
            )

    async def load_kinds(self, pool: Pool) -> None:
        async with pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "select kind, idempotent from app.job_kinds where kind = any(%s)", [self.kinds]
                )
            ).fetchall()
        known = {row["kind"]: bool(row["idempotent"]) for row in rows}
        missing = sorted(set(self.kinds) - set(known))
        if missing:
            raise UnknownJobKindError(f"no such job kind in app.job_kinds: {', '.join(missing)}")
        if self.config.connectors:
            async with pool.connection() as conn:
                await conn.execute(
                    "select app_private.report_connectors(%s::jsonb)",
                    [json.dumps(self.config.connectors)],
                )
        self.idempotent = known

    async def sleep(self, stop: asyncio.Event) -> None:
        waits = [asyncio.create_task(self.wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(
                waits, timeout=self.config.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in waits:
                task.cancel()

    async def listen(self, stop: asyncio.Event) -> None:
        """Set `wake` on every NOTIFY freshplan_jobs; reconnect when the connection breaks."""
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.config.database_url, autocommit=True, connect_timeout=3
                ) as conn:
                    await conn.execute("listen freshplan_jobs")
                    self.wake.set()  # anything queued while we were not listening
                    async for _ in conn.notifies():
                        self.wake.set()
            except psycopg.OperationalError:
                await asyncio.sleep(self.config.poll_seconds)

    async def beat(self, pool: Pool, stop: asyncio.Event) -> None:
        """Write the heartbeat every HEARTBEAT_SECONDS, whatever the job loop is doing."""
        while not stop.is_set():
            try:
                await self.heartbeat(pool)
            except (psycopg.Error, PoolTimeout) as exc:
                log.warning("heartbeat failed", extra={"error": type(exc).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)

    async def heartbeat(self, pool: Pool) -> None:
        async with pool.connection() as conn:
            await conn.execute(
                "insert into app.worker_heartbeats (worker_id, jobs_done) values (%s, %s)"
                " on conflict (worker_id) do update"
                " set last_seen_at = now(), jobs_done = excluded.jobs_done",
                [self.config.worker_id, self.done],
            )
            reaped = await (await conn.execute("select app_private.reap_stale_jobs()")).fetchone()
        if reaped and reaped["reap_stale_jobs"]:
            log.error("interrupted jobs parked", extra={"jobs": reaped["reap_stale_jobs"]})

    async def run_one(self, pool: Pool, stop: asyncio.Event) -> bool:
        """Run the next due job, if any. Returns whether there was one."""
        async with pool.connection() as conn, conn.transaction():
            row = await (
                await conn.execute(
                    "select * from app_private.take_job(%s::text[], %s)",
                    [self.kinds, self.config.worker_id],
                )
            ).fetchone()
            if row is None or row["id"] is None:
                return False
            job = Job(
                id=row["id"],
                kind=row["kind"],
                tenant_id=str(row["tenant_id"]) if row["tenant_id"] else None,
                payload=row["payload"],
                attempts=row["attempts"],
                user_id=str(row["user_id"]) if row["user_id"] else None,
                to_address=row["to_address"],
                template=row["template"],
                message_id=row.get("message_id"),
            )
            if self.idempotent[job.kind]:
                await self.record(conn, job, await self.call(job))
                return True
            await conn.execute("select app_private.start_job(%s::bigint)", [job.id])
        # not idempotent: RUNNING is committed before the call, the row is no longer locked
        outcome = await self.call(job)
        await self.record_until_taken(pool, job, outcome, stop)
        return True

    async def record_until_taken(
        self, pool: Pool, job: Job, outcome: Exception | None, stop: asyncio.Event
    ) -> None:
        """Record the outcome of a call that must not be repeated, on a fresh connection, until
        the database takes it; left RUNNING (the worker stopping meanwhile), the reaper parks it."""
        while True:
            try:
                async with pool.connection() as conn, conn.transaction():
                    await self.record(conn, job, outcome)
            except (psycopg.Error, PoolTimeout) as exc:
                log.warning(
                    "could not record the outcome yet",
                    extra={"job_id": job.id, "kind": job.kind, "error": type(exc).__name__},
                )
                if stop.is_set():
                    return
                await asyncio.sleep(self.config.poll_seconds)
            else:
                return

    async def call(self, job: Job) -> Exception | None:
        try:
            await self.handlers[job.kind].run(job)
        except (PermanentJobError, TemporaryJobError) as exc:
            return exc
        except Exception as exc:  # anything unforeseen is recorded on the job, never lost
            if self.idempotent[job.kind]:
                return TemporaryJobError(f"{type(exc).__name__}: {exc}")
            return PermanentJobError(
                f"{type(exc).__name__}: {exc} (the outcome is unknown; not repeated because "
                f"{job.kind} is not idempotent)"
            )
        return None

    async def record(
        self, conn: psycopg.AsyncConnection[Any], job: Job, outcome: Exception | None
    ) -> None:
        where = {"job_id": job.id, "kind": job.kind, "attempts": job.attempts}
        if outcome is None:
            done = await (
                await conn.execute("select app_private.finish_job(%s::bigint) as done", [job.id])
            ).fetchone()
            if done is not None and done["done"]:
                self.done += 1
                log.info("job done", extra=where)
            else:  # parked by the reaper while the call ran: an admin must know it did happen
                log.error("job done but no longer running: not recorded", extra=where)
            return
        handler = self.handlers[job.kind]
        error = str(outcome)
        state_row = await (
            await conn.execute(
                "select app_private.fail_job(%s::bigint, %s, %s, %s::integer, %s::numeric)"
                " as state",
                [
                    job.id,
                    error,
                    isinstance(outcome, PermanentJobError),
                    handler.max_attempts,
                    handler.retry_base_seconds,
                ],
            )
        ).fetchone()
        if state_row is not None and state_row["state"] == "PARKED":
            log.error("job parked", extra={**where, "error": error})
        else:
            log.warning("job delayed", extra={**where, "error": error})
