"""Identity through the real PostgREST: tokens from `freshplan token`, and every way a token
can be wrong showing nothing of the tenant."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import jwt
import pytest

from api.core.auth import mint_token
from api.core.settings import DEV_JWT_SECRET
from tests.conftest import Cluster, Service, run_freshplan

REP1 = "30000000-0000-4000-8000-000000000004"
FRESHFOODZ = "10000000-0000-4000-8000-000000000001"


def rpc(
    service: Service, name: str, token: str | None = None, body: object = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{service.url}/rpc/{name}", json=body or {}, headers=headers, timeout=10)


def get(service: Service, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{service.url}/{path}", headers=headers, timeout=10)


def test_whoami_returns_the_rep_of_the_token(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    response = rpc(postgrest, "whoami", token_for("rep1@freshfoodz.example"))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": REP1,
        "display_name": "Rita Reppel",
        "role": "sales_rep",
        "org_id": "20000000-0000-4000-8000-000000000001",
    }


def test_each_demo_role_gets_a_working_token(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    for email, role in [
        ("admin@freshfoodz.example", "tenant_admin"),
        ("manager@freshfoodz.example", "sales_manager"),
        ("auditor@freshfoodz.example", "auditor"),
        ("rep1@nordkueche.example", "sales_rep"),
    ]:
        response = rpc(postgrest, "whoami", token_for(email))
        assert response.status_code == 200, (email, response.text)
        assert response.json()["role"] == role


def test_without_a_token_nothing_is_visible(postgrest: Service) -> None:
    assert rpc(postgrest, "whoami").status_code == 401
    users = get(postgrest, "users")
    assert users.status_code == 401
    assert "Rita" not in users.text


def test_a_token_signed_with_another_secret_is_refused(postgrest: Service) -> None:
    claims = {
        "role": "sales_rep",
        "sub": REP1,
        "tenant_id": FRESHFOODZ,
        "org_id": "20000000-0000-4000-8000-000000000001",
    }
    forged = mint_token(claims, "x" * 40, 3600)

    response = get(postgrest, "users", forged)

    assert response.status_code == 401
    assert response.json()["code"] == "PGRST301"


def test_an_expired_token_is_refused(postgrest: Service) -> None:
    claims = {
        "role": "sales_rep",
        "sub": REP1,
        "tenant_id": FRESHFOODZ,
        "org_id": "20000000-0000-4000-8000-000000000001",
        "exp": int(time.time()) - 120,
    }  # beyond PostgREST's 30 s leeway
    expired = jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256")

    response = get(postgrest, "users", expired)

    assert response.status_code == 401
    assert "Rita" not in response.text


def test_a_deactivated_users_token_stops_working_at_once(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    rep_token = token_for("rep2@freshfoodz.example")
    assert rpc(postgrest, "whoami", rep_token).status_code == 200
    admin_token = token_for("admin@freshfoodz.example")
    rep2 = rpc(postgrest, "whoami", rep_token).json()["id"]

    deactivated = rpc(postgrest, "deactivate_user", admin_token, {"user_id": rep2})
    assert deactivated.status_code in (200, 204), deactivated.text

    response = get(postgrest, "users", rep_token)
    assert response.status_code == 401
    assert response.json()["code"] == "FP101"
    assert "Rita" not in response.text


def test_another_tenants_user_sees_only_their_tenant(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    response = get(postgrest, "users", token_for("rep1@nordkueche.example"))

    assert response.status_code == 200
    names = {user["display_name"] for user in response.json()}
    assert names == {"Nora Nord", "Nils Nord"}


def test_a_token_claiming_another_tenant_is_refused(postgrest: Service) -> None:
    # A Nordküche rep's sub with FreshFoodz as tenant: a valid signature, a lie in the claims.
    claims = {
        "role": "sales_rep",
        "sub": "30000000-0000-4000-8000-000000000008",
        "tenant_id": FRESHFOODZ,
        "org_id": "20000000-0000-4000-8000-000000000001",
    }
    response = get(postgrest, "users", mint_token(claims, DEV_JWT_SECRET, 3600))

    assert response.status_code == 401
    assert response.json()["code"] == "FP101"


def test_admin_creates_a_user_who_can_then_get_a_token(
    cluster: Cluster, seeded_database: str, postgrest: Service, token_for: Callable[..., str]
) -> None:
    admin = token_for("admin@freshfoodz.example")
    created = rpc(
        postgrest,
        "create_user",
        admin,
        {
            "email": "rep9@freshfoodz.example",
            "display_name": "Neu",
            "role": "sales_rep",
            "org_id": "20000000-0000-4000-8000-000000000002",
        },
    )
    assert created.status_code == 200, created.text
    assert created.json()["display_name"] == "Neu"

    whoami = rpc(postgrest, "whoami", token_for("rep9@freshfoodz.example"))
    assert whoami.json()["id"] == created.json()["id"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {
                "email": "bad",
                "display_name": "X",
                "role": "sales_rep",
                "org_id": "20000000-0000-4000-8000-000000000001",
            },
            400,
            "FP111",
        ),
        (
            {
                "email": "x@y.de",
                "display_name": "X" * 10_000,
                "role": "sales_rep",
                "org_id": "20000000-0000-4000-8000-000000000001",
            },
            400,
            "FP112",
        ),
        (
            {
                "email": "x@y.de",
                "display_name": "X",
                "role": "root",
                "org_id": "20000000-0000-4000-8000-000000000001",
            },
            400,
            "FP113",
        ),
        (
            {
                "email": "x@y.de",
                "display_name": "X",
                "role": "sales_rep",
                "org_id": "20000000-0000-4000-8000-000000000003",
            },
            400,
            "FP114",
        ),
        (
            {
                "email": "rep1@FreshFoodz.example",
                "display_name": "X",
                "role": "sales_rep",
                "org_id": "20000000-0000-4000-8000-000000000001",
            },
            409,
            "FP115",
        ),
    ],
)
def test_create_user_refuses_bad_input_and_stores_nothing(
    postgrest: Service, token_for: Callable[..., str], body: dict[str, str], status: int, code: str
) -> None:
    admin = token_for("admin@freshfoodz.example")
    before = get(postgrest, "user_accounts", admin).json()

    response = rpc(postgrest, "create_user", admin, body)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert get(postgrest, "user_accounts", admin).json() == before


def test_a_wrongly_typed_argument_is_a_400_not_a_500(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    response = rpc(
        postgrest,
        "deactivate_user",
        token_for("admin@freshfoodz.example"),
        {"user_id": "not-a-uuid"},
    )
    assert response.status_code == 400


def test_token_command_refuses_unknown_and_inactive_users(
    cluster: Cluster, seeded_database: str, postgrest: Service, token_for: Callable[..., str]
) -> None:
    unknown = run_freshplan(cluster, seeded_database, "token", "--email", "nobody@example.org")
    assert unknown.returncode == 1
    assert "no active user" in unknown.stderr
    assert unknown.stdout == ""

    admin = token_for("admin@freshfoodz.example")
    rep3 = "30000000-0000-4000-8000-000000000006"
    assert rpc(postgrest, "deactivate_user", admin, {"user_id": rep3}).status_code in (200, 204)
    inactive = run_freshplan(
        cluster, seeded_database, "token", "--email", "rep3@freshfoodz.example"
    )
    assert inactive.returncode == 1
    assert inactive.stdout == ""


def test_token_command_honours_the_ttl(cluster: Cluster, token_for: Callable[..., str]) -> None:
    token = token_for("rep1@freshfoodz.example", "--ttl", "30m")
    claims = jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"])
    assert 29 * 60 <= claims["exp"] - time.time() <= 30 * 60
    assert claims["role"] == "sales_rep"
    assert claims["sub"] == REP1
