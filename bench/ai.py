"""The AI router benchmark (SPEC 10.1 rows); `bench/run ai`.

Subcommands (the database: superuser over the cluster's socket, FRESHPLAN_PG_* variables; the demo
seed sql/seed/demo.sql loaded):

  run --out FILE     starts the two fake providers (tests/fakes), the Portkey gateway in front of
                     the fake OpenAI (when --portkey-dir is given) and the real service (uvicorn,
                     one process) pointed at the fakes, then measures
                       1. router overhead: closed loop, --concurrency workers, the fake answering
                          at once; direct to the fake, through the router (email_categorize, a
                          unique subject per call, a small-model rule at confidence 0.95 so
                          nothing escalates) and through Portkey, interleaved in rounds;
                       2. a cached answer: one body repeated, same concurrency;
                       3. the budget: 200 concurrent calls of one org against a cap of 20 worst-
                          case reservations;
                       4. `freshplan ai calibrate` on the shipped labelled set, then all its
                          items through the router with the stored map (small vs large);
                     writes FILE (JSON) and the logs next to it
  report FILE        the results table (Markdown)

Closed loop: each worker sends its next request when the previous one has answered, so latency is
from the send to the end of the response. That is what "overhead at 50 concurrent" asks; it is not
an arrival-rate test (bench/feedback.py is the open-loop one).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from procstat import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "api/ai/labels/email_categorize.de.jsonl"
SMALL_MODEL = "gpt-6-luna"
TARGET_OVERHEAD_P95_MS = 5.0
TARGET_CACHED_P95_MS = 10.0
TARGET_BUDGET_PCT = 110.0
BUDGET_FITS = 20
BUDGET_CALLS = 200
REP = "rep1@freshfoodz.example"  # org 1: overhead, cache, calibration
BUDGET_REP = "rep3@freshfoodz.example"  # org 2, its own budget
MAIL = {
    "body": (
        "Hallo Frau Köhler,\n\nwas kostet der Karton Bio-Möhren bei einer Abnahme von 20 Kartons "
        "pro Woche? Gibt es Rabatt ab einer Mindestmenge?\n\nBeste Grüße\nFelix Gutmann"
    ),
    "sender": "f.gutmann@feldberg-tafelwerk.example",
}
# A global value, or one for the org of the user with the e-mail address (tests/ai_support.py).
SET_SETTING = """
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select
    %(key)s, %(scope)s, case when %(scope)s <> 'global' then u.tenant_id end,
    case %(scope)s when 'org' then u.org_id end, %(value)s::jsonb
from (select 1) as one
left join app.users as u on u.email = %(email)s
on conflict (
    key, scope, coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(target_id, '00000000-0000-0000-0000-000000000000')
) do update set value = excluded.value
"""


def conninfo() -> str:
    env = os.environ
    return (
        f"host={env['FRESHPLAN_PG_HOST']} port={env['FRESHPLAN_PG_PORT']} "
        f"dbname={env['FRESHPLAN_PG_DATABASE']} user=postgres application_name=bench"
    )


def sql(statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def set_setting(key: str, scope: str, value: str, email: str | None = None) -> None:
    sql(SET_SETTING, {"key": key, "scope": scope, "value": value, "email": email})


def log(message: str) -> None:
    print(f"[ai] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank (as bench/protection.py and bench/feedback.py)."""
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


