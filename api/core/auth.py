"""JWTs: the claims PostgREST and this service accept, and how they are checked and minted.

Tokens are HS256 with the shared FRESHPLAN_JWT_SECRET. Like PostgREST we allow 30 seconds of
clock skew on `exp`. A token must carry `exp` and live at most 24 hours (SPEC 10.2): one whose
`exp` lies further ahead than that (plus the leeway) is refused here and, for PostgREST, by the
database's pre-request check. Whether the user behind a valid signature is still active is
decided by the database (app_private.check_request), never here.
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
# The longest a token may live (SPEC 10.2); app_private.check_request() holds the same limit.
MAX_TOKEN_LIFETIME_SECONDS: Final = 24 * 3600


class Claims(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    role: WebRole
    sub: uuid.UUID
    tenant_id: uuid.UUID
    org_id: uuid.UUID
    exp: int


class InvalidTokenError(Exception):
    """The token is missing, malformed, badly signed, expired or names an unknown role (FP101),
    or has no `exp` or a lifetime over 24 hours (FP104)."""

    def __init__(self, reason: str, code: str = "FP101") -> None:
        super().__init__(reason)
        self.code = code


def decode_token(token: str, secret: str) -> Claims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "role"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from None
    if "exp" not in payload:
        raise InvalidTokenError("the token has no exp claim", "FP104")
    try:
        claims = msgspec.convert(payload, Claims)
    except msgspec.ValidationError as exc:
        raise InvalidTokenError(str(exc)) from None
    if claims.exp > time.time() + MAX_TOKEN_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise InvalidTokenError("the token is valid for more than 24 hours", "FP104")
    return claims


def bearer_claims(authorization: str, secret: str) -> Claims:
    """The verified claims of an `Authorization: Bearer <token>` header (InvalidTokenError: 401)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidTokenError("no bearer token")
    return decode_token(token.strip(), secret)


def mint_token(claims: dict[str, str], secret: str, ttl_seconds: int) -> str:
    """Sign claims (role, sub, tenant_id, org_id) valid for ttl_seconds (at most 24 hours)."""
    if not 1 <= ttl_seconds <= MAX_TOKEN_LIFETIME_SECONDS:
        raise ValueError(f"a token lives 1 s to 24 h, not {ttl_seconds} s")
    payload = {**claims, "exp": int(time.time()) + ttl_seconds}
    return jwt.encode(payload, secret, algorithm="HS256")


def claims_json(claims: Claims) -> str:
    """The request.jwt.claims value, in the shape PostgREST sets it."""
    return msgspec.json.encode(claims).decode()
