"""What both AI provider adapters return and raise: one normalised shape (SPEC 7.3).

Each adapter (api.clients.llm_openai, api.clients.llm_anthropic) calls its official SDK and turns
the answer into a `Completion`: the parsed JSON object (or None), why the model stopped, the
usage split into the four token classes that are priced differently, and the model that answered.
Transport failures become one of three exceptions, so the router can tell an outage (breaker,
fallback) from a rate limit (cool down) from a request of ours that the provider refuses (a bug).
"""

from __future__ import annotations

import json
from typing import Any, Literal, Protocol

import msgspec

# ok: a JSON object came back complete. refusal, truncated and filtered are the model's own
# outcomes; invalid: the text was not a JSON object (schema validation happens in the router).
Stop = Literal["ok", "refusal", "truncated", "filtered", "invalid"]


class Usage(msgspec.Struct, frozen=True):
    """Tokens by price class; `input` is the uncached part only (never counted twice)."""

    input: int = 0
    cached_input: int = 0
    cache_write: int = 0
    output: int = 0

    @property
    def total_input(self) -> int:
        return self.input + self.cached_input + self.cache_write

    def to_json(self) -> dict[str, int]:
        return {
            "input": self.input,
            "cached_input": self.cached_input,
            "cache_write": self.cache_write,
            "output": self.output,
        }


class Completion(msgspec.Struct, frozen=True):
    parsed: dict[str, Any] | None
    stop: Stop
    usage: Usage
    model: str


class ProviderUnavailableError(Exception):
    """5xx, 529, a timeout or a broken connection, after the SDK's own retries: an outage."""


class ProviderRateLimitedError(ProviderUnavailableError):
    """429 after the SDK's retries: the provider asks us to slow down, it is not broken."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRejectedError(Exception):
    """Any other 4xx: the provider refuses our request (a bug of ours or a bad key)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ChatProvider(Protocol):
    """One provider's structured-output call."""

    @property
    def name(self) -> str: ...

    async def complete(
        self,
        *,
        model: str,
        tier: Literal["small", "large"],
        system: str,
        user: str,
        schema_name: str,
        schema: dict[str, Any],
        max_tokens: int,
        time_limit: float,
    ) -> Completion: ...

    async def close(self) -> None: ...


def parse_object(text: str | None) -> dict[str, Any] | None:
    """The JSON object in a model's text, or None (constrained decoding fixes syntax, mostly)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def status_error(provider: str, status: int, headers: Any) -> Exception:
    """The exception for an HTTP error the SDK gave up on (after its own retries)."""
    if status == 429:
        return ProviderRateLimitedError("429", retry_after_seconds(headers))
    if status >= 500 or status == 408:  # Anthropic's 529 (overloaded) included
        return ProviderUnavailableError(str(status))
    return ProviderRejectedError(f"{provider} refused the request with {status}", status)


def retry_after_seconds(headers: Any) -> float | None:
    """The provider's Retry-After (seconds), if it sent one we can read."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        if raw:
            try:
                return float(raw) * scale
            except ValueError:
                continue
    return None
