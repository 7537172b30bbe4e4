"""A local all-inkl.com KAS API that speaks the SOAP wire format our sources show
(../shared/reference/connectors-api.md 3.1-3.5, built to 3.7): a password exchanged for a
40-character session token, the mailbox list and the account's resources (the quota call), the
flood protection, and the API's SOAP faults.

    python -m tests.fakes.kas_server --port P [--host 127.0.0.1] [--login w0123456]
        [--password kas-test-password] [--flood-delay 0.5]
        [--demo]    (start with one demo mailbox and 2 000 MB of webspace used, for make run)

Without --demo the fake starts with no mailbox and the same resource limits, nothing used but
one domain. With --demo: mailbox m0123456 (kontakt@freshfoodz.example, 120 of 1000 MB, active)
and max_webspace 2000 of 50000 MB used, max_mail_account 1 used.

API routes (SOAP 1.1: POST, `Content-Type: text/xml; charset=utf-8`, answered the same way):

    POST /soap/KasAuth.php    operation KasAuth -> <ns1:KasAuthResponse><return xsi:type=
                              "xsd:string">40-character token</return>
    POST /soap/KasApi.php     operation KasApi  -> <ns1:KasApiResponse><return xsi:type="ns2:Map">

- The operation is the first element in the SOAP Body, named KasAuth / KasApi (any namespace or
  prefix; the other one, or none, on a route is a 400). Its first child element, whatever its
  name (Params, KasRequest, ...), holds one JSON object with all parameters. No such child, or
  text that is not a JSON object: fault got_no_login_data.
- Refused with HTTP 400 (and a `SOAP-ENV:Client` fault, faultstring `Bad Request`, the reason
  in `<detail><reason>`): a body over 1 MB, not UTF-8, containing `<!DOCTYPE` or `<!ENTITY`
  (any case), not XML, or no SOAP Envelope/Body. XML is parsed with xml.etree only after that.
  Another method on a SOAP route is a 405, another path a 404 (text bodies).
- KasAuth JSON: kas_login (legacy KasUser), kas_auth_type (KasAuthType) `plain` with
  kas_auth_data (KasAuthData, KasPassword) the password, or legacy `sha1` with the password's
  SHA-1 in hex; session_lifetime seconds (a number or a string of digits, 1..30000, default
  1800; else fault session_lifetime_syntax_incorrect), session_update_lifetime Y|N (default N;
  Y: every KasApi call with the token restarts its lifetime; else fault
  session_update_lifetime_syntax_incorrect); session_2fa is ignored. Faults: a missing or
  non-string login, type or data, or another type -> got_no_login_data; another login or a
  wrong password -> kas_login_failed; the configured login while `locked` -> kas_login_locked
  (whatever the password). KasAuth is not flood-limited.
- KasApi JSON: kas_login (KasUser), kas_auth_type (KasAuthType) `session` (kas_auth_data /
  KasAuthData = the token) or `plain` (= the password), kas_action (KasRequestType),
  KasRequestParams (an object of strings; absent, null or [] mean none). Checked in this order:
  login, type or data missing -> got_no_login_data; session: a token not issued, expired,
  forgotten by /_fake/expire_sessions or issued to another login -> unknown_session (or
  kas_session_invalid, config `session_fault`); plain: another login or password, or any other
  type -> no_auth; flood (below) -> flood_protection; no action -> no_action; params not an
  object -> missing_parameter, a value that is not a string -> <key>_syntax_incorrect; unknown
  action -> unkown_action (sic, as the real API spells it).
- Actions:
  get_mailaccounts (optional mail_login; "" means all) -> ReturnInfo a SOAP-ENC:Array of ns2:Map,
  one per mailbox in fixture order: mail_login, mail_adresses and mail_addresses (both
  spellings: the addresses joined by ","), mail_is_active Y|N, used_mailaccount_space (xsd:int,
  MB), quota_rule (xsd:int, MB, 0 = no limit), in_progress "TRUE"|"FALSE", and as strings
  mail_comment, mail_responder "N", mail_copy_adress/mail_copy_address "", mail_sender_alias "",
  mail_spamfilter "", mail_xlist_enabled "Y", mail_xlist_sent/drafts/trash/spam/archiv,
  webmail_autologin "N", mail_allow_nets "", mail_2fa "N", show_password "N" (so no
  mail_password). A mail_login that no mailbox has -> fault mail_login_not_found; no mailboxes
  -> an empty array.
  get_accountresources (alias get_accountressources; params ignored) -> ReturnInfo a map
  max_<resource> -> {max, exceeded (xsd:boolean), reserved, created, used, free} (xsd:int, -1 =
  unlimited), in fixture order. The default resources: max_webspace (MB), max_mail_account,
  max_domain, max_subdomain, max_database, max_ftpuser, max_account.
- A success: ReturnInfo inside the Apache map {Request: {KasRequestTime (xsd:int, unix time),
  KasRequestType (the action as sent), KasRequestParams (the params as a map; none: an empty
  SOAP-ENC:Array, as PHP sends an empty array)}, Response: {KasFloodDelay (xsd:float, the
  configured delay), ReturnString "TRUE", ReturnInfo}}. Maps are `<item><key xsi:type=
  "xsd:string">K</key><value xsi:type="...">V</value></item>`; an array's elements are
  `<item xsi:type="...">` (a map's items directly inside it); SOAP-ENC:arrayType "T[n]".
- A fault (HTTP 500): `<SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode><faultstring>CODE
  </faultstring><faultactor>KasApi|KasAuth</faultactor><detail/></SOAP-ENV:Fault>`.
- Flood protection: per kas_login, the arrival time (time.monotonic) of the last KasApi call that
  succeeded (ReturnString TRUE). A KasApi call that arrives less than `flood_delay` seconds after
  it is the fault flood_protection (logged; it does not move the time, nor do other faults).
  The check comes after authentication.

A mailbox fixture (PUT /_fake/mailaccounts; an unknown field is a 400, so a typo cannot pass):

    {"mail_login": "m0123456", "addresses": ["kontakt@freshfoodz.example"], "used_mb": 120,
     "quota_mb": 1000, "active": true, "in_progress": false, "comment": ""}
    (only mail_login is required, each once; addresses default [], MB 0, active true,
     in_progress false, comment "")

A resource fixture (PUT /_fake/resources replaces them all; answered in the order given):

    {"max_webspace": {"max": 50000, "used": 2000}, "max_domain": {"max": -1, "used": 1}}
    keys start with max_; max is required; used defaults to 0, reserved to used, created to 0,
    free to -1 when max is -1 else max(max - used, 0), exceeded to (max != -1 and used > max);
    all of them may be given (ints >= -1, exceeded a boolean); any other field is a 400.

A test steers it over HTTP (JSON):

    GET    /_fake/health                                           {"ok": true}
    PUT    /_fake/mailaccounts {"mailaccounts": [mailbox, ...]}    replace the mailboxes
    PUT    /_fake/resources    {"resources": {name: resource}}     replace the resources
    POST   /_fake/config       {"flood_delay": S, "locked": B,
                                "session_fault": "unknown_session"|"kas_session_invalid",
                                "login": L, "password": P}         any subset; an unknown key or
                                                                   a bad value is a 400 and
                                                                   nothing is applied
    POST   /_fake/faults       {"faults": [{"mode": "status"|"fault"|"slow"|"drop",
                                 "times": 1, "status": 503, "code": "...", "delay": S,
                                 "action": "get_mailaccounts", "endpoint": "auth"|"api"}]}
                                                                   appended
    POST   /_fake/expire_sessions                                  {"expired": n}: every token
                                                                   is unknown from now on
    GET    /_fake/requests     {"requests": [entry, ...], "sessions_issued": n}
    DELETE /_fake/requests     forget the log, the faults and sessions_issued (not sessions,
                               fixtures, config or flood times)
    POST   /_fake/reset        everything back to how the process started

A log entry, one per SOAP request in arrival order: {"endpoint": "auth"|"api", "action" (as
sent, or null), "login" (kas_login as sent, or null), "auth_type" (or null), "params" (the
KasRequestParams as sent, or null), "at" (time.monotonic() at arrival, comparable with a test's
own time.monotonic() on the same machine), "wall" (time.time() at arrival), "status" (the HTTP
status; 0 for a dropped connection), "fault" (the SOAP fault code, or null), "injected" (the
mode of an injected fault that acted on it, or null)}. It never holds kas_auth_data: a params
value holding the password or the request's token, and any params key containing "pass", is
"***".

Faults act like a gateway in front of the API: after the body was read for its action, before
anything else, one fault per request, the first that has `times` left (`null`: forever) and
whose `endpoint` and `action` (either is optional; `action` means the api endpoint, matched to
the action as sent or its canonical name) match; a fault that does not match is not consumed.
`times` defaults to 1. Modes: `status` (that HTTP status, default 503, 200..599 but not 204 or
304, with a small text/html page that is no SOAP), `fault` (the SOAP fault `code`, HTTP 500),
`slow` (the normal answer after `delay` seconds), `drop` (the connection is closed without a
byte of an answer).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http
import json
import secrets
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import uvicorn

from tests.fakes.llm import Receive, Send, lifespan, read_body, respond

AUTH_PATH = "/soap/KasAuth.php"
API_PATH = "/soap/KasApi.php"
ENDPOINTS = {AUTH_PATH: "auth", API_PATH: "api"}
ACTORS = {"auth": "KasAuth", "api": "KasApi"}
MAX_BODY_BYTES = 1024 * 1024
DEFAULT_LOGIN = "w0123456"
DEFAULT_PASSWORD = "kas-test-password"  # the fake's own test password
SESSION_FAULTS = frozenset({"unknown_session", "kas_session_invalid"})
FAULT_MODES = frozenset({"status", "fault", "slow", "drop"})
ACTION_ALIASES = {"get_accountressources": "get_accountresources"}
MAILBOX_FIELDS = frozenset(
    {"mail_login", "addresses", "used_mb", "quota_mb", "active", "in_progress", "comment"}
)
RESOURCE_FIELDS = frozenset({"max", "exceeded", "reserved", "created", "used", "free"})
MASK = "***"
TEXT_XML = "text/xml; charset=utf-8"

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NAMESPACES = (
    f'xmlns:SOAP-ENV="{SOAP_ENV}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:ns2="http://xml.apache.org/xml-soap" '
    'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"'
)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _quantity(value: Any) -> bool:
    """A resource number: an int, -1 meaning unlimited."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= -1


