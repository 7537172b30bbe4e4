"""The KAS fake speaks the SOAP wire format of ../shared/reference/connectors-api.md 3: driven here
directly with httpx and hand-built envelopes (not a production client), and steered over its
/_fake/ routes."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import httpx
import pytest

from tests.kas_support import (
    API_PATH,
    AUTH_PATH,
    LOGIN,
    PASSWORD,
    FakeKas,
    kas,  # noqa: F401 - fixture
    mailaccount,
    start_fake_kas,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ARRAY_TYPE = "{http://schemas.xmlsoap.org/soap/encoding/}arrayType"
KAS_API_NS = "https://kasapi.kasserver.com/soap/KasApi.php"


def envelope(
    operation: str, params: Any, *, carrier: str = "Params", prefix: str | None = "tns"
) -> bytes:
    """A SOAP 1.1 request as the sample clients build it by hand: the JSON as the text of the
    operation's only child."""
    text = params if isinstance(params, str) else json.dumps(params)
    op = f"{prefix}:{operation}" if prefix else operation
    ns = f' xmlns:{prefix}="https://kasserver.com/"' if prefix else ' xmlns="urn:kas"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"{ns}><soapenv:Body>'
        f"<{op}><{carrier}>{escape(text)}</{carrier}></{op}>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def post(fake: FakeKas, path: str, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    return httpx.post(f"{fake.url}{path}", content=body, headers=headers, timeout=10)


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def auth(fake: FakeKas, **changes: Any) -> httpx.Response:
    """KasAuth with the fake's login and password; a change of None leaves the key out."""
    params = {"kas_login": LOGIN, "kas_auth_type": "plain", "kas_auth_data": PASSWORD}
    return post(fake, AUTH_PATH, envelope("KasAuth", without_none(params | changes)))


def token(fake: FakeKas, **changes: Any) -> str:
    response = auth(fake, **changes)
    assert response.status_code == 200, response.text
    found = ElementTree.fromstring(response.content).find(".//return")  # noqa: S314
    assert found is not None
    assert found.get(XSI_TYPE) == "xsd:string"
    return found.text or ""


def api(
    fake: FakeKas,
    action: str | None,
    request_params: Any = None,
    *,
    session: str | None = None,
    **changes: Any,
) -> httpx.Response:
    """KasApi with a session token, or with the password (plain) when no session is given."""
    params: dict[str, Any] = {
        "kas_login": LOGIN,
        "kas_auth_type": "session" if session else "plain",
        "kas_auth_data": session or PASSWORD,
        "kas_action": action,
        "KasRequestParams": {} if request_params is None else request_params,
    }
    return post(fake, API_PATH, envelope("KasApi", without_none(params | changes)))


def decode(element: ElementTree.Element) -> Any:
    """An Apache SOAP / SOAP-ENC value back as Python."""
    kind = element.get(XSI_TYPE)
    if kind == "ns2:Map":
        found: dict[str, Any] = {}
        for item in element:
            key, value = item.find("key"), item.find("value")
            assert key is not None
            assert value is not None
            assert key.get(XSI_TYPE) == "xsd:string"
            found[key.text or ""] = decode(value)
        return found
    if kind == "SOAP-ENC:Array":
        items = list(element)
        assert element.get(ARRAY_TYPE, "").endswith(f"[{len(items)}]")
        return [decode(item) for item in items]
    text = element.text or ""
    if kind == "xsd:int":
        return int(text)
    if kind == "xsd:float":
        return float(text)
    if kind == "xsd:boolean":
        assert text in ("true", "false")
        return text == "true"
    assert kind == "xsd:string", kind
    return text


def map_values(root: ElementTree.Element) -> dict[str, ElementTree.Element]:
    """Every map entry's value element anywhere in the answer, by its key (last one wins)."""
    found = {}
    for item in root.iter("item"):
        key, value = item.findtext("key"), item.find("value")
        if key is not None and value is not None:
            found[key] = value
    return found


