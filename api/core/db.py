"""Database access: the connection pool and the per-request user transaction.

The service logs in as svc_api. For a call made on behalf of a user it does exactly what
PostgREST does: one transaction, SET LOCAL ROLE to the JWT's role, request.jwt.claims set
transaction-locally, then the pre-request check, so RLS and grants apply unchanged.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from api.core.auth import WEB_ROLES, Claims, claims_json
from api.core.settings import Settings

Connection: TypeAlias = AsyncConnection[DictRow]
Pool: TypeAlias = AsyncConnectionPool[Connection]


def create_pool(settings: Settings) -> Pool:
    """A pool opened in the app's lifespan; broken connections are replaced on checkout.

    A checkout waits at most `settings.database.pool_timeout_seconds` (FRESHPLAN_DB_POOL_TIMEOUT)
    for a connection; then psycopg_pool raises PoolTimeout, which api.core.problems answers with
    a 503 problem (FP503), so a full pool or an unreachable database never makes a request hang.
    """
    return AsyncConnectionPool(
        settings.database.url,
        min_size=settings.database.pool_min,
        max_size=settings.database.pool_max,
        open=False,
        check=AsyncConnectionPool.check_connection,
        timeout=settings.database.pool_timeout_seconds,
        # Give up on one reconnection attempt quickly; the next checkout starts a new one.
        reconnect_timeout=10.0,
        kwargs={"row_factory": dict_row, "application_name": "freshplan-api", "connect_timeout": 3},
        connection_class=Connection,
    )


@asynccontextmanager
async def user_transaction(
    pool: Pool, claims: Claims, request_id: str | None = None
) -> AsyncIterator[Connection]:
    """A transaction running as the token's user, with the same checks as PostgREST."""
    if claims.role not in WEB_ROLES:  # msgspec validation of Claims already guarantees this
        raise ValueError(f"not a web role: {claims.role}")
    headers = {"x-request-id": request_id} if request_id else {}
    async with pool.connection() as conn, conn.transaction():
        # set_config('role', …, true) is SET LOCAL ROLE; one statement instead of two, as
        # PostgREST does. The check runs after it, in a statement of its own: a function's
        # EXECUTE privilege is checked for the role in force when its statement starts.
        await conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true),"
            " set_config('request.headers', %s, true)",
            [claims.role, claims_json(claims), json.dumps(headers)],
        )
        await conn.execute("select app_private.check_request()")
        yield conn