# ------------------------------------------------------------------ fixtures


def mailbox(raw: dict[str, Any]) -> dict[str, Any]:
    """A mailbox fixture with its defaults (already checked by mailboxes_problem)."""
    return {
        "mail_login": raw["mail_login"],
        "addresses": list(raw.get("addresses", [])),
        "used_mb": raw.get("used_mb", 0),
        "quota_mb": raw.get("quota_mb", 0),
        "active": raw.get("active", True),
        "in_progress": raw.get("in_progress", False),
        "comment": raw.get("comment", ""),
    }


def resource(raw: dict[str, Any]) -> dict[str, Any]:
    """A resource with its derived numbers, in the real answer's field order."""
    limit, used = raw["max"], raw.get("used", 0)
    free = -1 if limit == -1 else max(limit - used, 0)
    return {
        "max": limit,
        "exceeded": raw.get("exceeded", limit != -1 and used > limit),
        "reserved": raw.get("reserved", used),
        "created": raw.get("created", 0),
        "used": used,
        "free": raw.get("free", free),
    }


def start_fixtures(demo: bool) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The mailboxes and resources the process starts with (and /_fake/reset returns to)."""
    mailboxes = (
        [
            mailbox({
                "mail_login": "m0123456", "addresses": ["kontakt@freshfoodz.example"],
                "used_mb": 120, "quota_mb": 1000,
            })
        ]
        if demo
        else []
    )  # fmt: skip
    limits = {
        "max_webspace": {"max": 50000, "used": 2000 if demo else 0},
        "max_mail_account": {"max": 1000, "used": len(mailboxes)},
        "max_domain": {"max": -1, "used": 1},
        "max_subdomain": {"max": 500, "used": 0},
        "max_database": {"max": 50, "used": 0},
        "max_ftpuser": {"max": -1, "used": 0},
        "max_account": {"max": 500, "used": 0},
    }
    return mailboxes, {name: resource(raw) for name, raw in limits.items()}


def mailboxes_problem(items: Any) -> str | None:
    if not isinstance(items, list) or not all(isinstance(m, dict) for m in items):
        return "mailaccounts: a list of objects"
    for item in items:
        unknown = set(item) - MAILBOX_FIELDS
        if unknown:
            return f"unknown mailbox fields {sorted(unknown)}; known: {sorted(MAILBOX_FIELDS)}"
        if not _text(item.get("mail_login")):
            return "mail_login: a non-empty string"
        addresses = item.get("addresses", [])
        if not isinstance(addresses, list) or not all(_text(a) for a in addresses):
            return "addresses: a list of non-empty strings"
        if not all(_count(item.get(k, 0)) for k in ("used_mb", "quota_mb")):
            return "used_mb, quota_mb: whole MB >= 0"
        if not all(isinstance(item.get(k, False), bool) for k in ("active", "in_progress")):
            return "active, in_progress: booleans"
        if not isinstance(item.get("comment", ""), str):
            return "comment: a string"
    logins = [m["mail_login"] for m in items]
    return "mail_login: each once" if len(set(logins)) != len(logins) else None


def resources_problem(items: Any) -> str | None:
    if not isinstance(items, dict):
        return "resources: an object of max_<resource> -> {max, used, ...}"
    for name, raw in items.items():
        if not name.startswith("max_") or not isinstance(raw, dict):
            return f"{name}: a max_<resource> name with an object"
        unknown = set(raw) - RESOURCE_FIELDS
        if unknown:
            return f"{name}: unknown fields {sorted(unknown)}; known: {sorted(RESOURCE_FIELDS)}"
        if "max" not in raw:
            return f"{name}: max is required"
        if not all(_quantity(v) for k, v in raw.items() if k != "exceeded"):
            return f"{name}: numbers are ints >= -1 (-1 = unlimited)"
        if not isinstance(raw.get("exceeded", False), bool):
            return f"{name}: exceeded is a boolean"
    return None


# ------------------------------------------------------------------ state


@dataclass
class Config:
    """What POST /_fake/config may change; each field's checker is in CONFIG_CHECKS."""

    login: str = DEFAULT_LOGIN
    password: str = DEFAULT_PASSWORD
    flood_delay: float = 0.5
    locked: bool = False
    session_fault: str = "unknown_session"


