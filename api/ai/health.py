"""The AI router's /health entry: which providers are configured and whether they answer.

Down only when providers are configured and every one of them has an open breaker (no call can
be served). Not configured is reported as up with that detail: the rest of the service works and
the AI endpoints say 503 "AI is not configured" themselves. The local fakes of `make run` are
named, so nobody mistakes their answers for a model's (SPEC 7.1).
"""

from __future__ import annotations

from litestar.datastructures import State

from api.ai.router import Router
from api.core.health import Component


async def check_ai(state: State) -> Component:
    router: Router = state.ai_router
    if not router.configured:
        return Component("up", "not configured (no OPENAI_API_KEY or ANTHROPIC_API_KEY)")
    states = {name: router.breakers[name].state for name in router.providers}
    detail = ", ".join(f"{name} {state}" for name, state in states.items())
    if state.settings.ai.local_fakes:
        detail = f"local fake providers, not real models ({detail})"
    if all(s == "open" for s in states.values()):
        return Component("down", detail)
    return Component("up", detail)
