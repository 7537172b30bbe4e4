"""The public feedback submit benchmark (SPEC: p95 ≤ 50 ms at 100 requests/s); `bench/run feedback`.

Subcommands (the database: superuser over the cluster's socket, FRESHPLAN_PG_* variables):

  run --out FILE     on a database with generated leads (bench/generate.sql): creates test phases
                     with a box of 3 products and a feedback token each, starts the real service
                     (uvicorn, one process), checks it, drives POST /api/feedback/{token} open-loop
                     at a constant arrival rate, times the 410 answer of unknown, expired, revoked
                     and exhausted tokens, stops the service and checks that the rows landed;
                     writes FILE (JSON), the per-request CSV and the service log next to it
  report FILE        the results table (Markdown)

Open loop: request i is due at start + i / rate, whatever happened to the ones before; latency is
measured from that due time to the end of the response, so a stalled server cannot make the load
generator wait and hide the stall (no coordinated omission).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import csv
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from procstat import children, cpu_seconds

ROOT = Path(__file__).resolve().parent.parent

TARGET_P95_MS = 50.0
TARGET_RATE = 100.0
KINDS = ("unknown", "expired", "revoked", "exhausted")
SKU_COUNT = 12  # products per bench tenant: BF-1001 ... BF-1012
ITEMS_PER_BOX = 3
MAX_SUBMISSIONS = 50
# Headers that differ between any two responses, whatever the token.
PER_REQUEST_HEADERS = {"date", "x-request-id"}


def conninfo() -> str:
    env = os.environ
    return (
        f"host={env['FRESHPLAN_PG_HOST']} port={env['FRESHPLAN_PG_PORT']} "
        f"dbname={env['FRESHPLAN_PG_DATABASE']} user=postgres application_name=bench"
    )


def log(message: str) -> None:
    print(f"[feedback] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank (as bench/protection.py)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p25": percentile(values, 25),
        "p75": percentile(values, 75),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


# ------------------------------------------------------------------------------------ data


@dataclass
class Link:
    kind: str  # active, or one of KINDS
    token: str
    skus: list[str]


SETUP_SQL = [
    # Products of the bench tenants (the generated data has none).
    """
    insert into app.products (tenant_id, sku, name, unit)
    select t.id, format('BF-%%s', 1000 + s), format('Bench-Produkt %%s', s), 'Karton 6 x 1 kg'
    from app.tenants as t cross join generate_series(1, %(skus)s) as s
    where t.slug like 'bench-%%'
    on conflict do nothing
    """,
    """
    insert into app.sample_boxes (id, tenant_id, lead_id, configured_by, configured_at, notes)
    select p.box_id, p.tenant_id, p.lead_id, p.owner_id, now() - interval '5 days', 'Bench box'
    from bench.feedback_plan as p
    """,
    # Three different products per box, rotating over the catalogue.
    """
    insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
    select p.box_id, p.tenant_id, p.lead_id, format('BF-%%s', 1001 + (p.n + k) %% %(skus)s), 1
    from bench.feedback_plan as p cross join generate_series(1, %(items)s) as k
    """,
    """
    insert into app.test_phases (id, tenant_id, lead_id, box_id, stage, start_date, created_by)
    select p.phase_id, p.tenant_id, p.lead_id, p.box_id, 'SAMPLE', current_date - 3, p.owner_id
    from bench.feedback_plan as p
    """,
    # Only the SHA-256 is stored, as app_private.issue_feedback_token does it.
    """
    insert into app_private.feedback_tokens (
        tenant_id, lead_id, phase_id, token_hash, created_by, created_at, expires_at, revoked_at,
        submissions, max_submissions
    )
    select
        p.tenant_id, p.lead_id, p.phase_id, extensions.digest(p.token, 'sha256'), p.owner_id,
        now() - case p.kind when 'expired' then interval '31 days' else interval '1 day' end,
        now() + case p.kind when 'expired' then interval '-1 day' else interval '30 days' end,
        case p.kind when 'revoked' then now() - interval '1 hour' end,
        case p.kind when 'exhausted' then %(max)s else 0 end,
        %(max)s
    from bench.feedback_plan as p
    """,
]


def create_links(phases: int, per_kind: int) -> list[Link]:
    """`phases` usable links plus `per_kind` expired, revoked and exhausted ones, each on its own
    test phase of its own live lead, and `per_kind` unknown tokens (stored nowhere)."""
    kinds = ["active"] * phases + [k for k in KINDS[1:] for _ in range(per_kind)]
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        leads = conn.execute(
            """
            select l.id, l.tenant_id, l.owner_id
            from app.leads as l
            inner join app.protection_configs as c on l.tenant_id = c.tenant_id
            where l.owner_id is not null and app.lead_status(l, c, app.now()) in ('ACTIVE', 'GRACE')
            order by md5(l.id::text)
            limit %s
            """,
            (len(kinds),),
        ).fetchall()
        if len(leads) < len(kinds):
            raise SystemExit(f"need {len(kinds)} live leads, the database has {len(leads)}")
        with conn.transaction():
            conn.execute("drop table if exists bench.feedback_plan")
            conn.execute(
                """
                create table bench.feedback_plan (
                    n integer primary key, kind text not null, lead_id uuid not null,
                    tenant_id uuid not null, owner_id uuid not null, token text not null,
                    box_id uuid not null default gen_random_uuid(),
                    phase_id uuid not null default gen_random_uuid()
                )
                """
            )
            with conn.cursor().copy(
                "copy bench.feedback_plan (n, kind, lead_id, tenant_id, owner_id, token) from stdin"
            ) as copy:
                for n, (kind, (lead, tenant, owner)) in enumerate(zip(kinds, leads, strict=True)):
                    copy.write_row((n, kind, lead, tenant, owner, secrets.token_urlsafe(32)))
            params = {"skus": SKU_COUNT, "items": ITEMS_PER_BOX, "max": MAX_SUBMISSIONS}
            for statement in SETUP_SQL:
                conn.execute(statement, params)
        conn.execute("analyze")
        rows = conn.execute(
            """
            select p.kind, p.token, array_agg(i.sku order by i.sku)
            from bench.feedback_plan as p
            inner join app.sample_box_items as i on p.box_id = i.box_id
            group by p.n, p.kind, p.token
            order by p.n
            """
        ).fetchall()
    links = [Link(kind, token, list(skus)) for kind, token, skus in rows]
    links += [Link("unknown", secrets.token_urlsafe(32), ["BF-1001"]) for _ in range(per_kind)]
    return links


def body(link: Link, rng: random.Random) -> bytes:
    return json.dumps(
        {
            "contact": {"name": "Karl Bench", "role": "CHEF"},
            "items": [
                {"sku": sku, "rating": rng.randint(1, 5), "comment": "gut", "would_reorder": True}
                for sku in link.skus
            ],
            "comment": "Benchmark: alles frisch angekommen.",
        }
    ).encode()


# ------------------------------------------------------------------------------------ service


def start_service(port: int, db_pool: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = os.environ
    service_env = {
        **env,
        "FRESHPLAN_API_PORT": str(port),
        "FRESHPLAN_DATABASE_URL": (
            f"host={env['FRESHPLAN_PG_HOST']} port={env['FRESHPLAN_PG_PORT']} "
            f"dbname={env['FRESHPLAN_PG_DATABASE']} user=svc_api"
        ),
        "FRESHPLAN_DB_POOL_MAX": str(db_pool),
        # The production limits (30 and 10 per minute) would answer almost everything with 429.
        "FRESHPLAN_FEEDBACK_RATE_LIMIT_IP": "1000000",
        "FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN": "1000000",
        "FRESHPLAN_LOG_LEVEL": "INFO",
    }
    command = [
        str(ROOT / ".venv/bin/uvicorn"),
        "--factory",
        "api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=service_env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited; see {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_service(process)
    raise SystemExit(f"the service did not become ready; see {log_path}")


def stop_service(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def postmaster_pid() -> int:
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        row = conn.execute("show data_directory").fetchone()
    assert row is not None
    return int((Path(row[0]) / "postmaster.pid").read_text().split()[0])


@dataclass
class CpuSnapshot:
    """CPU seconds so far: the service, this load generator, PostgreSQL (the postmaster's
    children alive at both snapshots), and the whole machine as (busy, total) jiffies."""

    at: float
    service: float
    client: float
    database: dict[int, float]
    machine: tuple[int, int]

    @classmethod
    def take(cls, service_pid: int, postmaster: int) -> CpuSnapshot:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]
        return cls(
            time.monotonic(),
            cpu_seconds(service_pid),
            time.process_time(),
            {pid: cpu_seconds(pid) for pid in [postmaster, *children(postmaster)]},
            (sum(values) - idle, sum(values)),
        )

    def percent_until(self, end: CpuSnapshot) -> dict[str, float]:
        """Per cent of one core, each; the machine as per cent of all its cores."""
        wall = end.at - self.at
        database = sum(
            end.database[p] - self.database[p] for p in self.database.keys() & end.database.keys()
        )
        busy = end.machine[0] - self.machine[0]
        total = max(1, end.machine[1] - self.machine[1])
        cores = os.cpu_count() or 1
        ours = {
            "service": 100 * (end.service - self.service) / wall,
            "client": 100 * (end.client - self.client) / wall,
            "database": 100 * database / wall,
        }
        # everything else that ran on the machine meanwhile, in per cent of one core
        others = 100 * cores * busy / total - sum(ours.values())
        return {**ours, "others": others, "machine_of_all_cores": 100 * busy / total}


def metrics_check(url: str, links: list[Link]) -> dict[str, int]:
    """How the load shows in GET /metrics: series per feedback URL, and raw tokens in them."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    lines = [x for x in text.splitlines() if not x.startswith("#")]
    paths = {m.group(0) for x in lines if (m := re.search(r'path="/api/feedback/[^"]*"', x))}
    tokens = {x.token for x in links}
    exposed = {m.group(1) for x in paths if (m := re.search(r"/api/feedback/([^\"/]+)", x))}
    return {
        "bytes": len(text),
        "series": len(lines),
        "feedback_paths": len(paths),
        "raw_tokens_exposed": len(exposed & tokens),
    }


