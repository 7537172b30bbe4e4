"""Measurements for the lead-protection benchmark (SPEC 10.1); bench/run drives it.

Subcommands (all connect as the superuser over the cluster's socket, FRESHPLAN_PG_* variables):

  measure --size N --out FILE     database timings (EXPLAIN ANALYZE as a sales rep), the recompute
                                  baseline, deadline equivalence and plans; writes FILE (JSON)
  tokens --out FILE               (JWT, owned lead id) pairs of many reps, for wrk
  check-http --pairs FILE --url U one request per pair through PostgREST: 200 and exactly one row
  http-result --result FILE --wrk-output FILE
                                  adds wrk's numbers to a size's result file
  report FILE...                  the results table (Markdown) and the plans of the largest size
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.core.auth import mint_token  # noqa: E402
from api.core.settings import DEV_JWT_SECRET  # noqa: E402

# SPEC 10.1 targets (milliseconds, requests/s, ratio).
TARGET_ONE_LEAD_MS = 1.0
TARGET_PAGE_MS = 5.0
TARGET_HTTP_P95_MS = 15.0
TARGET_HTTP_RPS = 1500.0
TARGET_RATIO = 100.0

ENGINE_ONE = "select * from api.lead_protection where lead_id = {lead}"
ENGINE_PAGE_EXPIRES = (
    "select * from api.lead_protection where owner_id = {me} order by expires_at limit 50"
)
ENGINE_PAGE_REGISTERED = (
    "select * from api.lead_protection where owner_id = {me} order by registered_at desc limit 50"
)
NAIVE_PAGE = (
    "select * from bench.lead_protection_recompute where owner_id = {me}"
    " order by expires_at limit 50"
)
COMPARED = (
    "status",
    "clock_stopped",
    "registered_at",
    "last_progress_at",
    "progress_due_at",
    "warning_at",
    "grace_until",
    "term_end_at",
    "expires_at",
    "override_until",
    "held_days",
)

Sample = dict[str, str]


def conninfo() -> str:
    env = os.environ
    return (
        f"host={env['FRESHPLAN_PG_HOST']} port={env['FRESHPLAN_PG_PORT']} "
        f"dbname={env['FRESHPLAN_PG_DATABASE']} user=postgres application_name=bench"
    )


def log(message: str) -> None:
    print(f"[measure] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "runs": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "min": min(values),
        "max": max(values),
    }


def samples(conn: psycopg.Connection[Any], count: int) -> list[Sample]:
    """Distinct reps, each with one owned lead that is ACTIVE or GRACE now (visible to them)."""
    rows = conn.execute(
        """
        select r.user_id::text, r.tenant_id::text, r.org_id::text, x.id::text
        from bench.reps as r
        cross join lateral (
            select l.id
            from app.leads as l
            inner join app.protection_configs as c on l.tenant_id = c.tenant_id
            where l.owner_id = r.user_id
              and app.lead_status(l, c, app.now()) in ('ACTIVE', 'GRACE')
            order by l.id
            limit 1
        ) as x
        order by md5(r.idx::text)
        limit %s
        """,
        (count,),
    ).fetchall()
    return [{"sub": s, "tenant_id": t, "org_id": o, "lead": lead} for s, t, o, lead in rows]


def claims(sample: Sample) -> dict[str, str]:
    return {
        "role": "sales_rep",
        "sub": sample["sub"],
        "tenant_id": sample["tenant_id"],
        "org_id": sample["org_id"],
    }


def as_rep(conn: psycopg.Connection[Any], sample: Sample) -> None:
    """Inside a transaction: become the rep exactly as PostgREST does (tests.authenticate_as)."""
    conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims(sample)),))
    conn.execute("select set_config('role', 'sales_rep', true)")
    conn.execute("select app_private.check_request()")


def render(template: str, sample: Sample) -> sql.Composed:
    return sql.SQL(template).format(
        lead=sql.Literal(sample["lead"]) + sql.SQL("::uuid"),
        me=sql.Literal(sample["sub"]) + sql.SQL("::uuid"),
    )


def explain(
    conn: psycopg.Connection[Any], sample: Sample, template: str
) -> tuple[float, float, int]:
    """Execution ms, planning ms and rows of one EXPLAIN (ANALYZE) run as the sample's rep."""
    with conn.transaction(force_rollback=True):
        as_rep(conn, sample)
        query = sql.SQL("explain (analyze, format json) ") + render(template, sample)
        row = conn.execute(query).fetchone()
    assert row is not None
    plan = row[0][0]
    return plan["Execution Time"], plan["Planning Time"], int(plan["Plan"]["Actual Rows"])


