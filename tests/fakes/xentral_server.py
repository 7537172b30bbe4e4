"""A local Xentral ERP that speaks the real API's wire format for the product catalogue
(../shared/reference/connectors-api.md 1.1-1.6 and 1.11): bearer token, `{data, extra}` envelope,
`page[number]`/`page[size]` (more than 50 is a 400), `filter[n][key|op|value]` and the rate limit
with `X-RateLimit-*` headers and 429 + `Retry-After` + `X-RateLimit-Reset`.

    python -m tests.fakes.xentral_server --port P [--token T] [--rate-limit N --rate-window S]
        [--demo N]    (start with N demo products, for make run without credentials)

A test steers it over HTTP:

    PUT    /_fake/products   {"products": [item, ...]}   replace the catalogue (Xentral's items)
    PATCH  /_fake/products   {"products": [item, ...]}   change or add items by id (updatedAt moves)
    DELETE /_fake/products/<id>                           the product disappears from the list
    POST   /_fake/config     {"rate_limit": N, "rate_window": S, "token": T, "send_remaining": B}
    POST   /_fake/faults     {"faults": [{"mode": ..., "times": 1, "status": 503, "delay": 2,
                                          "retry_after": 1}]}
    GET    /_fake/requests   {"requests": [{method, path, query, status, at}], "throttled": n}
    DELETE /_fake/requests   forget the log
    GET    /_fake/health

Fault modes, taken one per request in order: `status` (that status with a problem body),
`slow` (answers after `delay` seconds), `drop` (starts a response and closes the connection),
`throttle` (a 429 with `retry_after`). The server's own sliding-window limit counts every API
request at its arrival, as a real limiter would.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import re
import signal
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.fakes.llm import Receive, Send, lifespan, read_body, respond

MEDIA_OK = ("application/json", "application/vnd.xentral.default.v1+json", "*/*", "")
FILTER = re.compile(r"^filter\[(\d+)\]\[(key|op|value)\]$")
FAULT_MODES = frozenset({"status", "slow", "drop", "throttle"})


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def demo_catalogue(count: int) -> list[dict[str, Any]]:
    units = ["Stück", "kg", "Karton", "Liter"]
    return [
        {
            "id": str(1000 + n),
            "number": f"FF-{n:05d}",
            "name": f"Demo-Artikel {n}",
            "unit": {"name": units[n % len(units)]},
            "isDisabled": False,
            "isDeleted": False,
            "salesPriceNet": {"amount": f"{2 + n % 50}.{n % 100:02d}", "currency": "EUR"},
        }
        for n in range(1, count + 1)
    ]


@dataclass
class Fault:
    mode: str
    times: int | None = 1
    status: int = 503
    delay: float = 0.0
    retry_after: float = 1.0


@dataclass
class State:
    token: str
    rate_limit: int
    rate_window: float
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    arrivals: collections.deque[float] = field(default_factory=collections.deque)
    throttled: int = 0
    send_remaining: bool = True  # False: X-RateLimit-Limit without X-RateLimit-Remaining

    def put(self, items: list[Any]) -> None:
        """Store items by id; a test's broken item (not an object) is listed last, as it is."""
        stamp = now_iso()
        for n, item in enumerate(items):
            key = str(item["id"]) if isinstance(item, dict) else f"~broken-{n}"
            self.products[key] = item
            self.updated[key] = stamp

    def next_fault(self) -> Fault | None:
        for fault in self.faults:
            if fault.times is None or fault.times > 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None


def problem(status: int, title: str, **extra: Any) -> dict[str, Any]:
    return {"type": "https://api.xentral.biz/problems/generic-validation", "title": title, **extra}


