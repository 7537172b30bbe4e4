"""`make run` (scripts/run): the whole system comes up, answers, stops quietly on a requested stop
and loudly when a service dies on its own, a second run reuses the data, and a local database
built by an older migration layout is rebuilt when it holds demo data only (and never otherwise)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import ROOT, free_port, wait_until

REBUILD_MESSAGE = (
    "the local database was built by an older migration layout and holds demo data only:"
    " rebuilding it"
)
REFUSED_MESSAGE = "it is not rebuilt automatically"
# The last commit before the migrations V001-V032 are consolidated into a new baseline.
PRE_CONSOLIDATION = "59b3d90"


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
            # A terminal starts make run with Ctrl-C at its default. pytest may itself run with
            # SIGINT ignored (scripts/test starts it in the background, and a background job of
            # a script ignores SIGINT), and an ignored SIGINT is inherited and cannot be trapped
            # by scripts/run: reset it, as the terminal would have it.
            self.process = subprocess.Popen(
                ["env", "--default-signal=INT", str(ROOT / "scripts/run")],
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

    def run_to_exit(self) -> int:
        """A run that is expected to stop by itself (e.g. refusing to start)."""
        return self.launch().wait(timeout=180)

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
            "FRESHPLAN_AI_FAKE_OPENAI_PORT",
            "FRESHPLAN_AI_FAKE_ANTHROPIC_PORT",
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

    def conninfo(self) -> str:
        host = self.env["FRESHPLAN_PG_HOST"]  # exported by scripts/test (lib.sh)
        return f"host={host} port={self.env['FRESHPLAN_PG_PORT']} dbname=freshplan user=postgres"

    def cluster(self, command: str) -> None:
        subprocess.run(
            [str(ROOT / "scripts/pgcluster"), command],
            env=self.env,
            check=True,
            timeout=120,
            capture_output=True,
        )

    def token(self, email: str) -> str:
        result = subprocess.run(
            [str(ROOT / ".venv/bin/freshplan"), "token", "--email", email],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def assert_demo_seed_works(self) -> None:
        postgrest = f"http://127.0.0.1:{self.env['FRESHPLAN_POSTGREST_PORT']}"
        rep = {"Authorization": f"Bearer {self.token('rep1@freshfoodz.example')}"}
        whoami = httpx.post(f"{postgrest}/rpc/whoami", headers=rep, timeout=10)
        assert whoami.status_code == 200, whoami.text
        assert whoami.json()["role"] == "sales_rep"
        # no provider keys: the AI router answers from the local fakes, and says so
        api = f"http://127.0.0.1:{self.env['FRESHPLAN_API_PORT']}"
        answer = httpx.post(
            f"{api}/api/ai/contact_role_detect",
            json={"text": "Küchenchef"},
            headers=rep,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["provider"] == "openai"
        health = httpx.get(f"{api}/health", timeout=10).json()
        assert "local fake providers" in health["components"]["ai"]["detail"]
        assert "LOCAL FAKE providers" in self.latest()


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
        "FRESHPLAN_AI_FAKE_OPENAI_PORT": str(free_port()),
        "FRESHPLAN_AI_FAKE_ANTHROPIC_PORT": str(free_port()),
        "FRESHPLAN_XENTRAL_FAKE_PORT": str(free_port()),
        "FRESHPLAN_ALLIANZ_FAKE_PORT": str(free_port()),
        "FRESHPLAN_KAS_FAKE_PORT": str(free_port()),
    }
    for key in (
        "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL",
        "XENTRAL_BASE_URL", "XENTRAL_TOKEN", "ALLIANZ_TRADE_BASE_URL", "ALLIANZ_TRADE_API_KEY",
        "ALLIANZ_TRADE_POLICY_ID", "FRESHPLAN_IMAP_URL", "KAS_LOGIN", "KAS_PASSWORD",
        "KAS_BASE_URL",
    ):  # fmt: skip
        env.pop(key, None)  # without keys, make run starts the local fake providers
    env.pop("FRESHPLAN_PG_PROFILE", None)
    env.pop("FLYWAY_LOCATIONS", None)
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


@pytest.mark.slow
def test_make_run_serves_stops_quietly_on_request_loudly_on_a_crash_and_reuses_data(
    run: Run, tmp_path: Path
) -> None:
    run.start()
    postgrest = f"http://127.0.0.1:{run.env['FRESHPLAN_POSTGREST_PORT']}"
    admin = {"Authorization": f"Bearer {printed_token(run.output(), 'admin')}"}
    rep = {"Authorization": f"Bearer {printed_token(run.output(), 'rep')}"}
    assert httpx.post(f"{postgrest}/rpc/whoami", headers=rep).json()["role"] == "sales_rep"
    # without credentials the connectors' fakes run, and the banner says so
    assert "LOCAL FAKE Xentral" in run.output()
    assert "LOCAL FAKE Allianz Trade" in run.output()
    assert "LOCAL FAKE KAS" in run.output()
    assert "Inbound mail             off: no FRESHPLAN_IMAP_URL set" in run.output()
    service = f"http://127.0.0.1:{run.env['FRESHPLAN_API_PORT']}"
    health = httpx.get(f"{service}/health").json()
    assert {"xentral", "allianz", "kas"} <= set(health["components"]), health
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

    # The next run reuses the cluster and its data. A new migration on the branch is pending, not
    # an "older layout": it is applied and nothing is rebuilt. Then Ctrl-C in a terminal: SIGINT to
    # the whole process group at once (scripts/run, PostgREST, the worker, the API service).
    extra = tmp_path / "extra_migrations"
    extra.mkdir()
    (extra / "V900__pending_probe.sql").write_text("create table app.pending_probe (id int);\n")
    run.env["FLYWAY_LOCATIONS"] = f"filesystem:{ROOT}/sql/migrations,filesystem:{extra}"
    run.start()
    assert run.output().count("creating cluster") == 1, "the second run must reuse the cluster"
    assert REBUILD_MESSAGE not in run.latest()
    accounts = httpx.get(f"{postgrest}/user_accounts", headers=admin).json()
    assert "kept@freshfoodz.example" in {account["email"] for account in accounts}
    with psycopg.connect(run.conninfo()) as conn:
        probe = conn.execute("select to_regclass('app.pending_probe')::text").fetchone()
    assert probe == ("app.pending_probe",)
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


def tamper_history(run: Run) -> None:
    """Make the applied V001 look like a different file, as a consolidated baseline does."""
    with psycopg.connect(run.conninfo()) as conn:
        conn.execute(
            "update flyway.flyway_schema_history set checksum = checksum + 1 where version = '001'"
        )


def v001_checksum(run: Run) -> int:
    with psycopg.connect(run.conninfo()) as conn:
        row = conn.execute(
            "select checksum from flyway.flyway_schema_history where version = '001'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_make_run_rebuilds_an_outdated_demo_database_and_refuses_one_with_real_data(
    run: Run,
) -> None:
    run.start()
    released = v001_checksum(run)
    tamper_history(run)
    assert run.stop(signal.SIGTERM) == 0

    # Demo data only, local profile: dropped and built again from sql/migrations and the seed.
    run.start()
    assert REBUILD_MESSAGE in run.latest()
    assert v001_checksum(run) == released
    run.assert_demo_seed_works()
    with psycopg.connect(run.conninfo()) as conn:  # the scheduled rules run again
        launchers = conn.execute(
            "select count(*) from pg_stat_activity"
            " where backend_type = 'pg_cron launcher' and datname = 'freshplan'"
        ).fetchone()
    assert launchers == (1,)

    # The same history, but a tenant that is not demo data: refused, nothing touched.
    tamper_history(run)
    with psycopg.connect(run.conninfo()) as conn:
        conn.execute("insert into app.tenants (slug, name) values ('acme-gastro', 'Acme Gastro')")
    assert run.stop(signal.SIGTERM) == 0
    assert run.run_to_exit() != 0
    out = run.latest()
    assert REFUSED_MESSAGE in out, out
    assert "acme-gastro" in out, out
    assert "checksum mismatch for migration version 001" in out, out
    assert REBUILD_MESSAGE not in out, out
    assert "FreshPlan is running" not in out, out
    run.assert_all_stopped()
    run.cluster("start")
    with psycopg.connect(run.conninfo()) as conn:
        assert conn.execute(
            "select count(*) from app.tenants where slug = 'acme-gastro'"
        ).fetchone() == (1,)
        conn.execute("delete from app.tenants where slug = 'acme-gastro'")

    # Demo data only, but not the local profile: refused as well.
    run.env["FRESHPLAN_ENV"] = "test"
    assert run.run_to_exit() != 0
    out = run.latest()
    assert REFUSED_MESSAGE in out, out
    assert "FRESHPLAN_ENV is test" in out, out
    assert REBUILD_MESSAGE not in out, out
    run.assert_all_stopped()
    run.cluster("start")
    assert v001_checksum(run) == released + 1, "a refused database must stay as it was"
    run.cluster("stop")


def flyway_lines(path: Path) -> list[str]:
    """A migration's text as Flyway checksums it: line by line, without a byte order mark."""
    return path.read_text(encoding="utf-8").removeprefix("\ufeff").splitlines()