def server_durations(log_path: Path) -> dict[str, float]:
    """request id -> duration_ms as the service logged it (request_context middleware)."""
    durations: dict[str, float] = {}
    for line in log_path.read_text().splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("event") == "request" and "duration_ms" in entry:
            durations[entry["request_id"]] = float(entry["duration_ms"])
    return durations


# ------------------------------------------------------------------------------------ requests


@dataclass
class Record:
    request_id: str
    phase: str  # check, warmup, measured, gone-warmup, gone
    kind: str
    first_use: bool
    due_s: float  # due time, seconds after the start of its run
    lag_ms: float  # how late the request was sent after its due time
    latency_ms: float  # due time to the end of the response
    status: int  # 0: no answer (see error)
    error: str
    submission_id: str


def comparable(response: httpx.Response) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    headers = tuple(
        sorted((k, v) for k, v in response.headers.items() if k.lower() not in PER_REQUEST_HEADERS)
    )
    return response.status_code, response.content, headers


async def send(
    client: httpx.AsyncClient,
    link: Link,
    payload: bytes,
    request_id: str,
    due: float,
) -> tuple[float, float, int, str, str]:
    """POST one submission; (lag ms, latency ms from `due`, status, error, submission id)."""
    loop = asyncio.get_running_loop()
    lag = loop.time() - due
    status, error, submission = 0, "", ""
    try:
        response = await client.post(
            f"/api/feedback/{link.token}",
            content=payload,
            headers={"content-type": "application/json", "x-request-id": request_id},
        )
        status = response.status_code
        if status == 201:
            submission = response.json()["submission_id"]
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    end = loop.time()
    return lag * 1000, (end - due) * 1000, status, error, submission


