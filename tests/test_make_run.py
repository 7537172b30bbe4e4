"""`make run` (scripts/run): the whole system comes up, answers, stops quietly on a requested stop
and loudly when a service dies on its own, and a second run reuses the data."""

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

    def launch(self) -> subprocess.Popen[bytes]:
        """Start scripts/run in a session (and process group) of its own, as a terminal does."""
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts/run")],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.process

    def start(self) -> None:
        process = self.launch()
        health = f"http://127.0.0.1:{self.env['FRESHPLAN_API_PORT']}/health"

        def ready() -> bool:
            assert process.poll() is None, self.latest()
            return "FreshPlan is running" in self.latest()

        wait_until(ready, 180, "make run ready")
        assert httpx.get(health, timeout=5).status_code == 200

    def stop(self, sig: signal.Signals, *, whole_group: bool = False) -> int:
        """Signal scripts/run alone, or (whole_group) its process group as Ctrl-C does."""
        assert self.process is not None
        if whole_group:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        return self.process.wait(timeout=90)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def latest(self) -> str:
        """The output of the latest run only."""
        return self.output()[self.offset :]

    def ports(self) -> list[int]:
        keys = (
            "FRESHPLAN_PG_PORT",
            "FRESHPLAN_POSTGREST_PORT",
            "FRESHPLAN_POSTGREST_ADMIN_PORT",
            "FRESHPLAN_API_PORT",
        )
        return [int(self.env[key]) for key in keys]

    def processes(self) -> dict[int, str]:
        """Live processes started for this run (pid -> command name), found by the data directory
        in their environment: the services, PostgreSQL, and whatever they started."""
        marker = f"FRESHPLAN_DATA_DIR={self.env['FRESHPLAN_DATA_DIR']}".encode()
        found: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile, or not ours to read
                continue
            state = stat.rpartition(")")[2].split()[0]
            if marker in environ and state != "Z":
                found[int(entry.name)] = stat[stat.index("(") + 1 : stat.rindex(")")]
        return found

    def assert_all_stopped(self) -> None:
        for port in self.ports():
            assert not port_open(port), f"port {port} still open\n{self.latest()}"
        assert self.processes() == {}, self.latest()

    def assert_stopped_quietly(self) -> None:
        out = self.latest()
        assert "stopped" in out, out
        assert "exited unexpectedly" not in out, out
        assert "[freshplan] error" not in out, out
        self.assert_all_stopped()


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
    for pid in handle.processes():  # never leave a service behind, whatever went wrong
        os.kill(pid, signal.SIGKILL)


def printed_token(output: str, role: str) -> str:
    match = re.search(rf"^\s+{role}\s+\S+@\S+\s+(\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_make_run_serves_stops_quietly_on_request_loudly_on_a_crash_and_reuses_data(
    run: Run,
) -> None:
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

    # A requested stop is no failure: exit 0, "stopped", no error line.
    assert run.stop(signal.SIGTERM) == 0
    run.assert_stopped_quietly()

    # The next run reuses the cluster and its data. Then Ctrl-C in a terminal: SIGINT to the whole
    # process group at once (scripts/run, PostgREST, the worker, the API service).
    run.start()
    assert run.output().count("creating cluster") == 1, "the second run must reuse the cluster"
    accounts = httpx.get(f"{postgrest}/user_accounts", headers=admin).json()
    assert "kept@freshfoodz.example" in {account["email"] for account in accounts}
    assert run.stop(signal.SIGINT, whole_group=True) == 0
    run.assert_stopped_quietly()

    # A service that dies on its own stops everything, with an error and a failing exit status.
    run.start()
    postgrest_pids = [pid for pid, name in run.processes().items() if name == "postgrest"]
    assert len(postgrest_pids) == 1, run.processes()
    os.kill(postgrest_pids[0], signal.SIGKILL)
    assert run.process is not None
    assert run.process.wait(timeout=90) != 0
    out = run.latest()
    assert "[freshplan] error" in out, out
    assert "PostgREST exited unexpectedly" in out, out
    assert "stopped" in out, out
    run.assert_all_stopped()
