"""Fault test: the database goes away under a running service and comes back.

Uses a cluster of its own, so stopping it cannot disturb other tests.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Cluster, Service, free_port, wait_until


def cluster_script(env: dict[str, str], command: str) -> None:
    subprocess.run(
        [str(ROOT / "scripts/pgcluster"), command],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[tuple[Cluster, dict[str, str]]]:
    data_dir = tmp_path / "cluster"
    data_dir.mkdir()
    data_dir.chmod(0o755)
    tmp_path.chmod(0o755)
    env = {
        **os.environ,
        "FRESHPLAN_DATA_DIR": str(data_dir),
        "FRESHPLAN_PG_PORT": str(free_port()),
        "FRESHPLAN_PG_DATABASE": "freshplan",
        "FRESHPLAN_PG_PROFILE": "test",
    }
    cluster_script(env, "start")
    try:
        subprocess.run(
            [str(ROOT / "scripts/flyway/run"), "-q", "migrate"],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )
        yield (
            Cluster(os.environ["FRESHPLAN_PG_HOST"], int(env["FRESHPLAN_PG_PORT"]), "freshplan"),
            env,
        )
    finally:
        cluster_script(env, "stop")


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