async def open_loop(
    url: str,
    links: list[Link],
    *,
    rate: float,
    warmup_s: float,
    duration_s: float,
    connections: int,
    seed: int,
    service_pid: int,
    postmaster: int,
) -> tuple[list[Record], dict[str, float]]:
    """Constant arrival rate: request i is due at start + i / rate, sent then whatever the
    state of the earlier ones; the tokens are used round-robin in a shuffled order."""
    rng = random.Random(seed)  # noqa: S311 - the order of the requests, not a secret
    order = links[:]
    rng.shuffle(order)
    total = round((warmup_s + duration_s) * rate)
    warm = round(warmup_s * rate)
    payloads = [body(order[i % len(order)], rng) for i in range(total)]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    records: list[Record] = []
    cpu: list[CpuSnapshot] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10.0) as client:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.2

        async def one(i: int) -> None:
            link = order[i % len(order)]
            phase = "warmup" if i < warm else "measured"
            due = start + i / rate
            lag, latency, status, error, submission = await send(
                client, link, payloads[i], f"bench-load-{i}", due
            )
            records.append(
                Record(
                    f"bench-load-{i}",
                    phase,
                    link.kind,
                    i < len(order),
                    due - start,
                    lag,
                    latency,
                    status,
                    error,
                    submission,
                )
            )

        tasks: list[asyncio.Task[None]] = []
        for i in range(total):
            if i == warm:
                cpu.append(CpuSnapshot.take(service_pid, postmaster))
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        cpu.append(CpuSnapshot.take(service_pid, postmaster))
    records.sort(key=lambda r: r.due_s)
    return records, cpu[0].percent_until(cpu[1])


