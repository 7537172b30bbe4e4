"""`make run` (scripts/run): the whole system comes up, answers, stops cleanly on a signal,
and a second run reuses the data."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port, wait_until


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Run:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.offset = 0

    def start(self) -> None:
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts/run")],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        health = f"http://127.0.0.1:{self.env['FRESHPLAN_API_PORT']}/health"

        def ready() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, self.output()
            return "FreshPlan is running" in self.output()[self.offset :]

        wait_until(ready, 120, "make run ready")
        assert httpx.get(health, timeout=5).status_code == 200

    def stop(self, sig: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=60)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def ports(self) -> list[int]:
        keys = (
            "FRESHPLAN_PG_PORT",
            "FRESHPLAN_POSTGREST_PORT",
            "FRESHPLAN_POSTGREST_ADMIN_PORT",
            "FRESHPLAN_API_PORT",
        )
        return [int(self.env[key]) for key in keys]


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    tmp_path.chmod(0o755)
    data_dir.chmod(0o755)
    env = {
        **os.environ,
        "FRESHPLAN_ENV": "local",
        "FRESHPLAN_DATA_DIR": str(data_dir),
        "FRESHPLAN_PG_PORT": str(free_port()),
        "FRESHPLAN_PG_DATABASE": "freshplan",
        "FRESHPLAN_POSTGREST_PORT": str(free_port()),
        "FRESHPLAN_POSTGREST_ADMIN_PORT": str(free_port()),
        "FRESHPLAN_API_PORT": str(free_port()),
    }
    env.pop("FRESHPLAN_PG_PROFILE", None)
    handle = Run(env, tmp_path / "run.log")
    yield handle
    if handle.process and handle.process.poll() is None:
        handle.stop(signal.SIGTERM)
    subprocess.run([str(ROOT / "scripts/pgcluster"), "stop"], env=env, check=False, timeout=60)


def printed_token(output: str, role: str) -> str:
    match = re.search(rf"^\s+{role}\s+\S+@\S+\s+(\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


@pytest.mark.slow
def test_make_run_serves_stops_on_signals_and_reuses_data(run: Run) -> None:
    run.start()
    postgrest = f"http://127.0.0.1:{run.env['FRESHPLAN_POSTGREST_PORT']}"
    admin = {"Authorization": f"Bearer {printed_token(run.output(), 'admin')}"}
    rep = {"Authorization": f"Bearer {printed_token(run.output(), 'rep')}"}
    assert httpx.post(f"{postgrest}/rpc/whoami", headers=rep).json()["role"] == "sales_rep"
    created = httpx.post(
        f"{postgrest}/rpc/create_user",
        headers=admin,
        json={
            "email": "kept@freshfoodz.example",
            "display_name": "Kept",
            "role": "sales_rep",
            "org_id": "20000000-0000-4000-8000-000000000001",
        },
    )
    assert created.status_code == 200, created.text

    assert run.stop(signal.SIGTERM) == 143  # 128 + SIGTERM, after a clean shutdown
    for port in run.ports():
        assert not port_open(port), f"port {port} still open after SIGTERM"

    run.start()
    assert run.output().count("creating cluster") == 1, "the second run must reuse the cluster"
    accounts = httpx.get(f"{postgrest}/user_accounts", headers=admin).json()
    assert "kept@freshfoodz.example" in {account["email"] for account in accounts}

    assert run.stop(signal.SIGINT) == 130
    for port in run.ports():
        assert not port_open(port), f"port {port} still open after SIGINT"