CONFIG_CHECKS: dict[str, Callable[[Any], bool]] = {
    "login": _text,
    "password": _text,
    "flood_delay": lambda v: _number(v) and v >= 0,
    "locked": lambda v: isinstance(v, bool),
    "session_fault": lambda v: v in SESSION_FAULTS,
}
assert set(CONFIG_CHECKS) == {f.name for f in fields(Config)}


@dataclass
class Fault:
    mode: str
    times: int | None = 1
    status: int = 503
    code: str | None = None
    delay: float = 0.0
    action: str | None = None
    endpoint: str | None = None

    def problem(self) -> str | None:
        """Why this fault is not usable, or None; a test's typo must not become a normal answer."""
        if self.mode not in FAULT_MODES:
            return f"unknown mode {self.mode!r}; known: {sorted(FAULT_MODES)}"
        if self.times is not None and not _count(self.times):
            return "times: a count or null"
        if not (_count(self.status) and 200 <= self.status <= 599) or self.status in (204, 304):
            return "status: an HTTP status 200..599 that has a body (not 204 or 304)"
        if self.mode == "fault" and not _text(self.code):
            return "code: the SOAP fault code of a fault"
        if self.code is not None and not _text(self.code):
            return "code: a non-empty string or null"
        if not (_number(self.delay) and self.delay >= 0):
            return "delay: seconds"
        if self.endpoint is not None and self.endpoint not in ACTORS:
            return "endpoint: auth, api or null"
        if self.action is not None and not (_text(self.action) and self.endpoint != "auth"):
            return "action: an action name (of the api endpoint) or null"
        return None

    def matches(self, endpoint: str, action: str | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        if self.action is None:
            return True
        return endpoint == "api" and self.action in (action, ACTION_ALIASES.get(action or ""))


@dataclass
class Session:
    login: str
    lifetime: float
    sliding: bool
    expires: float  # time.monotonic()


@dataclass
class State:
    config: Config
    demo: bool = False
    mailaccounts: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)  # token -> session
    sessions_issued: int = 0
    last_success: dict[str, float] = field(default_factory=dict)  # login -> monotonic arrival
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    start_config: Config | None = None

    def __post_init__(self) -> None:
        self.start_config = replace(self.config)
        self.mailaccounts, self.resources = start_fixtures(self.demo)

    def reset(self) -> None:
        assert self.start_config is not None
        fresh = State(replace(self.start_config), demo=self.demo)
        self.__dict__.update(fresh.__dict__)

    def next_fault(self, endpoint: str, action: str | None) -> Fault | None:
        fault = next((f for f in self.faults if f.matches(endpoint, action)), None)
        if fault is not None and fault.times is not None:
            fault.times -= 1
        return fault


