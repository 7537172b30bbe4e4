"""The public feedback form's limits in Python (api/feedback/schemas.py) are the database's.

The schema refuses bad input before any database access, so its limits must be exactly the
table CHECKs (and submit_feedback's own count of products): a looser limit would turn a customer's
typo into a 400 from the database, a stricter one would refuse what the database accepts. The
numbers are read from the catalog of a migrated clone (pg_get_constraintdef,
pg_get_functiondef), never copied into this test.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import msgspec.inspect as mi
import psycopg
import pytest

from api.feedback import schemas
from tests.conftest import Cluster

FEEDBACK_TABLES = ("app.product_feedback", "app.feedback_submissions")


def _field(struct: type[msgspec.Struct], name: str) -> mi.Type:
    """The type msgspec enforces for a field, without its `| None`."""
    info = mi.type_info(struct)
    assert isinstance(info, mi.StructType)
    (field,) = (f for f in info.fields if f.name == name)
    kind = field.type
    if isinstance(kind, mi.UnionType):
        (kind,) = (t for t in kind.types if not isinstance(t, mi.NoneType))
    return kind


def _str(struct: type[msgspec.Struct], name: str) -> mi.StrType:
    kind = _field(struct, name)
    assert isinstance(kind, mi.StrType)
    return kind


def test_the_schemas_enforce_their_named_limits() -> None:
    """What msgspec actually checks is what the constants say (the constants are the one place)."""
    items = _field(schemas.Submission, "items")
    rating = _field(schemas.Item, "rating")
    role = _field(schemas.Contact, "role")
    assert isinstance(items, mi.ListType)
    assert isinstance(rating, mi.IntType)
    assert isinstance(role, mi.LiteralType)

    assert (items.min_length, items.max_length) == (schemas.MIN_ITEMS, schemas.MAX_ITEMS)
    assert (rating.ge, rating.le) == (schemas.MIN_RATING, schemas.MAX_RATING)
    assert _str(schemas.Item, "comment").max_length == schemas.MAX_COMMENT
    assert _str(schemas.Submission, "comment").max_length == schemas.MAX_COMMENT
    assert _str(schemas.Contact, "name").max_length == schemas.MAX_CONTACT_NAME
    assert _str(schemas.Item, "sku").max_length == schemas.MAX_SKU
    assert set(role.values) == set(schemas.ROLES)


@pytest.fixture
def catalog(cluster: Cluster, database: str) -> dict[str, Any]:
    """The CHECK definitions of the feedback tables (by table and name) and submit_feedback."""
    with psycopg.connect(cluster.conninfo(database)) as conn:
        rows = conn.execute(
            "select conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " from pg_constraint where contype = 'c' and conrelid = any(%s::regclass[])",
            [[*FEEDBACK_TABLES, "app.products"]],
        ).fetchall()
        function = conn.execute(
            "select pg_get_functiondef('app_private.submit_feedback(bytea, jsonb)'::regprocedure)"
        ).fetchone()
    assert function is not None
    checks: dict[str, dict[str, str]] = {}
    for table, name, definition in rows:
        checks.setdefault(table, {})[name] = definition
    return {"checks": checks, "submit_feedback": function[0]}


def _check(catalog: dict[str, Any], table: str, name: str) -> str:
    checks: dict[str, str] = catalog["checks"][table]
    assert name in checks, f"{table} has no CHECK {name}: {sorted(checks)}"
    return checks[name]


def _bounds(definition: str, expression: str) -> tuple[int | None, int | None]:
    """(low, high) of `expression` in a CHECK as PostgreSQL prints it: `between a and b` becomes
    `((x >= a) AND (x <= b))`, `<= b` stays."""
    term = re.escape(expression)
    low = re.search(rf"\({term} >= (\d+)\)", definition)
    high = re.search(rf"\({term} <= (\d+)\)", definition)
    assert low or high, f"no bounds of {expression} in {definition}"
    return (int(low.group(1)) if low else None, int(high.group(1)) if high else None)


def _values(definition: str) -> set[str]:
    """The allowed values of `x = ANY (ARRAY['A'::text, ...])` (an `in (...)` list)."""
    values = re.findall(r"'([^']*)'::text", definition)
    assert values, definition
    return set(values)


def test_rating_matches_the_database(catalog: dict[str, Any]) -> None:
    definition = _check(catalog, "app.product_feedback", "product_feedback_rating_range")
    assert _bounds(definition, "rating") == (schemas.MIN_RATING, schemas.MAX_RATING)


@pytest.mark.parametrize("table", FEEDBACK_TABLES)
def test_comment_contact_name_and_role_match_the_database(
    catalog: dict[str, Any], table: str
) -> None:
    prefix = table.removeprefix("app.")

    comment = _check(catalog, table, f"{prefix}_comment_length")
    name = _check(catalog, table, f"{prefix}_contact_name_length")
    role = _check(catalog, table, f"{prefix}_contact_role_known")

    assert _bounds(comment, "char_length(comment)") == (None, schemas.MAX_COMMENT)
    # the lower bound 1 holds because blank names are stored as null (nullif(btrim(...), ''))
    assert _bounds(name, "char_length(contact_name)") == (1, schemas.MAX_CONTACT_NAME)
    assert _values(role) == set(schemas.ROLES)


def test_sku_length_matches_the_product_catalogue(catalog: dict[str, Any]) -> None:
    """products_sku_format is `^[first char][rest]{0,N}$`: at most 1 + N characters."""
    definition = _check(catalog, "app.products", "products_sku_format")
    match = re.search(r"'\^\[[^\]]+\]\[[^\]]+\]\{0,(\d+)\}\$'", definition)
    assert match, definition
    assert 1 + int(match.group(1)) == schemas.MAX_SKU


def test_number_of_products_matches_submit_feedback(catalog: dict[str, Any]) -> None:
    """submit_feedback refuses a submission with fewer or more products itself (FP911)."""
    match = re.search(
        r"jsonb_array_length\(p_submission -> 'items'\) not between (\d+) and (\d+)",
        catalog["submit_feedback"],
    )
    assert match, "submit_feedback no longer counts the products as this test expects"
    assert (int(match.group(1)), int(match.group(2))) == (schemas.MIN_ITEMS, schemas.MAX_ITEMS)
    # and its German message names the same numbers as the page's
    assert schemas.german_message("items") in catalog["submit_feedback"]