async def gone_timings(
    url: str, by_kind: dict[str, list[Link]], rate: float, warmup: int, seed: int
) -> list[Record]:
    """The 410 of every kind of unusable token, one request at a time at `rate`, interleaved:
    each round sends one token of every kind in a shuffled order."""
    rng = random.Random(seed)  # noqa: S311 - the order of the requests, not a secret
    per_kind = min(len(v) for v in by_kind.values())
    plan: list[tuple[str, Link, str]] = []
    for j in range(warmup + per_kind):
        kinds = list(KINDS)
        rng.shuffle(kinds)
        phase = "gone-warmup" if j < warmup else "gone"
        plan += [(phase, by_kind[k][j % per_kind], k) for k in kinds]
    records: list[Record] = []
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.1
        for i, (phase, link, kind) in enumerate(plan):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            request_id = f"bench-{phase}-{kind}-{i}"
            lag, latency, status, error, _ = await send(
                client, link, body(link, rng), request_id, due
            )
            records.append(
                Record(request_id, phase, kind, False, due - start, lag, latency, status, error, "")
            )
    return records


def check(url: str, active: Link, gone: dict[str, Link]) -> dict[str, Any]:
    """One submission is accepted; every kind of unusable token gets the very same 410."""
    rng = random.Random(1)  # noqa: S311 - ratings, not a secret
    answers: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=10) as client:
        headers = {"content-type": "application/json", "x-request-id": "bench-check"}
        response = client.post(
            f"/api/feedback/{active.token}", content=body(active, rng), headers=headers
        )
        if response.status_code != 201:
            raise SystemExit(f"check: {response.status_code} {response.text}")
        answers["accepted"] = response.json()
        for kind, link in gone.items():
            answers[kind] = comparable(
                client.post(f"/api/feedback/{link.token}", content=body(link, rng), headers=headers)
            )
    first = answers[KINDS[0]]
    if first[0] != 410 or any(answers[k] != first for k in KINDS):
        raise SystemExit(f"check: the 410 answers differ: { {k: answers[k] for k in KINDS} }")
    log(f"check: 201 {answers['accepted']}; identical 410 for {', '.join(KINDS)}")
    return {"submission_id": answers["accepted"]["submission_id"], "gone_body": first[1].decode()}


# ------------------------------------------------------------------------------------ results


def load_result(records: list[Record], cpu: dict[str, float], args: argparse.Namespace) -> Any:
    measured = [r for r in records if r.phase == "measured"]
    statuses: dict[str, int] = {}
    for r in measured:
        key = str(r.status) if r.status else r.error
        statuses[key] = statuses.get(key, 0) + 1
    window = max(r.due_s + r.latency_ms / 1000 for r in measured) - measured[0].due_s
    return {
        "offered_rate": args.rate,
        "warmup_s": args.warmup,
        "duration_s": args.seconds,
        "connections": args.connections,
        "requests": len(measured),
        "achieved_rate": len(measured) / window,
        "window_s": window,
        "statuses": statuses,
        "errors": sum(1 for r in measured if r.status != 201),
        "latency_ms": summary([r.latency_ms for r in measured]),
        "latency_first_use_ms": summary([r.latency_ms for r in measured if r.first_use]),
        "latency_repeat_ms": summary([r.latency_ms for r in measured if not r.first_use]),
        "send_lag_ms": summary([r.lag_ms for r in measured]),
        "cpu_pct": cpu,
    }