class KasFaultError(Exception):
    """A SOAP fault answer with this faultstring."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class BadRequestError(Exception):
    """A body that is refused with HTTP 400 before it is read as a KAS request."""


# ------------------------------------------------------------------ wire format


def xsi_type(value: Any) -> str:
    if isinstance(value, bool):
        return "xsd:boolean"
    if isinstance(value, int):
        return "xsd:int"
    if isinstance(value, float):
        return "xsd:float"
    if isinstance(value, str):
        return "xsd:string"
    if isinstance(value, dict) and value:
        return "ns2:Map"
    if isinstance(value, list | dict):  # an empty map too: PHP has one array type for both
        return "SOAP-ENC:Array"
    raise TypeError(f"no SOAP type for {value!r}")


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return escape(str(value))


def map_items(value: dict[str, Any]) -> str:
    return "".join(
        f'<item><key xsi:type="xsd:string">{escape(str(key))}</key>{element("value", item)}</item>'
        for key, item in value.items()
    )


def element(tag: str, value: Any) -> str:
    """`value` as the Apache SOAP / PHP SoapServer encoding writes it, in a `tag` element."""
    kind = xsi_type(value)
    if kind == "SOAP-ENC:Array":
        items = list(value) if isinstance(value, list) else []
        kinds = {xsi_type(item) for item in items}
        of = kinds.pop() if len(kinds) == 1 else "xsd:ur-type"
        inner = "".join(element("item", item) for item in items)
        head = f'<{tag} SOAP-ENC:arrayType="{of}[{len(items)}]" xsi:type="SOAP-ENC:Array"'
        return f"{head}>{inner}</{tag}>" if inner else f"{head}/>"
    if kind == "ns2:Map":
        return f'<{tag} xsi:type="ns2:Map">{map_items(value)}</{tag}>'
    return f'<{tag} xsi:type="{kind}">{scalar_text(value)}</{tag}>'


def envelope(actor: str, body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<SOAP-ENV:Envelope {NAMESPACES} xmlns:ns1="https://kasapi.kasserver.com/soap/{actor}.php">'
        f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
    ).encode()


def fault_envelope(
    actor: str, code: str, faultcode: str = "SOAP-ENV:Server", reason: str = ""
) -> bytes:
    detail = f"<detail><reason>{escape(reason)}</reason></detail>" if reason else "<detail/>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"><SOAP-ENV:Body><SOAP-ENV:Fault>'
        f"<faultcode>{faultcode}</faultcode><faultstring>{escape(code)}</faultstring>"
        f"<faultactor>{actor}</faultactor>{detail}</SOAP-ENV:Fault></SOAP-ENV:Body>"
        "</SOAP-ENV:Envelope>\n"
    ).encode()


def local_name(tag: Any) -> str:
    return str(tag).rpartition("}")[2] if isinstance(tag, str) else ""


def request_params(body: bytes, operation: str) -> dict[str, Any] | None:
    """The JSON parameters of a SOAP request for `operation`; None when the operation carries no
    JSON object (got_no_login_data); BadRequestError for a body that is refused outright."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequestError("body over 1 MB")
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadRequestError("body is not UTF-8") from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise BadRequestError("DOCTYPE and ENTITY declarations are refused")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - no DTD can be in it (checked above)
    except ElementTree.ParseError as exc:
        raise BadRequestError(f"not XML: {exc}") from None
    body_element = next((c for c in root if local_name(c.tag) == "Body"), None)
    if local_name(root.tag) != "Envelope" or body_element is None:
        raise BadRequestError("not a SOAP Envelope with a Body")
    op = next(iter(body_element), None)
    if op is None or local_name(op.tag) != operation:
        raise BadRequestError(f"the operation of this endpoint is {operation}")
    carrier = next(iter(op), None)
    if carrier is None:
        return None
    try:
        parsed = json.loads(carrier.text or "")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def pick(params: dict[str, Any], *names: str) -> str | None:
    """The first of these keys present with a non-empty string (current name before legacy)."""
    for name in names:
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def masked(value: Any, secret_values: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if "pass" in str(k).lower() else masked(v, secret_values)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v, secret_values) for v in value]
    if isinstance(value, str) and any(s in value for s in secret_values if s):
        return MASK
    return value


