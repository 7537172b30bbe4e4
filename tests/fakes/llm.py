"""What both fake AI providers share: the rules tests set, the request log, the simulated model,
the control endpoints and the server loop.

The fakes speak the providers' real wire protocols (tests/fakes/openai_server.py,
tests/fakes/anthropic_server.py), so the official SDKs talk to them through their base URLs as
they would to OpenAI and Anthropic. A test steers a fake over HTTP:

    POST   /_fake/rules     {"rules": [rule, ...]}   append rules
    DELETE /_fake/rules                              forget the rules and the request log
    GET    /_fake/requests                           {"requests": [{method, path, headers, body}]}
    GET    /_fake/health                             {"ok": true}

The first rule that matches a request (its `model`, and `contains` as a substring of the prompt
text) and has `times` left decides the answer; `times: null` is forever. A rule's `mode`:
answer (with `result` merged over the simulated answer and `confidence`), refuse, truncate,
filter, invalid (JSON that breaks the schema), status (that HTTP status with the provider's error
envelope, `retry_after` seconds in the headers both SDKs honour) or hang (no answer until the
client gives up) or garbage (a 200 whose body is not JSON). `delay` (seconds) makes any mode
slow; `usage` sets the token counts. An unknown mode or field is a 400, so a typo in a test
cannot pass as a normal answer. There is no `drop` mode: uvicorn answers 500 when an ASGI app
gives up without a response.

Without a rule, a simulated model answers: a schema-valid object whose labels come from a small
German keyword heuristic, weaker and overconfident for small model ids, so that escalation and
calibration have something to work on. It is deterministic and is not a model.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]

MODES = frozenset(
    {"answer", "refuse", "truncate", "filter", "invalid", "status", "hang", "garbage"}
)
SMALL_MARKERS = ("luna", "haiku", "mini", "nano", "small")

# label -> keywords; the small model knows only the first half of each list
KEYWORDS: dict[str, list[str]] = {
    "SAMPLE_REQUEST": ["probierpaket", "muster", "probe", "verkostung", "sample", "kostprobe"],
    "APPOINTMENT": ["termin", "besuch", "rückruf", "uhr", "verschieb", "treffen", "vorbeikommen"],
    "ORDER": ["bestell", "liefern sie", "auftrag", "order", "nehmen wir", "lieferung bitte"],
    "PRICE_QUESTION": ["preis", "kostet", "rabatt", "angebot", "konditionen", "mindestmenge"],
    "COMPLAINT": ["reklamation", "beschwerde", "leider", "verdorben", "unzufrieden", "falsch"],
    "OUT_OF_OFFICE": ["abwesen", "urlaub", "out of office", "nicht im büro", "elternzeit"],
    "NEWSLETTER": ["newsletter", "abmelden", "unsubscribe", "messe", "aktion", "rabattaktion"],
    "CHEF": ["küchenchef", "koch", "küche", "chef"],
    "BUYER": ["einkauf", "beschaffung", "purchas", "einkäufer"],
    "GM": ["geschäftsführ", "inhaber", "direktor", "betriebsleit", "owner"],
    "A": ["order_placed", "nachbestellen", "success", "begeistert"],
    "B": ["meeting", "call", "sample_sent", "interesse"],
}


@dataclass
class Rule:
    model: str | None = None
    contains: str | None = None
    times: int | None = None
    mode: str = "answer"
    result: dict[str, Any] | None = None
    confidence: float | None = None
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    usage: dict[str, int] | None = None


@dataclass
class Request:
    model: str
    text: str  # the prompt's text: system and messages
    schema: dict[str, Any]
    max_tokens: int


@dataclass
class Reply:
    """What the provider module turns into its wire format."""

    mode: str
    answer: dict[str, Any] | None = None
    status: int = 200
    retry_after: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0


@dataclass
class State:
    rules: list[Rule] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def decide(self, request: Request) -> tuple[Reply, float]:
        rule = next((r for r in self.rules if _matches(r, request)), None)
        if rule is not None and rule.times is not None:
            rule.times -= 1
        rule = rule or Rule()
        answer = simulated_answer(request)
        if rule.result:
            answer.update(rule.result)
        if rule.confidence is not None and "confidence" in request.schema.get("properties", {}):
            answer["confidence"] = rule.confidence
        if rule.mode == "invalid":
            answer = {"label": "NOT_A_LABEL"}
        tokens_in = tokens(request.text + json.dumps(request.schema))
        tokens_out = tokens(json.dumps(answer, ensure_ascii=False))
        usage = rule.usage or {}
        reply = Reply(
            mode=rule.mode,
            answer=answer,
            status=rule.status,
            retry_after=rule.retry_after,
            input_tokens=usage.get("input_tokens", tokens_in),
            output_tokens=usage.get("output_tokens", tokens_out),
            cached_tokens=usage.get("cached_tokens", 0),
        )
        return reply, rule.delay


def _matches(rule: Rule, request: Request) -> bool:
    if rule.times is not None and rule.times <= 0:
        return False
    if rule.model is not None and rule.model != request.model:
        return False
    return rule.contains is None or rule.contains in request.text


def tokens(text: str) -> int:
    """About four bytes a token, and never more tokens than bytes."""
    return max(1, math.ceil(len(text.encode()) / 4))


def is_small(model: str) -> bool:
    return any(marker in model for marker in SMALL_MARKERS)


def _jitter(text: str, model: str) -> float:
    digest = hashlib.sha256(f"{model}\n{text}".encode()).digest()
    return (digest[0] / 255 - 0.5) / 10  # -0.05 .. 0.05


def classify(labels: list[str], text: str, model: str) -> tuple[str, float]:
    """A keyword vote: the label with most hits, and a confidence from the margin."""
    lowered = text.lower()
    small = is_small(model)
    scores = {}
    for label in labels:
        words = KEYWORDS.get(label, [])
        words = words[: max(1, len(words) // 2)] if small else words
        scores[label] = sum(lowered.count(word) for word in words)
    ranked = sorted(labels, key=lambda lb: (-scores[lb], labels.index(lb)))
    top = ranked[0]
    if scores[top] == 0:
        fallback = "UNKNOWN" if "UNKNOWN" in labels else labels[-1]
        return fallback, (0.55 if small else 0.5) + _jitter(text, model)
    second = scores[ranked[1]] if len(ranked) > 1 else 0
    margin = (scores[top] - second) / scores[top]
    base = 0.78 + 0.17 * margin if small else 0.55 + 0.4 * margin
    return top, min(0.99, max(0.01, base + _jitter(text, model)))


def simulated_answer(request: Request) -> dict[str, Any]:
    """A schema-valid object for the request, labels chosen by the keyword heuristic."""
    state: dict[str, float] = {}

    def build(schema: dict[str, Any], name: str) -> Any:
        kind = schema.get("type")
        if "enum" in schema:
            labels = [str(v) for v in schema["enum"]]
            if name == "label":
                label, confidence = classify(labels, request.text, request.model)
                state["confidence"] = confidence
                return label
            return labels[0]
        if kind == "object":
            props = schema.get("properties", {})
            return {key: build(value, key) for key, value in props.items()}
        if kind == "array":
            count = 1 if name != "products" else 2
            return [build(schema.get("items", {}), name) for _ in range(count)]
        if kind == "number":
            return 0.5
        if kind == "integer":
            return 1
        if kind == "boolean":
            return False
        if name == "sku":
            return _next_sku(request.text, state)
        if name == "contact_role":
            return "CHEF"
        return f"Simulierte Antwort ({name})."

    answer: dict[str, Any] = build(request.schema, "")
    if "confidence" in answer:
        answer["confidence"] = round(
            state.get("confidence", 0.8 if is_small(request.model) else 0.9), 4
        )
    return answer


def _next_sku(text: str, state: dict[str, float]) -> str:
    skus = []
    for part in text.split("SKU ")[1:]:
        sku = part.split()[0] if part.split() else ""
        if sku and sku not in skus:
            skus.append(sku)
    if not skus:
        return "UNKNOWN-SKU"
    index = int(state.get("sku", 0))
    state["sku"] = index + 1
    return skus[index % min(3, len(skus))]


# ------------------------------------------------------------ HTTP plumbing
async def lifespan(receive: Receive, send: Send) -> None:
    """Answer an ASGI lifespan scope: nothing to start or stop."""
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def respond(
    send: Send, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def wait_or_disconnect(receive: Receive, seconds: float) -> bool:
    """Wait `seconds`; False when the client went away first."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    waiter = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait_for(asyncio.shield(waiter), timeout=seconds)
    except TimeoutError:
        waiter.cancel()
        return True
    return False


