"""The local Xentral fake speaks the real protocol for customers and sales orders
(../shared/reference/connectors-api.md 1.4-1.9 and 1.11): driven here directly with httpx, so that
the connector tests built on it stand on wire behaviour that was checked on its own."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, STARTUP_TIMEOUT_SECONDS, answers, free_port, wait_until
from tests.xentral_support import TOKEN, FakeXentral, customer, product, start_fake_xentral

IMPORT = "/api/v1/salesOrders/actions/import"
PROBLEMS = "https://api.xentral.biz/problems/"


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeXentral]:
    """One fake for the module: starting one is most of a test's time, on shared cores."""
    started = start_fake_xentral(tmp_path_factory.mktemp("xentral"), rate_limit=20, rate_window=1)
    yield started
    started.process.terminate()
    started.process.wait(10)


@pytest.fixture
def xentral(fake: FakeXentral) -> FakeXentral:
    """The module's fake as a new one starts: no data, faults, log or changed settings (order
    ids go on counting, so the tests take them from the Location header)."""
    fake.config(
        rate_limit=20, rate_window=1, token=TOKEN, send_remaining=True, duplicate_mode="accept",
        payment_methods=["1"], shipping_methods=["1"], projects=["1"],
    )  # fmt: skip
    fake.catalogue([])
    fake.customers([])
    fake.control("DELETE", "orders")
    fake.forget()
    return fake


