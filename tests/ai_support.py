"""The AI router's test harness: the fake providers as real servers, the service pointed at them.

The fakes (tests/fakes) are started as processes on loopback ports; the service reaches them
through the SDKs' base URLs, exactly as it would reach OpenAI and Anthropic. Tests steer the
fakes over their control endpoints (/_fake/rules, /_fake/requests), never by patching code.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import Cluster, Service, start_fake_server

# A global value, or one for the tenant, org or user of the user with the e-mail address.
_SET_SETTING = """
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select
    %(key)s, %(scope)s, case when %(scope)s <> 'global' then u.tenant_id end,
    case %(scope)s
        when 'tenant' then u.tenant_id when 'org' then u.org_id when 'user' then u.id
    end,
    %(value)s::jsonb
from (select 1) as one
left join app.users as u on u.email = %(email)s
on conflict (
    key, scope, coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(target_id, '00000000-0000-0000-0000-000000000000')
) do update set value = excluded.value
"""
SMALL = {"openai": "gpt-6-luna", "anthropic": "claude-haiku-5-5"}
LARGE = {"openai": "gpt-6.1-sol", "anthropic": "claude-sonnet-5-5"}


@dataclass
class FakeProvider:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    def rules(self, *rules: dict[str, Any]) -> None:
        response = httpx.post(f"{self.url}/_fake/rules", json={"rules": list(rules)}, timeout=5)
        response.raise_for_status()

    def reset(self) -> None:
        httpx.delete(f"{self.url}/_fake/rules", timeout=5).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/_fake/requests", timeout=5)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()["requests"]
        return found

    def models_asked(self) -> list[str]:
        return [str((r["body"] or {}).get("model")) for r in self.requests()]


def start_fake(name: str, log_dir: Path) -> FakeProvider:
    url, process = start_fake_server(name, log_dir)
    return FakeProvider(name, url, process)


@dataclass
class AiStack:
    openai: FakeProvider
    anthropic: FakeProvider
    cluster: Cluster
    database: str
    start_api: Callable[..., Service]

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "OPENAI_API_KEY": "test-openai-key",
            "OPENAI_BASE_URL": f"{self.openai.url}/v1",
            "ANTHROPIC_API_KEY": "test-anthropic-key",
            "ANTHROPIC_BASE_URL": self.anthropic.url,
            "FRESHPLAN_AI_RATE_LIMIT_USER": "100000",
            **extra,
        }

    def service(self, **extra: str) -> Service:
        return self.start_api(self.database, **self.env(**extra))

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.cluster.conninfo(self.database), autocommit=True) as conn:
            cursor = conn.execute(statement, params or None)
            return cursor.fetchall() if cursor.description else []

    def set_setting(self, key: str, scope: str, value: str, email: str | None = None) -> None:
        """Store a setting as an operator would: global, or the user's tenant, org or user."""
        with psycopg.connect(self.cluster.conninfo(self.database), autocommit=True) as conn:
            conn.execute(_SET_SETTING, {"key": key, "scope": scope, "value": value, "email": email})


@pytest.fixture
def fakes(tmp_path: Path) -> Iterator[tuple[FakeProvider, FakeProvider]]:
    openai_fake = start_fake("openai", tmp_path)
    anthropic_fake = start_fake("anthropic", tmp_path)
    yield openai_fake, anthropic_fake
    for fake in (openai_fake, anthropic_fake):
        fake.process.terminate()
        fake.process.wait(timeout=10)


@pytest.fixture
def ai(
    fakes: tuple[FakeProvider, FakeProvider],
    cluster: Cluster,
    seeded_database: str,
    api_for: Callable[..., Service],
) -> AiStack:
    return AiStack(fakes[0], fakes[1], cluster, seeded_database, api_for)


def ask(
    service: Service, token: str, use_case: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return httpx.post(
        f"{service.url}/api/ai/{use_case}",
        json=body or {},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def confident(model: str, confidence: float = 0.95, **extra: Any) -> dict[str, Any]:
    """A rule: `model` answers normally with this confidence."""
    return {"model": model, "mode": "answer", "confidence": confidence, **extra}
