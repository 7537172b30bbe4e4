"""The AI router (SPEC 7.4): small model first, escalation on calibrated confidence, budgets,
cache, breaker and one fallback hop.

One call, in order:
1. As the caller (RLS): read what the prompt may contain; an invisible lead is a 404 before any
   provider is asked. Build the prompt from cleaned, masked text.
2. As the service, one round trip (app_private.ai_begin): the caller's threshold, the newest
   calibration, the budget (402 at 110 %), the cache (a hit answers here), else the reservation of
   the first provider call.
3. Call the provider (its SDK's retries are the only retry layer; an outage or an open breaker
   falls back once to the other provider's model of the same tier). A small answer whose
   calibrated confidence is below the threshold is escalated once to the large model, if the
   budget allows (at 100 % only small calls run). Refusal, truncation, filter or an answer that
   fails validation count as confidence 0.
4. Settle, log (app.ai_calls) and cache a complete valid answer (app_private.ai_finish).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
from aiolimiter import AsyncLimiter
from prometheus_client import Counter

from api.ai import repository
from api.ai.calibration import IsotonicMap
from api.ai.prompts import Prompt
from api.ai.usecases import UseCase
from api.clients.llm import (
    ChatProvider,
    Completion,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderUnavailableError,
    Usage,
)
from api.core.ai_models import PROVIDERS, Provider, Tier
from api.core.auth import Claims
from api.core.breaker import CircuitBreaker
from api.core.db import Pool, user_transaction
from api.core.problems import problem
from api.core.settings import Settings

log = logging.getLogger("freshplan.ai")

PROVIDER_CALLS = Counter(
    "freshplan_ai_provider_calls_total",
    "Calls to an AI provider, by provider, tier and outcome.",
    ["provider", "tier", "outcome"],
)
COST = Counter(
    "freshplan_ai_cost_eur_total",
    "EUR charged for AI calls, by provider and tier.",
    ["provider", "tier"],
)
REQUESTS = Counter(
    "freshplan_ai_requests_total",
    "AI router calls, by use case, tier that answered and outcome (cached counted apart).",
    ["use_case", "tier", "outcome", "cached"],
)

# A reservation lives 10 minutes (app_private.ai_reserve); one provider call, with the SDK's
# retries and the wait for the rate limiter, must end well before, or its cost could be settled
# after its reservation stopped counting.
CALL_DEADLINE_SECONDS = 480.0
# Message scaffolding the providers add around our text, in tokens (an upper bound).
_OVERHEAD_TOKENS = 64


@dataclass
class _Hop:
    """What one tier's call (with its fallback) produced."""

    completion: Completion | None = None
    provider: Provider | None = None
    answer: msgspec.Struct | None = None
    reservation: dict[str, Any] | None = None
    refused: str | None = None


@dataclass
class _Ledger:
    """Cost and tokens of the hops settled so far, and the one still open."""

    prior_cost: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    open_reservation: str | None = None
    open_usage: Usage = field(default_factory=Usage)


@dataclass
class _Call:
    """One router call's state between its steps."""

    case: UseCase
    claims: Claims
    prompt: Prompt
    started: float
    system: str = ""
    user: str = ""
    max_input: int = 0
    cache_key: bytes | None = None
    skus: set[str] | None = None
    ledger: _Ledger = field(default_factory=_Ledger)
    finished: bool = False  # booked by ai_finish


