"""The AI router's SQL, in one place.

Two kinds of calls. What a prompt may contain is read as the caller (the user transaction, so
RLS decides: an invisible lead is simply not found). Budget, cache and call log go through the
app_private functions of R__80_ai.sql as svc_api, with the tenant, organisation and user of the
verified token; their rules live in the database, not here.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from api.core.auth import Claims
from api.core.db import Connection

_LEAD = """
select l.company_name, l.postal_code, l.city, l.country, l.status,
       to_char(l.registered_at, 'YYYY-MM-DD') as registered_on
from api.leads as l where l.id = %s
"""
_ACTIVITIES = """
select to_char(a.occurred_at, 'YYYY-MM-DD') as day, a.kind, a.note
from api.activities as a where a.lead_id = %s order by a.occurred_at desc limit 20
"""
_RESULTS = """
select r.sku, r.outcome, r.sell_through, r.waste_delta
from api.test_results as r where r.lead_id = %s order by r.recorded_at desc limit 20
"""
_FEEDBACK = """
select f.sku, f.rating, f.comment, f.would_reorder, f.contact_role
from api.product_feedback as f where f.lead_id = %s order by f.received_at desc limit 20
"""
_CATALOGUE = """
select p.sku, p.name, p.unit from api.products as p where p.active order by p.sku limit 300
"""


async def lead_context(conn: Connection, lead_id: uuid.UUID) -> dict[str, Any] | None:
    """The lead and its history as the caller may read them, or None when it is not visible."""
    lead = await (await conn.execute(_LEAD, [lead_id])).fetchone()
    if lead is None:
        return None
    return {
        "lead": lead,
        "activities": await (await conn.execute(_ACTIVITIES, [lead_id])).fetchall(),
        "results": await (await conn.execute(_RESULTS, [lead_id])).fetchall(),
        "feedback": await (await conn.execute(_FEEDBACK, [lead_id])).fetchall(),
    }


async def catalogue(conn: Connection) -> list[dict[str, Any]]:
    """The tenant's active products (sku, name, unit)."""
    return list(await (await conn.execute(_CATALOGUE)).fetchall())


async def begin(
    conn: Connection,
    claims: Claims,
    *,
    use_case: str,
    prompt_version: str,
    cache_key: bytes | None,
    provider: str,
    model: str,
    tier: str,
    max_input_tokens: int,
    max_output_tokens: int,
    latency_ms: float,
) -> dict[str, Any]:
    """app_private.ai_begin: threshold, calibration, budget, cache hit or first reservation."""
    row = await (
        await conn.execute(
            "select app_private.ai_begin(%s::uuid, %s::uuid, %s::uuid, %s::text, %s::text,"
            " %s::bytea, %s::text, %s::text, %s::text, %s::integer, %s::integer, %s::numeric) as r",
            [
                claims.tenant_id,
                claims.org_id,
                claims.sub,
                use_case,
                prompt_version,
                cache_key,
                provider,
                model,
                tier,
                max_input_tokens,
                max_output_tokens,
                round(latency_ms, 2),
            ],
        )
    ).fetchone()
    assert row is not None  # noqa: S101 - a select of one function call returns one row
    result: dict[str, Any] = row["r"]
    return result


async def settle_and_reserve(
    conn: Connection,
    claims: Claims,
    *,
    reservation_id: str | None,
    usage: dict[str, int],
    provider: str,
    model: str,
    tier: str,
    max_input_tokens: int,
    max_output_tokens: int,
) -> tuple[Decimal, dict[str, Any]]:
    """Settles one hop and reserves the next (an escalation or a fallback), in one transaction."""
    cost = Decimal(0)
    async with conn.transaction():
        if reservation_id is not None:
            row = await (
                await conn.execute(
                    "select app_private.ai_settle(%s::uuid, %s::integer, %s::integer, %s::integer,"
                    " %s::integer) as cost",
                    [
                        reservation_id,
                        usage["input"],
                        usage["cached_input"],
                        usage["cache_write"],
                        usage["output"],
                    ],
                )
            ).fetchone()
            cost = Decimal(row["cost"] or 0) if row else Decimal(0)
        row = await (
            await conn.execute(
                "select app_private.ai_reserve(%s::uuid, %s::uuid, %s::uuid, %s::text, %s::text,"
                " %s::text, %s::integer, %s::integer) as r",
                [
                    claims.tenant_id,
                    claims.org_id,
                    claims.sub,
                    provider,
                    model,
                    tier,
                    max_input_tokens,
                    max_output_tokens,
                ],
            )
        ).fetchone()
    reservation: dict[str, Any] = row["r"] if row else {"refused": "exhausted"}
    return cost, reservation


async def finish(
    conn: Connection,
    claims: Claims,
    *,
    use_case: str,
    prompt_version: str,
    reservation_id: str | None,
    usage: dict[str, int],
    prior_cost: Decimal,
    call: dict[str, Any],
    cache_key: bytes | None,
    cached: dict[str, Any] | None,
) -> dict[str, Any]:
    """app_private.ai_finish: settle the last hop, log the call, cache a valid answer."""
    row = await (
        await conn.execute(
            "select app_private.ai_finish(%s::uuid, %s::uuid, %s::uuid, %s::text, %s::text,"
            " %s::uuid, %s::jsonb, %s::numeric, %s::jsonb, %s::bytea, %s::jsonb) as r",
            [
                claims.tenant_id,
                claims.org_id,
                claims.sub,
                use_case,
                prompt_version,
                reservation_id,
                Jsonb(usage),
                prior_cost,
                Jsonb(call),
                cache_key,
                Jsonb(cached) if cached is not None else None,
            ],
        )
    ).fetchone()
    assert row is not None  # noqa: S101 - a select of one function call returns one row
    result: dict[str, Any] = row["r"]
    return result


async def priced_models(conn: Connection) -> set[tuple[str, str]]:
    """(provider, model) pairs with a price in effect today."""
    rows = await (
        await conn.execute("select provider, model from app_private.ai_priced_models()")
    ).fetchall()
    return {(r["provider"], r["model"]) for r in rows}


async def process_settings(conn: Connection) -> dict[str, Any]:
    """The process-wide AI settings: provider calls per minute, the breaker's longest wait (s)."""
    row = await (await conn.execute("select app_private.ai_process_settings() as r")).fetchone()
    result: dict[str, Any] = row["r"] if row else {}
    return result