def matches(item: dict[str, Any], updated: str, key: str, op: str, value: str) -> bool:
    if key == "updatedAt":
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"updatedAt: not a date: {value}") from exc
        at = dt.datetime.fromisoformat(updated)
        return {"greaterThan": at > when, "greaterThanOrEquals": at >= when}[op]
    if key == "onlyActive":
        return not item.get("isDisabled") if value in ("1", "true") else True
    if key == "onlyLocked":
        return bool(item.get("isDisabled")) if value in ("1", "true") else True
    field_value = str(item.get({"id": "id", "number": "number", "name": "name", "ean": "ean"}[key]))
    if op == "equals":
        return field_value == value
    if op == "in":
        return field_value in value.split(",")
    if op == "startsWith":
        return field_value.startswith(value)
    if op == "contains":
        return value.lower() in field_value.lower()
    raise KeyError(op)


def make_app(state: State) -> Any:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        method, route = scope["method"], scope["path"]
        if route.startswith("/_fake/"):
            await control(state, method, route, body, send)
            return
        query = urllib.parse.parse_qsl(
            scope.get("query_string", b"").decode(), keep_blank_values=True
        )
        entry: dict[str, Any] = {
            "method": method, "path": route, "query": dict(query), "status": 0, "at": time.time(),
        }  # fmt: skip
        state.requests.append(entry)
        status = await api(state, scope, method, route, query, entry, send)
        entry["status"] = status

    return app