def text_plan(conn: psycopg.Connection[Any], sample: Sample, template: str) -> str:
    with conn.transaction(force_rollback=True):
        as_rep(conn, sample)
        query = sql.SQL("explain (analyze, buffers, costs off) ") + render(template, sample)
        lines = [r[0] for r in conn.execute(query).fetchall()]
    # Drop the InitPlans PostgreSQL lists, never executed, for every unused claim lookup.
    kept: list[str] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if "InitPlan" in line and "never executed" in nxt:
            continue
        if "never executed" in line and "InitPlan" in (lines[i - 1] if i else ""):
            continue
        kept.append(line if len(line) <= 240 else line[:240] + " …")
    return "\n".join(kept)


def measure_query(
    conn: psycopg.Connection[Any],
    pool: list[Sample],
    template: str,
    runs: int,
    warmup: int,
    *,
    budget_s: float = 90.0,
) -> dict[str, Any]:
    """Median/p95 of `runs` runs over different reps; slow queries get fewer runs (at least 5),
    so that one query kind takes about budget_s."""
    first_ms = 0.0
    for i in range(max(1, min(warmup, runs))):
        first_ms = explain(conn, pool[i % len(pool)], template)[0]
    runs = max(5, min(runs, int(budget_s * 1000 / max(first_ms, 0.001))))
    execution: list[float] = []
    planning: list[float] = []
    rows: list[int] = []
    for i in range(runs):
        exec_ms, plan_ms, n = explain(conn, pool[i % len(pool)], template)
        execution.append(exec_ms)
        planning.append(plan_ms)
        rows.append(n)
    return {
        "execution_ms": summary(execution),
        "planning_ms": summary(planning),
        "rows_median": statistics.median(rows),
    }


def equivalence(conn: psycopg.Connection[Any], pool: list[Sample]) -> dict[str, Any]:
    """Engine vs recompute, as each rep, in one transaction (same clock): all of their leads."""
    compared = mismatched = engine_only = naive_only = 0
    examples: list[str] = []
    for sample in pool:
        with conn.transaction(force_rollback=True):
            as_rep(conn, sample)
            me = sample["sub"]
            cols = ", ".join(COMPARED)
            engine = {
                r[0]: r[1:]
                for r in conn.execute(
                    f"select lead_id, {cols} from api.lead_protection where owner_id = %s",  # noqa: S608
                    (me,),
                ).fetchall()
            }
            naive = {
                r[0]: r[1:]
                for r in conn.execute(
                    f"select lead_id, {cols} from bench.lead_protection_recompute"  # noqa: S608
                    " where owner_id = %s",
                    (me,),
                ).fetchall()
            }
        engine_only += len(engine.keys() - naive.keys())
        naive_only += len(naive.keys() - engine.keys())
        for lead_id in engine.keys() & naive.keys():
            compared += 1
            if engine[lead_id] != naive[lead_id]:
                mismatched += 1
                if len(examples) < 5:
                    diff = {
                        c: [str(a), str(b)]
                        for c, a, b in zip(COMPARED, engine[lead_id], naive[lead_id], strict=True)
                        if a != b
                    }
                    examples.append(f"{lead_id}: {diff}")
    return {
        "reps": len(pool),
        "leads_compared": compared,
        "mismatches": mismatched,
        "engine_only": engine_only,
        "recompute_only": naive_only,
        "examples": examples,
    }


