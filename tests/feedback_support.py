"""The feedback link under test: a seeded database, real PostgREST for the rep and the manager,
the real service with its links pointing at it, and shortcuts for the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import psycopg

from tests.api_client import Api

if TYPE_CHECKING:
    from tests.conftest import Cluster, Service

ADLER = "40000000-0000-4000-8000-000000000001"  # ACTIVE demo lead of rep1


@dataclass
class Feedback:
    cluster: Cluster
    database: str
    api: Service
    rep: Api
    manager: Api

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.cluster.conninfo(self.database), autocommit=True) as conn:
            cursor = conn.execute(query, params or [])
            return cursor.fetchall() if cursor.description else []

    def scalar(self, query: str, params: list[Any] | None = None) -> Any:
        return self.sql(query, params)[0][0]

    def start_phase(
        self,
        lead_id: str = ADLER,
        skus: tuple[str, ...] = ("CF-1001", "CF-1002"),
        start_date: str = "2026-11-20",
    ) -> Any:
        box = self.rep.ok(
            "create_sample_box",
            {"lead_id": lead_id, "items": [{"sku": sku, "qty": 1} for sku in skus]},
        )
        return self.rep.ok(
            "start_test_phase", {"box_id": box["id"], "stage": "SAMPLE", "start_date": start_date}
        )

    def url(self, path: str) -> str:
        return f"{self.api.url}{path}"

    def submit(self, token: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is None:
            body = {"items": [{"sku": "CF-1001", "rating": 4}]}
        return httpx.post(self.url(f"/api/feedback/{token}"), json=body, timeout=30, **kwargs)


def start_feedback(
    cluster: Cluster,
    database: str,
    postgrest: Service,
    api_for: Callable[..., Service],
    token_for: Callable[..., str],
    **api_env: str,
) -> Feedback:
    limits = {
        "FRESHPLAN_FEEDBACK_RATE_LIMIT_IP": "100000",
        "FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN": "100000",
    }
    api = api_for(database, **(limits | api_env))
    feedback = Feedback(
        cluster,
        database,
        api,
        Api(postgrest.url, token_for("rep1@freshfoodz.example")),
        Api(postgrest.url, token_for("manager@freshfoodz.example")),
    )
    feedback.sql(
        "insert into app.settings_values (key, scope, value) values"
        " ('sample.feedback.linkBase', 'global', to_jsonb(%s::text))",
        [api.url],
    )
    return feedback
