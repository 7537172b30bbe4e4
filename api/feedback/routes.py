"""The public feedback endpoints: the page, the prefill JSON and the submission.

Every request is rate limited (per client IP and per token) before anything else, and a token of
the wrong shape is answered without touching the database. Unknown, expired, revoked and
exhausted tokens get one and the same answer (410). The rules live in two app_private functions;
this module parses, validates and renders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jinja2
import msgspec
import psycopg
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from api.db import Pool
from api.feedback.client import client_ip
from api.feedback.ratelimit import SlidingWindowLimiter
from api.feedback.schemas import (
    FieldError,
    InvalidSubmissionError,
    Submission,
    decode_json,
    from_form,
    to_database,
)
from api.feedback.tokens import token_hash
from api.problems import problem
from api.settings import Settings

MAX_BODY_BYTES = 16 * 1024
GONE = "Dieser Link ist ungültig oder abgelaufen."
_FORM = "application/x-www-form-urlencoded"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "feedback"
_pages = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=True,  # every value on the page came from a customer or a rep
    undefined=jinja2.StrictUndefined,
)
_CSS = (_TEMPLATES / "feedback.css").read_bytes()

AnyRequest = Request[Any, Any, State]


class FeedbackForm(msgspec.Struct):
    """What the page shows (GET /api/feedback/{token})."""

    company_name: str
    city: str | None
    stage: str
    start_date: str
    end_date: str | None
    expires_at: str
    submissions_left: int
    products: list[dict[str, str]]


class Received(msgspec.Struct):
    status: str
    submission_id: str
    submissions_left: int


def limiters(settings: Settings) -> dict[str, SlidingWindowLimiter]:
    return {
        "ip": SlidingWindowLimiter(settings.feedback_rate_limit_ip),
        "token": SlidingWindowLimiter(settings.feedback_rate_limit_token),
    }


def _wants_html(request: AnyRequest) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _page(template: str, status: int = 200, **context: Any) -> Response[str]:
    html = _pages.get_template(template).render(**context)
    return Response(html, status_code=status, media_type=MediaType.HTML)


def _gone(request: AnyRequest) -> Response[str]:
    """The one answer for every unusable token (no token-dependent detail, no instance)."""
    if _wants_html(request):
        return _page(
            "message.html",
            410,
            title=GONE,
            text="Bitte wenden Sie sich an Ihre Ansprechpartnerin bzw. Ihren Ansprechpartner "
            "bei FreshFoodz, wenn Sie uns Feedback geben möchten.",
        )
    raise problem(410, "FP910", GONE)


def _check_rate(request: AnyRequest, token: str) -> Response[str] | None:
    settings: Settings = request.app.state.settings
    rate: dict[str, SlidingWindowLimiter] = request.app.state.feedback_limiters
    wait = rate["ip"].hit(client_ip(request, settings.trusted_proxies)) or rate["token"].hit(token)
    if not wait:
        return None
    title = "Zu viele Anfragen. Bitte versuchen Sie es in einer Minute erneut."
    if _wants_html(request):
        response = _page("message.html", 429, title="Zu viele Anfragen", text=title)
        response.headers["Retry-After"] = str(wait)
        return response
    exc = problem(429, "FP912", title)
    exc.headers = {"Retry-After": str(wait)}
    raise exc


async def _load_form(pool: Pool, digest: bytes) -> dict[str, Any] | None:
    async with pool.connection() as conn:
        row = await (
            await conn.execute("select app_private.feedback_form(%s) as form", [digest])
        ).fetchone()
    return row["form"] if row else None


async def _store(pool: Pool, digest: bytes, submission: Submission, request_id: str) -> Any:
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "select set_config('request.headers', %s, true)",
            [json.dumps({"x-request-id": request_id})],
        )
        try:
            row = await (
                await conn.execute(
                    "select app_private.submit_feedback(%s, %s::jsonb) as result",
                    [digest, to_database(submission).decode()],
                )
            ).fetchone()
        except psycopg.Error as exc:
            error = _field_error(exc)
            if error is None:
                raise
            raise InvalidSubmissionError([error], error.message) from None
    return row["result"] if row else {"accepted": False}


def _field_error(exc: psycopg.Error) -> FieldError | None:
    """FP911 from the database (a SKU outside the box) as a field error; None for anything else."""
    if exc.diag.sqlstate != "PGRST":
        return None
    body = json.loads(exc.diag.message_primary or "{}")
    if body.get("code") != "FP911":
        return None
    return FieldError(str(body.get("details") or "items"), str(body.get("message")))


def _form_values(fields: dict[str, str]) -> dict[Any, Any]:
    """The customer's entries, to show them again next to the errors."""
    values: dict[Any, Any] = {
        key: fields.get(key, "") for key in ("contact_name", "contact_role", "comment")
    }
    for key, value in fields.items():
        match = re.fullmatch(r"items-(\d{1,2})-(rating|comment|would_reorder)", key)
        if match:
            values.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return values