@pytest.fixture
def client(xentral: FakeXentral) -> Iterator[httpx.Client]:
    """An httpx client with the fake's token, as our connector would call Xentral."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    with httpx.Client(base_url=xentral.url, headers=headers, timeout=10) as http:
        yield http


@pytest.fixture
def shop(xentral: FakeXentral) -> FakeXentral:
    """The fake with three customers and three products, which an import can refer to."""
    xentral.customers([customer(n) for n in range(1, 4)])
    xentral.catalogue([product(n) for n in range(1, 4)])
    return xentral


def sales_order(**changes: Any) -> dict[str, Any]:
    """A well-formed import body for customer 1 and products 1 and 2."""
    return {
        "date": "2026-11-26",
        "customer": {"id": "1"},
        "project": {"id": "1"},
        "financials": {"paymentMethod": {"id": "1"}, "currency": "EUR"},
        "delivery": {"shippingMethod": {"id": "1"}, "autoShipping": False},
        "positions": [
            {
                "product": {"id": "1"},
                "quantity": 3,
                "price": {"amount": "12.50", "currency": "EUR"},
            },
            {"product": {"id": "2"}, "quantity": 1.5, "comment": "bitte gekühlt"},
        ],
        "externalOrderNumber": "FP-1",
        **changes,
    }


def created_id(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


# --- customers ------------------------------------------------------------------------------


def test_customers_page_by_page_with_the_total(
    xentral: FakeXentral,
    client: httpx.Client,
) -> None:
    # given out of order and with ids that sort differently as text: Xentral lists by id
    xentral.customers([customer(n) for n in (10, 2, 1, 3, 20)])
    pages = []
    for number in (1, 2, 3, 4):
        response = client.get("/api/v2/customers", params={"page[number]": number, "page[size]": 2})
        pages.append(ids(response))
        assert response.json()["extra"] == {
            "totalCount": 5,
            "page": {"number": number, "size": 2},
        }
    assert pages == [["1", "2"], ["3", "10"], ["20"], []]
    assert client.get("/api/v2/customers").json()["extra"]["page"] == {"number": 1, "size": 10}
    for size in (0, 51):
        refused = client.get("/api/v2/customers", params={"page[size]": size})
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"


def test_customers_by_cursor_follow_the_next_cursor_to_the_end(
    xentral: FakeXentral,
    client: httpx.Client,
) -> None:
    xentral.customers([customer(n) for n in range(1, 6)])
    first = client.get("/api/v2/customers", params={"cursor[size]": 2})
    assert ids(first) == ["1", "2"]
    extra = first.json()["extra"]
    assert extra["totalCount"] == 5
    assert extra["cursor"]["size"] == 2
    cursor = extra["cursor"]["nextCursor"]
    assert isinstance(cursor, str)
    base64.b64decode(cursor, validate=True)  # base64, as Xentral's; opaque beyond that
    # a customer created during the walk: a cursor is a position, so nobody is skipped or repeated
    xentral.change_customers(customer(6))
    seen = ids(first)
    while cursor is not None:
        response = client.get(
            "/api/v2/customers", params={"cursor[size]": 2, "cursor[nextCursor]": cursor}
        )
        seen += ids(response)
        extra = response.json()["extra"]
        assert extra["totalCount"] is None, "only the first page of a walk is counted"
        cursor = extra["cursor"]["nextCursor"]
    assert seen == ["1", "2", "3", "4", "5", "6"]
    # a full last page has no empty page after it
    xentral.customers([customer(n) for n in range(1, 5)])
    first = client.get("/api/v2/customers", params={"cursor[size]": 2})
    cursor = first.json()["extra"]["cursor"]["nextCursor"]
    second = client.get(
        "/api/v2/customers", params={"cursor[size]": 2, "cursor[nextCursor]": cursor}
    )
    assert ids(second) == ["3", "4"]
    assert second.json()["extra"]["cursor"]["nextCursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"page[number]": 1, "cursor[size]": 2},
        {"page[size]": 2, "cursor[nextCursor]": base64.b64encode(b'{"after": "1"}').decode()},
        {"cursor[size]": 51},
        {"cursor[size]": 2, "cursor[nextCursor]": "not base64!"},
        {"cursor[size]": 2, "cursor[nextCursor]": base64.b64encode(b"[1]").decode()},
    ],
    ids=["page-and-cursor", "page-size-and-cursor", "cursor-too-big", "garbage", "not-ours"],
)
def test_a_bad_or_mixed_pagination_is_a_400_problem(
    xentral: FakeXentral,
    client: httpx.Client,
    params: dict[str, Any],
) -> None:
    xentral.customers([customer(n) for n in range(1, 4)])
    response = client.get("/api/v2/customers", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"{PROBLEMS}generic-validation"
    assert body["messages"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([("id", "equals", "2")], ["2"]),
        ([("id", "in", "1,3")], ["1", "3"]),
        ([("number", "equals", "10003")], ["3"]),
        ([("name", "equals", "gasthaus zur linde gmbh")], ["1"]),
        ([("name", "contains", "HOTEL")], ["2", "4"]),
        ([("email", "equals", "EINKAUF@linde.example")], ["1"]),
        ([("email", "contains", "@kantine")], ["3"]),
        ([("zip", "equals", "20095")], ["2"]),
        ([("city", "in", "Hamburg,Köln")], ["2", "3", "4"]),
        ([("city", "equals", "hamburg")], []),  # only name and email ignore case in equals
        ([("city", "contains", "hamburg")], ["2", "4"]),
        ([("city", "equals", "Hamburg"), ("name", "contains", "elbe")], ["4"]),  # AND-ed
    ],
    ids=[
        "id",
        "id-in",
        "number",
        "name-caseless",
        "name-contains",
        "email-caseless",
        "email-contains",
        "zip",
        "city-in",
        "city-equals-exact",
        "city-contains",
        "and",
    ],
)
def test_customer_filters(
    xentral: FakeXentral,
    client: httpx.Client,
    filters: list[tuple[str, str, str]],
    expected: list[str],
) -> None:
    xentral.customers([
        customer(1, name="Gasthaus Zur Linde GmbH", zip="80331", city="München",
                 contactDetails={"email": "einkauf@linde.example", "phone": None}),
        customer(2, name="Hotel Alsterblick KG", zip="20095", city="Hamburg",
                 contactDetails={"email": "info@alsterblick.example", "phone": None}),
        customer(3, name="Kantine Müller OHG", zip="50667", city="Köln",
                 contactDetails={"email": "kueche@kantine.example", "phone": None}),
        customer(4, name="Hotel an der Elbe", zip="20459", city="Hamburg", contactDetails={}),
    ])  # fmt: skip
    params: dict[str, str] = {}
    for n, (key, op, value) in enumerate(filters):
        params |= {f"filter[{n}][key]": key, f"filter[{n}][op]": op, f"filter[{n}][value]": value}
    response = client.get("/api/v2/customers", params=params)
    assert ids(response) == expected
    assert response.json()["extra"]["totalCount"] == len(expected)


def test_in_takes_the_real_apis_array_values(
    xentral: FakeXentral,
    client: httpx.Client,
) -> None:
    xentral.customers([customer(n) for n in range(1, 5)])
    # a list value goes out as filter[0][value][]=2&filter[0][value][]=4
    params = {"filter[0][key]": "id", "filter[0][op]": "in", "filter[0][value][]": ["2", "4"]}
    assert ids(client.get("/api/v2/customers", params=params)) == ["2", "4"]


@pytest.mark.parametrize(
    ("key", "op"), [("street", "equals"), ("name", "startsWith"), ("email", "notEquals")]
)
def test_an_unknown_customer_filter_is_a_400(
    xentral: FakeXentral,
    client: httpx.Client,
    key: str,
    op: str,
) -> None:
    xentral.customers([customer(1)])
    params = {"filter[0][key]": key, "filter[0][op]": op, "filter[0][value]": "x"}
    response = client.get("/api/v2/customers", params=params)
    assert response.status_code == 400
    assert response.json()["type"] == f"{PROBLEMS}generic-validation"


def test_one_customer_by_id_and_a_404_without_a_body(
    xentral: FakeXentral,
    client: httpx.Client,
) -> None:
    stored = customer(7, name="Bäckerei Korn")
    xentral.customers([stored, customer(8)])
    response = client.get("/api/v2/customers/7")
    assert response.status_code == 200
    assert response.json() == {"data": stored, "extra": {}}
    missing = client.get("/api/v2/customers/9")
    assert missing.status_code == 404
    assert missing.content == b""


# --- the sales-order import -----------------------------------------------------------------


def test_an_import_is_201_with_the_location_and_stored_released(
    shop: FakeXentral, client: httpx.Client
) -> None:
    payload = sales_order()
    response = client.post(IMPORT, json=payload)
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-length"] == "0"
    assert "x-ratelimit-remaining" in response.headers
    order_id = created_id(response)
    assert order_id.isdigit()
    assert response.headers["location"] == f"{shop.url}/api/v1/salesOrders/{order_id}"

    [stored] = shop.orders()
    assert stored["id"] == order_id
    assert stored["status"] == "released"
    assert stored["externalOrderNumber"] == "FP-1"
    assert stored["request"] == payload
    assert stored["documentNumber"]
    assert stored["createdAt"]

    view = client.get(response.headers["location"]).json()["data"]
    assert view["id"] == order_id
    assert view["status"] == "released"
    assert view["externalOrderNumber"] == "FP-1"
    assert view["customer"] == {"id": "1", "number": "10001"}
    assert view["date"] == "2026-11-26"
    assert view["positions"] == payload["positions"]
    assert view["documentNumber"] == stored["documentNumber"]
    assert client.get("/api/v1/salesOrders/999").status_code == 404

    # the log shows what the client sent, for the connector tests to assert on
    [logged] = [r for r in shop.requests() if r["method"] == "POST"]
    assert logged["body"] == payload
    assert logged["status"] == 201

    later = created_id(client.post(IMPORT, json=sales_order(externalOrderNumber="FP-2")))
    assert int(later) > int(order_id), "new ids increase"


def test_the_vendor_media_type_is_a_json_body_too(shop: FakeXentral, client: httpx.Client) -> None:
    response = client.post(
        IMPORT,
        content=json.dumps(sales_order()).encode(),
        headers={"Content-Type": "application/vnd.xentral.default.v1+json"},
    )
    assert response.status_code == 201
    assert len(shop.orders()) == 1


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_a_415(
    shop: FakeXentral, client: httpx.Client, media: str | None
) -> None:
    content = json.dumps(sales_order()).encode()
    headers = {"Content-Type": media} if media else {}
    response = client.post(IMPORT, content=content, headers=headers)
    assert response.status_code == 415
    assert shop.orders() == []


@pytest.mark.parametrize(
    ("changes", "violations"),
    [
        ({"date": None}, {"date": ["This value should not be null."]}),
        ({"date": "26.11.2026"}, {"date": ["This value is not a valid date."]}),
        ({"date": "2026-02-30"}, {"date": ["This value is not a valid date."]}),
        ({"customer": {}}, {"customer": {"id": ["This field is missing."]}}),
        ({"customer": {"id": 1}}, {"customer": {"id": ["This value should be of type string."]}}),
        ({"project": "1"}, {"project": ["This value should be of type object."]}),
        (
            {"financials": {"currency": "euro"}},
            {
                "financials": {
                    "paymentMethod": ["This field is missing."],
                    "currency": ["This value is not a valid currency."],
                }
            },
        ),
        (
            {"delivery": {"shippingMethod": {"id": " "}}},
            {"delivery": {"shippingMethod": {"id": ["This value should not be blank."]}}},
        ),
        ({"positions": []}, {"positions": ["This collection should contain 1 element or more."]}),
        (
            {
                "positions": [
                    {"product": {"id": "1"}, "quantity": 1},
                    {"product": {"id": "2"}, "quantity": 0},
                    {"quantity": "2", "price": {"amount": "12,50", "currency": "EUR"}},
                    "3",
                ]
            },
            {
                "positions": {
                    "1": {"quantity": ["This value should be positive."]},
                    "2": {
                        "product": ["This field is missing."],
                        "quantity": ["This value should be of type number."],
                        "price": {"amount": ["This value is not a valid decimal number."]},
                    },
                    "3": ["This value should be of type object."],
                }
            },
        ),
        (
            {"positions": [{"product": {"id": "1"}, "quantity": True}]},
            {"positions": {"0": {"quantity": ["This value should be of type number."]}}},
        ),
        (
            {"shopId": "7", "status": "released"},
            {
                "shopId": ["This field was not expected."],
                "status": ["This field was not expected."],
            },
        ),
        (
            {"externalOrderNumber": 17},
            {
                "externalOrderNumber": ["This value should be of type string."],
            },
        ),
    ],
    ids=[
        "date-null",
        "date-german",
        "date-impossible",
        "customer-no-id",
        "customer-int-id",
        "project-string",
        "financials",
        "blank-shipping-id",
        "no-positions",
        "positions",
        "quantity-bool",
        "unexpected-fields",
        "external-number-int",
    ],
)
def test_a_broken_structure_is_a_request_validation_problem_that_mirrors_the_payload(
    shop: FakeXentral,
    client: httpx.Client,
    changes: dict[str, Any],
    violations: dict[str, Any],
) -> None:
    response = client.post(IMPORT, json=sales_order(**changes))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"{PROBLEMS}request-validation"
    assert body["title"]
    assert body["violations"] == violations
    assert shop.orders() == []


def test_every_missing_required_field_is_named(shop: FakeXentral, client: httpx.Client) -> None:
    response = client.post(IMPORT, json={"externalOrderNumber": "FP-1"})
    assert response.status_code == 400
    required = ("date", "customer", "project", "financials", "delivery", "positions")
    assert response.json()["violations"] == {key: ["This field is missing."] for key in required}


def test_a_body_that_is_no_object_or_no_json_is_a_400(
    shop: FakeXentral, client: httpx.Client
) -> None:
    for content in (b"[1, 2]", b"{not json"):
        response = client.post(
            IMPORT, content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["type"] == f"{PROBLEMS}generic-validation"
    assert shop.orders() == []


def test_what_xentral_does_not_know_is_a_generic_validation_problem(
    shop: FakeXentral, client: httpx.Client
) -> None:
    payload = sales_order(
        customer={"id": "99"},
        project={"id": "5"},
        financials={"paymentMethod": {"id": "8"}, "currency": "EUR"},
        delivery={"shippingMethod": {"id": "9"}},
        positions=[
            {"product": {"id": "1"}, "quantity": 1},
            {"product": {"id": "77"}, "quantity": 1},
        ],
    )
    response = client.post(IMPORT, json=payload)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"{PROBLEMS}generic-validation"
    assert body["messages"] == [
        "Customer with id 99 not found.",
        "Project with id 5 not found.",
        "Payment method with id 8 not found.",
        "Shipping method with id 9 not found.",
        "positions[1]: Product with id 77 not found.",
    ]
    assert shop.orders() == []


def test_the_known_payment_and_shipping_methods_and_projects_are_configurable(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.config(payment_methods=["4", 5], shipping_methods=["6"], projects=["2"])
    refused = client.post(IMPORT, json=sales_order())
    assert refused.status_code == 400
    assert len(refused.json()["messages"]) == 3, "the default id 1 is no longer known"
    payload = sales_order(
        project={"id": "2"},
        financials={"paymentMethod": {"id": "5"}, "currency": "EUR"},
        delivery={"shippingMethod": {"id": "6"}},
    )
    created_id(client.post(IMPORT, json=payload))
    assert len(shop.orders()) == 1


def test_a_position_without_a_price_needs_the_products_sales_price(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.change(product(3, salesPriceNet=None))
    without_price = sales_order(positions=[{"product": {"id": "3"}, "quantity": 1}])
    response = client.post(IMPORT, json=without_price)
    assert response.status_code == 400
    assert response.json()["messages"] == ["positions[0]: Product with id 3 has no sales price."]
    priced = {"product": {"id": "3"}, "quantity": 1, "price": {"amount": "1", "currency": "EUR"}}
    created_id(client.post(IMPORT, json=sales_order(positions=[priced])))


def test_a_repeated_external_order_number_is_accepted_by_default(
    shop: FakeXentral, client: httpx.Client
) -> None:
    first = created_id(client.post(IMPORT, json=sales_order()))
    second = created_id(client.post(IMPORT, json=sales_order()))
    assert first != second, "the real server may well create the order twice"
    assert [o["externalOrderNumber"] for o in shop.orders()] == ["FP-1", "FP-1"]


def test_a_repeated_external_order_number_is_a_409_in_conflict_mode(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.config(duplicate_mode="conflict")
    created_id(client.post(IMPORT, json=sales_order()))
    repeated = client.post(IMPORT, json=sales_order())
    assert repeated.status_code == 409
    assert repeated.headers["content-type"] == "application/problem+json"
    body = repeated.json()
    assert body["type"] == f"{PROBLEMS}conflict"
    assert "FP-1" in body["messages"][0]
    created_id(client.post(IMPORT, json=sales_order(externalOrderNumber="FP-2")))
    created_id(client.post(IMPORT, json=sales_order(externalOrderNumber=None)))
    created_id(client.post(IMPORT, json=sales_order(externalOrderNumber=None)))
    assert [o["externalOrderNumber"] for o in shop.orders()] == ["FP-1", "FP-2", None, None]


def test_orders_are_listed_by_external_order_number_and_status(
    shop: FakeXentral, client: httpx.Client
) -> None:
    first, second, third, fourth = (
        created_id(client.post(IMPORT, json=sales_order(externalOrderNumber=external)))
        for external in ("FP-1", "FP-2", "FP-1", "FP-3")
    )
    shop.order_status(third, "completed")

    def listed(*filters: tuple[str, str, str], **params: Any) -> httpx.Response:
        for n, (key, op, value) in enumerate(filters):
            params |= {f"filter[{n}][key]": key, f"filter[{n}][op]": op}
            params[f"filter[{n}][value]"] = value
        return client.get("/api/v1/salesOrders", params=params)

    duplicates = listed(("externalOrderNumber", "equals", "FP-1"))
    assert ids(duplicates) == [first, third]
    assert duplicates.json()["extra"] == {"totalCount": 2, "page": {"number": 1, "size": 10}}
    assert duplicates.json()["data"][0]["status"] == "released"
    assert ids(listed(("status", "equals", "released"))) == [first, second, fourth]
    both = (("externalOrderNumber", "equals", "FP-1"), ("status", "equals", "completed"))
    assert ids(listed(*both)) == [third]
    assert ids(listed(("externalOrderNumber", "equals", "FP-9"))) == []
    assert ids(listed(**{"page[number]": 2, "page[size]": 3})) == [fourth]
    assert ids(listed(("status", "in", "completed,canceled"))) == [third]
    assert listed(("customer", "equals", "1")).status_code == 400
    assert listed(("status", "contains", "rel")).status_code == 400
    assert listed(**{"page[size]": 51}).status_code == 400


def test_cancel_is_204_for_a_released_or_created_order_and_409_otherwise(
    shop: FakeXentral, client: httpx.Client
) -> None:
    released, created, completed = (
        created_id(client.post(IMPORT, json=sales_order(externalOrderNumber=f"FP-{n}")))
        for n in (1, 2, 3)
    )
    shop.order_status(created, "created")
    shop.order_status(completed, "completed")

    def cancel(order_id: str, **kwargs: Any) -> httpx.Response:
        return client.post(f"/api/v1/salesOrders/{order_id}/actions/cancel", **kwargs)

    response = cancel(released)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/api/v1/salesOrders/{released}").json()["data"]["status"] == "canceled"
    assert cancel(created, json={"notifyCustomer": False}).status_code == 204
    for order_id in (released, completed):  # canceled already; completed
        refused = cancel(order_id)
        assert refused.status_code == 409
        assert refused.json()["type"] == f"{PROBLEMS}conflict"
    assert cancel(completed, json={"notify": True}).status_code == 400
    assert cancel("999").status_code == 404
    statuses = {o["id"]: o["status"] for o in shop.orders()}
    assert statuses == {released: "canceled", created: "canceled", completed: "completed"}


# --- faults, the token and the rate limit ---------------------------------------------------


def test_a_fault_after_processing_stores_the_order_and_answers_503(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.faults({"mode": "status", "status": 503, "after": True, "path": IMPORT})
    response = client.post(IMPORT, json=sales_order())
    assert response.status_code == 503
    assert "location" not in response.headers
    [stored] = shop.orders()
    assert stored["status"] == "released", "Xentral stored it; only the 201 was lost"
    [logged] = shop.requests()
    assert (logged["status"], logged["fault"], logged["processed"]) == (503, "status", 201)
    # one time only: the client's retry now meets the duplicate it created
    assert client.post(IMPORT, json=sales_order()).status_code == 201
    assert len(shop.orders()) == 2


def test_a_dropped_connection_after_processing_stores_the_order(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.faults({"mode": "drop", "after": True, "path": IMPORT})
    with pytest.raises(httpx.TransportError):
        client.post(IMPORT, json=sales_order())
    assert [o["externalOrderNumber"] for o in shop.orders()] == ["FP-1"]
    [logged] = shop.requests()
    assert (logged["status"], logged["processed"]) == (0, 201), "the client never got a status"


def test_a_slow_answer_after_processing_times_out_with_the_order_stored(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.faults({"mode": "slow", "delay": 1.0, "after": True, "path": IMPORT})
    with pytest.raises(httpx.ReadTimeout):
        client.post(IMPORT, json=sales_order(), timeout=0.3)
    assert len(shop.orders()) == 1


def test_a_fault_before_processing_stores_nothing(shop: FakeXentral, client: httpx.Client) -> None:
    shop.faults({"mode": "status", "status": 500, "path": IMPORT})
    assert client.post(IMPORT, json=sales_order()).status_code == 500
    assert shop.orders() == []


def test_a_scoped_fault_waits_for_its_path_and_method(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.faults(
        {"mode": "status", "status": 503, "path": "/api/v1/salesOrders"},
        {"mode": "status", "status": 502, "method": "GET", "path": "/api/v1/salesOrders"},
    )
    # other paths pass the faults by and leave them in place
    assert client.get("/api/v2/customers").status_code == 200
    assert client.get("/api/v2/products/1").status_code == 200
    # the first fault's path is a prefix of the import's
    assert client.post(IMPORT, json=sales_order()).status_code == 503
    assert shop.orders() == []
    # the second one waits for a GET; a POST passes it by
    created_id(client.post(IMPORT, json=sales_order()))
    assert client.get("/api/v1/salesOrders").status_code == 502
    assert client.get("/api/v1/salesOrders").status_code == 200
    faults = [(r["method"], r["path"], r.get("fault")) for r in shop.requests()]
    assert faults == [
        ("GET", "/api/v2/customers", None),
        ("GET", "/api/v2/products/1", None),
        ("POST", IMPORT, "status"),
        ("POST", IMPORT, None),
        ("GET", "/api/v1/salesOrders", "status"),
        ("GET", "/api/v1/salesOrders", None),
    ]


def test_a_fault_without_scope_still_takes_the_next_request(
    shop: FakeXentral, client: httpx.Client
) -> None:
    shop.faults({"mode": "status", "status": 503})
    assert client.get("/api/v2/customers").status_code == 503
    assert client.get("/api/v2/customers").status_code == 200


@pytest.mark.parametrize("token", [None, "1234|wrong"])
def test_customers_and_orders_need_the_token(shop: FakeXentral, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=shop.url, headers=headers, timeout=10) as anonymous:
        assert anonymous.get("/api/v2/customers").status_code == 401
        assert anonymous.get("/api/v2/customers/1").status_code == 401
        assert anonymous.get("/api/v1/salesOrders").status_code == 401
        refused = anonymous.post(IMPORT, json=sales_order())
    assert refused.status_code == 401
    assert refused.json() == {"message": "Unauthorized"}
    assert shop.orders() == []


def test_orders_and_customers_share_the_rate_limit(shop: FakeXentral, client: httpx.Client) -> None:
    shop.config(rate_limit=3, rate_window=60)
    assert client.get("/api/v2/products").status_code == 200
    assert client.get("/api/v2/customers").headers["x-ratelimit-remaining"] == "1"
    order_id = created_id(client.post(IMPORT, json=sales_order()))
    throttled = client.post(IMPORT, json=sales_order(externalOrderNumber="FP-2"))
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert [o["externalOrderNumber"] for o in shop.orders()] == ["FP-1"], "429 is not processed"
    assert client.get(f"/api/v1/salesOrders/{order_id}").status_code == 429


# --- the control API ------------------------------------------------------------------------


def test_forgetting_the_log_keeps_the_orders(shop: FakeXentral, client: httpx.Client) -> None:
    created_id(client.post(IMPORT, json=sales_order()))
    shop.faults({"mode": "status", "path": "/api/v2/customers"})
    shop.forget()
    assert shop.requests() == []
    assert len(shop.orders()) == 1
    assert client.get("/api/v2/customers").status_code == 200, "the fault was forgotten"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("config", {"duplicate_mode": "reject"}),
        ("config", {"payment_methods": "1"}),
        ("config", {"shipping_method": ["1"]}),
        ("faults", {"faults": [{"mode": "status", "after": "yes"}]}),
        ("faults", {"faults": [{"mode": "status", "path": "api/v1"}]}),
        ("faults", {"faults": [{"mode": "status", "when": "after"}]}),
        ("orders/{order}/status", {"status": "shipped"}),
    ],
)
def test_a_typo_in_a_control_request_is_a_400(
    shop: FakeXentral, client: httpx.Client, path: str, body: dict[str, Any]
) -> None:
    order_id = created_id(client.post(IMPORT, json=sales_order()))
    url = f"{shop.url}/_fake/{path.format(order=order_id)}"
    response = httpx.post(url, json=body, timeout=10)
    assert response.status_code == 400, response.text
    assert shop.orders()[0]["status"] == "released"


def test_the_status_of_an_order_that_does_not_exist_is_a_404(shop: FakeXentral) -> None:
    response = httpx.post(f"{shop.url}/_fake/orders/9/status", json={"status": "completed"})
    assert response.status_code == 404


def test_broken_customer_items_are_listed_last_as_they_are(
    xentral: FakeXentral,
    client: httpx.Client,
) -> None:
    xentral.customers([customer(2), "not an object", {"name": "no id"}, customer(1)])
    data = client.get("/api/v2/customers").json()["data"]
    assert data == [customer(1), customer(2), "not an object", {"name": "no id"}]


def test_the_demo_starts_with_customers_beside_the_products() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.xentral_server", "--port", str(port),
         "--token", TOKEN, "--demo", "3"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(answers(f"{url}/_fake/health"), STARTUP_TIMEOUT_SECONDS, "fake xentral")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        products = httpx.get(f"{url}/api/v2/products", headers=headers).json()
        customers = httpx.get(f"{url}/api/v2/customers", headers=headers).json()
        # make run's connector can place an order for a demo customer and demo product
        order = sales_order(positions=[{"product": {"id": "1001"}, "quantity": 1}])
        imported = httpx.post(f"{url}{IMPORT}", json=order, headers=headers)
    finally:
        process.terminate()
        process.wait(10)
    assert products["extra"]["totalCount"] == 3
    assert customers["extra"]["totalCount"] == 5
    for item in customers["data"]:
        assert item["id"].isdigit()
        assert item["customerType"] == "company"
        assert item["name"]
        assert item["zip"].isdigit()
        assert item["city"]
        assert "@" in item["contactDetails"]["email"]
    assert imported.status_code == 201, imported.text
