"""The Xentral handlers (SPEC 8.2).

xentral.products pulls Xentral's catalogue into app.products. What to ask for and what a result
means is SQL's (app_private.product_sync_plan, upsert_products, finish_product_sync in
R__85_connectors.sql): the first sync and one a day are full pulls, the others ask for products
updated since the last successful sync began. Each page is written in its own transaction, so a
sync that stops half-way keeps what it wrote and the next one, which asks again from the same
watermark, repeats nothing harmful (the kind is idempotent).

xentral.order submits one sales order. The kind is not idempotent: Xentral has no idempotency key,
so before its first POST the handler commits that the submission started, and every later attempt
(after a timeout, a dropped connection, a 5xx, or a worker that died mid-call and an admin's
re-queue) first looks the order up by its number (externalOrderNumber) and posts only when Xentral
does not have it. The body is built in SQL (app.sales_order_import_body).
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from api.clients.xentral import (
    Pacer,
    XentralClient,
    XentralLookupError,
    XentralRefusedError,
    XentralUnavailableError,
    product_row,
)
from api.core.breaker import CircuitBreaker
from api.core.settings import XentralSettings
from jobs.runner import Job, PermanentJobError, TemporaryJobError

log = logging.getLogger("freshplan.xentral")


def one(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    """The row a function call always answers."""
    if row is None:
        raise RuntimeError("the database answered no row")
    return row


class Xentral:
    """This process's access to Xentral: the settings and one pacer for every handler, since the
    rate limit is the instance's (jobs back to back, of either kind, share Xentral's minute)."""

    def __init__(self, settings: XentralSettings) -> None:
        if not settings.base_url or not settings.token:
            raise ValueError("Xentral needs XENTRAL_BASE_URL and XENTRAL_TOKEN")
        self.settings = settings
        self.base_url = settings.base_url
        self.token = settings.token
        self.pacer = Pacer(settings.rate_limit, settings.rate_window_seconds)
        self.breaker = CircuitBreaker()

    def client(self) -> XentralClient:
        return XentralClient(
            self.base_url,
            self.token,
            rate_limit=self.settings.rate_limit,
            rate_window_seconds=self.settings.rate_window_seconds,
            timeout_seconds=self.settings.timeout_seconds,
            pacer=self.pacer,
            breaker=self.breaker,
        )


async def record_error(conn: psycopg.AsyncConnection[Any], tenant_id: str, error: str) -> None:
    await conn.execute(
        "select app_private.record_connector_error(%s::uuid, 'xentral', %s::text)",
        [tenant_id, error],
    )


class ProductSyncHandler:
    """Runs one xentral.products job for the job's tenant."""

    kind = "xentral.products"
    max_attempts: int | None = None
    retry_base_seconds: float | None = None

    def __init__(self, xentral: Xentral, database_url: str) -> None:
        self.xentral = xentral
        self.settings = xentral.settings
        self.database_url = database_url
        self.retry_base_seconds = xentral.settings.retry_base_seconds

    def client(self) -> XentralClient:
        return self.xentral.client()

    async def run(self, job: Job) -> None:
        if job.tenant_id is None:
            raise PermanentJobError("a product sync belongs to a tenant")
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True, application_name="freshplan-worker"
        ) as conn:
            # one sync of a tenant at a time, whoever queued it (released with the connection):
            # two at once could move the watermark back or retire what the other just wrote
            locked = await (
                await conn.execute(
                    "select pg_catalog.pg_try_advisory_lock("
                    "pg_catalog.hashtextextended('xentral.products:' || %s, 0))",
                    [job.tenant_id],
                )
            ).fetchone()
            if not one(locked)[0]:
                raise TemporaryJobError("another product sync of this tenant is running")
            try:
                result = await self.sync(conn, job.tenant_id)
            except XentralRefusedError as exc:
                await record_error(conn, job.tenant_id, str(exc))
                raise PermanentJobError(str(exc)) from exc
            except XentralUnavailableError as exc:
                await record_error(conn, job.tenant_id, str(exc))
                raise TemporaryJobError(str(exc)) from exc
            except psycopg.Error as exc:
                # e.g. a page the database refuses: the sync is broken, and the admin must see it
                with contextlib.suppress(psycopg.Error):
                    await record_error(conn, job.tenant_id, f"database: {type(exc).__name__}")
                raise
        log.info("xentral product sync done", extra={"tenant_id": job.tenant_id, **result})

    async def sync(self, conn: psycopg.AsyncConnection[Any], tenant_id: str) -> dict[str, Any]:
        cursor = await conn.execute(
            "select p.full_pull, p.updated_since, pg_catalog.now()"
            " from app_private.product_sync_plan(%s::uuid, make_interval(secs => %s::float8)) as p",
            [tenant_id, self.settings.sync_overlap_seconds],
        )
        row = one(await cursor.fetchone())
        full_pull, updated_since, started_at = bool(row[0]), row[1], row[2]
        listed: list[str] = []
        counts: dict[str, float] = dict.fromkeys(
            ("listed", "inserted", "updated", "renumbered", "skipped", "pages"), 0
        )
        began = time.monotonic()
        async with self.client() as client:
            pages = client.product_pages(
                self.settings.page_size, None if full_pull else updated_since
            )
            async for items in pages:
                rows = [row for row in map(product_row, items) if row is not None]
                listed.extend(row["xentral_id"] for row in rows if row["xentral_id"])
                written = one(
                    await (
                        await conn.execute(
                            "select app_private.upsert_products(%s::uuid, %s::jsonb)",
                            [tenant_id, Jsonb(rows)],
                        )
                    ).fetchone()
                )[0]
                skipped = written["skipped"]
                if skipped:
                    log.warning(
                        "xentral products skipped: %d unusable items",
                        len(skipped),
                        extra={"tenant_id": tenant_id, "xentral_ids": skipped[:20]},
                    )
                counts["pages"] += 1
                counts["listed"] += len(items)
                counts["inserted"] += int(written["inserted"])
                counts["updated"] += int(written["updated"])
                counts["renumbered"] += int(written["renumbered"])
                counts["skipped"] += len(skipped) + len(items) - len(rows)
                log.info(
                    "xentral products: page %d, %d listed so far",
                    counts["pages"],
                    counts["listed"],
                    extra={"tenant_id": tenant_id, "full_pull": full_pull},
                )
            counts["requests"] = client.requests
            counts["throttled"] = client.throttled
            total = client.listing_total
        if full_pull and total is not None and len(set(listed)) < total:
            # the list changed under us (or a page came back short): what was not seen is not
            # known to be gone, so nothing is retired, and the next sync pulls everything again
            log.warning(
                "xentral full pull incomplete: %d of %d listed; nothing retired",
                len(set(listed)),
                total,
                extra={"tenant_id": tenant_id},
            )
            full_pull = False
            counts["incomplete"] = 1
        counts["seconds"] = round(time.monotonic() - began, 3)
        finished = one(
            await (
                await conn.execute(
                    "select app_private.finish_product_sync("
                    "%s::uuid, %s::timestamptz, %s::boolean, %s::text[], %s::jsonb)",
                    [tenant_id, started_at, full_pull, listed, Jsonb(counts)],
                )
            ).fetchone()
        )
        result: dict[str, Any] = finished[0]
        return result


