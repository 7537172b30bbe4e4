"""The fake providers speak the real protocols: driven here only through the official SDKs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.conftest import ROOT, STARTUP_TIMEOUT_SECONDS, answers, free_port, wait_until

SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["ORDER", "COMPLAINT", "OTHER"]},
        "confidence": {"type": "number"},
    },
    "required": ["label", "confidence"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    started = {}
    processes = []
    for name in ("openai", "anthropic"):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", f"tests.fakes.{name}_server", "--port", str(port),
                 "--api-key", "right-key"],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        started[name] = f"http://127.0.0.1:{port}"
        wait_until(answers(f"{started[name]}/_fake/health"), STARTUP_TIMEOUT_SECONDS, name)
    yield started
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def rules(url: str, *items: dict[str, Any]) -> None:
    httpx.delete(f"{url}/_fake/rules").raise_for_status()
    if items:
        httpx.post(f"{url}/_fake/rules", json={"rules": list(items)}).raise_for_status()


ORDER_MAIL = [{"role": "user", "content": "Wir bestellen 10 Kartons, bitte liefern Sie."}]
COMPLAINT_MAIL = [{"role": "user", "content": "Reklamation: leider verdorben"}]


def ask_openai(
    url: str,
    key: str = "right-key",
    schema: dict[str, Any] = SCHEMA,
    timeout: float = 30,
    max_retries: int = 2,
) -> Any:
    async def call() -> Any:
        client = openai.AsyncOpenAI(
            base_url=f"{url}/v1", api_key=key, timeout=timeout, max_retries=max_retries
        )
        try:
            return await client.chat.completions.create(  # type: ignore[call-overload]
                model="gpt-6-luna",
                messages=ORDER_MAIL,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "t", "strict": True, "schema": schema},
                },
            )
        finally:
            await client.close()

    return asyncio.run(call())


def ask_anthropic(
    url: str,
    key: str = "right-key",
    messages: list[dict[str, str]] = COMPLAINT_MAIL,
    max_retries: int = 2,
    **extra: Any,
) -> Any:
    async def call() -> Any:
        client = anthropic.AsyncAnthropic(base_url=url, api_key=key, max_retries=max_retries)
        try:
            return await client.messages.create(  # type: ignore[call-overload]
                model="claude-haiku-5-5",
                max_tokens=100,
                messages=messages,
                output_config={"format": {"type": "json_schema", "schema": SCHEMA}},
                **extra,
            )
        finally:
            await client.close()

    return asyncio.run(call())


def test_a_wrong_key_is_401_with_the_providers_envelope(servers: dict[str, str]) -> None:
    with pytest.raises(openai.AuthenticationError):
        ask_openai(servers["openai"], key="wrong")
    with pytest.raises(anthropic.AuthenticationError):
        ask_anthropic(servers["anthropic"], key="wrong")


def test_the_simulated_model_answers_schema_valid_and_deterministic(
    servers: dict[str, str],
) -> None:
    rules(servers["openai"])
    first = ask_openai(servers["openai"])
    second = ask_openai(servers["openai"])
    answer = json.loads(first.choices[0].message.content)
    assert answer == json.loads(second.choices[0].message.content)
    assert answer["label"] == "ORDER"
    assert 0 <= answer["confidence"] <= 1
    assert first.usage.prompt_tokens > 0
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    rules(servers["anthropic"])
    message = ask_anthropic(servers["anthropic"])
    assert json.loads(message.content[0].text)["label"] == "COMPLAINT"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0


def test_modes_arrive_as_the_sdks_expect_them(servers: dict[str, str]) -> None:
    url = servers["openai"]
    rules(
        url,
        {"mode": "refuse", "times": 1},
        {"mode": "truncate", "times": 1},
        {"mode": "filter", "times": 1},
        {"confidence": 0.123, "result": {"label": "OTHER"}},
    )
    refused, cut, filtered, steered = (ask_openai(url) for _ in range(4))
    assert refused.choices[0].message.refusal
    assert refused.choices[0].message.content is None
    assert cut.choices[0].finish_reason == "length"
    assert filtered.choices[0].finish_reason == "content_filter"
    assert json.loads(steered.choices[0].message.content) == {"label": "OTHER", "confidence": 0.123}
    rules(servers["anthropic"], {"mode": "refuse", "times": 1}, {"mode": "truncate"})
    assert ask_anthropic(servers["anthropic"]).stop_reason == "refusal"
    assert ask_anthropic(servers["anthropic"]).stop_reason == "max_tokens"


def test_a_5xx_with_retry_after_is_retried_by_the_sdk(servers: dict[str, str]) -> None:
    url = servers["openai"]
    rules(url, {"mode": "status", "status": 503, "retry_after": 0.01, "times": 1})
    assert ask_openai(url).choices[0].finish_reason == "stop"
    assert len(httpx.get(f"{url}/_fake/requests").json()["requests"]) == 2
    rules(servers["anthropic"], {"mode": "status", "status": 529, "retry_after": 0.01})
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        ask_anthropic(servers["anthropic"], max_retries=0)
    assert overloaded.value.status_code == 529


def test_hang_ends_in_the_sdks_timeout(servers: dict[str, str]) -> None:
    rules(servers["openai"], {"mode": "hang"})
    with pytest.raises(openai.APITimeoutError):
        ask_openai(servers["openai"], timeout=0.3, max_retries=0)


def test_requests_the_real_apis_refuse_are_refused(servers: dict[str, str]) -> None:
    rules(servers["openai"])
    loose = {**SCHEMA, "additionalProperties": True}
    with pytest.raises(openai.BadRequestError, match="additionalProperties"):
        ask_openai(servers["openai"], schema=loose)
    rules(servers["anthropic"])
    with pytest.raises(anthropic.BadRequestError, match="temperature"):
        # the SDK no longer offers sampling parameters; a raw field is what an old client sends
        ask_anthropic(servers["anthropic"], extra_body={"temperature": 0.2})
    prefill = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "{"}]
    with pytest.raises(anthropic.BadRequestError, match="prefill"):
        ask_anthropic(servers["anthropic"], messages=prefill)


def test_a_rule_the_fake_does_not_know_is_refused(servers: dict[str, str]) -> None:
    for rule in ({"mode": "drop"}, {"bogus": 1}):
        response = httpx.post(f"{servers['openai']}/_fake/rules", json={"rules": [rule]})
        assert response.status_code == 400, response.text