def server_side(records: list[Record], durations: dict[str, float], phase: str) -> Any:
    return summary(
        [durations[r.request_id] for r in records if r.phase == phase and r.request_id in durations]
    )


def slower_share(values: list[float], baseline: list[float]) -> float:
    """P(a value > a baseline value), ties counting half (Mann-Whitney U / n1 n2): 0.5 when the
    two cannot be told apart, 1.0 when every value is slower than every baseline value."""
    ordered = sorted(baseline)
    total = 0.0
    for v in values:
        below = bisect.bisect_left(ordered, v)
        ties = bisect.bisect_right(ordered, v) - below
        total += below + ties / 2
    return total / (len(values) * len(baseline))


def gone_result(records: list[Record], durations: dict[str, float]) -> Any:
    result: dict[str, Any] = {}
    # from the send (one request at a time: the lag behind the schedule is ~0 anyway)
    times = {
        kind: [r.latency_ms - r.lag_ms for r in records if r.phase == "gone" and r.kind == kind]
        for kind in KINDS
    }
    for kind in KINDS:
        rows = [r for r in records if r.phase == "gone" and r.kind == kind]
        result[kind] = {
            "statuses": sorted({r.status for r in rows}),
            "client_ms": summary(times[kind]),
            "slower_than_unknown": slower_share(times[kind], times["unknown"]),
            "server_ms": summary(
                [durations[r.request_id] for r in rows if r.request_id in durations]
            ),
        }
    return result


def stored(accepted: set[str], phases: int) -> dict[str, Any]:
    """What the database holds after the run, against the 201s the client saw."""
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        ids = {str(r[0]) for r in conn.execute("select id from app.feedback_submissions")}
        row = conn.execute(
            """
            select
                (select count(*) from app.product_feedback where source = 'FORM'),
                (select count(*) from app.product_feedback as f
                 left join app.feedback_submissions as s on f.submission_id = s.id
                 where s.id is null),
                (select coalesce(sum(t.submissions), 0) from app_private.feedback_tokens as t
                 inner join bench.feedback_plan as p on t.phase_id = p.phase_id
                 where p.kind = 'active'),
                (select count(*) from app.activities
                 where kind = 'SAMPLE_FEEDBACK' and note like 'Kundenfeedback über den %'),
                (select count(distinct phase_id) from app.feedback_submissions)
            """
        ).fetchone()
    assert row is not None
    product_rows, orphans, counted, activities, phases_with_feedback = row
    return {
        "responses_201": len(accepted),
        "submissions": len(ids),
        "submissions_match_201s": ids == accepted,
        "product_feedback_rows": product_rows,
        "product_feedback_expected": ITEMS_PER_BOX * len(accepted),
        "product_feedback_orphans": orphans,
        "token_submissions_counted": counted,
        "sample_feedback_activities": activities,
        "phases_with_feedback": phases_with_feedback,
        "phases": phases,
    }


def write_csv(path: Path, records: list[Record]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(asdict(records[0])))
        writer.writeheader()
        for r in records:
            writer.writerow(asdict(r))


