"""The mail worker: sends the outbox (app.outbox) and never loses a message.

One message per transaction: take the oldest due PENDING row with FOR UPDATE SKIP LOCKED (so any
number of workers can run side by side), send it, mark it SENT, commit. A failure is recorded on the
row with the next attempt after an exponential backoff; after the last attempt, or on a permanent
error, the row is PARKED with its error for an admin to see. A worker killed mid-send leaves its row
PENDING (the transaction rolls back), so another worker sends it: delivery is at least once, and a
duplicate carries the same Message-ID. The worker wakes on NOTIFY freshplan_outbox, polls as a
fallback, writes a heartbeat, and survives database restarts by reconnecting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from api.clients.smtp import (
    MailTarget,
    PermanentMailError,
    TemporaryMailError,
    deliver,
    parse_mail_url,
)
from api.core.logs import configure_logging
from api.core.settings import Settings, load_settings
from jobs.mail import render

log = logging.getLogger("freshplan.worker")

MAX_BACKOFF_SECONDS = 3600.0
HEARTBEAT_SECONDS = 10.0

TAKE_ONE = """
    select id, to_address, template, payload, attempts
    from app.outbox
    where status = 'PENDING' and next_attempt_at <= now()
    order by next_attempt_at, id
    limit 1
    for update skip locked
"""


class Worker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.target: MailTarget = parse_mail_url(settings.mail.smtp_url, settings.mail.smtp_ca_file)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.wake = asyncio.Event()
        self.sent = 0

    def backoff(self, attempts: int) -> float:
        return float(
            min(self.settings.mail.retry_base_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        )

    async def run(self, stop: asyncio.Event) -> None:
        pool: AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]] = AsyncConnectionPool(
            self.settings.database.jobs_url,
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
        loop = asyncio.get_running_loop()
        log.info("worker started", extra={"worker_id": self.worker_id, "target": repr(self.target)})
        try:
            while not stop.is_set():
                try:
                    await self.heartbeat(pool)
                    beat = loop.time()
                    while not stop.is_set() and await self.send_one(pool):
                        if loop.time() - beat > HEARTBEAT_SECONDS:  # a long backlog still beats
                            await self.heartbeat(pool)
                            beat = loop.time()
                except (psycopg.OperationalError, PoolTimeout) as exc:
                    log.warning(
                        "database unavailable, retrying", extra={"error": type(exc).__name__}
                    )
                self.wake.clear()
                await self.sleep(stop)
        finally:
            listener.cancel()
            await pool.close()
            log.info("worker stopped", extra={"worker_id": self.worker_id, "sent": self.sent})

    async def sleep(self, stop: asyncio.Event) -> None:
        waits = [asyncio.create_task(self.wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(
                waits,
                timeout=self.settings.worker.poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for task in waits:
                task.cancel()

    async def listen(self, stop: asyncio.Event) -> None:
        """Set `wake` on every NOTIFY freshplan_outbox; reconnect when the connection breaks."""
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.settings.database.jobs_url, autocommit=True, connect_timeout=3
                ) as conn:
                    await conn.execute("listen freshplan_outbox")
                    self.wake.set()  # anything queued while we were not listening
                    async for _ in conn.notifies():
                        self.wake.set()
            except psycopg.OperationalError:
                await asyncio.sleep(self.settings.worker.poll_seconds)

    async def heartbeat(self, pool: AsyncConnectionPool[Any]) -> None:
        async with pool.connection() as conn:
            await conn.execute(
                "insert into app.worker_heartbeats (worker_id, sent) values (%s, %s)"
                " on conflict (worker_id) do update set last_seen_at = now(), sent = excluded.sent",
                [self.worker_id, self.sent],
            )

    async def send_one(self, pool: AsyncConnectionPool[Any]) -> bool:
        """Send the next due message, if any. Returns whether there was one."""
        async with pool.connection() as conn, conn.transaction():
            row = await (await conn.execute(TAKE_ONE)).fetchone()
            if row is None:
                return False
            attempts = row["attempts"] + 1
            try:
                message = render(
                    row["template"],
                    row["payload"],
                    message_id=f"<outbox-{row['id']}@freshplan>",
                    sender=self.settings.mail.sender,
                    recipient=row["to_address"],
                )
                await deliver(self.target, message)
            except PermanentMailError as exc:
                await self.park(conn, row["id"], attempts, str(exc))
            except (TemporaryMailError, Exception) as exc:  # anything unforeseen: retry, then park
                error = (
                    str(exc)
                    if isinstance(exc, TemporaryMailError)
                    else f"{type(exc).__name__}: {exc}"
                )
                if attempts >= self.settings.mail.max_attempts:
                    await self.park(conn, row["id"], attempts, error)
                else:
                    await conn.execute(
                        "update app.outbox set attempts = %s, last_error = left(%s, 2000),"
                        " next_attempt_at = now() + make_interval(secs => %s) where id = %s",
                        [attempts, error, self.backoff(attempts), row["id"]],
                    )
                    log.warning(
                        "mail delayed",
                        extra={"outbox_id": row["id"], "attempts": attempts, "error": error},
                    )
            else:
                await conn.execute(
                    "update app.outbox set status = 'SENT', sent_at = now(), attempts = %s,"
                    " last_error = null where id = %s",
                    [attempts, row["id"]],
                )
                self.sent += 1
                log.info("mail sent", extra={"outbox_id": row["id"], "template": row["template"]})
            return True

    async def park(
        self, conn: psycopg.AsyncConnection[Any], outbox_id: int, attempts: int, error: str
    ) -> None:
        await conn.execute(
            "update app.outbox set status = 'PARKED', attempts = %s, last_error = left(%s, 2000)"
            " where id = %s",
            [attempts, error, outbox_id],
        )
        log.error(
            "mail parked", extra={"outbox_id": outbox_id, "attempts": attempts, "error": error}
        )


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await Worker(settings).run(stop)


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log.level)
    asyncio.run(serve(settings))
    return 0
