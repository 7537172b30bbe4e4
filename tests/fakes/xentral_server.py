"""A local Xentral ERP that speaks the real API's wire format for the product catalogue, the
customers and the sales-order import (../shared/reference/connectors-api.md 1.1-1.9 and 1.11):
bearer token, `{data, extra}` envelope, `page[number]`/`page[size]` (more than 50 is a 400),
`filter[n][key|op|value]`, RFC 9457 problems and the rate limit with `X-RateLimit-*` headers and
429 + `Retry-After` + `X-RateLimit-Reset`.

    python -m tests.fakes.xentral_server --port P [--token T] [--rate-limit N --rate-window S]
        [--demo N]    (start with N demo products and 5 demo customers, for make run without
                       credentials)

The API it serves (every route needs the token and counts against the one rate limit):

    GET  /api/v2/products[/<id>]        filter keys id, number, name, ean, onlyActive, onlyLocked,
                                        updatedAt; ops equals, in, startsWith, contains,
                                        greaterThan(OrEquals) (updatedAt)
    GET  /api/v2/customers[/<id>]       page paging, or cursor paging: `cursor[size]` (1..50) and
                                        `cursor[nextCursor]` (the opaque base64 string of the
                                        previous answer), `extra: {"totalCount": n on the first
                                        page and null after it, "cursor": {"nextCursor": s|null,
                                        "size": n}}`; page and cursor together are a 400. Filter
                                        keys id, number, name, email (contactDetails.email), zip,
                                        city; ops equals, in (a comma list or `[value][]`),
                                        contains; name and email compare case-insensitively,
                                        contains always does. Several filters are AND-ed.
    POST /api/v1/salesOrders/actions/import     201, `Location: <base>/api/v1/salesOrders/<id>`,
                                        an empty text/html body; the order is stored `released`.
                                        415 for a body that is not application/json; 400
                                        request-validation with `violations` mirroring the payload
                                        (array elements keyed by their index as a string) for a
                                        broken structure; 400 generic-validation with `messages`
                                        for an unknown customer, product, payment method,
                                        shipping method or project, or a position without a price
                                        whose product has no salesPriceNet; 409 conflict for a
                                        repeated externalOrderNumber in duplicate_mode "conflict"
    GET  /api/v1/salesOrders[/<id>]     page paging, filter keys externalOrderNumber and status
                                        (ops equals, in)
    POST /api/v1/salesOrders/<id>/actions/cancel   204 for a created or released order (it is
                                        canceled), else 409 conflict

A test steers it over HTTP:

    PUT    /_fake/products   {"products": [item, ...]}   replace the catalogue (Xentral's items)
    PATCH  /_fake/products   {"products": [item, ...]}   change or add items by id (updatedAt moves)
    DELETE /_fake/products/<id>                           the product disappears from the list
    PUT    /_fake/customers  {"customers": [item, ...]}  replace the customers (Xentral's items:
                                                          id, number, name, customerType,
                                                          contactDetails {email, phone}, zip, city)
    PATCH  /_fake/customers  {"customers": [item, ...]}  change or add customers by id
    GET    /_fake/orders     {"orders": [{id, documentNumber, externalOrderNumber, status, date,
                                          customer {id, number}, createdAt, updatedAt,
                                          request}, ...]}   (request: the body as imported)
    POST   /_fake/orders/<id>/status {"status": "completed"}   created|released|completed|
                                                          canceled|unknown, as Xentral's UI would
    DELETE /_fake/orders                                  forget the orders
    POST   /_fake/config     {"rate_limit": N, "rate_window": S, "token": T, "send_remaining": B,
                              "duplicate_mode": "accept"|"conflict", "payment_methods": [id, ...],
                              "order_filter": "honoured"|"ignored"|"refused" (the order list's
                              filters: honoured, ignored, or a 400 for externalOrderNumber),
                              "shipping_methods": [id, ...], "projects": [id, ...]}
                             (ids the import knows, each {"1"} by default; unknown keys are a 400)
    POST   /_fake/faults     {"faults": [{"mode": ..., "times": 1, "status": 503, "delay": 2,
                                          "retry_after": 1, "path": "/api/v1/salesOrders",
                                          "method": "POST", "after": false}]}
    GET    /_fake/requests   {"requests": [{method, path, query, status, at, body?, fault?,
                                            processed?}], "throttled": n}
    DELETE /_fake/requests   forget the log and the faults (not the data)
    GET    /_fake/health

Fault modes, taken one per request in order: `status` (that status with a problem body),
`slow` (answers after `delay` seconds), `drop` (starts a response and closes the connection),
`throttle` (a 429 with `retry_after`). A fault with `path` applies only to requests whose path
starts with it, one with `method` only to that method; a request it does not apply to leaves it
for a later one. With `after: true` the request is processed first (an import IS stored) and the
fault then replaces its answer (`slow`: the real answer, late), which is how Xentral storing an
order whose 201 never reaches the client looks; the log entry's `processed` is the status the
real answer would have had. The server's own sliding-window limit counts every API request at
its arrival, as a real limiter would, so a throttled request is never processed.

The log entry of a request other than GET carries its `body`: the parsed JSON, else the text
(null when empty), so a test can assert what a client sent.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import collections
import datetime as dt
import json
import math
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
BODY_MEDIA = ("application/json", "application/vnd.xentral.default.v1+json")
FILTER = re.compile(r"^filter\[(\d+)\]\[(key|op|value)\]$")
# customers and orders also take the real API's array values: filter[0][value][]=1&...[]=2
ARRAY_FILTER = re.compile(r"^filter\[(\d+)\]\[(key|op|value)\](\[\d*\])?$")
FAULT_MODES = frozenset({"status", "slow", "drop", "throttle"})
PROBLEMS = "https://api.xentral.biz/problems/"
ORDER_STATUSES = frozenset({"created", "released", "completed", "canceled", "unknown"})
CANCELABLE = frozenset({"created", "released"})
DUPLICATE_MODES = frozenset({"accept", "conflict"})
CUSTOMER_FIELDS = frozenset({"id", "number", "name", "email", "zip", "city"})
CASELESS = frozenset({"name", "email"})
ORDER_FILTERS = frozenset({"externalOrderNumber", "status"})
ORDER_REQUIRED = frozenset({"date", "customer", "project", "financials", "delivery", "positions"})
ORDER_OPTIONAL = frozenset(
    {
        "externalOrderNumber", "externalOrderId", "transactionNumber", "customerOrderNumber",
        "salesChannel", "language", "autoCreateDocuments", "vatCheck", "discountPositions",
        "setTotalAmount", "comment", "internalDesignation", "tags",
    }
)  # fmt: skip
ORDER_STRINGS = (
    "externalOrderNumber", "externalOrderId", "transactionNumber", "customerOrderNumber",
    "comment", "internalDesignation",
)  # fmt: skip
AUTO_DOCUMENTS = frozenset({"deliveryNote+invoice", "deliveryNote", "invoice"})
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# Xentral's document numbers are their own series, not the id; a fixed offset keeps them apart
DOCUMENT_NUMBER_BASE = 200000
UNSUPPORTED_BODY = {"message": "Resource representation send in the request is not supported"}
NUMBER = (int, float)
TYPE_NAMES = {str: "string", dict: "object", list: "array", bool: "boolean", NUMBER: "number"}


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


def demo_customers() -> list[dict[str, Any]]:
    companies = [
        ("Gasthaus Zur Linde GmbH", "80331", "München"),
        ("Hotel Alsterblick KG", "20095", "Hamburg"),
        ("Kantine Müller & Söhne OHG", "50667", "Köln"),
        ("Restaurant Spreeufer GmbH", "10117", "Berlin"),
        ("Café Königstraße e.K.", "70173", "Stuttgart"),
    ]
    return [
        {
            "id": str(n),
            "number": str(10000 + n),
            "name": name,
            "customerType": "company",
            "contactDetails": {"email": f"einkauf@kunde{n}.example", "phone": f"+49 89 {n:07d}"},
            "zip": zip_code,
            "city": city,
        }
        for n, (name, zip_code, city) in enumerate(companies, start=1)
    ]


@dataclass
class Fault:
    mode: str
    times: int | None = 1
    status: int = 503
    delay: float = 0.0
    retry_after: float = 1.0
    path: str | None = None  # a prefix of the request path; None: every path
    method: str | None = None  # None: every method
    after: bool = False  # process the request first, then answer the fault

    def applies(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or path.startswith(self.path)


@dataclass
class Reply:
    """An API answer not sent yet, so that an `after` fault can replace it once it is built."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class State:
    token: str
    rate_limit: int
    rate_window: float
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)
    customers: dict[str, Any] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_order_id: int = 0
    duplicate_mode: str = "accept"
    # whether the order list honours its filters: a real instance's behaviour is unverified
    order_filter: str = "honoured"
    payment_methods: set[str] = field(default_factory=lambda: {"1"})
    shipping_methods: set[str] = field(default_factory=lambda: {"1"})
    projects: set[str] = field(default_factory=lambda: {"1"})
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

    def put_customers(self, items: list[Any]) -> None:
        """Store customers by id; one that is not an object or has no id is listed last."""
        for item in items:
            if isinstance(item, dict) and "id" in item:
                self.customers[str(item["id"])] = item
            else:
                # a counter, not the position in this call, so that two PATCHes keep both
                self.customers[f"~broken-{len(self.customers)}"] = item

    def next_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.applies(method, path):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None