def cmd_measure(args: argparse.Namespace) -> None:
    result: dict[str, Any] = {"size": args.size, "timings_s": json.loads(args.timings or "{}")}
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        result["server"] = {
            "version": conn.execute("show server_version").fetchone()[0],  # type: ignore[index]
            "shared_buffers": conn.execute("show shared_buffers").fetchone()[0],  # type: ignore[index]
        }
        for step, seconds in conn.execute("select step, seconds from bench.timings").fetchall():
            result["timings_s"][step] = float(seconds)
        result["leads_per_rep"] = float(
            conn.execute(
                "select round(avg(c)) from (select count(*) c from app.leads"
                " where owner_id is not null group by owner_id) x"
            ).fetchone()[0]
        )  # type: ignore[index]
        pool = samples(conn, args.reps)
        log(f"{len(pool)} sample reps, each with an ACTIVE/GRACE lead")
        runs = args.runs
        log(f"(a) one lead's protection row, {runs} runs")
        result["one_lead"] = measure_query(conn, pool, ENGINE_ONE, runs, 20)
        page_runs = min(runs, args.page_runs)
        log(f"(c) a rep's first page of 50, {page_runs} runs per ordering")
        result["page_expires"] = measure_query(conn, pool, ENGINE_PAGE_EXPIRES, page_runs, 1)
        result["page_registered"] = measure_query(conn, pool, ENGINE_PAGE_REGISTERED, page_runs, 1)
        plans = {
            "one_lead": text_plan(conn, pool[0], ENGINE_ONE),
            "page_expires": text_plan(conn, pool[0], ENGINE_PAGE_EXPIRES),
        }
        if args.size <= args.naive_max_size:
            naive_runs = args.naive_runs
            log(f"(d) recompute-on-read baseline, {naive_runs} runs")
            result["page_naive"] = measure_query(conn, pool, NAIVE_PAGE, naive_runs, 2)
            plans["page_naive"] = text_plan(conn, pool[0], NAIVE_PAGE)
            eq_pool = pool[: args.equivalence_reps]
            log(f"(d) equivalence of deadlines, {len(eq_pool)} reps")
            result["equivalence"] = equivalence(conn, eq_pool)
        result["plans"] = plans
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))


def timed_sweep(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    started = time.perf_counter()
    counts = conn.execute("select app_private.run_job('sweep')").fetchone()[0]  # type: ignore[index]
    return {"seconds": time.perf_counter() - started, "result": counts}


def cmd_sweep(args: argparse.Namespace) -> None:
    """The sweep (SPEC 3.8) on the generated data, then a day later, each re-run at once."""
    result = json.loads(Path(args.result).read_text())
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        log("sweep: first run on the generated data (catches up everything due)")
        first = timed_sweep(conn)
        log(f"sweep: {first['seconds']:.2f} s, {first['result']}; immediate re-run")
        first_rerun = timed_sweep(conn)
        conn.execute(
            "insert into app.clock_override (fixed_at) values (now() + interval '1 day')"
            " on conflict (singleton) do update set fixed_at = excluded.fixed_at"
        )
        log("sweep: one day later (a nightly run's work)")
        nightly = timed_sweep(conn)
        log(f"sweep: {nightly['seconds']:.2f} s, {nightly['result']}; immediate re-run")
        nightly_rerun = timed_sweep(conn)
        conn.execute("delete from app.clock_override")
    result["sweep"] = {
        "first": first,
        "first_rerun": first_rerun,
        "nightly": nightly,
        "nightly_rerun": nightly_rerun,
    }
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))


def cmd_tokens(args: argparse.Namespace) -> None:
    secret = os.environ.get("FRESHPLAN_JWT_SECRET") or DEV_JWT_SECRET
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        pool = samples(conn, args.reps)
    lines = [f"{mint_token(claims(s), secret, 3600)} {s['lead']}" for s in pool]
    Path(args.out).write_text("\n".join(lines) + "\n")
    log(f"{len(lines)} (token, lead) pairs of distinct reps")


