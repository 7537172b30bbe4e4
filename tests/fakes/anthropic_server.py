"""A fake Anthropic: `POST /v1/messages` with `output_config.format` (JSON schema).

Answers in the real Messages shape (content blocks, stop_reason, usage with input_tokens,
output_tokens, cache_creation_input_tokens, cache_read_input_tokens) and refuses like the real API:
401 without a key (`Authorization: Bearer`, as the 2.x SDK sends it, or `x-api-key`); 400 without
`anthropic-version` or `max_tokens`, for sampling parameters, assistant prefill or a forced tool
choice on Claude 5.x, and for an output schema object without `additionalProperties: false`.
A 529 is `overloaded_error`. Rules: tests/fakes/llm.py.
"""

from __future__ import annotations

import json
import re
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

_ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
    429: "rate_limit_error", 529: "overloaded_error",
}  # fmt: skip


def error(message: str, status: int) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message},
    }


def _claude_5(model: str) -> bool:
    match = re.match(r"claude-[a-z]+-(\d+)", model)
    return bool(match) and int(match.group(1)) >= 5  # type: ignore[union-attr]


def _open_object(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
        return True
    children = [*schema.get("properties", {}).values(), schema.get("items")]
    return any(_open_object(child) for child in children)


def _refusal(body: dict[str, Any], model: str) -> str | None:
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    messages = body.get("messages") or []
    if not messages:
        return "messages: Field required"
    if _claude_5(model):
        for parameter in ("temperature", "top_p", "top_k"):
            if parameter in body:
                return f"{parameter} is not supported on {model}"
        if messages[-1].get("role") == "assistant":
            return f"assistant message prefill is not supported on {model}"
        if (body.get("tool_choice") or {}).get("type") == "tool":
            return f"forced tool use is not supported on {model}"
    schema = ((body.get("output_config") or {}).get("format") or {}).get("schema")
    if schema is None:
        return "output_config.format.schema: Field required"
    if _open_object(schema):
        return "output_config.format.schema: additionalProperties must be false on every object"
    return None


async def messages(
    state: State, headers: dict[str, str], body: dict[str, Any], receive: Receive, send: Send
) -> None:
    model = str(body.get("model", ""))
    if "anthropic-version" not in headers:
        await respond(send, 400, error("anthropic-version header is required", 400))
        return
    refusal = _refusal(body, model)
    if refusal:
        await respond(send, 400, error(refusal, 400))
        return
    schema = body["output_config"]["format"]["schema"]
    system = body.get("system") or ""
    parts = [system if isinstance(system, str) else json.dumps(system)]
    for message in body["messages"]:
        content = message.get("content")
        parts.append(
            content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        )
    reply, delay = state.decide(Request(model, "\n".join(parts), schema, int(body["max_tokens"])))
    if await answered_early(reply, delay, receive, send, error("fake failure", reply.status)):
        return
    text = json.dumps(reply.answer, ensure_ascii=False)
    content_blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
    stop = "end_turn"
    if reply.mode in ("refuse", "filter"):
        content_blocks, stop = [], "refusal"
    elif reply.mode == "truncate":
        content_blocks = [{"type": "text", "text": text[: max(1, len(text) // 2)]}]
        stop = "max_tokens"
    await respond(send, 200, {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content_blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": max(reply.input_tokens - reply.cached_tokens, 0),
            "output_tokens": reply.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": reply.cached_tokens,
        },
    })  # fmt: skip


def build_app(api_key: str | None = None) -> Callable[..., Awaitable[None]]:
    def authorised(headers: dict[str, str]) -> bool:
        # the SDK (2.x) sends the API key as a bearer token; older clients use x-api-key
        scheme, _, bearer = headers.get("authorization", "").partition(" ")
        key = headers.get("x-api-key") or (bearer if scheme.lower() == "bearer" else "")
        return bool(key) and (api_key is None or key == api_key)

    return make_app(
        "/v1/messages", messages, authorised,
        error("invalid x-api-key", 401), error("Not Found", 404),
    )  # fmt: skip


if __name__ == "__main__":
    serve("anthropic", build_app)