# ------------------------------------------------------------------------------------ processes


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds of our processes and of this load generator, and the machine's busy and
    total seconds (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    found = {name: cpu_seconds(pid) for name, pid in pids.items()}
    found["load generator"] = time.process_time()
    found["_busy"] = (sum(values) - values[3] - values[4]) / tick
    found["_total"] = sum(values) / tick
    found["_wall"] = time.monotonic()
    return found


def cpu_percent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Per cent of one core per process; `machine` in per cent of all cores."""
    wall = after["_wall"] - before["_wall"]
    found = {k: 100 * (after[k] - before[k]) / wall for k in before if not k.startswith("_")}
    found["machine"] = (
        100 * (after["_busy"] - before["_busy"]) / (after["_total"] - before["_total"] or 1)
    )
    return found


def wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited; {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=2)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"{what} did not become ready; see {log_path}")


def start(
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    ready_url: str,
    what: str,
    *,
    cwd: Path = ROOT,
) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(ready_url, process, log_path, what)
    except RuntimeError:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_fake(name: str, port: int, out_dir: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", f"tests.fakes.{name}_server", "--host", "127.0.0.1"]
    return start(
        [*command, "--port", str(port)],
        dict(os.environ),
        out_dir / f"ai-fake-{name}.log",
        f"http://127.0.0.1:{port}/_fake/health",
        f"fake {name}",
    )


def ai_env(openai_port: int, anthropic_port: int) -> dict[str, str]:
    env = os.environ
    return {
        **env,
        "FRESHPLAN_DATABASE_URL": (
            f"host={env['FRESHPLAN_PG_HOST']} port={env['FRESHPLAN_PG_PORT']} "
            f"dbname={env['FRESHPLAN_PG_DATABASE']} user=svc_api"
        ),
        "OPENAI_API_KEY": "bench-openai-key",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{openai_port}/v1",
        "ANTHROPIC_API_KEY": "bench-anthropic-key",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{anthropic_port}",
        "FRESHPLAN_AI_RATE_LIMIT_USER": "1000000",
    }


def token(email: str) -> str:
    result = subprocess.run(
        [str(ROOT / ".venv/bin/freshplan"), "token", "--email", email],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def fake_rules(url: str, *rules: dict[str, Any]) -> None:
    httpx.delete(f"{url}/_fake/rules", timeout=10).raise_for_status()
    if rules:
        httpx.post(f"{url}/_fake/rules", json={"rules": list(rules)}, timeout=10).raise_for_status()


# ------------------------------------------------------------------------------------ load


@dataclass
class Sample:
    latency_ms: float
    status: int  # 0: no answer
    info: dict[str, Any]


Send = Callable[[httpx.AsyncClient, int], Awaitable[tuple[int, dict[str, Any]]]]


async def closed_loop(
    client: httpx.AsyncClient, send: Send, total: int, workers: int, offset: int = 0
) -> list[Sample]:
    """`total` requests, `workers` at a time, each worker sending as soon as its last answered."""
    numbers = itertools.count(offset)
    end = offset + total
    samples: list[Sample] = []

    async def worker() -> None:
        while (n := next(numbers)) < end:
            t0 = time.perf_counter()
            try:
                status, info = await send(client, n)
            except httpx.HTTPError as exc:
                status, info = 0, {"error": type(exc).__name__}
            samples.append(Sample((time.perf_counter() - t0) * 1000, status, info))

    await asyncio.gather(*(worker() for _ in range(workers)))
    return samples


def client_for(base_url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60)


# wrk (C) drives the 50-concurrent rounds: a Python client saturated a core of its own at 200
# req/s and took it from the processes under test. Its Lua script sends one POST per request,
# the body made unique per thread and request when `unique` is given (so the cache never hits).
WRK_LUA = """
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  nonce = args[1] or ""
  wrk.method = "POST"
%(headers)s
end
function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, %(body)s)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "us": %%d, "non_2xx": %%d, "socket_errors": %%d, '
    .. '"p50": %%.3f, "p95": %%.3f, "p99": %%.3f, "max": %%.3f, "mean": %%.3f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