def describe(state: State, endpoint: str, params: dict[str, Any], entry: dict[str, Any]) -> None:
    """Fill the log entry from a request's parameters, without its secrets."""
    entry["login"] = pick(params, "kas_login", "KasUser")
    entry["auth_type"] = pick(params, "kas_auth_type", "KasAuthType")
    if endpoint != "api":
        return
    entry["action"] = pick(params, "kas_action", "KasRequestType")
    sent = pick(params, "kas_auth_data", "KasAuthData", "KasPassword")
    secret_values = {state.config.password, *state.sessions, *([sent] if sent else [])}
    raw = params.get("KasRequestParams")
    entry["params"] = masked(raw, secret_values) if raw is not None else None


# ------------------------------------------------------------------ operations


def session_lifetime(value: Any) -> float:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not (_number(value) and 1 <= value <= 30000):
        raise KasFaultError("session_lifetime_syntax_incorrect")
    return float(value)


def password_ok(state: State, kind: str, data: str) -> bool:
    expected = state.config.password
    if kind == "sha1":  # legacy KasPassword: the SHA-1 of the password in hex
        expected = hashlib.sha1(expected.encode()).hexdigest()  # noqa: S324 - the legacy protocol
        data = data.lower()
    return secrets.compare_digest(data.encode(), expected.encode())


