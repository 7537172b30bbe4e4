"""JWTs: the claims PostgREST and this service accept, and how they are checked and minted.

Tokens are HS256 with the shared FRESHPLAN_JWT_SECRET. Like PostgREST we allow 30 seconds of
clock skew on `exp`. Whether the user behind a valid signature is still active is decided by
the database (app_private.check_request), never here.
"""

from __future__ import annotations

import time
import uuid
from typing import Final, Literal

import jwt
import msgspec

WebRole = Literal["sales_rep", "sales_manager", "auditor", "tenant_admin"]
WEB_ROLES: Final = frozenset({"sales_rep", "sales_manager", "auditor", "tenant_admin"})
LEEWAY_SECONDS: Final = 30


class Claims(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    role: WebRole
    sub: uuid.UUID
    tenant_id: uuid.UUID
    org_id: uuid.UUID
    exp: int


class InvalidTokenError(Exception):
    """The token is missing, malformed, badly signed, expired or names an unknown role."""


def decode_token(token: str, secret: str) -> Claims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "sub", "role"]},
        )
        return msgspec.convert(payload, Claims)
    except (jwt.PyJWTError, msgspec.ValidationError) as exc:
        raise InvalidTokenError(str(exc)) from None


def mint_token(claims: dict[str, str], secret: str, ttl_seconds: int) -> str:
    """Sign claims (role, sub, tenant_id, org_id) valid for ttl_seconds from now."""
    payload = {**claims, "exp": int(time.time()) + ttl_seconds}
    return jwt.encode(payload, secret, algorithm="HS256")


def claims_json(claims: Claims) -> str:
    """The request.jwt.claims value, in the shape PostgREST sets it."""
    return msgspec.json.encode(claims).decode()
