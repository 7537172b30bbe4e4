"""A fake OpenAI: `POST /v1/chat/completions` with a strict JSON-schema response format.

Answers in the real Chat Completions shape (choices, message.content/refusal, finish_reason, usage
with prompt_tokens_details.cached_tokens) and refuses like the real API: 401 without a bearer key,
400 for a schema that strict mode would reject (an object without `additionalProperties: false`,
a property missing from `required`, more than 5 levels of nesting). Rules: tests/fakes/llm.py.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakes.llm import (
    Receive,
    Request,
    Send,
    State,
    answered_early,
    make_app,
    respond,
    serve,
)

_ERROR_TYPES = {429: "rate_limit_exceeded", 400: "invalid_request_error", 401: "invalid_api_key"}


def error(message: str, status: int, param: str | None = None) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": kind}}


def strict_problem(schema: Any, depth: int = 1) -> str | None:
    """Why strict mode would refuse this schema, or None."""
    if not isinstance(schema, dict):
        return None
    if depth > 5 and schema.get("type") in ("object", "array"):
        return f"{depth} levels of nesting exceeds limit of 5"
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is not False:
            return "'additionalProperties' is required to be supplied and to be false"
        properties = schema.get("properties", {})
        missing = set(properties) - set(schema.get("required", []))
        if missing:
            return f"'required' is required to include every property; missing {sorted(missing)}"
        for child in properties.values():
            problem = strict_problem(child, depth + 1)
            if problem:
                return problem
    if schema.get("type") == "array":
        return strict_problem(schema.get("items"), depth + 1)
    return None


async def chat_completions(
    state: State, headers: dict[str, str], body: dict[str, Any], receive: Receive, send: Send
) -> None:
    del headers
    model = str(body.get("model", ""))
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or {}
    if fmt.get("type") != "json_schema" or not (fmt.get("json_schema") or {}).get("strict"):
        await respond(send, 400, error("response_format must be a strict json_schema", 400))
        return
    problem = strict_problem(schema)
    if problem:
        await respond(send, 400, error(f"Invalid schema for response_format: {problem}", 400))
        return
    text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    max_tokens = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
    reply, delay = state.decide(Request(model, text, schema, max_tokens))
    if await answered_early(reply, delay, receive, send, error("fake failure", reply.status)):
        return
    content: str | None = json.dumps(reply.answer, ensure_ascii=False)
    refusal = None
    finish = "stop"
    if reply.mode == "refuse":
        content, refusal = None, "I'm sorry, I cannot help with that."
    elif reply.mode == "truncate":
        content, finish = (content or "")[: max(1, len(content or "") // 2)], "length"
    elif reply.mode == "filter":
        content, finish = None, "content_filter"
    await respond(send, 200, {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
            "finish_reason": finish,
            "logprobs": None,
        }],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
            "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    })  # fmt: skip


def build_app(api_key: str | None = None) -> Callable[..., Awaitable[None]]:
    def authorised(headers: dict[str, str]) -> bool:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(key) and (api_key is None or key == api_key)

    return make_app(
        "/v1/chat/completions", chat_completions, authorised,
        error("Incorrect API key provided.", 401), error("Unknown request URL", 404),
    )  # fmt: skip


if __name__ == "__main__":
    serve("openai", build_app)
