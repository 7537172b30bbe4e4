"""POST /api/ai/{use_case}: parse, authenticate, rate-limit, hand to the router (SPEC 7.2).

The body's type depends on the use case, so it is decoded here with msgspec (limits from
api.ai.schemas; unknown fields refused; a 422 problem names the field). The caller's JWT is checked
exactly as for PostgREST: signature and lifetime here, the user's state by the database's
pre-request check inside the user transaction.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import State
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from api.ai.router import Router
from api.ai.usecases import USE_CASES
from api.core.auth import bearer_claims
from api.core.problems import problem
from api.core.ratelimit import SlidingWindowLimiter
from api.core.validation import decode_body

# 20 000 characters of up to 4 UTF-8 bytes each, JSON escaping and the other fields
MAX_BODY_BYTES = 128 * 1024

AnyRequest = Request[Any, Any, State]


@post(
    "/api/ai/{use_case:str}",
    request_max_body_size=MAX_BODY_BYTES,
    status_code=200,
    summary="Ask the AI router (SPEC 7)",
)
async def ai_call(request: AnyRequest, use_case: str) -> dict[str, Any]:
    """Answers one use case: result, confidence, tier, provider, model, escalated, cached, cost."""
    claims = bearer_claims(
        request.headers.get("authorization", ""), request.app.state.settings.auth.jwt_secret
    )
    case = USE_CASES.get(use_case)
    if case is None:
        raise problem(404, "FP1001", "There is no such AI use case.", details="use_case")
    limiter: SlidingWindowLimiter = request.app.state.ai_user_limiter
    wait = limiter.hit(str(claims.sub))
    if wait:
        exc = problem(429, "FP1005", "Too many AI requests. Please wait a moment.")
        exc.headers = {"Retry-After": str(wait)}
        raise exc
    try:
        raw = await request.body()
    except RequestEntityTooLarge:
        raise problem(413, "FP1009", "The request body is too large.", details="body") from None
    body = decode_body(raw, case.body)
    router: Router = request.app.state.ai_router
    return await router.call(case, body, claims, request.scope["state"].get("request_id"))


ai_routes = [ai_call]