class Router:
    def __init__(self, settings: Settings, pool: Pool) -> None:
        self.settings = settings
        self.pool = pool
        self.providers: dict[Provider, ChatProvider] = {
            name: provider_client(settings, name)
            for name in PROVIDERS
            if settings.ai.provider(name).api_key
        }
        self.breakers = {name: CircuitBreaker() for name in PROVIDERS}
        self.limiters = {name: AsyncLimiter(500, 60) for name in PROVIDERS}
        self.prices_checked = False

    @property
    def configured(self) -> bool:
        return bool(self.providers)

    async def start(self) -> None:
        """Apply the process-wide settings and check every configured model has a price.

        A database that is down is no reason not to start (the service reports 503 meanwhile);
        the check then runs on the first call, and a model without a price is refused by the
        reservation anyway (FP1006)."""
        try:
            async with self.pool.connection(timeout=10) as conn:
                values = await repository.process_settings(conn)
                priced = await repository.priced_models(conn)
        except Exception as exc:
            log.warning("ai settings not loaded yet", extra={"error": type(exc).__name__})
            return
        rpm = int(values.get("rpm") or 500)
        self.limiters = {name: AsyncLimiter(rpm, 60) for name in PROVIDERS}
        for breaker in self.breakers.values():
            breaker.max_cooldown_seconds = float(values.get("cooldown_seconds") or 1800)
        missing = [
            f"{name}/{self.settings.ai.provider(name).model(tier)}"
            for name in self.providers
            for tier in ("small", "large")
            if (name, self.settings.ai.provider(name).model(tier)) not in priced
        ]
        if missing:
            raise RuntimeError(
                "AI models without a price in app.ai_model_prices: " + ", ".join(missing)
            )
        self.prices_checked = True

    async def close(self) -> None:
        for client in self.providers.values():
            await client.close()

    # ------------------------------------------------------------ one call
    async def call(
        self, case: UseCase, body: Any, claims: Claims, request_id: str | None
    ) -> dict[str, Any]:
        started = time.perf_counter()
        if not self.configured:
            raise problem(503, "FP1007", "AI is not configured.")
        force_refresh = bool(getattr(body, "force_refresh", False))
        if force_refresh and claims.role != "tenant_admin":
            raise problem(403, "FP1003", "Only a tenant admin may bypass the AI cache.")
        tier: Tier = "small" if case.small_first else "large"
        order = self._order()
        first = self._first_available(order)
        run = _Call(case=case, claims=claims, prompt=Prompt(case), started=started)

        async with user_transaction(self.pool, claims, request_id) as conn:
            run.skus = await self._read_context(conn, case, body, run.prompt)
            run.system, run.user = run.prompt.render()
            run.max_input = _input_bound(run.system, run.user, case.schema)
            if case.cacheable:  # keyed by the configured route, whichever provider serves
                entry = self.settings.ai.provider(order[0]).model(tier)
                run.cache_key = run.prompt.cache_key(claims.tenant_id, order[0], entry)
            # what follows is the service's own bookkeeping, not the caller's
            await conn.execute("reset role")
            begun = await repository.begin(
                conn, claims, use_case=case.name, prompt_version=case.prompt_version,
                cache_key=None if force_refresh else run.cache_key, provider=first,
                model=self.settings.ai.provider(first).model(tier), tier=tier,
                max_input_tokens=run.max_input, max_output_tokens=case.max_tokens,
                latency_ms=(time.perf_counter() - started) * 1000,
            )  # fmt: skip

        if begun.get("refused"):
            REQUESTS.labels(case.name, tier, "budget_exhausted", "false").inc()
            raise _budget_exhausted()
        if begun.get("cached"):
            hit = begun["cached"]
            REQUESTS.labels(case.name, hit["tier"], "ok", "true").inc()
            return self._response(
                run, begun["call_id"], hit["result"], confidence=hit["confidence"],
                tier=hit["tier"], provider=hit["provider"], model=hit["model"],
                escalated=False, cached=True, cost=Decimal(0),
            )  # fmt: skip
        run.ledger.open_reservation = begun["reservation"]["id"]
        calibration = begun.get("calibration")
        try:
            return await self._route(
                run,
                first=first,
                threshold=float(begun["threshold"]),
                calibration=IsotonicMap.from_json(calibration) if calibration else None,
            )
        except BaseException:
            # Whatever broke (a cancelled request, an unforeseen error): what the provider may
            # have billed is settled and the call logged, so no reservation just lapses.
            if run.ledger.open_reservation is not None and not run.finished:
                await asyncio.shield(self._finish(run, _Hop(), "unavailable"))
            raise

    async def _route(
        self, run: _Call, *, first: Provider, threshold: float, calibration: IsotonicMap | None
    ) -> dict[str, Any]:
        """The provider part: first tier, escalation, then the bookkeeping of the outcome."""
        case = run.case
        tier: Tier = "small" if case.small_first else "large"
        hop = await self._tier(run, tier, first)
        escalated = False
        confidence: float | None = None
        final, final_tier = hop, tier
        if case.small_first:
            # the map belongs to the first provider's small model, not to a fallback's
            confidence = self._confidence(hop, calibration if hop.provider == first else None)
            if confidence < threshold and hop.completion is not None:
                large = await self._escalate(run, hop)
                escalated = large.answer is not None
                if large.answer is not None:
                    final, final_tier = large, "large"
                    confidence = raw_confidence(large.answer)
                elif hop.answer is None and large.refused:
                    await self._finish(run, hop, "budget_exhausted")
                    REQUESTS.labels(case.name, tier, "budget_exhausted", "false").inc()
                    raise _budget_exhausted()
        if hop.refused and hop.completion is None:  # the fallback did not fit the budget
            await self._finish(run, hop, "budget_exhausted")
            REQUESTS.labels(case.name, tier, "budget_exhausted", "false").inc()
            raise _budget_exhausted()
        if final.answer is None or final.completion is None or final.provider is None:
            outcome = "no_answer" if hop.completion is not None else "unavailable"
            await self._finish(run, final, outcome, escalated=escalated)
            REQUESTS.labels(case.name, final_tier, outcome, "false").inc()
            raise problem(503, "FP1004", "No AI provider could answer. Please try again later.")

        result = self._result(case, final.answer, run.prompt, run.skus)
        cached = None
        if run.cache_key is not None:
            cached = {
                "result": result,
                "confidence": confidence,
                "provider": final.provider,
                "model": final.completion.model,
                "tier": final_tier,
            }
        finished = await self._finish(
            run, final, "ok", escalated=escalated, confidence=confidence, tier=final_tier,
            cached=cached,
        )  # fmt: skip
        REQUESTS.labels(case.name, final_tier, "ok", "false").inc()
        cost = Decimal(str(finished["cost_eur"]))
        COST.labels(final.provider, final_tier).inc(float(cost))
        return self._response(
            run, finished["call_id"], result, confidence=confidence, tier=final_tier,
            provider=final.provider, model=final.completion.model, escalated=escalated,
            cached=False, cost=cost,
        )  # fmt: skip

    # ------------------------------------------------------------ steps
    async def _read_context(
        self, conn: Any, case: UseCase, body: Any, prompt: Prompt
    ) -> set[str] | None:
        """Fill the prompt's variables; returns the active SKUs when the result names SKUs."""
        skus: set[str] | None = None
        lead_id: uuid.UUID | None = getattr(body, "lead_id", None)
        if lead_id is not None:
            context = await repository.lead_context(conn, lead_id)
            if context is None:
                raise problem(404, "FP305", "The lead does not exist.", details="lead_id")
            prompt.add(**context)
        elif case.context == "catalogue":
            prompt.add(lead=None)
        if case.context in ("lead_catalogue", "catalogue"):
            products = await repository.catalogue(conn)
            skus = {p["sku"] for p in products}
            prompt.add(catalogue=products)
        if case.name == "seasonal_optimize":
            prompt.add(month=body.month or time.gmtime().tm_mon)
        if case.context == "body":
            fields = {k: v for k, v in msgspec.structs.asdict(body).items() if k != "force_refresh"}
            prompt.add(**fields)
        return skus

    def _order(self) -> list[Provider]:
        primary = self.settings.ai.primary
        other: Provider = "anthropic" if primary == "openai" else "openai"
        return [p for p in (primary, other) if p in self.providers]

    def _first_available(self, order: list[Provider]) -> Provider:
        for name in order:
            if self.breakers[name].state != "open":
                return name
        raise problem(503, "FP1004", "No AI provider could answer. Please try again later.")

    async def _tier(self, run: _Call, tier: Tier, first: Provider) -> _Hop:
        """Call `first` (whose reservation is open); on an outage, fall back once."""
        candidates = [first, *[p for p in self._order() if p != first]]
        hop = _Hop()
        for attempt, name in enumerate(candidates[:2]):
            if attempt > 0:
                if self.breakers[name].state == "open":
                    break
                reservation = await self._step(run, name, tier)
                if "refused" in reservation:
                    hop.refused = reservation["refused"]
                    break
            completion = await self._call_provider(name, tier, run)
            if completion is None:
                continue
            run.ledger.open_usage = completion.usage
            hop.completion, hop.provider = completion, name
            hop.answer = decode_answer(run.case, completion)
            return hop
        return hop

    async def _escalate(self, run: _Call, small: _Hop) -> _Hop:
        """Ask the large model of the provider that answered small, if the budget allows."""
        assert small.provider is not None  # noqa: S101 - only called after an answer came back
        reservation = await self._step(run, small.provider, "large")
        if "refused" in reservation:
            return _Hop(refused=reservation["refused"])
        return await self._tier(run, "large", small.provider)

    async def _step(self, run: _Call, provider: Provider, tier: Tier) -> dict[str, Any]:
        """Settle the open hop and reserve the next one."""
        ledger = run.ledger
        async with self.pool.connection() as conn:
            cost, reservation = await repository.settle_and_reserve(
                conn, run.claims, reservation_id=ledger.open_reservation,
                usage=ledger.open_usage.to_json(), provider=provider,
                model=self.settings.ai.provider(provider).model(tier), tier=tier,
                max_input_tokens=run.max_input, max_output_tokens=run.case.max_tokens,
            )  # fmt: skip
        ledger.prior_cost += cost
        ledger.input_tokens += ledger.open_usage.total_input
        ledger.output_tokens += ledger.open_usage.output
        ledger.open_usage = Usage()
        ledger.open_reservation = reservation.get("id")
        return reservation

    async def _call_provider(self, name: Provider, tier: Tier, run: _Call) -> Completion | None:
        """One provider call through its breaker and rate limit; None on an outage."""
        breaker = self.breakers[name]
        if not breaker.allow():
            PROVIDER_CALLS.labels(name, tier, "breaker_open").inc()
            return None
        model = self.settings.ai.provider(name).model(tier)
        outcome_recorded = False
        try:
            async with asyncio.timeout(CALL_DEADLINE_SECONDS), self.limiters[name]:
                completion = await self.providers[name].complete(
                    model=model, tier=tier, system=run.system, user=run.user,
                    schema_name=run.case.name, schema=run.case.schema,
                    max_tokens=run.case.max_tokens,
                    time_limit=self.settings.ai.timeout(tier),
                )  # fmt: skip
            outcome_recorded = True  # as a success, below
        except ProviderRateLimitedError:
            outcome_recorded = True
            breaker.record_neutral()
            PROVIDER_CALLS.labels(name, tier, "rate_limited").inc()
            log.warning("ai provider rate limited", extra={"provider": name, "model": model})
            return None
        except (ProviderUnavailableError, TimeoutError) as exc:
            outcome_recorded = True
            breaker.record_failure()
            PROVIDER_CALLS.labels(name, tier, "unavailable").inc()
            log.warning(
                "ai provider unavailable",
                extra={"provider": name, "model": model, "error": str(exc)},
            )
            return None
        except ProviderRejectedError as exc:
            outcome_recorded = True
            breaker.record_neutral()
            PROVIDER_CALLS.labels(name, tier, "rejected").inc()
            log.error(  # noqa: TRY400 - an expected refusal; its traceback says nothing
                "ai provider rejected the request",
                extra={"provider": name, "model": model, "status": exc.status},
            )
            return None
        finally:
            if not outcome_recorded:
                breaker.record_neutral()  # cancelled or unforeseen: never leave a trial open
        breaker.record_success()
        PROVIDER_CALLS.labels(name, tier, completion.stop).inc()
        return completion

    def _confidence(self, hop: _Hop, calibration: IsotonicMap | None) -> float:
        if hop.answer is None:
            return 0.0
        raw = raw_confidence(hop.answer)
        return calibration.apply(raw) if calibration is not None else raw

    def _result(
        self, case: UseCase, answer: msgspec.Struct, prompt: Prompt, skus: set[str] | None
    ) -> dict[str, Any]:
        result = msgspec.to_builtins(answer)
        result.pop("confidence", None)
        if case.skus is not None and skus is not None:
            result[case.skus] = [item for item in result[case.skus] if item["sku"] in skus]
        if case.name == "email_categorize" and prompt.suspicious():
            result["injection_suspected"] = True
        return dict(result)

    def _response(
        self,
        run: _Call,
        call_id: str,
        result: dict[str, Any],
        *,
        confidence: float | None,
        tier: str,
        provider: str,
        model: str,
        escalated: bool,
        cached: bool,
        cost: Decimal,
    ) -> dict[str, Any]:
        case = run.case
        if case.demask:
            result = {
                k: run.prompt.masker.unmask(v) if isinstance(v, str) else v
                for k, v in result.items()
            }
        return {
            "call_id": str(call_id),
            "use_case": case.name,
            "result": result,
            "confidence": None if not case.small_first or confidence is None else float(confidence),
            "tier": tier,
            "provider": provider,
            "model": model,
            "escalated": escalated,
            "cached": cached,
            "cost_eur": float(cost),
        }

    async def _finish(
        self,
        run: _Call,
        hop: _Hop,
        outcome: str,
        *,
        escalated: bool = False,
        confidence: float | None = None,
        tier: str | None = None,
        cached: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        ledger = run.ledger
        served = outcome == "ok" and hop.completion is not None
        call = {
            "provider": hop.provider if served else None,
            "model": hop.completion.model if served and hop.completion else None,
            "tier": tier,
            "escalated": escalated,
            "input_tokens": ledger.input_tokens + ledger.open_usage.total_input,
            "output_tokens": ledger.output_tokens + ledger.open_usage.output,
            "latency_ms": round((time.perf_counter() - run.started) * 1000, 2),
            "confidence": None if confidence is None else round(confidence, 4),
            "outcome": outcome,
        }
        # the bookkeeping must happen even when the client has gone away meanwhile
        run.finished = True
        return await asyncio.shield(self._book(run, call, cached if served else None))

    async def _book(
        self, run: _Call, call: dict[str, Any], cached: dict[str, Any] | None
    ) -> dict[str, Any]:
        ledger = run.ledger
        async with self.pool.connection() as conn:
            return await repository.finish(
                conn, run.claims, use_case=run.case.name, prompt_version=run.case.prompt_version,
                reservation_id=ledger.open_reservation, usage=ledger.open_usage.to_json(),
                prior_cost=ledger.prior_cost, call=call, cache_key=run.cache_key, cached=cached,
            )  # fmt: skip


def provider_client(settings: Settings, name: Provider) -> ChatProvider:
    """The adapter of one configured provider. Its SDK is imported here, on first use: it takes
    seconds to import, which a service or command without AI keys should not pay."""
    config = settings.ai.provider(name)
    if not config.api_key:
        raise ValueError(f"{name} is not configured")
    if name == "openai":
        from api.clients.llm_openai import OpenAIChat  # noqa: PLC0415 - deferred on purpose

        return OpenAIChat(config.api_key, config.base_url)
    from api.clients.llm_anthropic import AnthropicMessages  # noqa: PLC0415 - deferred on purpose

    return AnthropicMessages(config.api_key, config.base_url)


def decode_answer(case: UseCase, completion: Completion) -> msgspec.Struct | None:
    """The validated answer, or None (refusal, truncation, filter, or not the schema)."""
    if completion.stop != "ok" or completion.parsed is None:
        return None
    try:
        return msgspec.convert(completion.parsed, case.answer)
    except msgspec.ValidationError:
        return None


def raw_confidence(answer: msgspec.Struct) -> float:
    return float(getattr(answer, "confidence", 0.0))


def _input_bound(system: str, user: str, schema: dict[str, Any]) -> int:
    """An upper bound of the input tokens: a token is at least one byte of UTF-8."""
    schema_bytes = len(msgspec.json.encode(schema))
    return len(system.encode()) + len(user.encode()) + schema_bytes + _OVERHEAD_TOKENS


def _budget_exhausted() -> Exception:
    return problem(402, "FP1002", "The AI budget of your organisation is used up for this month.")
