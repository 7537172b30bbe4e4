"""The Litestar application: create_app() wires settings, pools, errors, health and metrics.

The service is built from the shared core (`api.core`) and its capability packages
(`api.feedback`, `api.ai`); it never imports the workers (`jobs`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders, State
from litestar.enums import ScopeType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.ai.health import check_ai
from api.ai.router import Router
from api.ai.routes import ai_routes
from api.clients.allianz import AllianzClient
from api.connectors.credit_routes import CREDIT_CHECKS_PER_USER_PER_MINUTE, credit_routes
from api.connectors.xentral_routes import CustomerSearch, xentral_routes
from api.core.db import create_pool
from api.core.health import (
    HealthRegistry,
    check_database,
    check_jobs,
    check_postgrest,
    check_worker,
    connector_check,
    health,
)
from api.core.logs import configure_logging
from api.core.metrics import MetricsListener, metrics
from api.core.problems import problem_details_plugin
from api.core.ratelimit import SlidingWindowLimiter
from api.core.settings import Settings, SettingsError, load_settings, require_service_settings
from api.feedback.routes import feedback_routes, limiters

log = logging.getLogger("freshplan.api")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Path segments that look like secrets (feedback tokens are 43 base64url characters).
_SECRET_SEGMENT = re.compile(r"/[A-Za-z0-9_-]{32,}")


def masked_path(path: str) -> str:
    return _SECRET_SEGMENT.sub("/***", path)


def request_context(app: ASGIApp) -> ASGIApp:
    """Give every request an id (X-Request-Id, accepted when well-formed) and log one line."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["X-Request-Id"] = request_id
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": masked_path(scope["path"]),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )

    return middleware


# Sent with every response (SPEC 6 requires them on the public feedback surface; nothing else
# here needs to be framed, cached, sniffed or to leak its URL either).
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}


def security_headers(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def health_registry() -> HealthRegistry:
    """The components /health reports; a connector adds its check here."""
    registry = HealthRegistry()
    registry.add("database", check_database, essential="The database does not answer.")
    registry.add("postgrest", check_postgrest)
    registry.add("worker", check_worker)
    registry.add("jobs", check_jobs)
    registry.add("ai", check_ai)
    registry.add("xentral", connector_check("xentral"))
    registry.add("allianz", connector_check("allianz"))
    registry.add("mail", connector_check("mail"))
    registry.add("kas", connector_check("kas"))
    return registry


def _settings_or_exit() -> Settings:
    """The settings, or one clear line on stderr and exit status 2 (no traceback): the service
    refuses to start on a bad configuration, e.g. the dev secret in production."""
    try:
        settings = load_settings()
        require_service_settings(settings)
    except SettingsError as exc:
        print(f"freshplan-api: configuration error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    return settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or _settings_or_exit()
    configure_logging(settings.log.level)
    pool = create_pool(settings)
    ai_router = Router(settings, pool)
    # one client per process: its token and circuit breaker are the process's
    allianz = AllianzClient(settings.allianz) if settings.allianz.configured else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Open without waiting: the service starts (and reports 503) while the database is down.
        await pool.open(wait=False)
        # refuses to start with a configured model that has no price (when the database answers);
        # the pool is closed first, so that the process exits at once instead of reconnecting
        try:
            await ai_router.start()
        except BaseException:
            await pool.close()
            raise
        listener = (
            MetricsListener(pool, settings.http.metrics_host, settings.http.metrics_port)
            if settings.http.metrics_port is not None
            else None
        )
        async with httpx.AsyncClient() as http:
            app.state.http = http
            try:
                if listener is not None:
                    await listener.start()
                yield
            finally:
                if listener is not None:
                    await listener.stop()
                await ai_router.close()
                if allianz is not None:
                    await allianz.http.aclose()
                await pool.close()

    app = Litestar(
        route_handlers=[
            health,
            # on the service's port unless FRESHPLAN_METRICS_PORT gives it an internal listener
            *([metrics] if settings.http.metrics_port is None else []),
            *feedback_routes,
            *ai_routes,
            *xentral_routes,
            *credit_routes,
        ],
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "pool": pool,
                "health": health_registry(),
                "feedback_limiters": limiters(settings),
                "ai_router": ai_router,
                "ai_user_limiter": SlidingWindowLimiter(settings.ai.rate_limit_user),
                "allianz": allianz,
                # live credit checks hold a pool connection for their upstream calls: at most
                # half the pool, so the rest of the service keeps answering
                "credit_slots": asyncio.Semaphore(max(settings.database.pool_max // 2, 1)),
                "credit_limiter": SlidingWindowLimiter(CREDIT_CHECKS_PER_USER_PER_MINUTE),
                "xentral_search": (
                    CustomerSearch(settings.xentral) if settings.xentral.configured else None
                ),
            }
        ),
        middleware=[
            # group_path: label by route template, never by the concrete path (which may hold a
            # feedback token, and would make one series per token)
            PrometheusConfig(app_name="freshplan", prefix="freshplan", group_path=True).middleware
        ],
        plugins=[problem_details_plugin()],
        # configure_logging() above owns the handlers (JSON lines); Litestar's default config
        # would replace them with its plain-text format at startup
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="FreshPlan service API",
            version="1",
            description=(
                "Public feedback, the AI router, the connectors, health and metrics of FreshPlan."
            ),
            path="/schema",
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        debug=False,
    )
    # Outermost, so that responses no route handled (404, 405) get an id and a log line too.
    app.asgi_handler = request_context(security_headers(app.asgi_handler))
    return app
