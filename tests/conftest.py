"""Shared fixtures: the test cluster built by scripts/test, per-test database clones, and the
real PostgREST and Litestar processes serving them.

scripts/test (make test) starts a throwaway cluster, builds the template database with Flyway
and exports where it is; these fixtures only clone and serve it.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.feedback_support import Feedback, start_feedback
from tests.imap import Dovecot
from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
# A ceiling, not a wait: readiness is polled every 50 ms. The service with AI keys
# set imports both SDKs (about 6 s of CPU on this machine kind, mostly the
# anthropic package's pydantic models), and four pytest workers start services at
# once on two shared cores; 30 s was exceeded on a busy run.
STARTUP_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    template: str

    def conninfo(self, dbname: str, user: str = "postgres") -> str:
        return f"host={self.host} port={self.port} dbname={dbname} user={user}"

    def env(self, dbname: str) -> dict[str, str]:
        """Environment for a project command or service working on `dbname`."""
        return {
            **os.environ,
            "FRESHPLAN_PG_HOST": self.host,
            "FRESHPLAN_PG_PORT": str(self.port),
            "FRESHPLAN_PG_DATABASE": dbname,
        }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a pytest-xdist worker, put the tests marked `slow` first (stable, otherwise in file
    order), so that the parallel run does not end with one worker still on a long test."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@contextmanager
def flyway_on_the_shared_cluster() -> Iterator[None]:
    """Hold this while Flyway runs on the shared test cluster, so that runs take turns.

    V001 comments on the cluster-wide roles, which locks them until the migration (one
    transaction: flyway.group) commits; a second run waiting longer than V001's lock_timeout
    (5 s) fails. The lock file sits in this test run's data directory (scripts/test), so the
    pytest-xdist workers of one run wait for each other and nobody else."""
    directory = Path(os.environ.get("FRESHPLAN_DATA_DIR", ROOT / ".data"))
    with (directory / "flyway-on-the-shared-cluster.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    try:
        return Cluster(
            host=os.environ["FRESHPLAN_PG_HOST"],
            port=int(os.environ["FRESHPLAN_PG_PORT"]),
            template=os.environ["FRESHPLAN_TEST_TEMPLATE"],
        )
    except KeyError as missing:
        pytest.exit(f"{missing} is not set: run the tests with `make test` or scripts/test", 2)


def create_database(cluster: Cluster, template: str | None = None) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template or cluster.template}"')
        # a clone gets PostgreSQL's default privileges on the database (PUBLIC may connect and
        # create temporary tables); a migrated one has V002's (and migrator owns it): the same here
        conn.execute(f'revoke all on database "{name}" from public')
        conn.execute(
            f'grant connect on database "{name}"'
            " to authenticator, svc_api, svc_jobs, reporting_reader, migrator"
        )
    return name


def drop_database(cluster: Cluster, name: str) -> None:
    with psycopg.connect(cluster.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def database(cluster: Cluster) -> Iterator[str]:
    """A fresh clone of the migrated template, dropped afterwards."""
    name = create_database(cluster)
    yield name
    drop_database(cluster, name)


@pytest.fixture
def seeded_database(cluster: Cluster, database: str) -> str:
    """A clone with the demo seed (sql/seed/demo.sql) loaded."""
    with psycopg.connect(cluster.conninfo(database), autocommit=True) as conn:
        conn.execute((ROOT / "sql/seed/demo.sql").read_text(encoding="utf-8"))
    return database


def _ephemeral_port_start() -> int:
    try:
        with Path("/proc/sys/net/ipv4/ip_local_port_range").open(encoding="ascii") as range_file:
            return int(range_file.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


# Ports for the servers that tests start, chosen by the tests: just below the kernel's ephemeral
# range, where no other process's bind(0) or outgoing connection lands while a server is still
# starting (make run takes many seconds to bind its ports), and one block per pytest-xdist
# worker, so that the workers never pick the same port.
_PORTS = range(max(1024, _ephemeral_port_start() - 12288), _ephemeral_port_start())
_ports_given: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on now and not handed out before in this process."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    size = len(_PORTS) // workers
    block = range(_PORTS.start + worker * size, _PORTS.start + (worker + 1) * size)
    for _ in range(1000):
        port = random.choice(block) if size >= 64 else 0  # noqa: S311 (not a secret)
        if port in _ports_given:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = int(sock.getsockname()[1])
        _ports_given.add(port)
        return port
    raise RuntimeError(f"no free port in {block}")


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` until it is true; fail with `what` when `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} within {timeout} s")


def answers(url: str, status: int = 200) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == status
        except httpx.HTTPError:
            return False

    return check


@dataclass
class Service:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    admin_url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_service(
    command: list[str], env: dict[str, str], ready_url: str, log_path: Path
) -> subprocess.Popen[bytes]:
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
    )
    try:
        wait_until(
            answers(ready_url), STARTUP_TIMEOUT_SECONDS, f"{command[0]} ready at {ready_url}"
        )
    except TimeoutError:
        process.kill()
        raise
    return process


def start_fake_server(name: str, log_dir: Path, *args: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start `python -m tests.fakes.<name>_server` on a free loopback port and wait for its
    /_fake/health; a fake that dies at startup fails at once, with its output."""
    port = free_port()
    log_path = log_dir / f"fake-{name}-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", f"tests.fakes.{name}_server", "--host", "127.0.0.1",
         "--port", str(port), *args],
        cwd=ROOT, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    healthy = answers(f"{url}/_fake/health")
    try:
        wait_until(
            lambda: process.poll() is not None or healthy(), STARTUP_TIMEOUT_SECONDS, f"fake {name}"
        )
    except TimeoutError:
        process.kill()
        raise
    if process.poll() is not None:
        output = log_path.read_text(errors="replace")
        raise RuntimeError(f"fake {name} exited with {process.returncode}:\n{output}")
    return url, process