def problem(
    status: int, title: str, kind: str = "generic-validation", **extra: Any
) -> dict[str, Any]:
    return {"type": f"{PROBLEMS}{kind}", "title": title, **extra}


def json_reply(status: int, body: Any, media: str = "application/json") -> Reply:
    return Reply(status, json.dumps(body, ensure_ascii=False).encode(), {"content-type": media})


def problem_reply(status: int, title: str, kind: str = "generic-validation", **extra: Any) -> Reply:
    return json_reply(status, problem(status, title, kind, **extra), "application/problem+json")


def not_found() -> Reply:
    # "Resource was not found or not enough access privileges", without a body
    return Reply(404)


async def send_reply(send: Send, reply: Reply, limit_headers: dict[str, str]) -> None:
    headers = reply.headers | limit_headers
    if reply.status != 204:  # a 204 must not carry a Content-Length
        headers["content-length"] = str(len(reply.body))
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": raw})
    await send({"type": "http.response.body", "body": reply.body})


def sort_key(key: str) -> tuple[bool, int, str]:
    """Xentral lists by id: digit ids numerically, then a test's broken items."""
    return (not key.isdigit(), int(key) if key.isdigit() else 0, key)


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
        if method != "GET":
            entry["body"] = logged_body(body)
        state.requests.append(entry)
        status = await api(state, scope, method, route, query, body, entry, send)
        entry["status"] = status

    return app


