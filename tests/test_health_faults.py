"""Fault test: the database goes away under a running service and comes back.

Uses a cluster of its own, so stopping it cannot disturb other tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import Cluster, Service, cluster_script, wait_until


@pytest.mark.slow
def test_health_is_503_while_the_database_is_down_and_recovers(
    own_cluster: tuple[Cluster, dict[str, str]], api_for: Callable[..., Service]
) -> None:
    cluster, env = own_cluster
    api = api_for("freshplan", cluster_override=cluster)
    health = f"{api.url}/health"
    assert httpx.get(health, timeout=10).status_code == 200

    cluster_script(env, "stop")
    started = time.monotonic()
    response = httpx.get(health, timeout=10)
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "FP503"
    assert body["components"]["database"]["status"] == "down"
    assert elapsed < 5

    cluster_script(env, "start")
    # The same process, not restarted, answers 200 again once the pool has reconnected.
    wait_until(lambda: httpx.get(health, timeout=10).status_code == 200, 30, "health back to 200")
    assert api.process.poll() is None
