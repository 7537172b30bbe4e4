"""OpenAI through the official SDK: Chat Completions with a strict JSON schema (SPEC 7.3).

The SDK reads OPENAI_API_KEY and OPENAI_BASE_URL itself; we pass the values from the settings so
that one frozen configuration decides. Its own retries (2, honouring Retry-After) are the only
retry layer. Small models run with reasoning effort `none` (cheap, fast), large ones with `low`.
Usage: `prompt_tokens` includes the cached and cache-written tokens, so they are subtracted to
get the uncached input (../shared/reference/ai-router.md §1.4).
"""

from __future__ import annotations

from typing import Any, Literal

import openai

from api.clients.llm import (
    Completion,
    ProviderUnavailableError,
    Stop,
    Usage,
    parse_object,
    status_error,
)

_EFFORT: dict[str, Literal["none", "low"]] = {"small": "none", "large": "low"}


class OpenAIChat:
    name: Literal["openai"] = "openai"

    def __init__(self, api_key: str, base_url: str | None, max_retries: int = 2) -> None:
        self._client = openai.AsyncOpenAI(
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
        try:
            response = await self._client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "strict": True, "schema": schema},
                },
                max_completion_tokens=max_tokens,
                reasoning_effort=_EFFORT[tier],
                timeout=time_limit,  # the SDK applies it per attempt
            )
        except openai.APIStatusError as exc:
            raise status_error("openai", exc.status_code, exc.response.headers) from None
        except openai.APIConnectionError as exc:  # includes APITimeoutError
            raise ProviderUnavailableError(type(exc).__name__) from None
        except (openai.OpenAIError, ValueError) as exc:  # an answer the SDK cannot read
            raise ProviderUnavailableError(type(exc).__name__) from None
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        cached = write = 0
        if usage is not None and usage.prompt_tokens_details is not None:
            cached = usage.prompt_tokens_details.cached_tokens or 0
            write = usage.prompt_tokens_details.cache_write_tokens or 0
        normalised = Usage(
            input=max((usage.prompt_tokens if usage else 0) - cached - write, 0),
            cached_input=cached,
            cache_write=write,
            output=usage.completion_tokens if usage else 0,
        )
        parsed: dict[str, Any] | None = None
        stop: Stop
        if choice is None:
            stop = "invalid"
        elif choice.message.refusal:
            stop = "refusal"
        elif choice.finish_reason == "length":
            stop = "truncated"
        elif choice.finish_reason == "content_filter":
            stop = "filtered"
        else:
            parsed = parse_object(choice.message.content)
            stop = "ok" if parsed is not None else "invalid"
        return Completion(parsed=parsed, stop=stop, usage=normalised, model=response.model or model)

    async def close(self) -> None:
        await self._client.close()