def logged_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


async def api(
    state: State,
    scope: dict[str, Any],
    method: str,
    route: str,
    query: list[tuple[str, str]],
    body: bytes,
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
    fault = state.next_fault(method, route)
    if fault is not None:
        entry["fault"] = fault.mode
        if not fault.after:
            answered = await answer_fault(fault, now, limit_headers, send)
            if answered is not None:
                return answered
    accept = headers.get("accept", "").split(";")[0].strip()
    if accept not in MEDIA_OK and "vnd.xentral" in accept:
        reply = json_reply(406, {"message": "Requested resource representation does not exist"})
    else:
        reply = route_api(state, scope, headers, method, route, query, body)
    if fault is not None and fault.after:
        entry["processed"] = reply.status
        answered = await answer_fault(fault, now, limit_headers, send)
        if answered is not None:
            return answered
    await send_reply(send, reply, limit_headers)
    return reply.status


async def answer_fault(
    fault: Fault, now: float, limit_headers: dict[str, str], send: Send
) -> int | None:
    """Answer the fault instead of the real reply (its status); None for `slow`, which only
    delays the real reply."""
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
    await asyncio.sleep(fault.delay)
    return None


def route_api(
    state: State,
    scope: dict[str, Any],
    headers: dict[str, str],
    method: str,
    route: str,
    query: list[tuple[str, str]],
    body: bytes,
) -> Reply:
    parts = route.strip("/").split("/")
    if method == "GET" and parts[:3] == ["api", "v2", "products"]:
        if len(parts) == 3:
            return list_products(state, query)
        item = state.products.get(route.removeprefix("/api/v2/products/"))
        return not_found() if item is None else json_reply(200, {"data": item, "extra": {}})
    if method == "GET" and parts[:3] == ["api", "v2", "customers"]:
        if len(parts) == 3:
            return list_customers(state, query)
        customer = state.customers.get(route.removeprefix("/api/v2/customers/"))
        return not_found() if customer is None else json_reply(200, {"data": customer, "extra": {}})
    if parts[:3] != ["api", "v1", "salesOrders"]:
        return not_found()
    if method == "POST" and parts[3:] == ["actions", "import"]:
        return import_order(state, scope, headers, body)
    if method == "GET" and len(parts) == 3:
        return list_orders(state, query)
    order = state.orders.get(parts[3]) if len(parts) > 3 else None
    if order is None:
        return not_found()
    if method == "GET" and len(parts) == 4:
        return json_reply(200, {"data": order_view(order)})
    if method == "POST" and parts[4:] == ["actions", "cancel"]:
        return cancel_order(order, headers, body)
    return not_found()


def list_products(state: State, query: list[tuple[str, str]]) -> Reply:
    params = dict(query)
    try:
        number = int(params.get("page[number]", "1"))
        size = int(params.get("page[size]", "10"))
    except ValueError:
        return json_reply(400, problem(400, "page must be a number"))
    if number < 1 or not 1 <= size <= 50:
        return json_reply(400, problem(400, "page[size] must be between 1 and 50"))
    filters: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for name, value in query:
        found = FILTER.match(name)
        if found:
            filters[found.group(1)][found.group(2)] = value
    keys = sorted(state.products, key=sort_key)
    try:
        for spec in filters.values():
            key, op, value = spec["key"], spec.get("op", "equals"), spec.get("value", "")
            keys = [
                k for k in keys
                if isinstance(state.products[k], dict)
                and matches(state.products[k], state.updated[k], key, op, value)
            ]  # fmt: skip
    except (KeyError, ValueError) as exc:
        return json_reply(400, problem(400, f"unsupported filter: {exc}"))
    items = [state.products[k] for k in keys]
    page = items[(number - 1) * size : number * size]
    envelope = {
        "data": page,
        "extra": {"totalCount": len(items), "page": {"number": number, "size": size}},
    }
    return json_reply(200, envelope)


@dataclass
class Filter:
    key: str
    op: str
    values: list[str]  # one value, or the values of `in`


def parse_filters(query: list[tuple[str, str]]) -> list[Filter]:
    """`filter[n][key|op|value]`, `in` values as a comma list or as `filter[n][value][]`."""
    specs: dict[str, dict[str, Any]] = collections.defaultdict(dict)
    for name, value in query:
        found = ARRAY_FILTER.match(name)
        if not found:
            continue
        spec = specs[found.group(1)]
        if found.group(3) is not None:  # an array element
            if found.group(2) == "value":
                spec.setdefault("list", []).append(value)
        else:
            spec[found.group(2)] = value
    filters = []
    for n in sorted(specs, key=int):
        spec = specs[n]
        if "key" not in spec:
            raise ValueError(f"filter[{n}] has no key")
        op = spec.get("op", "equals")
        values = spec.get("list") or (
            spec.get("value", "").split(",") if op == "in" else [spec.get("value", "")]
        )
        filters.append(Filter(spec["key"], op, values))
    return filters


def page_params(params: dict[str, str]) -> tuple[int, int] | Reply:
    try:
        number = int(params.get("page[number]", "1"))
        size = int(params.get("page[size]", "10"))
    except ValueError:
        return problem_reply(400, "page must be a number")
    if number < 1 or not 1 <= size <= 50:
        return problem_reply(400, "page[size] must be between 1 and 50")
    return number, size


def customer_field(item: dict[str, Any], key: str) -> str:
    if key == "email":
        details = item.get("contactDetails")
        value = details.get("email") if isinstance(details, dict) else None
    else:
        value = item.get(key)
    return "" if value is None else str(value)


def customer_matches(item: Any, spec: Filter) -> bool:
    if not isinstance(item, dict):
        return False
    value = customer_field(item, spec.key)
    wanted = spec.values
    if spec.op == "contains" or spec.key in CASELESS:
        value, wanted = value.lower(), [w.lower() for w in wanted]
    if spec.op == "contains":
        return wanted[0] in value
    return value in wanted  # equals has one value, in has several


def encode_cursor(after: str) -> str:
    return base64.b64encode(json.dumps({"after": after}).encode()).decode()


def decode_cursor(cursor: str) -> str:
    """The id a cursor continues after; ValueError for anything this fake did not give out."""
    try:
        decoded = json.loads(base64.b64decode(cursor, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("cursor[nextCursor] is not a cursor this API gave out") from exc
    after = decoded.get("after") if isinstance(decoded, dict) else None
    if isinstance(after, str):
        return after
    raise ValueError("cursor[nextCursor] is not a cursor this API gave out")


def list_customers(state: State, query: list[tuple[str, str]]) -> Reply:
    params = dict(query)
    paged = any(name.startswith("page[") for name in params)
    cursored = any(name.startswith("cursor[") for name in params)
    if paged and cursored:
        return problem_reply(400, "Invalid pagination", messages=[
            "Pagination by page and by cursor cannot be combined.",
        ])  # fmt: skip
    try:
        filters = parse_filters(query)
    except ValueError as exc:
        return problem_reply(400, "Invalid filter", messages=[str(exc)])
    for spec in filters:
        if spec.key not in CUSTOMER_FIELDS or spec.op not in ("equals", "in", "contains"):
            return problem_reply(400, "Invalid filter", messages=[
                f"filter key {spec.key!r} with operator {spec.op!r} is not supported.",
            ])  # fmt: skip
    keys = sorted(state.customers, key=sort_key)
    keys = [k for k in keys if all(customer_matches(state.customers[k], f) for f in filters)]
    if not cursored:
        paging = page_params(params)
        if isinstance(paging, Reply):
            return paging
        number, size = paging
        page = [state.customers[k] for k in keys[(number - 1) * size : number * size]]
        extra = {"totalCount": len(keys), "page": {"number": number, "size": size}}
        return json_reply(200, {"data": page, "extra": extra})
    try:
        size = int(params.get("cursor[size]", "10"))
    except ValueError:
        return problem_reply(400, "Invalid pagination", messages=["cursor[size] must be a number."])
    if not 1 <= size <= 50:
        return problem_reply(400, "Invalid pagination", messages=[
            "cursor[size] must be between 1 and 50.",
        ])  # fmt: skip
    total: int | None = len(keys)
    if params.get("cursor[nextCursor]"):
        try:
            after = decode_cursor(params["cursor[nextCursor]"])
        except ValueError as exc:
            return problem_reply(400, "Invalid pagination", messages=[str(exc)])
        # a cursor is a position after an id, not an offset: customers added meanwhile are not
        # skipped or repeated; and counting is what a cursor walk avoids, so later pages say null
        keys = [k for k in keys if sort_key(k) > sort_key(after)]
        total = None
    page_keys = keys[:size]
    following = encode_cursor(page_keys[-1]) if len(keys) > size else None
    extra = {"totalCount": total, "cursor": {"nextCursor": following, "size": size}}
    return json_reply(200, {"data": [state.customers[k] for k in page_keys], "extra": extra})


class Violations:
    """The request-validation `violations`: the payload's shape, a message list at each fault."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        node = self.tree
        for part in path[:-1]:
            node = node.setdefault(str(part), {})
        node.setdefault(str(path[-1]), []).append(message)

    def check(
        self, parent: dict[str, Any], path: tuple[str | int, ...], kind: Any, *, required: bool
    ) -> Any:
        """parent[path[-1]] if it has the JSON type `kind`; None (and a violation) otherwise."""
        key = str(path[-1])
        value = parent.get(key)
        if value is None:
            if key not in parent and required:
                self.add(path, "This field is missing.")
            elif required:
                self.add(path, "This value should not be null.")
            return None
        # JSON's true is no number to Xentral, and Python's json reads NaN that no client means
        if not isinstance(value, kind) or (
            kind is NUMBER and (isinstance(value, bool) or not math.isfinite(value))
        ):
            self.add(path, f"This value should be of type {TYPE_NAMES[kind]}.")
            return None
        return value

    def reference(
        self, parent: dict[str, Any], path: tuple[str | int, ...], *, required: bool = True
    ) -> str | None:
        """An `{id}` object such as customer, project or product: its id."""
        target = self.check(parent, path, dict, required=required)
        if target is None:
            return None
        ident: str | None = self.check(target, (*path, "id"), str, required=True)
        if ident is not None and not ident.strip():
            self.add((*path, "id"), "This value should not be blank.")
            return None
        return ident

    def money(self, parent: dict[str, Any], path: tuple[str | int, ...]) -> None:
        price = self.check(parent, path, dict, required=False)
        if price is None:
            return
        amount = self.check(price, (*path, "amount"), str, required=True)
        if amount is not None and not AMOUNT.match(amount):
            self.add((*path, "amount"), "This value is not a valid decimal number.")
        self.currency(price, (*path, "currency"))

    def currency(self, parent: dict[str, Any], path: tuple[str | int, ...]) -> None:
        code = self.check(parent, path, str, required=True)
        if code is not None and not CURRENCY.match(code):
            self.add(path, "This value is not a valid currency.")


def validate_order(body: dict[str, Any]) -> dict[str, Any]:
    """The request-validation violations of an import body ({} when its structure is right)."""
    v = Violations()
    for key in sorted(body.keys() - ORDER_REQUIRED - ORDER_OPTIONAL):
        v.add((key,), "This field was not expected.")
    date = v.check(body, ("date",), str, required=True)
    if date is not None and not is_date(date):
        v.add(("date",), "This value is not a valid date.")
    v.reference(body, ("customer",))
    v.reference(body, ("project",))
    financials = v.check(body, ("financials",), dict, required=True)
    if financials is not None:
        v.reference(financials, ("financials", "paymentMethod"))
        v.currency(financials, ("financials", "currency"))
    delivery = v.check(body, ("delivery",), dict, required=True)
    if delivery is not None:
        v.reference(delivery, ("delivery", "shippingMethod"))
        v.check(delivery, ("delivery", "autoShipping"), bool, required=False)
    validate_positions(v, body)
    for key in ORDER_STRINGS:
        v.check(body, (key,), str, required=False)
    v.check(body, ("vatCheck",), bool, required=False)
    for key in ("salesChannel", "language", "setTotalAmount"):
        v.check(body, (key,), dict, required=False)
    for key in ("tags", "discountPositions"):
        v.check(body, (key,), list, required=False)
    documents = v.check(body, ("autoCreateDocuments",), str, required=False)
    if documents is not None and documents not in AUTO_DOCUMENTS:
        v.add(("autoCreateDocuments",), "The value you selected is not a valid choice.")
    return v.tree


def validate_positions(v: Violations, body: dict[str, Any]) -> None:
    positions = v.check(body, ("positions",), list, required=True)
    if positions is not None and not positions:
        v.add(("positions",), "This collection should contain 1 element or more.")
    for n, position in enumerate(positions or []):
        path: tuple[str | int, ...] = ("positions", n)
        if not isinstance(position, dict):
            v.add(path, "This value should be of type object.")
            continue
        v.reference(position, (*path, "product"))
        quantity = v.check(position, (*path, "quantity"), NUMBER, required=True)
        if quantity is not None and quantity <= 0:
            v.add((*path, "quantity"), "This value should be positive.")
        v.money(position, (*path, "price"))
        v.check(position, (*path, "comment"), str, required=False)


def is_date(value: str) -> bool:
    """yyyy-mm-dd and a day that exists (fromisoformat alone would take 20261126 too)."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return DATE.match(value) is not None


def unknown_references(state: State, body: dict[str, Any]) -> list[str]:
    """The generic-validation messages of a well-formed import: what Xentral does not know."""
    messages = []
    customer = body["customer"]["id"]
    if not isinstance(state.customers.get(customer), dict):
        messages.append(f"Customer with id {customer} not found.")
    project = body["project"]["id"]
    if project not in state.projects:
        messages.append(f"Project with id {project} not found.")
    payment = body["financials"]["paymentMethod"]["id"]
    if payment not in state.payment_methods:
        messages.append(f"Payment method with id {payment} not found.")
    shipping = body["delivery"]["shippingMethod"]["id"]
    if shipping not in state.shipping_methods:
        messages.append(f"Shipping method with id {shipping} not found.")
    for n, position in enumerate(body["positions"]):
        product = position["product"]["id"]
        item = state.products.get(product)
        if not isinstance(item, dict):
            messages.append(f"positions[{n}]: Product with id {product} not found.")
        elif "price" not in position and not isinstance(item.get("salesPriceNet"), dict):
            # Xentral falls back to the master price and fails the import without one
            messages.append(f"positions[{n}]: Product with id {product} has no sales price.")
    return messages


def request_base(scope: dict[str, Any], headers: dict[str, str]) -> str:
    """The base URL the client called, for the Location header (a real tenant's host)."""
    host = headers.get("host")
    if not host:
        server_host, server_port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{server_port}"
    return f"{scope.get('scheme', 'http')}://{host}"


def body_media(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def import_order(state: State, scope: dict[str, Any], headers: dict[str, str], raw: bytes) -> Reply:
    if body_media(headers) not in BODY_MEDIA:
        return json_reply(415, UNSUPPORTED_BODY)
    try:
        body = json.loads(raw)
    except ValueError:
        return problem_reply(400, "Invalid request body", messages=["The body is not valid JSON."])
    if not isinstance(body, dict):
        return problem_reply(400, "Invalid request body", messages=[
            "The body must be a JSON object.",
        ])  # fmt: skip
    violations = validate_order(body)
    if violations:
        return problem_reply(
            400, "Request payload validation failed.", "request-validation", violations=violations
        )
    messages = unknown_references(state, body)
    if messages:
        return problem_reply(400, "Validation failed.", messages=messages)
    external = body.get("externalOrderNumber")
    known = {o["externalOrderNumber"] for o in state.orders.values()}
    if state.duplicate_mode == "conflict" and external is not None and external in known:
        return problem_reply(409, "Conflict", "conflict", messages=[
            f"A sales order with externalOrderNumber {external} already exists.",
        ])  # fmt: skip
    state.last_order_id += 1
    order_id = str(state.last_order_id)
    stamp = now_iso()
    customer = state.customers[body["customer"]["id"]]
    state.orders[order_id] = {
        "id": order_id,
        "documentNumber": str(DOCUMENT_NUMBER_BASE + state.last_order_id),
        "externalOrderNumber": external,
        "status": "released",  # the import releases the order at once
        "date": body["date"],
        "customer": {"id": body["customer"]["id"], "number": customer.get("number")},
        "createdAt": stamp,
        "updatedAt": stamp,
        "request": body,
    }
    location = f"{request_base(scope, headers)}/api/v1/salesOrders/{order_id}"
    return Reply(201, b"", {"content-type": "text/html; charset=UTF-8", "location": location})


def order_view(order: dict[str, Any]) -> dict[str, Any]:
    """GET /api/v1/salesOrders/<id>'s data: the stored facts and the imported details."""
    request = order["request"]
    view = {k: v for k, v in order.items() if k != "request"}
    for key in ("externalOrderId", "transactionNumber", "customerOrderNumber"):
        view[key] = request.get(key)
    for key in ("project", "financials", "delivery", "positions"):
        view[key] = request[key]
    return view


def list_orders(state: State, query: list[tuple[str, str]]) -> Reply:
    paging = page_params(dict(query))
    if isinstance(paging, Reply):
        return paging
    number, size = paging
    try:
        filters = parse_filters(query)
    except ValueError as exc:
        return problem_reply(400, "Invalid filter", messages=[str(exc)])
    for spec in filters:
        if (
            spec.key not in ORDER_FILTERS
            or spec.op not in ("equals", "in")
            or (state.order_filter == "refused" and spec.key == "externalOrderNumber")
        ):
            return problem_reply(400, "Invalid filter", messages=[
                f"filter key {spec.key!r} with operator {spec.op!r} is not supported.",
            ])  # fmt: skip
    if state.order_filter == "ignored":
        filters = []
    orders = [
        order_view(state.orders[k]) for k in sorted(state.orders, key=sort_key)
        if all(str(state.orders[k][f.key] or "") in f.values for f in filters)
    ]  # fmt: skip
    page = orders[(number - 1) * size : number * size]
    extra = {"totalCount": len(orders), "page": {"number": number, "size": size}}
    return json_reply(200, {"data": page, "extra": extra})


def cancel_order(order: dict[str, Any], headers: dict[str, str], raw: bytes) -> Reply:
    if raw:  # the body is optional: {"notifyCustomer": bool}
        if body_media(headers) not in BODY_MEDIA:
            return json_reply(415, UNSUPPORTED_BODY)
        try:
            body = json.loads(raw)
        except ValueError:
            return problem_reply(400, "Invalid request body", messages=["The body is not JSON."])
        v = Violations()
        if isinstance(body, dict):
            for key in sorted(body.keys() - {"notifyCustomer"}):
                v.add((key,), "This field was not expected.")
            v.check(body, ("notifyCustomer",), bool, required=False)
        else:
            v.add(("notifyCustomer",), "This value should be of type object.")
        if v.tree:
            return problem_reply(
                400, "Request payload validation failed.", "request-validation", violations=v.tree
            )
    if order["status"] not in CANCELABLE:
        return problem_reply(409, "Conflict", "conflict", messages=[
            f"Sales order {order['id']} cannot be canceled in status {order['status']}.",
        ])  # fmt: skip
    order["status"] = "canceled"
    order["updatedAt"] = now_iso()
    return Reply(204)


def configure(state: State, parsed: dict[str, Any]) -> str | None:
    """Apply /_fake/config; the error for a setting it does not know or take, else None."""
    id_sets = {"payment_methods", "shipping_methods", "projects"}
    unknown = set(parsed) - {
        "rate_limit", "rate_window", "token", "send_remaining", "duplicate_mode", "order_filter",
        *id_sets,
    }  # fmt: skip
    if unknown:
        return f"unknown settings {sorted(unknown)}"
    if parsed.get("duplicate_mode", state.duplicate_mode) not in DUPLICATE_MODES:
        return f"duplicate_mode must be one of {sorted(DUPLICATE_MODES)}"
    if parsed.get("order_filter", state.order_filter) not in ("honoured", "ignored", "refused"):
        return "order_filter must be honoured, ignored or refused"
    for name in id_sets & set(parsed):
        if not isinstance(parsed[name], list):
            return f"{name} must be a list of ids"
    state.rate_limit = int(parsed.get("rate_limit", state.rate_limit))
    state.rate_window = float(parsed.get("rate_window", state.rate_window))
    state.token = str(parsed.get("token", state.token))
    state.send_remaining = bool(parsed.get("send_remaining", state.send_remaining))
    state.duplicate_mode = parsed.get("duplicate_mode", state.duplicate_mode)
    state.order_filter = parsed.get("order_filter", state.order_filter)
    for name in id_sets & set(parsed):
        setattr(state, name, {str(ident) for ident in parsed[name]})
    state.arrivals.clear()
    return None


def parse_faults(parsed: dict[str, Any]) -> list[Fault] | str:
    """The faults of a /_fake/faults body, or the error that a typo in a test deserves."""
    try:
        faults = [Fault(**f) for f in parsed.get("faults", [])]
    except TypeError as exc:
        return f"not a fault: {exc}"
    unknown_modes = [f.mode for f in faults if f.mode not in FAULT_MODES]
    if unknown_modes:
        return f"unknown modes {unknown_modes}"
    for fault in faults:
        if not isinstance(fault.after, bool):
            return f"after must be true or false, not {fault.after!r}"
        if fault.path is not None and not str(fault.path).startswith("/"):
            return f"path must start with /: {fault.path!r}"
        if fault.method is not None and not isinstance(fault.method, str):
            return f"method must be a string: {fault.method!r}"
    return faults


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
    elif route == "/_fake/customers" and method in ("PUT", "PATCH"):
        if method == "PUT":
            state.customers.clear()
        state.put_customers(parsed.get("customers", []))
        await respond(send, 200, {"customers": len(state.customers)})
    elif route == "/_fake/orders" and method == "GET":
        orders = [state.orders[k] for k in sorted(state.orders, key=sort_key)]
        await respond(send, 200, {"orders": orders})
    elif route == "/_fake/orders" and method == "DELETE":
        state.orders.clear()
        await respond(send, 200, {"ok": True})
    elif re.fullmatch(r"/_fake/orders/[^/]+/status", route) and method == "POST":
        order = state.orders.get(route.split("/")[3])
        status = parsed.get("status")
        if order is None:
            await respond(send, 404, {"error": "no such order"})
        elif status not in ORDER_STATUSES:
            await respond(send, 400, {"error": f"status must be one of {sorted(ORDER_STATUSES)}"})
        else:
            order["status"] = status
            order["updatedAt"] = now_iso()
            await respond(send, 200, {"order": order})
    elif route == "/_fake/config" and method == "POST":
        error = configure(state, parsed)
        if error is not None:
            await respond(send, 400, {"error": error})
            return
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/faults" and method == "POST":
        faults = parse_faults(parsed)
        if isinstance(faults, str):
            await respond(send, 400, {"error": faults})
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
    parser.add_argument(
        "--demo", type=int, default=0, help="start with this many demo products and 5 customers"
    )
    args = parser.parse_args()
    state = State(token=args.token, rate_limit=args.rate_limit, rate_window=args.rate_window)
    state.put(demo_catalogue(args.demo))
    if args.demo > 0:
        state.put_customers(demo_customers())
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
