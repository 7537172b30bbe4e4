"""Token lifetimes (SPEC 10.2 "Tokens"): no token without `exp` or valid for more than 24 hours,
in PostgREST (the pre-request check), in the service, and in `freshplan token --ttl`; and neither
PostgREST nor the service starts outside the local and test profiles with the dev secret."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from api.core import auth
from api.core.auth import Claims, InvalidTokenError, decode_token
from api.core.db import create_pool, user_transaction
from api.core.problems import problem_details_plugin
from api.core.settings import DEV_JWT_SECRET, load_settings
from tests.conftest import ROOT, Cluster, Service, free_port, run_freshplan

REP1 = "30000000-0000-4000-8000-000000000004"
REP1_CLAIMS = {
    "role": "sales_rep",
    "sub": REP1,
    "tenant_id": "10000000-0000-4000-8000-000000000001",
    "org_id": "20000000-0000-4000-8000-000000000001",
}
DAY = 24 * 3600
TEN_YEARS = 10 * 365 * DAY
STARTUP_REFUSAL_SECONDS = 30


def signed(**extra: object) -> str:
    """A correctly signed token for rep1 with `extra` claims (no `exp` unless given)."""
    return jwt.encode({**REP1_CLAIMS, **extra}, DEV_JWT_SECRET, algorithm="HS256")


def whoami(postgrest: Service, token: str) -> httpx.Response:
    return httpx.post(
        f"{postgrest.url}/rpc/whoami",
        json={},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


# ----------------------------------------------------------------------------- PostgREST


def test_postgrest_refuses_a_token_without_exp(postgrest: Service) -> None:
    response = whoami(postgrest, signed())

    assert response.status_code == 401, response.text
    assert response.json()["code"] == "FP104"
    assert "Rita" not in response.text


def test_postgrest_refuses_a_token_valid_for_ten_years(postgrest: Service) -> None:
    response = whoami(postgrest, signed(exp=int(time.time()) + TEN_YEARS))

    assert response.status_code == 401, response.text
    assert response.json()["code"] == "FP104"
    assert "Rita" not in response.text


def test_postgrest_accepts_24_hours_and_refuses_a_few_minutes_more(postgrest: Service) -> None:
    now = int(time.time())

    day = whoami(postgrest, signed(exp=now + DAY))
    longer = whoami(postgrest, signed(exp=now + DAY + 300))

    assert day.status_code == 200, day.text
    assert day.json()["id"] == REP1
    assert longer.status_code == 401, longer.text
    assert longer.json()["code"] == "FP104"


def test_postgrest_refuses_a_non_numeric_exp(postgrest: Service) -> None:
    response = whoami(postgrest, signed(exp="tomorrow"))

    assert response.status_code == 401, response.text
    assert "Rita" not in response.text


# ----------------------------------------------------------------------------- the service


def test_the_service_refuses_a_token_without_exp_or_valid_for_ten_years() -> None:
    with pytest.raises(InvalidTokenError) as no_exp:
        decode_token(signed(), DEV_JWT_SECRET)
    assert no_exp.value.code == "FP104"

    with pytest.raises(InvalidTokenError) as ten_years:
        decode_token(signed(exp=int(time.time()) + TEN_YEARS), DEV_JWT_SECRET)
    assert ten_years.value.code == "FP104"

    with pytest.raises(InvalidTokenError) as a_bit_more:
        decode_token(signed(exp=int(time.time()) + DAY + 300), DEV_JWT_SECRET)
    assert a_bit_more.value.code == "FP104"

    claims = decode_token(signed(exp=int(time.time()) + DAY), DEV_JWT_SECRET)
    assert str(claims.sub) == REP1
    assert auth.MAX_TOKEN_LIFETIME_SECONDS == DAY


def test_the_service_answers_an_overlong_token_with_a_401_problem() -> None:
    @get("/probe", sync_to_thread=False)
    def probe() -> str:
        decode_token(signed(exp=int(time.time()) + TEN_YEARS), DEV_JWT_SECRET)
        return "accepted"

    app = Litestar([probe], plugins=[problem_details_plugin()])
    with TestClient(app) as client:
        response = client.get("/probe")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "FP104"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_services_user_transaction_refuses_overlong_claims_in_the_database(
    cluster: Cluster, seeded_database: str
) -> None:
    """Even claims that bypassed decode_token are refused by the same pre-request check."""
    settings = load_settings(cluster.env(seeded_database) | {"FRESHPLAN_ENV": "test"})
    overlong = Claims(
        role="sales_rep",
        sub=uuid.UUID(REP1),
        tenant_id=uuid.UUID(REP1_CLAIMS["tenant_id"]),
        org_id=uuid.UUID(REP1_CLAIMS["org_id"]),
        exp=int(time.time()) + TEN_YEARS,
    )

    async def scenario() -> None:
        pool = create_pool(settings)
        await pool.open()
        try:
            async with user_transaction(pool, overlong) as conn:
                await conn.execute("select 1")
        finally:
            await pool.close()

    with pytest.raises(psycopg.Error) as failure:
        asyncio.run(scenario())
    assert failure.value.diag.sqlstate == "PGRST"
    assert '"FP104"' in (failure.value.diag.message_primary or "")


# ----------------------------------------------------------------------------- freshplan token


@pytest.mark.parametrize("ttl", ["25h", "2d", "1441m", "86401s", "7d"])
def test_token_command_refuses_a_ttl_over_24_hours(
    cluster: Cluster, seeded_database: str, ttl: str
) -> None:
    result = run_freshplan(
        cluster, seeded_database, "token", "--email", "rep1@freshfoodz.example", "--ttl", ttl
    )

    assert result.returncode != 0
    assert result.stdout == ""
    assert "at most 24h" in result.stderr


def test_token_command_mints_24_hours_and_the_8_hours_of_make_run(
    postgrest: Service, token_for: Callable[..., str]
) -> None:
    for ttl, seconds in [("24h", DAY), ("1d", DAY), ("8h", 8 * 3600)]:
        token = token_for("rep1@freshfoodz.example", "--ttl", ttl)
        exp = jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"])["exp"]
        assert seconds - 60 <= exp - time.time() <= seconds, ttl
        assert whoami(postgrest, token).status_code == 200, ttl


# ----------------------------------------------------------------------------- startup refusals


def production_env(cluster: Cluster, dbname: str, **extra: str) -> dict[str, str]:
    env = cluster.env(dbname) | {
        "FRESHPLAN_ENV": "production",
        "FRESHPLAN_JWT_SECRET": DEV_JWT_SECRET,
        "FRESHPLAN_DATABASE_URL": cluster.conninfo(dbname, "svc_api"),
        "FRESHPLAN_JOBS_DATABASE_URL": cluster.conninfo(dbname, "svc_jobs"),
        "FRESHPLAN_SMTP_URL": "smtp://127.0.0.1:9",
        "FRESHPLAN_POSTGREST_PORT": str(free_port()),
        "FRESHPLAN_POSTGREST_ADMIN_PORT": str(free_port()),
        "FRESHPLAN_API_PORT": str(free_port()),
    }
    env.pop("PGRST_JWT_SECRET", None)
    return env | extra


def refused_start(command: list[str], env: dict[str, str], log_path: Path) -> tuple[int, str]:
    """Run a server command that must refuse to start: its exit status and its output.
    A server that starts instead is killed and the test fails."""
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            status = process.wait(timeout=STARTUP_REFUSAL_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            output = log_path.read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"{command[0]} started instead of refusing:\n{output}")
    return status, log_path.read_text(encoding="utf-8", errors="replace")


def api_command(port: str) -> list[str]:
    return [
        str(ROOT / ".venv/bin/uvicorn"),
        "--factory",
        "api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        port,
    ]


def test_postgrest_refuses_to_start_in_production_with_the_dev_secret(
    cluster: Cluster, seeded_database: str, tmp_path: Path
) -> None:
    env = production_env(cluster, seeded_database)

    status, output = refused_start([str(ROOT / "scripts/postgrest")], env, tmp_path / "p.log")

    assert status != 0
    assert "development secret" in output
    assert "FRESHPLAN_JWT_SECRET" in output


def test_postgrest_refuses_the_dev_secret_given_as_pgrst_jwt_secret(
    cluster: Cluster, seeded_database: str, tmp_path: Path
) -> None:
    env = production_env(
        cluster,
        seeded_database,
        FRESHPLAN_JWT_SECRET="a-proper-production-secret-of-40-characters",
        PGRST_JWT_SECRET=DEV_JWT_SECRET,
    )

    status, output = refused_start([str(ROOT / "scripts/postgrest")], env, tmp_path / "p.log")

    assert status != 0
    assert "development secret" in output


@pytest.mark.parametrize("profile", ["staging", "prod", "Production"])
def test_postgrest_refuses_an_unknown_profile_instead_of_treating_it_as_local(
    cluster: Cluster, seeded_database: str, tmp_path: Path, profile: str
) -> None:
    env = production_env(cluster, seeded_database, FRESHPLAN_ENV=profile)
    env.pop("FRESHPLAN_JWT_SECRET")

    status, output = refused_start([str(ROOT / "scripts/postgrest")], env, tmp_path / "p.log")

    assert status != 0
    assert "FRESHPLAN_ENV" in output
    assert profile in output


def test_the_service_refuses_to_start_in_production_with_the_dev_secret(
    cluster: Cluster, seeded_database: str, tmp_path: Path
) -> None:
    env = production_env(cluster, seeded_database)

    status, output = refused_start(
        api_command(env["FRESHPLAN_API_PORT"]), env, tmp_path / "api.log"
    )

    assert status != 0
    assert "FRESHPLAN_JWT_SECRET: the development secret is refused in production" in output
    assert "Traceback" not in output  # one clear line, not a stack trace


def test_the_service_refuses_an_unknown_profile(
    cluster: Cluster, seeded_database: str, tmp_path: Path
) -> None:
    env = production_env(cluster, seeded_database, FRESHPLAN_ENV="staging")

    status, output = refused_start(
        api_command(env["FRESHPLAN_API_PORT"]), env, tmp_path / "api.log"
    )

    assert status != 0
    assert "FRESHPLAN_ENV must be local, test or production, got 'staging'" in output
    assert "Traceback" not in output