def kas_auth(state: State, params: dict[str, Any] | None, now: float) -> str:
    if params is None:
        raise KasFaultError("got_no_login_data")
    login = pick(params, "kas_login", "KasUser")
    kind = pick(params, "kas_auth_type", "KasAuthType")
    data = pick(params, "kas_auth_data", "KasAuthData", "KasPassword")
    if login is None or data is None or kind not in ("plain", "sha1"):
        raise KasFaultError("got_no_login_data")
    if login != state.config.login:
        raise KasFaultError("kas_login_failed")
    if state.config.locked:
        raise KasFaultError("kas_login_locked")
    if not password_ok(state, kind, data):
        raise KasFaultError("kas_login_failed")
    lifetime = session_lifetime(params.get("session_lifetime", 1800))
    sliding = params.get("session_update_lifetime", "N")
    if sliding not in ("Y", "N"):
        raise KasFaultError("session_update_lifetime_syntax_incorrect")
    token = secrets.token_hex(20)
    state.sessions[token] = Session(login, lifetime, sliding == "Y", now + lifetime)
    state.sessions_issued += 1
    return (
        f'<ns1:KasAuthResponse><return xsi:type="xsd:string">{token}</return></ns1:KasAuthResponse>'
    )


def authenticate(state: State, login: str, kind: str, data: str, now: float) -> None:
    if kind == "session":
        session = state.sessions.get(data)
        if session is not None and now >= session.expires:
            del state.sessions[data]
            session = None
        if session is None or session.login != login:
            raise KasFaultError(state.config.session_fault)
        if session.sliding:
            session.expires = now + session.lifetime
        return
    if kind != "plain" or login != state.config.login or not password_ok(state, kind, data):
        raise KasFaultError("no_auth")


def mailbox_view(box: dict[str, Any]) -> dict[str, Any]:
    addresses = ",".join(box["addresses"])
    return {
        "mail_login": box["mail_login"],
        "mail_adresses": addresses,
        "mail_addresses": addresses,
        "mail_comment": box["comment"],
        "mail_responder": "N",
        "mail_copy_adress": "",
        "mail_copy_address": "",
        "mail_sender_alias": "",
        "mail_spamfilter": "",
        "in_progress": "TRUE" if box["in_progress"] else "FALSE",
        "mail_xlist_enabled": "Y",
        "mail_xlist_sent": "Sent",
        "mail_xlist_drafts": "Drafts",
        "mail_xlist_trash": "Trash",
        "mail_xlist_spam": "Spam",
        "mail_xlist_archiv": "Archive",
        "used_mailaccount_space": box["used_mb"],
        "mail_is_active": "Y" if box["active"] else "N",
        "show_password": "N",
        "mail_allow_nets": "",
        "mail_2fa": "N",
        "quota_rule": box["quota_mb"],
        "webmail_autologin": "N",
    }


def get_mailaccounts(state: State, params: dict[str, str]) -> Any:
    wanted = params.get("mail_login") or None
    boxes = [b for b in state.mailaccounts if wanted is None or b["mail_login"] == wanted]
    if wanted is not None and not boxes:
        raise KasFaultError("mail_login_not_found")
    return [mailbox_view(b) for b in boxes]


def get_accountresources(state: State, params: dict[str, str]) -> Any:
    return {name: dict(values) for name, values in state.resources.items()}


ACTIONS: dict[str, Callable[[State, dict[str, str]], Any]] = {
    "get_mailaccounts": get_mailaccounts,
    "get_accountresources": get_accountresources,
}


