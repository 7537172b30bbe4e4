"""The Xentral product sync benchmark (SPEC 10.1): the real worker against the local Xentral fake,
which enforces Xentral's real limit (100 requests per minute) and answers 429 beyond it.

    bench/xentral.py run --out results.json     (FRESHPLAN_PG_* name a migrated, seeded database)
    bench/xentral.py report results.json        (the Markdown table)

One worker process runs every sync, as in production, so all of them share its pace:
1. 1 000 SKUs, the first (full) pull of a tenant: target under 5 s;
2. the same again with nothing changed (incremental): target 1 request;
3. 10 000 SKUs, the full pull of another tenant right after: at most 100 requests a minute with
   0 x 429 (so about two minutes at best for 200 pages).
The incremental sync runs with XENTRAL_SYNC_OVERLAP_SECONDS=0: the products were loaded into the
fake seconds before, and the production overlap (120 s) would list them again (changing nothing,
but in 20 requests).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench|xentral-token"  # noqa: S105 - the local fake's token
TENANTS = {
    "freshfoodz": "10000000-0000-4000-8000-000000000001",
    "nordkueche": "10000000-0000-4000-8000-000000000002",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def conninfo() -> str:
    host = os.environ.get("FRESHPLAN_PG_HOST", "/tmp")  # noqa: S108 - the socket directory
    return (
        f"host={host} port={os.environ['FRESHPLAN_PG_PORT']}"
        f" dbname={os.environ['FRESHPLAN_PG_DATABASE']} user=postgres"
    )


def wait_for(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, psycopg.Error):
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def catalogue(count: int, start: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(n),
            "number": f"BX-{n:06d}",
            "name": f"Artikel {n}",
            "unit": {"name": "Karton"},
            "isDisabled": n % 97 == 0,
            "isDeleted": False,
            "salesPriceNet": {"amount": f"{n % 50 + 1}.25", "currency": "EUR"},
        }
        for n in range(start, start + count)
    ]


def sync(conn: psycopg.Connection[Any], fake: str, tenant: str, label: str) -> dict[str, Any]:
    """Queue one sync, wait for it; its timings, the requests the fake saw and any 429."""
    httpx.delete(f"{fake}/_fake/requests", timeout=10).raise_for_status()
    row = conn.execute(
        "insert into app.jobs (tenant_id, kind) values (%s, 'xentral.products') returning id",
        [tenant],
    ).fetchone()
    assert row is not None
    job_id = row[0]
    queued = time.monotonic()
    print(f"{label}: job {job_id} queued", flush=True)

    def finished() -> bool:
        state = conn.execute("select state from app.jobs where id = %s", [job_id]).fetchone()
        return state is not None and state[0] in ("DONE", "PARKED")

    wait_for(finished, 900, f"job {job_id}")
    wall = time.monotonic() - queued
    state, error, result = conn.execute(
        "select j.state, j.last_error, s.last_result from app.jobs as j"
        " left join app.connector_states as s"
        " on s.tenant_id = j.tenant_id and s.connector = 'xentral'"
        " where j.id = %s",
        [job_id],
    ).fetchone() or (None, None, None)
    log = httpx.get(f"{fake}/_fake/requests", timeout=10).json()
    statuses = [entry["status"] for entry in log["requests"]]
    counted = conn.execute(
        "select count(*) from app.products where tenant_id = %s and xentral_id is not null",
        [tenant],
    ).fetchone()
    outcome = {
        "label": label,
        "state": state,
        "error": error,
        "wall_seconds": round(wall, 3),
        "sync_seconds": (result or {}).get("seconds"),
        "requests": len(statuses),
        "throttled": statuses.count(429),
        "listed": (result or {}).get("listed"),
        "products": counted[0] if counted else None,
    }
    print(f"{label}: {json.dumps(outcome)}", flush=True)
    return outcome


def run(args: argparse.Namespace) -> None:
    port = free_port()
    fake = f"http://127.0.0.1:{port}"
    logs = Path(args.out).parent
    fake_process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.xentral_server", "--port", str(port), "--token", TOKEN,
         "--rate-limit", "100", "--rate-window", "60"],
        cwd=ROOT, stdout=(logs / "xentral-fake.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = None
    try:
        wait_for(lambda: httpx.get(f"{fake}/_fake/health").status_code == 200, 30, "the fake")
        env = os.environ | {
            "XENTRAL_BASE_URL": fake,
            "XENTRAL_TOKEN": TOKEN,
            "XENTRAL_SYNC_OVERLAP_SECONDS": "0",
            "FRESHPLAN_SMTP_URL": f"file://{logs}/mail",
            "FRESHPLAN_WORKER_POLL_SECONDS": "0.2",
            "FRESHPLAN_LOG_LEVEL": "WARNING",
        }
        worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/freshplan"), "worker"],
            cwd=ROOT, env=env, stdout=(logs / "xentral-worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        with psycopg.connect(conninfo(), autocommit=True) as conn:
            wait_for(
                lambda: (
                    conn.execute(
                        "select configured from app.connectors where connector = 'xentral'"
                    ).fetchone()
                    == (True,)
                ),
                60,
                "the worker",
            )
            httpx.put(
                f"{fake}/_fake/products", json={"products": catalogue(1000, 1)}, timeout=60
            ).raise_for_status()
            results = [sync(conn, fake, TENANTS["freshfoodz"], "1000 SKUs, first pull")]
            results.append(sync(conn, fake, TENANTS["freshfoodz"], "1000 SKUs, nothing changed"))
            httpx.put(
                f"{fake}/_fake/products",
                json={"products": catalogue(10000, 100001)},
                timeout=120,
            ).raise_for_status()
            results.append(sync(conn, fake, TENANTS["nordkueche"], "10000 SKUs, first pull"))
        Path(args.out).write_text(json.dumps({"results": results}, indent=2), encoding="utf-8")
    finally:
        for process in (worker, fake_process):
            if process is not None:
                process.terminate()
                process.wait(30)


def report(path: str) -> None:
    results = json.loads(Path(path).read_text(encoding="utf-8"))["results"]
    targets: dict[str, Callable[[dict[str, Any]], tuple[bool, str]]] = {
        "1000 SKUs, first pull": lambda r: (r["wall_seconds"] < 5, "< 5 s"),
        "1000 SKUs, nothing changed": lambda r: (r["requests"] == 1, "1 request"),
        "10000 SKUs, first pull": lambda r: (
            r["throttled"] == 0 and r["products"] == 10000,
            "0 × 429, ≤ 100 requests/min, all stored",
        ),
    }
    print("| Sync | Queued → done | Sync | Requests | 429s | Products stored | Target | |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        ok, target = targets[r["label"]](r)
        verdict = "pass" if ok and r["state"] == "DONE" else "FAIL"
        print(
            f"| {r['label']} | {r['wall_seconds']:.2f} s | {r['sync_seconds']} s | {r['requests']}"
            f" | {r['throttled']} | {r['products']} | {target} | {verdict} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/xentral.py")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--out", required=True)
    report_parser = sub.add_parser("report")
    report_parser.add_argument("path")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        report(args.path)


if __name__ == "__main__":
    main()
