"""JSON request bodies decoded with msgspec, and which field a validation error is about, for
422 problems (FP1008) that name it."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from api.core.problems import problem

BodyT = TypeVar("BodyT")

_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_FIELD_IN_MESSAGE = re.compile(r"field `(?P<name>[^`]+)`")


def field_of(error: msgspec.ValidationError) -> str:
    """The dotted path of the offending field (`items[0].rating`), or `body` for the whole."""
    text = str(error)
    match = _AT.search(text)
    path = match.group("path") if match else ""
    named = _FIELD_IN_MESSAGE.search(text)
    if named and ("missing required field" in text or "unknown field" in text):
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return path or "body"


def decode_body(raw: bytes, body_type: type[BodyT]) -> BodyT:
    """The body as `body_type` (unknown fields, wrong types and limits refused), or a 422."""
    try:
        return msgspec.json.decode(raw or b"{}", type=body_type)
    except msgspec.ValidationError as exc:
        field = field_of(exc)
        raise problem(
            422, "FP1008", f"The request body is not valid: {exc}", details=field,
            errors=[{"field": field, "message": str(exc)}],
        ) from None  # fmt: skip
    except msgspec.DecodeError:
        raise problem(422, "FP1008", "The request body is not JSON.", details="body") from None
