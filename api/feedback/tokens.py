"""Feedback tokens as they arrive in URLs: checked for shape before anything else, then hashed.

A token is 32 random bytes in URL-safe base64 without padding: exactly 43 characters. Anything
else is rejected without a database round trip. Only the SHA-256 is ever looked up.
"""

from __future__ import annotations

import hashlib
import re

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> bytes | None:
    """The SHA-256 of a well-formed token, or None for a token of the wrong length or alphabet."""
    if not _TOKEN.fullmatch(token):
        return None
    return hashlib.sha256(token.encode("ascii")).digest()
