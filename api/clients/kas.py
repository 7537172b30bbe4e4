"""all-inkl KAS API client (SPEC 8.4; ../shared/reference/connectors-api.md section 3): the
mailbox's quota and usage.

KAS speaks SOAP 1.1, but every operation takes one JSON string (the WSDL is known to be wrong, so
the envelopes are built here, not by a SOAP library). `KasAuth` exchanges the login and password
for a session token (40 characters, valid for the session lifetime we ask for); `KasApi` runs one
action with that token. Answers are Apache SOAP maps (`<item><key/><value/></item>`) typed by
`xsi:type`; errors are SOAP faults whose faultstring is the code (`flood_protection`,
`unknown_session`, `kas_login_failed`, ...).

Every successful answer names a `KasFloodDelay`: the next call of the same login must wait that
long, or KAS refuses it with `flood_protection`. The client waits it out before its next call, and
backs off 2 s on a `flood_protection` fault nevertheless (another process may have used the
login). A session KAS forgot is renewed once per call. Every call has a deadline and passes the
circuit breaker. The answer is untrusted: at most 1 MB, no DTD (no entity tricks), numbers in
range. The password and the token never appear in an error or log line.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import xml.etree.ElementTree as ET  # a DTD is refused before parsing (_parse)
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import httpx

from api.core.breaker import CircuitBreaker
from api.core.settings import KasSettings

MAX_ANSWER_BYTES = 1_000_000
FLOOD_BACKOFF_SECONDS = 2.0
MAX_FLOOD_DELAY_SECONDS = 60.0  # a hostile or broken answer cannot stall the worker for longer
FLOOD_RETRIES = 3
SESSION_SECONDS = 600
MAX_MB = 10**12
# codes after which a new session may help
SESSION_FAULTS = frozenset({"unknown_session", "kas_session_invalid", "got_no_login_data"})
# the login itself is refused: another attempt cannot help until someone fixes the credentials
LOGIN_FAULTS = frozenset({"kas_login_failed", "kas_login_locked", "no_auth", "otp_pin_incorrect"})
FAULT_CODE = re.compile(r"[a-z_]{1,60}", re.ASCII)
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:ns1="{namespace}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"'
    ' SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
    '<SOAP-ENV:Body><ns1:{operation}><Params xsi:type="xsd:string">{params}</Params>'
    "</ns1:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


class KasError(Exception):
    """KAS did not answer usefully. `temporary`: worth another attempt later."""

    def __init__(self, message: str, *, temporary: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.code = code


@dataclass(frozen=True)
class MailboxQuota:
    mail_login: str
    used_mb: int
    quota_mb: int | None  # None: no limit
    webspace_used_mb: int | None
    webspace_max_mb: int | None  # None: unlimited

    def to_json(self) -> dict[str, int | None]:
        return {
            "used_mb": self.used_mb,
            "quota_mb": self.quota_mb,
            "webspace_used_mb": self.webspace_used_mb,
            "webspace_max_mb": self.webspace_max_mb,
        }


class KasClient:
    def __init__(self, settings: KasSettings, transport: httpx.AsyncBaseTransport | None = None):
        if not settings.configured:
            raise ValueError("KAS needs KAS_LOGIN and KAS_PASSWORD")
        self.settings = settings
        self.breaker = CircuitBreaker()
        self.transport = transport
        self._token: str | None = None
        self._next_call_at = 0.0  # monotonic: the flood delay of the last answer

    async def quota(self) -> MailboxQuota:
        """The mailbox's usage and quota (get_mailaccounts) and the account's web space, which
        the mail accounts share (get_accountresources)."""
        wanted = (self.settings.mail_login or "").lower()
        self._token = None  # a session per check: a changed password shows today, not in 10 min
        async with self._client() as client:
            # a login (m0...) can be asked for; an address only found in the list
            params = {} if "@" in wanted else {"mail_login": wanted}
            accounts = await self._api(client, "get_mailaccounts", params)
            account = _account(accounts, wanted)
            resources = await self._api(client, "get_accountresources", {})
        webspace = resources.get("max_webspace") if isinstance(resources, Mapping) else None
        ws_used = ws_max = None
        if isinstance(webspace, Mapping):
            ws_used = _megabytes(webspace.get("used"), "max_webspace.used")
            ws_max = _megabytes(webspace.get("max"), "max_webspace.max")
        used = _megabytes(account.get("used_mailaccount_space"), "used_mailaccount_space")
        if used is None:  # a broken answer must not read as an empty mailbox
            raise KasError("KAS answered no used_mailaccount_space", temporary=False)
        return MailboxQuota(
            mail_login=str(account.get("mail_login") or wanted)[:254],
            used_mb=used,
            quota_mb=_megabytes(account.get("quota_rule"), "quota_rule"),
            webspace_used_mb=ws_used,
            webspace_max_mb=ws_max,
        )

    # ------------------------------------------------------------ protocol
    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.base_url,
            timeout=self.settings.timeout_seconds,
            transport=self.transport,
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    async def _api(self, client: httpx.AsyncClient, action: str, params: dict[str, str]) -> Any:
        renewed = False
        for attempt in range(FLOOD_RETRIES + 1):
            token = self._token or await self._authenticate(client)
            request = {
                "kas_login": self.settings.login,
                "kas_auth_type": "session",
                "kas_auth_data": token,
                "kas_action": action,
                "KasRequestParams": params,
            }
            await self._wait_for_flood_delay()
            try:
                answer = await self._post(client, "/soap/KasApi.php", "KasApi", request)
            except KasError as exc:
                if exc.code == "flood_protection" and attempt < FLOOD_RETRIES:
                    self._next_call_at = time.monotonic() + FLOOD_BACKOFF_SECONDS
                    continue
                if exc.code in SESSION_FAULTS and not renewed:
                    self._token, renewed = None, True
                    continue
                raise
            response = answer.get("Response") if isinstance(answer, Mapping) else None
            if not isinstance(response, Mapping):
                raise KasError(f"KAS {action}: an answer without Response", temporary=True)
            self._next_call_at = time.monotonic() + _flood_delay(response.get("KasFloodDelay"))
            if str(response.get("ReturnString", "")).upper() != "TRUE":
                raise KasError(f"KAS {action}: ReturnString is not TRUE", temporary=True)
            return response.get("ReturnInfo")
        raise KasError(f"KAS {action}: flood protection after retries", temporary=True)

    async def _authenticate(self, client: httpx.AsyncClient) -> str:
        request = {
            "kas_login": self.settings.login,
            "kas_auth_type": "plain",
            "kas_auth_data": self.settings.password,
            "session_lifetime": str(SESSION_SECONDS),
            "session_update_lifetime": "Y",
        }
        token = await self._post(client, "/soap/KasAuth.php", "KasAuth", request)
        if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9]{20,100}", token):
            raise KasError("KasAuth answered no session token", temporary=True)
        self._token = token
        return token

    async def _wait_for_flood_delay(self) -> None:
        # KAS's own pacing rule (SPEC 8.4): a call before the delay is refused
        wait = self._next_call_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _post(
        self, client: httpx.AsyncClient, path: str, operation: str, params: dict[str, Any]
    ) -> Any:
        if not self.breaker.allow():
            raise KasError("KAS is failing: circuit breaker open", temporary=True)
        namespace = (
            "urn:xmethodsKasApiAuthentication" if operation == "KasAuth" else "urn:xmethodsKasApi"
        )
        body = ENVELOPE.format(
            namespace=namespace, operation=operation, params=escape(json.dumps(params))
        )
        recorded = False
        try:
            try:
                status, content = await _post_capped(client, path, body.encode())
            except httpx.TimeoutException:
                recorded = True
                self.breaker.record_failure()
                raise KasError(f"KAS {operation}: timed out", temporary=True) from None
            except httpx.TransportError as exc:
                recorded = True
                self.breaker.record_failure()
                raise KasError(f"KAS {operation}: {type(exc).__name__}", temporary=True) from None
            fault = b"Fault" in content[:4000]
            if status >= 500 and not fault:
                recorded = True
                self.breaker.record_failure()
                raise KasError(f"KAS {operation}: HTTP {status}", temporary=True)
            recorded = True
            self.breaker.record_success()  # KAS answered, a fault is its verdict, not an outage
            if status >= 400 and not fault:
                # slow down, come back later: the queue's backoff (minutes) outlasts Retry-After
                later = status in (408, 425, 429)
                raise KasError(f"KAS {operation}: HTTP {status}", temporary=later)
            return _answer(operation, content)
        finally:
            if not recorded:
                self.breaker.record_neutral()


async def _post_capped(client: httpx.AsyncClient, path: str, body: bytes) -> tuple[int, bytes]:
    """The answer's status and body, read only up to MAX_ANSWER_BYTES (more is refused unread)."""
    async with client.stream("POST", path, content=body) as response:
        content = bytearray()
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > MAX_ANSWER_BYTES:
                raise KasError("KAS answered more than 1 MB", temporary=True)
        return response.status_code, bytes(content)


