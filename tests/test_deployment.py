"""Deployment (issue 14): the systemd units in deploy/systemd and the production environment file
deploy/freshplan.env.example (docs/deployment.md).

systemd does not run on this machine kind, so the test reads the units itself: a small reader for
the few unit-file rules they use (sections, keys that repeat, `%i`, `${VAR}` in ExecStart, the
environment systemd builds from Environment= and then EnvironmentFile=, later files winning). It
builds each process the way systemd would start it, points the release directory at this checkout
and the env file at a test database, and starts the commands: PostgREST, two service instances and
two workers in the production profile, healthy, mail going out, then stopped with SIGTERM as
`systemctl stop` does. `systemd-analyze verify` (installed by scripts/bootstrap) checks the units.
"""

from __future__ import annotations

import re
import secrets
import shlex
import shutil
import signal
import subprocess
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from api.core.auth import mint_token
from api.core.settings import DEV_JWT_SECRET, SettingsError, load_settings
from tests.conftest import ROOT, STARTUP_TIMEOUT_SECONDS, Cluster, answers, free_port, wait_until
from tests.metrics_support import parse
from tests.smtp import SmtpServer

UNIT_DIR = ROOT / "deploy/systemd"
ENV_EXAMPLE = ROOT / "deploy/freshplan.env.example"
RELEASE = "/opt/freshplan"  # WorkingDirectory= and the prefix of every ExecStart
SHARED_ENV = "/etc/freshplan/freshplan.env"
POSTGREST_UNIT = "freshplan-postgrest.service"
API_UNIT = "freshplan-api@.service"
WORKER_UNIT = "freshplan-worker@.service"
TARGET = "freshplan.target"
NO_DOTENV = Path("/nonexistent/.env")
FRESHFOODZ = "10000000-0000-4000-8000-000000000001"  # the demo tenant (sql/seed/demo.sql)


# ----------------------------------------------------------------------------- reading units


@dataclass(frozen=True)
class Unit:
    name: str
    sections: dict[str, list[tuple[str, str]]]

    def values(self, section: str, key: str) -> list[str]:
        return [value for name, value in self.sections.get(section, []) if name == key]

    def value(self, section: str, key: str) -> str:
        found = self.values(section, key)
        assert len(found) == 1, f"{self.name}: [{section}] {key}= set {len(found)} times"
        return found[0]


def read_unit(name: str) -> Unit:
    """Sections of `key=value` lines; `#`/`;` comments, trailing-backslash continuations."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: str | None = None
    pending = ""
    for raw in (UNIT_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{name}: not a key=value line: {raw!r}"
        assert current, f"{name}: a line before the first section: {raw!r}"
        sections[current].append((key.strip(), value.strip()))
    return Unit(name, sections)


def specifiers(text: str, instance: str | None) -> str:
    """systemd's %-specifiers the units use: %i / %I (the instance) and %%."""

    def one(match: re.Match[str]) -> str:
        letter = match.group(1)
        if letter == "%":
            return "%"
        assert letter in "iI", f"unexpected specifier %{letter} in {text!r}"
        assert instance is not None, f"%{letter} in a unit started without an instance"
        return instance

    return re.sub(r"%(.)", one, text)


