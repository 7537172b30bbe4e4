"""The KAS client's reading of answers (api/clients/kas.py): whatever KAS sends is untrusted. The
protocol itself is tested against the fake server (tests/test_kas_quota.py)."""

from __future__ import annotations

import pytest

from api.clients import kas
from api.clients.kas import KasError

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="http://xml.apache.org/xml-soap"'
    ' xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="urn:x">'
    "<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


def item(key: str, value: str, kind: str = "xsd:string") -> str:
    key_element = f'<key xsi:type="xsd:string">{key}</key>'
    return f'<item>{key_element}<value xsi:type="{kind}">{value}</value></item>'


def test_a_map_with_an_array_of_maps_and_typed_scalars_is_read() -> None:
    account = item("mail_login", "m0123456") + item("used_mailaccount_space", "950", "xsd:int")
    info = f'<item xsi:type="ns2:Map">{account}</item>'
    response = (
        item("KasFloodDelay", "0.5", "xsd:float")
        + item("ReturnString", "TRUE")
        + (
            f'<item><key xsi:type="xsd:string">ReturnInfo</key>'
            f'<value xsi:type="SOAP-ENC:Array">{info}</value></item>'
        )
    )
    body = (
        '<ns1:KasApiResponse><return xsi:type="ns2:Map"><item><key xsi:type="xsd:string">Response'
        f'</key><value xsi:type="ns2:Map">{response}</value></item></return></ns1:KasApiResponse>'
    )
    answer = kas._answer("KasApi", ENVELOPE.format(body=body).encode())
    assert answer == {
        "Response": {
            "KasFloodDelay": 0.5,
            "ReturnString": "TRUE",
            "ReturnInfo": [{"mail_login": "m0123456", "used_mailaccount_space": 950}],
        }
    }


def test_a_fault_names_its_code_and_whether_trying_again_can_help() -> None:
    def fault(code: str) -> bytes:
        return ENVELOPE.format(
            body=f"<SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode>"
            f"<faultstring>{code}</faultstring></SOAP-ENV:Fault>"
        ).encode()

    with pytest.raises(KasError) as flood:
        kas._answer("KasApi", fault("flood_protection"))
    assert (flood.value.code, flood.value.temporary) == ("flood_protection", True)
    with pytest.raises(KasError) as login:
        kas._answer("KasAuth", fault("kas_login_failed"))
    assert (login.value.code, login.value.temporary) == ("kas_login_failed", False)
    with pytest.raises(KasError) as odd:
        kas._answer("KasApi", fault("<script>alert(1)</script> and more"))
    assert odd.value.code == "unknown_fault", "a code that is no code is not passed on"


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b"<" + b"a" * (kas.MAX_ANSWER_BYTES + 1),
        b"not xml at all",
        ENVELOPE.format(body="").encode(),
    ],
    ids=["dtd", "too large", "not xml", "empty body"],
)
def test_hostile_or_broken_answers_are_refused(content: bytes) -> None:
    with pytest.raises(KasError):
        kas._answer("KasApi", content)


def test_sizes_and_delays_are_bounded() -> None:
    assert kas._megabytes("1000", "quota_rule") == 1000
    assert kas._megabytes("-1", "max") is None, "-1 is unlimited"
    assert kas._megabytes(None, "max") is None
    for absurd in ("10000000000000", "-5", "12abc"):
        with pytest.raises(KasError):
            kas._megabytes(absurd, "used")
    assert kas._flood_delay(0.5) == 0.5
    assert kas._flood_delay("3600") == kas.MAX_FLOOD_DELAY_SECONDS, "a hostile delay is capped"
    assert kas._flood_delay("nan") == 0.5
    assert kas._flood_delay(None) == 0.5


def test_the_mailbox_is_found_by_login_or_by_either_spelling_of_its_addresses() -> None:
    accounts = [
        {"mail_login": "m0000001", "mail_adresses": "a@x.example,b@x.example"},
        {"mail_login": "m0000002", "mail_addresses": "kontakt@x.example"},
    ]
    assert kas._account(accounts, "m0000001")["mail_login"] == "m0000001"
    assert kas._account(accounts, "b@x.example")["mail_login"] == "m0000001"
    assert kas._account(accounts, "kontakt@x.example")["mail_login"] == "m0000002"
    with pytest.raises(KasError, match="no mail account"):
        kas._account(accounts, "other@x.example")