def cmd_check_http(args: argparse.Namespace) -> None:
    pairs = [line.split() for line in Path(args.pairs).read_text().splitlines() if line]
    with httpx.Client(base_url=args.url, timeout=10) as client:
        for token, lead in pairs[:20]:
            response = client.get(
                "/lead_protection",
                params={"lead_id": f"eq.{lead}"},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            if response.status_code != 200 or len(body) != 1 or body[0]["owner_id"] is None:
                raise SystemExit(f"PostgREST answered {response.status_code} {body} for {lead}")
    log("PostgREST returns the owner's protection row for sampled pairs")


def cmd_http_result(args: argparse.Namespace) -> None:
    result = json.loads(Path(args.result).read_text())
    output = Path(args.wrk_output).read_text()
    line = next(x for x in output.splitlines() if x.startswith("BENCH_RESULT "))
    http = json.loads(line.removeprefix("BENCH_RESULT "))
    http["wrk"] = args.wrk_command
    http["db_pool"] = args.db_pool
    result["http"] = http
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def fmt(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(res: dict[str, Any]) -> list[str]:
    size = res["size"]
    one = res["one_lead"]["execution_ms"]
    one_plan = res["one_lead"]["planning_ms"]
    exp = res["page_expires"]["execution_ms"]
    reg = res["page_registered"]["execution_ms"]
    big = size >= 1_000_000
    rows = [
        f"### {size:,} leads".replace(",", " "),
        "",
        "| What | Target | Median | p95 | Result |",
        "|---|---|---|---|---|",
        f"| (a) one lead, `api.lead_protection?lead_id=eq.…`, execution ms "
        f"({one['runs']} runs) | ≤ 1 ms at 1M | {fmt(one['median'])} | {fmt(one['p95'])} | "
        f"{verdict(one['median'] <= TARGET_ONE_LEAD_MS) if big else 'n/a (target at 1M)'} "
        f"({'pass' if one['median'] <= TARGET_ONE_LEAD_MS else 'over'} vs 1 ms) |",
        f"| (a) same, planning ms | — | {fmt(one_plan['median'])} | {fmt(one_plan['p95'])} | — |",
    ]
    http = res.get("http")
    if http:
        ok = http["p95_ms"] <= TARGET_HTTP_P95_MS and http["rps"] >= TARGET_HTTP_RPS
        rows.append(
            f"| (b) same through PostgREST, JWT + RLS, 50 clients: req/s; latency ms "
            f"p50 / p95 / p99 | p95 ≤ 15 ms, ≥ 1500 req/s | {http['rps']:.0f} req/s; "
            f"p50 {fmt(http['p50_ms'])} | p95 {fmt(http['p95_ms'])}, p99 {fmt(http['p99_ms'])} | "
            f"{verdict(ok)} (errors: {http['non2xx']} non-2xx, {http['socket_errors']} socket) |"
        )
    rows += [
        f"| (c) rep's first page, `owner_id = me order by expires_at limit 50`, execution ms "
        f"({exp['runs']} reps) | ≤ 5 ms at 1M | {fmt(exp['median'])} | {fmt(exp['p95'])} | "
        f"{verdict(exp['median'] <= TARGET_PAGE_MS) if big else 'n/a (target at 1M)'} "
        f"({'pass' if exp['median'] <= TARGET_PAGE_MS else 'over'} vs 5 ms) |",
        f"| (c) same, `order by registered_at desc` | ≤ 5 ms at 1M | {fmt(reg['median'])} | "
        f"{fmt(reg['p95'])} | {'pass' if reg['median'] <= TARGET_PAGE_MS else 'over'} vs 5 ms |",
    ]
    naive = res.get("page_naive")
    if naive:
        n = naive["execution_ms"]
        ratio = n["median"] / exp["median"]
        rows += [
            f"| (d) recompute-on-read view, same page, execution ms ({n['runs']} reps) | — | "
            f"{fmt(n['median'])} | {fmt(n['p95'])} | — |",
            f"| (d) ratio recompute / engine (median, api.lead_protection) | ≥ 100x at 100k | "
            f"{ratio:.2f}x | — | "
            f"{verdict(ratio >= TARGET_RATIO) if size == 100_000 else 'n/a (target at 100k)'} |",
        ]
        eq = res["equivalence"]
        rows.append(
            f"| (d) same deadlines, engine vs recompute ({eq['reps']} reps, "
            f"{eq['leads_compared']} leads) | 0 mismatches | {eq['mismatches']} mismatches, "
            f"{eq['engine_only']} engine-only, {eq['recompute_only']} recompute-only rows | — | "
            f"{verdict(eq['mismatches'] == 0 and eq['engine_only'] + eq['recompute_only'] == 0)}"
            f" |"
        )
    sweep = res.get("sweep")
    if sweep:
        limit = 60.0 if size >= 1_000_000 else 1.0 if size <= 10_000 else None
        for name, label in (
            ("first", "first run on the generated data (catch-up)"),
            ("nightly", "one day later (a nightly run)"),
        ):
            run, rerun = sweep[name], sweep[f"{name}_rerun"]
            counts = ", ".join(f"{k} {v}" for k, v in run["result"].items())
            ok = (
                "n/a (targets at 10k and 1M)"
                if limit is None
                else verdict(run["seconds"] <= limit and rerun["seconds"] <= 0.1 * limit)
            )
            rows.append(
                f"| sweep, {label}: s ({counts}); immediate re-run s | "
                f"{'≤ 60 s at 1M, ≤ 1 s at 10k; re-run ≤ 10 %'} | {run['seconds']:.2f} | "
                f"re-run {rerun['seconds']:.2f} | {ok} |"
            )
    rows.append("")
    t = res.get("timings_s", {})
    if t:
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in t.items())
        rows.append(f"Data: ~{res['leads_per_rep']:.0f} owned leads per rep; timings: {parts}.")
        rows.append("")
    if naive and res["equivalence"]["examples"]:
        rows.append("Mismatch examples: " + "; ".join(res["equivalence"]["examples"]))
        rows.append("")
    return rows


def cmd_report(args: argparse.Namespace) -> None:
    results = [json.loads(Path(f).read_text()) for f in args.files]
    results.sort(key=lambda r: r["size"])
    out: list[str] = []
    for res in results:
        out += table(res)
    if args.no_plans:
        print("\n".join(out))
        return
    largest = results[-1]
    out.append(f"### Plans at {largest['size']:,} leads (EXPLAIN ANALYZE, BUFFERS, as a rep)")
    for name, plan in largest["plans"].items():
        out += ["", f"{name}:", "```", plan, "```"]
    print("\n".join(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--size", type=int, required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--reps", type=int, default=200)
    m.add_argument("--runs", type=int, default=200)
    m.add_argument("--page-runs", type=int, default=100)
    m.add_argument("--naive-runs", type=int, default=20)
    m.add_argument("--naive-max-size", type=int, default=100_000)
    m.add_argument("--equivalence-reps", type=int, default=50)
    m.add_argument("--timings", default="{}")
    w = sub.add_parser("sweep")
    w.add_argument("--result", required=True)
    t = sub.add_parser("tokens")
    t.add_argument("--out", required=True)
    t.add_argument("--reps", type=int, default=500)
    c = sub.add_parser("check-http")
    c.add_argument("--pairs", required=True)
    c.add_argument("--url", required=True)
    h = sub.add_parser("http-result")
    h.add_argument("--result", required=True)
    h.add_argument("--wrk-output", required=True)
    h.add_argument("--wrk-command", required=True)
    h.add_argument("--db-pool", required=True)
    r = sub.add_parser("report")
    r.add_argument("--no-plans", action="store_true")
    r.add_argument("files", nargs="+")
    args = parser.parse_args()
    started = time.monotonic()
    {
        "measure": cmd_measure,
        "sweep": cmd_sweep,
        "tokens": cmd_tokens,
        "check-http": cmd_check_http,
        "http-result": cmd_http_result,
        "report": cmd_report,
    }[args.command](args)
    if args.command == "measure":
        log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