"""


def lua_string(text: str) -> str:
    level = "=" * 4
    if f"]{level}]" in text:
        raise ValueError("text closes the Lua long bracket")
    return f"[{level}[{text}]{level}]"


@dataclass
class WrkTarget:
    url: str  # scheme, host, port and path
    headers: dict[str, str]
    body: str  # with UNIQUE where each request needs its own text
    script: Path


UNIQUE = "@@unique@@"


def wrk_target(out_dir: Path, name: str, url: str, headers: dict[str, str], body: str) -> WrkTarget:
    lines = "\n".join(
        f"  wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items()
    )
    if UNIQUE in body:
        head, tail = body.split(UNIQUE, 1)
        lua_body = f'{lua_string(head)} .. nonce .. tid .. "-" .. counter .. {lua_string(tail)}'
    else:
        lua_body = lua_string(body)
    script = out_dir / f"ai-wrk-{name}.lua"
    script.write_text(WRK_LUA % {"headers": lines, "body": lua_body})
    return WrkTarget(url, headers, body, script)


def wrk(
    target: WrkTarget, seconds: float, connections: int, pids: dict[str, int]
) -> dict[str, Any]:
    """One closed-loop wrk run: latency summary (ms), answers, req/s and CPU per process."""
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s",
        "-s", str(target.script), target.url, "--", uuid.uuid4().hex[:8] + "-",
    ]  # fmt: skip
    before = cpu_snapshot(pids)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    after = cpu_snapshot(pids)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKJSON "))
    got = json.loads(line.removeprefix("WRKJSON "))
    cpu = cpu_percent(before, after)
    wall = after["_wall"] - before["_wall"]
    cpu["load generator"] = (
        100 * (used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime) / wall
    )
    ok = got["requests"] - got["non_2xx"]
    return {
        "latency_ms": {"n": got["requests"]}
        | {k: got[k] for k in ("p50", "p95", "p99", "max", "mean")},
        "statuses": {"2xx": ok, "non-2xx": got["non_2xx"], "socket errors": got["socket_errors"]},
        "req_per_s": got["requests"] / (got["us"] / 1e6),
        "cpu_pct": cpu,
    }


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one path: the request-weighted mean of their percentiles (wrk reports
    percentiles per run, not the samples), the sum of their answers, the mean of the rest."""
    n = sum(r["latency_ms"]["n"] for r in runs)
    latency = {"n": n}
    for key in ("p50", "p95", "p99", "mean"):
        latency[key] = sum(r["latency_ms"][key] * r["latency_ms"]["n"] for r in runs) / (n or 1)
    latency["max"] = max(r["latency_ms"]["max"] for r in runs)
    statuses: dict[str, int] = {}
    for r in runs:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    cpu: dict[str, float] = {}
    for r in runs:
        for k, v in r["cpu_pct"].items():
            cpu[k] = cpu.get(k, 0.0) + v / len(runs)
    return {
        "latency_ms": latency,
        "statuses": statuses,
        "req_per_s": sum(r["req_per_s"] for r in runs) / len(runs),
        "cpu_pct": cpu,
    }


def router_calls_since(moment: Any) -> dict[str, int]:
    """What the router's call log says about the calls since a moment (database clock)."""
    rows = sql(
        "select coalesce(tier, '?'), cached, escalated, outcome, count(*) from app.ai_calls"
        " where occurred_at >= %s group by 1, 2, 3, 4",
        [moment],
    )
    found = {"small": 0, "large": 0, "escalated": 0, "cached": 0, "not ok": 0}
    for tier, was_cached, escalated, outcome, count in rows:
        if tier in ("small", "large"):
            found[tier] += count
        found["escalated"] += count if escalated else 0
        found["cached"] += count if was_cached else 0
        found["not ok"] += count if outcome != "ok" else 0
    return found


def router_send(use_case: str, bearer: str, body_of: Callable[[int], dict[str, Any]]) -> Send:
    headers = {"authorization": f"Bearer {bearer}"}

    async def send(client: httpx.AsyncClient, n: int) -> tuple[int, dict[str, Any]]:
        response = await client.post(f"/api/ai/{use_case}", json=body_of(n), headers=headers)
        if response.status_code != 200:
            return response.status_code, {"code": response.json().get("code")}
        answer = response.json()
        keys = ("tier", "escalated", "cached", "cost_eur", "confidence")
        return 200, {k: answer[k] for k in keys} | {"label": answer["result"].get("label")}

    return send


def chat_send(headers: dict[str, str], payload: bytes) -> Send:
    async def send(client: httpx.AsyncClient, n: int) -> tuple[int, dict[str, Any]]:
        del n
        response = await client.post("/v1/chat/completions", content=payload, headers=headers)
        ok = response.status_code == 200 and bool(response.json()["choices"][0]["message"])
        return response.status_code, {"ok": ok}

    return send


def unique_mail(prefix: str) -> Callable[[int], dict[str, Any]]:
    run = uuid.uuid4().hex[:8]
    return lambda n: {"subject": f"{prefix} {run} {n:06d}: Preisanfrage Möhren", **MAIL}


def statuses(samples: list[Sample]) -> dict[str, int]:
    found: dict[str, int] = {}
    for s in samples:
        key = str(s.status) if s.status else str(s.info.get("error"))
        found[key] = found.get(key, 0) + 1
    return found


def path_result(samples: list[Sample]) -> dict[str, Any]:
    ok = [s for s in samples if s.status == 200]
    return {
        "statuses": statuses(samples),
        "latency_ms": summary([s.latency_ms for s in ok]),
        "tiers": {t: sum(1 for s in ok if s.info.get("tier") == t) for t in ("small", "large")},
        "escalated": sum(1 for s in ok if s.info.get("escalated")),
        "cached": sum(1 for s in ok if s.info.get("cached")),
    }


