"""`freshplan ai calibrate`: fit the map from a small model's confidence to P(correct) (SPEC 7.5).

    freshplan ai calibrate --use-case email_categorize \\
        --labels api/ai/labels/email_categorize.de.jsonl [--threshold 0.7] [--concurrency 8]

Every item (a use case's request body plus the correct `label`) goes through the small and the
large model of the primary provider, with the router's own prompts and masking. A deterministic
60/40 split keeps the items the map is fitted on apart from those it is judged on: the report
(items, small and large accuracy, escalation rate, small share and cascade accuracy at the
threshold, expected calibration error before and after, AUROC, cost per correct answer) is
computed on the held-out 40 %. The map and the report are stored in app.ai_calibrations; the router
uses the newest map of a use case, provider, model and prompt version from its next call on.

Calibration talks to the providers directly: it is an operator's tool, outside any budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.ai.usecases import UseCase
    from api.clients.llm import ChatProvider
    from api.core.ai_models import Tier
    from api.core.settings import Settings

# Use cases whose answer has a label a labelled set can judge, and that need no lead.
CALIBRATABLE = ("email_categorize", "contact_role_detect")


def register(commands: Any) -> None:
    ai = commands.add_parser("ai", help="AI router tools")
    tools = ai.add_subparsers(dest="ai_command", required=True)
    calibrate = tools.add_parser("calibrate", help="fit the confidence calibration of a use case")
    calibrate.add_argument("--use-case", required=True, choices=CALIBRATABLE)
    calibrate.add_argument("--labels", required=True, type=Path, help="JSON lines file")
    calibrate.add_argument(
        "--threshold", type=float, default=None, help="default: the global setting"
    )
    calibrate.add_argument("--concurrency", type=int, default=8)
    calibrate.set_defaults(run=lambda args: asyncio.run(_calibrate(args)))


# Every `freshplan` command loads this module to register `ai`: the router and the provider SDKs
# (seconds to import) are imported only when calibrate runs.


def read_labels(path: Path, case: UseCase) -> list[tuple[Any, str]]:
    """(request body, correct label) per line; a bad line stops everything, naming the line."""
    import msgspec  # noqa: PLC0415

    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            label = record.pop("label")
            body = msgspec.convert(record, case.body)
        except (ValueError, KeyError, msgspec.ValidationError) as exc:
            raise SystemExit(f"freshplan: {path}:{number}: not a labelled item ({exc})") from None
        items.append((body, str(label)))
    if len(items) < 10:
        raise SystemExit(f"freshplan: {path}: at least 10 labelled items are needed")
    return items


def _provider(settings: Settings) -> ChatProvider:
    from api.ai.router import provider_client  # noqa: PLC0415

    if not settings.ai.provider(settings.ai.primary).api_key:
        raise SystemExit(f"freshplan: {settings.ai.primary} is not configured (no API key)")
    return provider_client(settings, settings.ai.primary)


async def _ask(
    provider: ChatProvider, settings: Settings, case: UseCase, body: Any, tier: Tier
) -> tuple[str | None, float, dict[str, int]]:
    """(label or None, raw confidence, usage) of one model's answer."""
    import msgspec  # noqa: PLC0415

    from api.ai.prompts import Prompt  # noqa: PLC0415
    from api.ai.router import decode_answer, raw_confidence  # noqa: PLC0415
    from api.clients.llm import ProviderRejectedError, ProviderUnavailableError  # noqa: PLC0415

    prompt = Prompt(case)
    prompt.add(**{k: v for k, v in msgspec.structs.asdict(body).items() if k != "force_refresh"})
    system, user = prompt.render()
    model = settings.ai.provider(settings.ai.primary).model(tier)
    try:
        completion = await provider.complete(
            model=model, tier=tier, system=system, user=user, schema_name=case.name,
            schema=case.schema, max_tokens=case.max_tokens, time_limit=settings.ai.timeout(tier),
        )  # fmt: skip
    except (ProviderUnavailableError, ProviderRejectedError):
        return None, 0.0, {}
    answer = decode_answer(case, completion)
    if answer is None:
        return None, 0.0, completion.usage.to_json()
    return str(getattr(answer, "label", "")), raw_confidence(answer), completion.usage.to_json()


