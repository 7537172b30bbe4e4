"""GET /metrics: the service's own metrics and the database's figures per tenant, in one scrape.

Two sources make one Prometheus text page:
- this process's registry (prometheus_client): request histograms from Litestar's Prometheus
  middleware and the AI router's counters; each service process counts its own;
- the database (`app_private.metric_samples()`, SPEC 9): lead counts, AI use, credit-check
  latency from the KPI snapshots, and job backlog, heartbeats, budgets, connectors and the alert
  thresholds from small tables. No scrape counts the lead tables. Every process reports the same
  figures here, so the alert rules aggregate them with max (deploy/prometheus/alerts.yml).

When the database does not answer, the page still comes (with `freshplan_metrics_database_up 0`),
so that Prometheus tells a database outage from a service that is gone.

`FRESHPLAN_METRICS_PORT` moves the page to a listener of its own (`MetricsListener`), to be bound
to an internal interface in production; the public service then has no /metrics at all.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import uvicorn
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.response import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from api.core.db import Pool

log = logging.getLogger(__name__)

SCRAPE_TIMEOUT_SECONDS = 5.0

# Every figure the database exports: type and help. A name the database sends that is not here is
# dropped (and logged), so that a typo in SQL cannot reach the dashboards unnoticed.
DATABASE_METRICS: dict[str, tuple[str, str]] = {
    "freshplan_lead_protection_active_count": ("gauge", "Leads ACTIVE at the last KPI snapshot."),
    "freshplan_lead_protection_grace_count": ("gauge", "Leads in GRACE at the last KPI snapshot."),
    "freshplan_lead_protection_expired_count": ("gauge", "Leads EXPIRED at the last KPI snapshot."),
    "freshplan_lead_protection_unassigned_count": (
        "gauge",
        "Leads UNASSIGNED at the last KPI snapshot.",
    ),
    "freshplan_lead_protection_expiries_day": (
        "gauge",
        "Protection cycles that expired today (tenant time zone).",
    ),
    "freshplan_ai_cost_eur_day": ("gauge", "EUR charged for AI calls today (tenant time zone)."),
    "freshplan_ai_calls_total": ("counter", "AI answers by the model tier that gave them."),
    "freshplan_ai_cache_hits_total": ("counter", "AI answers served from the cache."),
    "freshplan_ai_small_large_ratio": (
        "gauge",
        "Today's small-model answers per large-model answer (absent without large ones).",
    ),
    "freshplan_ai_budget_used_percent": (
        "gauge",
        "EUR settled this month as a percentage of the organisation's ai.budget.monthly.cap.",
    ),
    "freshplan_credit_check_p95_ms": (
        "gauge",
        "95th percentile of today's Allianz Trade calls in milliseconds.",
    ),
    "freshplan_kpi_snapshot_age_seconds": ("gauge", "Seconds since the last KPI snapshot."),
    "freshplan_integration_jobs_backlog": ("gauge", "Jobs waiting or running, by kind."),
    "freshplan_integration_up": ("gauge", "1 unless the connector's last call failed."),
    "freshplan_integration_down_seconds": (
        "gauge",
        "Seconds since the connector's first failure after its last success (0 while it works).",
    ),
    "freshplan_job_heartbeat_age_seconds": (
        "gauge",
        "Seconds since the scheduled job last succeeded.",
    ),
    "freshplan_job_heartbeat_interval_seconds": (
        "gauge",
        "Seconds between runs of the scheduled job (from its pg_cron schedule).",
    ),
    "freshplan_alert_threshold": (
        "gauge",
        "The alert.* settings in effect (per tenant where a tenant may set them).",
    ),
}

_DATABASE_UP = "freshplan_metrics_database_up"

Sample = tuple[str, dict[str, str], float]


async def database_samples(pool: Pool) -> list[Sample] | None:
    """The database's figures, or None when it does not answer in time."""
    try:
        async with (
            asyncio.timeout(SCRAPE_TIMEOUT_SECONDS),
            pool.connection(timeout=SCRAPE_TIMEOUT_SECONDS) as conn,
        ):
            rows = await (
                await conn.execute("select metric, labels, value from app_private.metric_samples()")
            ).fetchall()
    except Exception as exc:  # any failure is a missing database for this scrape
        log.warning("metrics: the database did not answer: %s", type(exc).__name__)
        return None
    return [
        (row["metric"], {k: str(v) for k, v in row["labels"].items()}, float(row["value"]))
        for row in rows
        if row["value"] is not None
    ]


class _Samples(Collector):
    """One scrape's database figures as metric families, grouped by name."""

    def __init__(self, samples: Sequence[Sample] | None) -> None:
        self._samples = samples

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(_DATABASE_UP, "1 when the database answered this scrape.")
        up.add_metric([], 0.0 if self._samples is None else 1.0)
        yield up
        by_name: dict[str, list[tuple[dict[str, str], float]]] = {}
        for name, labels, value in self._samples or ():
            if name not in DATABASE_METRICS:
                log.warning("metrics: unknown metric %s from the database, dropped", name)
                continue
            by_name.setdefault(name, []).append((labels, value))
        for name, series in by_name.items():
            yield _family(name, series)


def _family(name: str, series: Iterable[tuple[dict[str, str], float]]) -> Metric:
    kind, documentation = DATABASE_METRICS[name]
    # a counter's family is named without _total, its samples with it
    family = Metric(name.removesuffix("_total") if kind == "counter" else name, documentation, kind)
    for labels, value in series:
        # the tenant first; a global figure (a job's heartbeat) simply has no tenant label
        ordered = dict(sorted(labels.items(), key=lambda item: _label_order(item[0])))
        family.add_sample(name, ordered, value)
    return family


def _label_order(key: str) -> tuple[int, str]:
    return (0 if key == "tenant" else 1, key)


def render(samples: Sequence[Sample] | None) -> bytes:
    """This process's metrics followed by the database's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Samples(samples))
    return generate_latest(REGISTRY) + generate_latest(registry)


@get("/metrics", include_in_schema=False)
async def metrics(state: State) -> Response[bytes]:
    """Prometheus text: request histograms, AI counters and the database's figures per tenant."""
    samples = await database_samples(state.pool)
    return Response(render(samples), media_type=CONTENT_TYPE_LATEST)


class MetricsListener:
    """/metrics on a listener of its own (FRESHPLAN_METRICS_PORT), served in the service's event
    loop beside the main one. uvicorn chains signal handlers: on SIGTERM this server stops first,
    then hands the signal on to the main server."""

    def __init__(self, pool: Pool, host: str, port: int) -> None:
        app = Litestar(route_handlers=[metrics], state=State({"pool": pool}), logging_config=None)
        config = uvicorn.Config(
            app, host=host, port=port, lifespan="off", access_log=False, log_config=None
        )
        self._server = uvicorn.Server(config)
        self._address = (host, port)
        self._task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        # bound here, so that a port in use is an OSError for the service's startup (uvicorn's
        # own bind would call sys.exit inside the task)
        family = socket.AF_INET6 if ":" in self._address[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(self._address)
        except OSError:
            sock.close()
            raise
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the metrics listener stopped before it started")
            await asyncio.sleep(0.01)
        log.info("metrics listener on %s:%d", *self._address)

    async def stop(self) -> None:
        if self._task is None or self._task.done():
            return
        self._server.should_exit = True
        await self._task