async def api(  # noqa: PLR0912 - one branch per fault and route
    state: State,
    scope: dict[str, Any],
    method: str,
    route: str,
    query: list[tuple[str, str]],
    entry: dict[str, Any],
    send: Send,
) -> int:
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    now = time.time()
    while state.arrivals and state.arrivals[0] <= now - state.rate_window:
        state.arrivals.popleft()
    state.arrivals.append(now)
    used = len(state.arrivals)
    limit_headers = {"X-RateLimit-Limit": str(state.rate_limit)}
    if state.send_remaining:
        limit_headers["X-RateLimit-Remaining"] = str(max(state.rate_limit - used, 0))
    if used > state.rate_limit:
        state.throttled += 1
        reset = state.arrivals[0] + state.rate_window
        wait = max(reset - now, 0.0)
        await respond(send, 429, {"message": "Too many API calls made."}, limit_headers | {
            "Retry-After": str(max(int(wait + 0.999), 1)), "X-RateLimit-Reset": str(int(reset + 1)),
        })  # fmt: skip
        return 429
    if headers.get("authorization") != f"Bearer {state.token}":
        await respond(send, 401, {"message": "Unauthorized"}, limit_headers)
        return 401
    fault = state.next_fault()
    if fault is not None:
        entry["fault"] = fault.mode
        if fault.mode == "status":
            await respond(send, fault.status, problem(fault.status, "Fault"), limit_headers)
            return fault.status
        if fault.mode == "throttle":
            until = str(int(now + fault.retry_after))
            await respond(send, 429, {"message": "Too many API calls made."}, limit_headers | {
                "Retry-After": str(fault.retry_after), "X-RateLimit-Reset": until,
            })  # fmt: skip
            return 429
        if fault.mode == "drop":
            await send({
                "type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            })  # fmt: skip
            await send({"type": "http.response.body", "body": b'{"data": [', "more_body": True})
            raise ConnectionAbortedError("fault: dropped connection")
        if fault.mode == "slow":
            await asyncio.sleep(fault.delay)
    accept = headers.get("accept", "").split(";")[0].strip()
    if accept not in MEDIA_OK and "vnd.xentral" in accept:
        await respond(send, 406, {"message": "Requested resource representation does not exist"})
        return 406
    if method != "GET" or not route.startswith("/api/v2/products"):
        await send(
            {"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]}
        )
        await send({"type": "http.response.body", "body": b""})
        return 404
    if route != "/api/v2/products":
        item = state.products.get(route.removeprefix("/api/v2/products/"))
        if item is None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return 404
        await respond(send, 200, {"data": item, "extra": {}}, limit_headers)
        return 200
    return await list_products(state, query, limit_headers, send)


async def list_products(
    state: State, query: list[tuple[str, str]], limit_headers: dict[str, str], send: Send
) -> int:
    params = dict(query)
    try:
        number = int(params.get("page[number]", "1"))
        size = int(params.get("page[size]", "10"))
    except ValueError:
        await respond(send, 400, problem(400, "page must be a number"), limit_headers)
        return 400
    if number < 1 or not 1 <= size <= 50:
        await respond(send, 400, problem(400, "page[size] must be between 1 and 50"), limit_headers)
        return 400
    filters: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for name, value in query:
        found = FILTER.match(name)
        if found:
            filters[found.group(1)][found.group(2)] = value
    keys = sorted(state.products, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    try:
        for spec in filters.values():
            key, op, value = spec["key"], spec.get("op", "equals"), spec.get("value", "")
            keys = [
                k for k in keys
                if isinstance(state.products[k], dict)
                and matches(state.products[k], state.updated[k], key, op, value)
            ]  # fmt: skip
    except (KeyError, ValueError) as exc:
        await respond(send, 400, problem(400, f"unsupported filter: {exc}"), limit_headers)
        return 400
    items = [state.products[k] for k in keys]
    page = items[(number - 1) * size : number * size]
    envelope = {
        "data": page,
        "extra": {"totalCount": len(items), "page": {"number": number, "size": size}},
    }
    await respond(send, 200, envelope, limit_headers)
    return 200


# one branch per control route
async def control(state: State, method: str, route: str, body: bytes, send: Send) -> None:  # noqa: PLR0912
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        await respond(send, 400, {"error": "not JSON"})
        return
    if route == "/_fake/health":
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/products" and method in ("PUT", "PATCH"):
        if method == "PUT":
            state.products.clear()
            state.updated.clear()
        state.put(parsed.get("products", []))
        await respond(send, 200, {"products": len(state.products)})
    elif route.startswith("/_fake/products/") and method == "DELETE":
        state.products.pop(route.removeprefix("/_fake/products/"), None)
        await respond(send, 200, {"products": len(state.products)})
    elif route == "/_fake/config" and method == "POST":
        unknown = set(parsed) - {"rate_limit", "rate_window", "token", "send_remaining"}
        if unknown:
            await respond(send, 400, {"error": f"unknown settings {sorted(unknown)}"})
            return
        state.rate_limit = int(parsed.get("rate_limit", state.rate_limit))
        state.rate_window = float(parsed.get("rate_window", state.rate_window))
        state.token = str(parsed.get("token", state.token))
        state.send_remaining = bool(parsed.get("send_remaining", state.send_remaining))
        state.arrivals.clear()
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/faults" and method == "POST":
        try:
            faults = [Fault(**f) for f in parsed.get("faults", [])]
        except TypeError as exc:
            await respond(send, 400, {"error": f"not a fault: {exc}"})
            return
        unknown_modes = [f.mode for f in faults if f.mode not in FAULT_MODES]
        if unknown_modes:
            await respond(send, 400, {"error": f"unknown modes {unknown_modes}"})
            return
        state.faults.extend(faults)
        await respond(send, 200, {"faults": len(state.faults)})
    elif route == "/_fake/requests" and method == "GET":
        await respond(send, 200, {"requests": state.requests, "throttled": state.throttled})
    elif route == "/_fake/requests" and method == "DELETE":
        state.requests.clear()
        state.faults.clear()
        state.throttled = 0
        await respond(send, 200, {"ok": True})
    else:
        await respond(send, 404, {"error": "unknown control endpoint"})


def main() -> None:
    parser = argparse.ArgumentParser(prog="fake xentral")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default="test-xentral-token")
    parser.add_argument("--rate-limit", type=int, default=100)
    parser.add_argument("--rate-window", type=float, default=60.0)
    parser.add_argument("--demo", type=int, default=0, help="start with this many demo products")
    args = parser.parse_args()
    state = State(token=args.token, rate_limit=args.rate_limit, rate_window=args.rate_window)
    state.put(demo_catalogue(args.demo))
    config = uvicorn.Config(
        make_app(state), host=args.host, port=args.port, log_level="warning",
        access_log=False, timeout_graceful_shutdown=1, lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    asyncio.run(server.serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