def kas_api(state: State, params: dict[str, Any] | None, now: float) -> str:
    if params is None:
        raise KasFaultError("got_no_login_data")
    login = pick(params, "kas_login", "KasUser")
    kind = pick(params, "kas_auth_type", "KasAuthType")
    data = pick(params, "kas_auth_data", "KasAuthData")
    if login is None or kind is None or data is None:
        raise KasFaultError("got_no_login_data")
    authenticate(state, login, kind, data, now)
    last = state.last_success.get(login)
    if last is not None and now - last < state.config.flood_delay:
        raise KasFaultError("flood_protection")
    action = pick(params, "kas_action", "KasRequestType")
    if action is None:
        raise KasFaultError("no_action")
    request_params_ = params.get("KasRequestParams")
    if request_params_ is None or request_params_ == []:
        request_params_ = {}
    if not isinstance(request_params_, dict):
        raise KasFaultError("missing_parameter")
    for key, value in request_params_.items():
        if not isinstance(value, str):
            raise KasFaultError(f"{key}_syntax_incorrect")
    handler = ACTIONS.get(ACTION_ALIASES.get(action, action))
    if handler is None:
        raise KasFaultError("unkown_action")  # sic: the real API's spelling
    info = handler(state, request_params_)
    state.last_success[login] = now
    answer = {
        "Request": {
            "KasRequestTime": int(time.time()),
            "KasRequestType": action,
            "KasRequestParams": request_params_,
        },
        "Response": {
            "KasFloodDelay": float(state.config.flood_delay),
            "ReturnString": "TRUE",
            "ReturnInfo": info,
        },
    }
    return f"<ns1:KasApiResponse>{element('return', answer)}</ns1:KasApiResponse>"


# ------------------------------------------------------------------ server


