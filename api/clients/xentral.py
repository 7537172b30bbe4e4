"""Xentral ERP client (SPEC 8.2; ../shared/reference/connectors-api.md section 1).

Bearer personal access token, JSON envelope `{data, extra}`, `page[number]`/`page[size]` paging and
`filter[n][key|op|value]` filters. The client paces itself below Xentral's rate limit (100 requests
a minute per instance and client IP): a sliding window over the end times of its own requests, so
the window it counts never starts before the server's does, with the limit lowered to Xentral's
`X-RateLimit-Limit` when that is smaller and a pause when `X-RateLimit-Remaining` says another
client used the budget up. A 429 still happens when others share the budget: its `Retry-After`
holds every request of this client.

Only reads are retried here (429, 5xx, timeouts, dropped connections), with backoff; a write is
never repeated by this module (the order job looks an order up before it tries again).
Everything Xentral answers is untrusted: product items are reduced to strings, booleans and a
decimal here and judged in SQL, and a message from an error body is cut short and stripped of
control characters before it is stored or logged. The token never appears in an
error or log line.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import email.utils
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from api.core.breaker import CircuitBreaker

log = logging.getLogger("freshplan.xentral")

JSON_TYPES = ("application/json", "application/vnd.xentral.default.v1+json")
MAX_RETRY_AFTER_SECONDS = 300.0
MESSAGE_LIMIT = 500


class XentralError(Exception):
    """Base of the client's errors; the message is safe to store (no token, cut short)."""


class XentralUnavailableError(XentralError):
    """Xentral did not answer usefully (network, timeout, 5xx, 429 after retries): try later."""


class XentralLookupError(XentralError):
    """The order lookup cannot be trusted (refused, or Xentral ignored the filter): whether
    Xentral has the order is unknown, so it must not be posted again."""