# ------------------------------------------------------------------------------------ steps


async def overhead(
    *,
    api: str,
    fake: str,
    portkey: str | None,
    bearer: str,
    args: argparse.Namespace,
    pids: dict[str, int],
) -> dict[str, Any]:
    """Row 1: direct, router and Portkey with wrk, interleaved in rounds after a warm-up each."""
    rule = {"model": SMALL_MODEL, "mode": "answer", "confidence": 0.95}
    fake_rules(fake, rule)
    body_of = unique_mail("Bench")
    async with client_for(api, args.concurrency) as client:
        await router_send("email_categorize", bearer, body_of)(client, -1)
    # the exact chat body the router's SDK sent, for the direct and the Portkey paths
    async with httpx.AsyncClient(timeout=10) as control:
        sent = (await control.get(f"{fake}/_fake/requests")).json()["requests"]
    chat_body = next(r["body"] for r in reversed(sent) if r["path"] == "/v1/chat/completions")
    payload = json.dumps(chat_body, ensure_ascii=False)
    auth = {"Authorization": "Bearer bench-openai-key", "Content-Type": "application/json"}
    run = uuid.uuid4().hex[:8]
    router_body = json.dumps(
        {"subject": f"Bench {run} {UNIQUE}: Preisanfrage Möhren", **MAIL}, ensure_ascii=False
    )
    out_dir = Path(args.out).parent
    targets = {
        "direct": wrk_target(out_dir, "direct", f"{fake}/v1/chat/completions", auth, payload),
        "router": wrk_target(
            out_dir, "router", f"{api}/api/ai/email_categorize",
            {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}, router_body,
        ),
    }  # fmt: skip
    if portkey:
        portkey_headers = auth | {
            "x-portkey-provider": "openai",
            "x-portkey-custom-host": f"{fake}/v1",
        }
        targets["portkey"] = wrk_target(
            out_dir, "portkey", f"{portkey}/v1/chat/completions", portkey_headers, payload
        )
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    for name, target in targets.items():
        log(f"overhead: warm-up {name}, {args.warmup_seconds:g} s")
        wrk(target, args.warmup_seconds, args.concurrency, pids)
    since = sql("select clock_timestamp()")[0][0]
    for round_no in range(args.rounds):
        for name, target in targets.items():
            # the fake keeps every request it saw: forgotten before each run, or its log (150 000
            # bodies) makes it pause for garbage collection and slows the baseline
            fake_rules(fake, rule)
            got = wrk(target, args.seconds, args.concurrency, pids)
            runs[name].append(got)
            log(
                f"overhead: round {round_no + 1}/{args.rounds} {name}: "
                f"{got['latency_ms']['n']} requests ({got['req_per_s']:.0f} req/s), "
                f"p95 {got['latency_ms']['p95']:.1f} ms, {got['statuses']}"
            )
    calls = router_calls_since(since)
    paths = {name: merge_runs(r) for name, r in runs.items()}
    paths["router"] |= {
        "tiers": {"small": calls["small"], "large": calls["large"]},
        "escalated": calls["escalated"],
        "cached": calls["cached"],
        "not_ok": calls["not ok"],
    }
    sequential: dict[str, Any] = {}
    for name, target in targets.items():
        fake_rules(fake, rule)
        sequential[name] = wrk(target, args.seconds, 1, pids)
        log(f"one at a time: {name} p50 {sequential[name]['latency_ms']['p50']:.2f} ms")
    result: dict[str, Any] = {
        "chat_body_bytes": len(payload.encode()),
        "model": chat_body.get("model"),
        "paths": paths,
        "cpu_pct": {name: p["cpu_pct"] for name, p in paths.items()},
        "req_per_s": {name: p["req_per_s"] for name, p in paths.items()},
        "sequential": sequential,
    }
    base = sequential["direct"]["latency_ms"]
    for name, seq in sequential.items():
        if name != "direct":
            seq["overhead_ms"] = {k: seq["latency_ms"][k] - base[k] for k in ("p50", "p95", "p99")}
    direct = paths["direct"]["latency_ms"]
    for name in targets:
        if name != "direct":
            lat = paths[name]["latency_ms"]
            paths[name]["overhead_ms"] = {k: lat[k] - direct[k] for k in ("p50", "p95", "p99")}
    return result


