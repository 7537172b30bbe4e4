"""Which field a msgspec validation error is about, for 422 problems that name it."""

from __future__ import annotations

import re

import msgspec

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
