"""The public feedback endpoints: the page, the prefill JSON and the submission.

Every request is rate limited (per client IP and per token) before anything else, and a token of
the wrong shape is answered without touching the database. Unknown, expired, revoked and
exhausted tokens get one and the same answer (410). The rules live in two app_private functions;
this module parses, validates and renders.
"""

from __future__ import annotations

import json
import re
import uuid
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
from litestar.response import Redirect

from api.core.db import Pool
from api.core.problems import problem
from api.core.ratelimit import SlidingWindowLimiter
from api.core.settings import Settings
from api.feedback.client import client_ip
from api.feedback.schemas import (
    FieldError,
    InvalidSubmissionError,
    PostedSubmission,
    Submission,
    decode_json,
    from_form,
    to_database,
)
from api.feedback.tokens import token_hash

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
        "ip": SlidingWindowLimiter(settings.feedback.rate_limit_ip),
        "token": SlidingWindowLimiter(settings.feedback.rate_limit_token),
    }


def _wants_html(request: AnyRequest) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _page(template: str, status: int = 200, **context: Any) -> Response[str]:
    html = _pages.get_template(template).render(**context)
    return Response(html, status_code=status, media_type=MediaType.HTML)


def _refuse(
    request: AnyRequest,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    *,
    page_text: str = "",
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """A refusal: a page with the sentence for a browser, else a problem (raised)."""
    if _wants_html(request):
        response = _page("message.html", status, title=title, text=page_text or detail or title)
        response.headers.update(headers or {})
        return response
    exc = problem(status, code, title, detail)
    exc.headers = headers
    raise exc


def _gone(request: AnyRequest) -> Response[str]:
    """The one answer for every unusable token (no token-dependent detail, no instance)."""
    return _refuse(
        request,
        410,
        "FP910",
        GONE,
        page_text="Bitte wenden Sie sich an Ihre Ansprechpartnerin bzw. Ihren Ansprechpartner "
        "bei FreshFoodz, wenn Sie uns Feedback geben möchten.",
    )


def _limit(request: AnyRequest, digest: bytes | None) -> Response[str] | None:
    """Per client address always; per link only for a well-formed token, keyed by its hash (junk
    paths neither fill the limiter nor cost a real link its budget)."""
    settings: Settings = request.app.state.settings
    rate: dict[str, SlidingWindowLimiter] = request.app.state.feedback_limiters
    wait = rate["ip"].hit(client_ip(request, settings.http.trusted_proxies))
    if not wait and digest is not None:
        wait = rate["token"].hit(digest.hex())
    if not wait:
        return None
    return _refuse(
        request,
        429,
        "FP912",
        "Zu viele Anfragen. Bitte versuchen Sie es in einer Minute erneut.",
        headers={"Retry-After": str(wait)},
    )


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
            raise DatabaseFieldError(error.field, error.message) from None
    return row["result"] if row else {"accepted": False}


class DatabaseFieldError(Exception):
    """A rule only the database can check (a SKU outside the box), naming the submission's field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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


@get("/feedback/danke", media_type=MediaType.HTML, include_in_schema=False)
async def feedback_thanks(noch: str = "") -> Response[str]:
    """The thank-you page a form post redirects to (so a reload does not post again)."""
    left = int(noch) if re.fullmatch(r"[0-9]{1,2}", noch) else None
    return _page("thanks.html", submissions_left=left)


@get("/feedback/{token:str}", media_type=MediaType.HTML, summary="The customer feedback page")
async def feedback_page(request: AnyRequest, token: str) -> Response[str]:
    """The feedback form (German, mobile first, works without JavaScript)."""
    digest = token_hash(token)
    limited = _limit(request, digest)
    if limited:
        return limited
    form = await _load_form(request.app.state.pool, digest) if digest else None
    if form is None:
        return _gone(request)
    return _page(
        "form.html", form=form, token=token, values={}, errors={}, submission_key=uuid.uuid4()
    )


@get("/api/feedback/{token:str}", summary="Prefill data of the feedback page")
async def feedback_prefill(
    request: AnyRequest, token: str
) -> FeedbackForm | Response[str] | Redirect:
    """The company, the products of the box and the submissions left; 410 for an unusable link.
    A browser that lands here (say, from a shared address) is sent to the page."""
    digest = token_hash(token)
    limited = _limit(request, digest)
    if limited or digest is None:
        return limited or _gone(request)
    if _wants_html(request):
        return Redirect(f"/feedback/{token}", status_code=303)
    form = await _load_form(request.app.state.pool, digest)
    if form is None:
        return _gone(request)
    return msgspec.convert(form, FeedbackForm)


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
    key = fields.get("submission_key", "")
    return _page(
        "form.html",
        422,
        form=form,
        token=token,
        values=_form_values(fields),
        errors=_form_errors(invalid.errors),
        # nothing was stored: the same key may be used again
        submission_key=key if re.fullmatch(r"[0-9a-f-]{36}", key) else uuid.uuid4(),
    )


async def _read(request: AnyRequest) -> tuple[str, bytes] | Response[str]:
    """The content type and body of a submission, or the refusal (415, 413)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", _FORM):
        return _refuse(
            request,
            415,
            "FP914",
            "Bitte senden Sie JSON oder ein Formular.",
            "Content-Type must be application/json or application/x-www-form-urlencoded.",
        )
    try:
        return content_type, await request.body()
    except RequestEntityTooLarge:
        return _refuse(
            request,
            413,
            "FP913",
            "Die Nachricht ist zu groß.",
            f"Höchstens {MAX_BODY_BYTES} Bytes.",
        )


def _answer(
    result: dict[str, Any], request: AnyRequest, form: bool
) -> Received | Response[str] | Redirect:
    if not result.get("accepted"):
        return _gone(request)
    if form:  # post, redirect, get: reloading the thank-you page does not post again
        return Redirect(
            "/feedback/danke",
            query_params={"noch": str(result["submissions_left"])},
            status_code=303,
        )
    return Received("received", str(result["submission_id"]), int(result["submissions_left"]))


@post(
    "/api/feedback/{token:str}",
    request_max_body_size=MAX_BODY_BYTES,
    status_code=201,
    summary="Submit feedback (JSON or form-encoded)",
)
async def feedback_submit(request: AnyRequest, token: str) -> Received | Response[str] | Redirect:
    """Stores one submission. JSON gets 201 JSON; a form post is sent on to the thank-you page."""
    digest = token_hash(token)
    refused = _limit(request, digest)
    if refused or digest is None:
        return refused or _gone(request)
    read = await _read(request)
    if isinstance(read, Response):
        return read
    content_type, body = read
    fields: dict[str, str] | None = {} if content_type == _FORM else None
    posted = PostedSubmission(Submission(items=[]))  # replaced before the database can complain
    try:
        if fields is not None:
            fields = _parse_form(body)
            posted = from_form(fields)
        else:
            posted = PostedSubmission(decode_json(body))
        result = await _store(
            request.app.state.pool, digest, posted.submission, request.scope["state"]["request_id"]
        )
    except InvalidSubmissionError as invalid:
        return await _refused(request, digest, token, fields, invalid)
    except DatabaseFieldError as error:
        field = FieldError(posted.page_field(error.field), error.message)
        return await _refused(
            request, digest, token, fields, InvalidSubmissionError([field], error.message)
        )
    return _answer(result, request, form=fields is not None)


feedback_routes = [feedback_css, feedback_thanks, feedback_page, feedback_prefill, feedback_submit]