def _form_errors(errors: list[FieldError]) -> dict[str, str]:
    """Field paths (items[0].rating, contact.name) as the page's input ids."""
    page: dict[str, str] = {}
    for error in errors:
        field = error.field.replace("contact.", "contact_")
        # a product-level problem without an input of its own is shown at the product's stars
        field = re.sub(r"^items\[(\d+)\]\.(sku|would_reorder)$", r"items-\1-rating", field)
        field = re.sub(r"^items\[(\d+)\]\.", r"items-\1-", field)
        if not re.fullmatch(r"items-\d+-(rating|comment)|contact_name|contact_role|comment", field):
            field = "items-0-rating"
        page.setdefault(field, error.message)
    return page


@get("/feedback/assets/feedback.css", include_in_schema=False, media_type="text/css")
async def feedback_css() -> Response[bytes]:
    return Response(_CSS, media_type="text/css; charset=utf-8")


@get("/feedback/{token:str}", media_type=MediaType.HTML, summary="The customer feedback page")
async def feedback_page(request: AnyRequest, token: str) -> Response[str]:
    """The feedback form (German, mobile first, works without JavaScript)."""
    limited = _check_rate(request, token)
    if limited:
        return limited
    digest = token_hash(token)
    form = await _load_form(request.app.state.pool, digest) if digest else None
    if form is None:
        return _gone(request)
    return _page("form.html", form=form, token=token, values={}, errors={})


@get("/api/feedback/{token:str}", summary="Prefill data of the feedback page")
async def feedback_prefill(request: AnyRequest, token: str) -> FeedbackForm | Response[str]:
    """The company, the products of the box and the submissions left; 410 for an unusable link."""
    limited = _check_rate(request, token)
    if limited:
        return limited
    digest = token_hash(token)
    form = await _load_form(request.app.state.pool, digest) if digest else None
    if form is None:
        return _gone(request)
    return msgspec.convert(form, FeedbackForm)


def _content_type(request: AnyRequest) -> str:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", _FORM):
        raise problem(
            415,
            "FP914",
            "Bitte senden Sie JSON oder ein Formular.",
            "Content-Type must be application/json or application/x-www-form-urlencoded.",
        )
    return content_type


async def _body(request: AnyRequest) -> bytes:
    try:
        return await request.body()
    except RequestEntityTooLarge:
        raise problem(
            413, "FP913", "Die Nachricht ist zu groß.", f"The body exceeds {MAX_BODY_BYTES} bytes."
        ) from None


def _parse_form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=400))
    except (UnicodeDecodeError, ValueError):
        raise InvalidSubmissionError(
            [FieldError("body", "Das Formular konnte nicht gelesen werden.")],
            "The form is not valid UTF-8 or has too many fields.",
        ) from None


async def _refused(
    request: AnyRequest,
    digest: bytes,
    token: str,
    fields: dict[str, str] | None,
    invalid: InvalidSubmissionError,
) -> Response[str]:
    """422: a problem naming the fields for JSON; the form again with inline errors for a form."""
    if fields is None:
        raise problem(
            422,
            "FP911",
            "Bitte prüfen Sie Ihre Angaben.",
            invalid.detail,
            errors=[msgspec.to_builtins(e) for e in invalid.errors],
        )
    form = await _load_form(request.app.state.pool, digest)
    if form is None:
        return _gone(request)
    return _page(
        "form.html",
        422,
        form=form,
        token=token,
        values=_form_values(fields),
        errors=_form_errors(invalid.errors),
    )


@post(
    "/api/feedback/{token:str}",
    request_max_body_size=MAX_BODY_BYTES,
    status_code=201,
    summary="Submit feedback (JSON or form-encoded)",
)
async def feedback_submit(request: AnyRequest, token: str) -> Received | Response[str]:
    """Stores one submission. JSON gets 201 JSON; a form post gets the thank-you page."""
    limited = _check_rate(request, token)
    digest = token_hash(token)
    if limited or digest is None:
        return limited or _gone(request)
    is_form = _content_type(request) == _FORM
    body = await _body(request)
    fields: dict[str, str] | None = None
    try:
        if is_form:
            fields = {}
            fields = _parse_form(body)
        submission = from_form(fields) if fields is not None else decode_json(body)
        result = await _store(
            request.app.state.pool, digest, submission, request.scope["state"]["request_id"]
        )
    except InvalidSubmissionError as invalid:
        return await _refused(request, digest, token, fields, invalid)
    if not result.get("accepted"):
        return _gone(request)
    if is_form:
        return _page("thanks.html", submissions_left=result["submissions_left"])
    return Received("received", str(result["submission_id"]), int(result["submissions_left"]))


feedback_routes = [feedback_css, feedback_page, feedback_prefill, feedback_submit]