async def cached(
    api: str, bearer: str, args: argparse.Namespace, pids: dict[str, int]
) -> dict[str, Any]:
    """Row 2: one body, repeated; the first call fills the cache. One at a time (the row names
    no concurrency) and, for the record, at the overhead row's concurrency with wrk."""
    body = {"subject": f"Bench cached {uuid.uuid4().hex[:8]}: Preisanfrage Möhren", **MAIL}
    send = router_send("email_categorize", bearer, lambda n: body)
    async with client_for(api, 1) as client:
        first = await closed_loop(client, send, 1, 1)
    target = wrk_target(
        Path(args.out).parent, "cached", f"{api}/api/ai/email_categorize",
        {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
        json.dumps(body, ensure_ascii=False),
    )  # fmt: skip
    runs = {}
    for connections in (1, args.concurrency):
        wrk(target, args.warmup_seconds, connections, pids)
        since = sql("select clock_timestamp()")[0][0]
        got = wrk(target, args.seconds * args.rounds, connections, pids)
        calls = router_calls_since(since)
        runs[connections] = got | {"cached": calls["cached"], "not_ok": calls["not ok"]}
        log(
            f"cached, {connections} at a time: {got['latency_ms']['n']} requests "
            f"({got['req_per_s']:.0f} req/s), p95 {got['latency_ms']['p95']:.2f} ms"
        )
    return {
        "first": path_result(first),
        "sequential": runs[1],
        "repeated": runs[args.concurrency],
        "req_per_s": runs[args.concurrency]["req_per_s"],
        "cpu_pct": runs[args.concurrency]["cpu_pct"],
    }


async def budget(api: str, fake: str, bearer: str) -> dict[str, Any]:
    """Row 3: cap = 20 reservations of one call; 200 unique calls at once."""
    fake_rules(fake, {"model": SMALL_MODEL, "mode": "answer", "confidence": 0.95})
    body_of = unique_mail("Budget")
    async with client_for(api, 1) as client:
        warm = await closed_loop(client, router_send("email_categorize", bearer, body_of), 1, 1)
    org, tenant, reservation, cost = sql(
        """
        select r.org_id, r.tenant_id, r.amount_eur, r.cost_eur from app.ai_reservations as r
        inner join app.users as u on r.user_id = u.id
        where u.email = %s order by r.created_at desc limit 1
        """,
        (BUDGET_REP,),
    )[0]
    cap = reservation * BUDGET_FITS
    set_setting("ai.budget.monthly.cap", "org", str(cap), BUDGET_REP)
    # the warm-up call's spend out of the way: the month starts from 0 for the measured calls
    sql("update app.ai_budget_months set spent_eur = 0 where org_id = %s", (org,))
    send = router_send("email_categorize", bearer, body_of)
    async with client_for(api, BUDGET_CALLS) as client:
        t0 = time.perf_counter()
        got = await closed_loop(client, send, BUDGET_CALLS, BUDGET_CALLS, offset=1)
        wall = time.perf_counter() - t0
    spent = sql(
        "select coalesce(sum(spent_eur), 0) from app.ai_budget_months where org_id = %s", (org,)
    )[0][0]
    live = sql(
        "select count(*) from app.ai_reservations where org_id = %s and settled_at is null", (org,)
    )[0][0]
    return {
        "org_id": str(org),
        "tenant_id": str(tenant),
        "warmup_statuses": statuses(warm),
        "reservation_eur": float(reservation),
        "one_call_cost_eur": float(cost or 0),
        "cap_eur": float(cap),
        "calls": BUDGET_CALLS,
        "wall_s": wall,
        "statuses": statuses(got),
        "spent_eur": float(spent),
        "spent_pct_of_cap": float(100 * spent / cap),
        "unsettled_reservations": live,
        "latency_ms": summary([s.latency_ms for s in got]),
    }


CALIBRATE_KEYS = {
    "items (held out)": "items",
    "small accuracy": "small_accuracy",
    "large accuracy": "large_accuracy",
    "threshold": "threshold",
    "escalation rate": "escalation_rate",
    "small-model share": "small_share",
    "cascade accuracy": "cascade_accuracy",
}


def calibrate(env: dict[str, str], fake: str, out_dir: Path) -> dict[str, Any]:
    """Row 4a: `freshplan ai calibrate` against the fakes' simulated model (no rules)."""
    fake_rules(fake)
    command = [
        str(ROOT / ".venv/bin/freshplan"), "ai", "calibrate", "--use-case", "email_categorize",
        "--labels", str(LABELS.relative_to(ROOT)),
    ]  # fmt: skip
    t0 = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    (out_dir / "ai-calibrate.txt").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"calibrate failed: {result.stderr[-2000:]}")
    parsed: dict[str, Any] = {}
    for line in result.stdout.splitlines():
        for label, key in CALIBRATE_KEYS.items():
            if line.startswith(label + " "):
                parsed[key] = line[len(label) :].strip()
    return {
        "command": " ".join(command[1:]).replace(str(ROOT / ".venv/bin") + "/", ""),
        "seconds": time.monotonic() - t0,
        "report": parsed,
        "stdout": result.stdout,
    }