def test_make_run_starts_on_a_database_built_by_the_pre_consolidation_migrations(
    run: Run, tmp_path: Path
) -> None:
    known = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{PRE_CONSOLIDATION}^{{commit}}"],
        check=False,
        capture_output=True,
    )
    assert known.returncode == 0, f"commit {PRE_CONSOLIDATION} is not in this clone (shallow?)"
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", PRE_CONSOLIDATION, "sql/migrations", "sql/seed"],
        check=True,
        capture_output=True,
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)

    # The database as a developer's `make run` on that commit left it.
    run.cluster("start")
    migrated = subprocess.run(
        [
            str(ROOT / "scripts/flyway/run"),
            "-q",
            "migrate",
            f"-locations=filesystem:{old}/sql/migrations",
        ],
        env=run.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with psycopg.connect(run.conninfo(), autocommit=True) as conn:
        conn.execute((old / "sql/seed/demo.sql").read_text(encoding="utf-8"))
    run.cluster("stop")

    # Flyway refuses that history once any released V file changed or is gone.
    current = ROOT / "sql/migrations"
    layout_changed = any(
        not (current / released.name).is_file()
        or flyway_lines(released) != flyway_lines(current / released.name)
        for released in sorted((old / "sql/migrations").glob("V*.sql"))
    )

    run.start()
    assert (REBUILD_MESSAGE in run.latest()) == layout_changed, run.latest()
    run.assert_demo_seed_works()
    assert run.stop(signal.SIGTERM) == 0
    run.assert_stopped_quietly()
