"""Anthropic through the official SDK: Messages with `output_config.format` (SPEC 7.3).

No forced tool call, no assistant prefill and no sampling parameters: Claude 5.x refuses them
(../shared/reference/ai-router.md §1.2). Content is read by block type, not position. Usage:
`input_tokens` is the uncached part only; cache reads and writes are reported beside it.
A 529 (overloaded) counts as an outage like a 5xx.
"""

from __future__ import annotations

from typing import Any, Literal

import anthropic

from api.clients.llm import (
    Completion,
    ProviderUnavailableError,
    Stop,
    Usage,
    parse_object,
    status_error,
)


class AnthropicMessages:
    name: Literal["anthropic"] = "anthropic"

    def __init__(self, api_key: str, base_url: str | None, max_retries: int = 2) -> None:
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=max_retries
        )

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
    ) -> Completion:
        del tier, schema_name  # one effort for both tiers; the schema needs no name here
        try:
            message = await self._client.messages.create(
                model=model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": user}],
                output_config={
                    "effort": "low",
                    "format": {"type": "json_schema", "schema": schema},
                },
                timeout=time_limit,  # the SDK applies it per attempt
            )
        except anthropic.APIStatusError as exc:
            raise status_error("anthropic", exc.status_code, exc.response.headers) from None
        except anthropic.APIConnectionError as exc:  # includes APITimeoutError
            raise ProviderUnavailableError(type(exc).__name__) from None
        except (anthropic.AnthropicError, ValueError) as exc:  # an answer the SDK cannot read
            raise ProviderUnavailableError(type(exc).__name__) from None
        usage = Usage(
            input=message.usage.input_tokens,
            cached_input=message.usage.cache_read_input_tokens or 0,
            cache_write=message.usage.cache_creation_input_tokens or 0,
            output=message.usage.output_tokens,
        )
        text = "".join(block.text for block in message.content if block.type == "text")
        parsed: dict[str, Any] | None = None
        stop: Stop
        if message.stop_reason == "refusal":
            stop = "refusal"
        elif message.stop_reason in ("max_tokens", "model_context_window_exceeded"):
            stop = "truncated"
        else:
            parsed = parse_object(text)
            stop = "ok" if parsed is not None else "invalid"
        return Completion(parsed=parsed, stop=stop, usage=usage, model=message.model or model)

    async def close(self) -> None:
        await self._client.close()