class XentralRefusedError(XentralError):
    """Xentral refused the request (4xx): the same request will be refused again."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Xentral answered {status}: {message}")
        self.status = status
        self.reason = message


# the sales order id in the Location of an import's 201 (.../api/v1/salesOrders/<id>)
LOCATION_ID = re.compile(r"/salesOrders/([0-9]{1,20})/?\Z", re.ASCII)
# how the search text of GET /api/xentral/customers is asked for (SPEC 8.2)
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+$")


def _text(value: Any) -> str | None:
    """A string PostgreSQL can store (no NUL, no lone surrogate), long enough for any valid field;
    app_private.product_items judges the rest."""
    if not isinstance(value, str):
        return None
    cleaned = value[:1000].replace("\x00", "")
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def product_row(item: Any) -> dict[str, Any] | None:
    """One product list item as app_private.upsert_products takes it (None: not an object).

    Only the shape is translated here (Xentral's `number` is our SKU, active is neither disabled
    nor deleted, the net price is split); whether a row is usable is decided in SQL.
    """
    if not isinstance(item, dict):
        return None
    unit = item.get("unit")
    price, currency = _money(item.get("salesPriceNet"))
    return {
        "xentral_id": _text(item.get("id")),
        "sku": _text(item.get("number")),
        "name": _text(item.get("name")),
        "unit": _text(unit.get("name") if isinstance(unit, dict) else unit),
        "active": item.get("isDisabled") is not True and item.get("isDeleted") is not True,
        "net_price": price,
        "currency": currency,
    }


def customer_row(item: Any) -> dict[str, Any] | None:
    """One customer list item as GET /api/xentral/customers answers it (None: unusable).

    Xentral's customer list names zip and city among its filter keys; where they sit in an item is
    not documented (addresses are a sub-resource), so they are read from the item itself when
    there and left empty otherwise. Every value is a short printable string.
    """
    if not isinstance(item, dict):
        return None
    customer_id = _text(item.get("id"))
    if customer_id is None or not customer_id.isdigit() or len(customer_id) > 20:
        return None
    contact = item.get("contactDetails")
    email = contact.get("email") if isinstance(contact, dict) else None
    return {
        "id": customer_id,
        "number": _short(item.get("number"), 40),
        "name": _short(item.get("name"), 200),
        "zip": _short(item.get("zip"), 20),
        "city": _short(item.get("city"), 100),
        "email": _short(email, 254),
    }


def _short(value: Any, limit: int) -> str | None:
    """A printable one-line string of at most `limit` characters, or None."""
    text = _text(value)
    if text is None:
        return None
    cleaned = "".join(ch for ch in text if ch.isprintable()).strip()[:limit]
    return cleaned or None


def customer_filter(search: str, name_op: str) -> dict[str, str]:
    """The filter of a customer search: an e-mail address by `email`, digits by customer
    `number`, anything else by `name` with `name_op` (configurable: see docs/connectors.md)."""
    text = search.strip()
    if EMAIL_LIKE.match(text):
        key, op = "email", "equals"
    elif text.isdigit():
        key, op = "number", "equals"
    else:
        key, op = "name", name_op
    return {"filter[0][key]": key, "filter[0][op]": op, "filter[0][value]": text}


def _money(value: Any) -> tuple[str | None, str | None]:
    """Xentral's Money {"amount": "24.99", "currency": "EUR"} as (amount, currency), or nones."""
    if not isinstance(value, dict):
        return None, None
    amount, currency = value.get("amount"), value.get("currency")
    if isinstance(amount, bool) or not isinstance(amount, str | int | float):
        return None, None
    try:
        number = Decimal(str(amount)[:40])
    except InvalidOperation:
        return None, None
    # at most 10 digits before the point (numeric(14, 4)); a larger or absurd one is no price
    if not number.is_finite() or number.adjusted() > 9 or not isinstance(currency, str):
        return None, None
    rounded = number.quantize(Decimal("0.0001"))
    if rounded >= Decimal("1e10"):
        return None, None
    return str(rounded), _text(currency[:3])


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date) or `X-RateLimit-Reset`."""
    value = headers.get("retry-after")
    if value:
        try:
            return min(max(float(value), 0.0), MAX_RETRY_AFTER_SECONDS)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                delta = when.timestamp() - (now if now is not None else time.time())
                return min(max(delta, 0.0), MAX_RETRY_AFTER_SECONDS)
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            delta = float(reset) - (now if now is not None else time.time())
        except ValueError:
            return None
        return min(max(delta, 0.0), MAX_RETRY_AFTER_SECONDS)
    return None


class Pacer:
    """At most `limit` requests in any `window` seconds, counted at each request's end."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.ends: collections.deque[float] = collections.deque()
        self.in_flight = 0
        self.blocked_until = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                while self.ends and self.ends[0] <= now - self.window:
                    self.ends.popleft()
                pause = self.blocked_until - now
                if len(self.ends) + self.in_flight >= self.limit:
                    # the oldest end leaves the window then; all slots in flight: look again soon
                    pause = max(pause, self.ends[0] + self.window - now if self.ends else 0.05)
                if pause <= 0:
                    self.in_flight += 1
                    return
                await asyncio.sleep(pause)

    def record(self, headers: Mapping[str, str] | None) -> None:
        """A request taken with wait() ended (headers None: without an answer)."""
        now = time.monotonic()
        self.in_flight = max(self.in_flight - 1, 0)
        self.ends.append(now)
        if not headers:
            return
        try:
            server_limit = int(headers.get("x-ratelimit-limit", ""))
        except ValueError:
            server_limit = 0
        if 0 < server_limit < self.limit:
            self.limit = server_limit
        if headers.get("x-ratelimit-remaining", "").strip() == "0":
            # someone else on this instance and address used the budget: a full window's pause
            self.blocked_until = max(self.blocked_until, now + self.window)

    def hold(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


def _violations(value: Any, path: str = "") -> list[str]:
    """`field: message` lines of a request-validation problem's `violations`, which mirror the
    payload with message arrays where a value was refused (at most 10 of them)."""
    found: list[str] = []
    if isinstance(value, list) and all(isinstance(m, str) for m in value):
        found.extend(f"{path}: {m}" if path else m for m in value)
    elif isinstance(value, dict):
        for key, inner in list(value.items())[:20]:
            found.extend(_violations(inner, f"{path}.{key}" if path else str(key)))
    return found[:10]


def _message(response: httpx.Response, secrets: tuple[str, ...] = ()) -> str:
    """Xentral's reason from a problem+json or {"message"} body, cut short; else the status text.
    Secrets are replaced in the whole text before it is cut, so no part of one survives."""
    try:
        body = response.json()
    except ValueError:
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("title", "message"):
            if isinstance(body.get(key), str):
                parts.append(body[key])
        messages = body.get("messages")
        if isinstance(messages, list):
            parts.extend(m for m in messages if isinstance(m, str))
        elif isinstance(messages, dict):
            parts.extend(f"{k}: {m}" for k, v in messages.items() if isinstance(v, list) for m in v)
        parts.extend(_violations(body.get("violations")))
        items = body.get("items")
        if isinstance(items, list):
            for item in items[:10]:
                if isinstance(item, dict) and isinstance(item.get("messages"), list):
                    parts.extend(m for m in item["messages"] if isinstance(m, str))
    text = "; ".join(parts) or response.reason_phrase or "no reason given"
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return "".join(ch for ch in text if ch.isprintable())[:MESSAGE_LIMIT]


class XentralClient:
    """One Xentral instance. Use as an async context manager; `requests` counts HTTP requests."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        rate_limit: int = 100,
        rate_window_seconds: float = 60.0,
        timeout_seconds: float = 30.0,
        read_attempts: int = 4,
        backoff_seconds: float = 0.5,
        pacer: Pacer | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
        )
        # share one pacer between the clients of a process: the budget is the instance's
        self.pacer = pacer or Pacer(rate_limit, rate_window_seconds)
        # share one breaker too: after repeated outages calls fail at once, without a request
        self.breaker = breaker or CircuitBreaker()
        self.token = token
        self.timeout_seconds = timeout_seconds
        self.read_attempts = read_attempts
        self.backoff_seconds = backoff_seconds
        self.requests = 0
        self.throttled = 0
        # totalCount on the last listing's first page: a full pull is complete only if it saw all
        self.listing_total: int | None = None

    async def __aenter__(self) -> XentralClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET a JSON envelope; retried with backoff on 408, 425, 429, 5xx and network trouble."""
        last = "no attempt"
        for attempt in range(1, self.read_attempts + 1):
            self.require_closed_breaker()
            await self.pacer.wait()
            self.requests += 1
            started = time.monotonic()
            headers: Mapping[str, str] | None = None
            try:
                # a deadline for the whole request: httpx's timeout is per read, and a server
                # that trickles bytes would hold the job (and its row lock) for ever
                async with asyncio.timeout(self.timeout_seconds):
                    response = await self.http.get(path, params=params)
                headers = response.headers
            except (httpx.HTTPError, TimeoutError) as exc:
                # the exception text may hold the URL, never the token (it is a header)
                last = f"{type(exc).__name__} after {time.monotonic() - started:.1f} s"
                self.breaker.record_failure()
            else:
                if response.status_code == 429:
                    self.breaker.record_neutral()
                    self.throttled += 1
                    wait = retry_after_seconds(response.headers)
                    self.pacer.hold(wait if wait is not None else self.pacer.window)
                    last = "429 Too Many Requests"
                    continue
                if response.status_code >= 500 or response.status_code in (408, 425):
                    self.breaker.record_failure()
                    last = f"{response.status_code} {self._message(response)}"
                elif response.status_code >= 400:
                    self.breaker.record_neutral()
                    raise XentralRefusedError(response.status_code, self._message(response))
                else:
                    self.breaker.record_success()
                    return self._envelope(response)
            finally:
                self.pacer.record(headers)
            if attempt < self.read_attempts:
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        raise XentralUnavailableError(f"GET {path}: {last} ({self.read_attempts} attempts)")

    def require_closed_breaker(self) -> None:
        if not self.breaker.allow():
            raise XentralUnavailableError(
                "circuit open: Xentral failed repeatedly, so it is not called for a while"
            )

    def _message(self, response: httpx.Response) -> str:
        # an error body that echoes the request must not carry the token (or the secret half of
        # an id|secret token) into a log or a row
        return _message(response, (self.token, self.token.partition("|")[2]))

    @staticmethod
    def _envelope(response: httpx.Response) -> dict[str, Any]:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in JSON_TYPES:
            raise XentralUnavailableError(
                f"Xentral answered {media or 'no content type'}, not JSON"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise XentralUnavailableError("Xentral answered JSON that does not parse") from exc
        if not isinstance(body, dict) or "data" not in body:
            raise XentralUnavailableError("Xentral answered without a data envelope")
        return body

    async def search_customers(
        self, search: str, *, limit: int = 20, name_op: str = "contains"
    ) -> list[dict[str, Any]]:
        """The first `limit` customers matching the search text (customer_filter says how)."""
        params = {"page[number]": "1", "page[size]": str(limit), **customer_filter(search, name_op)}
        body = await self.get("/api/v2/customers", params)
        data = body.get("data")
        if not isinstance(data, list):
            raise XentralUnavailableError("Xentral's customer list is not a list")
        return [row for row in map(customer_row, data[:limit]) if row is not None]

    async def find_sales_order(self, number: str) -> str | None:
        """Xentral's id of the sales order with our number as externalOrderNumber, if it has one.

        Raises XentralLookupError when the answer cannot be trusted: a refusal (the filter may not
        exist on this instance), or orders listed none of which carries our number (the filter was
        ignored). Either way a second POST could duplicate the order."""
        try:
            body = await self.get(
                "/api/v1/salesOrders",
                {
                    "page[number]": "1",
                    "page[size]": "10",
                    "filter[0][key]": "externalOrderNumber",
                    "filter[0][op]": "equals",
                    "filter[0][value]": number,
                },
            )
        except XentralRefusedError as exc:
            raise XentralLookupError(f"the order lookup was refused: {exc}") from exc
        data = body.get("data")
        if not isinstance(data, list):
            raise XentralUnavailableError("Xentral's sales order list is not a list")
        ids = sorted(
            (
                str(item["id"])
                for item in data
                if isinstance(item, dict)
                and item.get("externalOrderNumber") == number
                and re.fullmatch(r"[0-9]{1,20}", str(item.get("id", "")), re.ASCII)
            ),
            key=int,
        )
        if data and not ids:
            raise XentralLookupError(
                f"Xentral listed {len(data)} orders for externalOrderNumber {number}, none of them"
                " ours: the filter was ignored"
            )
        if len(ids) > 1:
            log.error(
                "xentral holds %d sales orders with one externalOrderNumber",
                len(ids),
                extra={"number": number, "xentral_ids": ids},
            )
        return ids[0] if ids else None

    async def import_sales_order(self, body: Mapping[str, Any]) -> str:
        """POST /api/v1/salesOrders/actions/import once; Xentral's id of the new order.

        Never repeated here: after a lost answer only a lookup (find_sales_order) can tell whether
        Xentral has the order. XentralUnavailableError means the outcome is unknown (except after
        a 429, which Xentral answers before it does anything); XentralRefusedError that Xentral
        said no (400/422: the order itself; 409: a duplicate; others: our credentials or request).
        """
        self.require_closed_breaker()
        await self.pacer.wait()
        self.requests += 1
        started = time.monotonic()
        headers: Mapping[str, str] | None = None
        try:
            async with asyncio.timeout(self.timeout_seconds):
                response = await self.http.post("/api/v1/salesOrders/actions/import", json=body)
            headers = response.headers
        except (httpx.HTTPError, TimeoutError) as exc:
            self.breaker.record_failure()
            raise XentralUnavailableError(
                f"POST sales order: {type(exc).__name__} after {time.monotonic() - started:.1f} s"
            ) from exc
        finally:
            self.pacer.record(headers)
        status = response.status_code
        if status >= 500 or status in (408, 425):
            self.breaker.record_failure()
        elif status >= 400:
            self.breaker.record_neutral()
        else:
            self.breaker.record_success()
        if status == 429:
            self.throttled += 1
            wait = retry_after_seconds(response.headers)
            self.pacer.hold(wait if wait is not None else self.pacer.window)
            raise XentralUnavailableError("POST sales order: 429 Too Many Requests")
        if status >= 500 or status in (408, 425):
            raise XentralUnavailableError(f"POST sales order: {status} {self._message(response)}")
        if status >= 400:
            raise XentralRefusedError(status, self._message(response))
        found = LOCATION_ID.search(response.headers.get("location", ""))
        if status != 201 or found is None:
            # accepted, but we cannot tell which order it is: the lookup will find it
            raise XentralUnavailableError(f"POST sales order: {status} without an order Location")
        return found.group(1)

    async def product_pages(
        self, page_size: int, updated_since: dt.datetime | None = None
    ) -> AsyncIterator[list[Any]]:
        """Every page of GET /api/v2/products, oldest id first; changed since a time if given."""
        params: dict[str, str] = {"page[size]": str(page_size), "order[0][field]": "id"}
        params["order[0][dir]"] = "asc"
        if updated_since is not None:
            params |= {
                "filter[0][key]": "updatedAt",
                "filter[0][op]": "greaterThan",
                "filter[0][value]": updated_since.astimezone(dt.UTC).isoformat(
                    timespec="microseconds"
                ),
            }
        number = 1
        first_total: int | None = None
        first_ids: set[str] = set()
        while True:
            body = await self.get("/api/v2/products", params | {"page[number]": str(number)})
            data = body.get("data")
            if not isinstance(data, list):
                raise XentralUnavailableError("Xentral's product list is not a list")
            extra = body.get("extra")
            total = extra.get("totalCount") if isinstance(extra, dict) else None
            if number == 1:
                first_total = total if isinstance(total, int) and total >= 0 else None
                self.listing_total = first_total
            # a server that ignores the page number would otherwise be paged for ever
            head = str(data[0].get("id")) if data and isinstance(data[0], dict) else None
            repeated = head is not None and head in first_ids
            if repeated or (first_total is not None and number > first_total // page_size + 2):
                raise XentralUnavailableError("Xentral returned more pages than it has")
            if head is not None:
                first_ids.add(head)
            yield data
            if len(data) < page_size or (isinstance(total, int) and number * page_size >= total):
                return
            number += 1