async def _calibrate(args: argparse.Namespace) -> int:
    import msgspec  # noqa: PLC0415
    import psycopg  # noqa: PLC0415
    from psycopg.types.json import Jsonb  # noqa: PLC0415

    from api.ai.calibration import CascadeItem, cascade_report, fit_isotonic, split  # noqa: PLC0415
    from api.ai.usecases import USE_CASES  # noqa: PLC0415
    from api.core.settings import load_settings  # noqa: PLC0415

    settings = load_settings()
    case = USE_CASES[args.use_case]
    items = read_labels(args.labels, case)
    provider = _provider(settings)
    name = settings.ai.primary
    small_model = settings.ai.provider(name).small_model
    large_model = settings.ai.provider(name).large_model
    semaphore = asyncio.Semaphore(max(1, args.concurrency))
    done = 0

    async def both(body: Any) -> tuple[Any, Any]:
        nonlocal done
        async with semaphore:
            small, large = await asyncio.gather(
                _ask(provider, settings, case, body, "small"),
                _ask(provider, settings, case, body, "large"),
            )
        done += 1
        if done % 25 == 0 or done == len(items):
            print(f"  {done}/{len(items)} items", file=sys.stderr, flush=True)
        return small, large

    print(f"calibrating {case.name} on {name} {small_model} / {large_model}", file=sys.stderr)
    answers = await asyncio.gather(*(both(body) for body, _ in items))
    await provider.close()

    with psycopg.connect(settings.database.url, connect_timeout=5) as conn:

        def cost(model: str, usage: dict[str, int]) -> float:
            if not usage:
                return 0.0
            row = conn.execute(
                "select app_private.ai_usage_cost(%s::text, %s::text, %s::integer, %s::integer,"
                " %s::integer, %s::integer)",
                [name, model, usage["input"], usage["cached_input"], usage["cache_write"],
                 usage["output"]],
            ).fetchone()  # fmt: skip
            return float(row[0] or 0) if row else 0.0

        threshold = args.threshold
        if threshold is None:
            row = conn.execute(
                "select app_private.ai_process_settings() ->> 'threshold'"
            ).fetchone()
            threshold = float(row[0]) if row and row[0] else 0.7
        cascade = [
            CascadeItem(
                confidence=small[1],
                small_correct=small[0] == label,
                large_correct=large[0] == label,
                small_cost=cost(small_model, small[2]),
                large_cost=cost(large_model, large[2]),
            )
            for (small, large), (_, label) in zip(answers, items, strict=True)
        ]
        keys = [json.dumps(msgspec.to_builtins(body), sort_keys=True) for body, _ in items]
        fit_part, test_part = split(list(zip(keys, cascade, strict=True)), key=lambda kv: kv[0])
        mapping = fit_isotonic(
            [item.confidence for _, item in fit_part], [item.small_correct for _, item in fit_part]
        )
        report = cascade_report([item for _, item in test_part], threshold, mapping)
        summary = report.to_json() | {"fitted_on": len(fit_part), "labels": str(args.labels)}
        row = conn.execute(
            "select app_private.ai_store_calibration(%s::text, %s::text, %s::text, %s::text,"
            " %s::jsonb, %s::jsonb)",
            [case.name, name, small_model, case.prompt_version, Jsonb(mapping.to_json()),
             Jsonb(summary)],
        ).fetchone()  # fmt: skip
        conn.commit()
    print(report.format())
    print(f"stored calibration {row[0] if row else '?'} for {case.name} {name}/{small_model}")
    return 0