def cmd_run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    service_log = out.with_name("feedback-service.log")
    t0 = time.monotonic()
    links = create_links(args.phases, args.per_kind)
    active = [x for x in links if x.kind == "active"]
    by_kind = {k: [x for x in links if x.kind == k] for k in KINDS}
    log(
        f"{len(active)} test phases with {ITEMS_PER_BOX} products and a usable token each, "
        f"{args.per_kind} expired/revoked/exhausted tokens each, {args.per_kind} unknown "
        f"({time.monotonic() - t0:.1f} s)"
    )
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        server = {
            name: conn.execute(f"show {name}").fetchone()[0]  # type: ignore[index]
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        }
    url = f"http://127.0.0.1:{args.port}"
    log(
        f"service: uvicorn --factory api.app:create_app, 1 process, port {args.port}, "
        f"db pool max {args.db_pool}, rate limits 1000000/min"
    )
    code = code_version()  # as the service starts (the migrations ran just before)
    service = start_service(args.port, args.db_pool, service_log)
    try:
        checked = check(url, active[-1], {k: v[0] for k, v in by_kind.items()})
        log(
            f"open loop: {args.rate:g} req/s, {args.warmup:g} s warm-up then {args.seconds:g} s "
            f"measured, up to {args.connections} connections, {len(active) - 1} tokens"
        )
        records, cpu = asyncio.run(
            open_loop(
                url,
                active[:-1],
                rate=args.rate,
                warmup_s=args.warmup,
                duration_s=args.seconds,
                connections=args.connections,
                seed=args.seed,
                service_pid=service.pid,
                postmaster=postmaster_pid(),
            )
        )
        metrics = metrics_check(url, active)
        log(f"410 timings: {args.per_kind} requests per kind at {args.gone_rate:g} req/s")
        records += asyncio.run(
            gone_timings(url, by_kind, args.gone_rate, args.gone_warmup, args.seed + 1)
        )
    finally:
        stop_service(service)
    durations = server_durations(service_log)
    accepted = {r.submission_id for r in records if r.status == 201} | {checked["submission_id"]}
    result = {
        "code": code,
        "server": server,
        "db_pool_max": args.db_pool,
        "phases": len(active),
        "load": load_result(records, cpu, args),
        "load_server_ms": server_side(records, durations, "measured"),
        "gone": gone_result(records, durations),
        "gone_rate": args.gone_rate,
        "gone_body": checked["gone_body"],
        "stored": stored(accepted, len(active)),
        "metrics": metrics,
        "service_log": {
            "lines": len(service_log.read_text().splitlines()),
            "json_request_lines": len(durations),
        },
    }
    out.write_text(json.dumps(result, indent=2))
    write_csv(out.with_name("feedback-requests.csv"), records)
    log(
        f"done in {time.monotonic() - t0:.0f} s; requests: {out.with_name('feedback-requests.csv')}"
    )