# Xentral's answers that refuse the order itself (its validation): another attempt cannot help,
# and the owner must change the order. Any other refusal (401, 403, 404, 406, 415) is ours to fix
# (token, scopes, URL): the job is parked for an admin and the order stays PENDING.
ORDER_REFUSALS = frozenset({400, 422})


class SalesOrderHandler:
    """Runs one xentral.order job: submits the order unless Xentral already has it."""

    kind = "xentral.order"
    max_attempts: int | None = None
    retry_base_seconds: float | None = None

    def __init__(self, xentral: Xentral, database_url: str) -> None:
        self.xentral = xentral
        self.database_url = database_url
        self.retry_base_seconds = xentral.settings.retry_base_seconds

    async def run(self, job: Job) -> None:
        order_id = job.payload.get("order_id") if isinstance(job.payload, dict) else None
        if not isinstance(order_id, str):
            raise PermanentJobError("an order job names its order (payload order_id)")
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True, application_name="freshplan-worker"
        ) as conn:
            # autocommit: the mark that a submission started is committed before Xentral is called
            order = one(
                await (
                    await conn.execute(
                        "select app_private.sales_order_for_submission(%s::uuid)", [order_id]
                    )
                ).fetchone()
            )[0]
            if order is None:
                raise PermanentJobError(f"sales order {order_id} does not exist")
            if order["state"] != "PENDING":
                log.info(
                    "xentral order not pending: nothing to do",
                    extra={"order_id": order_id, "state": order["state"]},
                )
                return
            tenant_id = str(order["tenant_id"])
            try:
                xentral_id = await self.submit(order)
            except XentralRefusedError as exc:
                if exc.status in ORDER_REFUSALS:
                    await conn.execute(
                        "select app_private.sales_order_refused(%s::uuid, %s::text)",
                        [order_id, exc.reason],
                    )
                    log.warning(
                        "xentral refused a sales order",
                        extra={"order_id": order_id, "status": exc.status},
                    )
                    return
                await self.delayed(conn, order_id, tenant_id, str(exc))
                raise PermanentJobError(str(exc)) from exc
            except XentralLookupError as exc:
                # Xentral may hold the order: never post again, never tell the owner it failed
                message = f"{exc}. Check the order in Xentral, then re-queue the job."
                await self.delayed(conn, order_id, tenant_id, message)
                raise PermanentJobError(message) from exc
            except XentralUnavailableError as exc:
                await self.delayed(conn, order_id, tenant_id, str(exc))
                raise TemporaryJobError(str(exc)) from exc
            try:
                await conn.execute(
                    "select app_private.sales_order_submitted(%s::uuid, %s::text)",
                    [order_id, xentral_id],
                )
            except psycopg.Error as exc:
                # Xentral has it; the next attempt looks it up and records it
                raise TemporaryJobError(f"database: {type(exc).__name__}") from exc
        log.info(
            "xentral sales order submitted",
            extra={"order_id": order_id, "number": order["number"], "xentral_id": xentral_id},
        )

    async def submit(self, order: dict[str, Any]) -> str:
        """Xentral's id of the order: found by its number when an earlier attempt may have
        reached Xentral, else (or when not found) imported now."""
        number = str(order["number"])
        async with self.xentral.client() as client:
            if order["look_up_first"]:
                found = await client.find_sales_order(number)
                if found is not None:
                    log.info(
                        "xentral already has the sales order: not posted again",
                        extra={"number": number, "xentral_id": found},
                    )
                    return found
            try:
                return await client.import_sales_order(order["body"])
            except XentralRefusedError as exc:
                if exc.status != 409:
                    raise
                # a Xentral that refuses a second order with our number has the first one
                found = await client.find_sales_order(number)
                if found is None:
                    raise XentralUnavailableError(
                        f"Xentral answered 409 for {number} but lists no such order"
                    ) from exc
                return found

    @staticmethod
    async def delayed(
        conn: psycopg.AsyncConnection[Any], order_id: str, tenant_id: str, error: str
    ) -> None:
        await conn.execute(
            "select app_private.sales_order_delayed(%s::uuid, %s::text)", [order_id, error]
        )
        await record_error(conn, tenant_id, error)
