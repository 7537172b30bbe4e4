"""GET /api/xentral/customers?search=: Xentral's customers for a rep or manager (SPEC 8.2).

The answer feeds link_xentral_customer (PostgREST), which stores the chosen id on the lead. The
service has its own small share of Xentral's rate limit (a quarter: the worker's syncs and orders
need the rest), a per-user limit, and a deadline, so a search never waits for long: when Xentral
is slow, down or the share is used up, the caller gets a 503 at once and the failure is recorded
for api.integration_status.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Request, get
from litestar.datastructures import State

from api.clients.xentral import (
    Pacer,
    XentralClient,
    XentralRefusedError,
    XentralUnavailableError,
)
from api.core.auth import bearer_claims
from api.core.breaker import CircuitBreaker
from api.core.db import Pool, user_transaction
from api.core.problems import problem
from api.core.ratelimit import SlidingWindowLimiter
from api.core.settings import XentralSettings

log = logging.getLogger("freshplan.xentral")

AnyRequest = Request[Any, Any, State]
SEARCH_ROLES = frozenset({"sales_rep", "sales_manager"})
SEARCH_LENGTH = (2, 100)
RESULTS = 20
DEADLINE_SECONDS = 15.0
SEARCHES_PER_USER_PER_MINUTE = 30


class CustomerSearch:
    """The service's access to Xentral for searches: one pacer for the process."""

    def __init__(self, settings: XentralSettings) -> None:
        if not settings.base_url or not settings.token:
            raise ValueError("a customer search needs XENTRAL_BASE_URL and XENTRAL_TOKEN")
        self.settings = settings
        self.base_url, self.token = settings.base_url, settings.token
        self.pacer = Pacer(max(settings.rate_limit // 4, 1), settings.rate_window_seconds)
        self.user_limiter = SlidingWindowLimiter(SEARCHES_PER_USER_PER_MINUTE)
        self.breaker = CircuitBreaker()

    def client(self) -> XentralClient:
        return XentralClient(
            self.base_url,
            self.token,
            rate_limit=self.pacer.limit,
            rate_window_seconds=self.settings.rate_window_seconds,
            timeout_seconds=min(self.settings.timeout_seconds, 10.0),
            read_attempts=2,
            pacer=self.pacer,
            breaker=self.breaker,
        )


def search_text(value: str | None) -> str:
    text = " ".join((value or "").split())
    if not SEARCH_LENGTH[0] <= len(text) <= SEARCH_LENGTH[1] or not text.isprintable():
        raise problem(
            400, "FP816", "search must be 2 to 100 printable characters.", details="search"
        )
    return text


async def record(pool: Pool, tenant_id: str, error: str | None) -> None:
    """The outcome for api.integration_status (the service's own connection, not the user's)."""
    async with pool.connection() as conn:
        if error is None:
            await conn.execute(
                "select app_private.record_connector_success(%s::uuid, 'xentral')", [tenant_id]
            )
        else:
            await conn.execute(
                "select app_private.record_connector_error(%s::uuid, 'xentral', %s::text)",
                [tenant_id, error],
            )


@get("/api/xentral/customers", summary="Search Xentral's customers (SPEC 8.2)")
async def xentral_customers(request: AnyRequest, search: str | None = None) -> dict[str, Any]:
    """Up to 20 of Xentral's customers matching `search`: id, number, name, zip, city, email."""
    state = request.app.state
    claims = bearer_claims(request.headers.get("authorization", ""), state.settings.auth.jwt_secret)
    if claims.role not in SEARCH_ROLES:
        raise problem(403, "FP102", "Only reps and managers search Xentral's customers.")
    text = search_text(search)
    pool: Pool = state.pool
    # the user is still active and may act (the same pre-request check as PostgREST)
    async with user_transaction(pool, claims, request.scope["state"].get("request_id")):
        pass
    searcher: CustomerSearch | None = state.xentral_search
    if searcher is None:
        raise problem(503, "FP817", "Xentral is not configured for this installation.")
    wait = searcher.user_limiter.hit(str(claims.sub))
    if wait:
        exc = problem(429, "FP819", "Too many customer searches. Please wait a moment.")
        exc.headers = {"Retry-After": str(wait)}
        raise exc
    tenant_id = str(claims.tenant_id)
    try:
        async with asyncio.timeout(DEADLINE_SECONDS), searcher.client() as client:
            customers = await client.search_customers(
                text, limit=RESULTS, name_op=searcher.settings.customer_search_op
            )
    except (XentralUnavailableError, TimeoutError) as exc:
        reason = str(exc) or f"no answer within {DEADLINE_SECONDS:.0f} s"
        await record(pool, tenant_id, f"customer search: {reason}")
        failure = problem(503, "FP818", "Xentral does not answer. Please try again later.")
        failure.headers = {"Retry-After": "30"}
        raise failure from None
    except XentralRefusedError as exc:
        await record(pool, tenant_id, f"customer search: {exc}")
        log.warning("xentral refused a customer search", extra={"status": exc.status})
        raise problem(502, "FP818", "Xentral refused the search.", detail=exc.reason) from None
    await record(pool, tenant_id, None)
    return {"customers": customers}


xentral_routes = [xentral_customers]