def read_env_file(path: Path) -> dict[str, str]:
    """An EnvironmentFile= in the subset these files keep to: KEY=VALUE lines, comments on lines
    of their own, a value in double or single quotes; no `$` or backslash (systemd would expand
    or unescape them)."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not a KEY=VALUE line: {raw!r}"
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"{path}: not a variable: {raw!r}"
        value = value.strip()
        if value[:1] in ('"', "'"):
            assert len(value) >= 2, f"{path}: unclosed quote: {raw!r}"
            assert value.endswith(value[0]), f"{path}: unclosed quote: {raw!r}"
            value = value[1:-1]
        assert "$" not in value, f"{path}: systemd would expand the $ in {raw!r}"
        assert "\\" not in value, f"{path}: systemd would unescape the backslash in {raw!r}"
        values[key] = value
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    lines = []
    for key, value in values.items():
        assert not set(value) & set("\"'$\\\n"), f"{key}: cannot write {value!r}"
        lines.append(f'{key}="{value}"' if re.search(r"\s|[#;]", value) else f"{key}={value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


# What systemd puts into every service's environment before Environment= (systemd.exec(5),
# "Environment Variables in Spawned Processes"), for User=freshplan: nothing of the test's own.
def systemd_base_environment(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "USER": "freshplan",
        "LOGNAME": "freshplan",
        "SHELL": "/usr/sbin/nologin",
    }


@dataclass(frozen=True)
class Command:
    unit: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    stop_timeout: float


def localised(path: str) -> str:
    """A path in the release directory, moved to this checkout."""
    if path == RELEASE or path.startswith(f"{RELEASE}/"):
        return str(ROOT) + path.removeprefix(RELEASE)
    return path


def command_of(unit: Unit, instance: str | None, env_files: dict[str, Path], home: Path) -> Command:
    """The process systemd would start for `unit` (instance `instance`), with the env files it
    names read from `env_files` (unit path -> file the test wrote)."""
    service = unit.sections["Service"]
    env = systemd_base_environment(home)
    # Environment= first; EnvironmentFile= overrides it, files in their order (systemd.exec(5)).
    for key, value in service:
        if key == "Environment":
            for assignment in shlex.split(specifiers(value, instance)):
                name, sep, setting = assignment.partition("=")
                assert sep, f"{unit.name}: Environment={value}"
                env[name] = setting
    for key, value in service:
        if key == "EnvironmentFile":
            wanted = specifiers(value, instance)
            optional = wanted.startswith("-")
            wanted = wanted.removeprefix("-")
            if wanted in env_files:
                env.update(read_env_file(env_files[wanted]))
            else:
                assert optional, f"{unit.name}: the test wrote no {wanted}"

    def expand(word: str) -> str:
        def variable(match: re.Match[str]) -> str:
            assert match.group(1) in env, f"{unit.name}: ${{{match.group(1)}}} is not set"
            return env[match.group(1)]

        word = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", variable, word)
        assert "$" not in word, f"{unit.name}: only ${{VAR}} is expanded here: {word!r}"
        return localised(word)

    exec_start = unit.value("Service", "ExecStart")
    assert exec_start[:1] not in "-@+!:", f"{unit.name}: ExecStart prefixes are not used"
    argv = [expand(word) for word in shlex.split(specifiers(exec_start, instance))]
    cwd = Path(localised(specifiers(unit.value("Service", "WorkingDirectory"), instance)))
    return Command(unit.name, argv, env, cwd, seconds(unit.value("Service", "TimeoutStopSec")))


def seconds(span: str) -> float:
    match = re.fullmatch(r"(\d+)(s|min)?", span)
    assert match, f"a time span like 30s or 2min, not {span!r}"
    return float(match.group(1)) * (60 if match.group(2) == "min" else 1)


def clean_exit(returncode: int) -> bool:
    """What systemd calls a clean stop of a service (SuccessExitStatus= unset): exit 0, or death
    by SIGHUP, SIGINT, SIGTERM or SIGPIPE."""
    return returncode == 0 or -returncode in (
        signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE
    )  # fmt: skip


# ----------------------------------------------------------------------------- the unit files


ALL_UNITS = [POSTGREST_UNIT, API_UNIT, WORKER_UNIT]
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
    "RestrictSUIDSGID": "yes",
}


@pytest.mark.parametrize("name", ALL_UNITS)
def test_each_unit_runs_the_release_as_freshplan_with_the_shared_env_and_hardened(
    name: str,
) -> None:
    unit = read_unit(name)

    assert unit.value("Service", "User") == "freshplan"
    assert unit.value("Service", "WorkingDirectory") == RELEASE
    assert unit.values("Service", "EnvironmentFile")[0] == SHARED_ENV
    assert shlex.split(unit.value("Service", "ExecStart"))[0].startswith(f"{RELEASE}/")
    assert unit.value("Service", "Restart") == "on-failure"
    assert unit.value("Service", "KillSignal") == "SIGTERM"
    assert seconds(unit.value("Service", "TimeoutStopSec")) >= 30
    for key, value in HARDENING.items():
        assert unit.value("Service", key) == value, key
    # nothing is written: logs go to the journal, mail over SMTP
    assert not unit.values("Service", "ReadWritePaths")
    assert unit.value("Unit", "PartOf") == TARGET
    assert unit.value("Install", "WantedBy") == TARGET


def test_a_service_instance_is_its_port_with_a_metrics_port_of_its_own() -> None:
    unit = read_unit(API_UNIT)
    argv = shlex.split(unit.value("Service", "ExecStart"))

    assert argv[:3] == [f"{RELEASE}/.venv/bin/uvicorn", "--factory", "api.app:create_app"]
    assert argv[argv.index("--port") + 1] == "%i"
    assert "FRESHPLAN_API_PORT=%i" in unit.values("Service", "Environment")
    # the instance's own file, after the shared one, so that its metrics port wins
    assert unit.values("Service", "EnvironmentFile") == [SHARED_ENV, "/etc/freshplan/api-%i.env"]
    # the service reads X-Forwarded-For itself, from FRESHPLAN_TRUSTED_PROXIES only
    assert "--no-proxy-headers" in argv
    assert "--proxy-headers" not in argv


def test_workers_and_postgrest_run_the_projects_own_commands() -> None:
    worker = shlex.split(read_unit(WORKER_UNIT).value("Service", "ExecStart"))
    postgrest = shlex.split(read_unit(POSTGREST_UNIT).value("Service", "ExecStart"))

    assert worker == [f"{RELEASE}/.venv/bin/freshplan", "worker"]
    # through the script that refuses the dev secret, not the binary itself
    assert postgrest == [f"{RELEASE}/scripts/postgrest"]


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    # ExecStart must exist for verify, so the copies point at this checkout.
    for path in UNIT_DIR.iterdir():
        text = path.read_text(encoding="utf-8").replace(RELEASE, str(ROOT))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    names = [POSTGREST_UNIT, "freshplan-api@8001.service", "freshplan-worker@1.service", TARGET]

    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: scripts/bootstrap installs Debian's systemd"
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    # an unknown key or a bad value is only a warning: none at all
    assert result.stderr.strip() == "", result.stderr
    assert result.stdout.strip() == "", result.stdout


# ----------------------------------------------------------------------------- the env example


def variables_the_code_reads() -> set[str]:
    source = (ROOT / "api/core/settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"((?:FRESHPLAN|XENTRAL|ALLIANZ_TRADE|KAS)_[A-Z0-9_]+)"', source))
    # the AI providers' variables are built from the provider's name (api/core/settings.py)
    for provider in ("OPENAI", "ANTHROPIC"):
        names |= {
            f"{provider}_{part}" for part in ("API_KEY", "BASE_URL", "MODEL_SMALL", "MODEL_LARGE")
        }
    # scripts/postgrest and deploy/postgrest.conf
    return names | {"PGRST_DB_URI", "PGRST_SERVER_HOST", "PGRST_JWT_SECRET"}


def test_the_env_example_names_every_variable_and_sets_what_production_requires() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    example = read_env_file(ENV_EXAMPLE)

    missing = sorted(
        name for name in variables_the_code_reads() if not re.search(rf"\b{name}\b", text)
    )
    assert not missing, f"not in {ENV_EXAMPLE.name}: {missing}"
    assert example["FRESHPLAN_ENV"] == "production"
    for required in (
        "FRESHPLAN_JWT_SECRET", "PGRST_DB_URI", "FRESHPLAN_DATABASE_URL",
        "FRESHPLAN_JOBS_DATABASE_URL", "FRESHPLAN_SMTP_URL",
    ):  # fmt: skip
        assert required in example, required
    # per instance (the unit's port, its own metrics listener), never shared
    assert "FRESHPLAN_API_PORT" not in example
    assert "FRESHPLAN_METRICS_PORT" not in example
    assert "PGRST_JWT_SECRET" not in example  # one secret for PostgREST and the service


def test_the_env_example_refuses_to_start_until_a_secret_is_set_and_is_valid_then() -> None:
    example = read_env_file(ENV_EXAMPLE)
    instance = {"FRESHPLAN_API_PORT": "8001", "FRESHPLAN_METRICS_PORT": "9464"}

    # the secret is left empty on purpose: a copied example never starts with a known secret
    with pytest.raises(SettingsError, match="FRESHPLAN_JWT_SECRET"):
        load_settings(example | instance, NO_DOTENV)
    settings = load_settings(
        example | instance | {"FRESHPLAN_JWT_SECRET": secrets.token_urlsafe(36)}, NO_DOTENV
    )

    assert settings.env == "production"
    assert settings.http.metrics_port == 9464
    assert settings.http.trusted_proxies


# ----------------------------------------------------------------------------- the processes


@dataclass
class Started:
    command: Command
    log_path: Path
    process: subprocess.Popen[bytes] = field(init=False)

    def __post_init__(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command.argv, env=self.command.env, cwd=self.command.cwd,
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self, url: str) -> None:
        """Wait until `url` answers 200; a process that exits meanwhile fails at once."""
        up = answers(url)
        wait_until(lambda: not self.alive() or up(), STARTUP_TIMEOUT_SECONDS, f"{url} answering")
        assert self.alive(), (
            f"{self.command.unit} exited with {self.process.returncode}:\n{self.log()}"
        )


@dataclass
class Deployment:
    """The env files of one machine, written by the test, and the units started from them."""

    tmp_path: Path
    shared: dict[str, str]
    started: list[Started] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.tmp_path / "etc").mkdir()
        self.files = {SHARED_ENV: write_env_file(self.tmp_path / "etc/freshplan.env", self.shared)}

    def update(self, **values: str) -> None:
        """Change the shared file (before the units start)."""
        self.shared |= values
        write_env_file(self.files[SHARED_ENV], self.shared)

    def instance_env(self, port: int, values: dict[str, str]) -> None:
        path = self.tmp_path / f"etc/api-{port}.env"
        self.files[f"/etc/freshplan/api-{port}.env"] = write_env_file(path, values)

    def command(self, unit: str, instance: str | None = None) -> Command:
        return command_of(read_unit(unit), instance, self.files, self.tmp_path / "home")

    def start(self, unit: str, instance: str | None = None) -> Started:
        name = unit.replace("@.", f"@{instance}.") if instance else unit
        started = Started(self.command(unit, instance), self.tmp_path / f"{name}.log")
        self.started.append(started)
        return started


@pytest.fixture
def deployment(
    cluster: Cluster, seeded_database: str, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[Deployment]:
    """The example env file with the test's database, mail server, ports and a secret of its own:
    everything else (the production profile, trusted proxies, pool, mail sender) as shipped."""
    db = seeded_database
    socket_dir = urllib.parse.quote(cluster.host, safe="")
    shared = read_env_file(ENV_EXAMPLE) | {
        "FRESHPLAN_JWT_SECRET": f"deployment-test-{secrets.token_urlsafe(32)}",
        "PGRST_DB_URI": (
            f"postgresql://authenticator@/{db}?host={socket_dir}&port={cluster.port}"
            "&application_name=postgrest"
        ),
        "FRESHPLAN_DATABASE_URL": cluster.conninfo(db, "svc_api"),
        "FRESHPLAN_JOBS_DATABASE_URL": cluster.conninfo(db, "svc_jobs"),
        "FRESHPLAN_SMTP_URL": smtp_server.url,
        "FRESHPLAN_POSTGREST_PORT": str(free_port()),
        "FRESHPLAN_POSTGREST_ADMIN_PORT": str(free_port()),
        # the workers look for due retries often, so that the mail below goes out quickly
        "FRESHPLAN_WORKER_POLL_SECONDS": "0.2",
    }
    machine = Deployment(tmp_path, shared)
    yield machine
    for started in machine.started:
        if started.alive():
            started.process.kill()
            started.process.wait()


def sql(
    cluster: Cluster, dbname: str, query: str, params: list[object] | None = None
) -> list[tuple[object, ...]]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def health(url: str) -> dict[str, object]:
    response = httpx.get(f"{url}/health", timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def components_up(url: str, names: tuple[str, ...]) -> Callable[[], bool]:
    def check() -> bool:
        components = health(url)["components"]
        assert isinstance(components, dict)
        return all(components[name]["status"] == "up" for name in names)

    return check


def test_the_units_commands_start_healthy_in_production_and_stop_cleanly_on_sigterm(
    deployment: Deployment, cluster: Cluster, seeded_database: str, smtp_server: SmtpServer
) -> None:
    api_ports, metrics_ports = [free_port(), free_port()], [free_port(), free_port()]
    for api_port, metrics_port in zip(api_ports, metrics_ports, strict=True):
        deployment.instance_env(api_port, {"FRESHPLAN_METRICS_PORT": str(metrics_port)})
    # the workers' AI router: the first instance, on loopback (https elsewhere in production)
    deployment.update(FRESHPLAN_SERVICE_URL=f"http://127.0.0.1:{api_ports[0]}")
    postgrest_url = f"http://127.0.0.1:{deployment.shared['FRESHPLAN_POSTGREST_PORT']}"
    admin_url = f"http://127.0.0.1:{deployment.shared['FRESHPLAN_POSTGREST_ADMIN_PORT']}"

    postgrest = deployment.start(POSTGREST_UNIT)
    postgrest.ready(f"{admin_url}/ready")
    workers = [deployment.start(WORKER_UNIT, instance) for instance in ("1", "2")]
    services = [deployment.start(API_UNIT, str(port)) for port in api_ports]
    urls = [f"http://127.0.0.1:{port}" for port in api_ports]
    for service, url in zip(services, urls, strict=True):
        service.ready(f"{url}/health")
    for worker in workers:
        assert worker.alive(), (
            f"the worker exited with {worker.process.returncode}:\n{worker.log()}"
        )

    # PostgREST: ready, and it takes the deployment's secret, not the published dev one
    assert httpx.get(f"{admin_url}/live", timeout=10).status_code == 200
    claims = sql(
        cluster, seeded_database,
        "select sub::text, role, tenant_id::text, org_id::text"
        " from app_private.token_claims('rep1@freshfoodz.example', null)",
    )[0]  # fmt: skip
    claim_map = dict(zip(("sub", "role", "tenant_id", "org_id"), map(str, claims), strict=True))
    for secret, status in ((deployment.shared["FRESHPLAN_JWT_SECRET"], 200), (DEV_JWT_SECRET, 401)):
        token = mint_token(claim_map, secret, 300)
        whoami = httpx.post(
            f"{postgrest_url}/rpc/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert whoami.status_code == status, whoami.text

    # each service instance: the database, PostgREST and the workers' heartbeats up
    for url in urls:
        wait_until(components_up(url, ("database", "postgrest", "worker")), 60, f"{url}/health")
        assert health(url)["status"] in ("ok", "degraded")  # degraded: no AI keys, no connectors
    live = "select count(distinct worker_id) from app.worker_heartbeats"
    live += " where last_seen_at > now() - interval '1 minute'"
    assert sql(cluster, seeded_database, live) == [(2,)]

    # /metrics only on each instance's internal listener, never on its public port
    for url, metrics_port in zip(urls, metrics_ports, strict=True):
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 404
        scrape = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
        assert scrape.status_code == 200
        assert parse(scrape.text)["freshplan_metrics_database_up"][0][1] == 1

    # the workers share the queue and send over the configured SMTP server, each mail once
    sql(
        cluster, seeded_database,
        """
        insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key)
        select
            %s, 'mail.send', 'rep' || n || '@example.org', 'warning',
            jsonb_build_object(
                'company_name', 'Firma ' || n, 'postal_code', '10115', 'city', 'Berlin',
                'recipient_name', 'Rep ' || n, 'progress_due_at', '2027-01-01T09:00:00+00:00',
                'timezone', 'Europe/Berlin'),
            'deployment:' || n
        from generate_series(1, 6) as n
        """,
        [FRESHFOODZ],
    )  # fmt: skip
    done = "select count(*) from app.jobs where dedupe_key like 'deployment:%' and state = 'DONE'"
    wait_until(lambda: sql(cluster, seeded_database, done) == [(6,)], 60, "6 mails sent")
    assert len(smtp_server.by_message_id()) == 6

    # systemctl stop: SIGTERM, then each exits cleanly within its TimeoutStopSec
    for started in deployment.started:
        started.process.send_signal(signal.SIGTERM)
    for started in deployment.started:
        try:
            returncode = started.process.wait(timeout=started.command.stop_timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{started.command.unit} outlived its TimeoutStopSec:\n{started.log()}")
        assert clean_exit(returncode), f"{started.command.unit}: {returncode}\n{started.log()}"
    for service in services:
        assert "Application shutdown complete." in service.log()
    for worker in workers:
        assert "worker stopped" in worker.log()
    for metrics_port in metrics_ports:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2)


def test_a_service_instance_without_its_metrics_port_refuses_to_start(
    deployment: Deployment,
) -> None:
    port = free_port()
    deployment.instance_env(port, {})  # the instance's file exists, without the port

    refused = deployment.start(API_UNIT, str(port))
    try:
        returncode = refused.process.wait(timeout=STARTUP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the service started without FRESHPLAN_METRICS_PORT:\n{refused.log()}")

    assert not clean_exit(returncode)  # Restart=on-failure: systemd says why, again and again
    assert "FRESHPLAN_METRICS_PORT is required in production" in refused.log()
    assert "Traceback" not in refused.log()