# ------------------------------------------------------------ parsing (untrusted)
def _parse(content: bytes) -> ET.Element:
    if len(content) > MAX_ANSWER_BYTES:
        raise KasError("KAS answered more than 1 MB", temporary=True)
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise KasError("KAS answered a DTD", temporary=True)
    try:
        return ET.fromstring(content)  # noqa: S314 - no DTD (above), size-capped
    except ET.ParseError:
        raise KasError("KAS answered no XML", temporary=True) from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _answer(operation: str, content: bytes) -> Any:
    """The value of the operation's `return`, or a KasError for a SOAP fault."""
    root = _parse(content)
    body = next((c for c in root if _local(c.tag) == "Body"), None)
    if body is None or not len(body):
        raise KasError(f"KAS {operation}: an envelope without a body", temporary=True)
    element = body[0]
    if _local(element.tag) == "Fault":
        text = next((c.text or "" for c in element if _local(c.tag) == "faultstring"), "")
        code = text.strip() if FAULT_CODE.fullmatch(text.strip()) else "unknown_fault"
        temporary = code not in LOGIN_FAULTS
        raise KasError(f"KAS {operation}: {code}", temporary=temporary, code=code)
    returned = next((c for c in element if _local(c.tag) == "return"), None)
    if returned is None:
        raise KasError(f"KAS {operation}: an answer without return", temporary=True)
    return _value(returned, depth=0)