async def answered_early(
    reply: Reply, delay: float, receive: Receive, send: Send, failure: dict[str, Any]
) -> bool:
    """The modes both providers answer alike: hang, slow, and an HTTP error status (with the
    Retry-After headers both SDKs honour). True when the request needs nothing more."""
    if reply.mode == "hang":
        await wait_or_disconnect(receive, delay or 3600)
        return True
    if delay and not await wait_or_disconnect(receive, delay):
        return True
    if reply.mode == "garbage":  # a 200 whose body is not JSON (a broken proxy, a hostile peer)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"<html>502 Bad Gateway</html>"})
        return True
    if reply.mode != "status":
        return False
    headers = {}
    if reply.retry_after is not None:
        headers = {
            "retry-after-ms": str(int(reply.retry_after * 1000)),
            "retry-after": str(reply.retry_after),
        }
    await respond(send, reply.status, failure, headers)
    return True


Handler = Callable[[State, dict[str, Any], dict[str, Any], Receive, Send], Awaitable[None]]


def make_app(
    path: str,
    handler: Handler,
    authorised: Callable[[dict[str, str]], bool],
    unauthorised: dict[str, Any],
    not_found: dict[str, Any],
) -> Callable[..., Awaitable[None]]:
    """The ASGI app: control endpoints, the provider's endpoint, the provider's 401/404."""
    state = State()

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        method, route = scope["method"], scope["path"]
        if route.startswith("/_fake/"):
            await _control(state, method, route, body, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        state.requests.append({"method": method, "path": route, "headers": headers, "body": parsed})
        if route != path or method != "POST":
            await respond(send, 404, not_found)
            return
        if not authorised(headers):
            await respond(send, 401, unauthorised)
            return
        await handler(state, headers, parsed if isinstance(parsed, dict) else {}, receive, send)

    return app


async def _control(state: State, method: str, route: str, body: bytes, send: Send) -> None:
    if route == "/_fake/health":
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/requests" and method == "GET":
        await respond(send, 200, {"requests": state.requests})
    elif route == "/_fake/rules" and method == "POST":
        try:
            rules = [Rule(**rule) for rule in json.loads(body or b"{}").get("rules", [])]
        except (TypeError, ValueError, AttributeError) as exc:  # a test's typo: say so
            await respond(send, 400, {"error": f"not a rule: {exc}"})
            return
        unknown = [r.mode for r in rules if r.mode not in MODES]
        if unknown:
            await respond(send, 400, {"error": f"unknown modes {unknown}; known: {sorted(MODES)}"})
            return
        state.rules.extend(rules)
        await respond(send, 200, {"rules": len(state.rules)})
    elif route == "/_fake/rules" and method == "DELETE":
        state.rules.clear()
        state.requests.clear()
        await respond(send, 200, {"rules": 0})
    else:
        await respond(send, 404, {"error": "unknown control endpoint"})


def serve(name: str, build: Callable[[str | None], Callable[..., Awaitable[None]]]) -> None:
    """`python -m tests.fakes.<name>_server --host H --port P [--api-key K]`."""
    parser = argparse.ArgumentParser(prog=f"fake {name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default=None, help="require exactly this key")
    args = parser.parse_args()
    config = uvicorn.Config(
        build(args.api_key), host=args.host, port=args.port, log_level="warning",
        access_log=False, timeout_graceful_shutdown=1, lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        print(f"ready http://{args.host}:{args.port}", flush=True)
        await task

    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    asyncio.run(main())
    sys.exit(0)