async def labelled_through_router(api: str, bearer: str) -> dict[str, Any]:
    """Row 4b: every labelled item through the router, with the stored calibration map."""
    items = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    labels = [item.pop("label") for item in items]
    send = router_send("email_categorize", bearer, lambda n: items[n])
    async with client_for(api, 8) as client:
        got = await closed_loop(client, send, len(items), 8)
    ok = [s for s in got if s.status == 200]
    result = path_result(got)
    result["items"] = len(items)
    result["small_share"] = result["tiers"]["small"] / len(ok) if ok else 0.0
    result["label_counts"] = {x: labels.count(x) for x in sorted(set(labels))}
    return result


# ------------------------------------------------------------------------------------ run


PORTKEY_SCRIPT = "node_modules/@portkey-ai/gateway/build/start-server.js"
SERVICE = [
    str(ROOT / ".venv/bin/uvicorn"), "--factory", "api.app:create_app", "--host", "127.0.0.1",
    "--no-access-log",
]  # fmt: skip


def cmd_run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out_dir = out.parent
    t0 = time.monotonic()
    # the outbound limiter (500/min per provider and process) would throttle the load
    set_setting("ai.provider.rpm", "global", "100000")
    env = ai_env(args.openai_port, args.anthropic_port)
    processes: list[subprocess.Popen[bytes]] = []
    result: dict[str, Any] = {
        "concurrency": args.concurrency,
        "seconds_per_round": args.seconds,
        "rounds": args.rounds,
        "warmup_seconds": args.warmup_seconds,
        "server": {
            name: sql(f"show {name}")[0][0]
            for name in ("server_version", "fsync", "synchronous_commit")
        },
        "db_pool_max": int(env.get("FRESHPLAN_DB_POOL_MAX", "10")),
        "portkey": {"version": "1.15.2", "error": args.portkey_error},
    }
    try:
        processes.append(start_fake("openai", args.openai_port, out_dir))
        processes.append(start_fake("anthropic", args.anthropic_port, out_dir))
        fake = f"http://127.0.0.1:{args.openai_port}"
        portkey = None
        portkey = None
        if args.portkey_dir and not args.portkey_error:
            portkey = f"http://127.0.0.1:{args.portkey_port}"
            command = ["node", PORTKEY_SCRIPT, f"--port={args.portkey_port}", "--headless"]
            try:
                log_path = out_dir / "ai-portkey.log"
                processes.append(
                    start(
                        command,
                        dict(os.environ),
                        log_path,
                        portkey,
                        "Portkey",
                        cwd=args.portkey_dir,
                    )
                )
                result["portkey"]["command"] = " ".join(command)
            except (RuntimeError, OSError) as exc:
                result["portkey"]["error"] = f"did not start: {exc}"[:500]
                portkey = None
        api = f"http://127.0.0.1:{args.port}"
        service_env = env | {"FRESHPLAN_API_PORT": str(args.port), "FRESHPLAN_LOG_LEVEL": "WARNING"}
        processes.append(
            start(
                [*SERVICE, "--port", str(args.port)],
                service_env,
                out_dir / "ai-service.log",
                f"{api}/health",
                "the service",
            )
        )
        rep, budget_rep = token(REP), token(BUDGET_REP)
        up = time.monotonic() - t0
        log(f"service, fakes{' and Portkey' if portkey else ''} up ({up:.0f} s)")
        pids = {"fake": processes[0].pid, "service": processes[-1].pid}
        if portkey:
            pids["portkey"] = processes[2].pid
        result["overhead"] = asyncio.run(
            overhead(api=api, fake=fake, portkey=portkey, bearer=rep, args=args, pids=pids)
        )
        result["cached"] = asyncio.run(cached(api, rep, args, pids))
        log("calibrate on the labelled set")
        result["calibrate"] = calibrate(env, fake, out_dir)
        log("the labelled set through the router")
        result["labelled"] = asyncio.run(labelled_through_router(api, rep))
        log(f"budget: {BUDGET_CALLS} concurrent calls against a cap of {BUDGET_FITS} reservations")
        result["budget"] = asyncio.run(budget(api, fake, budget_rep))
    finally:
        for process in reversed(processes):
            stop(process)
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