def _value(element: ET.Element, depth: int) -> Any:  # noqa: PLR0911 - one return per SOAP type
    """An Apache SOAP value: Map -> dict, Array -> list, typed scalars."""
    if depth > 8:
        raise KasError("KAS answered a value nested too deep", temporary=True)
    kind = element.get(XSI_TYPE, "").rpartition(":")[2].lower()  # "ns2:Map" -> "map"
    items = [c for c in element if _local(c.tag) == "item"]
    if kind == "map" or (not kind and items and any(_local(k.tag) == "key" for k in items[0])):
        found: dict[str, Any] = {}
        for item in items:
            key = next((c for c in item if _local(c.tag) == "key"), None)
            value = next((c for c in item if _local(c.tag) == "value"), None)
            if key is not None and value is not None and key.text:
                found[key.text[:100]] = _value(value, depth + 1)
        return found
    if kind == "array" or items:
        return [_value(item, depth + 1) for item in items]
    text = (element.text or "").strip()
    if kind in ("int", "integer", "long"):
        try:
            return int(text)
        except ValueError:
            return None
    if kind in ("float", "double", "decimal"):
        try:
            return float(text)
        except ValueError:
            return None
    if kind == "boolean":
        return text.lower() in ("true", "1")
    return text[:10_000]


def _flood_delay(value: Any) -> float:
    try:
        delay = float(value)
    except (TypeError, ValueError):
        return 0.5  # the documented usual value
    if math.isnan(delay) or delay < 0:
        return 0.5
    return min(delay, MAX_FLOOD_DELAY_SECONDS)


def _megabytes(value: Any, name: str) -> int | None:
    """A size in MB; None for unlimited (-1) or no limit (0 for a quota) or missing."""
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise KasError(f"KAS answered a non-number for {name}", temporary=False) from None
    if number > MAX_MB or number < -1:
        raise KasError(f"KAS answered an absurd {name}", temporary=False)
    return None if number < 0 else number


def _addresses(account: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for key in ("mail_adresses", "mail_addresses"):  # KAS sends both spellings
        value = account.get(key)
        if isinstance(value, str):
            found.update(part.strip().lower() for part in value.split(",") if part.strip())
    return found


def _account(accounts: Any, wanted: str) -> Mapping[str, Any]:
    if isinstance(accounts, Mapping):
        accounts = [accounts]
    if not isinstance(accounts, list):
        raise KasError("KAS get_mailaccounts answered no list", temporary=True)
    for account in accounts:
        if not isinstance(account, Mapping):
            continue
        login = str(account.get("mail_login", "")).lower()
        if login == wanted or wanted in _addresses(account):
            return account
    raise KasError(
        f"KAS knows no mail account {wanted}", temporary=False, code="mail_login_not_found"
    )