def answer(response: httpx.Response) -> dict[str, Any]:
    """The decoded `return` of a KasApiResponse."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314
    found = root.find(f"{{{SOAP_ENV}}}Body/{{{KAS_API_NS}}}KasApiResponse/return")
    assert found is not None, response.text
    assert found.get(XSI_TYPE) == "ns2:Map"
    decoded: dict[str, Any] = decode(found)
    return decoded


def info(response: httpx.Response) -> Any:
    return answer(response)["Response"]["ReturnInfo"]


def fault(response: httpx.Response, actor: str = "KasApi") -> str:
    """The faultstring of a SOAP fault (HTTP 500, faultcode SOAP-ENV:Server)."""
    assert response.status_code == 500, response.text
    root = ElementTree.fromstring(response.content)  # noqa: S314
    found = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert found is not None, response.text
    assert found.findtext("faultcode") == "SOAP-ENV:Server"
    assert found.findtext("faultactor") == actor
    assert found.find("detail") is not None
    return found.findtext("faultstring") or ""


# ------------------------------------------------------------------ KasAuth


def test_the_password_buys_a_40_character_token_that_the_api_takes(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    response = auth(kas)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)  # noqa: S314
    ns1 = "https://kasapi.kasserver.com/soap/KasAuth.php"
    found = root.find(f"{{{SOAP_ENV}}}Body/{{{ns1}}}KasAuthResponse/return")
    assert found is not None
    first = found.text or ""
    assert len(first) == 40
    assert first.isalnum()
    second = token(kas)
    assert second != first
    assert answer(api(kas, "get_mailaccounts", session=first))["Response"]["ReturnString"] == "TRUE"
    assert kas.sessions_issued() == 2


def test_auth_faults_wrong_password_locked_and_missing_fields(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    assert fault(auth(kas, kas_auth_data="wrong"), "KasAuth") == "kas_login_failed"
    assert fault(auth(kas, kas_login="w0999999"), "KasAuth") == "kas_login_failed"
    for missing in ("kas_login", "kas_auth_type", "kas_auth_data"):
        assert fault(auth(kas, **{missing: None}), "KasAuth") == "got_no_login_data", missing
    assert fault(auth(kas, kas_auth_type="otp"), "KasAuth") == "got_no_login_data"
    assert fault(auth(kas, kas_login=12345678), "KasAuth") == "got_no_login_data"
    for carrier in ("not json", "[1, 2]", ""):
        body = envelope("KasAuth", carrier)
        assert fault(post(kas, AUTH_PATH, body), "KasAuth") == "got_no_login_data", carrier
    childless = envelope("KasAuth", "x").replace(b"<Params>x</Params>", b"")
    assert fault(post(kas, AUTH_PATH, childless), "KasAuth") == "got_no_login_data"

    kas.config(locked=True)
    assert fault(auth(kas), "KasAuth") == "kas_login_locked"
    assert fault(auth(kas, kas_auth_data="wrong"), "KasAuth") == "kas_login_locked"
    kas.config(locked=False)
    assert len(token(kas)) == 40
    assert kas.sessions_issued() == 1


def test_legacy_key_names_and_other_envelope_spellings(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    legacy = {"KasUser": LOGIN, "KasAuthType": "plain", "KasAuthData": PASSWORD}
    for carrier, prefix in (("Params", "tns"), ("KasRequest", "ns1"), ("Params", None)):
        response = post(kas, AUTH_PATH, envelope("KasAuth", legacy, carrier=carrier, prefix=prefix))
        assert response.status_code == 200, (carrier, prefix, response.text)
    old_password = {"KasUser": LOGIN, "KasAuthType": "plain", "KasPassword": PASSWORD}
    assert post(kas, AUTH_PATH, envelope("KasAuth", old_password)).status_code == 200
    sha1 = hashlib.sha1(PASSWORD.encode()).hexdigest()  # noqa: S324 - the legacy protocol
    legacy_sha1 = {"KasUser": LOGIN, "KasAuthType": "sha1", "KasPassword": sha1}
    assert post(kas, AUTH_PATH, envelope("KasAuth", legacy_sha1)).status_code == 200
    wrong_sha1 = legacy_sha1 | {"KasPassword": hashlib.sha1(b"x").hexdigest()}  # noqa: S324
    assert fault(post(kas, AUTH_PATH, envelope("KasAuth", wrong_sha1)), "KasAuth") == (
        "kas_login_failed"
    )

    session = token(kas)
    kas.mailaccounts([mailaccount(1)])
    old_api = {
        "KasUser": LOGIN, "KasAuthType": "session", "KasAuthData": session,
        "KasRequestType": "get_mailaccounts", "KasRequestParams": {"mail_login": "m0000001"},
    }  # fmt: skip
    result = answer(post(kas, API_PATH, envelope("KasApi", old_api, carrier="KasRequest")))
    assert result["Request"]["KasRequestType"] == "get_mailaccounts"
    assert [m["mail_login"] for m in result["Response"]["ReturnInfo"]] == ["m0000001"]


def test_session_lifetime_fixed_sliding_and_checked(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    for lifetime in ("0", "30001", "abc", -5):
        assert fault(auth(kas, session_lifetime=lifetime), "KasAuth") == (
            "session_lifetime_syntax_incorrect"
        ), lifetime
    assert fault(auth(kas, session_update_lifetime="J"), "KasAuth") == (
        "session_update_lifetime_syntax_incorrect"
    )

    issued = time.monotonic()
    fixed = token(kas, session_lifetime="1")
    sliding = token(kas, session_lifetime=1, session_update_lifetime="Y")
    for _ in range(4):  # each use within a second of the last: 2 s and more in all
        time.sleep(0.5)
        assert answer(api(kas, "get_accountresources", session=sliding))
    assert time.monotonic() - issued >= 2.0
    assert fault(api(kas, "get_accountresources", session=fixed)) == "unknown_session"
    time.sleep(1.1)  # and unused for longer than its lifetime, it goes too
    assert fault(api(kas, "get_accountresources", session=sliding)) == "unknown_session"


# ------------------------------------------------------------------ KasApi: auth


def test_an_expired_unknown_or_foreign_session_is_unknown_session_or_kas_session_invalid(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    session = token(kas)
    assert answer(api(kas, "get_accountresources", session=session))
    assert kas.expire_sessions() == 1
    assert fault(api(kas, "get_accountresources", session=session)) == "unknown_session"
    assert fault(api(kas, "get_accountresources", session="0" * 40)) == "unknown_session"

    fresh = token(kas)
    assert fault(api(kas, "get_accountresources", session=fresh, kas_login="w0999999")) == (
        "unknown_session"
    )
    kas.config(session_fault="kas_session_invalid")
    assert fault(api(kas, "get_accountresources", session="0" * 40)) == "kas_session_invalid"
    assert answer(api(kas, "get_accountresources", session=fresh))


def test_plain_auth_with_the_password_and_without(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    assert answer(api(kas, "get_accountresources"))["Response"]["ReturnString"] == "TRUE"
    assert fault(api(kas, "get_accountresources", kas_auth_data="wrong")) == "no_auth"
    assert fault(api(kas, "get_accountresources", kas_login="w0999999")) == "no_auth"
    assert fault(api(kas, "get_accountresources", kas_auth_type="sha1")) == "no_auth"
    assert fault(api(kas, "get_accountresources", kas_auth_data=None)) == "got_no_login_data"
    assert fault(api(kas, "get_accountresources", kas_login=None)) == "got_no_login_data"
    assert kas.sessions_issued() == 0


def test_unknown_or_missing_actions_and_parameters_that_are_not_strings(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    assert fault(api(kas, "get_everything")) == "unkown_action"  # sic
    assert fault(api(kas, None)) == "no_action"
    assert fault(api(kas, "get_mailaccounts", {"mail_login": 5})) == "mail_login_syntax_incorrect"
    assert fault(api(kas, "get_mailaccounts", "m0000001")) == "missing_parameter"
    assert info(api(kas, "get_mailaccounts", [])) == []  # PHP's empty array is no params


# ------------------------------------------------------------------ KasApi: actions


def test_get_mailaccounts_all_filtered_and_unknown(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    assert info(api(kas, "get_mailaccounts")) == []
    kas.mailaccounts([
        mailaccount(1, addresses=["kontakt@freshfoodz.example", "info@freshfoodz.example"]),
        mailaccount(2, active=False, quota_mb=0, in_progress=True, comment="Altes Postfach"),
    ])  # fmt: skip
    boxes = info(api(kas, "get_mailaccounts"))
    assert [b["mail_login"] for b in boxes] == ["m0000001", "m0000002"]
    first, second = boxes
    assert first["mail_adresses"] == first["mail_addresses"]
    assert first["mail_addresses"] == "kontakt@freshfoodz.example,info@freshfoodz.example"
    assert first["mail_is_active"] == "Y"
    assert first["used_mailaccount_space"] == 10  # xsd:int, decoded as int
    assert first["quota_rule"] == 1000
    assert first["in_progress"] == "FALSE"
    assert first["mail_copy_adress"] == first["mail_copy_address"] == ""
    assert isinstance(first["webmail_autologin"], str)
    assert "mail_password" not in first
    assert (second["mail_is_active"], second["quota_rule"], second["in_progress"]) == (
        "N", 0, "TRUE",
    )  # fmt: skip
    assert second["mail_comment"] == "Altes Postfach"

    only = info(api(kas, "get_mailaccounts", {"mail_login": "m0000002"}))
    assert [b["mail_login"] for b in only] == ["m0000002"]
    assert len(info(api(kas, "get_mailaccounts", {"mail_login": ""}))) == 2
    missing = api(kas, "get_mailaccounts", {"mail_login": "m0999999"})
    assert fault(missing) == "mail_login_not_found"


def test_get_accountresources_its_alias_and_a_resource_fixture(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    resources = info(api(kas, "get_accountresources"))
    for name in ("max_webspace", "max_mail_account", "max_domain", "max_database"):
        assert set(resources[name]) == {"max", "exceeded", "reserved", "created", "used", "free"}
        assert isinstance(resources[name]["exceeded"], bool)
        assert all(isinstance(v, int) for v in resources[name].values())
    assert resources["max_webspace"]["max"] == 50000
    assert resources["max_domain"]["max"] == resources["max_domain"]["free"] == -1

    alias = answer(api(kas, "get_accountressources"))
    assert alias["Request"]["KasRequestType"] == "get_accountressources"  # echoed as sent
    assert alias["Response"]["ReturnInfo"] == resources

    kas.resources({
        "max_webspace": {"max": 50000, "used": 49000},
        "max_mail_account": {"max": 10, "used": 12},
        "max_domain": {"max": -1, "used": 3, "reserved": 1, "created": 2},
    })  # fmt: skip
    assert info(api(kas, "get_accountresources")) == {
        "max_webspace": {
            "max": 50000, "exceeded": False, "reserved": 49000, "created": 0, "used": 49000,
            "free": 1000,
        },
        "max_mail_account": {
            "max": 10, "exceeded": True, "reserved": 12, "created": 0, "used": 12, "free": 0,
        },
        "max_domain": {
            "max": -1, "exceeded": False, "reserved": 1, "created": 2, "used": 3, "free": -1,
        },
    }  # fmt: skip


def test_the_answer_echoes_the_request_and_carries_the_flood_delay(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.mailaccounts([mailaccount(1)])
    before = time.time()
    response = api(kas, "get_mailaccounts", {"mail_login": "m0000001"})
    result = answer(response)
    assert set(result) == {"Request", "Response"}
    request = result["Request"]
    assert request["KasRequestType"] == "get_mailaccounts"
    assert request["KasRequestParams"] == {"mail_login": "m0000001"}
    assert int(before) - 1 <= request["KasRequestTime"] <= time.time() + 1
    assert result["Response"]["KasFloodDelay"] == 0.5
    assert result["Response"]["ReturnString"] == "TRUE"

    # the raw shape: types as the real answers write them
    root = ElementTree.fromstring(response.content)  # noqa: S314
    values = map_values(root)
    assert values["KasRequestTime"].get(XSI_TYPE) == "xsd:int"
    assert values["KasFloodDelay"].get(XSI_TYPE) == "xsd:float"
    assert values["ReturnString"].get(XSI_TYPE) == "xsd:string"
    assert values["used_mailaccount_space"].get(XSI_TYPE) == "xsd:int"
    array = values["ReturnInfo"]
    assert array.get(XSI_TYPE) == "SOAP-ENC:Array"
    assert array.get(ARRAY_TYPE) == "ns2:Map[1]"
    assert [item.get(XSI_TYPE) for item in array] == ["ns2:Map"]

    time.sleep(0.5)  # the flood delay (a protocol property)
    empty = ElementTree.fromstring(api(kas, "get_accountresources").content)  # noqa: S314
    echoed = map_values(empty)["KasRequestParams"]
    assert echoed.get(XSI_TYPE) == "SOAP-ENC:Array"
    assert echoed.get(ARRAY_TYPE) == "xsd:ur-type[0]"


# ------------------------------------------------------------------ flood protection


def test_a_call_within_the_flood_delay_is_refused_and_one_after_it_works(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    session = token(kas)
    first = api(kas, "get_mailaccounts", session=session)
    replied = time.monotonic()
    assert answer(first)["Response"]["KasFloodDelay"] == 0.5
    time.sleep(0.1)
    assert fault(api(kas, "get_mailaccounts", session=session)) == "flood_protection"
    assert fault(api(kas, "get_accountresources")) == "flood_protection"  # per login, any auth
    assert len(token(kas)) == 40  # KasAuth is not flood-limited
    # the refused calls did not move the clock: 0.5 s after the first reply is enough
    time.sleep(max(0.0, replied + 0.5 - time.monotonic()))
    assert answer(api(kas, "get_mailaccounts", session=session))
    log = kas.requests()
    assert [(r["endpoint"], r["fault"]) for r in log] == [
        ("auth", None),
        ("api", None),
        ("api", "flood_protection"),
        ("api", "flood_protection"),
        ("auth", None),
        ("api", None),
    ]
    assert log[-1]["at"] - log[1]["at"] >= 0.5
    assert log[2]["at"] - log[1]["at"] < 0.5

    kas.config(flood_delay=2)
    time.sleep(0.6)
    assert fault(api(kas, "get_mailaccounts", session=session)) == "flood_protection"
    kas.config(flood_delay=0)
    assert answer(api(kas, "get_mailaccounts", session=session))["Response"]["KasFloodDelay"] == 0


# ------------------------------------------------------------------ injected faults


def test_status_and_soap_fault_modes_and_their_scope(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    kas.faults(
        {"mode": "status", "status": 503, "times": 2},
        {"mode": "fault", "code": "in_progress", "action": "get_mailaccounts"},
        {"mode": "status", "status": 502, "endpoint": "auth"},
    )
    first = api(kas, "get_accountresources")
    assert first.status_code == 503
    assert first.headers["content-type"].startswith("text/html")
    assert b"Envelope" not in first.content
    assert auth(kas).status_code == 503  # the first fault has no scope
    assert auth(kas).status_code == 502  # its two times are used up: the auth fault
    assert auth(kas).status_code == 200
    assert answer(api(kas, "get_accountresources"))  # not the action of the fault
    assert fault(api(kas, "get_mailaccounts")) == "in_progress"
    assert answer(api(kas, "get_mailaccounts"))
    log = kas.requests()
    assert [(r["endpoint"], r["status"], r["injected"], r["fault"]) for r in log] == [
        ("api", 503, "status", None),
        ("auth", 503, "status", None),
        ("auth", 502, "status", None),
        ("auth", 200, None, None),
        ("api", 200, None, None),
        ("api", 500, "fault", "in_progress"),
        ("api", 200, None, None),
    ]

    kas.faults({"mode": "fault", "code": "kas_access_forbidden", "endpoint": "api", "times": None})
    assert [fault(api(kas, "get_accountresources")) for _ in range(3)] == [
        "kas_access_forbidden"
    ] * 3
    assert auth(kas).status_code == 200
    kas.forget()
    assert answer(api(kas, "get_accountresources"))


def test_slow_and_dropped_answers(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    kas.faults({"mode": "drop", "action": "get_mailaccounts"}, {"mode": "slow", "delay": 0.6})
    with pytest.raises(httpx.RemoteProtocolError):
        api(kas, "get_mailaccounts")
    started = time.monotonic()
    slow = api(kas, "get_mailaccounts")
    assert time.monotonic() - started >= 0.6
    assert info(slow) == []
    assert answer(api(kas, "get_mailaccounts"))  # both used up
    assert [(r["injected"], r["status"]) for r in kas.requests()] == [
        ("drop", 0),
        ("slow", 200),
        (None, 200),
    ]


# ------------------------------------------------------------------ log, safety, control


def test_the_request_log_records_calls_and_never_a_password_or_token(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0)
    kas.mailaccounts([mailaccount(1)])
    before = time.monotonic()
    session = token(kas)
    api(kas, "get_mailaccounts", {"mail_login": "m0000001"}, session=session)
    api(kas, "get_mailaccounts", {"mail_password": "geheim", "note": f"x{PASSWORD}"})
    api(kas, "get_mailaccounts", {"mail_login": session}, session=session)
    auth(kas, kas_auth_data="wrong-guess")
    after = time.monotonic()

    answered = kas.control("GET", "requests")
    text = json.dumps(answered)
    assert PASSWORD not in text
    assert session not in text
    assert "geheim" not in text
    assert "kas_auth_data" not in text
    log = answered["requests"]
    assert [
        (r["endpoint"], r["action"], r["login"], r["auth_type"], r["status"], r["fault"])
        for r in log
    ] == [
        ("auth", None, LOGIN, "plain", 200, None),
        ("api", "get_mailaccounts", LOGIN, "session", 200, None),
        ("api", "get_mailaccounts", LOGIN, "plain", 200, None),
        ("api", "get_mailaccounts", LOGIN, "session", 500, "mail_login_not_found"),
        ("auth", None, LOGIN, "plain", 500, "kas_login_failed"),
    ]
    assert log[1]["params"] == {"mail_login": "m0000001"}
    assert log[2]["params"] == {"mail_password": "***", "note": "***"}
    assert log[3]["params"] == {"mail_login": "***"}
    stamps = [r["at"] for r in log]
    assert before <= stamps[0] <= stamps[-1] <= after  # the machine's monotonic clock
    assert stamps == sorted(stamps)
    assert all(abs(r["wall"] - time.time()) < 60 for r in log)
    assert answered["sessions_issued"] == 1


def test_unsafe_or_broken_bodies_are_refused_before_parsing(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><KasAuth><Params>&lol2;'
        "</Params></KasAuth></soapenv:Body></soapenv:Envelope>"
    ).encode()
    external = envelope("KasAuth", "{}").replace(
        b"<soapenv:Envelope", b'<!doctype x SYSTEM "file:///etc/passwd"><soapenv:Envelope'
    )
    entity_only = envelope("KasAuth", "{}") + b'<!ENTITY x "y">'
    huge = envelope("KasAuth", {"kas_login": LOGIN, "pad": "x" * (1024 * 1024)})
    for body in (
        laughs, external, entity_only, huge, b"not xml", b"<a>unclosed", "ä".encode("latin-1"),
        b"<Envelope><Header/></Envelope>",
        envelope("KasApi", {"kas_login": LOGIN}),  # the other endpoint's operation
    ):  # fmt: skip
        response = post(kas, AUTH_PATH, body)
        assert response.status_code == 400, body[:80]
        root = ElementTree.fromstring(response.content)  # noqa: S314
        assert root.findtext(".//faultcode") == "SOAP-ENV:Client"
        assert root.findtext(".//faultstring") == "Bad Request"
    assert post(kas, API_PATH, laughs.replace(b"KasAuth", b"KasApi")).status_code == 400
    assert [r["status"] for r in kas.requests()] == [400] * 10
    assert kas.sessions_issued() == 0

    assert httpx.get(f"{kas.url}{AUTH_PATH}").status_code == 405
    assert httpx.post(f"{kas.url}/soap/Other.php", content=b"").status_code == 404
    assert len(kas.requests()) == 10  # not SOAP calls: not logged


def test_control_routes_refuse_typos(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    for method, path, body in (
        ("POST", "config", {"flood_dealy": 1}),
        ("POST", "config", {"flood_delay": -1}),
        ("POST", "config", {"session_fault": "no_auth"}),
        ("POST", "config", {"locked": "yes", "flood_delay": 0}),
        ("POST", "faults", {"faults": [{"mode": "explode"}]}),
        ("POST", "faults", {"faults": [{"mode": "status", "stauts": 500}]}),
        ("POST", "faults", {"faults": [{"mode": "fault"}]}),
        ("POST", "faults", {"faults": [{"mode": "drop", "endpoint": "soap"}]}),
        ("POST", "faults", {"faults": [{"mode": "drop", "endpoint": "auth", "action": "x"}]}),
        ("PUT", "mailaccounts", {"mailaccounts": [mailaccount(1, quota=5)]}),
        ("PUT", "mailaccounts", {"mailaccounts": [mailaccount(1), mailaccount(1)]}),
        ("PUT", "mailaccounts", {"mailaccounts": [mailaccount(1, used_mb=-1)]}),
        ("PUT", "mailaccounts", {"mailaccount": []}),
        ("PUT", "resources", {"resources": {"webspace": {"max": 1}}}),
        ("PUT", "resources", {"resources": {"max_webspace": {"used": 1}}}),
        ("PUT", "resources", {"resources": {"max_webspace": {"max": 1, "limit": 2}}}),
    ):
        response = httpx.request(method, f"{kas.url}/_fake/{path}", json=body)
        assert response.status_code == 400, body
    assert httpx.get(f"{kas.url}/_fake/nothing").status_code == 404
    # nothing of a refused setting was applied
    assert answer(api(kas, "get_mailaccounts"))["Response"]["KasFloodDelay"] == 0.5
    assert kas.requests()[-1]["injected"] is None


def test_forget_keeps_the_state_and_reset_starts_over(
    kas: FakeKas,  # noqa: F811 - the fixture imported above
) -> None:
    kas.config(flood_delay=0, password="changed-password")
    assert kas.env() == {
        "KAS_BASE_URL": kas.url, "KAS_LOGIN": LOGIN, "KAS_PASSWORD": "changed-password",
    }  # fmt: skip
    kas.mailaccounts([mailaccount(1)])
    session = token(kas, kas_auth_data="changed-password")
    kas.faults({"mode": "status", "times": None})
    kas.forget()
    assert kas.requests() == []
    assert kas.sessions_issued() == 0
    assert len(info(api(kas, "get_mailaccounts", session=session))) == 1  # no fault left

    kas.reset()
    assert kas.env(KAS_EXTRA="1")["KAS_PASSWORD"] == PASSWORD
    assert kas.requests() == []
    assert fault(api(kas, "get_mailaccounts", session=session)) == "unknown_session"
    assert info(api(kas, "get_mailaccounts")) == []  # the password is the start one again


def test_demo_mode_has_a_mailbox_and_used_webspace(tmp_path: Path) -> None:
    fake = start_fake_kas(tmp_path, "--demo", "--flood-delay", "0")
    try:
        boxes = info(api(fake, "get_mailaccounts"))
        assert [
            (b["mail_login"], b["mail_addresses"], b["used_mailaccount_space"]) for b in boxes
        ] == [("m0123456", "kontakt@freshfoodz.example", 120)]
        assert boxes[0]["quota_rule"] == 1000
        webspace = info(api(fake, "get_accountresources"))["max_webspace"]
        assert (webspace["used"], webspace["max"], webspace["free"]) == (2000, 50000, 48000)
        fake.mailaccounts([])
        fake.reset()
        assert len(info(api(fake, "get_mailaccounts"))) == 1  # reset returns to the demo
    finally:
        fake.process.terminate()
        fake.process.wait(10)
