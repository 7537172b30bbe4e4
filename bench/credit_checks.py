"""The Allianz Trade credit-check benchmark (the credit-check rows of SPEC 10.1): bench/run credit.

    bench/credit_checks.py run --out results.json   (FRESHPLAN_PG_* name a migrated database with
                                                     the demo seed; superuser over the socket)
    bench/credit_checks.py report results.json      (the Markdown tables)

`run` starts the local Allianz Trade fake (tests/fakes/allianz_server.py) and the real service
(uvicorn, one process, its default DB pool) pointed at it, registers two leads as rep1 with a VAT
id each (app.lead_details.vat_id, set as postgres), mints rep1's token with `freshplan token`, and
measures:

1. A check answered from the 8-hour cache (`POST /api/credit-checks {"lead_id"}` after one live
   check of the lead filled it), in four ways, because "500 concurrent" means different things:
   - one request at a time (wrk, 1 connection): the latency without any queueing;
   - closed loop, 500 connections (wrk): 500 requests in flight all the time, each connection
     sending its next request when the last one answered. On 2 cores this measures throughput;
     by Little's law the latency is 500 / throughput, whatever the code does;
   - bursts of 500 at once: 500 keep-alive connections opened first, then one request on each,
     all sent together (five bursts); the last answer comes after 500 / throughput;
   - open loop at a fixed rate: request i is due at start + i / rate whatever happened before,
     latency from that due time (no coordinated omission); as many requests are in flight as the
     rate times the latency.
   The fake's request log and app.credit_checks show that none of these reached Allianz Trade or
   stored anything. The service's own request log (duration_ms per request, told apart by the
   X-Request-Id each phase sends) gives the time inside the service, next to the client's.
2. Collapse: a second service process; the first company lookup made slow with a fake fault
   (`slow`, 0.5 s, on /search/v2/companies/matching, once) so that all requests are in flight
   together; 100 uncached checks of one company at once, alternating between the two processes;
   counted in the fake's request log: company lookups and grade requests (target: exactly 1).

The cached and the burst/open-loop clients are wrk (C) and a minimal HTTP/1.1 client on raw
asyncio streams (a few tens of microseconds of CPU per request; httpx's pool costs far more and
would take CPU from the processes under test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from procstat import children, cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "fake-allianz-api-key-0123456789"  # the local fake's key (tests/allianz_support.py)
POLICY_ID = "POL-123456"
REP = "rep1@freshfoodz.example"
MATCHING = "/search/v2/companies/matching"
COVERS = "/riskinfo/v3/covers"
JOBS = "/riskinfo/v3/jobs/"
AUTHORIZE = "/v1/idp/oauth2/authorize"
TARGET_CACHED_P95_MS = 20.0
CONCURRENT = 500
COLLAPSE_CALLS = 100
COLLAPSE_DELAY_S = 0.5
BURSTS = 5
SERVICE = [
    str(ROOT / ".venv/bin/uvicorn"), "--factory", "api.app:create_app", "--host", "127.0.0.1",
    "--no-access-log",
]  # fmt: skip
# the two leads: one for the cache (company 71), one for the collapse (company 72)
CACHED_N, COLLAPSE_N = 71, 72


def log(message: str) -> None:
    print(f"[credit] {message}", file=sys.stderr, flush=True)


def conninfo() -> str:
    env = os.environ
    host = env.get("FRESHPLAN_PG_HOST", "/tmp")  # noqa: S108 - the socket directory
    return (
        f"host={host} port={env['FRESHPLAN_PG_PORT']} dbname={env['FRESHPLAN_PG_DATABASE']}"
        " user=postgres application_name=bench"
    )


def sql(statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank (as the other benchmarks)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def count(values: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for value in values:
        found[str(value)] = found.get(str(value), 0) + 1
    return dict(sorted(found.items()))


# ------------------------------------------------------------------------------------ processes


def start(
    command: list[str], env: dict[str, str], log_path: Path, ready_url: str, what: str
) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited; {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(process)
    raise SystemExit(f"{what} did not become ready; see {log_path}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def service_env(fake: str, db_pool: int) -> dict[str, str]:
    env = os.environ
    host = env.get("FRESHPLAN_PG_HOST", "/tmp")  # noqa: S108 - the socket directory
    return {
        **env,
        "FRESHPLAN_DATABASE_URL": (
            f"host={host} port={env['FRESHPLAN_PG_PORT']} "
            f"dbname={env['FRESHPLAN_PG_DATABASE']} user=svc_api"
        ),
        "FRESHPLAN_DB_POOL_MAX": str(db_pool),
        "ALLIANZ_TRADE_BASE_URL": fake,
        "ALLIANZ_TRADE_API_KEY": API_KEY,
        "ALLIANZ_TRADE_POLICY_ID": POLICY_ID,
    }


def start_service(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    return start(
        [*SERVICE, "--port", str(port)],
        env | {"FRESHPLAN_API_PORT": str(port)},
        log_path,
        f"http://127.0.0.1:{port}/health",
        f"the service on port {port}",
    )


def token(email: str) -> str:
    result = subprocess.run(
        [str(ROOT / ".venv/bin/freshplan"), "token", "--email", email],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def postmaster_pid() -> int:
    directory = sql("show data_directory")[0][0]
    return int((Path(directory) / "postmaster.pid").read_text().split()[0])


@dataclass
class Cpu:
    """CPU seconds so far of the service processes, PostgreSQL (postmaster and its children),
    this process, the children it waited for (wrk), and the machine as (busy, total) jiffies."""

    at: float
    services: float
    database: dict[int, float]
    generator: float
    waited: float
    machine: tuple[int, int]

    @classmethod
    def take(cls, services: list[int], postmaster: int) -> Cpu:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(
            time.monotonic(),
            sum(cpu_seconds(pid) for pid in services),
            {pid: cpu_seconds(pid) for pid in [postmaster, *children(postmaster)]},
            time.process_time(),
            used.ru_utime + used.ru_stime,
            (sum(values) - values[3] - values[4], sum(values)),
        )

    def percent_until(self, end: Cpu) -> dict[str, float]:
        """Per cent of one core each; `machine` in per cent of all cores."""
        wall = end.at - self.at
        database = sum(
            end.database[p] - self.database[p] for p in self.database.keys() & end.database.keys()
        )
        generator = end.generator - self.generator + end.waited - self.waited
        total = max(1, end.machine[1] - self.machine[1])
        return {
            "service": 100 * (end.services - self.services) / wall,
            "postgres": 100 * database / wall,
            "load generator": 100 * generator / wall,
            "machine": 100 * (end.machine[0] - self.machine[0]) / total,
        }


# ------------------------------------------------------------------------------------ fixtures


def company(n: int) -> dict[str, Any]:
    """A company of the fake, as tests/allianz_support.company(n) builds them."""
    return {
        "companyId": str(1000 + n),
        "companyName": f"Gasthaus {n:03d} GmbH",
        "streetName": f"Hauptstraße {n}",
        "town": "Berlin",
        "postalCode": f"{10000 + n:05d}",
        "countryCode": "DE",
        "vatId": f"DE{100000000 + n}",
        "grade": "4",
        "decision": "agreed",
    }


def register_lead(email: str, name: str, postal_code: str, vat_id: str) -> str:
    """api.register_lead as the user (their role and claims, as PostgREST sets them), then the
    VAT id the company is matched by, as postgres."""
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        user = conn.execute(
            "select id, tenant_id, org_id, role from app.users where email = %s", [email]
        ).fetchone()
        assert user is not None, email
        claims = {"role": user[3], "sub": str(user[0]), "tenant_id": str(user[1]),
                  "org_id": str(user[2])}  # fmt: skip
        with conn.transaction():
            conn.execute("select set_config('role', %s, true)", [user[3]])
            conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
            row = conn.execute(
                "select id from api.register_lead(%s, %s, 'Berlin')", [name, postal_code]
            ).fetchone()
        assert row is not None
        conn.execute("update app.lead_details set vat_id = %s where lead_id = %s", [vat_id, row[0]])
    return str(row[0])


class Fake:
    def __init__(self, url: str) -> None:
        self.url = url

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/_fake/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def forget(self) -> None:
        """The request log, the faults and the token count (not companies, jobs or tokens)."""
        self.control("DELETE", "requests")

    def upstream(self) -> dict[str, int]:
        """What reached the fake since the last forget(), by route."""
        log_ = self.control("GET", "requests")
        found = {"company lookups": 0, "grade requests": 0, "job polls": 0, "cover reads": 0,
                 "authorisations": 0, "all": len(log_["requests"])}  # fmt: skip
        for r in log_["requests"]:
            method, path = r["method"], r["path"]
            if (method, path) == ("POST", MATCHING):
                found["company lookups"] += 1
            elif (method, path) == ("POST", COVERS):
                found["grade requests"] += 1
            elif method == "GET" and path.startswith(JOBS):
                found["job polls"] += 1
            elif method == "GET" and path.startswith(COVERS + "/"):
                found["cover reads"] += 1
            elif path == AUTHORIZE:
                found["authorisations"] += 1
        return found


# ------------------------------------------------------------------------------------ HTTP


def post_bytes(port: int, bearer: str, body: dict[str, Any], request_id: str) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST /api/credit-checks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {bearer}\r\nContent-Type: application/json\r\n"
        f"X-Request-Id: {request_id}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class Connection:
    """One keep-alive HTTP/1.1 connection to the service: a request out, its answer read by
    Content-Length (the service never sends chunked JSON)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.closed = False

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def exchange(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            if key == "content-length":
                length = int(value)
            elif key == "transfer-encoding":
                raise ValueError("a chunked answer")
            elif key == "connection" and value.strip().lower() == "close":
                self.closed = True
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.closed = True
        self.writer.close()


HTTP_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


@dataclass
class Answer:
    latency_ms: float
    status: int  # 0: no answer
    body: bytes


async def burst(ports: list[int], raws: list[bytes]) -> tuple[list[Answer], float]:
    """One request on each of len(raws) connections (opened first, round-robin over the
    ports), all sent at once; latency from the common start. (answers, wall seconds)"""
    loop = asyncio.get_running_loop()
    connections = await asyncio.gather(
        *(Connection.open(ports[i % len(ports)]) for i in range(len(raws)))
    )
    await asyncio.sleep(0.5)  # let the service accept them all before the clock starts
    start = loop.time()

    async def one(conn: Connection, raw: bytes) -> Answer:
        try:
            status, body = await conn.exchange(raw)
        except HTTP_ERRORS as exc:
            status, body = 0, type(exc).__name__.encode()
        return Answer((loop.time() - start) * 1000, status, body)

    answers = await asyncio.gather(*(one(c, r) for c, r in zip(connections, raws, strict=True)))
    wall = loop.time() - start
    for conn in connections:
        conn.close()
    return list(answers), wall


@dataclass
class Due:
    phase: str  # warmup | measured
    latency_ms: float  # from the due time to the end of the answer
    lag_ms: float  # from the due time to the send (the load generator's own delay)
    status: int


async def open_loop(
    port: int, raw: bytes, *, rate: float, warmup_s: float, seconds: float, max_connections: int
) -> tuple[list[Due], int, int]:
    """Request i is due at start + i / rate and sent then on an idle connection (a new one when
    none is idle, at most max_connections); (records, connections opened, most in flight)."""
    loop = asyncio.get_running_loop()
    idle = [await Connection.open(port) for _ in range(8)]
    opened, in_flight, peak = len(idle), 0, 0
    gate = asyncio.Semaphore(max_connections)
    records: list[Due] = []
    total, warm = round((warmup_s + seconds) * rate), round(warmup_s * rate)

    async def one(i: int, due: float) -> None:
        nonlocal opened, in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        async with gate:
            sent = loop.time()
            conn = idle.pop() if idle else None
            status = 0
            try:
                if conn is None:
                    conn = await Connection.open(port)
                    opened += 1
                status, _ = await conn.exchange(raw)
            except HTTP_ERRORS:
                if conn is not None:
                    conn.close()
            end = loop.time()
            if conn is not None and not conn.closed:
                idle.append(conn)
        in_flight -= 1
        phase = "warmup" if i < warm else "measured"
        records.append(Due(phase, (end - due) * 1000, (sent - due) * 1000, status))

    start = loop.time() + 0.1
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return records, opened, peak


# ------------------------------------------------------------------------------------ wrk

WRK_LUA = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = %(authorization)s
wrk.headers["X-Request-Id"] = %(request_id)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "us": %%d, "non_2xx": %%d, "socket_errors": %%d, '
    .. '"connect_errors": %%d, "timeouts": %%d, '
    .. '"p50": %%.3f, "p95": %%.3f, "p99": %%.3f, "max": %%.3f, "mean": %%.3f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    e.connect, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
"""


def lua_string(text: str) -> str:
    if "]====]" in text:
        raise ValueError("text closes the Lua long bracket")
    return f"[====[{text}]====]"


def wrk_script(path: Path, bearer: str, body: dict[str, Any], request_id: str) -> Path:
    path.write_text(
        WRK_LUA
        % {
            "body": lua_string(json.dumps(body)),
            "authorization": lua_string(f"Bearer {bearer}"),
            "request_id": lua_string(request_id),
        }
    )
    return path


def wrk(
    url: str, script: Path, seconds: float, connections: int, cpu: Callable[[], Cpu]
) -> dict[str, Any]:
    """One closed-loop wrk run: latency (ms, send to end of answer), answers, req/s, CPU."""
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds:g}s",
        "--timeout", "30s", "-s", str(script), url,
    ]  # fmt: skip
    before = cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    after = cpu()
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKJSON "))
    got = json.loads(line.removeprefix("WRKJSON "))
    return {
        "command": " ".join([*command[:-3], "<script>", "<url>"]),
        "latency_ms": {"n": got["requests"]}
        | {k: got[k] for k in ("p50", "p95", "p99", "max", "mean")},
        "statuses": {
            "2xx": got["requests"] - got["non_2xx"],
            "non-2xx": got["non_2xx"],
            "socket errors": got["socket_errors"],
        },
        "req_per_s": got["requests"] / (got["us"] / 1e6),
        "cpu_pct": before.percent_until(after),
    }


def server_durations(log_paths: list[Path]) -> dict[str, dict[str, list[float]]]:
    """duration_ms of every credit-check request in the service logs, by its X-Request-Id (each
    phase sends its own; the burst and collapse ids end in .<n>), then by the answer's status."""
    found: dict[str, dict[str, list[float]]] = {}
    for path in log_paths:
        for line in path.read_text(errors="replace").splitlines():
            if '"event": "request"' not in line or "/api/credit-checks" not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            key = str(entry.get("request_id", "")).split(".", 1)[0]
            by_status = found.setdefault(key, {})
            by_status.setdefault(str(entry["status"]), []).append(float(entry["duration_ms"]))
    return found


# ------------------------------------------------------------------------------------ steps


def check_once(port: int, bearer: str, lead_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/credit-checks",
        json={"lead_id": lead_id},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=60,
    )
    if response.status_code != 200:
        raise SystemExit(f"the credit check answered {response.status_code}: {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


def stored_checks() -> int:
    return int(sql("select count(*) from app.credit_checks")[0][0])


def cached(
    args: argparse.Namespace, *, port: int, fake: Fake, bearer: str, lead_id: str,
    cpu: Callable[[], Cpu],
) -> dict[str, Any]:  # fmt: skip
    """Row 1: the lead's grade from the cache, one at a time, closed loop, bursts, open loop."""
    out_dir = Path(args.out).parent
    url = f"http://127.0.0.1:{port}/api/credit-checks"
    live = check_once(port, bearer, lead_id)
    again = check_once(port, bearer, lead_id)
    if (live["source"], again["source"], again["check_id"]) != ("live", "cache", live["check_id"]):
        raise SystemExit(f"the cache does not answer: {live} then {again}")
    fake.forget()
    rows_before = stored_checks()
    body = {"lead_id": lead_id}
    result: dict[str, Any] = {"first": live, "concurrency": CONCURRENT}

    one_script = wrk_script(out_dir / "credit-wrk-one.lua", bearer, body, "bench-one")
    wrk(url, one_script, args.warmup_seconds, 1, cpu)
    result["one_at_a_time"] = wrk(url, one_script, args.one_seconds, 1, cpu)
    log(f"cached, one at a time: p50 {result['one_at_a_time']['latency_ms']['p50']:.2f} ms")

    warm = wrk_script(out_dir / "credit-wrk-warm.lua", bearer, body, "bench-warm")
    wrk(url, warm, args.warmup_seconds, CONCURRENT, cpu)
    closed = wrk_script(out_dir / "credit-wrk-closed.lua", bearer, body, "bench-closed")
    result["closed_loop"] = wrk(url, closed, args.seconds, CONCURRENT, cpu)
    got = result["closed_loop"]
    log(
        f"cached, closed loop of {CONCURRENT}: {got['req_per_s']:.0f} req/s, "
        f"p95 {got['latency_ms']['p95']:.1f} ms, {got['statuses']}"
    )

    answers: list[Answer] = []
    walls = []
    before = cpu()
    for n in range(BURSTS):
        raws = [post_bytes(port, bearer, body, f"bench-burst.{n}-{i}") for i in range(CONCURRENT)]
        got_burst, wall = asyncio.run(burst([port], raws))
        answers += got_burst
        walls.append(wall)
        log(f"cached, burst {n + 1}/{BURSTS} of {CONCURRENT}: all answered in {wall:.3f} s")
    result["bursts"] = {
        "bursts": BURSTS,
        "wall_s": walls,
        "statuses": count([a.status for a in answers]),
        "sources": count([json.loads(a.body).get("source") for a in answers if a.status == 200]),
        "latency_ms": summary([a.latency_ms for a in answers]),
        "req_per_s": len(answers) / sum(walls),
        "cpu_pct": before.percent_until(cpu()),
    }

    raw = post_bytes(port, bearer, body, "bench-open.0")
    before = cpu()
    records, opened, peak = asyncio.run(
        open_loop(
            port,
            raw,
            rate=args.rate,
            warmup_s=args.warmup_seconds,
            seconds=args.seconds,
            max_connections=CONCURRENT,
        )
    )
    measured = [r for r in records if r.phase == "measured"]
    result["open_loop"] = {
        "rate": args.rate,
        "seconds": args.seconds,
        "warmup_s": args.warmup_seconds,
        "statuses": count([r.status for r in measured]),
        "latency_ms": summary([r.latency_ms for r in measured if r.status == 200]),
        "lag_ms": summary([r.lag_ms for r in measured]),
        "connections_opened": opened,
        "most_in_flight": peak,
        "cpu_pct": before.percent_until(cpu()),
    }
    got = result["open_loop"]
    log(
        f"cached, open loop at {args.rate:g} req/s: p95 {got['latency_ms']['p95']:.1f} ms, "
        f"{got['statuses']}, at most {peak} in flight"
    )
    result["upstream"] = fake.upstream()
    result["stored_meanwhile"] = stored_checks() - rows_before
    return result


def collapse(
    args: argparse.Namespace, ports: list[int], fake: Fake, bearer: str, lead_id: str
) -> dict[str, Any]:
    """Row 2: 100 uncached checks of one company at once over two service processes."""
    fake.forget()  # the log, and the faults: the slow one goes in afterwards
    fault = {"mode": "slow", "delay": COLLAPSE_DELAY_S, "path": MATCHING, "times": 1}
    fake.control("POST", "faults", {"faults": [fault]})
    raws = [
        post_bytes(ports[i % 2], bearer, {"lead_id": lead_id}, f"bench-collapse.{i}")
        for i in range(COLLAPSE_CALLS)
    ]
    answers, wall = asyncio.run(burst(ports, raws))
    bodies = []
    for a in answers:
        try:
            bodies.append(json.loads(a.body))
        except ValueError:
            bodies.append({"error": a.body.decode(errors="replace")[:200]})
    ok = [b for a, b in zip(answers, bodies, strict=True) if a.status == 200]
    failed = [
        {"status": a.status, "code": b.get("code"), "detail": b.get("detail") or b.get("title")}
        for a, b in zip(answers, bodies, strict=True)
        if a.status != 200
    ]
    rows = sql(
        "select status, count(*) from app.credit_checks where lead_id = %s group by 1", [lead_id]
    )
    result = {
        "calls": COLLAPSE_CALLS,
        "processes": len(ports),
        "db_pool_max": args.db_pool,
        "db_pool_timeout_s": float(os.environ.get("FRESHPLAN_DB_POOL_TIMEOUT", "3")),
        "fault": fault,
        "wall_s": wall,
        "statuses": count([a.status for a in answers]),
        "sources": count([b.get("source") for b in ok]),
        "check_ids": len({b.get("check_id") for b in ok}),
        "grades": count([b.get("grade") for b in ok]),
        "failed": failed[:10],
        "latency_ms": summary([a.latency_ms for a in answers]),
        "upstream": fake.upstream(),
        "stored": dict(rows),
    }
    log(
        f"collapse: {result['statuses']} in {wall:.2f} s; upstream {result['upstream']}; "
        f"sources {result['sources']}"
    )
    return result


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = " + working tree changes" if git("status", "--porcelain", "--", "api", "sql") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def cmd_run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out_dir = out.parent
    t0 = time.monotonic()
    fake_port, ports = free_port(), [free_port(), free_port()]
    fake = Fake(f"http://127.0.0.1:{fake_port}")
    processes: list[subprocess.Popen[bytes]] = []
    result: dict[str, Any] = {
        "commit": code_version(),
        "cores": os.cpu_count(),
        "server": {
            name: sql(f"show {name}")[0][0]
            for name in ("server_version", "fsync", "synchronous_commit", "max_connections")
        },
        "db_pool_max": args.db_pool,
        "log_level": os.environ.get("FRESHPLAN_LOG_LEVEL", "INFO"),
    }
    try:
        fake_command = [
            sys.executable, "-m", "tests.fakes.allianz_server", "--port", str(fake_port),
            "--api-key", API_KEY, "--policy-id", POLICY_ID,
        ]  # fmt: skip
        processes.append(
            start(
                fake_command,
                dict(os.environ),
                out_dir / "credit-fake.log",
                f"{fake.url}/_fake/health",
                "the Allianz Trade fake",
            )
        )
        fake.control("PUT", "companies", {"companies": [company(CACHED_N), company(COLLAPSE_N)]})
        leads = {
            n: register_lead(REP, f"Bench Bonität {n}", f"{10000 + n:05d}", f"DE{100000000 + n}")
            for n in (CACHED_N, COLLAPSE_N)
        }
        env = service_env(fake.url, args.db_pool)
        logs = [out_dir / f"credit-service-{n + 1}.log" for n in range(2)]
        processes.append(start_service(ports[0], env, logs[0]))
        bearer = token(REP)
        postmaster = postmaster_pid()
        services = [processes[1].pid]

        def cpu() -> Cpu:
            return Cpu.take(services, postmaster)

        log(f"fake and service up ({time.monotonic() - t0:.0f} s)")
        result["cached"] = cached(
            args, port=ports[0], fake=fake, bearer=bearer, lead_id=leads[CACHED_N], cpu=cpu
        )
        processes.append(start_service(ports[1], env, logs[1]))
        log(f"collapse: {COLLAPSE_CALLS} uncached checks of one company over 2 processes")
        result["collapse"] = collapse(args, ports, fake, bearer, leads[COLLAPSE_N])
    finally:
        for process in reversed(processes):
            stop(process)
    durations = server_durations(logs)
    result["in_service_ms"] = {
        key: summary([v for values in by_status.values() for v in values])
        for key, by_status in durations.items()
    }
    result["in_service_by_status_ms"] = {
        key: {status: summary(values) for status, values in by_status.items()}
        for key, by_status in durations.items()
    }
    result["seconds"] = time.monotonic() - t0
    out.write_text(json.dumps(result, indent=2, default=str))
    log(f"done in {result['seconds']:.0f} s")


# ------------------------------------------------------------------------------------ report


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def ms(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def three(values: dict[str, float]) -> str:
    return " / ".join(ms(values[k]) for k in ("p50", "p95", "p99")) if values.get("n") else "n/a"


def answers_text(found: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in found.items())


def cmd_report(args: argparse.Namespace) -> None:
    res = json.loads(Path(args.file).read_text())
    cache, col = res["cached"], res["collapse"]
    one, closed, bursts, opened = (
        cache["one_at_a_time"], cache["closed_loop"], cache["bursts"], cache["open_loop"],
    )  # fmt: skip
    inside = res.get("in_service_ms", {})
    n = cache["concurrency"]
    upstream = col["upstream"]
    lookups, grades = upstream["company lookups"], upstream["grade requests"]
    closed_ok = closed["statuses"]["non-2xx"] == 0 and closed["statuses"]["socket errors"] == 0
    lines = [
        "| SPEC 10.1 row | Target | Measured | |",
        "|---|---|---|---|",
        f"| Credit check from the cache, {n} concurrent: closed loop, {n} connections (wrk) | "
        f"p95 ≤ {TARGET_CACHED_P95_MS:g} ms | p95 {ms(closed['latency_ms']['p95'])} ms at "
        f"{closed['req_per_s']:.0f} req/s ({answers_text(closed['statuses'])}) | "
        f"{verdict(closed['latency_ms']['p95'] <= TARGET_CACHED_P95_MS and closed_ok)} |",
        f"| Same, {bursts['bursts']} bursts of {n} requests sent at once | p95 ≤ "
        f"{TARGET_CACHED_P95_MS:g} ms | p95 {ms(bursts['latency_ms']['p95'])} ms; the last "
        f"answer after {ms(1000 * statistics.median(bursts['wall_s']))} ms (median burst) | "
        f"{verdict(bursts['latency_ms']['p95'] <= TARGET_CACHED_P95_MS)} |",
        f"| Same, open loop at a fixed {opened['rate']:g} req/s (at most "
        f"{opened['most_in_flight']} in flight) | p95 ≤ {TARGET_CACHED_P95_MS:g} ms | p95 "
        f"{ms(opened['latency_ms']['p95'])} ms ({answers_text(opened['statuses'])}) | "
        f"{verdict(opened['latency_ms']['p95'] <= TARGET_CACHED_P95_MS)} |",
        f"| Same, one request at a time, for context | — | p50 {ms(one['latency_ms']['p50'])} / "
        f"p95 {ms(one['latency_ms']['p95'])} ms, {one['req_per_s']:.0f} req/s | — |",
        f"| {col['calls']} concurrent uncached checks of one company, {col['processes']} service "
        f"processes | exactly 1 upstream lookup | {lookups} company lookup, {grades} grade "
        f"request; {answers_text(col['statuses'])} | {verdict(lookups == 1 and grades == 1)} |",
        "",
        "Cached checks (the lead's grade stored minutes before; ms from the send, or for the open "
        "loop from the due time, to the end of the answer; in the service: `duration_ms` of its "
        "own request log, from the first byte the ASGI app sees to the last it sends):",
        "",
        "| Load | Requests (answers) | req/s | p50 / p95 / p99 ms | max ms | in the service "
        "p50 / p95 / p99 ms | CPU service / PostgreSQL / load generator / machine |",
        "|---|---|---|---|---|---|---|",
    ]

    def cpu_text(cpu: dict[str, float]) -> str:
        return (
            f"{cpu['service']:.0f} / {cpu['postgres']:.0f} / {cpu['load generator']:.0f} % of a "
            f"core; {cpu['machine']:.0f} % of both"
        )

    def inside_text(key: str) -> str:
        return three(inside.get(key, {}))

    rows = [
        (f"one at a time, wrk 1 connection, {one['latency_ms']['n']} requests", one, "bench-one"),
        (f"closed loop, wrk {n} connections", closed, "bench-closed"),
    ]
    for label, r, key in rows:
        lines.append(
            f"| {label} | {r['latency_ms']['n']} ({answers_text(r['statuses'])}) | "
            f"{r['req_per_s']:.0f} | {three(r['latency_ms'])} | {ms(r['latency_ms']['max'])} | "
            f"{inside_text(key)} | {cpu_text(r['cpu_pct'])} |"
        )
    lines += [
        f"| {bursts['bursts']} bursts of {n} at once | {bursts['latency_ms']['n']} "
        f"({answers_text(bursts['statuses'])}) | {bursts['req_per_s']:.0f} | "
        f"{three(bursts['latency_ms'])} | {ms(bursts['latency_ms']['max'])} | "
        f"{inside_text('bench-burst')} | {cpu_text(bursts['cpu_pct'])} |",
        f"| open loop at {opened['rate']:g} req/s for {opened['seconds']:g} s (after "
        f"{opened['warmup_s']:g} s warm-up) | {opened['latency_ms'].get('n', 0)} "
        f"({answers_text(opened['statuses'])}) | {opened['rate']:g} offered | "
        f"{three(opened['latency_ms'])} | {ms(opened['latency_ms'].get('max', 0))} | "
        f"{inside_text('bench-open')} | {cpu_text(opened['cpu_pct'])} |",
        "",
        f"Burst walls (all {n} answered): "
        + ", ".join(f"{1000 * w:.0f} ms" for w in bursts["wall_s"])
        + f"; answers' sources {bursts['sources']}. Open loop: {opened['connections_opened']} "
        f"connections, at most {opened['most_in_flight']} requests in flight, load generator lag "
        f"p99 {ms(opened['lag_ms']['p99'])} ms. Upstream calls during all cached phases: "
        f"{cache['upstream']['all']}; credit checks stored meanwhile: "
        f"{cache['stored_meanwhile']}. Little's law for the closed loop: {n} in flight / "
        f"{closed['req_per_s']:.0f} req/s = {1000 * n / closed['req_per_s']:.0f} ms per request "
        f"on average (measured mean {ms(closed['latency_ms']['mean'])} ms).",
    ]
    failures = [
        f"{key}: {status} × {s['n']} after p50 {ms(s['p50'])} ms in the service"
        for key, by_status in res.get("in_service_by_status_ms", {}).items()
        if key.startswith("bench-")
        for status, s in by_status.items()
        if status != "200"
    ]
    if failures:
        lines += ["", "Not 200, by phase (the service's log): " + "; ".join(failures) + "."]
    lines += [
        "",
        f"Collapse: {col['calls']} checks of one lead (one company, by VAT id), sent at once over "
        f"{col['processes']} service processes (alternating), each with FRESHPLAN_DB_POOL_MAX="
        f"{col['db_pool_max']} and FRESHPLAN_DB_POOL_TIMEOUT={col['db_pool_timeout_s']:g} s; the "
        f"first company lookup delayed {col['fault']['delay']:g} s by the fake.",
        "",
        "| Upstream (fake's request log) | Answers | Sources | Distinct check ids | Wall | "
        "p50 / p95 / p99 ms | Stored |",
        "|---|---|---|---|---|---|---|",
        f"| {answers_text(upstream)} | {answers_text(col['statuses'])} | "
        f"{answers_text(col['sources'])} | {col['check_ids']} | {1000 * col['wall_s']:.0f} ms | "
        f"{three(col['latency_ms'])} | {answers_text(col['stored'])} |",
    ]
    if col["failed"]:
        lines += ["", "Failed answers (first 10): " + json.dumps(col["failed"])]
    lines += [
        "",
        f"Commit {res['commit']}; {res['cores']} cores; PostgreSQL "
        f"{res['server']['server_version']} (fsync {res['server']['fsync']}, synchronous_commit "
        f"{res['server']['synchronous_commit']}); one service process for the cached phases, DB "
        f"pool max {res['db_pool_max']}, log level {res['log_level']}; {res['seconds']:.0f} s.",
    ]
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", required=True)
    r.add_argument("--db-pool", type=int, default=10, help="FRESHPLAN_DB_POOL_MAX per process")
    r.add_argument("--rate", type=float, default=100.0, help="open loop: requests per second")
    r.add_argument("--seconds", type=float, default=15.0, help="closed and open loop, measured")
    r.add_argument("--one-seconds", type=float, default=10.0, help="one at a time")
    r.add_argument("--warmup-seconds", type=float, default=3.0)
    p = sub.add_parser("report")
    p.add_argument("file")
    args = parser.parse_args()
    {"run": cmd_run, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
