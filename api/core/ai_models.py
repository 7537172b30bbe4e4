"""The AI models the router may use: the defaults and the providers' published shutdown dates.

This is the one place model ids are written down (SPEC 7.1). The defaults are the current
small/large pairs of both providers (../shared/reference/ai-router.md §3.1, read 2026-11); prices
live in the database (app.ai_model_prices). A model id past its shutdown date is refused when the
settings load, so a deployment that still names one fails at startup instead of on every call.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

Provider = Literal["openai", "anthropic"]
Tier = Literal["small", "large"]
PROVIDERS: Final[tuple[Provider, ...]] = ("openai", "anthropic")

DEFAULT_MODELS: Final[dict[tuple[Provider, Tier], str]] = {
    ("openai", "small"): "gpt-6-luna",
    ("openai", "large"): "gpt-6.1-sol",
    ("anthropic", "small"): "claude-haiku-5-5",
    ("anthropic", "large"): "claude-sonnet-5-5",
}

# Model id prefixes and the day the provider switches them off (OpenAI's deprecations page, read
# 2026-11-05). A prefix covers its dated snapshots, e.g. gpt-4o-2024-08-06. Longest prefix wins.
SHUTDOWN_DATES: Final[dict[str, dt.date]] = {
    "gpt-4o": dt.date(2027, 1, 14),
    "gpt-4o-mini": dt.date(2027, 1, 14),
    "gpt-4.1": dt.date(2027, 1, 14),
    "gpt-4.1-mini": dt.date(2027, 1, 14),
    "gpt-5": dt.date(2026, 12, 11),
    "gpt-5-mini": dt.date(2026, 12, 11),
    "gpt-5-nano": dt.date(2026, 12, 11),
}


def shutdown_date(model: str) -> dt.date | None:
    """The shutdown date of a model id, or None when none is published."""
    matches = [p for p in SHUTDOWN_DATES if model == p or model.startswith(p + "-")]
    return SHUTDOWN_DATES[max(matches, key=len)] if matches else None


def retired(model: str, today: dt.date) -> bool:
    """True on and after the model's shutdown day."""
    day = shutdown_date(model)
    return day is not None and today >= day