def stop_service(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def postgrest_for(cluster: Cluster, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start the real PostgREST binary on a database (of another cluster, with extra environment
    such as PGRST_DB_POOL, when given); stopped at teardown."""
    started: list[Service] = []

    def start(dbname: str, cluster_override: Cluster | None = None, **extra_env: str) -> Service:
        port, admin_port = free_port(), free_port()
        env = (cluster_override or cluster).env(dbname) | {
            "FRESHPLAN_POSTGREST_PORT": str(port),
            "FRESHPLAN_POSTGREST_ADMIN_PORT": str(admin_port),
            **extra_env,
        }
        log_path = tmp_path / f"postgrest-{port}.log"
        process = start_service(
            [str(ROOT / "scripts/postgrest")], env, f"http://127.0.0.1:{admin_port}/ready", log_path
        )
        service = Service(
            f"http://127.0.0.1:{port}", process, log_path, f"http://127.0.0.1:{admin_port}"
        )
        started.append(service)
        return service

    yield start
    for service in started:
        stop_service(service.process)


@pytest.fixture
def postgrest(postgrest_for: Callable[..., Service], seeded_database: str) -> Service:
    """PostgREST serving a seeded clone."""
    return postgrest_for(seeded_database)


@pytest.fixture
def api_for(cluster: Cluster, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start the real Litestar app (uvicorn) on a database; stopped at teardown."""
    started: list[Service] = []

    def start(dbname: str, cluster_override: Cluster | None = None, **extra_env: str) -> Service:
        target = cluster_override or cluster
        port = free_port()
        env = target.env(dbname) | {"FRESHPLAN_API_PORT": str(port), **extra_env}
        log_path = tmp_path / f"api-{port}.log"
        command = [
            str(ROOT / ".venv/bin/uvicorn"),
            "--factory",
            "api.app:create_app",
            "--no-proxy-headers",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ]
        # /schema answers whether or not the database is up: the app is listening.
        process = start_service(command, env, f"http://127.0.0.1:{port}/schema", log_path)
        service = Service(f"http://127.0.0.1:{port}", process, log_path)
        started.append(service)
        return service

    yield start
    for service in started:
        stop_service(service.process)


@pytest.fixture
def token_for(cluster: Cluster, seeded_database: str) -> Callable[..., str]:
    """Mint a token with the real `freshplan token` command."""

    def mint(email: str, *extra: str) -> str:
        result = run_freshplan(cluster, seeded_database, "token", "--email", email, *extra)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    return mint


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A throwaway Dovecot (tests/imap.py), removed with its mail after the test."""
    server = Dovecot(free_port())
    server.start()
    yield server
    server.remove()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker_for(cluster: Cluster, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real mail workers (`freshplan worker`) on a database; stopped at teardown."""
    started: list[WorkerProcess] = []

    def start(
        dbname: str,
        smtp_url: str,
        cluster_override: Cluster | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> WorkerProcess:
        target = cluster_override or cluster
        env = target.env(dbname) | {
            "FRESHPLAN_SMTP_URL": smtp_url,
            "FRESHPLAN_MAIL_RETRY_BASE_SECONDS": "0.2",
            "FRESHPLAN_WORKER_POLL_SECONDS": "0.2",
            **(extra_env or {}),
        }
        log_path = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/freshplan"), "worker"],
            env=env,
            cwd=ROOT,
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        worker = WorkerProcess(process, log_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            stop_service(worker.process)


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


@pytest.fixture
def clock(cluster: Cluster, seeded_database: str) -> Callable[[str | None], None]:
    """Fix the database's clock (app.now()) for everything that reads it, or release it (None)."""

    def set_clock(at: str | None) -> None:
        with psycopg.connect(cluster.conninfo(seeded_database), autocommit=True) as conn:
            if at is None:
                conn.execute("delete from app.clock_override")
            else:
                conn.execute(
                    "insert into app.clock_override (fixed_at) values (%s)"
                    " on conflict (singleton) do update set fixed_at = excluded.fixed_at",
                    [at],
                )

    return set_clock


def run_freshplan(cluster: Cluster, dbname: str, *args: str) -> subprocess.CompletedProcess[str]:
    freshplan = shutil.which("freshplan", path=str(ROOT / ".venv/bin"))
    assert freshplan, "the freshplan entry point is not installed in .venv"
    return subprocess.run(
        [freshplan, *args],
        env=cluster.env(dbname),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def feedback(
    cluster: Cluster,
    seeded_database: str,
    postgrest: Service,
    api_for: Callable[..., Service],
    token_for: Callable[..., str],
) -> Feedback:
    """A seeded database behind PostgREST and the feedback service (no rate limits in the way)."""
    return start_feedback(cluster, seeded_database, postgrest, api_for, token_for)