async def send_bytes(
    send: Send, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None = None
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def drop(send: Send) -> None:
    """Close the connection without a byte of an answer. uvicorn answers 500 to an app that gives
    up before it starts a response, so the socket is closed underneath it: the cycle behind
    `send` holds the transport (uvicorn's h11 and httptools protocols alike); once the protocol
    has seen the connection go, uvicorn sends nothing more."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        transport.close()
        for _ in range(100):
            if getattr(cycle, "disconnected", True):
                return
            await asyncio.sleep(0.01)
        return
    # another server: a promised body that never comes is the nearest thing
    await send({
        "type": "http.response.start", "status": 200,
        "headers": [(b"content-type", TEXT_XML.encode()), (b"content-length", b"1000")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": b"<?xml", "more_body": True})
    raise ConnectionAbortedError("fault: dropped connection")


async def apply_fault(fault: Fault, actor: str, send: Send, entry: dict[str, Any]) -> int | None:
    """Answer the fault; its HTTP status (0: dropped), or None when the request goes on (slow)."""
    entry["injected"] = fault.mode
    if fault.mode == "status":
        phrase = (
            http.HTTPStatus(fault.status).phrase if fault.status in set(http.HTTPStatus) else ""
        )
        page = f"<html><body><h1>{fault.status} {phrase}</h1></body></html>\n".encode()
        await send_bytes(send, fault.status, page, "text/html; charset=utf-8")
        return fault.status
    if fault.mode == "fault":
        assert fault.code is not None
        entry["fault"] = fault.code
        await send_bytes(send, 500, fault_envelope(actor, fault.code), TEXT_XML)
        return 500
    if fault.mode == "drop":
        await drop(send)
        return 0
    await asyncio.sleep(fault.delay)  # slow: then the normal answer
    return None


async def soap_call(
    state: State, endpoint: str, body: bytes, entry: dict[str, Any], send: Send
) -> int:
    actor = ACTORS[endpoint]
    problem: str | None = None
    params: dict[str, Any] | None = None
    try:
        params = request_params(body, actor)
    except BadRequestError as exc:
        problem = str(exc)
    if params is not None:
        describe(state, endpoint, params, entry)
    fault = state.next_fault(endpoint, entry["action"])
    if fault is not None:
        answered = await apply_fault(fault, actor, send, entry)
        if answered is not None:
            return answered
    if problem is not None:
        payload = fault_envelope(actor, "Bad Request", "SOAP-ENV:Client", problem)
        await send_bytes(send, 400, payload, TEXT_XML)
        return 400
    operation = kas_auth if endpoint == "auth" else kas_api
    try:
        answer = operation(state, params, entry["at"])
    except KasFaultError as exc:
        entry["fault"] = exc.code
        await send_bytes(send, 500, fault_envelope(actor, exc.code), TEXT_XML)
        return 500
    await send_bytes(send, 200, envelope(actor, answer), TEXT_XML)
    return 200


def make_app(state: State) -> Any:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        method, path = scope["method"], scope["path"]
        if path.startswith("/_fake/"):
            await control(state, method, path, body, send)
            return
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            await send_bytes(send, 404, b"not found\n", "text/plain; charset=utf-8")
            return
        if method != "POST":
            text = b"method not allowed\n"
            await send_bytes(send, 405, text, "text/plain; charset=utf-8", {"Allow": "POST"})
            return
        entry: dict[str, Any] = {
            "endpoint": endpoint, "action": None, "login": None, "auth_type": None,
            "params": None, "at": time.monotonic(), "wall": time.time(), "status": 0,
            "fault": None, "injected": None,
        }  # fmt: skip
        state.requests.append(entry)
        entry["status"] = await soap_call(state, endpoint, body, entry, send)

    return app


def config_problem(values: Any) -> str | None:
    if not isinstance(values, dict):
        return "a JSON object of settings"
    unknown = set(values) - set(CONFIG_CHECKS)
    if unknown:
        return f"unknown settings {sorted(unknown)}; known: {sorted(CONFIG_CHECKS)}"
    bad = sorted(k for k, v in values.items() if not CONFIG_CHECKS[k](v))
    return f"bad values for {bad}" if bad else None


async def control(state: State, method: str, route: str, body: bytes, send: Send) -> None:  # noqa: PLR0912 - one branch per control route
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        await respond(send, 400, {"error": "not JSON"})
        return
    if not isinstance(parsed, dict):
        await respond(send, 400, {"error": "a JSON object"})
        return
    if route == "/_fake/health" and method == "GET":
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/mailaccounts" and method == "PUT":
        items = parsed.get("mailaccounts")
        problem = mailboxes_problem(items) if set(parsed) == {"mailaccounts"} else "{mailaccounts}"
        if problem:
            await respond(send, 400, {"error": problem})
            return
        assert isinstance(items, list)
        state.mailaccounts = [mailbox(m) for m in items]
        await respond(send, 200, {"mailaccounts": len(state.mailaccounts)})
    elif route == "/_fake/resources" and method == "PUT":
        items = parsed.get("resources")
        problem = resources_problem(items) if set(parsed) == {"resources"} else "{resources}"
        if problem:
            await respond(send, 400, {"error": problem})
            return
        assert isinstance(items, dict)
        state.resources = {name: resource(raw) for name, raw in items.items()}
        await respond(send, 200, {"resources": len(state.resources)})
    elif route == "/_fake/config" and method == "POST":
        problem = config_problem(parsed)
        if problem:  # nothing is applied: half a configuration would be a confusing state
            await respond(send, 400, {"error": problem})
            return
        for key, value in parsed.items():
            setattr(state.config, key, value)
        await respond(send, 200, {"ok": True})  # no echo: the settings may hold the password
    elif route == "/_fake/faults" and method == "POST":
        try:
            faults = [Fault(**f) for f in parsed.get("faults", [])]
        except (TypeError, AttributeError) as exc:
            await respond(send, 400, {"error": f"not a fault: {exc}"})
            return
        problems = [p for p in (f.problem() for f in faults) if p]
        if problems:
            await respond(send, 400, {"error": "; ".join(problems)})
            return
        state.faults.extend(faults)
        await respond(send, 200, {"faults": len(state.faults)})
    elif route == "/_fake/expire_sessions" and method == "POST":
        expired = len(state.sessions)
        state.sessions.clear()
        await respond(send, 200, {"expired": expired})
    elif route == "/_fake/requests" and method == "GET":
        await respond(
            send, 200, {"requests": state.requests, "sessions_issued": state.sessions_issued}
        )
    elif route == "/_fake/requests" and method == "DELETE":
        state.requests.clear()
        state.faults.clear()
        state.sessions_issued = 0
        await respond(send, 200, {"ok": True})
    elif route == "/_fake/reset" and method == "POST":
        state.reset()
        await respond(send, 200, {"ok": True})
    else:
        await respond(send, 404, {"error": "unknown control endpoint"})


def main() -> None:
    parser = argparse.ArgumentParser(prog="fake kas")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--login", default=DEFAULT_LOGIN)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--flood-delay", type=float, default=0.5)
    parser.add_argument("--demo", action="store_true", help="start with one demo mailbox")
    args = parser.parse_args()
    if not args.login or not args.password or args.flood_delay < 0:
        parser.error("--login and --password must not be empty, --flood-delay not negative")
    config = Config(login=args.login, password=args.password, flood_delay=args.flood_delay)
    state = State(config, demo=args.demo)
    server_config = uvicorn.Config(
        make_app(state), host=args.host, port=args.port, log_level="warning",
        access_log=False, timeout_graceful_shutdown=1, lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(server_config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    asyncio.run(server.serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
