"""One mapping from failures to RFC 9457 problem+json responses.

Domain errors come from SQL (app.raise_error: SQLSTATE 'PGRST' with a JSON body and status);
they keep their registered code. Lost database connections become 503. Anything else that is
not an HTTP error is a 500 whose body says nothing about internals.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import psycopg
import psycopg_pool
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from api.core.auth import InvalidTokenError

log = logging.getLogger("freshplan.problems")

PROBLEM_TYPE_BASE = "https://freshplan.example/problems/"

# SQLSTATE classes a caller can cause, and the status they deserve.
_SQLSTATE_STATUS = {
    "22": 400,  # data exception: bad value
    "23502": 400,  # not-null violation: a missing value
    "23514": 400,  # check violation: a value out of range
    "23": 409,  # other integrity violations: unique, exclusion, foreign key
    "42501": 403,  # insufficient privilege
    "P0002": 404,  # no data found
}


def problem(
    status: int, code: str, title: str, detail: str = "", **extra: Any
) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=status,
        type_=PROBLEM_TYPE_BASE + code,
        title=title,
        detail=detail or title,
        extra={"code": code, **extra},
    )


def _from_database_error(exc: psycopg.Error) -> ProblemDetailsException:
    diag = exc.diag
    if diag.sqlstate == "PGRST":
        body = json.loads(diag.message_primary or "{}")
        status = int(json.loads(diag.message_detail or "{}").get("status", 400))
        extra = {k: body[k] for k in ("details", "hint") if body.get(k)}
        return problem(
            status, body.get("code", "FP000"), body.get("message", "Request failed."), **extra
        )
    state = diag.sqlstate or ""
    mapped = _SQLSTATE_STATUS.get(state) or _SQLSTATE_STATUS.get(state[:2])
    if mapped is not None:
        return problem(mapped, f"PG{state}", "The request was refused by the database.")
    log.error("unexpected database error", extra={"sqlstate": state})
    return problem(500, "FP500", "Internal error.")


def _database_unavailable(_: Exception) -> ProblemDetailsException:
    return problem(503, "FP503", "The database is unavailable. Please try again shortly.")


_TOKEN_TITLES = {
    "FP101": "Your session is no longer valid. Please sign in again.",
    "FP104": "This token is not accepted: it must expire within 24 hours.",
}


def _invalid_token(error: InvalidTokenError) -> ProblemDetailsException:
    code = error.code if error.code in _TOKEN_TITLES else "FP101"
    exc = problem(401, code, _TOKEN_TITLES[code])
    exc.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    return exc


def _http_exception(exc: HTTPException) -> ProblemDetailsException:
    code = f"HTTP{exc.status_code}"
    title = exc.detail or "Request failed."
    extra: dict[str, Any] = {}
    if (isinstance(exc.extra, dict) and exc.extra) or (isinstance(exc.extra, list) and exc.extra):
        extra["errors"] = exc.extra
    result = problem(exc.status_code, code, title, **extra)
    result.headers = exc.headers
    return result


def _database_error(exc: psycopg.Error) -> ProblemDetailsException:
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return _database_unavailable(exc)
    return _from_database_error(exc)


def _internal_error(exc: Exception) -> ProblemDetailsException:
    log.error("unhandled error", exc_info=exc)
    return problem(500, "FP500", "Internal error.")


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=False,
            exception_to_problem_detail_map={
                HTTPException: _http_exception,
                psycopg.Error: _database_error,
                psycopg_pool.PoolTimeout: _database_unavailable,
                InvalidTokenError: _invalid_token,
                Exception: _internal_error,
            },
        )
    )