def answers(found: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(found.items()))


def cmd_report(args: argparse.Namespace) -> None:
    res = json.loads(Path(args.file).read_text())
    ov, cache, bud, cal, lab = (
        res["overhead"], res["cached"], res["budget"], res["calibrate"], res["labelled"],
    )  # fmt: skip
    paths = ov["paths"]
    router = paths["router"]
    portkey = paths.get("portkey")
    five_xx = sum(v for k, v in bud["statuses"].items() if not k.isdigit() or int(k) >= 500)
    rep = cal["report"]
    one_cached = cache["sequential"]
    cached_ok = (
        one_cached["cached"] >= one_cached["latency_ms"].get("n", 1)
        and one_cached["not_ok"] == 0
        and one_cached["latency_ms"]["p95"] <= TARGET_CACHED_P95_MS
    )
    lines = [
        "| SPEC 10.1 row | Target | Measured | |",
        "|---|---|---|---|",
        f"| Router overhead at {res['concurrency']} concurrent (p95 of the router − p95 direct "
        f"to the fake) | ≤ {TARGET_OVERHEAD_P95_MS:g} ms | {ms(router['overhead_ms']['p95'])} ms"
        f" (router p95 {ms(router['latency_ms']['p95'])}, direct "
        f"{ms(paths['direct']['latency_ms']['p95'])}) | "
        f"{verdict(router['overhead_ms']['p95'] <= TARGET_OVERHEAD_P95_MS)} |",
        "| Same through Portkey 1.15.2, for comparison | — | "
        + (
            f"{ms(portkey['overhead_ms']['p95'])} ms (Portkey p95 "
            f"{ms(portkey['latency_ms']['p95'])}) | — |"
            if portkey
            else f"not measured: {res['portkey']['error']} | — |"
        ),
        f"| Cached answer, p95, one request at a time | ≤ {TARGET_CACHED_P95_MS:g} ms | "
        f"{ms(one_cached['latency_ms']['p95'])} ms ({one_cached['cached']} of "
        f"{one_cached['latency_ms'].get('n', 0)} cached) | {verdict(cached_ok)} |",
        f"| Same at {res['concurrency']} concurrent (wrk), for the record | — | "
        f"{ms(cache['repeated']['latency_ms']['p95'])} ms ({cache['repeated']['cached']} of "
        f"{cache['repeated']['latency_ms'].get('n', 0)} cached, "
        f"{cache['req_per_s']:.0f} req/s) | — |",
        f"| Budget: {bud['calls']} concurrent calls, cap = {BUDGET_FITS} reservations "
        f"({bud['cap_eur']:.6f} EUR) | settled ≤ 110 % of the cap, 0 × 5xx | "
        f"{bud['spent_pct_of_cap']:.1f} % settled ({bud['spent_eur']:.6f} EUR); "
        f"{answers(bud['statuses'])} | "
        f"{verdict(bud['spent_pct_of_cap'] <= TARGET_BUDGET_PCT and five_xx == 0)} |",
        f"| Escalation rate / small-model share, `freshplan ai calibrate`, held-out "
        f"{rep.get('items', '?')} of 257 | reported (fakes) | {rep.get('escalation_rate')} / "
        f"{rep.get('small_share')} | — |",
        f"| Small-model share, all {lab['items']} items through the router with the stored map "
        f"| reported (fakes) | {100 * lab['small_share']:.1f} % ({lab['tiers']['small']} small, "
        f"{lab['tiers']['large']} large; {answers(lab['statuses'])}) | — |",
        "",
        f"Latency per path, wrk with {res['concurrency']} connections, closed loop, "
        f"{res['rounds']} interleaved rounds of {res['seconds_per_round']:g} s per path after a "
        f"{res['warmup_seconds']:g} s warm-up each; ms from the send to the end of the response "
        "(a path's percentile is the request-weighted mean of its rounds'). Overhead = the "
        "path's percentile − the direct percentile (percentiles of different runs, not "
        "per-request differences: a request cannot go both ways).",
        "",
        "| Path | Requests (answers) | p50 / p95 / p99 ms | max ms | Overhead p50 / p95 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for name, p in paths.items():
        over = p.get("overhead_ms")
        lines.append(
            f"| {name} | {p['latency_ms'].get('n', 0)} ({answers(p['statuses'])}) | "
            f"{three(p['latency_ms'])} | {ms(p['latency_ms'].get('max', 0))} | "
            + (" / ".join(ms(over[k]) for k in ("p50", "p95", "p99")) if over else "baseline")
            + " |"
        )
    lines += [
        f"| cached (same body) | {cache['repeated']['latency_ms'].get('n', 0)} "
        f"({answers(cache['repeated']['statuses'])}) | {three(cache['repeated']['latency_ms'])} |"
        f" {ms(cache['repeated']['latency_ms'].get('max', 0))} | — |",
        "",
        "Throughput and CPU in the measured 50-concurrent rounds (% of one core; machine: % of "
        "both cores; PostgreSQL and everything else = the rest of the machine):",
        "",
        "| Path | req/s | fake | service | Portkey | load generator | machine |",
        "|---|---|---|---|---|---|---|",
    ]
    rates = ov.get("req_per_s", {}) | {"cached": cache["req_per_s"]}
    for name, cpu in [*ov.get("cpu_pct", {}).items(), ("cached", cache["cpu_pct"])]:
        lines.append(
            f"| {name} | {rates[name]:.0f} | {cpu.get('fake', 0):.0f} | {cpu.get('service', 0):.0f}"
            f" | {cpu.get('portkey', 0):.0f} | {cpu.get('load generator', 0):.0f} | "
            f"{cpu.get('machine', 0):.0f} |"
        )
    seq = ov.get("sequential", {})
    lines += [
        "",
        f"One request at a time (wrk, 1 connection, no queueing), {res['seconds_per_round']:g} s "
        "per path:",
        "",
        "| Path | p50 / p95 / p99 ms | Overhead p50 / p95 / p99 ms |",
        "|---|---|---|",
    ]
    for name, p in [*seq.items(), ("cached", cache.get("sequential"))]:
        if not p:
            continue
        over = p.get("overhead_ms")
        lines.append(
            f"| {name} | {three(p['latency_ms'])} | "
            + (" / ".join(ms(over[k]) for k in ("p50", "p95", "p99")) if over else "—")
            + " |"
        )
    lines += [
        "",
        f"Router answers: tiers {router['tiers']}, escalated {router['escalated']}, cached "
        f"{router['cached']}. Chat body {ov['chat_body_bytes']} bytes, model {ov['model']}.",
        f"Budget: one call reserves {bud['reservation_eur']:.8f} EUR and costs "
        f"{bud['one_call_cost_eur']:.8f} EUR; {bud['calls']} calls in {bud['wall_s']:.1f} s; "
        f"unsettled reservations afterwards: {bud['unsettled_reservations']}; latency "
        f"p50 / p95 / p99 {three(bud['latency_ms'])} ms.",
        "",
        "`freshplan ai calibrate` (held-out part):",
        "",
        "```",
        cal["stdout"].rstrip(),
        "```",
        "",
    ]
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", required=True)
    r.add_argument("--port", type=int, required=True, help="the service")
    r.add_argument("--openai-port", type=int, required=True)
    r.add_argument("--anthropic-port", type=int, required=True)
    r.add_argument("--portkey-port", type=int, default=8787)
    r.add_argument(
        "--portkey-dir", type=Path, default=None, help="where @portkey-ai/gateway is installed"
    )
    r.add_argument("--portkey-error", default=None, help="why Portkey is not there")
    r.add_argument("--concurrency", type=int, default=50)
    r.add_argument("--seconds", type=float, default=10.0, help="one measured wrk round")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--warmup-seconds", type=float, default=3.0)
    p = sub.add_parser("report")
    p.add_argument("file")
    args = parser.parse_args()
    {"run": cmd_run, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