def code_version() -> dict[str, Any]:
    """The commit measured, and the service's files that differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout

    changed = git("status", "--porcelain", "--", "api", "sql/migrations").splitlines()
    commit = git("rev-parse", "--short", "HEAD").strip()
    return {"commit": commit, "changed": [x[3:] for x in changed if x.strip()]}


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def percentiles(values: dict[str, float], keys: tuple[str, ...]) -> str:
    return " / ".join(ms(values[k]) for k in keys) if values.get("n") else "n/a"


def cmd_report(args: argparse.Namespace) -> None:
    res = json.loads(Path(args.file).read_text())
    load, srv, st, cpu = res["load"], res["load_server_ms"], res["stored"], res["load"]["cpu_pct"]
    lat = load["latency_ms"]
    ok = lat["p95"] <= TARGET_P95_MS and load["achieved_rate"] >= 0.98 * TARGET_RATE
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(load["statuses"].items()))
    first, repeat = load["latency_first_use_ms"], load["latency_repeat_ms"]
    four = ("p50", "p95", "p99", "max")
    stored_ok = (
        st["submissions_match_201s"]
        and st["product_feedback_rows"] == st["product_feedback_expected"]
        and st["product_feedback_orphans"] == 0
        and st["token_submissions_counted"] == st["responses_201"]
    )
    server, code = res["server"], res["code"]
    changed = f" + uncommitted changes to {', '.join(code['changed'])}" if code["changed"] else ""
    lines = [
        f"Code: commit {code['commit']}{changed}.",
        "",
        f"Service: 1 uvicorn process, db pool max {res['db_pool_max']}, rate limits raised to "
        f"1000000/min; PostgreSQL {server['server_version']} with fsync {server['fsync']}, "
        f"synchronous_commit {server['synchronous_commit']}; {res['phases']} test phases with 3 "
        "products and one token each.",
        "",
        "| What | Target | Result | |",
        "|---|---|---|---|",
        f"| open loop at {load['offered_rate']:g} req/s for {load['duration_s']:g} s (after a "
        f"{load['warmup_s']:g} s warm-up): requests, achieved rate, answers | 100 req/s, no "
        f"errors | {load['requests']} requests, {load['achieved_rate']:.1f} req/s; {statuses} | "
        f"{verdict(load['errors'] == 0 and load['achieved_rate'] >= 0.98 * TARGET_RATE)} |",
        f"| latency from the due time, ms: p50 / **p95** / p99 / max | p95 ≤ 50 ms | "
        f"{percentiles(lat, four)} | {verdict(ok)} |",
        f"| same, a phase's first submission ({first.get('n', 0)}) / a repeat "
        f"({repeat.get('n', 0)}), ms: p50 / p95 | — | {percentiles(first, ('p50', 'p95'))}; "
        f"{percentiles(repeat, ('p50', 'p95'))} | — |",
        "| in the service (its request log), ms: p50 / p95 / p99 / max | — | "
        + (
            percentiles(srv, four)
            if srv.get("n")
            else "n/a: no JSON request lines (duration_ms) in the service's log"
        )
        + " | — |",
        f"| send lag behind the schedule, ms: p50 / p99 / max | — | "
        f"{percentiles(load['send_lag_ms'], ('p50', 'p99', 'max'))} | — |",
        "| CPU in the measured window, % of one core: service / PostgreSQL / load generator / "
        f"other processes; whole machine, % of all cores | — | {cpu['service']:.0f} / "
        f"{cpu['database']:.0f} / {cpu['client']:.0f} / {cpu['others']:.0f}; "
        f"{cpu['machine_of_all_cores']:.0f} | — |",
        f"| rows stored: submissions = 201 answers (same ids); product rows = 3 × 201s; token "
        f"counters | equal | {st['submissions']} = {st['responses_201']} "
        f"({'same ids' if st['submissions_match_201s'] else 'ids differ'}); "
        f"{st['product_feedback_rows']} = {st['product_feedback_expected']}; "
        f"{st['token_submissions_counted']} | {verdict(stored_ok)} |",
        f"| SAMPLE_FEEDBACK activities logged (a phase's first submission) | one per phase with "
        f"feedback | {st['sample_feedback_activities']} for {st['phases_with_feedback']} phases |"
        f" {verdict(st['sample_feedback_activities'] == st['phases_with_feedback'])} |",
        "",
        f"410 for an unusable token, one request at a time at {res['gone_rate']:g} req/s, the "
        "four kinds interleaved (ms from the send; P(slower) is the chance that a request of "
        "the kind took longer than one with an unknown token, 0.5 = indistinguishable):",
        "",
        "| Token | Requests | Status | ms: p25 / **p50** / p75 / p95 | P(slower than unknown) | "
        "in the service, ms: p50 / p95 |",
        "|---|---|---|---|---|---|",
    ]
    for kind, g in res["gone"].items():
        lines.append(
            f"| {kind} | {g['client_ms']['n']} | {', '.join(map(str, g['statuses']))} | "
            f"{percentiles(g['client_ms'], ('p25', 'p50', 'p75', 'p95'))} | "
            f"{g['slower_than_unknown']:.2f} | {percentiles(g['server_ms'], ('p50', 'p95'))} |"
        )
    m = res["metrics"]
    lines += [
        "",
        f"`GET /metrics` after the run: {m['series']} series ({m['bytes'] // 1024} KiB), "
        f"{m['feedback_paths']} distinct feedback path label(s), "
        f"{m['raw_tokens_exposed']} raw tokens readable in them.",
        "",
    ]
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--phases", type=int, default=2000)
    r.add_argument("--per-kind", type=int, default=200)
    r.add_argument("--db-pool", type=int, default=10)
    r.add_argument("--rate", type=float, default=TARGET_RATE)
    r.add_argument("--warmup", type=float, default=5.0)
    r.add_argument("--seconds", type=float, default=30.0)
    r.add_argument("--connections", type=int, default=200)
    r.add_argument("--gone-rate", type=float, default=20.0)
    r.add_argument("--gone-warmup", type=int, default=20)
    r.add_argument("--seed", type=int, default=20261126)
    p = sub.add_parser("report")
    p.add_argument("file")
    args = parser.parse_args()
    {"run": cmd_run, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
